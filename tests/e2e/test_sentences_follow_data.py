"""Conclusions follow from the numbers: change a raw figure and the reports' sentences change.

On a temporary copy of the project, April 2025 "traitors" (E01) goes from 37% to 43%, the
March 2024 value. make re-ingests and rebuilds only what depends on it; 03_waves must then say
that the change is 0.0 points and within sampling error, and 07_interpretation must no longer
call the fall supported.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.e2e._project import MAKE, make, stamped_project

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")

ROW = "E01,essay-chasm-2025,2025-04,why_people_leave,traitors,all,all,37,37%,"


def _text(path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_changing_a_figure_changes_the_sentences(tmp_path):
    project = stamped_project(tmp_path)
    reports = project / "reports"
    before = _text(reports / "03_waves.html")
    assert 'the essay\'s "37%" (E06 → E01): −6.0 points' in before
    raw = project / "data" / "raw" / "essay_figures.csv"
    text = raw.read_text(encoding="utf-8")
    assert ROW in text
    raw.write_text(text.replace(ROW, ROW.replace(",37,37%,", ",43,43%,")), encoding="utf-8")

    for target in ("reports/03_waves.ipynb", "reports/07_interpretation.ipynb"):
        out = make(project, target=target)
        assert out.returncode == 0, out.stdout + out.stderr
    after = _text(reports / "03_waves.html")
    assert 'the essay\'s "43%" (E06 → E01): 0.0 points' in after
    assert 'the essay\'s "37%" (E06 → E01)' not in after
    interpretation = _text(reports / "07_interpretation.html")
    assert "is 0.0 points" in interpretation
    assert "Its verdict is inconclusive" in interpretation
    assert "not a firm one, so it has no tipping point" in interpretation
