"""Sentences about the tidy figures table (chasm.data.figures): cells where two sources speak,
which figure the one-per-cell rule takes, and where the figures come from."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.data import figures

SOURCES = pd.DataFrame([
    {"source_id": "essay-x", "kind": "essay", "publisher": "REM", "published": "2025-12-08"},
    {"source_id": "sum-y", "kind": "secondary", "publisher": "Outlet <Y>", "published": "2025"},
    {"source_id": "press-a", "kind": "secondary", "publisher": "Paper A", "published": "2019-05"},
    {"source_id": "press-b", "kind": "secondary", "publisher": "Paper B", "published": "2019-06"},
])


def shared_row(**kw) -> dict:
    row = {"wave": "2025-04", "option": "traitors", "figure_a": "E01", "kind_a": "essay",
           "source_a": "essay-x", "text_a": "37%", "figure_b": "S01", "kind_b": "secondary",
           "source_b": "sum-y", "text_b": "a third", "point_diff": 3.67, "gap": 0.0,
           "agree": True}
    return {**row, **kw}


def test_shared_cell_sentences_name_each_outlet():
    shared = pd.DataFrame([
        shared_row(),
        # 29% vs "about a third": points 4.33 apart; -4.33 shows as its size
        shared_row(option="afraid", figure_a="S03", kind_a="secondary", source_a="sum-y",
                   text_a="29%", figure_b="E03", kind_b="essay", source_b="essay-x",
                   text_b="about a third", point_diff=-4.33, gap=0.0, agree=True),
        # an id missing from sources.csv is shown as itself
        shared_row(option="x", text_a="20%", source_b="gone", text_b="<b>half</b>",
                   point_diff=-30.0, gap=24.5, agree=False),
    ])
    out = [m.data for m in figures.shared_cell_sentences(shared, SOURCES)]
    assert out == [
        "**2025-04, traitors:** REM, 2025-12-08 (essay, E01) says 37%, Outlet &lt;Y&gt;, 2025 "
        "(secondary, S01) says a third; under the wording rule they can both be right, but their "
        "points differ by 3.7 points.",
        "**2025-04, afraid:** Outlet &lt;Y&gt;, 2025 (secondary, S03) says 29%, REM, 2025-12-08 "
        "(essay, E03) says about a third; under the wording rule they can both be right, but "
        "their points differ by 4.3 points.",
        "**2025-04, x:** REM, 2025-12-08 (essay, E01) says 20%, gone (secondary, S01) says "
        "&lt;b&gt;half&lt;/b&gt;; under the wording rule they cannot both be right (gap 24.5 "
        "points), but their points differ by 30.0 points.",
    ]
    assert figures.shared_cell_sentences(shared.iloc[:0], SOURCES) == []


def fig(fid, source, kind, point, text, rule="number", option="would", wave="2019-05"):
    low, high = ((point - 0.5, point + 0.5) if rule == "number"
                 else (point - 5, point + 5))
    return {"figure_id": fid, "source_id": source, "source_kind": kind, "wave": wave,
            "question": "q", "option": option, "subgroup_var": "all", "subgroup": "all",
            "value_text": text, "point": point if rule != "upper" else np.nan, "low": low,
            "high": high, "rule": rule}


def test_best_says_when_only_the_figure_id_decides_between_disagreeing_press_reports():
    # two press reports of one wave: 15% and 17% cannot both be right (14.5-15.5 vs 16.5-17.5)
    tidy = pd.DataFrame([fig("P02", "press-b", "secondary", 17, "17%"),
                         fig("P01", "press-a", "secondary", 15, "15%"),
                         fig("P03", "press-a", "secondary", 40, "40%", option="would_not")])
    assert figures.best(tidy).set_index("option").at["would", "figure_id"] == "P01"
    choices = figures.best_choices(tidy)
    assert choices[["chosen", "others", "decided_by", "agree"]].to_dict("records") == [
        {"chosen": "P01", "others": "P02", "decided_by": "figure id only", "agree": False}]
    [sentence] = figures.best_sentences(tidy, SOURCES)
    assert sentence.data == (
        "**2019-05, would:** P01 15% (Paper A, 2019-05) is used, not P02 17% (Paper B, "
        "2019-06): nothing ranks them, the lower figure id is taken (" + figures.policy_text()
        + "); the figures cannot both be right.")
    assert figures.policy_text().startswith("a number before words, then the kind of source")


def test_best_sentences_stay_silent_when_the_figures_agree_and_the_rule_ranks_them():
    tidy = pd.DataFrame([fig("E01", "essay-x", "essay", 37, "37%"),
                         fig("S01", "sum-y", "secondary", 33.3, "a third", rule="words")])
    choice = figures.best_choices(tidy).iloc[0]
    assert (choice["chosen"], choice["decided_by"], choice["agree"]) == (
        "E01", "number before words", True)
    assert figures.best_sentences(tidy, SOURCES) == []
    # a number from a lower-ranked kind still beats words, and a disagreement is then said
    tidy = pd.DataFrame([fig("E01", "essay-x", "essay", 20, "a fifth", rule="words"),
                         fig("S01", "sum-y", "secondary", 33, "33%")])
    [sentence] = figures.best_sentences(tidy)
    assert sentence.data.startswith("**2019-05, would:** S01 33% (secondary) is used, not E01 "
                                    "a fifth (essay): a published number comes before words")


def test_kind_sentence_counts_kinds_sources_and_outlets_from_the_data():
    tidy = pd.DataFrame([fig("P01", "press-a", "secondary", 15, "15%"),
                         fig("P02", "press-b", "secondary", 17, "17%"),
                         fig("E01", "essay-x", "essay", 37, "37%")])
    assert figures.kind_sentence(tidy, SOURCES) == (
        "Of the 3 figures, 1 comes from 1 essay source (REM, 2025-12-08); 2 come from 2 "
        "secondary sources (Paper A, 2019-05; Paper B, 2019-06). 3 of them (essay and "
        "secondary) are second-hand.")
    primary = tidy.assign(source_kind="primary").iloc[:1]
    assert figures.kind_sentence(primary, SOURCES).endswith("None is second-hand.")
