"""Rounding of published shares as ordinary uncertainty: a uniform error added to the variance.

WHAT. A published whole number stands for any true share within +-0.5 of it, a range "35-40%"
for its ends +-0.5, a fraction in words for +-5 points (``chasm.data.worded``). Taken as noise, the
error of a figure whose text allows ``[low, high]`` is uniform on that interval, with variance
``(high - low)^2 / 12`` (1/12 point^2 for a whole number). :func:`rounding_variance` gives it,
:func:`with_rounding` adds it to the sampling variance of a difference and returns the test and
interval that result; :func:`normal_tipping` says where such a normal test crosses its level
(the design effect, the factor on the interviews and the shrinkage of the difference).

WHY. Reading every figure at the end of its interval least favourable to a claim treats rounding
as an adversary: both integers would have to be rounded the wrong way by the largest amount at
once. As noise, rounding moves the p-value of 43% -> 37% (1600 interviews a wave, deff 1.90)
only from 0.0120 to about 0.013. The least favourable reading stays available as a robustness
column (``chasm.analysis.compare.worst_rounding_pvalue``); this module is the verdict's reading
(DESIGN.md, "Verdicts").

CONVENTIONS. Points (0-100). The sampling standard error of a difference is the one its score
test implies at the published values, ``se = |diff| / |z|`` (for a zero difference the test
cannot be widened and p stays 1); the widened test is the normal test ``diff / sqrt(se^2 + v)``
and the interval ``diff +- z_(1-alpha/2) sqrt(se^2 + v)``. With ``v = 0`` the p-value is the
score test's own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._roots import brentq_rows
from chasm.stats._validate import (
    ArrayLike,
    broadcast,
    check_alpha,
    check_pct,
    effective_counts,
    frame,
    index_of,
    scalar_or_array,
)
from chasm.stats.twosample import score_statistic


def rounding_variance(low: ArrayLike, high: ArrayLike) -> float | np.ndarray:
    """Variance (points^2) of a uniform error on ``[low, high]``: ``(high - low)^2 / 12``.

    >>> round(float(rounding_variance(42.5, 43.5)), 6)
    0.083333
    """
    lo, hi = (np.asarray(v, dtype=float) for v in (low, high))
    if np.any(hi < lo):
        raise ValueError("high must not be below low")
    out = (hi - lo) ** 2 / 12.0
    return float(out) if out.ndim == 0 else out


def with_rounding(diff: ArrayLike, z: ArrayLike, extra_variance: ArrayLike,
                  alpha: float = 0.05, se: ArrayLike | None = None) -> pd.DataFrame:
    """A difference's test and interval with ``extra_variance`` (points^2) added to its own.

    ``diff`` (points) and ``z`` are the difference and its score statistic at the published
    values; the sampling standard error is ``se`` if given (points), else ``|diff / z|``.
    Returns se (the widened standard error, points), z, p_value (two-sided) and ci_low /
    ci_high. A row with ``z == 0`` keeps p 1; without ``se`` it gets no interval (NaN).
    """
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    index = index_of(diff, z, extra_variance)
    given = np.nan if se is None else se
    d, zz, v, s0 = (np.asarray(a, dtype=float) for a in broadcast(
        diff=diff, z=z, extra_variance=extra_variance, se=given))
    if np.any(v < 0):
        raise ValueError("extra_variance must be >= 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        se0 = s0 if se is not None else np.where(zz != 0, np.abs(d / zz), np.nan)
        se = np.sqrt(se0 ** 2 + v)
        z_new = np.where(zz != 0, d / se, 0.0)
    p = 2 * norm.sf(np.abs(z_new))
    half = norm.ppf(1 - alpha / 2) * se
    return frame({"se": se, "z": z_new, "p_value": p, "ci_low": d - half, "ci_high": d + half},
                 index)


def normal_tipping(diff: ArrayLike, se: ArrayLike, deff: ArrayLike,
                   level: float = 0.05, extra_variance: ArrayLike = 0.0) -> pd.DataFrame:
    """Where a normal test of ``diff`` (points) with sampling standard error ``se`` and
    ``extra_variance`` (points^2 of rounding noise, which does not scale with the design) crosses
    ``level``.

    The sampling variance grows with the design effect and falls with the interviews; the
    noise does neither. With ``c = z_(1 - level/2)`` and ``r = diff^2 / c^2 - v`` (the sampling
    variance at which the test sits exactly at the level): ``tipping_deff = deff r / se^2``
    (significant below it; 0: never), ``n_factor = se^2 / r`` (the factor on the interviews
    below which it is not; inf if no sample size suffices), and
    ``shift = |diff| - c sqrt(se^2 + v)`` (points by which the difference must shrink, towards
    zero, before it is not). With ``v = 0``: ``deff (z / c)^2``, ``(c / z)^2`` and
    ``|diff| - c se``. For a test whose variance does not depend on the shares only
    approximately (a score test); exact for the Wald-type paired difference of
    ``chasm.stats.frechet.paired_difference``.
    """
    from scipy.stats import norm

    level = check_alpha(level)
    index = index_of(diff, se, deff, extra_variance)
    d, s, e, v = (np.asarray(a, dtype=float) for a in broadcast(
        diff=diff, se=se, deff=deff, extra_variance=extra_variance))
    if np.any(s <= 0) or np.any(e <= 0) or np.any(v < 0):
        raise ValueError("se and deff must be > 0 and extra_variance >= 0")
    c = norm.ppf(1 - level / 2)
    room = d ** 2 / c ** 2 - v
    with np.errstate(divide="ignore"):
        n_factor = np.where(room > 0, s ** 2 / np.where(room > 0, room, 1.0), np.inf)
    return frame({"tipping_deff": e * np.maximum(room, 0.0) / s ** 2, "n_factor": n_factor,
                  "shift": np.abs(d) - c * np.sqrt(s ** 2 + v)}, index)


# --------------------------------------------------------------------------------------------
# The score test widened by rounding noise, at any null difference: test, interval, margin
# --------------------------------------------------------------------------------------------
def _noise_z(x1, n1, x2, n2, delta, v):
    """Noise-widened score statistic at null difference ``delta`` (fractions; ``v`` in
    fraction^2): ``(d - delta) / sqrt(se(delta)^2 + v)`` with ``se(delta) = (d - delta) / z(delta)``
    the sampling standard error the score statistic ``z(delta)`` implies; 0 where ``d = delta``."""
    d = x2 / n2 - x1 / n1
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.asarray(score_statistic(x1, n1, x2, n2, delta), dtype=float)
        gap = d - delta
        inv = np.where(z != 0, 1.0 / z ** 2, np.inf) + np.where(gap != 0, v / gap ** 2, np.inf)
        return np.where(gap == 0, 0.0, np.sign(gap) / np.sqrt(inv))


def noise_score_test(p1: ArrayLike, p2: ArrayLike, n1: ArrayLike, n2: ArrayLike,
                     deff1: ArrayLike, deff2: ArrayLike, extra_variance: ArrayLike = 0.0,
                     delta: ArrayLike = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(z, p)`` of the score test of ``H0: p2 - p1 = delta`` (points) widened by
    ``extra_variance`` (points^2, the rounding noise of both figures): the test the verdicts
    read. ``z = (d - delta) / sqrt(se^2 + v)`` where ``se = (d - delta) / z_score(delta)`` is
    the score test's own standard error at that null; with ``v = 0`` it is the score test, at
    ``delta = 0`` it equals :func:`with_rounding`'s p. Two-sided p. Vectorised.
    """
    from scipy.stats import norm


    check_pct("p1", p1)
    check_pct("p2", p2)
    x1, ne1 = effective_counts(p1, n1, deff1, names=("p1", "n1", "deff1"))
    x2, ne2 = effective_counts(p2, n2, deff2, names=("p2", "n2", "deff2"))
    v = np.asarray(extra_variance, dtype=float)
    if np.any(v < 0):
        raise ValueError("extra_variance must be >= 0")
    x1, ne1, x2, ne2, v, dl = (np.atleast_1d(a) for a in broadcast(
        x1=x1, n1=ne1, x2=x2, n2=ne2, v=v, delta=np.asarray(delta, dtype=float)))
    z = _noise_z(x1, ne1, x2, ne2, dl / 100.0, v / 1e4)
    return z, 2.0 * norm.sf(np.abs(z))


