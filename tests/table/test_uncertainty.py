"""Per-figure sizes and intervals, wave pairs, least favourable p-values, Holm in a family."""

import numpy as np
import pandas as pd
import pytest

from chasm.report import fmt_p, fmt_signed
from chasm.stats.intervals import share_interval
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.twosample import compare_waves, equivalence_test
from chasm.uncertainty import figure_intervals, subgroup_sizes
from chasm.waves import (
    holm_in_family,
    range_ci,
    verdict,
    wave_pairs,
    worst_equivalence_pvalue,
    worst_rounding_pvalue,
)

META = {
    "waves": {
        "2024-03": {"n": 1600, "n_assumed": True, "approval_month": "2024-03", "label": "a"},
        "2025-04": {"n": 1500, "n_assumed": False, "approval_month": "2025-02", "label": "b"},
    },
    "subgroups": {
        "all": {"groups": {"all": {}}},
        "age": {"groups": {"young": {"min_age": 18, "max_age": 39},
                           "old": {"min_age": 40, "max_age": None}}},
        "putin_approval": {"groups": {"approve": {}, "disapprove": {}, "no_answer": {}}},
        "trusted_source": {"groups": {"youtube": {}}},
    },
}
# 22 people aged 18-39 and 61 aged 40-100: weights 22/83 and 61/83.
POP = pd.DataFrame({"age": range(101), "total": 1})
APPROVAL = pd.DataFrame({"month": ["2024-03", "2025-02"], "approve": [87.0, 88.0],
                         "disapprove": [11.0, np.nan], "no_answer": [3.0, np.nan]})


def tidy_rows(*rows):
    cols = ["figure_id", "source_kind", "wave", "question", "option", "subgroup_var",
            "subgroup", "value_text", "point", "low", "high", "rule"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


TIDY = tidy_rows(
    ("A", "essay", "2024-03", "q", "o", "all", "all", "43%", 43.0, 42.5, 43.5, "number"),
    ("B", "essay", "2024-03", "q", "o", "age", "young", "35-40%", 37.5, 34.5, 40.5, "range"),
    ("C", "essay", "2024-03", "q", "o", "age", "old", "about half", 50.0, 45.0, 55.0, "words"),
    ("D", "essay", "2024-03", "q", "o", "putin_approval", "disapprove", "19%", 19.0, 18.5,
     19.5, "number"),
    ("E", "primary", "2025-04", "q", "o", "putin_approval", "disapprove", "24%", 24.0, 23.5,
     24.5, "number"),
    ("F", "primary", "2025-04", "q", "o", "putin_approval", "approve", "92%", 92.0, 91.5, 92.5,
     "number"),
    ("G", "primary", "2025-04", "q", "o", "trusted_source", "youtube", "19%", 19.0, 18.5, 19.5,
     "number"),
    ("H", "secondary", "2025-04", "q", "o", "all", "all", "no more than 10%", np.nan, 0.0,
     10.5, "upper bound"),
)


# ---------------------------------------------------------------- subgroup_sizes


def test_subgroup_sizes_each_rule():
    s = subgroup_sizes(TIDY, META, POP, APPROVAL)
    assert list(s.index) == list(TIDY.index)
    assert s["w"].iloc[0] == 1.0 and s["weight_source"].iloc[0] == "whole sample"
    assert s["w"].iloc[1] == pytest.approx(22 / 83)
    assert s["w"].iloc[2] == pytest.approx(61 / 83)
    assert s["weight_source"].iloc[1] == "population by age"
    # 87 + 11 + 3 = 101: the shares are normalised to sum 1 (chasm.weights)
    assert s["w"].iloc[3] == pytest.approx(11 / 101)
    assert s["weight_source"].iloc[3] == "approval 2024-03"
    assert s["n_group"].iloc[3] == pytest.approx(11 / 101 * 1600)
    # 2025-02 gives approve 88 but no disapproval share: at most 100 - 88 + 0.5 = 12.5%
    assert s["w"].iloc[4] == pytest.approx(0.125) and s["n_group"].iloc[4] == pytest.approx(187.5)
    assert "does not give the share 'disapprove'" in s["note"].iloc[4]
    assert "at least this wide" in s["note"].iloc[4]
    assert s["w"].iloc[5] == pytest.approx(0.88)
    assert s["note"].iloc[5] == ""
    # size unknown: NaN, never invented
    assert np.isnan(s["w"].iloc[6]) and np.isnan(s["n_group"].iloc[6])
    assert "not computed" in s["note"].iloc[6]
    assert s["n_wave"].tolist() == [1600] * 4 + [1500] * 4
    assert s["n_assumed"].tolist() == [True] * 4 + [False] * 4


def test_subgroup_sizes_month_missing_leaves_the_size_unknown():
    meta = {**META, "waves": {**META["waves"], "2025-04": {**META["waves"]["2025-04"],
                                                          "approval_month": "1990-01"}}}
    s = subgroup_sizes(TIDY, meta, POP, APPROVAL)
    assert np.isnan(s["w"].iloc[4]) and np.isnan(s["n_group"].iloc[4])
    assert "not computed" in s["note"].iloc[4] and "1990-01" in s["note"].iloc[4]


def test_subgroup_sizes_override_n_marks_it_assumed():
    s = subgroup_sizes(TIDY, META, POP, APPROVAL, n=1000)
    assert (s["n_wave"] == 1000).all() and s["n_assumed"].all()
    assert s["n_group"].iloc[1] == pytest.approx(1000 * 22 / 83)


def test_subgroup_sizes_missing_approval_month():
    s = subgroup_sizes(TIDY, META, POP, APPROVAL[APPROVAL["month"] != "2024-03"])
    assert np.isnan(s["w"].iloc[3]) and s["weight_source"].iloc[3] == "unknown"
    assert "2024-03" in s["note"].iloc[3]


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "1600"])
def test_subgroup_sizes_bad_n(bad):
    with pytest.raises(ValueError, match="n must be"):
        subgroup_sizes(TIDY, META, POP, APPROVAL, n=bad)


