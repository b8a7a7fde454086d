"""Wave comparisons (chasm.analysis.waves): the pairs of figures two waves share, the least
favourable p-values (chasm.analysis.compare), Holm within the declared family and which tests
it decides, verdicts, the widened interval, and the tables of 03_waves built on them (its
sentences are the notebook's: tests/e2e/test_waves_pages.py reads them on the pages)."""

import numpy as np
import pandas as pd
import pytest

from chasm.analysis import waves
from chasm.analysis.compare import worst_equivalence_pvalue, worst_rounding_pvalue
from chasm.analysis.waves import holm_in_family, range_ci, wave_pairs
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.twosample import compare_waves, equivalence_test


def tidy_rows(*rows):
    cols = ["figure_id", "source_kind", "wave", "question", "option", "subgroup_var",
            "subgroup", "value_text", "point", "low", "high", "rule"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


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
    # "a third" [28.3, 38.3] overlaps E01's 37% [36.5, 37.5]: one quantity, in the
    # intersection (chasm.data.worded.identify)
    assert (row["low2"], row["high2"], row["p2"]) == (36.5, 37.5, 37.0)
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


# ---------------------------------------------------------------- verdict and range_ci


def test_range_ci_contains_point_ci_and_reduces_to_it():
    point = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    same = range_ci(43, 43, 37, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    assert same["ci_low"] == pytest.approx(point["ci_low"])
    assert same["ci_high"] == pytest.approx(point["ci_high"])
    wide = range_ci(42.5, 43.5, 100 / 3 - 5, 100 / 3 + 5, 1600, 1600, 1.9, 1.9).iloc[0]
    words = compare_waves(43, 100 / 3, 1600, 1600, 1.9, 1.9).iloc[0]
    assert wide["ci_low"] < words["ci_low"] and wide["ci_high"] > words["ci_high"]
    assert wide["ci_high"] > 0  # the wording allows no fall at all



# ---------------------------------------------------------------- 03_waves' tables
def two_family(method="holm"):
    """Both options in one declared family (as chasm.analysis.plan.wave_family returns it)."""
    return pd.DataFrame({"question": ["q", "w"], "option": ["traitors", "would"],
                         "comparison_id": ["W-t", "W-w"], "family": ["f", "f"],
                         "role": ["confirmatory"] * 2, "method": [method] * 2,
                         "claim": ["", ""], "declared": [True, True]})


@pytest.fixture(scope="module")
def res():
    pairs = wave_pairs(WAVES, "2024-03", "2025-04")
    pairs["label"] = pairs["option"]
    return waves.compare_pairs(pairs, 1600, 1600, 1.9, 0.05, 3.0, two_family())


def test_compare_pairs_tests_and_holm_by_hand(res):
    assert res["figure_2"].tolist() == ["E01", "S01", "L09"]
    assert res["comparison_id"].tolist() == ["W-t", "W-t:E06-S01", "W-w"]
    # "a third" is read as the intersection with E01's 37% (worded.identify): the same change
    assert res["diff"].tolist() == pytest.approx([-6.0, -6.0, 0.0])
    # The family is two tests, "traitors" (p about 0.012) and "would" (9% -> 9%, p = 1):
    # Holm doubles the smaller p and leaves max(2 p_small, 1) = 1 for the other; S01 takes the
    # place of E01 in the family, so it is doubled too. The verdict's p adds the rounding of
    # both figures as uniform noise (1/12 point^2 each): 0.0120 -> about 0.013.
    p = res["p_value"].to_numpy()
    assert p[0] == pytest.approx(0.012, abs=5e-4) and p[2] == pytest.approx(1.0)
    pr = res["p_rounding"].to_numpy()
    assert p[0] < pr[0] == pytest.approx(0.0133, abs=3e-4)
    assert res["p_adjusted"].tolist() == pytest.approx([2 * pr[0], 2 * pr[1], 1.0])
    pw = res["p_worst_rounding"].to_numpy()
    assert pw[0] == pytest.approx(0.036, abs=5e-4)  # 42.5 vs 37.5
    # identified with 37%, "a third" gives the same least favourable p
    assert pw[0] == pytest.approx(pw[1])
    assert res["p_adjusted_worst"].tolist() == pytest.approx([2 * pw[0], 2 * pw[1], 1.0])
    # the widened interval contains the one at the published values
    assert (res["ci_low_range"] <= res["ci_low"] + 1e-12).all()
    assert (res["ci_high_range"] >= res["ci_high"] - 1e-12).all()
    # 9% -> 9% on 842 effective interviews each: the SE of the difference is about 1.4 points,
    # so ±3 is about 2.2 SE away at the points (p near 0.016) but only (3 - 1) / 1.4 = 1.4 SE
    # at the far corners 8.5 and 9.5 (p near 0.08)
    assert res.loc[2, "equivalence_p"] < 0.05 < res.loc[2, "equivalence_p_worst"] < 0.1
    # the smallest margin 9% -> 9% can establish is below 3 (so "stable"); it equals the
    # margin reachable at 9% with no change, and TOST on the verdict's test (rounding noise
    # included) at that margin sits exactly at alpha; without the noise it is below alpha
    assert res.loc[2, "margin_smallest"] == pytest.approx(res.loc[2, "margin_reachable"])
    from chasm.analysis import compare
    at = compare.equivalence_pvalue(9, 9, 1600, 1600, 1.9, res.loc[2, "noise_var"],
                                    res.loc[2, "margin_smallest"])
    assert at[0] == pytest.approx(0.05, abs=1e-6)
    plain = equivalence_test(9, 9, 1600, 1600, 1.9, 1.9, res.loc[2, "margin_smallest"], 0.05)
    assert plain["p_value"].iloc[0] < 0.05
    # the interval is the verdict's test's: it excludes 0 exactly when p_rounding < 0.05
    assert ((res["ci_high"] < 0) | (res["ci_low"] > 0)).tolist() == \
        (res["p_rounding"] < 0.05).tolist()
    assert res["reading"].tolist() == ["change", "change", "stable"]


def test_compare_pairs_family_method_and_missing_family():
    pairs = wave_pairs(WAVES, "2024-03", "2025-04")
    bh = waves.compare_pairs(pairs, 1600, 1600, 1.9, 0.05, 3.0, two_family("fdr_bh"))
    best = bh[bh["best"]]
    assert best["p_adjusted"].tolist() == pytest.approx(
        adjust_pvalues(best["p_rounding"].to_numpy(), method="fdr_bh").tolist())
    with pytest.raises(ValueError, match="options without a family: would"):
        waves.compare_pairs(pairs, 1600, 1600, 1.9, 0.05, 3.0, two_family().iloc[:1])


@pytest.mark.parametrize(("p", "rank", "expected"), [
    # Holm multiplies the r-th smallest of k p-values by k - r + 1 and keeps the running max
    ([0.01, 0.02, 0.03, 0.2, 0.5], 1, 4),  # 4 x 0.01 = 0.04 < 0.05, 5 x 0.01 = 0.05 is not
    ([0.01, 0.02, 0.03, 0.2, 0.5], 2, 3),  # k = 3: max(0.03, 2 x 0.02); k = 4: 3 x 0.02 = 0.06
    ([0.01, 0.02, 0.03, 0.2, 0.5], 3, 3),  # k = 4: 2 x 0.03 = 0.06
    ([0.03, 0.04], 1, 1),  # significant alone only: 2 x 0.03 = 0.06
    ([0.06, 0.5], 1, 0),  # not even alone
    ([0.5, 0.012, 0.3], 1, 3),  # unsorted input; only 3 tests: 3 x 0.012 = 0.036
])
def test_largest_holm_family(p, rank, expected):
    assert waves.largest_holm_family(p, rank, 0.05) == expected


def family_res(p_values, labels, best=None):
    p = np.asarray(p_values, dtype=float)
    best = np.ones(len(p), dtype=bool) if best is None else np.asarray(best)
    holm = np.full(len(p), np.nan)
    holm[best] = adjust_pvalues(p[best], method="holm")
    return pd.DataFrame({"label": labels, "p_rounding": p, "p_adjusted": holm, "best": best,
                         "method": "holm", "family": "f"})


def test_holm_lost_only_the_tests_the_adjustment_decides():
    # p 0.012 of five tests: Holm 0.060, significant alone, stays below 0.05 in at most 4
    res = family_res([0.3, 0.012, 0.5, 0.6, 0.7], ["a", "Traitors", "c", "d", "e"])
    lost = waves.holm_lost(res, 0.05)
    assert lost["label"].tolist() == ["Traitors"]
    row = lost.iloc[0]
    assert (row["tests"], row["rank"], row["multiplier"], row["largest"]) == (5, 1, 5, 4)
    assert row["p_adjusted"] == pytest.approx(0.06)
    # second smallest of two, 0.03 after 0.001: Holm max(0.002, 0.03) = 0.03, nothing lost;
    # with 0.06 and 0.03: 0.03 x 2 = 0.06, lost, and significant only alone
    assert waves.holm_lost(family_res([0.001, 0.03], ["a", "b"]), 0.05).empty
    alone = waves.holm_lost(family_res([0.06, 0.03], ["a", "b"]), 0.05).iloc[0]
    assert (alone["label"], alone["rank"], alone["multiplier"], alone["largest"]) == \
        ("b", 1, 2, 1)
    # a row outside the family (another source) is not listed, even when lost to Holm
    outside = family_res([0.3, 0.012, 0.04], ["a", "b", "b2"], best=[True, True, False])
    outside.loc[2, "p_adjusted"] = 0.08
    assert waves.holm_lost(outside, 0.05).empty
    # a Benjamini-Hochberg family is not Holm's
    bh = waves.holm_lost(family_res([0.3, 0.012], ["a", "b"]).assign(method="fdr_bh"), 0.05)
    assert bh.empty and {"tests", "rank", "multiplier", "largest"} <= set(bh.columns)


def test_minimum_detectable_rows_and_design_effect():
    family = pd.DataFrame({"option": ["traitors", "would", "would"], "text_1": ["43%", "9%", "9%"],
                           "p1": [43.0, 9.0, 9.0]})
    mdc = waves.minimum_detectable(family, 1600, 1.9, 0.05)
    assert mdc["option"].tolist() == ["traitors", "would", "(reference)"]
    ref = mdc.iloc[2]
    assert ref["text_1"] == "50%" and ref["p1"] == 50.0
    # (1.96 + 0.84) x sqrt(2 x 0.25 x 1.9 / 1600) = 6.8 points at 50%, 80% power
    assert ref["mdc_points"] == pytest.approx(2.8016 * np.sqrt(0.5 * 1.9 / 1600) * 100, abs=1e-3)
    assert ref["mdc_points"] == pytest.approx(6.8, abs=0.05)
    assert (mdc["mdc_points"] / mdc["mdc_srs_points"]).to_numpy() == pytest.approx(np.sqrt(1.9))
    assert mdc["mdc_points"].iloc[1] < mdc["mdc_points"].iloc[0] < ref["mdc_points"]


# ---------------------------------------------------------------- any waves, power per cell
def test_check_waves_refuses_what_the_data_do_not_have():
    meta = {"waves": {"2024-03": {}, "2025-04": {}, "2022-02": {}}}
    waves.check_waves(WAVES, meta, "2024-03", "2025-04")
    with pytest.raises(waves.WaveError, match="'2030-01' is not in metadata/waves.yaml; known: "
                                              "2022-02, 2024-03, 2025-04"):
        waves.check_waves(WAVES, meta, "2024-03", "2030-01")
    with pytest.raises(waves.WaveError, match="must be earlier"):
        waves.check_waves(WAVES, meta, "2025-04", "2024-03")
    with pytest.raises(waves.WaveError,
                       match="share no whole-sample option.*2024-03: traitors, would; 2025-04"):
        waves.check_waves(WAVES, meta, "2022-02", "2024-03")


def test_power_table_whole_sample_and_detectable_change_is_power_80():
    from chasm.stats.sensitivity import score_test_power

    tidy = WAVES.assign(subgroup_var="all", subgroup="all")[WAVES["subgroup_var"] == "all"]
    table = waves.power_table(tidy, {"subgroups": {}}, None, None, "2024-03", 1600, 1.9, 0.05,
                              5.0)
    assert table["figure_id"].tolist() == ["E06", "L02"]  # B1 has no point
    row = table.iloc[0]
    assert row["n"] == 1600 and row["fall"] < 0 < row["rise"]
    assert float(score_test_power(43, 43 + row["fall"], 1600, 1600, 1.9, 1.9)) == \
        pytest.approx(0.8, abs=1e-6)
    assert row["power_change"] == pytest.approx(
        float(score_test_power(43, 38, 1600, 1600, 1.9, 1.9)))


def test_power_table_rows_are_the_calls_for_each_row_alone():
    """One call per family over every row gives, to the bit, what one call per row gives."""
    from chasm.stats.sensitivity import detectable_change, score_test_power

    tidy = WAVES.assign(subgroup_var="all", subgroup="all")[WAVES["subgroup_var"] == "all"]
    for change in (5.0, 60.0):  # 60: a fall below 0% is a fall to 0%
        table = waves.power_table(tidy, {"subgroups": {}}, None, None, "2024-03", 1600, 1.9,
                                  0.01, change, 0.9)
        assert len(table) == 2
        for r in table.itertuples():
            assert r.fall == detectable_change(r.share, r.n, r.n, 1.9, 1.9, 0.01, 0.9, -1)
            assert r.rise == detectable_change(r.share, r.n, r.n, 1.9, 1.9, 0.01, 0.9, 1)
            assert r.power_change == float(score_test_power(
                r.share, max(r.share - change, 0.0), r.n, r.n, 1.9, 1.9, 0.01))
