"""End to end: ``make reports`` on a copy of the project fails cleanly and keeps every output.

Each test copies the project (tracked files plus ``src/``) into a temporary folder and runs
``make -C <copy> reports`` there with this interpreter's venv (``VENV=``) and ``CHASM_ROOT``
pointing at the copy, so the real ``reports/`` and ``data/`` are never touched. The copy's
files are dated so that its committed reports are up to date (as on a freshly built clone),
and ``STAMP=`` names a fresh file so that make never reinstalls the shared venv.

Budget: the whole module runs in well under 60 s (each make call is bounded by a timeout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from chasm import paths

BUDGET_S = 60
VENV = Path(sys.prefix)
MAKE = shutil.which("make")
T0 = time.time() - 86400  # inputs: a day ago; outputs a minute later, so they are up to date
IGNORE = shutil.ignore_patterns(".venv", ".git", ".staging", "__pycache__", ".pytest_cache",
                                ".hypothesis", ".bench", "*.egg-info", ".ipynb_checkpoints")

pytestmark = [
    pytest.mark.skipif(MAKE is None, reason="GNU make is not installed"),
    pytest.mark.skipif(not (VENV / "bin" / "python").exists(), reason="not running in a venv"),
]


@pytest.fixture(scope="module", autouse=True)
def budget():
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"test_make_failure took {elapsed:.0f} s (budget {BUDGET_S} s)"


def _project_files() -> list[Path]:
    """Tracked files (their working-tree content) and everything under src/."""
    try:
        out = subprocess.run(["git", "-C", str(paths.ROOT), "ls-files", "-z"], check=True,
                             capture_output=True, timeout=20).stdout.decode()
        files = {Path(p) for p in out.split("\0") if p}
    except (OSError, subprocess.SubprocessError):
        return []
    files |= {p.relative_to(paths.ROOT) for p in (paths.ROOT / "src").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p)}
    return sorted(p for p in files if (paths.ROOT / p).is_file())


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project whose reports are up to date."""
    copy = tmp_path / "project"
    files = _project_files()
    if files:
        for rel in files:
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(paths.ROOT / rel, copy / rel)
    else:  # not a git checkout
        shutil.copytree(paths.ROOT, copy, ignore=IGNORE)
    for path in copy.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
        outputs = path.is_relative_to(copy / "reports") or path.is_relative_to(
            copy / "data" / "processed")
        stamp = T0 + 60 if outputs else T0
        os.utime(path, (stamp, stamp))
    (tmp_path / "installed").touch()  # the venv stamp: newer than requirements.lock
    return copy


def make(project: Path, *args: str, dry_run: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CHASM_STAGING",
                        "CHASM_OUTPUT_DIR", "CHASM_READ_LOG", "JUPYTER_PATH")}
    env.update(CHASM_ROOT=str(project), PYTHONPATH=str(project / "src"))
    cmd = [MAKE, "-C", str(project), *(["-n"] if dry_run else []), "reports", f"VENV={VENV}",
           f"STAMP={project.parent / 'installed'}", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=50)


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file under reports/ (but the build's scratch folder) and data/processed/."""
    files = {}
    for folder in (project / "reports", project / "data" / "processed"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".staging" not in path.relative_to(project).parts:
                files[path.relative_to(project).as_posix()] = path.read_bytes()
    return files


def assert_unchanged(project: Path, before: dict[str, bytes]) -> None:
    after = snapshot(project)
    assert sorted(after) == sorted(before), "files appeared or disappeared in reports/ or data/"
    changed = [name for name in before if after[name] != before[name]]
    assert not changed, f"changed by a failed make: {changed}"


def test_make_would_not_reinstall_the_venv(project):
    out = make(project, dry_run=True)
    assert out.returncode == 0, out.stderr
    assert "pip install" not in out.stdout and "-m venv" not in out.stdout
    assert "chasm.build run" not in out.stdout, f"the copy is not up to date:\n{out.stdout}"


def test_bad_raw_file_stops_make_with_one_message_and_keeps_outputs(project):
    before = snapshot(project)
    assert "data/processed/figures.csv" in before and "reports/index.html" in before
    raw = project / "data" / "raw" / "essay_figures.csv"
    text = raw.read_text(encoding="utf-8")
    row = "E01,essay-chasm-2025,2025-04,why_people_leave,traitors,all,all,37,37%,"
    assert text.splitlines()[1].startswith(row)
    raw.write_text(text.replace(row, row.replace(",37,37%,", ",abc,37%,"), 1), encoding="utf-8")

    out = make(project)
    output = out.stdout + out.stderr
    assert out.returncode != 0, output
    message = "data/raw/essay_figures.csv, line 2, column 'value_pct': value 'abc': is not a number"
    assert output.count(message) == 1, output
    assert "Traceback" not in output, output
    assert "Deleting file" not in output, output
    assert_unchanged(project, before)


FAILING_CELL = "y = x + 1\nraise RuntimeError('deliberate failure in the second cell')"


def add_failing_notebook(project: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "chasm", "display_name": "Python (chasm)",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 · fails on purpose"),
        nbformat.v4.new_code_cell('run = "99_fail"\nx = 1', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(FAILING_CELL),
        nbformat.v4.new_code_cell("print('never reached')"),
    ]
    nbformat.write(nb, project / "notebooks" / "99_fail.ipynb")
    (project / "notebooks" / "params" / "99_fail.yaml").write_text("# fails on purpose\n{}\n")


def test_failing_notebook_fails_make_leaves_no_report_and_is_retried(project):
    before = snapshot(project)
    add_failing_notebook(project)
    for attempt in (1, 2):
        out = make(project, "INPUTS_99_fail=")
        output = out.stdout + out.stderr
        assert out.returncode != 0, f"attempt {attempt}:\n{output}"
        assert "Nothing to be done" not in output and "is up to date" not in output
        assert "▶ 99_fail" in output, f"attempt {attempt} did not run the notebook:\n{output}"
        assert "99_fail: cell" in output and "raised RuntimeError: deliberate failure in the " \
            "second cell" in output, output
        assert "raise RuntimeError('deliberate failure in the second cell')" in output, output
        assert "never reached" not in output
        for suffix in (".ipynb", ".html", ".reader.html"):
            assert not (project / "reports" / f"99_fail{suffix}").exists()
        assert_unchanged(project, before)
