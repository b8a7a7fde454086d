"""Subgroup breakdowns: cells with wording ranges, weights, identity bounds, comparisons."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

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


def test_identity_rows_report_both_checks():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    rows, ident = bd.identity_rows("w", "traitors by age", "E09;E06", (42.5, 43.5), W, cells,
                                   "choosing 'traitors'")
    miss = ident.missing
    assert [r["check"] for r in rows] == ["traitors by age: identity with 40-54 free",
                                          "traitors by age: unpublished 40-54"]
    assert rows[0]["verdict"] == "consistent" and rows[1]["verdict"] == "feasible"
    assert (rows[1]["low"], rows[1]["high"]) == (miss.low, miss.high)
    assert rows[0]["low"] == ident.implied_low
    assert rows[0]["quantity"].endswith("unpublished group anywhere in 0-100")
    assert rows[1]["quantity"] == "share of 40-54 choosing 'traitors' (derived)"
    # a total the published groups cannot reach: the unpublished cell would exceed 100
    bad, _ = bd.identity_rows("w", "x", "", (90.0, 91.0), W, cells, "y")
    assert [r["verdict"] for r in bad] == ["inconsistent", "contradiction"]
    two = cells.assign(low=[34.5, np.nan, np.nan, 45.0], high=[40.5, np.nan, np.nan, 55.0])
    rows, _ = bd.identity_rows("w", "x", "", (42.5, 43.5), W, two, "y")
    assert rows[0]["quantity"].endswith("unpublished groups anywhere in 0-100")
    assert rows[0]["check"] == "x: identity with 25-39 + 40-54 free"


# ---------------------------------------------------------------- comparisons


def test_vs_rest_point_and_least_favourable():
    total = {"point": 43.0, "low": 42.5, "high": 43.5}
    old = {"point": 50.0, "low": 45.0, "high": 55.0}
    res = bd.vs_rest(total, old, 0.377, 1600, 1.9).set_index("reading")
    assert res.at["point", "rest"] == pytest.approx((43 - 0.377 * 50) / 0.623)
    lf = res.loc["least favourable"]
    assert (lf["sub"], lf["total"]) == (45.0, 43.5)
    assert 0 < lf["diff"] < res.at["point", "diff"]
    assert res.at["point", "p_value"] < 0.01 < lf["p_value"]
    young = {"point": 37.5, "low": 34.5, "high": 40.5}
    res = bd.vs_rest(total, young, 0.09, 1600, 1.9).set_index("reading")
    assert (res.at["least favourable", "sub"], res.at["least favourable", "total"]) == (40.5, 42.5)
    # an impossible reading (rest share below 0) is reported, not raised
    bad = bd.vs_rest({"point": 5.0, "low": 4.5, "high": 5.5},
                     {"point": 60.0, "low": 59.5, "high": 60.5}, 0.5, 1600, 1.9)
    assert bad["note"].str.contains("outside").all() and bad["p_value"].isna().all()


def test_compare_groups_direction_and_least_favourable():
    a = {"point": 47.0, "low": 46.5, "high": 47.5}
    b = {"point": 19.0, "low": 18.5, "high": 19.5}
    res = bd.compare_groups(a, b, 0.861 * 1600, 0.109 * 1600, 1.9).set_index("reading")
    assert res.at["point", "diff"] == pytest.approx(28.0)
    assert res.at["least favourable", "diff"] == pytest.approx(27.0)
    assert res.at["point", "ci_low"] < 28 < res.at["point", "ci_high"]
    flipped = bd.compare_groups(b, a, 0.109 * 1600, 0.861 * 1600, 1.9).set_index("reading")
    assert flipped.at["least favourable", "diff"] == pytest.approx(-27.0)


def test_trend_flattest_reading():
    cells = pd.DataFrame({"point": [37.5, 37.5, 50.0], "low": [34.5, 34.5, 45.0],
                          "high": [40.5, 40.5, 55.0]})
    res = bd.trend(cells, [0, 1, 3], [76.0, 220.0, 318.0]).set_index("reading")
    assert res.at["point", "z"] > 0
    assert res.at["least favourable", "shares"] == "40.5/40.5/45"
    assert 0 < res.at["least favourable", "z"] < res.at["point", "z"]
    falling = cells.assign(point=[50.0, 37.5, 37.5], low=[45.0, 34.5, 34.5],
                           high=[55.0, 40.5, 40.5])
    res = bd.trend(falling, [0, 1, 3], [76.0, 220.0, 318.0]).set_index("reading")
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


# ---------------------------------------------------------------- sections of 05_subgroups
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


def test_small_helpers():
    assert bd.wave_n(META5, "v") == 1500 and bd.wave_n(META5, "v", 1000) == 1000
    total = total_row()
    assert total["figure_id"] == "E06" and total["ci_low"] < 42.5 < 43.5 < total["ci_high"]
    cells = age_cells()
    assert bd.figure_ids(cells, total) == "E09;E10;E08;E06"
    table = bd.shown(cells, total)
    assert list(table["group"]) == ["18-24", "25-39", "40-54", "55+", "all"]
    assert "point" not in bd.shown(cells, point=False).columns
    assert list(bd.widest_range(cells)[["group", "width"]]) == ["55+", 10.0]


def test_weight_tables():
    ages = bd.age_weight_table(META5, W, 1600).set_index("group")
    assert ages.at["55+", "max_age"] == "open" and ages.at["18-24", "min_age"] == 18
    assert ages.at["55+", "interviews_at_N"] == pytest.approx(0.38 * 1600)
    assert ages.at["25-39", "weight_pct"] == pytest.approx(26.0)
    appr = bd.approval_weight_table(AW).set_index("group")
    assert appr.at["approve", "published_pct"] == 87
    assert appr.at["approve", "weight_pct"] == pytest.approx(8700 / 101)


def test_unpublished_check_rows_interval_and_grid():
    res = bd.unpublished_check("w", "traitors by age", age_cells(), total_row(), W, 1600, 1.9,
                               0.05, "choosing 'traitors'", ci_row=True)
    assert res.missing.group == "40-54" and res.figure_ids == "E09;E10;E08;E06"
    assert [r["check"] for r in res.rows][-1] == \
        "traitors by age: unpublished 40-54 with sampling error"
    assert res.rows[-1]["quantity"] == "95% interval over the derived range"
    assert res.ci_low < res.missing.low and res.ci_high > res.missing.high
    assert (res.grid_low, res.grid_high) == (res.missing.low, res.missing.high)
    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "leave", "traitors",
                                            "putin_approval"), AW.weights, 1600, 1.9)
    res = bd.unpublished_check("w", "x", cells, total_row(), AW.weights, 1600, 1.9, 0.05, "y",
                               grid=AW.grid)
    assert len(res.rows) == 2 and res.missing.group == "no_answer"
    assert res.grid_low <= res.missing.low and res.grid_high >= res.missing.high


def test_between_neighbours_one_gap_in_the_middle():
    cells = age_cells()
    res = bd.between_neighbours("w", "traitors by age", cells, total_row(), W, "ids")
    assert res.applies and (res.group, res.left, res.right) == ("40-54", "25-39", "55+")
    # neighbours 25-39 [34.5, 40.5] and 55+ [45, 55]: 40-54 in [34.5, 55]
    assert (res.low, res.high) == (34.5, 55.0)
    assert res.implied_low == pytest.approx(0.62 * 34.5 + 0.38 * 45)
    assert res.implied_high == pytest.approx(0.35 * 40.5 + 0.65 * 55)
    assert res.consistent and res.rows[0]["verdict"] == "consistent"
    assert res.rows[0]["check"] == "traitors by age: identity if 40-54 lies between its " \
        "neighbours"
    # low neighbours: the implied total (at most .09*11 + .26*21 + .65*41 = 33.1) misses 42.5
    low = cells.assign(low=[10.0, 20.0, np.nan, 40.0], high=[11.0, 21.0, np.nan, 41.0])
    res = bd.between_neighbours("w", "x", low, total_row(), W, "ids")
    assert res.implied_high == pytest.approx(0.99 + 5.46 + 0.65 * 41)
    assert not res.consistent and res.rows[0]["verdict"] == "inconsistent"


def test_between_neighbours_not_at_an_end_nor_with_two_gaps():
    cells = age_cells()
    at_end = cells.assign(low=[34.5, 34.5, 40.0, np.nan], high=[40.5, 40.5, 41.0, np.nan])
    res = bd.between_neighbours("w", "x", at_end, total_row(), W, "ids")
    assert not res.applies and res.rows == [] and np.isnan(res.implied_low)
    two = cells.assign(low=[34.5, np.nan, np.nan, 45.0], high=[40.5, np.nan, np.nan, 55.0])
    assert not bd.between_neighbours("w", "x", two, total_row(), W, "ids").applies


def test_vs_rest_verdict_words():
    assert bd.vs_rest_verdict(0.01, 0.02, 0.05) == \
        "differs from the rest even at the least favourable reading"
    assert bd.vs_rest_verdict(0.01, 0.2, 0.05).startswith("differs from the rest at the points")
    assert bd.vs_rest_verdict(0.2, 0.01, 0.05) == "cannot be told apart from the rest"


def test_vs_rest_section_holm_rows_and_sentences():
    res = bd.vs_rest_section("w", "traitors", age_cells(), total_row(), W, 1600, 1.9)
    assert list(res.table["group"]) == ["18-24", "18-24", "25-39", "25-39", "55+", "55+"]
    points = res.table[res.table["reading"] == "point"]
    p = points["p_value"].to_numpy()
    order = np.argsort(p)  # Holm by hand: 3 p, 2 p, 1 p in rising order, running maximum
    holm = np.maximum.accumulate(np.minimum(1, p[order] * np.array([3, 2, 1])))
    assert points["p_holm"].to_numpy()[order] == pytest.approx(holm)
    assert res.table.loc[res.table["reading"] != "point", "p_holm"].isna().all()
    assert len(res.rows) == 6 and len(res.sentences) == 3
    assert res.rows[0]["figure_ids"] == "E09;E06"
    assert res.rows[0]["verdict"] == res.rows[1]["verdict"] == res.verdicts["18-24"]
    assert res.sentences[2].data.startswith("**55+** (E08)")


def test_trend_section_scores_leave_a_gap():
    res = bd.trend_section("w", "traitors", age_cells(), W, 1600, 1.9)
    pub = age_cells()
    pub = pub[pub["published"]].reset_index(drop=True)
    # 40-54 unpublished: scores 0, 1, 3 with w N / deff effective interviews
    ref = bd.trend(pub, [0, 1, 3], [0.09 * 1600 / 1.9, 0.26 * 1600 / 1.9, 0.38 * 1600 / 1.9])
    pd.testing.assert_frame_equal(res.table, ref)
    assert res.rows[0]["figure_ids"] == "E09;E10;E08"
    assert res.at_points == (ref.at[0, "p_value"] < 0.05)
    assert res.holds == (res.at_points and ref.at[1, "p_value"] < 0.05)
    assert [r["verdict"] for r in res.rows] == [
        "trend" if p < 0.05 else "no clear trend" for p in ref["p_value"]]


def test_group_comparison_rows():
    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "leave", "traitors",
                                            "putin_approval"), AW.weights, 1600, 1.9)
    res = bd.group_comparison("w", "traitors", cells, AW.weights, "approve", "disapprove",
                              1600, 1.9)
    assert res.table.at[0, "diff"] == pytest.approx(28.0)
    assert res.table.at[1, "diff"] == pytest.approx(27.0)
    assert res.a["figure_id"] == "E11" and res.b["figure_id"] == "E12"
    assert [r["check"] for r in res.rows] == ["traitors: approve vs disapprove (point)",
                                              "traitors: approve vs disapprove "
                                              "(least favourable)"]
    assert res.rows[0]["quantity"] == "difference approve - disapprove (points)"
    assert res.holds and res.rows[1]["verdict"] == "differ"


def test_answer_shares_bayes_by_hand():
    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "leave", "traitors",
                                            "putin_approval"), AW.weights, 1600, 1.9)
    miss = bd.missing_group((42.5, 43.5), AW.weights, cells)
    table, rows = bd.answer_shares("w", "traitors", cells, total_row(), AW, miss)
    t = table.set_index("group")
    assert t.at["approve", "share_of_answers"] == pytest.approx(87 / 101 * 47 / 43 * 100)
    assert t.at["disapprove", "share_of_answers"] == pytest.approx(11 / 101 * 19 / 43 * 100)
    assert np.isnan(t.at["no_answer", "share_of_answers"])
    assert t.at["no_answer", "figure_id"] == "derived"
    # outer bounds: smallest weight (86.5 of 101.5) x low end / high total, and the reverse
    assert t.at["approve", "low"] == pytest.approx(86.5 / 101.5 * 46.5 / 43.5 * 100)
    assert t.at["approve", "high"] == pytest.approx(87.5 / 100.5 * 47.5 / 42.5 * 100)
    assert rows[2]["figure_ids"] == "no_answer derived;E06"
    assert [r["verdict"] for r in rows] == ["derived"] * 3


def test_age_and_approval_checks_and_panels():
    total = total_row()
    age = bd.age_checks(TIDY5, META5, "w", "leave", "traitors", W, 1600, 1.9)
    assert age.found and age.between.applies
    assert age.rows == (age.unpublished.rows + age.between.rows + age.vs_rest.rows
                        + age.trend.rows)
    assert len(age.rows) == 3 + 1 + 6 + 2
    appr = bd.approval_checks(TIDY5, META5, "w", "leave", "traitors", total, AW, 1600, 1.9)
    assert appr.found and len(appr.rows) == 2 + 2 + 3
    assert appr.shares.index.tolist() == ["approve", "disapprove", "no_answer"]
    panels = bd.traitor_panels("w", "traitors", age, appr)
    assert [p[0] for p in panels] == ["'traitors' by age, w",
                                      "'traitors' by approval of Putin, w"]
    age_panel = panels[0][1].set_index("group")
    assert age_panel.at["40-54", "derived"]
    assert age_panel.at["40-54", "low"] == age.unpublished.missing.low
    # an incomplete approval month: nothing to check by approval, one panel only
    part = weights.approval_weights(APPROVAL, "2025-02")
    none = bd.approval_checks(TIDY5, META5, "w", "leave", "traitors", total, part, 1600, 1.9)
    assert not none.found and none.rows == []
    assert len(bd.traitor_panels("w", "traitors", age, none)) == 1
    nothing = bd.age_checks(TIDY5, META5, "v", "leave", "traitors", W, 1600, 1.9)
    assert not nothing.found and nothing.rows == []


def test_merged_panel_structure():
    cells = bd.add_intervals(bd.group_cells(TIDY5, META5, "w", "emig", "would", "age",
                                            complement="would_not"), W, 1600, 1.9)
    miss = bd.missing_group((8.5, 9.5), W, cells)
    assert miss.members == ("25-39", "40-54")
    panel = bd.merged_panel(cells, miss, miss.low, miss.high, (1.0, 20.0), order=W.index)
    # the merged row sits where its first member (25-39) is, before 55+
    assert list(panel["group"]) == ["18-24", "25-39 + 40-54", "55+"]
    row = panel.set_index("group").loc["25-39 + 40-54"]
    assert row["derived"] and (row["ci_low"], row["ci_high"]) == (1.0, 20.0)
    assert list(bd.merged_panel(cells, miss, 0, 1, (0, 2))["group"])[-1] == "25-39 + 40-54"


def test_with_derived_fills_only_unpublished_rows():
    check = bd.unpublished_check("w", "x", age_cells(), total_row(), W, 1600, 1.9, 0.05, "y")
    out = bd.with_derived(age_cells(), check).set_index("group")
    assert out.at["40-54", "derived"] and not out.at["55+", "derived"]
    assert (out.at["40-54", "low"], out.at["40-54", "ci_high"]) == (check.missing.low,
                                                                    check.ci_high)
    assert out.at["55+", "low"] == 45.0


def test_emigrate_section_complete_month():
    res = bd.emigrate_section(TIDY5, META5, APPROVAL, W, None, 1.9, question="emig")
    checks = [r["check"] for r in res.rows]
    assert checks[0] == "wish to emigrate: would + would not <= 100"
    # 8.5 + 89.5 = 98 to 9.5 + 90.5 = 100: consistent
    assert (res.rows[0]["low"], res.rows[0]["high"]) == (98.0, 100.0)
    assert checks[1:3] == ["wish to emigrate by age: identity with 25-39 + 40-54 free",
                           "wish to emigrate by age: unpublished 25-39 + 40-54"]
    # merged 25-39 + 40-54 (.53): (8.5 - .09*17.5 - .38*6.5)/.53 to (9.5 - .09*16.5)/.53
    assert res.rows[2]["low"] == pytest.approx((8.5 - 1.575 - 2.47) / 0.53)
    assert res.rows[2]["high"] == pytest.approx((9.5 - 1.485) / 0.53)
    assert checks[3] == "wish to emigrate by approval: unpublished no_answer"
    # no answer (3/101): high = (9.5*101 - 87*6.5 - 11*19.5)/3 before the rounding grid
    assert res.rows[3]["high"] >= 179.5 / 3 - 1e-9  # the grid only widens it
    assert res.rows[3]["verdict"] == "feasible" and len(res.rows) == 4
    assert [p[0] for p in res.panels] == ["would move abroad by age, w",
                                          "would move abroad by approval, w"]
    texts = [o.data for o in res.outputs if hasattr(o, "data")]
    assert texts[0].startswith("### w: total")
    assert any(t.startswith("Approval weights from 2024-03.") for t in texts)
    assert len(res.outputs) == 6  # heading, sum, age table + sentence, approval table + one


def test_emigrate_section_incomplete_month_and_weak_check():
    meta = {**META5, "waves": {"w": META5["waves"]["v"]}}
    res = bd.emigrate_section(TIDY5, meta, APPROVAL, W, None, 1.9, question="emig")
    row = next(r for r in res.rows if r["check"].startswith("wish to emigrate by approval"))
    assert row["check"] == "wish to emigrate by approval: unpublished disapprove + no_answer"
    # approve 88 +- 0.5: low (8.5 - .875*7.5)/.125 = 15.5, high (9.5 - .885*6.5)/.115
    assert row["low"] == pytest.approx(15.5)
    assert row["high"] == pytest.approx((9.5 - 0.885 * 6.5) / 0.115)
    weak = res.rows[-1]
    assert weak["check"] == ("wish to emigrate: disapprove within the derived range of "
                             "disapprove + no_answer")
    assert weak["verdict"] == "compatible (weak check; assumes few gave no answer)"
    assert (weak["low"], weak["high"]) == (19.5, 20.5)
    text = res.outputs[-1].data
    # the no-answer window before 2025-02: 2, 4, 3 in the three published months
    assert "(2–4% did in the 3 published months before 2025-02)" in text
    assert "disapprove 20% (L21) lies inside that range" in text
    panel = res.panels[-1][1]
    assert panel["group"].tolist()[-1] == "disapprove + no_answer"


def test_key_numbers_and_figures_used():
    rows = [bd.check_row("w", "a", "E06;E09", "q", 1.0, 2.0, np.nan, "v"),
            bd.check_row("w", "b", "L09;", "q", 1.0, 2.0, 0.5, "v")]
    table = bd.key_numbers(rows)
    assert list(table.columns) == bd.CHECK_COLUMNS and len(table) == 2
    kinds = bd.figures_used(table, TIDY5)
    assert kinds.to_dict() == {"E06": "essay", "E09": "essay", "L09": "primary"}
    assert bd.second_hand(kinds) == ["E06", "E09"]
    assert bd.key_numbers([]).empty


def test_draw_group_panels_returns_the_plotted_numbers():
    import matplotlib.pyplot as plt

    from chasm import plots

    res = bd.emigrate_section(TIDY5, META5, APPROVAL, W, None, 1.9, question="emig")
    fig, data = plots.draw_group_panels(res.panels, (4.4, 3.6), fit_x=True)
    assert list(dict.fromkeys(data["panel"])) == [p[0] for p in res.panels]
    first = data[data["panel"] == res.panels[0][0]]
    assert first["group"].tolist() == ["18-24", "25-39 + 40-54", "55+", "total"]
    assert first["low"].tolist()[:3] == pytest.approx(res.panels[0][1]["low"].tolist())
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
    said = [s.data for s in out.sentences]
    assert said[0].startswith("4 published breakdowns in 2 waves (2019-05, 2021-05): 1 complete "
                              "and 1 partial ones checked against their total, 2 not checkable; "
                              "1 inconsistent.")
    assert said[1].startswith("**2019-05, emig 'would' by age** (4 of 4 groups published; "
                              "A02;A03;A04;A05;A01): the groups imply 11.5–12.5%, the published "
                              "total is 15% (14.5–15.5%): **inconsistent**, a gap of 2.0 points")
    assert "move by at most 2.50 points (2019-05, emig &#x27;would&#x27; by age)" in said[2]
    verdicts = {r["check"]: r["verdict"] for r in out.rows}
    assert verdicts == {"every breakdown: emig 'would' by age (complete)": "inconsistent",
                        "every breakdown: emig 'would' by age (2 of 4 groups)": "consistent"}


def test_age_checks_of_a_complete_breakdown_check_the_total_without_a_free_group():
    w = weights.wave_age_weights(POPS, META_SERIES, "2019-05").weights
    age = bd.age_checks(SERIES, META_SERIES, "2019-05", "emig", "would", w, 1600, 1.9)
    assert age.found and age.unpublished is None and not age.between.applies
    assert not age.identity.consistent
    assert age.rows[0]["check"] == "would by age: identity, every group published"
    assert age.rows[0]["verdict"] == "inconsistent"
    [sentence] = bd.age_identity_sentences(age, w, "would")
    assert "imply 11.5–12.5% choosing 'would', against the published total 15% (A01, " \
           "14.5–15.5% allowing for rounding). The figures are **inconsistent**: no reading of " \
           "the rounding reconciles them (gap 2.0 points)." in sentence.data
    assert bd.between_sentences(age) == []
    none = bd.age_checks(SERIES, META_SERIES, "2019-05", "emig", "would", None, 1600, 1.9,
                         var=None)
    assert not none.found and "subgroup_vars has no variable with age bands" in none.message


def test_check_selection_refuses_what_the_data_do_not_have():
    from chasm.report import ParameterError

    bd.check_selection(SERIES, META_SERIES, "emig", "would", ["age"], "emig")
    with pytest.raises(ParameterError, match="question='leave' has no figure"):
        bd.check_selection(SERIES, META_SERIES, "leave", "traitors", ["age"], "")
    with pytest.raises(ParameterError, match="option='maybe' is not an option of 'emig'"):
        bd.check_selection(SERIES, META_SERIES, "emig", "maybe", ["age"], "")
    with pytest.raises(ParameterError, match="'height' is not a breakdown variable"):
        bd.check_selection(SERIES, META_SERIES, "emig", "would", ["height"], "")
    with pytest.raises(ParameterError, match="must be a list"):
        bd.check_selection(SERIES, META_SERIES, "emig", "would", "age", "")
    with pytest.raises(ParameterError, match="series='leave' must be a single-response"):
        bd.check_selection(SERIES, META_SERIES, "emig", "would", ["age"], "leave")
    assert bd.age_variable(META_SERIES, ["region", "age"]) == "age"
    assert bd.age_variable(META_SERIES, ["region"]) is None


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
