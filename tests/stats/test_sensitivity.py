"""Margins, tipping points, power and Bayes shares: each checked by plugging the answer back."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from chasm.stats.partitions import bayes_share_of_answer
from chasm.stats.sensitivity import (
    bayes_share_interval,
    detectable_change,
    equivalence_share_limit,
    score_test_power,
    smallest_equivalence_margin,
    tipping_deff,
    tipping_n,
    tipping_shift,
)
from chasm.stats.twosample import (
    compare_waves,
    equivalence_test,
    minimum_detectable_change,
    score_interval,
    score_test,
)

DEFF = 1.899  # Levada's fitted design effect (1.90); 1600 / 1.899 = 842.5 effective interviews


# ------------------------------------------------------------------------ equivalence margins
def test_issue_claims_about_reachable_margins():
    # with ~842 effective interviews a +-3-point equivalence test can succeed only below 16.8%
    # (or above 83.2%), even with zero observed change; at 40% the best reachable is 3.9 points
    limit = equivalence_share_limit(3, 1600, 1600, DEFF, DEFF)
    assert round(limit, 1) == 16.8
    assert round(100 - limit, 1) == 83.2
    assert round(smallest_equivalence_margin(40, 40, 1600, 1600, DEFF, DEFF), 1) == 3.9
    # independently: the Wald TOST at zero change needs margin > z_0.95 sqrt(2 p q / n_eff)
    ne = 1600 / DEFF
    wald = norm.ppf(0.95) * math.sqrt(2 * 0.4 * 0.6 / ne) * 100
    assert smallest_equivalence_margin(40, 40, 1600, 1600, DEFF, DEFF) == pytest.approx(
        wald, abs=0.01
    )
    p = (1 - math.sqrt(1 - 4 * 0.5 * ne * (0.03 / norm.ppf(0.95)) ** 2)) / 2  # Wald p q = ...
    assert limit == pytest.approx(p * 100, abs=0.15)  # Wald 16.85%: close, not equal


def test_equivalence_share_limit_is_where_the_test_flips():
    limit = equivalence_share_limit(3, 1600, 1600, DEFF, DEFF)
    below = equivalence_test(limit - 0.05, limit - 0.05, 1600, 1600, DEFF, DEFF, 3).iloc[0]
    above = equivalence_test(limit + 0.05, limit + 0.05, 1600, 1600, DEFF, DEFF, 3).iloc[0]
    assert below["equivalent"] and not above["equivalent"]
    mirror = equivalence_test(100 - limit + 0.05, 100 - limit + 0.05, 1600, 1600, DEFF, DEFF, 3)
    assert mirror["equivalent"].iloc[0]
    assert equivalence_share_limit(10, 1600, 1600, DEFF, DEFF) == 50.0  # every share qualifies
    assert equivalence_share_limit(0.01, 100, 100, DEFF, DEFF) == 0.0  # none does


@settings(max_examples=30, deadline=None)
@given(p1=st.floats(1, 99), p2=st.floats(1, 99), n=st.floats(200, 3000), deff=st.floats(1, 3))
def test_smallest_margin_plugged_back_gives_alpha(p1, p2, n, deff):
    m = smallest_equivalence_margin(p1, p2, n, n, deff, deff)
    assume(np.isfinite(m) and m < 99)
    at = equivalence_test(p1, p2, n, n, deff, deff, m)["p_value"].iloc[0]
    assert at == pytest.approx(0.05, abs=1e-6)
    # the same as the larger absolute limit of the 90% score interval
    ne = n / deff
    low, high = score_interval(p1 / 100 * ne, ne, p2 / 100 * ne, ne, alpha=0.10)
    assert m == pytest.approx(max(-low, high) * 100, abs=1e-6)


def test_smallest_margin_vectorised_and_labelled():
    shares = pd.Series([10, 40], index=["a", "b"])
    out = smallest_equivalence_margin(shares, shares, 1600, 1600, DEFF, DEFF)
    assert list(out.index) == ["a", "b"] and out["a"] < out["b"]
    arr = smallest_equivalence_margin([10, 40], [10, 40], 1600, 1600, DEFF, DEFF)
    assert arr.tolist() == pytest.approx(out.tolist())


# ---------------------------------------------------------------------------- tipping points
def test_tipping_deff_reproduces_the_issue():
    # least favourable rounding of 43 -> 37 is 42.5 -> 37.5; Holm over two tests compares the
    # smaller p-value with alpha / 2: the fall passes only if deff were below 1.66
    d = tipping_deff(42.5, 37.5, 1600, 1600, alpha=0.025)
    assert round(d, 2) == 1.66
    assert compare_waves(42.5, 37.5, 1600, 1600, d, d)["p_value"].iloc[0] == pytest.approx(
        0.025, abs=1e-9
    )
    assert compare_waves(42.5, 37.5, 1600, 1600, DEFF, DEFF)["p_value"].iloc[0] > 0.025
    # Wald check by hand: z = 0.05 / sqrt(2 * 0.4 * 0.6 * deff / 1600) = z_0.9875
    assert d == pytest.approx((0.05 / norm.ppf(0.9875)) ** 2 * 1600 / 0.48, rel=0.01)


@settings(max_examples=25, deadline=None)
@given(p1=st.floats(5, 95), change=st.floats(2, 15), n=st.floats(300, 3000))
def test_tipping_deff_and_n_plugged_back(p1, change, n):
    p2 = min(p1 + change, 99.0)
    d = tipping_deff(p1, p2, n, n)
    if np.isfinite(d):
        assert _p(p1, p2, n, n, d, d) == pytest.approx(0.05, abs=1e-8)
        assert _p(p1, p2, n, n, 0.9 * d, 0.9 * d) < 0.05 < _p(p1, p2, n, n, 1.1 * d, 1.1 * d)
    m = tipping_n(p1, p2, 1.9, 1.9)
    assert np.isfinite(m)
    assert _p(p1, p2, m, m, 1.9, 1.9) == pytest.approx(0.05, abs=1e-8)
    assert _p(p1, p2, 1.2 * m, 1.2 * m, 1.9, 1.9) < 0.05 < _p(p1, p2, m / 1.2, m / 1.2, 1.9, 1.9)


def _p(p1, p2, n1, n2, d1, d2):
    return compare_waves(p1, p2, n1, n2, d1, d2)["p_value"].iloc[0]


def test_tipping_n_with_unequal_waves_and_no_change():
    m = tipping_n(43, 37, DEFF, DEFF, n_ratio=2.0)
    assert _p(43, 37, m, 2 * m, DEFF, DEFF) == pytest.approx(0.05, abs=1e-8)
    assert m < tipping_n(43, 37, DEFF, DEFF)  # a larger second wave needs a smaller first
    assert np.isnan(tipping_n(40, 40, DEFF, DEFF))
    assert np.isnan(tipping_deff(40, 40, 1600, 1600))


@pytest.mark.parametrize(("p1", "p2", "wave"), [(43, 37, 2), (43, 37, 1), (40, 36, 2), (9, 9, 2)])
def test_tipping_shift_plugged_back(p1, p2, wave):
    s = tipping_shift(p1, p2, 1600, 1600, DEFF, DEFF, wave=wave)
    q1, q2 = (p1, p2 + s) if wave == 2 else (p1 + s, p2)
    assert _p(q1, q2, 1600, 1600, DEFF, DEFF) == pytest.approx(0.05, abs=1e-8)
    significant = _p(p1, p2, 1600, 1600, DEFF, DEFF) < 0.05
    if significant:  # the shift closes part of the gap: towards the other wave
        other, own = (p1, p2) if wave == 2 else (p2, p1)
        assert np.sign(s) == np.sign(other - own) and abs(s) < abs(other - own)
    # no smaller shift flips the verdict
    for t in np.linspace(0, s, 50)[1:-1]:
        r1, r2 = (p1, p2 + t) if wave == 2 else (p1 + t, p2)
        assert (_p(r1, r2, 1600, 1600, DEFF, DEFF) < 0.05) == significant


def test_tipping_shift_43_37_by_hand():
    # the fall stops being significant once wave 2 is about 1.3 points higher: the shifted
    # change (-6 + s) is then about z_0.975 standard errors from zero (Wald check)
    s = tipping_shift(43, 37, 1600, 1600, DEFF, DEFF)
    ne = 1600 / DEFF
    pbar = (43 + 37 + s) / 200
    wald = 6 - norm.ppf(0.975) * math.sqrt(2 * pbar * (1 - pbar) / ne) * 100
    assert s == pytest.approx(wald, abs=0.02)
    with pytest.raises(ValueError, match="wave"):
        tipping_shift(43, 37, 1600, 1600, DEFF, DEFF, wave=3)


# ---------------------------------------------------------------------------------- power
def test_power_by_seeded_monte_carlo():
    # integer samples (deff 1): the rejection rate of the score test at the true shares
    rng = np.random.default_rng(20250401)
    n1, n2, t1, t2, reps = 300, 300, 0.30, 0.40, 4000
    x1, x2 = rng.binomial(n1, t1, reps), rng.binomial(n2, t2, reps)
    _, p = score_test(x1, n1, x2, n2)
    simulated = float(np.mean(p < 0.05))
    formula = score_test_power(30, 40, n1, n2, 1, 1)
    assert formula == pytest.approx(simulated, abs=3 * math.sqrt(0.25 / reps) + 0.01)
    # no change: the size of the test, a little below alpha (factor N / (N - 1))
    size = score_test_power(30, 30, n1, n2, 1, 1)
    assert size == pytest.approx(2 * norm.sf(norm.ppf(0.975) * math.sqrt(600 / 599)), rel=1e-9)


def test_detectable_change_plugged_back_and_against_normal_approximation():
    fall = detectable_change(50, 1600, 1600, DEFF, DEFF)
    assert fall < 0
    assert score_test_power(50, 50 + fall, 1600, 1600, DEFF, DEFF) == pytest.approx(0.8, abs=1e-8)
    rise = detectable_change(50, 1600, 1600, DEFF, DEFF, direction=1)
    assert rise == pytest.approx(-fall, abs=1e-6)  # symmetric at 50%
    approx = minimum_detectable_change(50, 1600, DEFF)
    assert abs(fall) == pytest.approx(approx, abs=0.1)
    # near 0% the exact variance makes a fall harder to detect than a rise of the same size
    assert abs(detectable_change(5, 1600, 1600, DEFF, DEFF)) < detectable_change(
        5, 1600, 1600, DEFF, DEFF, direction=1
    )
    assert np.isnan(detectable_change(1, 100, 100, 3, 3))  # a fall from 1% cannot be detected


# ------------------------------------------------------------------------- Bayes share interval
def test_bayes_share_point_matches_partitions():
    out = bayes_share_interval(0.1, 30, 40, 1600, DEFF).iloc[0]
    assert out["share"] == pytest.approx(bayes_share_of_answer(0.1, 30, 40))
    assert out["ci_low"] < out["share"] < out["ci_high"]
    assert out["rest"] == pytest.approx((40 - 3) / 0.9)


def test_bayes_share_interval_by_hand():
    # logit s = log(w/(1-w)) + log p_g - log p_r; var = (1-p_g)/x_g + (1-p_r)/x_r
    w, g, t, n = 0.2, 50, 30, 1000
    r = (0.30 - 0.2 * 0.5) / 0.8
    var = (1 - 0.5) / (0.5 * 200) + (1 - r) / (r * 800)
    centre = math.log(0.2 / 0.8 * 0.5 / r)
    low, high = (1 / (1 + math.exp(-(centre + k * 1.959963985 * math.sqrt(var)))) for k in (-1, 1))
    out = bayes_share_interval(w, g, t, n, 1.0).iloc[0]
    assert out["share"] == pytest.approx(100 / 3)
    assert [out["ci_low"], out["ci_high"]] == pytest.approx([low * 100, high * 100], abs=1e-6)


def test_bayes_share_interval_coverage_by_simulation():
    # disjoint samples of w n and (1 - w) n interviews, deff 1; nominal 95%
    rng = np.random.default_rng(7)
    w, n, pg, pr, reps = 0.15, 1600, 0.20, 0.40, 4000
    true_share = w * pg / (w * pg + (1 - w) * pr) * 100
    xg = rng.binomial(int(w * n), pg, reps)
    xr = rng.binomial(int((1 - w) * n), pr, reps)
    g_hat = xg / (w * n) * 100
    total_hat = (xg + xr) / n * 100
    out = bayes_share_interval(w, g_hat, total_hat, n, 1.0)
    covered = float(((out["ci_low"] <= true_share) & (true_share <= out["ci_high"])).mean())
    assert 0.94 <= covered <= 0.96, covered


def test_bayes_share_interval_edges_and_errors():
    zero = bayes_share_interval(0.1, 0, 20, 1600, DEFF).iloc[0]
    assert zero["share"] == 0 and zero["ci_low"] == 0 and 0 < zero["ci_high"] < 5
    everyone = bayes_share_interval(0.5, 40, 20, 1600, DEFF).iloc[0]  # rest = 0%
    assert everyone["share"] == pytest.approx(100) and everyone["ci_high"] == 100
    with pytest.raises(ValueError, match="rest share"):
        bayes_share_interval(0.1, 90, 5, 1600, DEFF)
    with pytest.raises(ValueError, match="p_total"):
        bayes_share_interval(0.1, 0, 0, 1600, DEFF)
