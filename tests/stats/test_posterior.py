"""chasm.stats.posterior: the change between two rounded figures, against the hand derivation
of issue 21, a closed form with constant variance, and a simulation of the exact model."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from chasm.stats.posterior import change_posterior

DEFF = 1.899090011


def test_traitors_fall_by_hand():
    # issue 21: P(fall) ~ 0.99 and P(fall > 5) ~ 0.66. By hand: the sampling SD of the change
    # at 43% and 37% on n_eff = 1600 / 1.90 is sqrt(43*57/842.5 + 37*63/842.5) = 2.38 points;
    # the two uniforms add 1/6 point^2; P(fall) ~ Phi(6 / 2.42), P(fall > 5) ~ Phi(1 / 2.42)
    post = change_posterior(42.5, 43.5, 36.5, 37.5, 1600, 1600, DEFF, DEFF, sizes=[5, 6])
    sd = np.sqrt((43 * 57 + 37 * 63) / (1600 / DEFF) + 1 / 6)
    assert post.p_direction == pytest.approx(norm.cdf(6 / sd), abs=1e-3)
    assert round(post.p_direction, 2) == 0.99
    assert post.p_beyond[0] == pytest.approx(norm.cdf(1 / sd), abs=2e-3)
    assert round(post.p_beyond[0], 2) == 0.66
    assert post.p_beyond[1] == pytest.approx(0.5, abs=1e-3)  # the published size: a coin flip
    assert post.sd == pytest.approx(sd, rel=1e-3)
    # the noise-consistent interval issue 21 quotes: about -10.72 to -1.25
    assert post.ci_low == pytest.approx(-10.72, abs=0.05)
    assert post.ci_high == pytest.approx(-1.25, abs=0.05)


def _closed_form_cdf(d, lo1, hi1, lo2, hi2, sigma):
    """P(U2 - U1 + N(0, sigma^2) <= d) with U uniform of equal width h, constant sigma.

    U2 - U1 is the sum of two centred uniforms shifted by m (the difference of the centres),
    so the CDF is the second difference of the second antiderivative of Phi(x / sigma):
    ``G2(x) = sigma^2 [(u^2 + 1) / 2 Phi(u) + u phi(u) / 2]``, ``u = x / sigma``, and
    ``F(d) = [G2(x + h) - 2 G2(x) + G2(x - h)] / h^2`` with ``x = d - m``.
    """
    h = hi1 - lo1
    assert hi2 - lo2 == h
    m = (lo2 + hi2) / 2 - (lo1 + hi1) / 2

    def g2(x):
        u = x / sigma
        return sigma ** 2 * ((u * u + 1) / 2 * norm.cdf(u) + u * norm.pdf(u) / 2)

    x = d - m
    return (g2(x + h) - 2 * g2(x) + g2(x - h)) / h ** 2


def test_matches_the_closed_form_when_the_variance_is_constant():
    # with enormous n the variance barely depends on the latent share: compare with the
    # closed form of the uniform-triangle-normal convolution at that (constant) variance
    n = 4e5
    post = change_posterior(49.5, 50.5, 48.5, 49.5, n, n, 1.0, 1.0, sizes=[0.5, 1.0, 1.5])
    sigma = np.sqrt(2 * 50 * 50 / n)  # 0.16 points, varying by < 0.1% over the intervals
    for size, p in zip((0.0, 0.5, 1.0, 1.5), (post.p_direction, *post.p_beyond), strict=True):
        assert p == pytest.approx(_closed_form_cdf(-size, 49.5, 50.5, 48.5, 49.5, sigma),
                                  abs=1e-4)
    assert 0.4 < post.p_beyond[1] < 0.6  # the test is not at a trivial 0 or 1


def test_matches_a_simulation_of_the_exact_model():
    # latent sample shares uniform on their intervals; true shares from the Beta posterior of
    # the effective counts (flat prior), not the normal approximation the module uses
    rng = np.random.default_rng(21)
    m = 200_000
    ne = 1600 / DEFF
    s1 = rng.uniform(42.5, 43.5, m) / 100
    s2 = rng.uniform(28.3333, 38.3333, m) / 100  # "a third" as a worded range
    t1 = rng.beta(s1 * ne + 1, (1 - s1) * ne + 1)
    t2 = rng.beta(s2 * ne + 1, (1 - s2) * ne + 1)
    d = (t2 - t1) * 100
    post = change_posterior(42.5, 43.5, 28.3333, 38.3333, 1600, 1600, DEFF, DEFF, sizes=[5])
    assert post.p_direction == pytest.approx(np.mean(d < 0), abs=3e-3)
    assert post.p_beyond[0] == pytest.approx(np.mean(d < -5), abs=5e-3)
    assert post.median == pytest.approx(np.median(d), abs=0.05)
    assert post.ci_low == pytest.approx(np.quantile(d, 0.025), abs=0.1)
    assert post.ci_high == pytest.approx(np.quantile(d, 0.975), abs=0.1)


@settings(max_examples=30, deadline=None)
@given(p1=st.integers(5, 95), p2=st.integers(5, 95), n=st.integers(300, 3000))
def test_properties(p1, p2, n):
    fall = change_posterior(p1 - .5, p1 + .5, p2 - .5, p2 + .5, n, n, 1.9, 1.9, sizes=[0, 1, 3])
    rise = change_posterior(p1 - .5, p1 + .5, p2 - .5, p2 + .5, n, n, 1.9, 1.9, direction=1)
    assert fall.p_direction + rise.p_direction == pytest.approx(1.0, abs=1e-9)
    assert fall.p_beyond[0] == pytest.approx(fall.p_direction, abs=1e-9)
    assert fall.p_beyond[0] >= fall.p_beyond[1] >= fall.p_beyond[2]  # larger sizes, less likely
    assert fall.ci_low < fall.median < fall.ci_high
    # symmetric: swapping the waves mirrors the posterior
    back = change_posterior(p2 - .5, p2 + .5, p1 - .5, p1 + .5, n, n, 1.9, 1.9, direction=1)
    assert back.p_direction == pytest.approx(fall.p_direction, abs=1e-9)
    assert back.median == pytest.approx(-fall.median, abs=1e-6)


@pytest.mark.parametrize("kw, match", [
    ({"low1": 44}, "low must not exceed"), ({"n1": 0}, "n1"), ({"direction": 0}, "direction"),
    ({"sizes": [-1]}, "sizes"), ({"low2": 101}, "percentage"),
])
def test_bad_input(kw, match):
    args = {"low1": 42.5, "high1": 43.5, "low2": 36.5, "high2": 37.5, "n1": 1600, "n2": 1600,
            "deff1": 1.9, "deff2": 1.9, **kw}
    with pytest.raises(ValueError, match=match):
        change_posterior(**args)
