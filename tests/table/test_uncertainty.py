"""Per-figure sizes and intervals (chasm.analysis.uncertainty) and the tables and sentences of
02_uncertainty built on them."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from chasm.analysis import uncertainty
from chasm.analysis.uncertainty import figure_intervals, subgroup_sizes
from chasm.stats.intervals import share_interval

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
    # 87 + 11 + 3 = 101: the shares are normalised to sum 1 (chasm.analysis.weights)
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
    # a bound: no point, interval from 0 up past the bound (exact Clopper-Pearson)
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


# ---------------------------------------------------------------- 02_uncertainty's tables
# Wilson's interval written out from its textbook formula (on n_eff = n / deff), so that the
# expectations below do not go through chasm.stats.intervals.
Z95 = norm.ppf(0.975)


def wilson(pct: float, n_eff: float, z: float = Z95) -> tuple[float, float]:
    p = pct / 100
    centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z / (1 + z**2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2))
    return 100 * (centre - half), 100 * (centre + half)


@pytest.fixture(scope="module")
def sizes():
    return subgroup_sizes(TIDY, META, POP, APPROVAL)


@pytest.fixture(scope="module")
def table(sizes):
    return uncertainty.interval_table(TIDY, sizes, 1.9)


def test_interval_table_columns_sizes_and_intervals(table):
    assert list(table.columns) == [
        "figure_id", "source_kind", "wave", "question", "option", "subgroup_var", "subgroup",
        "value_text", "point", "low", "high", "rule", "n_wave", "n_assumed", "w",
        "weight_source", "n", "n_eff", "deff", "ci_low", "ci_high", "method", "note"]
    assert (table["deff"] == 1.9).all()
    a = table.iloc[0]  # 43% of 1600 interviews: the union of Wilson over [42.5, 43.5]
    assert a["n"] == 1600 and a["n_eff"] == pytest.approx(1600 / 1.9)
    assert a["ci_low"] == pytest.approx(wilson(42.5, 1600 / 1.9)[0], abs=1e-9)
    assert a["ci_high"] == pytest.approx(wilson(43.5, 1600 / 1.9)[1], abs=1e-9)
    b = table.iloc[1]  # "35-40%" among the young: 22/83 of 1600
    assert b["n"] == pytest.approx(1600 * 22 / 83)
    assert b["ci_low"] == pytest.approx(wilson(34.5, 1600 * 22 / 83 / 1.9)[0], abs=1e-9)
    g = table.iloc[6]  # trusted source: size unknown, no interval
    assert np.isnan(g["n"]) and np.isnan(g["ci_low"]) and g["method"] == "not computed"


@pytest.mark.parametrize(("levada", "used", "grid", "expected"), [
    (1.8967, 1.8967, None, [1.0, 1.5, 1.8967, 2.5]),  # 1.9 in the grid becomes the exact value
    (1.8967, 2.0, None, [1.0, 1.5, 1.8967, 2.0, 2.5]),
    (1.8967, 1.5, None, [1.0, 1.5, 1.8967, 2.5]),  # no duplicate
    (2.04, 2.04, (1.0, 2.0), [1.0, 2.04]),  # within 0.05: replaced
    (2.06, 2.06, (1.0, 2.0), [1.0, 2.0, 2.06]),  # farther: kept beside it
])
def test_sensitivity_deffs(levada, used, grid, expected):
    assert uncertainty.sensitivity_deffs(levada, used, grid) == pytest.approx(expected)


def test_deff_sensitivity_reference_and_rows(sizes):
    out = uncertainty.deff_sensitivity(TIDY, sizes["n_group"], [1.0, 1.9], 1.9, 1600.0,
                                       option="o")
    assert list(out.columns) == ["figure", "source_kind", "value_text", "deff 1.00",
                                 "deff 1.90 (Levada LS)"]
    # every figure of option "o" but G (size unknown), after the reference row
    assert out["figure"].tolist() == [
        "reference: 50% at N = 1600", "A · 2024-03 · whole sample", "B · 2024-03 · age = young",
        "C · 2024-03 · age = old", "D · 2024-03 · putin_approval = disapprove",
        "E · 2025-04 · putin_approval = disapprove", "F · 2025-04 · putin_approval = approve",
        "H · 2025-04 · whole sample"]
    for col, deff in (("deff 1.00", 1.0), ("deff 1.90 (Levada LS)", 1.9)):
        lo, hi = wilson(50, 1600 / deff)
        assert out.loc[0, col] == pytest.approx((hi - lo) / 2, abs=1e-9)
        lo, hi = wilson(42.5, 1600 / deff)[0], wilson(43.5, 1600 / deff)[1]
        assert out.loc[1, col] == pytest.approx((hi - lo) / 2, abs=1e-9)
    # about 2.4 points at 50% for 1600 simple random interviews, wider by sqrt(1.9) or so
    assert out.loc[0, "deff 1.00"] == pytest.approx(2.45, abs=0.01)
    assert out.loc[0, "deff 1.90 (Levada LS)"] / out.loc[0, "deff 1.00"] == pytest.approx(
        np.sqrt(1.9), rel=2e-3)
    age = {"label": "age group", "groups": {"young": {"label": "18 to 39"}, "old": {}}}
    labelled = uncertainty.deff_sensitivity(TIDY, sizes["n_group"], [1.0, 1.9], 1.9, 1600.0,
                                            option="o",
                                            meta={"subgroups": {**META["subgroups"], "age": age}})
    assert labelled.drop(columns="figure").equals(out.drop(columns="figure"))
    assert labelled["figure"].tolist()[1:4] == [  # an unlabelled group keeps its code
        "A · 2024-03 · whole sample", "B · 2024-03 · age group: 18 to 39",
        "C · 2024-03 · age group: old"]
    assert uncertainty.deff_sensitivity(TIDY, sizes["n_group"], [1.0], 1.9, 1600.0).shape == (
        1, 4)  # no "traitors" figure: the reference alone


def test_range_widths_rounding_and_wording(table, sizes):
    widths = uncertainty.range_widths(table, sizes["n_group"], 1.9)
    assert widths["figure_id"].tolist() == list("ABCDEF")  # G: no size; H: no point
    a = widths.iloc[0]
    samp_lo, samp_hi = wilson(43, 1600 / 1.9)
    assert a["width_sampling"] == pytest.approx(samp_hi - samp_lo, abs=1e-9)
    assert a["width_with_range"] == pytest.approx(
        wilson(43.5, 1600 / 1.9)[1] - wilson(42.5, 1600 / 1.9)[0], abs=1e-9)
    assert a["added_by_range"] == pytest.approx(1.0, abs=0.02)  # ±0.5 rounding, both ends
    assert a["ratio"] == pytest.approx(a["width_with_range"] / a["width_sampling"])
    # "about half" (±5 of 619 effective interviews) is widened more than "35-40%" (6 points of
    # 223): ratios about 2.3 and 1.5
    worded = widths[widths["rule"] != "number"].sort_values("ratio", ascending=False)
    assert worded["figure_id"].tolist() == ["C", "B"]
    assert worded["ratio"].iloc[0] == pytest.approx(2.27, abs=0.05)
    assert worded["ratio"].iloc[1] == pytest.approx(1.47, abs=0.05)


def widths_of(numbers, worded=()):
    rows = [{"figure_id": f"N{i}", "source_kind": "primary", "wave": "w", "option": "o",
             "value_text": "9%", "rule": "number", "width_sampling": w - a,
             "width_with_range": w, "added_by_range": a, "ratio": w / (w - a)}
            for i, (a, w) in enumerate(numbers)]
    rows += [{"figure_id": fid, "source_kind": "secondary", "wave": "w2", "option": "x",
              "value_text": text, "rule": "words", "width_sampling": s,
              "width_with_range": s * r, "added_by_range": s * (r - 1), "ratio": r}
             for fid, text, s, r in worded]
    return pd.DataFrame(rows)


def test_rounding_summary_hand_values():
    widths = widths_of([(1.0, 10.0), (0.5, 5.0), (0.8, 4.0)],
                       [("W1", "a third", 8.0, 1.5), ("W2", "about half", 6.0, 2.25)])
    assert uncertainty.rounding_summary(widths) == pytest.approx({
        "k": 3, "added_low": 0.5, "added_high": 1.0, "added_median": 0.8, "width_low": 4.0,
        "width_high": 10.0, "largest_share": 20.0, "sampling_dominates": True})


def test_rounding_at_a_quarter_of_an_interval_is_not_negligible():
    out = uncertainty.rounding_summary(widths_of([(1.0, 4.0), (0.5, 5.0)]))
    assert out["largest_share"] == pytest.approx(25.0) and not out["sampling_dominates"]


def test_a_bound_has_an_interval_but_no_point(table):
    """ "no more than 10%": the union over 0-10.5, exact near 0 (02 words it as a bound)."""
    bound = table[table["point"].isna() & table["ci_high"].notna()]
    assert bound["figure_id"].tolist() == ["H"]
    h = bound.iloc[0]
    assert h["ci_low"] == 0 and 10.5 < h["ci_high"] < 15 and h["method"] == "beta"


# ---------------------------------------------------------------- selection and dated populations


def test_subgroup_sizes_weight_each_wave_by_its_nearest_population_table():
    # 2023: 22 young and 61 old adults; 2026: 66 young and 61 old
    old_pop = POP
    new_pop = POP.assign(total=np.where(POP["age"] < 40, 3, 1))
    s = subgroup_sizes(TIDY, META, {"2023-01-01": old_pop, "2026-01-01": new_pop}, APPROVAL)
    assert s.at[1, "w"] == pytest.approx(22 / 83)  # 2024-03 is nearer 2023-01-01
    assert s.at[1, "weight_source"] == "population by age 2023-01-01"
    later = TIDY.iloc[[1]].assign(wave="2025-04")  # nearer 2026-01-01: 66 of 127 adults
    s = subgroup_sizes(later, META, {"2023-01-01": old_pop, "2026-01-01": new_pop}, APPROVAL)
    assert s.iloc[0]["w"] == pytest.approx(66 / 127)
    assert s.iloc[0]["weight_source"] == "population by age 2026-01-01"
    # one table given as a frame: the old behaviour and wording
    assert subgroup_sizes(TIDY, META, POP, APPROVAL).at[1, "weight_source"] == "population by age"


def test_select_keeps_the_chosen_questions_and_waves_and_refuses_what_is_not_there():
    from chasm.data.params import ParameterError

    meta = {**META, "questions": {"q": {}, "other": {}}}
    tidy = pd.concat([TIDY, tidy_rows(("Z", "primary", "2025-04", "other", "x", "all", "all",
                                       "5%", 5.0, 4.5, 5.5, "number"))], ignore_index=True)
    assert len(uncertainty.select(tidy, meta)) == len(tidy)
    chosen = uncertainty.select(tidy, meta, ["q"], ["2025-04"], focus="o")
    assert sorted(chosen["figure_id"]) == ["E", "F", "G", "H"]
    with pytest.raises(ParameterError, match="questions: 'nope' has no figure in the data; "
                                             "choose from other, q"):
        uncertainty.select(tidy, meta, ["nope"])
    with pytest.raises(ParameterError, match="waves: '2009-05' has no figure"):
        uncertainty.select(tidy, meta, [], ["2009-05"])
    with pytest.raises(ParameterError, match="no figure of questions \\['other'\\] in waves "
                                             "\\['2024-03'\\]; waves with figures of these "
                                             "questions: 2025-04"):
        uncertainty.select(tidy, meta, ["other"], ["2024-03"])
    with pytest.raises(ParameterError, match="focus='o' has no figure in the selection; choose "
                                             "from x"):
        uncertainty.select(tidy, meta, ["other"], focus="o")
    with pytest.raises(ParameterError, match="must be a list"):
        uncertainty.select(tidy, meta, "q")