def test_subgroup_sizes_unknown_group():
    bad = TIDY.assign(subgroup=["all", "nobody", *TIDY["subgroup"][2:]])
    with pytest.raises(ValueError, match="not in the metadata"):
        subgroup_sizes(bad, META, POP, APPROVAL)


# ---------------------------------------------------------------- figure_intervals


def test_figure_intervals_matches_share_interval_and_leaves_unknown_nan():
    s = subgroup_sizes(TIDY, META, POP, APPROVAL)
    out = figure_intervals(TIDY, s["n_group"], 1.9)
    ref = share_interval(43.0, 1600, 1.9, low_pct=42.5, high_pct=43.5).iloc[0]
    assert out.loc[0, "ci_low"] == pytest.approx(ref["ci_low"])
    assert out.loc[0, "ci_high"] == pytest.approx(ref["ci_high"])
    assert out.loc[0, "method"] == "wilson"
    assert out.loc[0, "n_eff"] == pytest.approx(1600 / 1.9)
    assert np.isnan(out.loc[6, "ci_low"]) and out.loc[6, "method"] == "not computed"
    # a bound: no point, interval from 0 up past the bound (Korn-Graubard)
    assert np.isnan(out.loc[7, "point"])
    assert out.loc[7, "ci_low"] == 0.0 and out.loc[7, "ci_high"] > 10.5
    assert out.loc[7, "method"] == "beta"


def test_figure_intervals_sampling_only_is_nested_in_range_interval():
    s = subgroup_sizes(TIDY, META, POP, APPROVAL)
    full = figure_intervals(TIDY, s["n_group"], 1.9)
    samp = figure_intervals(TIDY, s["n_group"], 1.9, ranges=False)
    both = samp["ci_low"].notna()
    assert (samp.loc[both, "ci_low"] >= full.loc[both, "ci_low"] - 1e-12).all()
    assert (samp.loc[both, "ci_high"] <= full.loc[both, "ci_high"] + 1e-12).all()
    assert samp.loc[7, "method"] == "no point"
    # wording widens "about half" a lot more than rounding widens "43%"
    added = (full["ci_high"] - full["ci_low"]) - (samp["ci_high"] - samp["ci_low"])
    assert added[0] == pytest.approx(1.0, abs=0.05)
    assert added[2] > 9