def noise_interval(p1: ArrayLike, p2: ArrayLike, n1: ArrayLike, n2: ArrayLike,
                   deff1: ArrayLike, deff2: ArrayLike, extra_variance: ArrayLike = 0.0,
                   alpha: float = 0.05) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Interval (points) of ``p2 - p1`` that inverts :func:`noise_score_test`: every null
    difference it does not reject at level ``alpha``. With no noise it is the score
    (Miettinen-Nurminen) interval; it excludes 0 exactly when the noise test's p at 0 is below
    alpha, so the interval a page shows and the p its verdict reads always agree. Each limit
    by Brent's method (|z| grows monotonically away from the observed difference) to
    1e-13 / 4e-15, all rows at once (``chasm.stats._roots.brentq_rows``, the steps of scipy's
    ``brentq``); a limit that no null in (-100, 100) reaches is -100 or 100; NaN where both
    shares are 0% or both 100%. Arguments broadcast: ``(low, high)`` floats for scalars,
    arrays otherwise.
    """
    from scipy.stats import norm


    alpha = check_alpha(alpha)
    crit = norm.ppf(1 - alpha / 2)
    scalar = all(np.ndim(a) == 0 for a in (p1, p2, n1, n2, deff1, deff2, extra_variance))
    x1, ne1 = effective_counts(p1, n1, deff1, names=("p1", "n1", "deff1"))
    x2, ne2 = effective_counts(p2, n2, deff2, names=("p2", "n2", "deff2"))
    a1, a2, x1, ne1, x2, ne2, v = (np.ravel(a).astype(float) for a in broadcast(
        p1=np.asarray(p1, dtype=float), p2=np.asarray(p2, dtype=float), x1=x1, n1=ne1, x2=x2,
        n2=ne2, v=np.asarray(extra_variance, dtype=float) / 1e4))
    d = a2 - a1
    out = np.full((2, a1.size), np.nan)
    rows = np.flatnonzero(~((a1 == a2) & ((a1 == 0.0) | (a1 == 100.0))))

    def excess(delta: np.ndarray, k: np.ndarray) -> np.ndarray:  # |z(delta)| - crit, rows k
        i = rows[k]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.abs(_noise_z(x1[i], ne1[i], x2[i], ne2[i], delta / 100.0, v[i])) - crit

    every = np.arange(rows.size)
    for side, edge in enumerate((-100.0 + 1e-7, 100.0 - 1e-7)):
        at = np.full(rows.size, edge)
        closed = (d[rows] == edge) | (excess(at, every) < 0)
        out[side, rows[closed]] = round(edge)
        k = np.flatnonzero(~closed)
        ends = np.sort(np.stack([d[rows[k]], at[k]]), axis=0)
        out[side, rows[k]] = brentq_rows(lambda x, j, k=k: excess(x, k[j]), ends[0], ends[1],
                                         xtol=1e-13, rtol=4e-15)
    if scalar:
        return float(out[0, 0]), float(out[1, 0])
    shape = np.broadcast_shapes(*(np.shape(a) for a in (p1, p2, n1, n2, deff1, deff2,
                                                        extra_variance)))
    return out[0].reshape(shape), out[1].reshape(shape)


def noise_smallest_margin(p1: ArrayLike, p2: ArrayLike, n1: ArrayLike, n2: ArrayLike,
                          deff1: ArrayLike, deff2: ArrayLike, extra_variance: ArrayLike = 0.0,
                          alpha: float = 0.05) -> float | np.ndarray:
    """Smallest symmetric margin (points) two one-sided noise-widened score tests establish:
    the larger absolute limit of the ``1 - 2 alpha`` :func:`noise_interval` (Schuirmann's
    TOST is the interval inclusion). With no noise it is
    ``chasm.stats.sensitivity.smallest_equivalence_margin``. Arguments broadcast."""
    lo, hi = noise_interval(p1, p2, n1, n2, deff1, deff2, extra_variance, 2 * alpha)
    return scalar_or_array(np.maximum(np.abs(lo), np.abs(hi)))


def interval_censored_pvalue(low1: float, high1: float, low2: float, high2: float, n1: float,
                             n2: float, deff1: float, deff2: float) -> float:
    """Likelihood-ratio p-value of no change when each published figure is only known to lie
    in ``[low, high]`` (points): rounding as exact interval-censoring, the third treatment
    beside noise and the least favourable ends.

    Each observed share is normal around its true share ``p`` with the sampling variance
    ``p (1 - p) deff / n`` (effective counts); the published figure says only that it fell in
    ``[low, high]``, so its likelihood is ``Phi((high - p) / s) - Phi((low - p) / s)``. The
    statistic is twice the log-likelihood gained by freeing ``p1 != p2`` over ``p1 = p2``
    (chi-square, 1 df). Maximised numerically (bounded L-BFGS-B from the ranges' midpoints).
    With ranges of width 0 it is the likelihood-ratio test of two normal means with share-
    dependent variances; with the usual whole-number ranges it sits close to the noise test.
    """
    from scipy.optimize import minimize, minimize_scalar
    from scipy.special import ndtr
    from scipy.stats import chi2, norm

    lo = np.array([low1, low2], dtype=float) / 100
    hi = np.array([high1, high2], dtype=float) / 100
    ne = np.array([n1 / deff1, n2 / deff2], dtype=float)

    def nll(p):
        p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
        s = np.sqrt(p * (1 - p) / ne)
        mass = ndtr((hi - p) / s) - ndtr((lo - p) / s)
        if np.any(hi == lo):  # a figure known exactly: its density instead of a mass
            dens = norm.pdf((hi - p) / s) / s
            mass = np.where(hi == lo, dens, mass)
        return -float(np.sum(np.log(np.maximum(mass, 1e-300))))

    mid = np.clip((lo + hi) / 2, 1e-6, 1 - 1e-6)
    free = minimize(nll, mid, method="L-BFGS-B", bounds=[(1e-6, 1 - 1e-6)] * 2,
                    options={"ftol": 1e-15, "gtol": 1e-12})
    tied = minimize_scalar(lambda q: nll([q, q]), bounds=(1e-6, 1 - 1e-6), method="bounded",
                           options={"xatol": 1e-12})
    stat = max(0.0, 2 * (tied.fun - min(free.fun, nll(mid))))
    return float(chi2.sf(stat, 1))
