"""Comparing a share between two independent samples (two survey waves, or two disjoint groups).

WHAT. Score test and score interval for the difference of two published shares, a multiplicity
adjustment for families of such tests, an equivalence (TOST) test to support "stable" claims,
and the minimum detectable change for planning what a difference of a few points can mean.

WHY. A difference of two published shares has variance
``deff1 p1 q1 / n1 + deff2 p2 q2 / n2``; binomial inference on effective counts
(x_eff = p n / deff, n_eff = n / deff, non-integer) gives exactly that. The score
(Miettinen-Nurminen) interval and test are the recommended choices for two independent
binomials (Fagerland, Lydersen & Laake 2015, Stat. Methods Med. Res. 24:224-254). "No
significant change" is not evidence of no change; an equivalence test within a stated margin
is (Schuirmann 1987; Wellek 2010, Testing Statistical Hypotheses of Equivalence).

OWN IMPLEMENTATION. The restricted maximum-likelihood estimate behind the score test of a
non-zero difference, its interval and TOST is computed here (``constrained_mle``, the closed
form of Farrington & Manning 1990) rather than by statsmodels 0.15, whose cubic has a wrong
linear coefficient (statsmodels issue #10269, fix unreleased): its score intervals and
equivalence p-values are slightly off (43% -> 37% below: lower limit -10.642 instead of
-10.654). At a null difference of 0 the two agree (pooled share). ``constrained_mle``,
``score_statistic``, ``score_test``, ``score_interval`` and ``tost_pvalue`` work on counts
(fractions); ``compare_waves`` and ``equivalence_test`` take published percentages.

Independence caveat: if both waves reuse the same sampling points, the waves are positively
correlated and the independent-samples variance is conservative (too large).

Worked example: 43% -> 37%, N=1600 each, Levada's deff 1.899: z = -2.51, p = 0.012, 95% CI
of the change [-10.654, -1.321] points (statsmodels 0.15: [-10.642, -1.321]).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from chasm.stats._roots import brentq_rows
from chasm.stats._validate import (
    ArrayLike,
    as_float,
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


def _two_sample_counts(p1, p2, n1, n2, deff1, deff2):
    """Effective counts of both samples, broadcast to a common 1-D shape."""
    check_pct("p1", p1)
    check_pct("p2", p2)
    x1, ne1 = effective_counts(p1, n1, deff1, names=("p1", "n1", "deff1"))
    x2, ne2 = effective_counts(p2, n2, deff2, names=("p2", "n2", "deff2"))
    return [np.atleast_1d(a) for a in broadcast(p1=x1, n1=ne1, p2=x2, n2=ne2)]


# --- Score (Miettinen-Nurminen) inference on counts: the building blocks ----------------------
#
# These take effective counts ``x1, n1, x2, n2`` (any positive reals, x between 0 and n) and a
# null difference ``delta`` of fractions (p2 - p1); they are vectorised with numpy broadcasting.


def _counts(x1, n1, x2, n2, delta=0.0) -> list[np.ndarray]:
    """Counts and null value as float arrays, checked and broadcast."""
    n1, n2 = check_positive("n1", n1), check_positive("n2", n2)
    x1, x2, d = as_float("x1", x1), as_float("x2", x2), as_float("delta", delta)
    for name, x, n in (("x1", x1, n1), ("x2", x2, n2)):
        if (~np.isfinite(x) | (x < 0) | (x > n)).any():
            raise ValueError(f"{name} must lie between 0 and its sample size, got {x}")
    if (~np.isfinite(d) | (np.abs(d) >= 1)).any():
        raise ValueError(f"delta must lie strictly between -1 and 1, got {delta}")
    return broadcast(x1=x1, n1=n1, x2=x2, n2=n2, delta=d)


def _dloglik(x1, n1, x2, n2, p1, p2):
    """Derivative of the log-likelihood along p1 = p2 - delta (a count of 0 adds nothing)."""
    return (
        np.where(x1 > 0, x1 / p1, 0.0)
        - np.where(n1 > x1, (n1 - x1) / (1 - p1), 0.0)
        + np.where(x2 > 0, x2 / p2, 0.0)
        - np.where(n2 > x2, (n2 - x2) / (1 - p2), 0.0)
    )


def constrained_mle(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, delta: ArrayLike
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Maximum-likelihood ``(p1, p2)`` of two binomials under the constraint ``p2 - p1 = delta``.

    Maximises ``x1 log p1 + (n1-x1) log(1-p1) + x2 log p2 + (n2-x2) log(1-p2)`` with
    ``p2 = p1 + delta``. Setting the derivative to zero gives a cubic in p2 whose relevant root
    has the closed trigonometric form of Farrington & Manning (1990, Stat. Med. 9:1447-1454,
    eq. for the difference; the same as Miettinen & Nurminen 1985). With their group 1 = our
    sample 2, theta = n1 / n2 and ph2, ph1 the observed fractions:

    ``a = 1 + theta``, ``b = -(1 + theta + ph2 + theta ph1 + delta (theta + 2))``,
    ``c = delta^2 + delta (2 ph2 + theta + 1) + ph2 + theta ph1``, ``d = -ph2 delta (1 + delta)``;
    ``v = b^3/(3a)^3 - bc/(6a^2) + d/(2a)``, ``u = sign(v) sqrt(b^2/(3a)^2 - c/(3a))``,
    ``w = (pi + arccos(v/u^3)) / 3``, ``p2 = 2u cos(w) - b/(3a)``, ``p1 = p2 - delta``.

    statsmodels 0.15 has count0 where nobs0 belongs in the linear coefficient
    (statsmodels issue #10269), so its restricted estimate is wrong whenever delta != 0; at
    delta = 0 both reduce to the pooled share. Counts may be non-integer (effective counts).
    The arccos argument is clipped to [-1, 1] (rounding can push it just outside at 0% or
    100%, where statsmodels returns NaN) and the result to the feasible range
    ``max(0, delta) <= p2 <= min(1, 1 + delta)``; an end of that range replaces the root
    where its likelihood is higher (a count of 0 or n). At delta = 0 the pooled share
    ``(x1 + x2) / (n1 + n2)`` is returned directly (the root the formula gives there).
    """
    return _constrained_mle(*_counts(x1, n1, x2, n2, delta))


