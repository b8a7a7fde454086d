"""Questions asked of the tidy figures table (``data/processed/figures.csv``).

The table has one row per source and cell (wave, question, option, subgroup). Two sources
can speak to one cell; :func:`shared_cells` pairs them and says whether their intervals of
true values (see :mod:`chasm.worded`) overlap, i.e. whether they can both be right;
:func:`shared_cell_sentences` says so for the reader, one sentence per pair.
"""

from __future__ import annotations

import pandas as pd

CELL = ["wave", "question", "option", "subgroup_var", "subgroup"]
#: Preference when one number per cell is needed: the closest to Levada's own tables first.
KIND_ORDER = {"primary": 0, "essay": 1, "secondary": 2, "derived": 3}


def load() -> pd.DataFrame:
    """The processed tidy figures table."""
    from . import io

    return io.read_processed("figures")


def by_kind(tidy: pd.DataFrame) -> pd.DataFrame:
    """Count of figures by question and source kind (columns: essay, primary, secondary)."""
    return (tidy.pivot_table(index="question", columns="source_kind", values="figure_id",
                             aggfunc="count", fill_value=0)
            .rename_axis(columns=None).reset_index())


def shared_cells(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every cell that two sources speak to, pairwise, with whether they can both be right.

    ``agree`` is True when the two intervals of true values overlap (allowing the documented
    rounding and word tolerances), ``gap`` is the distance between the intervals (0 if they
    overlap), ``point_diff`` the difference of points where both have one.
    """
    rows = []
    for cell, group in tidy.groupby(CELL, sort=True):
        group = group.sort_values("figure_id")
        records = group.to_dict("records")
        for i, a in enumerate(records):
            for b in records[i + 1:]:
                gap = max(0.0, max(a["low"], b["low"]) - min(a["high"], b["high"]))
                rows.append({
                    **dict(zip(CELL, cell, strict=True)),
                    "figure_a": a["figure_id"], "kind_a": a["source_kind"],
                    "text_a": a["value_text"], "low_a": a["low"], "high_a": a["high"],
                    "figure_b": b["figure_id"], "kind_b": b["source_kind"],
                    "text_b": b["value_text"], "low_b": b["low"], "high_b": b["high"],
                    "point_diff": a["point"] - b["point"], "gap": gap, "agree": gap == 0,
                })
    return pd.DataFrame(rows)


def shared_cell_sentences(shared: pd.DataFrame) -> list:
    """One ``report.say`` sentence per row of :func:`shared_cells` (01_ingest).

    Whether the two sources can both be right under the wording rule (and the gap between their
    intervals when they cannot), and how far apart their points are: the wording rule can make
    two figures compatible that differ by several points, and the reader should see both.
    """
    from . import report

    out = []
    for row in shared.itertuples():
        verdict = ("can both be right" if row.agree
                   else f"cannot both be right (gap {report.fmt(row.gap)} points)")
        out.append(report.say(
            "**{wave}, {option}:** {kind_a} says {text_a}, {kind_b} says {text_b}; under the "
            "wording rule they {verdict}, but their points differ by {diff} points.",
            wave=row.wave, option=row.option, kind_a=row.kind_a, text_a=row.text_a,
            kind_b=row.kind_b, text_b=row.text_b, verdict=verdict,
            diff=report.fmt(abs(row.point_diff))))
    return out


def best(tidy: pd.DataFrame) -> pd.DataFrame:
    """One row per cell: a published number before words, then primary, essay, secondary.

    A number is preferred over words whatever its source (29% over "about a third"), since
    words are a rounding of some number; among numbers the order runs from Levada's own
    releases to second-hand quotation. The other figures of the cell stay in the tidy table.
    """
    ranked = tidy.assign(_kind=tidy["source_kind"].map(KIND_ORDER),
                         _words=tidy["point"].isna() | (tidy["rule"] != "number"))
    ranked = ranked.sort_values(CELL + ["_words", "_kind", "figure_id"])
    return ranked.drop_duplicates(CELL).drop(columns=["_kind", "_words"]).reset_index(drop=True)


def cell(tidy: pd.DataFrame, wave: str, question: str, option: str,
         subgroup_var: str = "all", subgroup: str = "all") -> pd.DataFrame:
    """All figures for one cell (possibly from several sources, possibly none)."""
    mask = ((tidy["wave"] == wave) & (tidy["question"] == question) & (tidy["option"] == option)
            & (tidy["subgroup_var"] == subgroup_var) & (tidy["subgroup"] == subgroup))
    return tidy[mask]
