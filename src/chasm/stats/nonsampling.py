"""Wave-level non-sampling variance: how much would break a verdict, and how much there is.

WHAT.

* :func:`pvalues_with_tau` - two-sided normal p-values of changes between two waves when each
  wave carries, besides its sampling error, a wave-level error of variance ``tau^2`` (points^2)
  shared by every figure of that wave: the variance of a change grows by ``2 tau^2``.
* :func:`tipping_tau` - the ``tau`` at which an adjusted p-value of a family of such changes
  reaches ``alpha`` (where a verdict flips), by root finding; 0 if it is already at or above
  ``alpha`` without it.
* :func:`tau_from_tracker` - what a long monthly series says about ``tau``: with the monthly
  published share ``y_t = mu_t + e_t``, ``mu_t`` a random walk (the real movement) and ``e_t``
  white noise of variance ``sigma_e^2`` (sampling + rounding + wave-level error), the first
  differences have lag-1 autocovariance ``-sigma_e^2`` (a moment identity of the local-level
  model, Harvey 1989, sec. 2.3), so ``sigma_e^2 = -gamma_1(diff y)``; ``tau^2`` is what is left
  after the sampling and rounding variances. Also an upper bound that makes no model of the
  real movement: half the mean squared month-to-month change, minus sampling and rounding
  (as if the real share never moved).

WHY. Every test in the reports counts sampling error only (and rounding). Survey waves also
differ by things sampling cannot see (fieldwork timing, question context, interviewer
effects); if those are comparable to the fall being tested, the verdict is sampling-error
deep only. The tipping ``tau`` says how large that wave-level error may be before a verdict
flips; a monthly tracker of the same organisation and design is the one place where the data
themselves say how large it is.

CONVENTION. Points and points^2; sampling variances are passed in (the table layer computes
them from the shares, N and the design effect).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chasm.stats._validate import ArrayLike, as_float, check_alpha
from chasm.stats.multiplicity import adjust_pvalues


def pvalues_with_tau(diff: ArrayLike, var: ArrayLike, tau: float) -> np.ndarray:
    """Two-sided normal p-values of ``diff`` with variance ``var + 2 tau^2`` (points)."""
    from scipy.stats import norm

    d = np.atleast_1d(as_float("diff", diff))
    v = np.atleast_1d(as_float("var", var))
    if d.shape != v.shape or np.any(v < 0) or not np.isfinite(v).all():
        raise ValueError("var must be finite, >= 0 and one per diff")
    if not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be finite and >= 0, got {tau!r}")
    total = v + 2.0 * tau * tau
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(total > 0, np.abs(d) / np.sqrt(total), np.where(d == 0, 0.0, np.inf))
    return 2.0 * norm.sf(z)


def tipping_tau(diff: ArrayLike, var: ArrayLike, target: int, method: str = "holm",
                alpha: float = 0.05) -> float:
    """The wave-level SD ``tau`` (points) at which the ``method``-adjusted p of comparison
    ``target`` of the family reaches ``alpha``; 0.0 if it is at or above ``alpha`` already.

    Adjusted p-values are non-decreasing in ``tau`` (each raw p is, and Holm and BH are
    monotone in the raw p-values), so the root is unique; found by Brent's method.
    """
    from scipy.optimize import brentq


    alpha = check_alpha(alpha)
    d = np.atleast_1d(as_float("diff", diff))
    if not 0 <= int(target) < d.size:
        raise ValueError(f"target must index the family of {d.size}, got {target!r}")

    def excess(tau: float) -> float:
        return float(adjust_pvalues(pvalues_with_tau(d, var, tau), method)[int(target)]) - alpha

    if excess(0.0) >= 0:
        return 0.0
    hi = 1.0
    while excess(hi) < 0:
        hi *= 2.0
    return float(brentq(excess, 0.0, hi, xtol=1e-13, rtol=1e-15))


@dataclass(frozen=True)
class TrackerTau:
    """What a monthly tracker says about the wave-level error.

    ``noise_var`` = -gamma_1 of the first differences (points^2: all month-level noise),
    ``sampling_var`` and ``rounding_var`` the parts sampling and rounding explain (means over
    the months), ``tau`` = sqrt(max(noise - sampling - rounding, 0)) (NaN if the identity
    gives a negative noise variance), ``tau_upper`` the model-free upper bound, ``pairs``
    the number of consecutive difference pairs used, ``months`` of consecutive changes.
    """
    noise_var: float
    sampling_var: float
    rounding_var: float
    tau: float
    tau_upper: float
    pairs: int
    months: int


def tau_from_tracker(values: ArrayLike, sampling_var: ArrayLike,
                     rounding_var: float = 1.0 / 12.0) -> TrackerTau:
    """Wave-level SD implied by a monthly series (points; NaN marks a missing month).

    ``values`` one published share per consecutive month, ``sampling_var`` each month's
    sampling variance of the share (points^2), ``rounding_var`` the rounding variance of one
    published figure (1/12 for whole numbers). Differences are taken only between adjacent
    published months, their lag-1 products only where both differences exist.
    """
    y = np.atleast_1d(as_float("values", values))
    sv = np.broadcast_to(np.atleast_1d(as_float("sampling_var", sampling_var)), y.shape)
    if y.ndim != 1:
        raise ValueError("values must be one series")
    d = np.diff(y)  # NaN wherever a month on either side is missing
    ok = np.isfinite(d)
    if ok.sum() < 3:
        raise ValueError(f"a tracker needs at least 3 consecutive changes, got {int(ok.sum())}")
    dc = d[ok].mean()
    both = ok[1:] & ok[:-1]
    if both.sum() < 2:
        raise ValueError("a tracker needs at least 2 pairs of consecutive changes")
    gamma1 = float(np.mean((d[1:][both] - dc) * (d[:-1][both] - dc)))
    noise = -gamma1
    samp = float(np.nanmean(np.where(np.isfinite(y), sv, np.nan)))
    rest = noise - samp - rounding_var
    tau = float(np.sqrt(max(rest, 0.0))) if noise > 0 else float("nan")
    upper = float(np.sqrt(max(np.mean(d[ok] ** 2) / 2 - samp - rounding_var, 0.0)))
    return TrackerTau(noise, samp, float(rounding_var), tau, upper, int(both.sum()),
                      int(ok.sum()))
