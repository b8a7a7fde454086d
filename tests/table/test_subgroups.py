"""Subgroup breakdowns: cells with wording ranges, weights, identity bounds, comparisons."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from chasm import subgroups as bd  # noqa: E402

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


# ---------------------------------------------------------------- weights


def test_age_weights_from_metadata_bands():
    pop = pd.DataFrame({"age": range(101), "total": 1.0})
    w = bd.age_weights(pop, META)
    assert bd.age_bands(META)["55+"] == (55, None)
    assert w.to_numpy() == pytest.approx(np.array([7, 15, 15, 46]) / 83)


def test_approval_weights_normalised_and_grid():
    approval = pd.DataFrame({"month": ["2024-03", "2025-02"], "approve": [87.0, 88.0],
                             "disapprove": [11.0, np.nan], "no_answer": [3.0, np.nan]})
    aw = bd.approval_weights(approval, "2024-03")
    assert aw.complete and aw.raw_sum == 101
    assert aw.weights.sum() == pytest.approx(1.0)
    assert aw.weights["disapprove"] == pytest.approx(11 / 101)
    assert len(aw.grid) == 27 and all(g.sum() == pytest.approx(1.0) for g in aw.grid)
    part = bd.approval_weights(approval, "2025-02")
    assert not part.complete
    assert dict(part.weights) == pytest.approx({"approve": 0.88,
                                                "disapprove + no_answer": 0.12})
    assert [g["approve"] for g in part.grid] == pytest.approx([0.875, 0.88, 0.885])
    with pytest.raises(ValueError, match="not in the approval series"):
        bd.approval_weights(approval, "1990-01")


def test_merge_groups():
    merged = bd.merge_groups(W, ["25-39", "40-54"], "25-54")
    assert list(merged.index) == ["18-24", "55+", "25-54"]
    assert merged["25-54"] == pytest.approx(0.53) and merged.sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- identity


def test_missing_group_hand_example():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    m = bd.missing_group((42.5, 43.5), W, cells)
    assert m.group == "40-54" and m.feasible and m.weight == 0.27
    # low = (42.5 - .09*40.5 - .26*40.5 - .38*55) / .27 ; high = (43.5 - .35*34.5 - .38*45) / .27
    assert m.low == pytest.approx((42.5 - 0.35 * 40.5 - 0.38 * 55) / 0.27)
    assert m.high == pytest.approx((43.5 - 0.35 * 34.5 - 0.38 * 45) / 0.27)


def test_missing_group_merges_and_contains_the_truth():
    truth = pd.Series({"18-24": 17.2, "25-39": 12.0, "40-54": 8.0, "55+": 4.1})
    total = float(truth @ W)
    cells = pd.DataFrame({"group": W.index, "low": [17.0, np.nan, np.nan, 0.0],
                          "high": [17.5, np.nan, np.nan, 6.5]})
    m = bd.missing_group((total - 0.5, total + 0.5), W, cells)
    assert m.group == "25-39 + 40-54"
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


def test_identity_free_and_assumption():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    free = bd.identity_free((42.5, 43.5), W, cells)
    assert free["consistent"]
    assert free["implied_low"] == pytest.approx(0.35 * 34.5 + 0.38 * 45)
    # if 40-54 were at most 5%, the quoted groups could not reach the total
    narrow = bd.identity_free((42.5, 43.5), W, cells, free=(0.0, 5.0))
    assert not narrow["consistent"] and narrow["gap"] > 0


def test_identity_rows_report_both_checks():
    cells = bd.group_cells(TIDY.drop(index=4), META, "w", "leave", "traitors", "age")
    rows, free, miss = bd.identity_rows("w", "traitors by age", "E09;E06", (42.5, 43.5), W,
                                        cells, "choosing 'traitors'")
    assert [r["check"] for r in rows] == ["traitors by age: identity with 40-54 free",
                                          "traitors by age: unpublished 40-54"]
    assert rows[0]["verdict"] == "consistent" and rows[1]["verdict"] == "feasible"
    assert (rows[1]["low"], rows[1]["high"]) == (miss.low, miss.high)
    assert rows[0]["low"] == free["implied_low"]
    assert rows[1]["quantity"] == "share of 40-54 choosing 'traitors' (derived)"
    # a total the published groups cannot reach: the unpublished cell would exceed 100
    bad, _, _ = bd.identity_rows("w", "x", "", (90.0, 91.0), W, cells, "y")
    assert [r["verdict"] for r in bad] == ["inconsistent", "contradiction"]


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

    cells = bd.add_intervals(bd.group_cells(TIDY, META, "w", "emig", "would", "age",
                                            complement="would_not"), W, 1600, 1.9)
    cells = cells[cells["low"].notna()]
    fig, ax = plt.subplots()
    total = {"point": 9.0, "low": 8.5, "high": 9.5, "ci_low": 7.0, "ci_high": 11.0,
             "figure_id": "L09"}
    data = bd.plot_groups(ax, cells, total, "t", {"primary": "#2a9d55"})
    plt.close(fig)
    assert list(data["group"]) == ["18-24", "55+", "total"]
    assert data["derived"].tolist() == [False, True, False]
