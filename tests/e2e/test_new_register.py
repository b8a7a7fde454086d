"""A new text's register by data alone, through make (issue 23).

On a copy of the project, files only: the synthetic text of ``tests/table/test_registers.py``
(its source rows, figures, a breakdown and one claims file, ``data/claims/<text_id>.csv``).
After ``make report`` of the ingest and claims runs, the text has its own page,
``claims-<text_id>.html``, with a verdict on every claim, and a row on the landing page that
links to it and counts its verdicts; the essay's register and page are as they were.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.e2e._project import MAKE, make, stamped_project
from tests.table.test_registers import FIGURES, REGISTER, SOURCE_ROWS, SUBGROUP, TEXT

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")


def test_a_new_texts_claims_get_their_own_page_and_a_landing_row(tmp_path):
    project = stamped_project(tmp_path)
    reports = project / "reports"
    essay_rows = pd.read_csv(reports / "tables" / "claims.csv")
    assert not (reports / f"claims-{TEXT}.html").exists()

    raw = project / "data" / "raw"
    with open(raw / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write(SOURCE_ROWS)
    (raw / "synthetic_figures.csv").write_text(FIGURES, encoding="utf-8")
    with open(raw / "metadata" / "subgroups.yaml", "a", encoding="utf-8") as fh:
        fh.write(SUBGROUP)
    (project / "data" / "claims" / f"{TEXT}.csv").write_text(REGISTER, encoding="utf-8")
    for run in ("01_ingest", "06_claims"):  # the figures, then the registers and the index
        out = make(project, f"RUN={run}", target="report")
        assert out.returncode == 0, out.stdout + out.stderr

    rows = pd.read_csv(reports / "tables" / "claims.csv")
    mine = rows[rows["register"] == TEXT]
    declared = re.findall(r"^(C\d+),", REGISTER, flags=re.M)
    assert sorted(mine["claim_id"]) == sorted(declared)  # every claim, each with a verdict
    assert mine["verdict"].notna().all() and (mine["verdict"] != "").all()
    essay = rows[rows["register"] != TEXT].reset_index(drop=True)
    pd.testing.assert_frame_equal(essay, essay_rows)  # the essay's register unchanged

    page = (reports / f"claims-{TEXT}.html").read_text(encoding="utf-8")
    for claim, verdict in zip(mine["claim_id"], mine["verdict"], strict=True):
        card = page[page.index(f'id="{claim}"'):]
        card = card[:card.find('id="C', 1) if 'id="C' in card[1:] else None]
        assert verdict in card, (claim, verdict)
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert f'href="claims-{TEXT}.html"' in index and "Synthetic Daily" in index
    counts = mine["verdict"].value_counts()
    row = index[index.index(f'href="claims-{TEXT}.html"'):][:2000]
    assert f"{len(mine)} claims (" in row, row[:600]
    assert all(f"{n} {verdict}" in row for verdict, n in counts.items()), row[:600]
