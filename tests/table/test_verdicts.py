"""The verdict vocabulary (chasm.analysis.verdicts): one test per rule, and provenance apart."""

import numpy as np
import pandas as pd
import pytest

from chasm.analysis import verdicts


def test_vocabulary_is_small_and_every_word_has_one_rule():
    assert verdicts.VERDICTS == ("supported", "contradicted", "inconclusive",
                                 "not identifiable", "not testable")
    assert verdicts.RULES_TEXT["verdict"].tolist() == list(verdicts.VERDICTS)
    assert all(verdicts.RULES_TEXT["rule"].str.len() > 20)


def t(sign, p, margin=np.nan):
    return {"sign": sign, "p_adjusted": p, "smallest_margin": margin}


@pytest.mark.parametrize("tests, expected", [
    ([t(1, 0.01), t(1, 0.04)], "supported"),
    ([t(1, 0.01), t(1, 0.06)], "inconclusive"),
    ([t(1, 0.01), t(-1, 0.04)], "contradicted"),
    ([t(-1, 0.2)], "inconclusive"),
    ([], "inconclusive"),
])
def test_directional(tests, expected):
    assert verdicts.directional(tests, 0.05) == expected


def e(p, low, high):
    """A similarity test: its (1 - 2 alpha) interval and the smallest margin it implies."""
    return {"sign": 1, "p_adjusted": p, "eq_low": low, "eq_high": high,
            "smallest_margin": max(abs(low), abs(high))}


@pytest.mark.parametrize("tests, expected", [
    ([e(0.5, -3.0, 2.0), e(0.7, -4.9, 1.0)], "supported"),
    ([e(0.5, -3.0, 2.0), e(0.7, -5.1, 1.0)], "inconclusive"),
    # significant (the interval excludes 0) and equivalent (inside ±5): a real but trivial
    # difference supports similarity (Lakens 2017)
    ([e(0.01, 1.0, 3.0)], "supported"),
    # significant and not shown within the margin: not contradicted, not supported
    ([e(0.01, 1.0, 7.0)], "inconclusive"),
    # wholly beyond the margin: the difference is shown to be larger than ±5
    ([e(1e-6, 5.5, 9.0)], "contradicted"),
    ([e(1e-6, -9.0, -5.2), e(0.5, -1.0, 1.0)], "contradicted"),
])
def test_similarity_needs_equivalence(tests, expected):
    assert verdicts.similarity(tests, 0.05, 5.0) == expected


def test_level_and_bounded():
    assert verdicts.level(39, 47, 50, below=True) == "supported"
    assert verdicts.level(45, 55, 50, below=True) == "inconclusive"
    assert verdicts.level(52, 60, 50, below=True) == "contradicted"
    assert verdicts.level(52, 60, 50, below=False) == "supported"
    assert verdicts.bounded(55, 70, 51, 74, 50) == "supported"
    assert verdicts.bounded(20, 40, 15, 45, 50) == "contradicted"
    assert verdicts.bounded(36.5, 74, 33, 77, 50) == "not identifiable"
    assert verdicts.bounded(51, 60, 48, 63, 50) == "inconclusive"


def test_figure_check_and_change_reading():
    assert verdicts.figure_check(True, 3, 1) == "contradicted"
    assert verdicts.figure_check(False, 1, 0) == "supported"
    assert verdicts.figure_check(False, 0, 2) == "not testable"  # free-cell identities only
    assert verdicts.figure_check(False, 0, 0) == "not testable"
    assert verdicts.change_reading(0.02, 9.9, 5, 0.05) == "change"
    assert verdicts.change_reading(0.5, 2.3, 5, 0.05) == "stable"
    assert verdicts.change_reading(0.09, 7.9, 5, 0.05) == "inconclusive"
    assert verdicts.change_reading(np.nan, 1, 5, 0.05) == "no test"


def test_provenance_counts_sources_and_agreement():
    tidy = pd.DataFrame({
        "figure_id": ["E01", "S01", "E06"], "source_id": ["essay", "sec", "essay"],
        "source_kind": ["essay", "secondary", "essay"],
        "wave": ["2025-04", "2025-04", "2024-03"], "question": ["q"] * 3,
        "option": ["t"] * 3, "subgroup_var": ["all"] * 3, "subgroup": ["all"] * 3,
        "value_text": ["37%", "a third", "43%"], "point": [37, 33.3, 43],
        "low": [36.5, 28.3, 42.5], "high": [37.5, 38.3, 43.5]})
    assert verdicts.provenance(tidy, ["E06", "E01"]) == "1 source (essay)"
    assert verdicts.provenance(tidy, ["E01", "S01"]) == \
        "2 sources (essay, secondary); E01/S01 agree"
    far = tidy.assign(low=[42.5, 28.3, 42.5], high=[43.5, 38.3, 43.5])
    assert verdicts.provenance(far, ["E01", "S01"]).endswith("E01/S01 disagree")
    assert verdicts.provenance(tidy, []) == ""


@pytest.mark.parametrize("args, expected", [
    ((True, 0, 0, 0), "contradicted"),  # an impossible identity
    ((False, 1, 1, 0), "contradicted"),  # a source for the same cell rules it out
    ((False, 0, 1, 1), "confirmed"),  # a source of its own, or a check that could fail
    ((False, 0, 0, 2), "consistent"),  # a secondary source or a free-cell identity only
    ((False, 0, 0, 0), "unconfirmed"),
])
def test_quotation_status_is_its_own_axis(args, expected):
    assert verdicts.quotation_status(*args) == expected
    assert expected in dict(verdicts.QUOTATION)
