"""A breakdown that misses its published total is flagged, by data alone, with its outlets.

On a temporary copy of the project, a new wave of the wish-to-emigrate question is added by
files only: its figures (a total of 15% and all four age groups, 30/20/10/5%, the total and two
groups from one press report, the other two groups from another), a breakdown by a variable
whose group sizes no source gives (relatives abroad 30%, none 20%), the wave in
``metadata/waves.yaml``, the sources in ``sources.csv``, a second population table dated near
the wave and two params files for 05_subgroups. Weighted by either population table the four
age groups imply about 12-13%, so no reading of the rounding reconciles them with 15%; make
must re-ingest, render the runs, and the report must say, in its findings and in a chart of its
own, that the identity fails, which outlets the cells come from, which population table it used
and how much the other one moves the check. The breakdown of unknown sizes is checked at every
size the groups can have (its total must lie between its groups: 15% is below both), its chart
draws what the figures give, and no age or approval weights are printed for it.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from tests.e2e._project import MAKE, make, stamped_project

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")

FIGURES = """\
figure_id,source_id,wave,question,option,subgroup_var,subgroup,value_pct,value_text,context
T01,press-a,2019-05,wish_to_emigrate,would,all,all,15,15%,total
T02,press-a,2019-05,wish_to_emigrate,would,age,18-24,30,30%,18-24
T03,press-a,2019-05,wish_to_emigrate,would,age,25-39,20,20%,25-39
T04,press-b,2019-05,wish_to_emigrate,would,age,40-54,10,10%,40-54
T05,press-b,2019-05,wish_to_emigrate,would,age,55+,5,5%,55 and older
T06,press-b,2019-05,wish_to_emigrate,would,relatives_emigrated,abroad,30,30%,relatives abroad
T07,press-b,2019-05,wish_to_emigrate,would,relatives_emigrated,none,20,20%,no relatives abroad
"""
RELATIVES = """relatives_emigrated:
  label: has relatives who emigrated
  groups:
    abroad: {label: has relatives abroad}
    none: {label: has no relatives abroad}
"""


def _outputs(path) -> str:
    """What a report shows a reader: the text of its cells' outputs (code left out)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(o.get("data", {}).get(kind, ""))
                     for cell in notebook["cells"] for o in cell.get("outputs", [])
                     for kind in ("text/markdown", "text/html"))


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
    project = stamped_project(tmp_path)
    raw = project / "data" / "raw"
    (raw / "series_figures.csv").write_text(FIGURES, encoding="utf-8")
    with open(raw / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("press-a,secondary,Paper A,A synthetic press report for tests,2019-06,,"
                 "Synthetic: a complete breakdown\n"
                 "press-b,secondary,Paper B,Another synthetic press report,2019-07,,"
                 "Synthetic: the rest of the breakdown\n")
    with open(raw / "metadata" / "subgroups.yaml", "a", encoding="utf-8") as fh:
        fh.write(RELATIVES)
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
    (project / "notebooks" / "params" / "05_subgroups--relatives.yaml").write_text(
        'wave: "2019-05"\nquestion: wish_to_emigrate\noption: would\n'
        "subgroup_vars: [relatives_emigrated]\n", encoding="utf-8")

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
    # the inconsistency opens the page (its findings) and names the outlets of its cells
    found = html[html.index('id="what-this-page-finds"'):]
    found = found[:found.index("<h2")]
    assert "the groups imply 10.0–11.0%, the published total is 15%" in found
    assert "Its figures come from 2 sources (Paper A, 2019-06; Paper B, 2019-07)" in found
    assert "a secondary summary" not in html
    # ... and has a chart of its own, whose source line names both outlets
    svg = project / "reports" / "figures" / "05_subgroups--series-inconsistent.svg"
    plotted = pd.read_csv(svg.with_suffix(".csv"))
    assert set(plotted["figure_id"].dropna()) == {"T01", "T02", "T03", "T04", "T05"}
    text = svg.read_text(encoding="utf-8")
    assert "Paper A, 2019-06 (secondary)" in text and "Paper B, 2019-07 (secondary)" in text
    assert "the groups imply 10.0–11.0%, the published total is 15%" in text  # its finding

    out = make(project, target="reports/05_subgroups--relatives.ipynb")
    assert out.returncode == 0, out.stdout + out.stderr
    shown = _outputs(project / "reports" / "05_subgroups--relatives.ipynb")
    # no age or approval weights for a breakdown that is neither
    assert "Adults 18+" not in shown and "Approval in" not in shown
    # every size the groups can have: 15% lies below both groups (19.5-30.5%)
    rows = pd.read_csv(project / "reports" / "tables" / "05_subgroups--relatives.csv")
    every = rows.set_index("check").loc[
        "every breakdown: wish_to_emigrate 'would' by relatives_emigrated (complete, any sizes)"]
    assert every["verdict"] == "inconsistent" and every["low"] == 19.5
    assert "lies above the total 15% whatever its size" in shown
    assert "is at most 79.5% of the sample" in shown  # 15.5 / 19.5 for "none" at 20%
    assert "Nothing to draw" not in shown
    plotted = pd.read_csv(project / "reports" / "figures" / "05_subgroups--relatives-would.csv")
    assert set(plotted["figure_id"].dropna()) == {"T06", "T07", "T01"}