def _constrained_mle(*counts: np.ndarray):
    """:func:`constrained_mle` of counts already checked and broadcast by :func:`_counts`."""
    shape = np.shape(counts[0])
    # always on 1-D arrays: numpy computes some functions of 0-d values (powers, arccos) by
    # another routine than of arrays, and a one-ulp difference in the closed form can end the
    # polishing below one ulp apart; so a scalar call returns exactly its row of an array call
    x1, n1, x2, n2, delta = (np.ravel(a) for a in counts)
    # Near 0% or 100% the closed form loses up to ~1e-8 to cancellation, and where a count is
    # 0 (or n) the maximum can sit on an end of the feasible range. The restricted
    # log-likelihood is concave in p2, so its derivative is decreasing: an end is the maximum
    # where the derivative there points outwards; elsewhere the root is polished by Newton
    # steps kept inside a bracket of the derivative's sign change (bisection where a step
    # leaves it) until p2 stops moving.
    if x1.size <= _ROW_LOOP:
        p2 = np.array(_rows(x1.tolist(), n1.tolist(), x2.tolist(), n2.tolist(),
                            delta.tolist()), dtype=float)
    else:
        low, high, p2 = _closed_form(x1, n1, x2, n2, delta)
        p2 = _polish(x1, n1, x2, n2, delta, low, high, p2)
    p1 = np.clip(p2 - delta, 0.0, 1.0)
    # At delta = 0 the relevant root is the pooled share; taking it directly avoids the
    # cancellation of the trigonometric form when both shares are within 1e-15 of 0 or 1.
    pooled = (x1 + x2) / (n1 + n2)
    p1, p2 = np.where(delta == 0, pooled, p1), np.where(delta == 0, pooled, p2)
    return scalar_or_array(p1.reshape(shape)), scalar_or_array(p2.reshape(shape))


