"""Pick-all-that-apply questions analysed from their published marginals only.

WHAT. In a multiple-response question every option is its own share of respondents, and the
column sums to more than 100%. The marginals alone do not identify joint quantities ("chose A
and B", "chose at least one of", "chose A but none of Y"); this module gives their sharp
bounds, plus the few quantities the marginals do identify (mean number of mentions, the
composition of mentions) and a check that a question must have been multiple response.

WHY. The essay reads joint statements into marginal tables ("half the country chose both...").
The Frechet-Hoeffding bounds are the honest answer to what the published table allows.

FORMULAS (shares a, b, a_i in percent, k options, 100 = everyone):
- pair:          max(0, a + b - 100)        <= P(A and B)      <= min(a, b)
- A but not B:   max(0, a - b)              <= P(A and not B)  <= min(a, 100 - b)
- k-way:         max(0, sum a_i - (k-1)100) <= P(all of them)  <= min a_i
- union:         max(max a_i, sum a_i / m)  <= P(any of them)  <= min(100, sum a_i, 100 - dk)
  (m = maximum number of picks allowed by the card, dk = an exclusive "don't know" share)
- none:          100 - upper(union)         <= P(none)         <= 100 - lower(union)
All are sharp: each end is attained by some respondent-level data set with those marginals.
References: Frechet (1951), Ann. Univ. Lyon 14:53-77; Hoeffding (1940); Manski (2003),
Partial Identification of Probability Distributions, ch. 1-2; Bilder & Loughin (2004),
Biometrics 60:241-248 (multiple-response data).

RANGES. Every share argument may be a point (number, or array for many rows at once) or a
``(low, high)`` *tuple* giving the range of true values (rounding, "35-40%", a confidence
interval). The result is then the outer (Manski) bound: the lowest lower bound and the highest
upper bound over all shares in the ranges. Each bound is monotone in each share, so it is
evaluated at the appropriate end of each range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm.stats._validate import (
    ArrayLike,
    as_float,
    broadcast,
    check_alpha,
    check_pct,
    check_positive,
    frame,
    index_of,
    scalar_or_array,
    share_range,
)

Share = ArrayLike | tuple[ArrayLike, ArrayLike]


class Bounds(NamedTuple):
    """Lower and upper bound of a share, in percent (floats, or arrays for vector input)."""
    low: float | np.ndarray
    high: float | np.ndarray


def _bounds(low: np.ndarray, high: np.ndarray) -> Bounds:
    return Bounds(scalar_or_array(low), scalar_or_array(high))


def _ranges(shares: Sequence[Share], name: str = "shares") -> tuple[np.ndarray, np.ndarray]:
    """Stack the (low, high) ranges of k shares; the options end up on the last axis."""
    if isinstance(shares, tuple | str) or not isinstance(shares, Sequence | np.ndarray | pd.Series):
        raise ValueError(
            f"{name} must be a list (or array/Series) of option shares, got {shares!r}; "
            "give a range for one option as a (low, high) tuple inside the list"
        )
    if len(shares) == 0:
        raise ValueError(f"{name} must contain at least one share")
    pairs = [share_range(f"{name}[{i}]", s) for i, s in enumerate(list(shares))]
    lows = np.stack(broadcast(**{f"{name}[{i}]": lo for i, (lo, _) in enumerate(pairs)}), -1)
    highs = np.stack(broadcast(**{f"{name}[{i}]": hi for i, (_, hi) in enumerate(pairs)}), -1)
    return lows, highs


def _two_ranges(a: Share, b: Share) -> list[np.ndarray]:
    """(a_low, a_high, b_low, b_high) broadcast to one shape."""
    a_lo, a_hi = share_range("a", a)
    b_lo, b_hi = share_range("b", b)
    return broadcast(a=a_lo, a_high=a_hi, b=b_lo, b_high=b_hi)


def pair_bounds(a: Share, b: Share) -> Bounds:
    """Sharp bounds of P(A and B), percent: [max(0, a + b - 100), min(a, b)]."""
    a_lo, a_hi, b_lo, b_hi = _two_ranges(a, b)
    return _bounds(np.maximum(0.0, a_lo + b_lo - 100.0), np.minimum(a_hi, b_hi))


def a_not_b_bounds(a: Share, b: Share) -> Bounds:
    """Sharp bounds of P(A and not B), percent: [max(0, a - b), min(a, 100 - b)]."""
    a_lo, a_hi, b_lo, b_hi = _two_ranges(a, b)
    return _bounds(np.maximum(0.0, a_lo - b_hi), np.minimum(a_hi, 100.0 - b_lo))


def intersection_bounds(shares: Sequence[Share]) -> Bounds:
    """Sharp bounds of P(chose all k options): [max(0, sum - (k - 1) 100), min]."""
    lows, highs = _ranges(shares)
    k = lows.shape[-1]
    return _bounds(np.maximum(0.0, lows.sum(axis=-1) - (k - 1) * 100.0), highs.min(axis=-1))


def union_bounds(
    shares: Sequence[Share],
    max_picks: int | None = None,
    exclusive_dk: Share | None = None,
) -> Bounds:
    """Sharp bounds of P(chose at least one of the options), percent.

    Lower: max(largest share, sum / max_picks) -- with at most m picks per respondent, the
    mentions (sum) are spread over at least sum/m of the sample. Upper: min(100, sum,
    100 - exclusive_dk) -- respondents who gave an exclusive "don't know" chose nothing.
    Raises ValueError if the constraints contradict each other (e.g. sum / m > 100 - dk).
    """
    lows, highs = _ranges(shares)
    low = lows.max(axis=-1)
    if max_picks is not None:
        if not (isinstance(max_picks, int | np.integer) and max_picks >= 1):
            raise ValueError(f"max_picks must be a positive integer, got {max_picks!r}")
        low = np.maximum(low, lows.sum(axis=-1) / max_picks)
    high = np.minimum(100.0, highs.sum(axis=-1))
    if exclusive_dk is not None:
        dk_lo, _ = share_range("exclusive_dk", exclusive_dk)
        low, high, dk_lo = broadcast(union_low=low, union_high=high, exclusive_dk=dk_lo)
        high = np.minimum(high, 100.0 - dk_lo)
    if np.any(low > high + 1e-9):
        raise ValueError(
            "the shares, max_picks and exclusive_dk are inconsistent: the lower bound of the "
            f"union ({low}) exceeds its upper bound ({high})"
        )
    return _bounds(low, np.maximum(high, low))  # absorb floating-point ties


def none_bounds(
    shares: Sequence[Share],
    max_picks: int | None = None,
    exclusive_dk: Share | None = None,
) -> Bounds:
    """Sharp bounds of P(chose none of the options) = 100 - P(any); see ``union_bounds``."""
    union = union_bounds(shares, max_picks=max_picks, exclusive_dk=exclusive_dk)
    return _bounds(100.0 - np.asarray(union.high), 100.0 - np.asarray(union.low))


def a_not_any_bounds(a: Share, others: Sequence[Share]) -> Bounds:
    """Sharp bounds of P(chose A and none of the options ``others``), percent.

    This is A-but-not-U with U the union of ``others`` (known only to lie in its own bounds):
    [max(0, a - sum others), min(a, 100 - max others)]. Both ends are attained (stack the other
    options disjointly inside A, or nest them all outside A).
    """
    union = union_bounds(others)
    return a_not_b_bounds(a, (union.low, union.high))


def mean_mentions(shares: Sequence[ArrayLike] | np.ndarray | pd.Series) -> float | np.ndarray:
    """Mean number of options chosen per respondent: sum of shares / 100.

    Count an exclusive "don't know" as an option if it is in ``shares``. For a 2-D input
    (rows x options) one mean per row.
    """
    arr = _option_matrix(shares)
    return scalar_or_array(arr.sum(axis=-1) / 100.0)


def shares_of_mentions(shares: Sequence[ArrayLike] | np.ndarray | pd.Series):
    """Share of all mentions going to each option: a_i / sum(a) * 100 (sums to 100).

    This is SPSS's "percent of responses", as opposed to the published "percent of cases"
    (respondents). It changes when respondents merely name more options, so use it only to
    describe the composition of answers. A Series keeps its index; 2-D input: per row.
    """
    arr = _option_matrix(shares)
    total = arr.sum(axis=-1, keepdims=True)
    if np.any(total == 0):
        raise ValueError("shares sum to 0: no mentions to divide")
    out = arr / total * 100.0
    if isinstance(shares, pd.Series):
        return pd.Series(out, index=shares.index, name=shares.name)
    return out


def must_be_multiple_response(
    shares: Sequence[ArrayLike] | np.ndarray | pd.Series,
    tolerance: float | None = None,
) -> bool | np.ndarray:
    """True when the published shares cannot come from a single-response question.

    With one answer per respondent the true shares sum to exactly 100; rounding each to an
    integer moves the sum by at most 0.5 per option. So a published sum above
    100 + tolerance (default 0.5 x number of options) proves respondents could pick more than
    one option (or that the table has another error). A sum at or below that bound proves
    nothing either way.
    """
    arr = _option_matrix(shares)
    tol = 0.5 * arr.shape[-1] if tolerance is None else float(as_float("tolerance", tolerance))
    if tol < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    result = arr.sum(axis=-1) > 100.0 + tol
    return bool(result) if np.ndim(result) == 0 else result


def _option_matrix(shares) -> np.ndarray:
    """Point shares as an array with options on the last axis (1-D: one question)."""
    arr = check_pct("shares", shares)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"shares must list at least one option, got {shares!r}")
    return arr


__all__ = [
    "Bounds",
    "pair_bounds",
    "a_not_b_bounds",
    "intersection_bounds",
    "union_bounds",
    "none_bounds",
    "a_not_any_bounds",
    "mean_mentions",
    "shares_of_mentions",
    "must_be_multiple_response",
]


def paired_difference(
    a: ArrayLike,
    b: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Difference of two options of ONE pick-all-that-apply question, same respondents.

    WHAT. ``a`` and ``b`` (percent) are two options' shares among the same respondents (one
    wave, one question); ``n`` the interviews behind them, ``deff`` the design effect
    (n_eff = n / deff, as everywhere in chasm). Returns a DataFrame with one row per pair:
    diff (= a - b, points), se (worst-case standard error, points), se_min (best case),
    z (= diff / se), p_value (two-sided normal), ci_low, ci_high (diff -+ z_{1-alpha/2} se).

    WHY. The two shares come from the same people, so they are paired, not independent: an
    independent-samples test (``chasm.stats.twosample.compare_waves``) is wrong here. Their
    covariance
    depends on the unpublished share p_AB choosing both.

    FORMULA (fractions). Var(a_hat - b_hat) = [a + b - 2 p_AB - (a - b)^2] / n_eff
    (Wild & Seber 1993, "Comparing two proportions from the same survey", The American
    Statistician 47(3):178-181). p_AB is only known to lie in
    its Frechet bounds [max(0, a + b - 1), min(a, b)]; the variance falls as p_AB rises, so
    ``se`` uses p_AB = max(0, a + b - 1) (the largest variance: a conservative, valid test) and
    ``se_min`` uses p_AB = min(a, b). Example: a = 41%, b = 33%, n_eff = 842 gives
    se in [0.93, 2.95] points; the test uses 2.95.

    Shares are points (not (low, high) ranges): to allow for rounding, call it at the least
    favourable ends yourself. Where the worst-case variance is 0 (e.g. a = b = 0) there is no
    test: z and p_value are NaN.
    """
    from scipy.stats import norm


    alpha = check_alpha(alpha)
    index = index_of(a, b, n, deff)
    a_arr = check_pct("a", a) / 100.0
    b_arr = check_pct("b", b) / 100.0
    n_arr = check_positive("n", n)
    deff_arr = check_positive("deff", deff)
    a_arr, b_arr, n_arr, deff_arr = (np.atleast_1d(x) for x in broadcast(
        a=a_arr, b=b_arr, n=n_arr, deff=deff_arr))
    n_eff = n_arr / deff_arr
    diff = a_arr - b_arr
    p_ab_low = np.maximum(0.0, a_arr + b_arr - 1.0)
    p_ab_high = np.minimum(a_arr, b_arr)
    var_worst = np.maximum(a_arr + b_arr - 2.0 * p_ab_low - diff**2, 0.0) / n_eff
    var_best = np.maximum(a_arr + b_arr - 2.0 * p_ab_high - diff**2, 0.0) / n_eff
    se, se_min = np.sqrt(var_worst), np.sqrt(var_best)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.nan)
    p_value = np.where(np.isnan(z), np.nan, 2.0 * norm.sf(np.abs(np.nan_to_num(z))))
    crit = norm.ppf(1.0 - alpha / 2.0)
    return frame(
        {
            "diff": diff * 100.0,
            "se": se * 100.0,
            "se_min": se_min * 100.0,
            "z": z,
            "p_value": p_value,
            "ci_low": (diff - crit * se) * 100.0,
            "ci_high": (diff + crit * se) * 100.0,
        },
        index,
    )


__all__ += ["paired_difference"]
