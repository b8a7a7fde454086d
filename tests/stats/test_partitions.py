"""Subgroups: population weights, weighted-average identity, subgroup vs rest, GLM, trend."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit
from scipy.stats import norm

from chasm.stats.frechet import Bounds
from chasm.stats.partitions import (
    LEVADA_AGE_BANDS,
    bayes_share_of_answer,
    binomial_glm,
    identity_check,
    population_weights,
    solve_missing_subgroup,
    subgroup_vs_rest,
    trend_test,
    weighted_total,
)

ROSSTAT = Path(__file__).resolve().parents[2] / "data" / "raw" / "rosstat_population_2024-01-01.csv"


# ---------------------------------------------------------------- population weights


def test_population_weights_synthetic():
    pop = pd.DataFrame({"age": range(101), "total": 1.0})  # one person per age, 100 = 100+
    w = population_weights(pop)
    adults = 83  # ages 18..100
    assert list(w.index) == list(LEVADA_AGE_BANDS)
    assert w.to_numpy() == pytest.approx(np.array([7, 15, 15, 46]) / adults)
    assert w.sum() == pytest.approx(1.0)


def test_population_weights_rosstat_2024():
    pop = pd.read_csv(ROSSTAT)
    w = population_weights(pop) * 100
    expected = {"18-24": 9.0, "25-39": 26.1, "40-54": 27.2, "55+": 37.7}
    for band, value in expected.items():
        assert w[band] == pytest.approx(value, abs=0.1)


def test_population_weights_bad_bands():
    pop = pd.DataFrame({"age": range(101), "total": 1.0})
    with pytest.raises(ValueError, match="overlap"):
        population_weights(pop, {"a": (18, 30), "b": (30, None)})
    with pytest.raises(ValueError, match="below min_age"):
        population_weights(pop, {"a": (30, 18)})
    with pytest.raises(ValueError, match="missing column"):
        population_weights(pop.rename(columns={"total": "n"}))


# ---------------------------------------------------------------- identity and solve

weights_and_shares = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k),
        st.lists(st.floats(0, 100), min_size=k, max_size=k),
        st.integers(0, k - 1),
    )
)


@settings(max_examples=60, deadline=None)
@given(case=weights_and_shares)
def test_solve_recovers_a_hidden_subgroup(case):
    raw_w, shares, hidden = case
    w = np.array(raw_w) / sum(raw_w)
    p = np.array(shares)
    total = float(w @ p)
    known = p.copy()
    known[hidden] = np.nan
    cell = solve_missing_subgroup(total, total, w, known, known, hidden)
    assert cell.raw_low == pytest.approx(p[hidden], abs=1e-9)
    assert cell.raw_high == pytest.approx(p[hidden], abs=1e-9)
    assert cell.feasible


@settings(max_examples=60, deadline=None)
@given(case=weights_and_shares)
def test_rounded_inputs_bound_the_truth(case):
    raw_w, shares, hidden = case
    w = np.array(raw_w) / sum(raw_w)
    p = np.array(shares)
    published_total = np.round(w @ p)
    published = np.round(p)
    low, high = np.clip(published - 0.5, 0, 100), np.clip(published + 0.5, 0, 100)
    t_low, t_high = max(published_total - 0.5, 0), min(published_total + 0.5, 100)
    cell = solve_missing_subgroup(t_low, t_high, w, low, high, hidden)
    assert cell.feasible
    assert cell.low - 1e-9 <= p[hidden] <= cell.high + 1e-9
    check = identity_check(published_total, w, low, high).iloc[0]
    assert check["consistent"] and check["gap"] == 0


def test_solve_with_labels_and_rosstat_like_weights():
    w = pd.Series({"18-24": 0.09, "25-39": 0.26, "40-54": 0.27, "55+": 0.38})
    truth = pd.Series({"18-24": 80.0, "25-39": 85.0, "40-54": 88.0, "55+": 90.0})
    total = weighted_total(w, truth)
    assert total == pytest.approx(0.09 * 80 + 0.26 * 85 + 0.27 * 88 + 0.38 * 90)
    known = truth.drop("40-54")
    cell = solve_missing_subgroup(total, total, w, known, known, "40-54")
    assert cell.low == pytest.approx(88.0) and cell.high == pytest.approx(88.0)


def test_solve_flags_infeasible_and_clips():
    # total 10% but the other 90% of the population is at 50%: the rest would need < 0
    cell = solve_missing_subgroup(9.5, 10.5, [0.1, 0.9], [np.nan, 49.5], [np.nan, 50.5], 0)
    assert not cell.feasible
    assert cell.raw_high < 0 and cell.low == 0 and cell.high == 0


def test_identity_check_hand_example():
    w = [0.1, 0.2, 0.3, 0.4]
    assert weighted_total(w, [10, 20, 30, 40]) == pytest.approx(30.0)
    subs = np.array([80, 80, 80, 80])
    out = identity_check(87, w, subs - 0.5, subs + 0.5).iloc[0]
    assert out["implied_high"] == pytest.approx(80.5)
    assert out["gap"] == pytest.approx(86.5 - 80.5)
    assert not out["consistent"]
    # an interval figure for the total ("85-90%") widens what is consistent
    wide = identity_check(np.nan, w, subs - 0.5, subs + 0.5, total_low=80, total_high=90.5)
    assert bool(wide.loc[0, "consistent"])


def test_identity_check_many_rows():
    w = [0.5, 0.5]
    subs = np.array([[40, 60], [10, 20]])
    out = identity_check([50, 30], w, subs - 0.5, subs + 0.5)
    assert out["consistent"].tolist() == [True, False]
    assert out.loc[1, "gap"] == pytest.approx(29.5 - 15.5)


# ---------------------------------------------------------------- subgroup vs rest


def test_subgroup_vs_rest_reference():
    out = subgroup_vs_rest(40, 30, 0.10, 1600, 1.9).iloc[0]
    assert out["rest"] == pytest.approx(37 / 0.9)  # (40 - 0.1 * 30) / 0.9 = 41.11
    # hand score statistic: pooled p is the total, 40%; factor N/(N-1) on effective N
    ne = 1600 / 1.9
    ng, nr = 0.1 * ne, 0.9 * ne
    var = 0.4 * 0.6 * (1 / ng + 1 / nr) * ne / (ne - 1)
    z = (0.30 - 0.4 / 0.9 + 0.03 / 0.9) / math.sqrt(var)
    assert out["z"] == pytest.approx(z, rel=1e-9)
    assert out["z"] == pytest.approx(-1.97, abs=0.01)
    assert out["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    assert out["p_value"] == pytest.approx(0.048, abs=0.001)
    assert out["ci_high"] < 0 < out["ci_high"] + 0.2  # just excludes 0, consistent with p < .05
    assert out["diff"] == pytest.approx(30 - 37 / 0.9)


def test_subgroup_vs_rest_bad_arguments():
    with pytest.raises(ValueError, match="outside 0-100"):
        subgroup_vs_rest(5, 90, 0.5, 1600, 1.9)
    with pytest.raises(ValueError, match="w must lie strictly between 0 and 1"):
        subgroup_vs_rest(40, 30, 1.0, 1600, 1.9)
    with pytest.raises(ValueError, match="deff must be finite and > 0"):
        subgroup_vs_rest(40, 30, 0.1, 1600, 0)
    with pytest.raises(ValueError, match="mismatched lengths"):
        subgroup_vs_rest([40, 41], [30, 31, 32], 0.1, 1600, 1.9)


# ---------------------------------------------------------------- Bayes inversion


def test_bayes_share_of_answer():
    # 13% disapprove; 60% of them say X; 20% of everyone says X -> 39% of X-sayers disapprove
    assert bayes_share_of_answer(0.13, 60, 20) == pytest.approx(39.0)
    out = bayes_share_of_answer((0.12, 0.14), (59.5, 60.5), (19.5, 20.5))
    assert isinstance(out, Bounds)
    assert out.low == pytest.approx(0.12 * 59.5 / 20.5 * 100)
    assert out.high == pytest.approx(0.14 * 60.5 / 19.5 * 100)
    with pytest.raises(ValueError, match="p_total must be > 0"):
        bayes_share_of_answer(0.13, 60, 0)
    with pytest.raises(ValueError, match="w_g must lie between 0 and 1"):
        bayes_share_of_answer(13, 60, 20)


# ---------------------------------------------------------------- GLM and trend


def test_glm_recovers_a_logistic_model_exactly():
    x = np.arange(5.0)
    df = pd.DataFrame({"pct": 100 * expit(-1.0 + 0.3 * x), "n": 400, "deff": 1.9, "x": x})
    out = binomial_glm(df, ["x"])
    assert out.loc["const", "coef"] == pytest.approx(-1.0, abs=1e-6)
    assert out.loc["x", "coef"] == pytest.approx(0.3, abs=1e-6)
    assert out.loc["x", "odds_ratio"] == pytest.approx(math.exp(0.3), abs=1e-6)
    # doubling the design effect halves n_eff: standard errors grow by sqrt(2)
    wider = binomial_glm(df.assign(deff=3.8), ["x"])
    assert wider.loc["x", "se"] == pytest.approx(out.loc["x", "se"] * math.sqrt(2), rel=1e-6)


def test_glm_two_groups_matches_woolf_odds_ratio():
    df = pd.DataFrame(
        {"pct": [30.0, 45.0], "n": [400, 640], "deff": 1.9, "group": ["young", "old"]}
    )
    out = binomial_glm(df, ["group"])
    ne = np.array([400, 640]) / 1.9
    x = np.array([0.30, 0.45]) * ne
    log_or = math.log((x[1] / (ne[1] - x[1])) / (x[0] / (ne[0] - x[0])))
    se = math.sqrt(sum(1 / x) + sum(1 / (ne - x)))
    term = "group_young"  # text columns are dummy-coded, first level ("old") dropped
    assert out.loc[term, "coef"] == pytest.approx(-log_or, rel=1e-6)
    assert out.loc[term, "se"] == pytest.approx(se, rel=1e-6)
    assert out.loc[term, "or_low"] == pytest.approx(math.exp(-log_or - 1.959964 * se), rel=1e-5)


def test_glm_bad_arguments():
    df = pd.DataFrame({"pct": [30.0, 145.0], "n": 400, "deff": 1.9, "x": [0, 1]})
    with pytest.raises(ValueError, match="pct must be a percentage"):
        binomial_glm(df, ["x"])
    with pytest.raises(ValueError, match="missing columns"):
        binomial_glm(df.drop(columns="deff"), ["x"])


def test_trend_test_matches_cochran_armitage_by_hand():
    p = np.array([0.30, 0.35, 0.40, 0.45])
    ne = np.array([160, 400, 400, 640]) / 1.9
    s = np.array([21.0, 32.0, 47.0, 67.0])
    x = p * ne
    big_n = ne.sum()
    p_bar, s_bar = x.sum() / big_n, (ne * s).sum() / big_n
    t = (x * (s - s_bar)).sum()
    var = p_bar * (1 - p_bar) * (ne * (s - s_bar) ** 2).sum() * big_n / (big_n - 1)
    out = trend_test(p * 100, ne, s)
    assert out["z"] == pytest.approx(t / math.sqrt(var), rel=1e-9)
    assert out["z"] > 0  # share rises with age
    assert out["p_value"] == pytest.approx(2 * norm.sf(out["z"]), rel=1e-9)
    assert trend_test(p[::-1] * 100, ne[::-1], s)["z"] < 0


def test_trend_test_bad_arguments():
    with pytest.raises(ValueError, match="mismatched lengths"):
        trend_test([30, 40, 50], [100, 100, 100], [1, 2])
    with pytest.raises(ValueError, match="n_effs must be finite and > 0"):
        trend_test([30, 40], [100, 0])


def test_weights_must_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        weighted_total([0.5, 0.4], [10, 20])
    with pytest.raises(ValueError, match="one value per group"):
        weighted_total([0.5, 0.5], [10, 20, 30])
    with pytest.raises(ValueError, match="shares must be a percentage"):
        weighted_total([0.5, 0.5], [10, 200])


def test_glm_warns_on_zero_cells():
    df = pd.DataFrame({"pct": [0.0, 20.0, 40.0], "n": 400, "deff": 1.9, "x": [0, 1, 2]})
    with pytest.warns(UserWarning, match="separation"):
        binomial_glm(df, ["x"])
