"""Sentences about the tidy figures table (chasm.data.figures): which figure the one-per-cell
rule takes, and where the figures come from. (01's sentences on cells where two sources speak
are built in the notebook: tests/e2e/test_ingest_uncertainty_pages.py reads them.)"""

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



def _said(tidy, sources=None):
    """What 04 and 05 display for :func:`figures.best_parts`: the cell in bold, then the rule."""
    return [f"**{cell}:** {what}" for cell, what in figures.best_parts(tidy, sources)]

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
    [sentence] = _said(tidy, SOURCES)
    assert sentence == (
        "**2019-05, would:** P01 15% (Paper A, 2019-05) is used, not P02 17% (Paper B, "
        "2019-06): nothing ranks them, the lower figure id is taken (" + figures.policy_text()
        + "); the figures cannot both be right.")
    assert figures.policy_text().startswith("a number before words, then the kind of source")


def test_best_parts_stay_silent_when_the_figures_agree_and_the_rule_ranks_them():
    tidy = pd.DataFrame([fig("E01", "essay-x", "essay", 37, "37%"),
                         fig("S01", "sum-y", "secondary", 33.3, "a third", rule="words")])
    choice = figures.best_choices(tidy).iloc[0]
    assert (choice["chosen"], choice["decided_by"], choice["agree"]) == (
        "E01", "number before words", True)
    assert _said(tidy, SOURCES) == [] == figures.best_texts(tidy, SOURCES)
    # a number from a lower-ranked kind still beats words, and a disagreement is then said
    tidy = pd.DataFrame([fig("E01", "essay-x", "essay", 20, "a fifth", rule="words"),
                         fig("S01", "sum-y", "secondary", 33, "33%")])
    [sentence] = _said(tidy)
    assert sentence.startswith("**2019-05, would:** S01 33% (secondary) is used, not E01 "
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


def test_best_texts_name_answers_and_groups_by_their_labels():
    tidy = pd.DataFrame([fig("P02", "press-b", "secondary", 17, "17%"),
                         fig("P01", "press-a", "secondary", 15, "15%")])
    tidy = tidy.assign(subgroup_var="age", subgroup="18-24")
    meta = {"questions": {"q": {"options": {"would": {"label": "would like to leave"}}}},
            "subgroups": {"age": {"label": "age group",
                                  "groups": {"18-24": {"label": "18 to 24"}}}}}
    [plain] = figures.best_texts(tidy, SOURCES)
    assert plain.startswith("2019-05, would, age = 18-24: P01 15% (Paper A, 2019-05) is used")
    [text] = figures.best_texts(tidy, SOURCES, meta)
    assert text == ("2019-05, would like to leave, age group = 18 to 24: "
                    + plain.split(": ", 1)[1])
    [sentence] = _said(tidy, SOURCES)
    assert sentence.startswith("**2019-05, would, age = 18-24:** P01 15%")


def test_by_outlet_groups_figures_by_their_sources_publisher_in_the_order_given():
    tidy = pd.DataFrame({"figure_id": ["E01", "S01", "E02"],
                         "source_id": ["essay-x", "sum-y", "essay-x"]})
    sources = pd.DataFrame({"source_id": ["essay-x", "sum-y"], "publisher": ["REM", "Outlet Y"]})
    assert figures.by_outlet(["E01", "S01", "E02"], tidy, sources) == \
        "E01, E02 from REM; S01 from Outlet Y"
    assert figures.by_outlet(["X9"], tidy, sources) == "X9 from an unknown source"
    assert figures.by_outlet([], tidy, sources) == ""
