"""Rounding of published shares as ordinary uncertainty: a uniform error added to the variance.

WHAT. A published whole number stands for any true share within +-0.5 of it, a range "35-40%"
for its ends +-0.5, a fraction in words for +-5 points (``chasm.worded``). Taken as noise, the
error of a figure whose text allows ``[low, high]`` is uniform on that interval, with variance
``(high - low)^2 / 12`` (1/12 point^2 for a whole number). :func:`rounding_variance` gives it,
:func:`with_rounding` adds it to the sampling variance of a difference and returns the test and
interval that result; :func:`normal_tipping` says where such a normal test crosses its level
(the design effect, the factor on the interviews and the shrinkage of the difference).

WHY. Reading every figure at the end of its interval least favourable to a claim treats rounding
as an adversary: both integers would have to be rounded the wrong way by the largest amount at
once. As noise, rounding moves the p-value of 43% -> 37% (1600 interviews a wave, deff 1.90)
only from 0.0120 to about 0.013. The least favourable reading stays available as a robustness
column (``chasm.waves.worst_rounding_pvalue``); this module is the verdict's reading
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

from chasm.stats._validate import ArrayLike, broadcast, check_alpha, frame, index_of


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
                   level: float = 0.05) -> pd.DataFrame:
    """Where a normal test of ``diff`` (points) with standard error ``se`` crosses ``level``.

    The standard error grows with the square root of the design effect and falls with the
    square root of the interviews, so with ``z = |diff| / se`` and ``c = z_(1 - level/2)``:
    ``tipping_deff = deff (z / c)^2`` (significant below it), ``n_factor = (c / z)^2`` (the
    factor on the interviews below which it is not), and ``shift = |diff| - c se`` (points by
    which the difference must shrink, towards zero, before it is not). For a test whose
    variance does not depend on the shares only approximately (a score test); exact for the
    Wald-type paired difference of ``chasm.stats.frechet.paired_difference``.
    """
    from scipy.stats import norm

    level = check_alpha(level)
    index = index_of(diff, se, deff)
    d, s, e = (np.asarray(a, dtype=float) for a in broadcast(diff=diff, se=se, deff=deff))
    if np.any(s <= 0) or np.any(e <= 0):
        raise ValueError("se and deff must be > 0")
    c = norm.ppf(1 - level / 2)
    z = np.abs(d) / s
    with np.errstate(divide="ignore"):
        n_factor = np.where(z > 0, (c / np.where(z > 0, z, 1.0)) ** 2, np.inf)
    return frame({"tipping_deff": e * (z / c) ** 2, "n_factor": n_factor,
                  "shift": np.abs(d) - c * s}, index)
