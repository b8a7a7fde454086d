"""How far a two-sample verdict is from flipping: margins, tipping points, power, Bayes shares.

WHAT. Pure functions (published percentages and sample sizes in, numbers out) that turn the
score tests of ``chasm.stats.twosample`` around: the smallest equivalence margin the data can
support, the design effect, sample size or answering shift at which a wave comparison crosses
its significance level, the power of the score test for a given true change and the change it
detects with given power, and the share of an answer given by a subgroup with its interval.

WHY. A verdict "significant" or "stable within +-3 points" is only as firm as the distance to
the value of an assumption at which it would flip. Levada publishes one design effect for all
questions, rounds to whole points, and answers to a sensitive question may drift between waves
for reasons other than opinion (preference falsification); each tipping point says how large
that departure must be before the verdict changes. An equivalence margin that the sample size
cannot reach even with zero observed change makes "no evidence of stability" a statement about
the survey, not about opinion.

CONVENTIONS. Shares and margins in percentage points (0-100), design effects as in
``chasm.stats.design``; every test is the Miettinen-Nurminen score test on effective counts
(``n_eff = n / deff``), as in ``twosample.compare_waves`` and ``twosample.equivalence_test``.
Each tipping point is found by Brent's method on ``p - alpha`` and is NaN where no value in the
searched range crosses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._roots import brentq_rows
from chasm.stats._validate import (
    ArrayLike,
    broadcast,
    check_alpha,
    check_fraction,
    check_pct,
    check_positive,
    effective_counts,
    frame,
    index_of,
    scalar_or_array,
)
from chasm.stats.rounding import noise_score_test
from chasm.stats.twosample import (
    constrained_mle,
    score_test,
    tost_pvalue,
)

#: Root tolerances: absolute and relative (Brent's method stops within ``_XTOL + _RTOL*|x|``).
#: Tight enough that another machine's last-bit differences, which can move a root by up to
#: the tolerance, stay below the 10 significant digits that every output is written at
#: (``chasm.data.write.SIGNIFICANT_DIGITS``).
_XTOL = 1e-13
_RTOL = 4e-15


def _pvalue_rows(p1, p2, n1, n2, deff1, deff2, v) -> np.ndarray:
    """Two-sided score p-value of each change p1 -> p2 (percent; arrays broadcast), NaN
    where both are 0 or 100; where ``v`` > 0 (points^2 of rounding noise) the noise-widened
    test the verdicts read (``chasm.stats.rounding.noise_score_test``), elsewhere the score
    test itself (``chasm.stats.twosample.score_test``)."""
    p1, p2, n1, n2, deff1, deff2, v = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(
        p1, p2, n1, n2, deff1, deff2, v))
    out = np.full(p1.shape, np.nan)
    noisy = v > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        if noisy.any():
            i = noisy
            p = noise_score_test(p1[i], p2[i], n1[i], n2[i], deff1[i], deff2[i], v[i])[1]
            out[i] = np.where((p1[i] == p2[i]) & ((p1[i] == 0.0) | (p1[i] == 100.0)), np.nan, p)
        if not noisy.all():
            i = ~noisy
            ne1, ne2 = n1[i] / deff1[i], n2[i] / deff2[i]
            out[i] = score_test(p1[i] / 100 * ne1, ne1, p2[i] / 100 * ne2, ne2)[1]
    return out


def _shifted_excess(a, b, m1, m2, e1, e2, v, steps, wave, alpha) -> np.ndarray:
    """``p - alpha`` of the change with ``steps`` added to one wave's share, all steps at once
    (arguments broadcast against ``steps``: one row of steps per comparison); NaN where both
    shares are 0 or 100."""
    q1, q2 = (np.broadcast_to(a, steps.shape), b + steps) if wave == 2 else (
        a + steps, np.broadcast_to(b, steps.shape))
    q1, q2 = np.clip(q1, 0.0, 100.0), np.clip(q2, 0.0, 100.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = noise_score_test(q1, q2, m1, m2, e1, e2, v)[1]
    degenerate = ((q1 == 0) & (q2 == 0)) | ((q1 == 100) & (q2 == 100))
    return np.where(degenerate, np.nan, p) - alpha


def _rows(**arrays: ArrayLike) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """The broadcast shape of the arguments and each of them flattened to that size."""
    arrs = broadcast(**arrays)
    return np.shape(arrs[0]), [np.ravel(a).astype(float) for a in arrs]


def _root_per_row(size: int, excess, lo: float, hi: float, rising: bool,
                  xtol: float) -> np.ndarray:
    """For each of ``size`` rows, the ``x`` in [lo, hi] where ``excess(x, rows)`` (p - alpha of
    those rows at ``x``, an array) crosses zero, by Brent's method on all rows at once
    (``chasm.stats._roots.brentq_rows``: scipy's ``brentq`` steps); NaN where it does not
    cross in the range. ``rising``: p grows with x (a design effect), else it falls (a sample
    size)."""
    every = np.arange(size)
    f_lo, f_hi = excess(np.full(size, lo), every), excess(np.full(size, hi), every)
    crosses = (f_lo < 0) & (0 < f_hi) if rising else (f_hi < 0) & (0 < f_lo)
    rows = np.flatnonzero(np.isfinite(f_lo) & np.isfinite(f_hi) & crosses)
    out = np.full(size, np.nan)
    out[rows] = brentq_rows(lambda x, k: excess(x, rows[k]), np.full(rows.size, lo),
                            np.full(rows.size, hi), xtol=xtol, rtol=_RTOL)
    return out


def _shaped(out: np.ndarray, shape: tuple[int, ...], index) -> float | np.ndarray | pd.Series:
    """A float for scalar arguments, an array of the arguments' shape, or a Series."""
    if index is not None and out.size == len(index):
        return pd.Series(out, index=index)
    return scalar_or_array(out.reshape(shape))


# ------------------------------------------------------------------------ equivalence margins
def smallest_equivalence_margin(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: float = 0.05,
) -> float | np.ndarray:
    """Smallest symmetric margin (points) at which TOST would establish ``|p2 - p1| < margin``.

    The root in ``m`` of ``tost_pvalue(..., m) = alpha`` (the TOST p-value falls as the margin
    widens): for any wider margin ``equivalence_test`` says "equivalent" at level alpha. It is
    also the larger absolute limit of the (1 - 2 alpha) score interval of the change.
    With ``p1 == p2`` it is the smallest margin the design can reach at that share at all
    (the observed change cannot be more favourable than zero): 3.9 points at 40% with
    1600 interviews and deff 1.9 in each wave.
    """
    alpha = check_alpha(alpha)
    index = index_of(p1, p2, n1, n2, deff1, deff2)
    x1, ne1 = effective_counts(p1, n1, deff1, names=("p1", "n1", "deff1"))
    x2, ne2 = effective_counts(p2, n2, deff2, names=("p2", "n2", "deff2"))
    shape, (x1, ne1, x2, ne2) = _rows(x1=x1, n1=ne1, x2=x2, n2=ne2)

    def excess(m, k):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(tost_pvalue(x1[k], ne1[k], x2[k], ne2[k], m), dtype=float) - alpha

    # every row at once, each as Brent's method alone would go (chasm.stats._roots)
    every = np.arange(x1.size)
    low = np.abs(x2 / ne2 - x1 / ne1) + 1e-12
    high = np.full(x1.size, 1.0 - 1e-9)
    at_high = excess(high, every)
    out = np.full(x1.size, np.nan)
    reach = np.flatnonzero(~np.isnan(at_high) & (at_high <= 0))  # else no margin below 100
    at_low = excess(low[reach], reach)
    root = reach[at_low > 0]
    out[reach[at_low <= 0]] = low[reach[at_low <= 0]] * 100
    out[root] = brentq_rows(lambda m, k: excess(m, root[k]), low[root], high[root],
                            xtol=_XTOL, rtol=_RTOL) * 100.0
    return _shaped(out, shape, index)


def equivalence_share_limit(
    margin: float,
    n1: float,
    n2: float,
    deff1: float,
    deff2: float,
    alpha: float = 0.05,
) -> float:
    """Share (percent, at most 50) below which zero change can be shown equivalent within margin.

    With the same share ``p`` in both waves (the most favourable observation), TOST at level
    alpha establishes ``|change| < margin`` exactly when ``p`` lies below the returned value or
    above 100 minus it; 50 when every share qualifies, 0 when none does. Root of
    ``smallest_equivalence_margin(p, p, ...) = margin`` in ``p`` on (0, 50], which increases in
    ``p`` there. With 1600 interviews and deff 1.9 in each wave and a 3-point margin: 16.8%.
    """
    from scipy.optimize import brentq

    alpha = check_alpha(alpha)
    m = float(check_positive("margin", margin))
    if m >= 100:
        raise ValueError(f"margin must be below 100 points, got {margin}")

    def excess(p: float) -> float:
        return float(smallest_equivalence_margin(p, p, n1, n2, deff1, deff2, alpha)) - m

    if excess(50.0) <= 0:
        return 50.0
    tiny = 1e-9
    if excess(tiny) >= 0:
        return 0.0
    return float(brentq(excess, tiny, 50.0, xtol=_XTOL, rtol=_RTOL))


# ---------------------------------------------------------------------------- tipping points
def tipping_deff(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    alpha: ArrayLike = 0.05,
    deff_range: tuple[float, float] = (1e-3, 1e3),
    extra_variance: ArrayLike = 0.0,
) -> float | np.ndarray:
    """Design effect (the same in both waves) at which the two-sided score p-value equals alpha.

    The p-value grows with the design effect (fewer effective interviews), so the change is
    significant at level alpha for every design effect below the returned value and not above
    it. NaN if no design effect in ``deff_range`` crosses (for instance p1 == p2). Holding the
    interviews fixed. For 42.5% -> 37.5% (the least favourable rounding of 43 -> 37) at 1600
    interviews and alpha 0.025 (Holm's threshold for the smaller of two p-values): 1.66.
    Every argument but ``deff_range`` broadcasts (one root per row, all rows at once).
    """
    alpha = check_fraction("alpha", alpha, open_interval=True)
    p1a, p2a = check_pct("p1", p1), check_pct("p2", p2)
    n1a, n2a = check_positive("n1", n1), check_positive("n2", n2)
    lo, hi = (float(v) for v in check_positive("deff_range", deff_range))
    shape, (a, b, m1, m2, v, al) = _rows(p1=p1a, p2=p2a, n1=n1a, n2=n2a,
                                         extra_variance=extra_variance, alpha=alpha)

    def excess(d, k):
        return _pvalue_rows(a[k], b[k], m1[k], m2[k], d, d, v[k]) - al[k]

    out = _root_per_row(a.size, excess, lo, hi, rising=True, xtol=_XTOL)
    return _shaped(out, shape, index_of(p1, p2, n1, n2))


def tipping_n(
    p1: ArrayLike,
    p2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: ArrayLike = 0.05,
    n_ratio: ArrayLike = 1.0,
    n_range: tuple[float, float] = (2.0, 1e9),
    extra_variance: ArrayLike = 0.0,
) -> float | np.ndarray:
    """Interviews in wave 1 (wave 2: ``n_ratio`` times as many) at which p equals alpha.

    The p-value falls as the samples grow, so the change is significant at level alpha with
    more interviews than the returned number and not with fewer. Holding the design effects
    fixed. NaN if no size in ``n_range`` crosses (p1 == p2, or significant already at the
    smallest size). Every argument but ``n_range`` broadcasts.
    """
    alpha = check_fraction("alpha", alpha, open_interval=True)
    ratio = check_positive("n_ratio", n_ratio)
    p1a, p2a = check_pct("p1", p1), check_pct("p2", p2)
    d1, d2 = check_positive("deff1", deff1), check_positive("deff2", deff2)
    lo, hi = (float(v) for v in check_positive("n_range", n_range))
    shape, (a, b, e1, e2, r, v, al) = _rows(p1=p1a, p2=p2a, deff1=d1, deff2=d2, n_ratio=ratio,
                                            extra_variance=extra_variance, alpha=alpha)

    def excess(n, k):
        return _pvalue_rows(a[k], b[k], n, r[k] * n, e1[k], e2[k], v[k]) - al[k]

    out = _root_per_row(a.size, excess, lo, hi, rising=False, xtol=_XTOL)
    return _shaped(out, shape, index_of(p1, p2, deff1, deff2))


def tipping_shift(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: ArrayLike = 0.05,
    wave: int = 2,
    grid: int = 400,
    extra_variance: ArrayLike = 0.0,
) -> float | np.ndarray:
    """Smallest shift (points, signed) added to one wave's share at which the verdict flips.

    A systematic shift in answering between the waves (for instance more respondents hiding a
    view in one wave: preference falsification drift) adds ``s`` points to the share of
    ``wave`` (1 or 2). Returns the ``s`` of smallest absolute value at which the two-sided
    score p-value of the shifted comparison equals alpha: for a significant change the shift
    that makes it non-significant (towards the other wave), for a non-significant one the
    shift that makes it significant (either direction, whichever is nearer). The shifted share
    stays within 0-100; NaN if no such shift exists. Each direction is scanned on ``grid``
    steps for the first sign change of ``p - alpha``, then refined by Brent's method. Every
    argument but ``wave`` and ``grid`` broadcasts (all rows scanned and refined at once).
    """
    alpha = check_fraction("alpha", alpha, open_interval=True)
    if wave not in (1, 2):
        raise ValueError(f"wave must be 1 or 2, got {wave!r}")
    shape, (a, b, m1, m2, e1, e2, v, al) = _rows(
        p1=check_pct("p1", p1), p2=check_pct("p2", p2), n1=check_positive("n1", n1),
        n2=check_positive("n2", n2), deff1=check_positive("deff1", deff1),
        deff2=check_positive("deff2", deff2), extra_variance=extra_variance, alpha=alpha)
    own = b if wave == 2 else a

    def excess(s, k):
        q1, q2 = (a[k], b[k] + s) if wave == 2 else (a[k] + s, b[k])
        return _pvalue_rows(q1, q2, m1[k], m2[k], e1[k], e2[k], v[k]) - al[k]

    base = excess(np.zeros(a.size), np.arange(a.size))
    best = np.full(a.size, np.nan)
    col = (a[:, None], b[:, None], m1[:, None], m2[:, None], e1[:, None], e2[:, None],
           v[:, None])
    for limit in (100.0 - own, -own):
        rows = np.flatnonzero(np.isfinite(base) & (limit != 0))
        if rows.size == 0:
            continue
        steps = np.linspace(0.0, limit[rows], grid + 1, axis=1)
        values = _shifted_excess(*(c[rows] for c in col), steps, wave, al[rows, None])
        values[:, 0] = base[rows]
        flip = (np.isfinite(values[:, 1:])
                & (np.sign(values[:, 1:]) != np.sign(base[rows])[:, None]))
        found = flip.any(axis=1)
        rows, steps, j = rows[found], steps[found], np.argmax(flip[found], axis=1) + 1
        ends = np.sort(np.stack([steps[np.arange(rows.size), j - 1],
                                 steps[np.arange(rows.size), j]]), axis=0)
        root = brentq_rows(lambda s, k, rows=rows: excess(s, rows[k]), ends[0], ends[1],
                           xtol=_XTOL, rtol=_RTOL)
        better = np.isnan(best[rows]) | (np.abs(root) < np.abs(best[rows]))
        best[rows[better]] = root[better]
    return _shaped(best, shape, None)


# ---------------------------------------------------------------------------------- power
def score_test_power(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: float = 0.05,
) -> float | np.ndarray:
    """Power of the two-sided score test of no change when the true shares are p1 and p2.

    Large-sample formula of Farrington & Manning (1990): with ``D = p2 - p1``,
    ``s1 = sqrt(p1 q1 / ne1 + p2 q2 / ne2)`` (variance under the truth) and ``s0`` the null
    standard error the test uses, evaluated at the truth (the pooled share
    ``(ne1 p1 + ne2 p2) / (ne1 + ne2)``, with the N/(N-1) factor),
    ``power = Phi((D - z s0) / s1) + Phi((-D - z s0) / s1)``, ``z = Phi^-1(1 - alpha/2)``.
    At D = 0 it is the size ``2 Phi(-z sqrt(N / (N - 1)))``, a little below alpha.
    """
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    x1, ne1 = effective_counts(p1, n1, deff1, names=("p1", "n1", "deff1"))
    x2, ne2 = effective_counts(p2, n2, deff2, names=("p2", "n2", "deff2"))
    x1, ne1, x2, ne2 = broadcast(x1=x1, n1=ne1, x2=x2, n2=ne2)
    q1, q2 = constrained_mle(x1, ne1, x2, ne2, 0.0)  # pooled share at the truth
    big_n = ne1 + ne2
    s0 = np.sqrt((q1 * (1 - q1) / ne1 + q2 * (1 - q2) / ne2) * big_n / (big_n - 1))
    t1, t2 = x1 / ne1, x2 / ne2
    s1 = np.sqrt(t1 * (1 - t1) / ne1 + t2 * (1 - t2) / ne2)
    z = norm.ppf(1 - alpha / 2)
    d = t2 - t1
    with np.errstate(invalid="ignore", divide="ignore"):
        power = norm.cdf((d - z * s0) / s1) + norm.cdf((-d - z * s0) / s1)
    return scalar_or_array(np.where(s1 == 0, np.where(d == 0, 0.0, 1.0), power))


def detectable_change(
    p1: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: float = 0.05,
    power: float = 0.8,
    direction: int = -1,
) -> float | np.ndarray:
    """Smallest true change (points; sign of ``direction``) the score test detects with power.

    Root in D of ``score_test_power(p1, p1 + D, ...) = power``, D towards ``direction`` (-1 a
    fall, +1 a rise) from wave-1 share p1; NaN if even the largest possible change falls
    short. The exact-variance counterpart of ``twosample.minimum_detectable_change`` (normal
    approximation at a common share), to which it is close away from 0% and 100%. Every
    argument but ``alpha``, ``power`` and ``direction`` broadcasts (one root per row, all rows
    at once; each the root ``scipy.optimize.brentq`` finds for that row alone).
    """
    alpha = check_alpha(alpha)
    target = float(check_fraction("power", power, open_interval=True))
    if direction not in (-1, 1):
        raise ValueError(f"direction must be -1 or 1, got {direction!r}")
    index = index_of(p1, n1, n2, deff1, deff2)
    shape, (a, m1, m2, e1, e2) = _rows(p1=check_pct("p1", p1), n1=n1, n2=n2, deff1=deff1,
                                       deff2=deff2)
    limit = (100.0 - a) if direction > 0 else a

    def excess(size, k):
        return np.asarray(score_test_power(a[k], a[k] + direction * size, m1[k], m2[k], e1[k],
                                           e2[k], alpha), dtype=float) - target

    out = np.full(a.size, np.nan)
    open_ = np.flatnonzero(limit > 0)
    rows = open_[excess(limit[open_], open_) >= 0]  # else even the largest change falls short
    out[rows] = direction * brentq_rows(lambda size, k: excess(size, rows[k]),
                                        np.zeros(rows.size), limit[rows], xtol=_XTOL,
                                        rtol=_RTOL)
    return _shaped(out, shape, index)


# ------------------------------------------------------------------------- Bayes share of an answer
def bayes_share_interval(
    w: ArrayLike,
    p_g: ArrayLike,
    p_total: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share (percent) of an answer given by group g, ``w p_g / p_total``, with its interval.

    ``w`` is the group's fraction of the sample (0 < w < 1), ``p_g`` the group's share giving
    the answer, ``p_total`` everyone's (percent), ``n`` interviews and ``deff`` the design
    effect of both the group and the rest. With the rest of the sample
    ``p_r = (p_total - w p_g) / (1 - w)`` (``chasm.stats.partitions.subgroup_vs_rest``) the
    share is ``s = w p_g / (w p_g + (1 - w) p_r)``, so ``logit s = log(w / (1 - w)) +
    log p_g - log p_r`` with p_g and p_r estimated from the disjoint samples ``w n`` and
    ``(1 - w) n`` (w taken as fixed). Delta method on effective counts x = p n / deff:
    ``var(log p) = (1 - p) / x_eff``; the interval ``logit s +- z sqrt(var_g + var_r)`` is
    mapped back, so it stays inside 0-100. A zero count is replaced by 0.5 in the variance
    only (the interval is then wide, not degenerate). Returns share, ci_low, ci_high, rest.
    """
    from scipy.special import expit
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    index = index_of(w, p_g, p_total, n, deff)
    w_arr = check_fraction("w", w, open_interval=True)
    g, t = check_pct("p_g", p_g) / 100.0, check_pct("p_total", p_total) / 100.0
    n_arr, d_arr = check_positive("n", n), check_positive("deff", deff)
    w_arr, g, t, n_arr, d_arr = broadcast(w=w_arr, p_g=g, p_total=t, n=n_arr, deff=d_arr)
    if (t <= 0).any():
        raise ValueError(f"p_total must be > 0, got {p_total!r}")
    rest = (t - w_arr * g) / (1.0 - w_arr)
    if ((rest < -1e-12) | (rest > 1 + 1e-12)).any():
        raise ValueError("the implied rest share lies outside 0-100: w, p_g and p_total clash")
    rest = np.clip(rest, 0.0, 1.0)
    share = w_arr * g / t
    xg, xr = g * w_arr * n_arr / d_arr, rest * (1 - w_arr) * n_arr / d_arr
    with np.errstate(divide="ignore"):
        var = (1 - g) / np.maximum(xg, 0.5) + (1 - rest) / np.maximum(xr, 0.5)
        centre = np.log(w_arr / (1 - w_arr)) + np.log(np.maximum(g, 0.5 / (w_arr * n_arr / d_arr)))
        centre -= np.log(np.maximum(rest, 0.5 / ((1 - w_arr) * n_arr / d_arr)))
    half = norm.ppf(1 - alpha / 2) * np.sqrt(var)
    low = np.where(g == 0, 0.0, expit(centre - half))
    high = np.where(rest == 0, 1.0, expit(centre + half))
    return frame(
        {"share": share * 100, "ci_low": low * 100, "ci_high": high * 100, "rest": rest * 100},
        index,
    )
