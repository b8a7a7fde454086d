"""The sentences of 01_ingest and 02_uncertainty say what the data and the tables hold.

Those sentences are built in the notebooks (issue 20: a page's narrative lives in its notebook),
so they are tested here, on the committed reports (``make test`` first checks that they are
up to date with data and code): every cell two sources speak to has its sentence with both
figures, their outlets, the verdict of the wording rule and the distance between the points;
02's sentences quote the numbers of its saved table and of the tables it shows.
"""

from __future__ import annotations

import html
import re

import nbformat
import pandas as pd
import pytest

from chasm import formats, paths
from chasm.data import figures, load

REPORTS = paths.REPORTS


def _said(run: str) -> list[str]:
    """Every computed sentence of a report (its markdown outputs), as a reader reads it."""
    nb = nbformat.read(REPORTS / f"{run}.ipynb", as_version=4)
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("text/markdown")
            if text:
                out.append(html.unescape(text.replace("\\", "")))
    return out


def _table(run: str, k: int) -> pd.DataFrame:
    return pd.read_csv(REPORTS / "tables" / run / f"table-{k}.csv", keep_default_na=False,
                       na_values=[""])


def test_01_says_for_every_shared_cell_who_says_what_and_whether_both_can_be_right():
    tidy = figures.load()
    shared = figures.shared_cells(tidy)
    outlet = figures.outlets(load.load_sources())
    meta = load.load_metadata()
    said = _said("01_ingest")
    assert len(shared), "the data have cells two sources speak to"
    for row in shared.itertuples():
        label = meta["questions"][row.question]["options"][row.option]["label"]
        [sentence] = [s for s in said if f"figure {row.figure_a})" in s
                      and f"figure {row.figure_b})" in s]
        assert sentence.startswith(f"**{row.wave}, '{label}'")
        assert f"{outlet[row.source_a]} ({row.kind_a}, figure {row.figure_a}) says {row.text_a};" \
            in sentence
        assert f"{outlet[row.source_b]} ({row.kind_b}, figure {row.figure_b}) says {row.text_b}." \
            in sentence
        verdict = "can both be right" if row.agree else "cannot both be right"
        assert f"they {verdict}" in sentence
        assert f"differ by {formats.fmt(abs(row.point_diff))} points" in sentence
    box = [s for s in said if s.startswith("- **Two sources give a figure for the same cell")]
    assert box and f"cell {len(shared)} times" in box[0]
    assert f"up to {formats.fmt(shared['point_diff'].abs().max())} points" in box[0]


def test_01_findings_count_the_figures_and_their_second_hand_share():
    tidy = figures.load()
    said = _said("01_ingest")
    hand = int(tidy["source_kind"].isin(["essay", "secondary"]).sum())
    assert any(s.startswith(f"- **{len(tidy)} published figures**") and f": {hand} of them are "
               "second-hand" in s for s in said)


@pytest.mark.parametrize("run", ["01_ingest", "02_uncertainty"])
def test_reader_sentences_carry_no_code_names(run):
    """No snake_case code or chasm.* name in a computed sentence (labels, not ids)."""
    for sentence in _said(run):
        assert not re.search(r"\bchasm\.\w", sentence), sentence
        assert not re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", sentence), sentence
