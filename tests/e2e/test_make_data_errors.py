"""End to end: data with several mistakes stop ``make reports`` once, naming every mistake.

A copy of the project (``tests/e2e/_project.py``) gets three bad cells in one figures file, an
invisible character in a source's publisher and a ``java<TAB>script:`` URL, each found by
content; one ``make reports`` must list them all (file, line, column, value as written), print
no traceback and leave every committed output as it was.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import pytest

from tests.e2e._project import MAKE, VENV, assert_unchanged, make, snapshot, stamped_project

pytestmark = [
    pytest.mark.skipif(MAKE is None, reason="GNU make is not installed"),
    pytest.mark.skipif(not (VENV / "bin" / "python").exists(), reason="not running in a venv"),
]


def _edit(path: Path, edits: dict[int, dict[str, str]]) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames), list(reader)
    for i, cells in edits.items():
        rows[i].update(cells)
    buffer = _io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_every_data_mistake_is_named_in_one_failed_make(tmp_path):
    project = stamped_project(tmp_path)
    before = snapshot(project)
    raw = project / "data" / "raw"
    figures = sorted(raw.glob("*_figures.csv"))[0]
    _edit(figures, {0: {"value_pct": "abc"}, 1: {"wave": "March"}, 2: {"option": "no such"}})
    _edit(raw / "sources.csv", {0: {"publisher": "REM\u202e"},
                                1: {"url": "java\tscript:alert(document.domain)"}})

    out = make(project)
    output = out.stdout + out.stderr
    assert out.returncode != 0, output
    assert "Traceback" not in output, output
    name = f"data/raw/{figures.name}"
    # sources.csv is read first (every figure needs it): its two problems come in one message
    expected = ["2 problems in the data:",
                "data/raw/sources.csv, line 2, column 'publisher': value 'REM\\u202e'",
                "data/raw/sources.csv, line 3, column 'url': value "
                "'java\\tscript:alert(document.domain)'"]
    for line in expected:
        assert output.count(line) == 1, f"{line!r} not once in\n{output}"
    assert_unchanged(project, before)

    _edit(raw / "sources.csv", {0: {"publisher": "REM"}, 1: {"url": "https://example.org/"}})
    out = make(project)
    output = out.stdout + out.stderr
    assert out.returncode != 0, output
    assert "3 problems in the data:" in output, output
    for line, column in ((2, "value_pct"), (3, "wave"), (4, "option")):
        assert output.count(f"{name}, line {line}, column '{column}'") == 1, output
    assert "Traceback" not in output, output
    assert_unchanged(project, before)
