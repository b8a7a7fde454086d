"""Kitagawa decomposition of a change in a share into composition and within-group change.

WHAT. A share that is a weighted mean of group shares, ``T = sum_g w_g r_g`` (weights summing
to 1), changes between two waves by

``T_2 - T_1 = sum_g (w2_g - w1_g) (r1_g + r2_g) / 2  +  sum_g (r2_g - r1_g) (w1_g + w2_g) / 2``,

the composition part (the groups' sizes changed) and the rate part (the groups changed),
exactly (Kitagawa 1955, "Components of a difference between two rates", JASA 50, 1168-1194;
Das Gupta 1993). :func:`kitagawa` computes both; :func:`composition_range` the range of the
composition part when weights are rounded and some group shares unpublished (known only to
lie in a range, and tied together by each wave's published total): for given weights the
part is linear in the group shares, so its extremes are linear programmes.

WHY. The essay notes that Putin's supporters use the word "traitors" more; if supporters
became more numerous between the waves, the share could move by composition alone. The
decomposition says how much of the observed fall a change in the approval split could
explain at most, given what the published figures leave open.

CONVENTION. Weights are fractions (0-1) summing to 1 per wave; group shares in percent; the
parts in points.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from chasm.stats._validate import ArrayLike, as_float, check_pct


@dataclass(frozen=True)
class Kitagawa:
    """``total_1``, ``total_2`` (the weighted means, percent), ``change`` = total_2 - total_1,
    ``composition`` and ``rate`` (points; they add to ``change``)."""

    total_1: float
    total_2: float
    change: float
    composition: float
    rate: float


def _weights(name: str, w: ArrayLike) -> np.ndarray:
    arr = np.atleast_1d(as_float(name, w))
    if np.any(arr < 0) or not np.isfinite(arr).all() or abs(arr.sum() - 1) > 1e-9:
        raise ValueError(f"{name} must be fractions >= 0 summing to 1, got {arr.tolist()}")
    return arr


def kitagawa(w1: ArrayLike, w2: ArrayLike, r1: ArrayLike, r2: ArrayLike) -> Kitagawa:
    """The two-part decomposition of ``sum w2 r2 - sum w1 r1`` (see module)."""
    a1, a2 = _weights("w1", w1), _weights("w2", w2)
    b1 = np.atleast_1d(check_pct("r1", r1))
    b2 = np.atleast_1d(check_pct("r2", r2))
    if not (a1.shape == a2.shape == b1.shape == b2.shape):
        raise ValueError("w1, w2, r1 and r2 must have one entry per group")
    t1, t2 = float(a1 @ b1), float(a2 @ b2)
    comp = float((a2 - a1) @ (b1 + b2) / 2)
    rate = float((b2 - b1) @ (a1 + a2) / 2)
    return Kitagawa(t1, t2, t2 - t1, comp, rate)


@dataclass(frozen=True)
class CompositionRange:
    """Lowest and highest composition part (points) over everything the published figures
    leave open, and the number of weight combinations (``corners``) solved."""

    low: float
    high: float
    corners: int


def composition_range(w1_options, w2_options, r1_low: ArrayLike, r1_high: ArrayLike,
                      r2_low: ArrayLike, r2_high: ArrayLike, total1: tuple[float, float],
                      total2: tuple[float, float]) -> CompositionRange:
    """Range of the composition part when weights and group shares are only partly known.

    ``w1_options``/``w2_options``: weight vectors (the corners of each wave's rounding box);
    ``r_low``/``r_high``: each group share's range (its rounding interval if published,
    ``[0, 100]`` if not); ``total1``/``total2``: the range of each wave's published total,
    which ties the group shares together (``sum_g w_g r_g`` must lie in it). For each pair of
    weight vectors the composition part is linear in the group shares, so its extremes over
    that polytope are two linear programmes (scipy's HiGHS); the range is over all pairs.
    A pair for which no group shares match both totals is skipped; if none is feasible,
    ValueError.
    """
    from scipy.optimize import linprog

    w1s = [_weights("w1", w) for w in w1_options]
    w2s = [_weights("w2", w) for w in w2_options]
    lo1, hi1, lo2, hi2 = (np.atleast_1d(check_pct(n, v)) for n, v in (
        ("r1_low", r1_low), ("r1_high", r1_high), ("r2_low", r2_low), ("r2_high", r2_high)))
    k = lo1.size
    if not (hi1.size == lo2.size == hi2.size == k) or np.any(lo1 > hi1) or np.any(lo2 > hi2):
        raise ValueError("group-share ranges must be one [low, high] per group")
    t1, t2 = (tuple(float(v) for v in t) for t in (total1, total2))
    bounds = list(zip(np.r_[lo1, lo2], np.r_[hi1, hi2], strict=True))
    lows, highs, used = [], [], 0
    for a1, a2 in itertools.product(w1s, w2s):
        if a1.size != k or a2.size != k:
            raise ValueError("every weight vector needs one entry per group")
        c = np.r_[a2 - a1, a2 - a1] / 2
        a_ub = np.array([np.r_[a1, np.zeros(k)], -np.r_[a1, np.zeros(k)],
                         np.r_[np.zeros(k), a2], -np.r_[np.zeros(k), a2]])
        b_ub = np.array([t1[1], -t1[0], t2[1], -t2[0]])
        low = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        high = linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if low.status == 2 or high.status == 2:  # infeasible: these weights cannot be
            continue
        if not (low.success and high.success):
            raise ValueError(f"linear programme failed: {low.message} / {high.message}")
        lows.append(float(low.fun))
        highs.append(float(-high.fun))
        used += 1
    if not used:
        raise ValueError("no weights and group shares reproduce both published totals")
    return CompositionRange(min(lows), max(highs), used)
