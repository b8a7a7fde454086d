"""Group weights and sizes: age bands, Rosstat weights, approval months, the recent window."""

import numpy as np
import pandas as pd
import pytest

from chasm.analysis import weights

META = {
    "waves": {"w1": {"n": 1600, "approval_month": "2024-03"},
              "w2": {"n": 1600, "approval_month": "2025-02"},
              "w3": {"n": 1600, "approval_month": None}},
    "subgroups": {
        "all": {"groups": {"all": {}}},
        "age": {"groups": {"18-24": {"min_age": 18, "max_age": 24},
                           "25-39": {"min_age": 25, "max_age": 39},
                           "40-54": {"min_age": 40, "max_age": 54},
                           "55+": {"min_age": 55, "max_age": None}}},
        "putin_approval": {"groups": {"approve": {}, "disapprove": {}, "no_answer": {}}},
    },
}
APPROVAL = pd.DataFrame({"month": ["2024-03", "2025-02", "2025-11", "2025-12"],
                         "approve": [87.0, 88.0, 84.0, np.nan],
                         "disapprove": [11.0, np.nan, 12.0, np.nan],
                         "no_answer": [3.0, np.nan, np.nan, np.nan]})


# ---------------------------------------------------------------- age


def test_age_bands_from_metadata_and_none_for_other_variables():
    bands = weights.age_bands(META)
    assert bands == {"18-24": (18, 24), "25-39": (25, 39), "40-54": (40, 54), "55+": (55, None)}
    assert weights.age_bands(META, "putin_approval") is None
    assert weights.age_bands(META, "all") is None


def test_age_weights_are_population_shares_of_the_bands():
    # one person per year of age 0-100: 7, 15, 15 and 46 people aged 18 and over (83)
    pop = pd.DataFrame({"age": range(101), "total": 1.0})
    w = weights.age_weights(pop, META)
    assert list(w.index) == ["18-24", "25-39", "40-54", "55+"]
    assert w.to_numpy() == pytest.approx(np.array([7, 15, 15, 46]) / 83)
    with pytest.raises(weights.NoWeights, match="no ages"):
        weights.age_weights(pop, META, "putin_approval")


# ---------------------------------------------------------------- approval


def test_complete_month_is_normalised_with_a_27_point_grid():
    aw = weights.approval_weights(APPROVAL, "2024-03")
    assert aw.complete and aw.raw_sum == 101
    assert aw.weights.to_dict() == pytest.approx({"approve": 87 / 101, "disapprove": 11 / 101,
                                                  "no_answer": 3 / 101})
    assert aw.members == {"approve": ("approve",), "disapprove": ("disapprove",),
                          "no_answer": ("no_answer",)}
    assert len(aw.grid) == 27 and all(g.sum() == pytest.approx(1.0) for g in aw.grid)
    # the disapprovers' weight is smallest at 87.5/10.5/3.5 (their share down, the others
    # up) and largest at 86.5/11.5/2.5
    dis = [g["disapprove"] for g in aw.grid]
    assert min(dis) == pytest.approx(10.5 / 101.5) and max(dis) == pytest.approx(11.5 / 100.5)


def test_incomplete_month_merges_the_unpublished_groups():
    aw = weights.approval_weights(APPROVAL, "2025-02")
    assert not aw.complete
    assert aw.weights.to_dict() == pytest.approx({"approve": 0.88,
                                                  "disapprove + no_answer": 0.12})
    assert aw.members["disapprove + no_answer"] == ("disapprove", "no_answer")
    assert [g["approve"] for g in aw.grid] == pytest.approx([0.875, 0.88, 0.885])
    assert all(g.sum() == pytest.approx(1.0) for g in aw.grid)
    two = weights.approval_weights(APPROVAL, "2025-11")
    assert list(two.weights.index) == ["approve", "disapprove", "no_answer"]
    assert two.weights["no_answer"] == pytest.approx(0.04) and len(two.grid) == 9
    assert two.members["no_answer"] == ("no_answer",)


def test_missing_month_gives_no_weights():
    with pytest.raises(weights.NoWeights, match="not in the approval series"):
        weights.approval_weights(APPROVAL, "1990-01")
    with pytest.raises(weights.NoWeights, match="not in the approval series"):
        weights.wave_approval_weights(META, APPROVAL, "w3")
    with pytest.raises(weights.NoWeights, match="no approval share"):
        weights.approval_weights(APPROVAL, "2025-12")


