"""Findings travel to the landing page, by data alone (issue 23).

On a copy of the project, files only: a new wave whose complete age breakdown (from two press
reports) cannot be reconciled with its total, and a synthetic series in which one wave has two
sources that cannot both be right, so that the verdict of the change into that wave depends on
the source and the declared source ranking (``metadata/ranking.yaml``) decides it. After the
two runs and the index step, the landing page lists each finding next to the run that found
it, with its numbers (read from the run's table), its outlets and a link to the run's findings
box; a run that found nothing of the kind has no such list, and before the new data the
landing page has none at all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from tests.e2e._project import MAKE, make, stamped_project

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")

BREAKDOWN = """\
figure_id,source_id,wave,question,option,subgroup_var,subgroup,value_pct,value_text,context
T01,press-a,2019-05,wish_to_emigrate,would,all,all,15,15%,total
T02,press-a,2019-05,wish_to_emigrate,would,age,18-24,30,30%,18-24
T03,press-a,2019-05,wish_to_emigrate,would,age,25-39,20,20%,25-39
T04,press-b,2019-05,wish_to_emigrate,would,age,40-54,10,10%,40-54
T05,press-b,2019-05,wish_to_emigrate,would,age,55+,5,5%,55 and older
"""
WAVES = ["2010-03", "2010-09", "2011-03", "2011-09", "2012-03"]
VALUES = [20, 21, 23, 24, 26]
SERIES = "figure_id,source_id,wave,question,option,subgroup_var,subgroup,value_pct,value_text\n"
SERIES += "".join(f"Y{i + 1:02d},synthetic-institute,{w},trust_media,trust,all,all,{v},{v}%\n"
                  for i, (w, v) in enumerate(zip(WAVES, VALUES, strict=True)))
# a newspaper's 31% for 2012-03: from 24% that is a rise beyond sampling error, the
# institute's 26% is not; the declared ranking (primary before secondary) takes the institute's
SERIES += "Y09,synthetic-daily,2012-03,trust_media,trust,all,all,31,31%\n"


def _append_yaml(path, entries: dict) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(entries)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _index(project) -> str:
    """The index step alone (the landing page from the runs' tables), in the copy."""
    env = {k: v for k, v in os.environ.items()  # as tests.e2e._project.make: the copy alone
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CHASM_STAGING",
                        "CHASM_OUTPUT_DIR", "CHASM_READ_LOG", "JUPYTER_PATH", "PYTHONPATH",
                        "CHASM_MAKE_ROOT")}
    env["PYTHONPATH"] = str(project / "src")
    out = subprocess.run([sys.executable, "-m", "chasm.build", "index"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return (project / "reports" / "index.html").read_text(encoding="utf-8")


def _runs_item(page: str, run: str) -> str:
    """The landing page's list item of ``run``: its link and what it found that travels."""
    start = page.index(f'<a href="{run}.html">')
    end = page.find('\n<li><a href="', start + 1)
    return page[start:end if end > 0 else None]


def test_inconsistencies_and_source_decided_changes_reach_the_landing_page(tmp_path):
    project = stamped_project(tmp_path)
    before = _index(project)
    assert 'class="travel"' not in before  # the project's own data: nothing of the kind

    raw = project / "data" / "raw"
    (raw / "travel_breakdown_figures.csv").write_text(BREAKDOWN, encoding="utf-8")
    (raw / "travel_series_figures.csv").write_text(SERIES, encoding="utf-8")
    with open(raw / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("press-a,secondary,Paper A,A synthetic press report,2019-06,,"
                 "Synthetic: a breakdown\n"
                 "press-b,secondary,Paper B,Another synthetic press report,2019-07,"
                 "https://example.org/paper-b,Synthetic: the rest of the breakdown\n"
                 "synthetic-institute,primary,Synthetic Polling Institute,Trust monitor,2014,,"
                 "Synthetic: a series\n"
                 "synthetic-daily,secondary,Synthetic Daily,Trust is up,2014,,"
                 "Synthetic: a newspaper's report of one wave\n")
    meta = raw / "metadata"
    _append_yaml(meta / "questions.yaml", {"trust_media": {
        "wording_en": "Do you trust the media? (synthetic)", "wording_ru": None,
        "response": "single", "base": "all respondents",
        "options": {"trust": {"label": "trust the media"}}}})
    _append_yaml(meta / "waves.yaml", {w: {"label": f"synthetic wave {w}", "fieldwork": None,
                                           "n": 1600, "n_assumed": True, "approval_month": w}
                                       for w in [*WAVES, "2019-05"]})
    params = project / "notebooks" / "params"
    (params / "05_subgroups--travel.yaml").write_text(
        'wave: "2019-05"\nquestion: wish_to_emigrate\noption: would\n', encoding="utf-8")
    (params / "08_series--travel.yaml").write_text("question: trust_media\noption: trust\n",
                                                   encoding="utf-8")
    for run in ("05_subgroups--travel", "08_series--travel"):  # each run, then the index
        out = make(project, f"RUN={run}", target="report")
        assert out.returncode == 0, out.stdout + out.stderr
    page = (project / "reports" / "index.html").read_text(encoding="utf-8")

    # the inconsistent breakdown, next to the run that found it, its numbers from its table
    table = pd.read_csv(project / "reports" / "tables" / "05_subgroups--travel.csv")
    bad = table[table["verdict"] == "inconsistent"].iloc[0]
    item = _runs_item(page, "05_subgroups--travel")
    assert 'class="travel"' in item and "inconsistent breakdown" in item
    numbers = f"the groups imply {bad['low']:.1f}–{bad['high']:.1f}%"
    assert numbers in item and "the published total is 15%" in item
    assert "“would like to move abroad” by age" in item  # labels, not codes
    assert "wish_to_emigrate" not in item
    assert 'href="https://example.org/paper-b">Paper B, 2019-07</a>' in item  # its address
    assert 'href="index.html#src-press-a">Paper A, 2019-06</a>' in item  # none recorded
    assert 'href="05_subgroups--travel.html#findings"' in item
    # the run's own findings box says the same
    run_page = (project / "reports" / "05_subgroups--travel.html").read_text(encoding="utf-8")
    box = run_page[run_page.index('id="findings"'):run_page.index("</section>")]
    assert f"the groups imply {bad['low']:.1f}–{bad['high']:.1f}%" in box

    # the sources that disagree and the change the declared ranking decides
    series = pd.read_csv(project / "reports" / "tables" / "08_series--travel.csv")
    decided = series[(series["part"] == "change") & series["depends_on_source"].eq(True)]
    assert set(decided["wave_2"]) == {"2012-03"}
    ranked = decided[decided["best"].eq(True)].iloc[0]
    item = _runs_item(page, "08_series--travel")
    assert "sources disagree" in item and "the source decides" in item
    assert "2012-03, “trust the media”" in item and "which cannot all be right" in item
    assert "the declared ranking uses Y05" in item
    assert "2011-09 → 2012-03" in item
    for r in decided.itertuples():
        assert f"{r.value:+.1f} points, {r.verdict}".replace("-", "−") in item
    assert f"the declared ranking reads it as {ranked['verdict']}" in item
    assert "Synthetic Daily, 2014" in item and 'href="01_ingest.html#fig-Y09"' in item
    assert 'href="08_series--travel.html#findings"' in item
    # runs that found nothing of the kind carry no list
    for run in ("05_subgroups", "08_series", "03_waves"):
        assert 'class="travel"' not in _runs_item(page, run), run
    assert len(re.findall(r'<ul class="travel"', page)) == 2
