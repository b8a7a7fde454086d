"""Every project path, found from the package location (not the working directory).

papermill, nbval and JupyterLab start kernels in different folders; resolving paths from this
file keeps notebooks and tests runnable from anywhere.

Only ``make`` publishes into ``reports/`` and ``data/processed/``. While it builds a report,
``CHASM_STAGING`` sends every output to that run's staging folder (moved into place when the
whole build succeeded); nbval and the tests set it to a temporary folder. Anywhere else (a
notebook run in JupyterLab, a script) outputs go to the scratch folder ``.build/scratch/``
(:data:`SCRATCH`), and the first output says so: an interactive run never changes what the
reports publish.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The project root: the folder that holds ``src/chasm``, never an inherited variable (a copy
#: of the project is used by importing its own package, ``PYTHONPATH=<copy>/src``).
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
RAW = DATA / "raw"
METADATA = RAW / "metadata"
PROCESSED = DATA / "processed"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = NOTEBOOKS / "params"
REPORTS = ROOT / "reports"
TESTS = ROOT / "tests"
#: Where outputs of runs outside make go (not committed).
SCRATCH = ROOT / ".build" / "scratch"
_told = False


def staged(final: Path) -> Path:
    """Where an output whose final place is ``final`` (under the project root) is written.

    ``$CHASM_STAGING/<final relative to the root>`` while ``make`` builds a report (moved into
    place only on success) or while nbval re-executes one (a temporary folder); else the same
    place under :data:`SCRATCH`, said once per process (on stderr, so a notebook shows it)."""
    global _told
    staging = os.environ.get("CHASM_STAGING")
    if staging:
        return Path(staging) / final.relative_to(ROOT)
    if not _told:
        _told = True
        print(f"Not run by make: this run's outputs go to {SCRATCH} (reports/ and "
              "data/processed/ change only through make reports)", file=sys.stderr)
    return SCRATCH / final.relative_to(ROOT)


def output_dir() -> Path:
    """Folder that receives a run's report outputs (tables, figures): ``staged(reports/)``."""
    return staged(REPORTS)


def tables_dir() -> Path:
    """Folder of per-report key-number tables (``<output>/tables``), created on demand."""
    path = output_dir() / "tables"
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_dir() -> Path:
    """Folder of report figures and the CSV of their numbers (``<output>/figures``)."""
    path = output_dir() / "figures"
    path.mkdir(parents=True, exist_ok=True)
    return path


def relative(path: Path | str) -> str:
    """``path`` relative to the project root, with forward slashes (for reports and errors)."""
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()
