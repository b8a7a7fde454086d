"""End to end: ``make reports`` on a copy of the project fails cleanly and keeps every output.

Each test copies the project (tracked files plus ``src/``) into a temporary folder and runs
``make -C <copy> reports`` there with this interpreter's venv (``VENV=``) and ``CHASM_ROOT``
pointing at the copy, so the real ``reports/`` and ``data/`` are never touched. The copy's
files are dated so that its committed reports are up to date (as on a freshly built clone),
and ``STAMP=`` names a fresh file so that make never reinstalls the shared venv.

Budget: the whole module runs in well under 60 s (each make call is bounded by a timeout).
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest

from tests.e2e._project import (
    MAKE,
    VENV,
    assert_unchanged,
    copy_project,
    make,
    snapshot,
    stamped_project,
)

BUDGET_S = 60

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


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project after its first make (made once per session)."""
    return stamped_project(tmp_path)


def test_make_would_not_reinstall_the_venv(tmp_path):
    # a fresh copy, not the stamped one: its first make is the one that must not reinstall
    project = copy_project(tmp_path)
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
        assert "▶ [1/1] 99_fail" in output, f"attempt {attempt} did not run the notebook:\n{output}"
        assert "99_fail: cell" in output and "raised RuntimeError: deliberate failure in the " \
            "second cell" in output, output
        assert "raise RuntimeError('deliberate failure in the second cell')" in output, output
        assert "never reached" not in output
        for suffix in (".ipynb", ".html"):
            assert not (project / "reports" / f"99_fail{suffix}").exists()
        assert_unchanged(project, before)