def test_figure_intervals_wider_with_deff():
    n = pd.Series(1600.0, index=TIDY.index)
    w1 = figure_intervals(TIDY, n, 1.0).eval("ci_high - ci_low")
    w2 = figure_intervals(TIDY, n, 2.5).eval("ci_high - ci_low")
    assert (w2 > w1).all()


# ---------------------------------------------------------------- wave_pairs

WAVES = tidy_rows(
    ("E06", "essay", "2024-03", "q", "traitors", "all", "all", "43%", 43.0, 42.5, 43.5,
     "number"),
    ("E01", "essay", "2025-04", "q", "traitors", "all", "all", "37%", 37.0, 36.5, 37.5,
     "number"),
    ("S01", "secondary", "2025-04", "q", "traitors", "all", "all", "a third", 100 / 3,
     100 / 3 - 5, 100 / 3 + 5, "words"),
    ("X1", "essay", "2024-03", "q", "traitors", "age", "old", "50%", 50.0, 49.5, 50.5,
     "number"),
    ("L02", "primary", "2024-03", "w", "would", "all", "all", "9%", 9.0, 8.5, 9.5, "number"),
    ("L09", "primary", "2025-04", "w", "would", "all", "all", "9%", 9.0, 8.5, 9.5, "number"),
    ("Z1", "primary", "2025-04", "w", "only_later", "all", "all", "5%", 5.0, 4.5, 5.5,
     "number"),
    ("B1", "secondary", "2024-03", "w", "bound", "all", "all", "no more than 10%", np.nan,
     0.0, 10.5, "upper bound"),
    ("B2", "secondary", "2025-04", "w", "bound", "all", "all", "12%", 12.0, 11.5, 12.5,
     "number"),
)


def test_wave_pairs_every_source_and_best_flag():
    pairs = wave_pairs(WAVES, "2024-03", "2025-04")
    assert list(zip(pairs["figure_1"], pairs["figure_2"], pairs["best"], strict=True)) == [
        ("E06", "E01", True), ("E06", "S01", False), ("L02", "L09", True)]
    row = pairs.iloc[1]
    assert row["kind_2"] == "secondary" and row["text_2"] == "a third"
    assert row["low2"] == pytest.approx(100 / 3 - 5)
    assert pairs.groupby(["question", "option"])["best"].sum().eq(1).all()


def test_wave_pairs_subgroup():
    pairs = wave_pairs(WAVES, "2024-03", "2025-04", "age", "old")
    assert pairs.empty


# ---------------------------------------------------------------- least favourable p-values


def test_worst_rounding_uses_closest_corner():
    got = worst_rounding_pvalue(42.5, 43.5, 36.5, 37.5, 1600, 1600, 1.9, 1.9)
    ref = compare_waves(42.5, 37.5, 1600, 1600, 1.9, 1.9)["p_value"].iloc[0]
    point = compare_waves(43, 37, 1600, 1600, 1.9, 1.9)["p_value"].iloc[0]
    assert got[0] == pytest.approx(ref)
    assert got[0] > point
    # a rise: wave 1 high, wave 2 low
    up = worst_rounding_pvalue(12.5, 13.5, 16.5, 17.5, 1600, 1600, 1.9, 1.9)
    ref_up = compare_waves(13.5, 16.5, 1600, 1600, 1.9, 1.9)["p_value"].iloc[0]
    assert up[0] == pytest.approx(ref_up)


def test_worst_rounding_overlap_gives_one():
    got = worst_rounding_pvalue([42.5, 8.5], [43.5, 9.5], [28.33, 8.5], [38.33, 9.5], 1600,
                                1600, 1.9, 1.9)
    assert got[0] < 0.5  # 42.5 vs 38.33 still apart
    assert got[1] == pytest.approx(1.0)
    wide = worst_rounding_pvalue(35.0, 45.0, 28.33, 38.33, 1600, 1600, 1.9, 1.9)
    assert wide[0] == pytest.approx(1.0)


