"""Rounding as ordinary uncertainty (chasm.stats.rounding): the uniform variance and the widened
test, against hand derivations and a simulation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from chasm.stats.rounding import normal_tipping, rounding_variance, with_rounding
from chasm.stats.twosample import compare_waves


def test_uniform_variance_by_hand_and_by_simulation():
    assert rounding_variance(42.5, 43.5) == pytest.approx(1 / 12)
    assert rounding_variance(28.3, 38.3) == pytest.approx(100 / 12)
    assert rounding_variance(5.0, 5.0) == 0.0
    draws = np.random.default_rng(1).uniform(-0.5, 0.5, 200_000)
    assert draws.var() == pytest.approx(rounding_variance(0, 1), rel=0.01)
    with pytest.raises(ValueError, match="below low"):
        rounding_variance(2, 1)


def test_zero_noise_keeps_the_score_p_and_noise_raises_it():
    """43% -> 37% (1600 a wave, deff 1.9): the score p 0.0120 is kept with no extra variance
    and becomes about 0.013 with both integers' rounding as noise (the issue's number)."""
    r = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    same = with_rounding(r["diff"], r["z"], 0.0).iloc[0]
    assert same["p_value"] == pytest.approx(r["p_value"], rel=1e-12)
    noisy = with_rounding(r["diff"], r["z"], 2 / 12).iloc[0]
    assert r["p_value"] < noisy["p_value"] == pytest.approx(0.0133, abs=2e-4)
    se = abs(r["diff"] / r["z"])
    assert noisy["se"] == pytest.approx(np.sqrt(se ** 2 + 2 / 12))
    assert noisy["ci_high"] - noisy["ci_low"] == pytest.approx(2 * norm.ppf(0.975) * noisy["se"])


def test_zero_difference_and_given_se():
    out = with_rounding([0.0, 2.0], [0.0, 1.0], [0.5, 0.0]).reset_index(drop=True)
    assert out.loc[0, "p_value"] == 1.0 and np.isnan(out.loc[0, "ci_low"])
    assert out.loc[1, "p_value"] == pytest.approx(2 * norm.sf(1.0))
    given = with_rounding(0.0, 0.0, 0.75, se=0.5).iloc[0]
    assert given["se"] == pytest.approx(1.0) and given["ci_high"] == pytest.approx(norm.ppf(0.975))
    with pytest.raises(ValueError, match=">= 0"):
        with_rounding(1.0, 1.0, -1.0)


def test_normal_tipping_plugged_back_crosses_the_level():
    out = normal_tipping(10.0, 2.95, 1.9, 0.0125).iloc[0]
    crit = norm.ppf(1 - 0.0125 / 2)
    se_at = 2.95 * np.sqrt(out["tipping_deff"] / 1.9)  # SE grows with sqrt(deff)
    assert 10.0 / se_at == pytest.approx(crit)
    assert 10.0 / (2.95 / np.sqrt(out["n_factor"])) == pytest.approx(crit)
    assert (10.0 - out["shift"]) / 2.95 == pytest.approx(crit)
    weak = normal_tipping(-1.0, 2.0, 1.9).iloc[0]
    assert weak["tipping_deff"] < 1.9 and weak["n_factor"] > 1 and weak["shift"] < 0
    with pytest.raises(ValueError, match="> 0"):
        normal_tipping(1.0, 0.0, 1.9)


# ---------------------------------------------------------------- the noise-widened score test
def _reference_interval(p1, p2, n, deff, v, alpha=0.05):
    """Independent reference: the restricted MLE by direct numerical maximisation (scipy's
    bounded scalar minimiser, no closed form), the score statistic from it, widened by the
    noise, and each limit by bisection on a fine bracket."""
    from scipy.optimize import minimize_scalar
    from scipy.stats import norm

    ne = n / deff
    x1, x2 = p1 / 100 * ne, p2 / 100 * ne
    d = (p2 - p1) / 100

    def z_noise(delta):
        lo, hi = max(0.0, -delta) + 1e-12, min(1.0, 1.0 - delta) - 1e-12

        def nll(q1):
            q2 = q1 + delta
            return -(x1 * np.log(q1) + (ne - x1) * np.log(1 - q1) + x2 * np.log(q2)
                     + (ne - x2) * np.log(1 - q2))
        q1 = minimize_scalar(nll, bounds=(lo, hi), method="bounded",
                             options={"xatol": 1e-14}).x
        q2 = q1 + delta
        var = (q1 * (1 - q1) / ne + q2 * (1 - q2) / ne) * 2 * ne / (2 * ne - 1)
        return (d - delta) / np.sqrt(var + v / 1e4)

    crit = norm.ppf(1 - alpha / 2)
    limits = []
    for target, a, b in ((crit, d - 0.5, d), (-crit, d, d + 0.5)):
        for _ in range(80):
            mid = (a + b) / 2
            if (z_noise(mid) - target) * (z_noise(a) - target) > 0:
                a = mid
            else:
                b = mid
        limits.append(100 * (a + b) / 2)
    return limits


def test_noise_interval_against_a_direct_maximisation():
    from chasm.stats.rounding import noise_interval

    ref = _reference_interval(43, 37, 1600, 1.899, 1 / 6)
    got = noise_interval(43, 37, 1600, 1600, 1.899, 1.899, 1 / 6)
    assert got == pytest.approx(ref, abs=1e-5)
    # the independent recomputation: about -10.72 to -1.25 with noise
    assert got[0] == pytest.approx(-10.72, abs=0.005) and got[1] == pytest.approx(-1.25, abs=0.005)
    # without noise it is the score interval of stats.twosample
    from chasm.stats.twosample import compare_waves
    plain = compare_waves(43, 37, 1600, 1600, 1.899, 1.899).iloc[0]
    assert noise_interval(43, 37, 1600, 1600, 1.899, 1.899, 0.0) == pytest.approx(
        (plain["ci_low"], plain["ci_high"]), abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(p1=st.floats(2, 98), p2=st.floats(2, 98), v=st.floats(0, 3), deff=st.floats(1, 3))
def test_noise_test_interval_and_rounding_agree(p1, p2, v, deff):
    """At a null of 0 the noise test is with_rounding's; its interval excludes 0 exactly when
    its p is below alpha; the smallest TOST margin is where the TOST p equals alpha."""
    from chasm.analysis import compare
    from chasm.stats.rounding import noise_interval, noise_score_test, noise_smallest_margin
    from chasm.stats.twosample import compare_waves

    row = compare_waves(p1, p2, 1000, 1200, deff, deff).iloc[0]
    _, p = noise_score_test(p1, p2, 1000, 1200, deff, deff, v)
    if row["z"] != 0:
        assert p[0] == pytest.approx(with_rounding(row["diff"], row["z"], v)["p_value"].iloc[0],
                                     rel=1e-9, abs=1e-12)
    lo, hi = noise_interval(p1, p2, 1000, 1200, deff, deff, v)
    if abs(p[0] - 0.05) > 1e-6:
        assert (lo > 0 or hi < 0) == (p[0] < 0.05)
    m = noise_smallest_margin(p1, p2, 1000, 1200, deff, deff, v)
    if m < 99:
        tost = compare.equivalence_pvalue(p1, p2, 1000, 1200, deff, v, m)
        assert tost[0] == pytest.approx(0.05, abs=1e-6)


def test_normal_tipping_with_noise_plugs_back():
    from scipy.stats import norm

    tip = normal_tipping(6.0, 2.4, 1.9, 0.025, extra_variance=1 / 6).iloc[0]
    se_at = 2.4 * np.sqrt(tip["tipping_deff"] / 1.9)
    assert 2 * norm.sf(6.0 / np.sqrt(se_at**2 + 1 / 6)) == pytest.approx(0.025, abs=1e-10)
    se_n = 2.4 / np.sqrt(tip["n_factor"])
    assert 2 * norm.sf(6.0 / np.sqrt(se_n**2 + 1 / 6)) == pytest.approx(0.025, abs=1e-10)
    shrunk = 6.0 - tip["shift"]
    assert 2 * norm.sf(shrunk / np.sqrt(2.4**2 + 1 / 6)) == pytest.approx(0.025, abs=1e-10)


def test_interval_censored_p_by_simulation_and_limits():
    """Exact interval-censoring: close to the noise test for whole-number ranges (43 -> 37),
    between the published-value test and the least favourable ends; its size under no change
    is about alpha (simulation: true shares equal, figures rounded to whole numbers)."""
    from chasm.analysis.compare import worst_rounding_pvalue
    from chasm.stats.rounding import interval_censored_pvalue

    pc = interval_censored_pvalue(42.5, 43.5, 36.5, 37.5, 1600, 1600, 1.9, 1.9)
    r = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    noisy = with_rounding(r["diff"], r["z"], 1 / 6)["p_value"].iloc[0]
    worst = worst_rounding_pvalue(42.5, 43.5, 36.5, 37.5, 1600, 1600, 1.9, 1.9)[0]
    assert r["p_value"] < pc < worst and pc == pytest.approx(noisy, rel=0.05)
    rng = np.random.default_rng(7)
    ne = 1600 / 1.9
    shares = rng.normal(0.40, np.sqrt(0.24 / ne), size=(300, 2)) * 100
    rounded = np.round(shares)
    ps = np.array([interval_censored_pvalue(a - .5, a + .5, b - .5, b + .5, 1600, 1600, 1.9, 1.9)
                   for a, b in rounded])
    assert 0.02 < (ps < 0.05).mean() < 0.09  # 300 draws: 0.05 ± about 2.5 SE
