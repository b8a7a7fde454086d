"""Subgroup breakdowns: cells with wording ranges, identity bounds, group sizes, comparisons."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from chasm.analysis import subgroup_tests as st  # noqa: E402
from chasm.analysis import subgroups as bd  # noqa: E402
from chasm.analysis import weights  # noqa: E402

META = {
    "questions": {
        "leave": {"response": "multiple", "options": {"traitors": {}}},
        "emig": {"response": "single", "options": {"would": {}, "would_not": {}}},
    },
    "subgroups": {
        "all": {"groups": {"all": {}}},
        "age": {"groups": {"18-24": {"min_age": 18, "max_age": 24},
                           "25-39": {"min_age": 25, "max_age": 39},
                           "40-54": {"min_age": 40, "max_age": 54},
                           "55+": {"min_age": 55, "max_age": None}}},
    },
}
W = pd.Series({"18-24": 0.09, "25-39": 0.26, "40-54": 0.27, "55+": 0.38})


def fig(fid, kind, q, option, var, group, text, point, low, high, rule="number"):
    return {"figure_id": fid, "source_kind": kind, "wave": "w", "question": q,
            "option": option, "subgroup_var": var, "subgroup": group, "value_text": text,
            "point": point, "low": low, "high": high, "rule": rule}


TIDY = pd.DataFrame([
    fig("E06", "essay", "leave", "traitors", "all", "all", "43%", 43, 42.5, 43.5),
    fig("E09", "essay", "leave", "traitors", "age", "18-24", "35-40%", 37.5, 34.5, 40.5,
        "range"),
    fig("E10", "essay", "leave", "traitors", "age", "25-39", "35-40%", 37.5, 34.5, 40.5,
        "range"),
    fig("E08", "essay", "leave", "traitors", "age", "55+", "about half", 50, 45, 55, "words"),
    fig("S08", "secondary", "leave", "traitors", "age", "55+", "50%", 50, 49.5, 50.5),
    fig("L09", "primary", "emig", "would", "all", "all", "9%", 9, 8.5, 9.5),
    fig("L11", "primary", "emig", "would", "age", "18-24", "17%", 17, 16.5, 17.5),
    fig("L15", "primary", "emig", "would_not", "age", "55+", "94%", 94, 93.5, 94.5),
])


# ---------------------------------------------------------------- cells


def test_group_cells_best_figure_and_unpublished_group():
    cells = bd.group_cells(TIDY, META, "w", "leave", "traitors", "age").set_index("group")
    assert list(cells.index) == ["18-24", "25-39", "40-54", "55+"]
    assert cells.at["55+", "figure_id"] == "S08"  # a number beats words
    assert np.isnan(cells.at["40-54", "low"]) and not cells.at["40-54", "published"]
    total = bd.group_cells(TIDY, META, "w", "leave", "traitors", "all")
    assert list(total["figure_id"]) == ["E06"]


def test_group_cells_complement_gives_an_upper_bound_only():
    cells = bd.group_cells(TIDY, META, "w", "emig", "would", "age",
                           complement="would_not").set_index("group")
    row = cells.loc["55+"]
    assert row["derived"] and not row["published"]
    assert (row["low"], row["high"]) == (0.0, pytest.approx(6.5))
    assert np.isnan(row["point"]) and row["figure_id"] == "L15"
    assert np.isnan(cells.at["25-39", "low"])
    with pytest.raises(ValueError, match="single response"):
        bd.group_cells(TIDY, META, "w", "leave", "traitors", "age", complement="x")


def test_single_response_check():
    ok = bd.single_response_check((8.5, 9.5), (85.0, 95.0))
    assert ok.consistent and ok.sum_low == 93.5 and ok.sum_high == 104.5
    assert ok.rest_low == 0.0 and ok.rest_high == 6.5 and ok.b_high_implied == 91.5
    assert not bd.single_response_check((50.0, 51.0), (55.0, 56.0)).consistent


# ---------------------------------------------------------------- identity


def test_missing_group_hand_example():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    m = bd.missing_group((42.5, 43.5), W, cells)
    assert m.group == "40-54" and m.members == ("40-54",) and m.feasible and m.weight == 0.27
    assert (m.raw_low, m.raw_high) == (m.low, m.high)  # inside 0-100: nothing clipped
    # low = (42.5 - .09*40.5 - .26*40.5 - .38*55) / .27 ; high = (43.5 - .35*34.5 - .38*45) / .27
    assert m.low == pytest.approx((42.5 - 0.35 * 40.5 - 0.38 * 55) / 0.27)
    assert m.high == pytest.approx((43.5 - 0.35 * 34.5 - 0.38 * 45) / 0.27)


def test_missing_group_merges_and_contains_the_truth():
    truth = pd.Series({"18-24": 17.2, "25-39": 12.0, "40-54": 8.0, "55+": 4.1})
    total = float(truth @ W)
    cells = pd.DataFrame({"group": W.index, "low": [17.0, np.nan, np.nan, 0.0],
                          "high": [17.5, np.nan, np.nan, 6.5]})
    m = bd.missing_group((total - 0.5, total + 0.5), W, cells)
    assert m.group == "25-39 + 40-54" and m.members == ("25-39", "40-54")
    assert m.weight == pytest.approx(0.53) and list(m.weights.index)[-1] == m.group
    merged_truth = (truth["25-39"] * 0.26 + truth["40-54"] * 0.27) / 0.53
    assert m.low <= merged_truth <= m.high
    with pytest.raises(ValueError, match="nothing to bound"):
        bd.missing_group((40, 41), W, cells.fillna(1.0))


def test_missing_group_over_grid_is_outer():
    cells = pd.DataFrame({"group": ["a", "b", "c"], "low": [46.5, 18.5, np.nan],
                          "high": [47.5, 19.5, np.nan]})
    grid = [pd.Series({"a": x, "b": 0.11, "c": 0.89 - x}) for x in (0.85, 0.86, 0.87)]
    lo, hi = bd.missing_group_over_grid((42.5, 43.5), grid, cells)
    centre = bd.missing_group((42.5, 43.5), grid[1], cells)
    assert lo <= centre.low and hi >= centre.high


def test_missing_group_members_of_a_merged_weight_label():
    # approval weights with the unpublished groups already merged into one label
    w = pd.Series({"approve": 0.88, "disapprove + no_answer": 0.12})
    cells = pd.DataFrame({"group": ["approve", "disapprove"], "low": [6.5, 19.5],
                          "high": [7.5, 20.5]})
    m = bd.missing_group((8.5, 9.5), w, cells,
                         {"disapprove + no_answer": ("disapprove", "no_answer")})
    assert m.group == "disapprove + no_answer" and m.members == ("disapprove", "no_answer")
    # low = (8.5 - .88 * 7.5) / .12, high = (9.5 - .88 * 6.5) / .12
    assert (m.low, m.high) == (pytest.approx(1.9 / 0.12), pytest.approx(3.78 / 0.12))


def test_weighted_identity_free_and_assumption():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    free = bd.weighted_identity((42.5, 43.5), W, cells)
    assert free.consistent and free.gap == 0
    assert free.implied_low == pytest.approx(0.35 * 34.5 + 0.38 * 45)
    assert free.implied_high == pytest.approx(0.35 * 40.5 + 0.27 * 100 + 0.38 * 55)
    assert free.missing.group == "40-54"
    # if 40-54 were at most 5%, the quoted groups could not reach the total
    narrow = bd.weighted_identity((42.5, 43.5), W, cells, free=(0.0, 5.0))
    assert not narrow.consistent
    assert narrow.gap == pytest.approx(42.5 - (0.35 * 40.5 + 0.27 * 5 + 0.38 * 55))
    # every group published: nothing to bound
    full = bd.weighted_identity((42.5, 43.5), W, cells.fillna({"low": 40.0, "high": 41.0}))
    assert full.missing is None


def test_weighted_identity_keeps_the_unclipped_range_when_impossible():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    bad = bd.weighted_identity((90.0, 91.0), W, cells)
    assert not bad.consistent and not bad.missing.feasible
    # raw low = (90 - .35 * 40.5 - .38 * 55) / .27 = 203.4..., clipped to 100
    assert bad.missing.raw_low == pytest.approx((90 - 0.35 * 40.5 - 0.38 * 55) / 0.27)
    assert bad.missing.raw_high == pytest.approx((91 - 0.35 * 34.5 - 0.38 * 45) / 0.27)
    assert bad.missing.low == bad.missing.high == 100.0


# ---------------------------------------------------------------- comparisons


def test_vs_rest_point_and_least_favourable():
    total = {"point": 43.0, "low": 42.5, "high": 43.5}
    old = {"point": 50.0, "low": 45.0, "high": 55.0}
    res = st.vs_rest(total, old, 0.377, 1600, 1.9).set_index("reading")
    assert res.at["point", "rest"] == pytest.approx((43 - 0.377 * 50) / 0.623)
    lf = res.loc["least favourable"]
    assert (lf["sub"], lf["total"]) == (45.0, 43.5)
    assert 0 < lf["diff"] < res.at["point", "diff"]
    assert res.at["point", "p_value"] < 0.01 < lf["p_value"]
    young = {"point": 37.5, "low": 34.5, "high": 40.5}
    res = st.vs_rest(total, young, 0.09, 1600, 1.9).set_index("reading")
    assert (res.at["least favourable", "sub"], res.at["least favourable", "total"]) == (40.5, 42.5)
    # an impossible reading (rest share below 0) is reported, not raised
    bad = st.vs_rest({"point": 5.0, "low": 4.5, "high": 5.5},
                     {"point": 60.0, "low": 59.5, "high": 60.5}, 0.5, 1600, 1.9)
    assert bad["note"].str.contains("outside").all() and bad["p_value"].isna().all()


def test_compare_groups_direction_and_least_favourable():
    a = {"point": 47.0, "low": 46.5, "high": 47.5}
    b = {"point": 19.0, "low": 18.5, "high": 19.5}
    res = st.compare_groups(a, b, 0.861 * 1600, 0.109 * 1600, 1.9).set_index("reading")
    assert res.at["point", "diff"] == pytest.approx(28.0)
    assert res.at["least favourable", "diff"] == pytest.approx(27.0)
    assert res.at["point", "ci_low"] < 28 < res.at["point", "ci_high"]
    flipped = st.compare_groups(b, a, 0.109 * 1600, 0.861 * 1600, 1.9).set_index("reading")
    assert flipped.at["least favourable", "diff"] == pytest.approx(-27.0)


def test_trend_flattest_reading():
    cells = pd.DataFrame({"point": [37.5, 37.5, 50.0], "low": [34.5, 34.5, 45.0],
                          "high": [40.5, 40.5, 55.0]})
    res = st.trend(cells, [0, 1, 3], [76.0, 220.0, 318.0]).set_index("reading")
    assert res.at["point", "z"] > 0
    assert res.at["least favourable", "shares"] == "40.5/40.5/45"
    assert 0 < res.at["least favourable", "z"] < res.at["point", "z"]
    falling = cells.assign(point=[50.0, 37.5, 37.5], low=[45.0, 34.5, 34.5],
                           high=[55.0, 40.5, 40.5])
    res = st.trend(falling, [0, 1, 3], [76.0, 220.0, 318.0]).set_index("reading")
    # below the mean score (0 and 1) go low, above it (3) goes high
    assert res.at["least favourable", "shares"] == "45/34.5/40.5"


# ---------------------------------------------------------------- intervals and figure


def test_add_intervals_cover_the_range_and_skip_unknown_rows():
    cells = bd.group_cells(TIDY, META, "w", "emig", "would", "age", complement="would_not")
    out = bd.add_intervals(cells, W, 1600, 1.9).set_index("group")
    assert out.at["18-24", "ci_low"] < 16.5 and out.at["18-24", "ci_high"] > 17.5
    assert out.at["55+", "ci_low"] == 0.0 and out.at["55+", "ci_high"] > 6.5
    assert np.isnan(out.at["25-39", "ci_low"])
    # a group without a weight gets no interval
    partial = bd.add_intervals(cells, {"18-24": 0.09}, 1600, 1.9).set_index("group")
    assert np.isnan(partial.at["55+", "ci_low"])


def test_plot_groups_returns_the_plotted_numbers():
    import matplotlib.pyplot as plt

    from chasm import plots

    cells = bd.add_intervals(bd.group_cells(TIDY, META, "w", "emig", "would", "age",
                                            complement="would_not"), W, 1600, 1.9)
    cells = cells[cells["low"].notna()]
    fig, ax = plt.subplots()
    total = {"point": 9.0, "low": 8.5, "high": 9.5, "ci_low": 7.0, "ci_high": 11.0,
             "figure_id": "L09"}
    data = plots.plot_groups(ax, cells, total, "t", {"primary": "#2a9d55"})
    plt.close(fig)
    assert list(data["group"]) == ["18-24", "55+", "total"]
    assert data["derived"].tolist() == [False, True, False]
    assert data["high"].tolist() == [17.5, pytest.approx(6.5), 9.5]


# ---------------------------------------------------------------- the checks 05_subgroups words
# The fixture adds an approval breakdown, the wave's N and an approval series.
META5 = {**META, "waves": {"w": {"n": 1600, "n_assumed": True, "approval_month": "2024-03"},
                           "v": {"n": 1500, "n_assumed": False, "approval_month": "2025-02"}},
         "subgroups": {**META["subgroups"], "putin_approval": {"groups": {
             "approve": {}, "disapprove": {}, "no_answer": {}}}}}
APPROVAL = pd.DataFrame({"month": ["2024-01", "2024-02", "2024-03", "2025-02"],
                         "approve": [85.0, 86.0, 87.0, 88.0],
                         "disapprove": [12.0, 11.0, 11.0, np.nan],
                         "no_answer": [2.0, 4.0, 3.0, np.nan]})
TIDY5 = pd.concat([TIDY.drop(index=4), pd.DataFrame([
    fig("E11", "essay", "leave", "traitors", "putin_approval", "approve", "47%", 47, 46.5, 47.5),
    fig("E12", "essay", "leave", "traitors", "putin_approval", "disapprove", "19%", 19, 18.5,
        19.5),
    fig("L10", "primary", "emig", "would_not", "all", "all", "90%", 90, 89.5, 90.5),
    fig("L20", "primary", "emig", "would", "putin_approval", "approve", "7%", 7, 6.5, 7.5),
    fig("L21", "primary", "emig", "would", "putin_approval", "disapprove", "20%", 20, 19.5,
        20.5),
])], ignore_index=True)
AW = weights.approval_weights(APPROVAL, "2024-03")  # 87/11/3, normalised over 101


def age_cells():
    return bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "leave", "traitors", "age"), W,
                            1600, 1.9)


def total_row():
    return bd.total_cell(TIDY5, META5, "w", "leave", "traitors", 1600, 1.9)


def test_total_cell_and_figure_ids():
    total = total_row()
    assert total["figure_id"] == "E06" and total["ci_low"] < 42.5 < 43.5 < total["ci_high"]
    assert bd.figure_ids(age_cells(), total) == "E09;E10;E08;E06"


def test_unpublished_range_interval_and_grid():
    res = bd.unpublished_range(age_cells(), total_row(), W, 1600, 1.9, 0.05)
    assert res.missing.group == "40-54" and res.identity.consistent
    assert res.ci_low < res.missing.low and res.ci_high > res.missing.high
    assert (res.ci_low, res.ci_high) == bd.range_interval(0.27, res.missing.low,
                                                          res.missing.high, 1600, 1.9)
    assert (res.grid_low, res.grid_high) == (res.missing.low, res.missing.high)
    with pytest.raises(ValueError, match="nothing to bound"):
        bd.unpublished_range(age_cells().fillna({"low": 40.0, "high": 41.0}), total_row(), W,
                             1600, 1.9)
    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "leave", "traitors",
                                            "putin_approval"), AW.weights, 1600, 1.9)
    res = bd.unpublished_range(cells, total_row(), AW.weights, 1600, 1.9, 0.05, grid=AW.grid)
    assert res.missing.group == "no_answer"
    assert res.grid_low <= res.missing.low and res.grid_high >= res.missing.high


def test_between_neighbours_one_gap_in_the_middle():
    cells = age_cells()
    res = bd.between_neighbours(cells, total_row(), W)
    assert res.applies and (res.group, res.left, res.right) == ("40-54", "25-39", "55+")
    # neighbours 25-39 [34.5, 40.5] and 55+ [45, 55]: 40-54 in [34.5, 55]
    assert (res.low, res.high) == (34.5, 55.0)
    assert res.implied_low == pytest.approx(0.62 * 34.5 + 0.38 * 45)
    assert res.implied_high == pytest.approx(0.35 * 40.5 + 0.65 * 55)
    assert res.consistent
    # low neighbours: the implied total (at most .09*11 + .26*21 + .65*41 = 33.1) misses 42.5
    low = cells.assign(low=[10.0, 20.0, np.nan, 40.0], high=[11.0, 21.0, np.nan, 41.0])
    res = bd.between_neighbours(low, total_row(), W)
    assert res.implied_high == pytest.approx(0.99 + 5.46 + 0.65 * 41)
    assert not res.consistent


def test_between_neighbours_not_at_an_end_nor_with_two_gaps():
    cells = age_cells()
    at_end = cells.assign(low=[34.5, 34.5, 40.0, np.nan], high=[40.5, 40.5, 41.0, np.nan])
    res = bd.between_neighbours(at_end, total_row(), W)
    assert not res.applies and np.isnan(res.implied_low)
    two = cells.assign(low=[34.5, np.nan, np.nan, 45.0], high=[40.5, np.nan, np.nan, 55.0])
    assert not bd.between_neighbours(two, total_row(), W).applies


def test_vs_rest_verdict_words():
    assert st.vs_rest_verdict(0.01, 0.02, 0.05) == \
        "differs from the rest even at the least favourable reading"
    assert st.vs_rest_verdict(0.01, 0.2, 0.05).startswith("differs from the rest at the points")
    assert st.vs_rest_verdict(0.2, 0.01, 0.05) == "cannot be told apart from the rest"


def test_vs_rest_groups_holm_and_verdicts():
    table = st.vs_rest_groups(age_cells(), total_row(), W, 1600, 1.9)
    assert list(table["group"]) == ["18-24", "18-24", "25-39", "25-39", "55+", "55+"]
    points = table[table["reading"] == "point"]
    p = points["p_value"].to_numpy()
    order = np.argsort(p)  # Holm by hand: 3 p, 2 p, 1 p in rising order, running maximum
    holm = np.maximum.accumulate(np.minimum(1, p[order] * np.array([3, 2, 1])))
    assert points["p_holm"].to_numpy()[order] == pytest.approx(holm)
    assert table.loc[table["reading"] != "point", "p_holm"].isna().all()
    # one verdict per group, from its Holm p at the points and its p at the least favourable
    for _, rows in table.groupby("group"):
        assert rows["verdict"].nunique() == 1
        assert rows["verdict"].iloc[0] == st.vs_rest_verdict(rows["p_holm"].iloc[0],
                                                             rows["p_value"].iloc[1], 0.05)
    assert table.set_index("group").loc["55+", "figure_id"].tolist() == ["E08", "E08"]


def test_trend_by_order_scores_leave_a_gap():
    res = st.trend_by_order(age_cells(), W, 1600, 1.9)
    pub = age_cells()
    pub = pub[pub["published"]].reset_index(drop=True)
    # 40-54 unpublished: scores 0, 1, 3 with w N / deff effective interviews
    ref = st.trend(pub, [0, 1, 3], [0.09 * 1600 / 1.9, 0.26 * 1600 / 1.9, 0.38 * 1600 / 1.9])
    pd.testing.assert_frame_equal(res.table, ref)
    assert res.at_points == (ref.at[0, "p_value"] < 0.05)
    assert res.holds == (res.at_points and ref.at[1, "p_value"] < 0.05)


def test_answer_shares_bayes_by_hand():
    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "leave", "traitors",
                                            "putin_approval"), AW.weights, 1600, 1.9)
    miss = bd.missing_group((42.5, 43.5), AW.weights, cells)
    table = st.answer_shares(cells, total_row(), AW, miss)
    t = table.set_index("group")
    assert t.at["approve", "share_of_answers"] == pytest.approx(87 / 101 * 47 / 43 * 100)
    assert t.at["disapprove", "share_of_answers"] == pytest.approx(11 / 101 * 19 / 43 * 100)
    assert np.isnan(t.at["no_answer", "share_of_answers"])
    assert t.at["no_answer", "figure_id"] == "derived"
    # outer bounds: smallest weight (86.5 of 101.5) x low end / high total, and the reverse
    assert t.at["approve", "low"] == pytest.approx(86.5 / 101.5 * 46.5 / 43.5 * 100)
    assert t.at["approve", "high"] == pytest.approx(87.5 / 100.5 * 47.5 / 42.5 * 100)
    # the unpublished group: its derived range, whatever its weight in the grid
    assert t.at["no_answer", "high"] > 0


def test_draw_group_panels_returns_the_plotted_numbers():
    import matplotlib.pyplot as plt

    from chasm import plots

    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "emig", "would", "age",
                                            complement="would_not"), W, 1600, 1.9)
    total = bd.total_cell(TIDY5, META5, "w", "emig", "would", 1600, 1.9)
    panels = [("by age", cells[cells["low"].notna()], total), ("again", cells.iloc[:1], total)]
    fig, data = plots.draw_group_panels(panels, (4.4, 3.6), fit_x=True)
    assert list(dict.fromkeys(data["panel"])) == ["by age", "again"]
    first = data[data["panel"] == "by age"]
    assert first["group"].tolist() == ["18-24", "55+", "total"]
    assert first["low"].tolist()[:2] == pytest.approx(panels[0][1]["low"].tolist())
    # x axis: next multiple of 10 above the highest end + 2 (at most 100)
    top = first[["high", "ci_high"]].max().max()
    assert fig.axes[0].get_xlim() == (0.0, min(100.0, 10 * np.ceil((top + 2) / 10)))
    plt.close(fig)


# ---------------------------------------------------------------- every breakdown of every wave
# Two waves of a single-response question: 2019-05 publishes all four age groups, whose
# population-weighted mean (weights 0.1/0.2/0.3/0.4) is 0.1*30 + 0.2*20 + 0.3*10 + 0.4*5 = 12
# (11.5-12.5 with rounding) against a published total of 15%: the identity fails by 2.5 points.
# 2021-05 publishes two groups only, compatible with its total.
def _pop_with_bands(shares):
    """One-year population whose adults split over the META age bands by ``shares``."""
    ages = np.arange(101)
    widths = {"18-24": 7, "25-39": 15, "40-54": 15, "55+": 46}
    per_year = np.zeros(101)
    for (band, width), share in zip(widths.items(), shares, strict=True):
        lo = {"18-24": 18, "25-39": 25, "40-54": 40, "55+": 55}[band]
        per_year[lo:lo + width] = share * 1e6 / width
    return pd.DataFrame({"age": ages, "total": per_year})


POPS = {"2020-01-01": _pop_with_bands([0.1, 0.2, 0.3, 0.4]),
        "2010-01-01": _pop_with_bands([0.2, 0.2, 0.3, 0.3])}
META_SERIES = {**META, "waves": {"2019-05": {"n": 1600, "approval_month": None},
                                 "2021-05": {"n": 1600, "approval_month": None}},
               "subgroups": {**META["subgroups"],
                             "region": {"groups": {"north": {}, "south": {}}}}}


def sfig(fid, wave, var, group, point, option="would"):
    return {**fig(fid, "primary", "emig", option, var, group, f"{point}%", point, point - 0.5,
                  point + 0.5), "wave": wave}


SERIES = pd.DataFrame([
    sfig("A01", "2019-05", "all", "all", 15),
    sfig("A02", "2019-05", "age", "18-24", 30), sfig("A03", "2019-05", "age", "25-39", 20),
    sfig("A04", "2019-05", "age", "40-54", 10), sfig("A05", "2019-05", "age", "55+", 5),
    sfig("A06", "2019-05", "region", "north", 12),
    sfig("B01", "2021-05", "all", "all", 10),
    sfig("B02", "2021-05", "age", "18-24", 20), sfig("B03", "2021-05", "age", "55+", 6),
    sfig("B04", "2021-05", "putin_approval", "approve", 9),
])


def test_a_complete_breakdown_that_misses_its_total_is_flagged_inconsistent():
    meta = {**META_SERIES, "subgroups": {**META_SERIES["subgroups"],
                                         "putin_approval": {"groups": {"approve": {},
                                                                       "disapprove": {}}}}}
    out = bd.breakdown_checks(SERIES, meta, POPS, pd.DataFrame(columns=["month"]),
                              ["age", "putin_approval", "region"])
    table = out.table.set_index(["wave", "by"])
    full = table.loc[("2019-05", "age")]
    assert (full["groups"], full["complete"], full["weights"]) == ("4 of 4", True,
                                                                   "population 2020-01-01")
    assert full["implied_low"] == pytest.approx(11.5) and full["implied_high"] == pytest.approx(
        12.5)
    assert full["verdict"] == "inconsistent" and full["gap"] == pytest.approx(2.0)
    # the 2010 table (0.2/0.2/0.3/0.3) implies 6 + 4 + 3 + 1.5 = 14.5 at the points: 2.5 more
    assert full["moves"] == pytest.approx(2.5)
    partial = table.loc[("2021-05", "age")]
    assert (partial["groups"], bool(partial["complete"]), partial["verdict"]) == (
        "2 of 4", False, "consistent")
    assert partial["weights"] == "population 2020-01-01"  # 2021-05 is nearer 2020 than 2010
    assert table.loc[("2019-05", "region"), "verdict"] == "not checked"
    assert "no source gives the sizes" in table.loc[("2019-05", "region"), "note"]
    assert table.loc[("2021-05", "putin_approval"), "verdict"] == "not checked"
    assert table.loc[("2019-05", "age"), "figure_ids"] == "A02;A03;A04;A05;A01"


def test_a_complete_breakdown_with_every_group_published_fixes_the_total():
    w = weights.wave_age_weights(POPS, META_SERIES, "2019-05").weights
    cells = bd.group_cells(SERIES, META_SERIES, "2019-05", "emig", "would", "age")
    total = bd.total_cell(SERIES, META_SERIES, "2019-05", "emig", "would", 1600, 1.9)
    ident = bd.weighted_identity((total["low"], total["high"]), w, cells)
    assert ident.missing is None and not ident.consistent
    assert (ident.implied_low, ident.implied_high) == (pytest.approx(11.5), pytest.approx(12.5))
    assert ident.gap == pytest.approx(2.0)
    assert not bd.between_neighbours(cells, total, w).applies


def test_selection_problem_names_what_the_data_do_not_have():
    def problem(*args):
        return bd.selection_problem(SERIES, META_SERIES, *args)

    assert problem("emig", "would", ["age"], "emig") is None
    assert "question='leave' has no figure" in problem("leave", "traitors", ["age"], "")
    assert "option='maybe' is not an option of 'emig'" in problem("emig", "maybe", ["age"], "")
    assert "'height' is not a breakdown variable" in problem("emig", "would", ["height"], "")
    assert "must be a list" in problem("emig", "would", "age", "")
    assert "series='leave' must be a single-response" in problem("emig", "would", ["age"],
                                                                  "leave")


# ---------------------------------------------------------------- groups of unknown size
def test_largest_group_size_by_hand():
    # 28% (27.5-28.5) against a total of 10% (9.5-10.5): at most 10.5 / 27.5 of the sample
    assert bd.largest_group_size((27.5, 28.5), (9.5, 10.5)) == pytest.approx(10.5 / 27.5)
    # below the total: (100 - 9.5) / (100 - 7.5)
    assert bd.largest_group_size((6.5, 7.5), (9.5, 10.5)) == pytest.approx(90.5 / 92.5)
    assert bd.largest_group_size((9.0, 11.0), (9.5, 10.5)) == 1.0


def test_largest_group_size_keeps_the_rest_a_possible_share():
    """At the largest size, the rest of the sample is exactly at 0% (above) or 100% (below) at
    the most favourable ends; any larger size would need an impossible rest."""
    from hypothesis import given
    from hypothesis import strategies as hs

    @given(hs.floats(1, 99), hs.floats(1, 99), hs.floats(0, 1))
    def check(g, t, half):
        group, total = (g - half, g + half), (t - 0.5, t + 0.5)
        w = bd.largest_group_size(group, total)
        assert 0 < w <= 1
        if group[0] > total[1]:  # rest = (t_hi - w g_lo) / (1 - w) >= 0
            assert total[1] - w * group[0] == pytest.approx(0, abs=1e-9)
        elif group[1] < total[0]:  # rest = (t_lo - w g_hi) / (1 - w) <= 100
            assert total[0] - w * group[1] == pytest.approx(100 * (1 - w), abs=1e-9)

    check()


def test_any_size_bounds_side_and_largest_size():
    meta = {**META_SERIES, "subgroups": {**META_SERIES["subgroups"], "relatives": {
        "groups": {"abroad": {}, "none": {}, "unsure": {}}}}}
    tidy = pd.concat([SERIES, pd.DataFrame([
        sfig("R01", "2019-05", "relatives", "abroad", 28),
        sfig("R02", "2019-05", "relatives", "none", 15)])], ignore_index=True)
    cells = bd.group_cells(tidy, meta, "2019-05", "emig", "would", "relatives")
    total = bd.total_cell(tidy, meta, "2019-05", "emig", "would", 1600, 1.9)
    out = bd.any_size_bounds(cells, total).set_index("group")
    assert list(out.index) == ["abroad", "none"]  # the unpublished group has no row
    assert out.at["abroad", "side"] == "above"
    assert out.at["abroad", "largest_size"] == pytest.approx(100 * 15.5 / 27.5)
    assert out.at["none", "side"] == "either side" and out.at["none", "largest_size"] == 100


def test_groups_title_states_each_panels_range_and_derived_groups():
    from chasm import plots

    data = pd.DataFrame({
        "panel": ["by age"] * 4 + ["by approval"] * 3,
        "group": ["18-24", "40-54", "55+", "total", "approve", "no_answer", "total"],
        "derived": [False, True, False, False, False, True, False],
        "point": [37.5, np.nan, 50.0, 43.0, 47.0, np.nan, 43.0]})
    assert plots.groups_title(data) == ("by age: 18-24 37.5% to 55+ 50%, 1 group derived; "
                                        "by approval: approve 47% to approve 47%, 1 group "
                                        "derived")
    none = data.assign(derived=True)
    assert plots.groups_title(none) == "No published group to compare"