def test_worst_equivalence_is_the_far_corner():
    got = worst_equivalence_pvalue(8.5, 9.5, 8.5, 9.5, 1600, 1600, 1.9, 1.9, margin=3.0)
    at_point = equivalence_test(9, 9, 1600, 1600, 1.9, 1.9, 3.0)["p_value"].iloc[0]
    far = equivalence_test(8.5, 9.5, 1600, 1600, 1.9, 1.9, 3.0)["p_value"].iloc[0]
    assert got[0] == pytest.approx(max(far, equivalence_test(9.5, 8.5, 1600, 1600, 1.9, 1.9,
                                                             3.0)["p_value"].iloc[0]))
    assert got[0] > at_point


# ---------------------------------------------------------------- holm_in_family


def test_holm_in_family_family_rows_are_plain_holm():
    p = np.array([0.012, 0.02, 0.3, 0.5])
    out = holm_in_family(p, ["a", "b", "c", "d"], [True] * 4)
    assert out == pytest.approx(adjust_pvalues(p, method="holm"))


def test_holm_in_family_alternative_replaces_its_key():
    p = np.array([0.012, 0.4, 0.02, 0.3])
    keys = ["a", "a", "b", "c"]
    fam = [True, False, True, True]
    out = holm_in_family(p, keys, fam)
    assert out[[0, 2, 3]] == pytest.approx(adjust_pvalues(p[[0, 2, 3]], method="holm"))
    assert out[1] == pytest.approx(adjust_pvalues(np.array([0.4, 0.02, 0.3]), "holm")[0])


def test_holm_in_family_needs_one_family_row_per_key():
    with pytest.raises(ValueError, match="exactly one row per key"):
        holm_in_family([0.1, 0.2], ["a", "a"], [True, True])
    with pytest.raises(ValueError, match="without a row in the family"):
        holm_in_family([0.1, 0.2], ["a", "b"], [True, False])


# ---------------------------------------------------------------- verdict and formatting


def test_verdict_branches():
    nan = np.nan
    assert verdict(0.001, 0.01, 0.02, nan, nan, 0.05, 3) == "larger than sampling error"
    assert verdict(0.001, 0.01, 0.2, nan, nan, 0.05, 3).startswith(
        "larger than sampling error at the published values, but not")
    assert verdict(0.012, 0.06, 0.2, 0.9, 0.95, 0.05, 3) == (
        "larger than sampling error on its own, but not once adjusted for the other "
        "comparisons of the family")
    assert verdict(0.8, 0.8, 1.0, 0.01, 0.02, 0.05, 3) == (
        "within sampling error, and equivalent within ±3 points")
    assert verdict(0.8, 0.8, 1.0, 0.01, 0.2, 0.05, 3).startswith(
        "within sampling error; equivalent within ±3 points at the published values, but not")
    assert verdict(0.8, 0.8, 1.0, 0.2, 0.3, 0.05, 3.5) == (
        "within sampling error (but not shown to be stable within ±3.5 points)")
    assert verdict(nan, nan, nan, nan, nan, 0.05, 3) == "no test possible"


def test_range_ci_contains_point_ci_and_reduces_to_it():
    point = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    same = range_ci(43, 43, 37, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    assert same["ci_low"] == pytest.approx(point["ci_low"])
    assert same["ci_high"] == pytest.approx(point["ci_high"])
    wide = range_ci(42.5, 43.5, 100 / 3 - 5, 100 / 3 + 5, 1600, 1600, 1.9, 1.9).iloc[0]
    words = compare_waves(43, 100 / 3, 1600, 1600, 1.9, 1.9).iloc[0]
    assert wide["ci_low"] < words["ci_low"] and wide["ci_high"] > words["ci_high"]
    assert wide["ci_high"] > 0  # the wording allows no fall at all


def test_formatters():
    assert fmt_signed(-6.0) == "−6.0"
    assert fmt_signed(4) == "+4.0"
    assert fmt_signed(-0.01) == "0.0"
    assert fmt_signed(np.nan) == "–"
    assert fmt_p(0.01197) == "0.012"
    assert fmt_p(0.01197, relation=True) == "= 0.012"
    assert fmt_p(0.0002, relation=True) == "< 0.001"
    assert fmt_p(0.0002) == "< 0.001"
    assert fmt_p(np.nan) == "–"