#: Up to this many rows :func:`constrained_mle` polishes each row with Python floats
#: (:func:`_polish_row`); above it, all rows at once with numpy (:func:`_polish`). The two give
#: the same bits (IEEE arithmetic, the same operations in the same order; tested): on a few
#: rows numpy's cost per call, not the arithmetic, is nearly all of the time.
_ROW_LOOP = 8


def _closed_form(x1, n1, x2, n2, delta):
    """The feasible ends ``low``, ``high`` of p2 and the closed-form root, clipped to them
    (Farrington & Manning; see :func:`constrained_mle`), for all rows at once."""
    ph1, ph2 = x1 / n1, x2 / n2
    theta = n1 / n2
    a = 1.0 + theta
    b = -(1.0 + theta + ph2 + theta * ph1 + delta * (theta + 2.0))
    c = delta**2 + delta * (2.0 * ph2 + theta + 1.0) + ph2 + theta * ph1
    d = -ph2 * delta * (1.0 + delta)
    v = b**3 / (3.0 * a) ** 3 - b * c / (6.0 * a**2) + d / (2.0 * a)
    u = np.where(v >= 0, 1.0, -1.0) * np.sqrt(np.maximum(b**2 / (3.0 * a) ** 2 - c / (3.0 * a), 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.clip(np.where(u == 0, 0.0, v / u**3), -1.0, 1.0)
    w = (np.pi + np.arccos(ratio)) / 3.0
    low, high = np.maximum(0.0, delta), np.minimum(1.0, 1.0 + delta)
    return low, high, np.clip(2.0 * u * np.cos(w) - b / (3.0 * a), low, high)


def _rows(x1: list, n1: list, x2: list, n2: list, delta: list) -> list[float]:
    """:func:`_closed_form` then :func:`_polish`, row by row with Python floats: the same IEEE
    operations in the same order (a square as ``x * x``, as numpy squares ``** 2``), and the
    cubes, ``arccos`` and ``cos`` still from numpy over an array of the rows (numpy computes
    these by other routines for single numbers than for arrays), hence the same bits."""
    rows = range(len(x1))
    a = [1.0 + n1[i] / n2[i] for i in rows]
    theta = [n1[i] / n2[i] for i in rows]
    ph1 = [x1[i] / n1[i] for i in rows]
    ph2 = [x2[i] / n2[i] for i in rows]
    b, c, d, three_a = [], [], [], []
    for i in rows:
        t, q1, q2, e = theta[i], ph1[i], ph2[i], delta[i]
        b.append(-((((1.0 + t) + q2) + t * q1) + e * (t + 2.0)))
        c.append((((e * e) + e * ((2.0 * q2 + t) + 1.0)) + q2) + t * q1)
        d.append(((-q2) * e) * (1.0 + e))
        three_a.append(3.0 * a[i])
    cubes = (np.array(b + three_a, dtype=float) ** 3).tolist()
    k = len(x1)
    v, u = [], []
    for i in rows:
        v.append((cubes[i] / cubes[k + i] - (b[i] * c[i]) / (6.0 * (a[i] * a[i])))
                 + d[i] / (2.0 * a[i]))
        inner = (b[i] * b[i]) / (three_a[i] * three_a[i]) - c[i] / three_a[i]
        inner = inner if (inner >= 0 or inner != inner) else 0.0  # np.maximum(inner, 0)
        u.append((1.0 if v[i] >= 0 else -1.0) * (math.sqrt(inner) if inner == inner else inner))
    with np.errstate(invalid="ignore", divide="ignore"):
        u_cubed = np.array(u, dtype=float) ** 3
        ratio = np.clip(np.where(np.array(u) == 0, 0.0, np.array(v) / u_cubed), -1.0, 1.0)
    cos_w = np.cos((np.pi + np.arccos(ratio)) / 3.0).tolist()
    out = []
    for i in rows:
        low, high = max(0.0, delta[i]), min(1.0, 1.0 + delta[i])
        guess = (2.0 * u[i]) * cos_w[i] - b[i] / three_a[i]
        guess = high if guess > high else (low if guess < low else guess)  # np.clip
        out.append(_polish_row(x1[i], n1[i], x2[i], n2[i], delta[i], low, high, guess))
    return out


def _polish(x1, n1, x2, n2, delta, low, high, p2):
    """The restricted root, polished for all rows at once (see :func:`constrained_mle`)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        at_low = _dloglik(x1, n1, x2, n2, low - delta, low) <= 0
        at_high = ~at_low & (_dloglik(x1, n1, x2, n2, high - delta, high) >= 0)
        p2 = np.where(at_low, low, np.where(at_high, high, p2))
        lo, hi = low.astype(float), high.astype(float)
        done = at_low | at_high | (low == high)
        for _ in range(200):
            if done.all():
                break
            q1 = p2 - delta
            grad = _dloglik(x1, n1, x2, n2, q1, p2)
            curv = x1 / q1**2 + (n1 - x1) / (1 - q1) ** 2 + x2 / p2**2 + (n2 - x2) / (1 - p2) ** 2
            lo = np.where(grad > 0, p2, lo)
            hi = np.where(grad < 0, p2, hi)
            step = p2 + grad / curv
            tol = 4e-16 * np.maximum(np.abs(p2), 1e-300)
            # a Newton step within tol is taken even onto a bracket end (a step below half an
            # ulp leaves p2 where it is, which is the end the derivative's sign just set):
            # bisecting there would walk back from the far end of the bracket to the same root
            inside = np.isfinite(step) & (((step > lo) & (step < hi)) | (np.abs(step - p2) <= tol))
            new = np.where(grad == 0, p2, np.where(inside, step, (lo + hi) / 2.0))
            new = np.where(done, p2, new)  # rows already settled (or at an end) stay put
            done = done | (np.abs(new - p2) <= tol) | (hi - lo <= tol)
            p2 = new
    return p2


def _div(a: float, b: float) -> float:
    """``a / b`` as numpy divides (IEEE: +-inf, or NaN for 0/0, where ``b`` is zero)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _dloglik_row(x1: float, n1: float, x2: float, n2: float, p1: float, p2: float) -> float:
    """:func:`_dloglik` of one row, with Python floats (the same operations in the same order)."""
    return (((_div(x1, p1) if x1 > 0 else 0.0)
             - (_div(n1 - x1, 1 - p1) if n1 > x1 else 0.0))
            + (_div(x2, p2) if x2 > 0 else 0.0)) - (_div(n2 - x2, 1 - p2) if n2 > x2 else 0.0)


def _polish_row(x1: float, n1: float, x2: float, n2: float, delta: float, low: float,
                high: float, p2: float) -> float:
    """:func:`_polish` of one row with Python floats: the same IEEE operations in the same
    order (a square as ``x * x``, as numpy squares for ``** 2``), hence the same bits."""
    if _dloglik_row(x1, n1, x2, n2, low - delta, low) <= 0:
        return low
    if _dloglik_row(x1, n1, x2, n2, high - delta, high) >= 0:
        return high
    if low == high:
        return p2
    lo, hi = low, high
    for _ in range(200):
        q1 = p2 - delta
        grad = _dloglik_row(x1, n1, x2, n2, q1, p2)
        a, b, c, d = q1 * q1, 1 - q1, p2 * p2, 1 - p2
        curv = ((_div(x1, a) + _div(n1 - x1, b * b)) + _div(x2, c)) + _div(n2 - x2, d * d)
        if grad > 0:
            lo = p2
        if grad < 0:
            hi = p2
        step = p2 + _div(grad, curv)
        tol = 4e-16 * max(abs(p2), 1e-300)
        inside = math.isfinite(step) and ((lo < step < hi) or abs(step - p2) <= tol)
        new = p2 if grad == 0 else (step if inside else (lo + hi) / 2.0)
        settled = abs(new - p2) <= tol or hi - lo <= tol
        p2 = new
        if settled:
            break
    return p2


def score_statistic(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    delta: ArrayLike = 0.0,
    correction: bool = True,
) -> float | np.ndarray:
    """Miettinen-Nurminen score statistic for ``H0: p2 - p1 = delta`` (fractions).

    ``z = (x2/n2 - x1/n1 - delta) / sqrt(V)`` with the variance at the constrained MLE
    (``constrained_mle``) and Miettinen & Nurminen's factor N/(N-1), N = n1 + n2:
    ``V = (p1~ (1-p1~) / n1 + p2~ (1-p2~) / n2) N / (N - 1)``; ``correction=False`` drops the
    factor (Farrington & Manning's statistic). Decreasing in delta; large and
    positive when the observed difference exceeds delta. NaN where V = 0 and the numerator is
    0 (both shares 0% or both 100% at delta = 0: no test possible); +-inf where V = 0 only.
    Equal to statsmodels' ``test_proportions_2indep(x2, n2, x1, n1, value=delta,
    method="score", correction=True)`` at delta = 0 only (issue #10269).
    """
    x1, n1, x2, n2, delta = _counts(x1, n1, x2, n2, delta)
    p1, p2 = _constrained_mle(x1, n1, x2, n2, delta)
    big_n = n1 + n2
    var = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2
    if correction:
        var = var * big_n / (big_n - 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x2 / n2 - x1 / n1 - delta) / np.sqrt(var)
    return scalar_or_array(z)


def score_test(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    delta: ArrayLike = 0.0,
    alternative: str = "two-sided",
    correction: bool = True,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """``(z, p_value)`` of the score test of ``H0: p2 - p1 = delta`` (fractions).

    ``alternative``: "two-sided" (p = 2 Phi(-|z|)), "larger" (H1: p2 - p1 > delta,
    p = Phi(-z); a non-inferiority or lower equivalence bound) or "smaller" (H1: p2 - p1 <
    delta, p = Phi(z)). Normal reference distribution, as in Miettinen & Nurminen (1985).
    """
    from scipy.stats import norm

    z = np.asarray(score_statistic(x1, n1, x2, n2, delta, correction))
    if alternative == "two-sided":
        p = 2.0 * norm.sf(np.abs(z))
    elif alternative == "larger":
        p = norm.sf(z)
    elif alternative == "smaller":
        p = norm.cdf(z)
    else:
        raise ValueError(f"alternative must be two-sided, larger or smaller, got {alternative!r}")
    return scalar_or_array(z), scalar_or_array(p)


def score_interval(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, alpha: float = 0.05,
    correction: bool = True,
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Score (Miettinen-Nurminen) interval of ``p2 - p1`` (fractions), by test inversion.

    The set ``{delta : |z(delta)| <= z_{1-alpha/2}}`` with ``z`` from ``score_statistic``;
    each limit is the root of ``z(delta) -+ z_{1-alpha/2}`` between the observed difference
    and -1 (lower) or +1 (upper), found by Brent's method to 1e-13 (all rows at once:
    ``chasm.stats._roots.brentq_rows``, scipy's ``brentq`` steps). z is decreasing in delta
    and unbounded at +-1 unless the observed difference is itself -1 or +1, in which case that
    limit is -1 or +1. Arguments broadcast: ``(low, high)`` floats for scalars, arrays
    otherwise.
    For 43% -> 37% on 1600/1.9 = 842.1 effective interviews each: (-0.106550, -0.013199);
    without the N/(N-1) factor (``correction=False``) (-0.106536, -0.013213); statsmodels
    0.15 gives (-0.106429, -0.013201) (issue #10269).
    """
    from scipy.stats import norm


    alpha = check_alpha(alpha)
    crit = norm.ppf(1.0 - alpha / 2.0)
    scalar = all(np.ndim(a) == 0 for a in (x1, n1, x2, n2))
    counts = _counts(x1, n1, x2, n2)
    shape = np.shape(counts[0])
    x1, n1, x2, n2 = (np.ravel(a).astype(float) for a in counts[:4])
    diff = x2 / n2 - x1 / n1
    edge = 1.0 - 1e-12
    out = np.full((2, x1.size), np.nan)
    every = np.arange(x1.size)
    for side, sign in enumerate((-1.0, 1.0)):
        outer = sign * edge
        target = -sign * crit  # z = +crit at the lower limit, -crit at the upper

        def excess(delta, k, target=target):  # z = 0 at the observed difference (also V = 0)
            at_diff = delta == diff[k]  # not evaluated there (diff may be +-1, outside the test)
            with np.errstate(invalid="ignore", divide="ignore"):
                z = np.asarray(score_statistic(x1[k], n1[k], x2[k], n2[k],
                                               np.where(at_diff, 0.0, delta), correction),
                               dtype=float)
            return np.where(at_diff, -target, z - target)

        whole = (sign * diff >= edge) | (np.sign(excess(np.full(x1.size, outer), every)) == sign)
        out[side, whole] = sign * 1.0
        k = np.flatnonzero(~whole)
        ends = np.sort(np.stack([diff[k], np.full(k.size, outer)]), axis=0)
        out[side, k] = brentq_rows(lambda d, j, k=k, f=excess: f(d, k[j]), ends[0], ends[1],
                                   xtol=1e-13, rtol=1e-13)
    if scalar:
        return float(out[0, 0]), float(out[1, 0])
    return out[0].reshape(shape), out[1].reshape(shape)


def compare_pvalues(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
) -> np.ndarray:
    """The two-sided score p-values of :func:`compare_waves` (its ``p_value`` column, NaN
    where both shares are 0% or both 100%), without the intervals: for callers that test
    many corners of rounding ranges and need no interval (the interval's root finding is
    nearly all of ``compare_waves``' cost)."""
    x1, ne1, x2, ne2 = _two_sample_counts(p1, p2, n1, n2, deff1, deff2)
    degenerate = ((x1 == 0) & (x2 == 0)) | ((x1 == ne1) & (x2 == ne2))
    with np.errstate(invalid="ignore", divide="ignore"):
        _, p_value = score_test(x1, ne1, x2, ne2)
    return np.where(degenerate, np.nan, p_value)


def compare_waves(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Change from share ``p1`` (wave 1) to ``p2`` (wave 2), in points, with score CI and test.

    Vectorised over all arguments. Returns a DataFrame with columns
    diff (= p2 - p1, points), ci_low, ci_high (interval of the difference, points),
    z (score statistic; negative when the share fell), p_value (two-sided) and ci_method.

    Formula: ``score_test`` at delta = 0 and ``score_interval`` on effective counts
    ``ne = n / deff``, ``x = p / 100 * ne`` (Miettinen & Nurminen 1985). ci_method is "score"
    on every row except where both shares are 0% (or both 100%): there the score statistic is
    0/0 at delta = 0, z and p_value are NaN (``adjust_pvalues`` leaves them out of the family)
    and the interval is Newcombe's (1998) hybrid score interval (ci_method "newcomb"). One
    share at 0% or 100% is handled by the score interval itself (``constrained_mle`` clips).
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    alpha = check_alpha(alpha)
    index = index_of(p1, p2, n1, n2, deff1, deff2)
    x1, ne1, x2, ne2 = _two_sample_counts(p1, p2, n1, n2, deff1, deff2)
    # Both shares 0% (or both 100%): the score statistic is 0/0 (no test possible).
    degenerate = ((x1 == 0) & (x2 == 0)) | ((x1 == ne1) & (x2 == ne2))
    ci = np.full((x1.size, 2), np.nan)
    ci_method = np.where(degenerate, "newcomb", "score").astype(object)
    with np.errstate(invalid="ignore", divide="ignore"):
        z, p_value = score_test(x1, ne1, x2, ne2)
        score = np.flatnonzero(~degenerate)  # every row's score interval at once
        ci[score, 0], ci[score, 1] = score_interval(x1[score], ne1[score], x2[score],
                                                    ne2[score], alpha)
        for i in np.flatnonzero(degenerate):
            ci[i] = confint_proportions_2indep(
                x2[i], ne2[i], x1[i], ne1[i], method="newcomb", compare="diff", alpha=alpha
            )
    return frame(
        {
            "diff": (x2 / ne2 - x1 / ne1) * 100.0,
            "ci_low": ci[:, 0] * 100.0,
            "ci_high": ci[:, 1] * 100.0,
            "z": np.where(degenerate, np.nan, z),
            "p_value": np.where(degenerate, np.nan, p_value),
            "ci_method": ci_method,
        },
        index,
    )


def tost_pvalue(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, margin: ArrayLike
) -> float | np.ndarray:
    """p-value of two one-sided score tests that ``-margin < p2 - p1 < margin`` (fractions).

    ``max(P(H0: delta <= -margin), P(H0: delta >= margin))`` with ``score_test``
    alternatives "larger" at -margin and "smaller" at +margin (Schuirmann 1987). Below alpha
    exactly when the (1 - 2 alpha) score interval lies inside (-margin, margin).
    """
    _, p_low = score_test(x1, n1, x2, n2, -np.asarray(margin, dtype=float), "larger")
    _, p_upp = score_test(x1, n1, x2, n2, margin, "smaller")
    return scalar_or_array(np.maximum(p_low, p_upp))


def equivalence_test(
    p1: ArrayLike,
    p2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    margin: ArrayLike,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Two one-sided score tests (TOST) that the change p2 - p1 lies within +-``margin`` points.

    Returns a DataFrame with columns diff (points), margin, p_value (the larger of the two
    one-sided p-values) and equivalent (p_value < alpha): "stable within +-margin points".
    Formula: ``tost_pvalue(x1, ne1, x2, ne2, margin / 100)`` on effective counts (the same
    definition as statsmodels' ``tost_proportions_2indep(method="score")``, without its wrong
    restricted estimate, issue #10269).
    """
    alpha = check_alpha(alpha)
    margin_arr = check_positive("margin", margin)
    if (margin_arr >= 100).any():
        raise ValueError(f"margin must be below 100 points, got {margin}")
    index = index_of(p1, p2, n1, n2, deff1, deff2, margin)
    x1, ne1, x2, ne2 = _two_sample_counts(p1, p2, n1, n2, deff1, deff2)
    x1, ne1, x2, ne2, m = broadcast(p1=x1, n1=ne1, p2=x2, n2=ne2, margin=margin_arr)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_value = np.atleast_1d(tost_pvalue(x1, ne1, x2, ne2, m / 100.0))
    return frame(
        {
            "diff": (x2 / ne2 - x1 / ne1) * 100.0,
            "margin": m,
            "p_value": p_value,
            "equivalent": p_value < alpha,
        },
        index,
    )


def minimum_detectable_change(
    p: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float | np.ndarray:
    """Smallest change (points) two waves of ``n`` interviews each detect with given power.

    Normal approximation at a common share p (two-sided test, equal designs):
    ``MDC = (z_{1-alpha/2} + z_{power}) * sqrt(2 p (1 - p) deff / n) * 100``.
    At 50%, N=1600, deff 1.9: 6.8 points; at 5%: 3.0 points (80% power, alpha 0.05).
    """
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    power_f = float(check_fraction("power", power, open_interval=True))
    share = check_pct("p", p) / 100.0
    n_arr = check_positive("n", n)
    deff_arr = check_positive("deff", deff)
    share, n_arr, deff_arr = broadcast(p=share, n=n_arr, deff=deff_arr)
    z = norm.ppf(1.0 - alpha / 2.0) + norm.ppf(power_f)
    return scalar_or_array(z * np.sqrt(2.0 * share * (1.0 - share) * deff_arr / n_arr) * 100.0)