def test_wave_approval_weights_use_the_waves_month():
    assert weights.wave_approval_weights(META, APPROVAL, "w2").month == "2025-02"


def test_group_weight_exact_or_upper_bound():
    full = weights.approval_weights(APPROVAL, "2024-03")
    assert weights.group_weight(full, "disapprove") == (pytest.approx(11 / 101), False)
    part = weights.approval_weights(APPROVAL, "2025-02")
    assert weights.group_weight(part, "approve") == (pytest.approx(0.88), False)
    # disapprovers are part of the 12% left by 88% approval: at most 100 - 87.5 = 12.5%
    assert weights.group_weight(part, "disapprove") == (pytest.approx(0.125), True)
    two = weights.approval_weights(APPROVAL, "2025-11")
    # 84 + 12 published: no answer at most 100 - 83.5 - 11.5 = 5%
    assert weights.group_weight(two, "no_answer") == (pytest.approx(0.05), True)
    with pytest.raises(weights.NoWeights):
        weights.group_weight(full, "undecided")


def test_no_answer_window_takes_the_last_twelve_published_months():
    months = [f"2023-{m:02d}" for m in range(1, 13)] + ["2024-01", "2024-02", "2024-03"]
    # 2023-05 is not published; 2024-03 itself (7) is not before the month
    no_answer = [9, 8, 2, 3, np.nan, 4, 2, 3, 3, 2, 4, 3, 2, 3, 7]
    series = pd.DataFrame({"month": months, "approve": 80.0, "disapprove": 15.0,
                           "no_answer": no_answer})
    # 13 published months before 2024-03; the last 12 drop 2023-01 (9) and keep 2023-02 (8)
    assert weights.no_answer_window(series, "2024-03") == (2.0, 8.0, 12)
    # fewer than 12 months: 2023-01, 2023-02, 2023-03
    assert weights.no_answer_window(series, "2023-04") == (2.0, 9.0, 3)
    empty = weights.no_answer_window(series, "2023-01")
    assert empty.months == 0 and np.isnan(empty.low) and np.isnan(empty.high)


# ---------------------------------------------------------------- merging and sizes


def test_merge_groups_and_label():
    w = pd.Series({"18-24": 0.09, "25-39": 0.26, "40-54": 0.27, "55+": 0.38})
    merged = weights.merge_groups(w, ["25-39", "40-54"])
    assert list(merged.index) == ["18-24", "55+", "25-39 + 40-54"]
    assert merged["25-39 + 40-54"] == pytest.approx(0.53) and merged.sum() == pytest.approx(1.0)
    assert weights.merge_groups(w, ["25-39", "40-54"], "25-54").index[-1] == "25-54"
    assert weights.merged_label(("disapprove", "no_answer")) == "disapprove + no_answer"


def test_group_sizes_are_weight_times_n():
    sizes = weights.group_sizes({"approve": 0.86, "disapprove": 0.11}, 1600)
    assert sizes.to_dict() == pytest.approx({"approve": 1376.0, "disapprove": 176.0})


# ---------------------------------------------------------------- population tables by date


def _pop(young: float, old: float) -> pd.DataFrame:
    """A population with ``young`` people per year of age under 40 and ``old`` from 40 on."""
    ages = np.arange(101)
    return pd.DataFrame({"age": ages, "total": np.where(ages < 40, young, old)})


def test_nearest_dates_measure_from_the_first_day_of_the_wave_and_break_ties_early():
    dates = ["2010-01-01", "2024-01-01", "2021-01-01"]
    assert weights.nearest_dates(dates, "2009-05") == ["2010-01-01", "2021-01-01", "2024-01-01"]
    assert weights.nearest_dates(dates, "2023-03")[0] == "2024-01-01"
    # 2022-07-02 is 182 days from both 2022-01-01 and 2022-12-31 (2022 is not a leap year)
    assert weights.nearest_dates(["2022-12-31", "2022-01-01"], "2022-07")[0] == "2022-01-01"


