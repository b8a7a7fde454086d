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
    apart = shared["point_diff"].abs()
    [summary] = [s for s in said if "cells two sources share, both figures can be right" in s]
    assert summary.startswith(f"In all {len(shared)} cells" if shared["agree"].all()
                              else f"In {int(shared['agree'].sum())} of the {len(shared)} cells")
    assert summary.endswith(f"differ by {formats.fmt(apart.min())} to "
                            f"{formats.fmt(apart.max())} points.")
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


def _saved() -> pd.DataFrame:
    return pd.read_csv(REPORTS / "tables" / "02_uncertainty.csv", keep_default_na=False,
                       na_values=[""])


def test_02_says_each_bound_with_the_interval_of_its_saved_row():
    saved = _saved()
    bounds = saved[saved["point"].isna() & saved["ci_high"].notna()]
    said = _said("02_uncertainty")
    assert len(bounds), "the data have a figure that is a bound (no more than x%)"
    for row in bounds.itertuples():
        [sentence] = [s for s in said if s.startswith(f"**{row.figure_id} (")]
        assert f'"{row.value_text}")** is a bound, not a point' in sentence
        assert (f"between {formats.fmt(row.ci_low)}% and {formats.fmt(row.ci_high)}% (95%, "
                in sentence)


def test_02_names_every_figure_whose_group_size_is_unknown_or_approximate():
    saved = _saved()
    noted = saved[saved["note"].notna()]
    said = " ".join(_said("02_uncertainty"))
    assert len(noted)
    for row in noted.itertuples():
        assert re.search(rf"\*\*[A-Z0-9, ]*\b{row.figure_id}\b[A-Z0-9, ]*\*\* \(", said)
        assert row.note.split(":")[-1].strip() in said  # "interval not computed", "... wide"


def test_02_widest_subgroup_interval_is_the_sensitivity_tables_largest():
    sens = _table("02_uncertainty", 3)
    levada = [c for c in sens.columns if c.endswith("(Levada LS)")][0]
    rows = sens.iloc[1:].reset_index(drop=True)
    widest = rows.loc[rows[levada].idxmax()]
    fid = widest["figure"].split(" ")[0]
    said = _said("02_uncertainty")
    [sentence] = [s for s in said if s.startswith("At 50% for a whole wave")]
    assert f"the widest interval of this answer, {fid} (" in sentence
    assert f"is ±{formats.fmt(widest[levada])} points at Levada's design effect" in sentence
    ref = sens.iloc[0]
    assert f"±{formats.fmt(ref['deff 1.00'])} points if the sample were simple random" \
        in sentence


def test_02_rounding_and_wording_sentences_quote_the_widths():
    from chasm.analysis import uncertainty

    saved = _saved()
    deff = float(saved["deff"].iloc[0])
    widths = uncertainty.range_widths(saved, saved["n"], deff, 0.05)
    summary = uncertainty.rounding_summary(widths)
    said = _said("02_uncertainty")
    [rounding] = [s for s in said if s.startswith("For the ")]
    assert rounding == (
        f"For the {summary['k']} figures published as whole numbers, rounding adds "
        f"{formats.fmt(summary['added_low'])}-{formats.fmt(summary['added_high'])} points "
        f"(median {formats.fmt(summary['added_median'])}) to intervals "
        f"{formats.fmt(summary['width_low'])}-{formats.fmt(summary['width_high'])} points wide, "
        f"at most {formats.fmt(summary['largest_share'], 0)}% of an interval's width: "
        + ("sampling error dominates." if summary["sampling_dominates"]
           else "rounding is not negligible."))
    worded = _table("02_uncertainty", 4)
    assert (worded["rule"] != "number").all() and worded["ratio"].is_monotonic_decreasing
    [wording] = [s for s in said if s.startswith("Wording is not small")]
    assert (f"intervals {formats.fmt(worded['ratio'].min())}-{formats.fmt(worded['ratio'].max())}"
            " times" in wording)
    top = worded.iloc[0]
    assert (f"{top['figure_id']} (" in wording and f"from {formats.fmt(top['width_sampling'])} "
            f"points of sampling error alone to {formats.fmt(top['width_with_range'])} points"
            in wording)


def test_02_findings_open_with_the_design_effect_of_levadas_table():
    from chasm.stats import design

    est = design.deff_from_error_table(load.load_error_table())
    first = _said("02_uncertainty")[0]
    assert first.startswith(f"- **Levada's own error table implies a design effect of "
                            f"{formats.fmt(est.deff, 2)}**")
    assert f"worth about **{formats.fmt(est.n_eff, 0)}** drawn purely at random" in first
