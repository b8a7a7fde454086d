"""Adding a published table needs data only: a raw file, its metadata and a params file.

On a temporary copy of the project, a synthetic table (another question, single response,
other waves, a breakdown variable of its own) is added without touching any code; make then
re-ingests and renders a report that shows the new figures.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from tests.e2e._project import MAKE, make, stamped_project

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")

FIGURES = """\
figure_id,source_id,wave,question,option,subgroup_var,subgroup,value_pct,value_text,context
X01,example-release,2023-06,trust_emigrants,trust,all,all,21,21%,total
X02,example-release,2023-11,trust_emigrants,trust,all,all,,about a quarter,"total, in words"
X03,example-release,2023-06,trust_emigrants,trust,settlement,moscow,30,30%,Moscow
X04,example-release,2023-06,trust_emigrants,distrust,all,all,64,64%,total
"""


def _append_yaml(path, entries: dict) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(entries)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_new_table_renders_with_no_code_change(tmp_path):
    project = stamped_project(tmp_path)
    raw = project / "data" / "raw"
    (raw / "example_figures.csv").write_text(FIGURES, encoding="utf-8")
    with open(raw / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("example-release,primary,Example Center,A synthetic release for tests,2023-12,,"
                 "Synthetic: exercises adding a table\n")
    meta = raw / "metadata"
    _append_yaml(meta / "questions.yaml", {"trust_emigrants": {
        "wording_en": "Do you trust those who emigrated? (synthetic)", "wording_ru": None,
        "response": "single", "base": "all respondents",
        "options": {"trust": {"label": "trust"}, "distrust": {"label": "distrust"}}}})
    _append_yaml(meta / "waves.yaml", {
        "2023-06": {"label": "synthetic June 2023", "fieldwork": None, "n": 1600,
                    "n_assumed": True, "approval_month": "2023-06"},
        "2023-11": {"label": "synthetic November 2023", "fieldwork": None, "n": 1600,
                    "n_assumed": True, "approval_month": "2023-11"}})
    _append_yaml(meta / "subgroups.yaml", {"settlement": {
        "label": "type of settlement",
        "groups": {"moscow": {"label": "Moscow"}, "village": {"label": "village"}}}})
    (project / "notebooks" / "params" / "02_uncertainty--example.yaml").write_text("{}\n")

    out = make(project, target="reports/02_uncertainty--example.ipynb")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "▶ 01_ingest" in out.stdout  # the new raw file re-ran the ingest
    tidy = pd.read_csv(project / "data" / "processed" / "figures.csv")
    assert {"X01", "X02", "X03", "X04"} <= set(tidy["figure_id"])
    table = pd.read_csv(project / "reports" / "tables" / "02_uncertainty--example.csv")
    assert {"X01", "X02", "X03", "X04"} <= set(table["figure_id"])
    html = (project / "reports" / "02_uncertainty--example.html").read_text()
    assert "X02" in html and "about a quarter" in html