def test_wave_age_weights_use_the_nearest_table_and_keep_the_next_nearest_beside_it():
    pops = {"2010-01-01": _pop(1.0, 1.0), "2024-01-01": _pop(1.0, 3.0)}
    chosen = weights.wave_age_weights(pops, META, "2009-05")
    assert (chosen.date, chosen.years, chosen.other_date) == ("2010-01-01", 0.7, "2024-01-01")
    # 2010: 7, 15, 15, 46 of 83 adults; 2024: 7, 15, 45, 138 of 205
    assert chosen.weights["55+"] == pytest.approx(46 / 83)
    assert chosen.other_weights["55+"] == pytest.approx(138 / 205)
    only = weights.wave_age_weights({"2024-01-01": pops["2024-01-01"]}, META, "2009-05")
    assert (only.date, only.other_date, only.other_weights) == ("2024-01-01", "", None)
    assert only.years == pytest.approx(14.7)
    with pytest.raises(weights.NoWeights):
        weights.wave_age_weights({}, META, "2009-05")


def test_population_text_says_which_table_and_how_much_the_next_one_moves_a_weight():
    one = {"2024-01-01": _pop(1.0, 1.0)}
    text = weights.population_text(one, META, ["2024-03", "2009-05"])
    assert text.startswith("Age weights: Rosstat's table of 2024-01-01 for 2009-05 (14.7 years "
                           "away) and 2024-03 (0.2 years away). It is the only population table")
    assert "cannot be measured" in text
    two = {**one, "2010-01-01": _pop(1.0, 3.0)}
    text = weights.population_text(two, META, ["2024-03", "2009-05"])
    assert "table of 2010-01-01 for 2009-05 (0.7 years away); Rosstat's table of 2024-01-01 for " \
           "2024-03" in text
    # 55+ moves from 46/83 to 138/205 (or back): 11.8 points, the largest band move
    move = 100 * (138 / 205 - 46 / 83)
    assert f"at most {move:.1f} points" in text


# ---------------------------------------------------------------- the choice, in one place
def test_weight_kind_is_the_one_choice_of_weights():
    meta = {**META, "subgroups": {**META["subgroups"],
                                  "putin_approval": {"groups": {"approve": {}}},
                                  "region": {"groups": {"north": {}}},
                                  "sized": {"groups": {"a": {}}, "sizes": {"source": "s",
                                                                           "groups": {"a": 100}}},
                                  "cohort": {"groups": {"young": {"min_age": 18,
                                                                  "max_age": 40}}}}}
    kinds = {v: weights.weight_kind(meta, v) for v in
             ["all", "age", "cohort", "putin_approval", "sized", "region", "unknown"]}
    assert kinds == {"all": "whole", "age": "age", "cohort": "age",
                     "putin_approval": "approval", "sized": "given", "region": None,
                     "unknown": None}
    assert weights.APPROVAL_VARIABLE == "putin_approval"
    assert weights.age_variable(meta, ["region", "cohort", "age"]) == "cohort"
    assert weights.age_variable(meta, ["region"]) is None


def test_breakdown_weights_follow_the_choice_and_say_why_there_are_none():
    meta = {**META, "waves": {"2025-03": {"approval_month": "2025-02"}, "2025-04": {}},
            "subgroups": {**META["subgroups"],
                          "putin_approval": {"groups": {"approve": {"label": "approve"},
                                                        "disapprove": {"label": "disapprove"},
                                                        "no_answer": {"label": "no answer"}}},
                          "region": {"groups": {"north": {}}}}}
    pop = pd.DataFrame({"age": range(101), "total": 1.0})
    pops = {"2024-01-01": pop}
    got = weights.breakdown_weights(meta, pops, APPROVAL, "2025-03", "age")
    assert got.source == "population 2024-01-01" and got.other is None
    pd.testing.assert_series_equal(got.weights, weights.age_weights(pop, meta))
    got = weights.breakdown_weights(meta, pops, APPROVAL, "2025-03", "putin_approval")
    assert got.source == "approval 2025-02" and got.members is not None
    assert got.note == ("approval 2025-02 gives no separate weight for disapprove and no "
                        "answer: they enter as one group")
    with pytest.raises(weights.NoWeights, match="no approval split is recorded"):
        weights.breakdown_weights(meta, pops, APPROVAL, "2025-04", "putin_approval")
    with pytest.raises(weights.NoWeights, match="no source gives the sizes of its groups"):
        weights.breakdown_weights(meta, pops, APPROVAL, "2025-03", "region")
