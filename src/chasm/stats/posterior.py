"""A posterior for the change between two published, rounded shares.

WHAT. :func:`change_posterior` gives the posterior distribution of the true change
``D = theta_2 - theta_1`` (points) between two waves whose published figures are known only to
lie in ``[low_i, high_i]`` (a whole number's rounding interval, or a worded figure's range):
the probability of a change in a given direction, of a change larger than given sizes, the
median and an equal-tailed credible interval.

MODEL. Each wave's unrounded sample share ``s_i`` is latent and interval-censored: with a flat
prior it is uniform on ``[low_i, high_i]`` (the published text says no more than that). Given
``s_i``, the true share has the large-sample posterior of a flat prior on effective counts,
``theta_i | s_i ~ N(s_i, s_i (100 - s_i) / n_eff_i)`` (points; ``n_eff = n / deff``, Kish 1965),
independently between waves. So

``P(D <= d) = E_{s_1, s_2} Phi((d - (s_2 - s_1)) / sqrt(v_1(s_1) + v_2(s_2)))``,

an average over the uniform box of the two latent shares, computed by Gauss-Legendre
quadrature in both dimensions (deterministic; 48 nodes each, far below the precision shown).
Quantiles are roots of that CDF.

WHY. The published 43% and 37% are rounded; the verdicts of 03 and 06 treat rounding as extra
noise in a test. A posterior answers what a reader asks of the headline ("how sure is it that
the share fell, and by more than the essay says?") with rounding as what it is, an interval
the unrounded figure lies in. By hand for 43 -> 37 at n_eff = 1600 / 1.90: the sampling SD of
the change is about 2.38 points, so P(fall) ~ Phi(6 / 2.38) ~ 0.99 and P(fall > 5) ~
Phi(1 / 2.38) ~ 0.66 (the uniforms add a little spread); the tests check this, a simulation of
the exact binomial model and a closed form of the uniform-triangular convolution.

CONVENTION. Shares and changes in points (0-100); sizes positive, in the direction asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chasm.stats._validate import ArrayLike, check_alpha, check_pct, check_positive

#: Gauss-Legendre nodes per latent share.
NODES = 48


@dataclass(frozen=True)
class ChangePosterior:
    """Posterior summaries of the change ``D`` (points).

    ``direction`` (-1 a fall, +1 a rise: the direction asked about), ``p_direction`` =
    P(D in that direction), ``sizes`` and ``p_beyond`` = P(|D| > size in that direction) for
    each size, ``median``, ``ci_low``/``ci_high`` the equal-tailed credible interval at
    ``level``, ``sd`` the posterior standard deviation.
    """

    direction: int
    p_direction: float
    sizes: tuple[float, ...]
    p_beyond: tuple[float, ...]
    median: float
    ci_low: float
    ci_high: float
    level: float
    sd: float


def _grid(low: float, high: float):
    """Nodes and weights (summing to 1) of the uniform distribution on [low, high]."""
    if high == low:
        return np.array([low]), np.array([1.0])
    x, w = np.polynomial.legendre.leggauss(NODES)
    return low + (x + 1) * (high - low) / 2, w / 2


def change_posterior(low1: float, high1: float, low2: float, high2: float, n1: float, n2: float,
                     deff1: float, deff2: float, sizes: ArrayLike = (), direction: int = -1,
                     alpha: float = 0.05) -> ChangePosterior:
    """Posterior of the change from wave 1 to wave 2 with both figures interval-censored.

    ``low``/``high`` the range each published figure allows (points), ``n`` interviews,
    ``deff`` design effects, ``sizes`` the changes (points, positive) to give P(|D| > size in
    ``direction``) for, ``alpha`` the credible level ``1 - alpha``. See the module docstring.
    """
    from scipy.optimize import brentq
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    lo1, hi1, lo2, hi2 = (float(check_pct(k, v)) for k, v in
                          (("low1", low1), ("high1", high1), ("low2", low2), ("high2", high2)))
    if lo1 > hi1 or lo2 > hi2:
        raise ValueError(f"low must not exceed high, got [{lo1}, {hi1}] and [{lo2}, {hi2}]")
    ne1 = float(check_positive("n1", n1) / check_positive("deff1", deff1))
    ne2 = float(check_positive("n2", n2) / check_positive("deff2", deff2))
    if direction not in (-1, 1):
        raise ValueError(f"direction must be -1 or 1, got {direction!r}")
    sizes_arr = np.atleast_1d(np.asarray(sizes, dtype=float))
    if np.any(~np.isfinite(sizes_arr)) or np.any(sizes_arr < 0):
        raise ValueError(f"sizes must be finite and >= 0, got {sizes!r}")

    s1, w1 = _grid(lo1, hi1)
    s2, w2 = _grid(lo2, hi2)
    mean = s2[None, :] - s1[:, None]
    sd = np.sqrt(s1[:, None] * (100 - s1[:, None]) / ne1 + s2[None, :] * (100 - s2[None, :]) / ne2)
    sd = np.maximum(sd, 1e-9)  # a share of exactly 0 or 100 on both sides: a point mass
    weight = w1[:, None] * w2[None, :]

    def cdf(d: float) -> float:
        return float(np.sum(weight * norm.cdf((d - mean) / sd)))

    def quantile(q: float) -> float:
        lo, hi = float(mean.min() - 10 * sd.max()), float(mean.max() + 10 * sd.max())
        return float(brentq(lambda d: cdf(d) - q, lo, hi, xtol=1e-13, rtol=1e-15))

    p_dir = 1 - cdf(0.0) if direction > 0 else cdf(0.0)
    beyond = tuple(float(1 - cdf(s) if direction > 0 else cdf(-s)) for s in sizes_arr)
    var = float(np.sum(weight * (sd ** 2 + mean ** 2)) - np.sum(weight * mean) ** 2)
    return ChangePosterior(direction, float(p_dir), tuple(float(s) for s in sizes_arr), beyond,
                           quantile(0.5), quantile(alpha / 2), quantile(1 - alpha / 2),
                           1 - alpha, float(np.sqrt(var)))
