"""A complete breakdown that misses its published total is flagged, by data alone.

On a temporary copy of the project, a new wave of the wish-to-emigrate question is added by
files only: its figures (a total of 15% and all four age groups, 30/20/10/5%), the wave in
``metadata/waves.yaml``, its source in ``sources.csv``, a second population table dated near
the wave and a params file for 05_subgroups. Weighted by either population table the four
groups imply about 12-13%, so no reading of the rounding reconciles them with 15%; make must
re-ingest, render the run, and the report must say that the identity fails, which population
table it used and how much the other one moves the check.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from tests.e2e._project import MAKE, copy_project, make

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")

FIGURES = """\
figure_id,source_id,wave,question,option,subgroup_var,subgroup,value_pct,value_text,context
T01,press-a,2019-05,wish_to_emigrate,would,all,all,15,15%,total
T02,press-a,2019-05,wish_to_emigrate,would,age,18-24,30,30%,18-24
T03,press-a,2019-05,wish_to_emigrate,would,age,25-39,20,20%,25-39
T04,press-a,2019-05,wish_to_emigrate,would,age,40-54,10,10%,40-54
T05,press-a,2019-05,wish_to_emigrate,would,age,55+,5,5%,55 and older
"""


def _older_population(text: str) -> str:
    """The 2024 table with every count of age 55 and over doubled (per sex): a synthetic
    second table whose weights differ, with male + female = total kept."""
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        age, _, male, female = (int(v) for v in line.split(","))
        if age >= 55:
            male, female = 2 * male, 2 * female
        out.append(f"{age},{male + female},{male},{female}")
    return "\n".join(out) + "\n"


def test_a_complete_breakdown_that_misses_its_total_is_flagged_in_the_report(tmp_path):
    project = copy_project(tmp_path)
    raw = project / "data" / "raw"
    (raw / "series_figures.csv").write_text(FIGURES, encoding="utf-8")
    with open(raw / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("press-a,secondary,Paper A,A synthetic press report for tests,2019-06,,"
                 "Synthetic: a complete breakdown\n")
    pop = (raw / "rosstat_population_2024-01-01.csv").read_text(encoding="utf-8")
    (raw / "rosstat_population_2019-01-01.csv").write_text(_older_population(pop),
                                                             encoding="utf-8")
    waves = raw / "metadata" / "waves.yaml"
    data = yaml.safe_load(waves.read_text(encoding="utf-8"))
    data["2019-05"] = {"label": "synthetic May 2019", "fieldwork": None, "n": 1600,
                       "n_assumed": True, "approval_month": "2019-05"}
    waves.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                     encoding="utf-8")
    (project / "notebooks" / "params" / "05_subgroups--series.yaml").write_text(
        'wave: "2019-05"\nquestion: wish_to_emigrate\noption: would\n', encoding="utf-8")

    out = make(project, target="reports/05_subgroups--series.ipynb")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "▶ 01_ingest" in out.stdout  # the new raw file re-ran the ingest
    table = pd.read_csv(project / "reports" / "tables" / "05_subgroups--series.csv")
    rows = table.set_index("check")
    detail = rows.loc["would by age: identity, every group published"]
    assert detail["verdict"] == "inconsistent" and detail["figure_ids"] == "T02;T03;T04;T05;T01"
    assert detail["high"] < 14.5  # the groups cannot reach the total's lowest reading
    every = rows.loc["every breakdown: wish_to_emigrate 'would' by age (complete)"]
    assert every["wave"] == "2019-05" and every["verdict"] == "inconsistent"
    html = (project / "reports" / "05_subgroups--series.html").read_text()
    assert "The figures are <strong>inconsistent</strong>: no reading of the rounding" in html
    assert "table of 2019-01-01 for 2019-05 (0.3 years away)" in html
    assert "With the next nearest table the implied totals move by at most" in html
    # the essay's own waves keep the 2024 table, the nearest to them
    assert "table of 2024-01-01 for 2024-03 (0.2 years away)" in html
