"""Subgroup columns (age bands, approvers vs the rest) of published tables.

WHAT. Population weights for age bands, the weighted-average identity between a total and its
subgroups (with rounding), the range of an unpublished subgroup cell, the test of a subgroup
against the rest of the sample, Bayes inversion ("what share of an answer comes from group
g"), a binomial GLM on effective counts and the Cochran-Armitage trend test.

WHY. The total column is the population-weighted mean of any partition into subgroups:
``p_T = sum_g w_g p_g`` (law of total probability). That identity checks published figures,
bounds cells that were not published, and gives the share of the rest of the sample needed to
compare a subgroup with everyone else. A subgroup must never be tested against the total it is
part of (the two overlap); since ``p_g - p_T = (1 - w)(p_g - p_rest)`` the right comparison is
with the rest (SPSS CTABLES "adjusted" column tests; expss ``adjusted_first_column``).

CONVENTION. Shares of respondents giving an answer are percentages (0-100). Group weights
``w`` are fractions of the adult population (0-1) that sum to 1 over a partition.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm.stats._validate import (
    ArrayLike,
    broadcast,
    check_alpha,
    check_fraction,
    check_low_high,
    check_pct,
    check_positive,
    effective_counts,
    frame,
    index_of,
    scalar_or_array,
    share_range,
)
from chasm.stats.frechet import Bounds
from chasm.stats.twosample import compare_waves

#: Levada's usual age bands; ``None`` = open upper end (Rosstat's age 100 means 100+).
LEVADA_AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "18-24": (18, 24),
    "25-39": (25, 39),
    "40-54": (40, 54),
    "55+": (55, None),
}

_WEIGHT_TOLERANCE = 1e-6


def population_weights(
    pop: pd.DataFrame,
    bands: Mapping[str, tuple[int, int | None]] = LEVADA_AGE_BANDS,
) -> pd.Series:
    """Population share (fraction, sums to 1) of each age band among the people in all bands.

    ``pop`` has columns ``age`` (single years; the last age is open-ended, e.g. 100 = 100+)
    and ``total`` (persons). ``bands`` maps a label to ``(min_age, max_age)`` inclusive, with
    ``max_age=None`` for an open band. Bands must not overlap. Formula:
    ``w_g = sum_{age in g} total / sum_{age in any band} total``.
    For Rosstat 1 Jan 2024 and Levada's bands: 18-24 9.0%, 25-39 26.1%, 40-54 27.2%, 55+ 37.7%.
    """
    for col in ("age", "total"):
        if col not in pop.columns:
            raise ValueError(f"pop is missing column {col!r}")
    if not bands:
        raise ValueError("bands must contain at least one band")
    age = np.asarray(pop["age"], dtype=float)
    total = np.asarray(pop["total"], dtype=float)
    if (total < 0).any() or np.isnan(total).any():
        raise ValueError("pop['total'] must be non-negative numbers")
    members = {}
    for label, (lo, hi) in bands.items():
        if hi is not None and hi < lo:
            raise ValueError(f"band {label!r}: max_age {hi} is below min_age {lo}")
        members[label] = (age >= lo) & (age <= (np.inf if hi is None else hi))
    covered = np.sum(list(members.values()), axis=0)
    if (covered > 1).any():
        raise ValueError(f"bands overlap at ages {sorted(set(age[covered > 1]))[:5]}")
    counts = pd.Series({label: total[m].sum() for label, m in members.items()}, name="weight")
    if counts.sum() <= 0:
        raise ValueError("no population in the given bands")
    return counts / counts.sum()


def _weights(weights: ArrayLike) -> np.ndarray:
    """Weights as a 1-D array of fractions summing to 1 (ValueError otherwise)."""
    w = np.atleast_1d(check_fraction("weights", weights))
    if w.ndim != 1:
        raise ValueError(f"weights must be one-dimensional, got shape {w.shape}")
    if abs(w.sum() - 1.0) > _WEIGHT_TOLERANCE:
        raise ValueError(f"weights must sum to 1, got {w.sum():.6f}")
    return w


def _by_group(name: str, values, weights, allow_nan: bool = False) -> np.ndarray:
    """Subgroup shares with groups on the last axis, aligned to ``weights`` by label when both
    are labelled (Series index / DataFrame columns / Mapping keys), else by position. A group
    absent from a labelled input becomes NaN (an error unless ``allow_nan``)."""
    if isinstance(weights, pd.Series):
        if isinstance(values, Mapping) and not isinstance(values, pd.Series):
            values = pd.Series(values)
        if isinstance(values, pd.Series):
            values = values.reindex(weights.index)
        elif isinstance(values, pd.DataFrame):
            values = values.reindex(columns=weights.index)
    arr = check_pct(name, values, allow_nan=allow_nan)
    if arr.ndim == 0 or arr.shape[-1] != len(weights):
        raise ValueError(
            f"{name} must have one value per group ({len(weights)}), got shape {arr.shape}"
        )
    return arr


def weighted_total(weights: ArrayLike, shares) -> float | np.ndarray:
    """Population-weighted mean of subgroup shares: ``sum_g w_g p_g`` (percent).

    ``shares``: one value per group (groups on the last axis for many answer rows at once;
    a DataFrame with one column per group, matched to a weights Series by label).
    """
    w = _weights(weights)
    p = _by_group("shares", shares, weights)
    return scalar_or_array(p @ w)


def identity_check(
    total: ArrayLike,
    weights: ArrayLike,
    sub_low,
    sub_high,
    total_low: ArrayLike | None = None,
    total_high: ArrayLike | None = None,
    rounding: float = 0.5,
) -> pd.DataFrame:
    """Is a published total consistent with the weighted mean of its published subgroups?

    The subgroups' true values lie in ``[sub_low, sub_high]`` (a published integer p gives
    [p - 0.5, p + 0.5]; a worded figure its interval), so the implied total lies in
    ``[sum w sub_low, sum w sub_high]``. The published total's true value lies in
    ``[total_low, total_high]`` (default ``total +- rounding``). The two agree when the
    intervals overlap; ``gap`` is the distance between them (0 when consistent).

    Returns a DataFrame (one row per answer row): implied_low, implied_high, total_low,
    total_high, gap (points) and consistent (bool).
    """
    w = _weights(weights)
    lo = _by_group("sub_low", sub_low, weights)
    hi = _by_group("sub_high", sub_high, weights)
    lo, hi = broadcast(sub_low=lo, sub_high=hi)
    check_low_high("sub_low", lo, "sub_high", hi)
    if (total_low is None) != (total_high is None):
        raise ValueError("give both total_low and total_high, or neither")
    if total_low is None:
        if not rounding >= 0:
            raise ValueError(f"rounding must be >= 0, got {rounding}")
        t = check_pct("total", total)
        t_lo, t_hi = np.maximum(t - rounding, 0.0), np.minimum(t + rounding, 100.0)
    else:
        t_lo, t_hi = check_pct("total_low", total_low), check_pct("total_high", total_high)
    implied_lo, implied_hi, t_lo, t_hi = broadcast(
        implied_low=lo @ w, implied_high=hi @ w, total_low=t_lo, total_high=t_hi
    )
    check_low_high("total_low", t_lo, "total_high", t_hi)
    gap = np.maximum.reduce([np.zeros_like(t_lo), implied_lo - t_hi, t_lo - implied_hi])
    return frame(
        {
            "implied_low": implied_lo,
            "implied_high": implied_hi,
            "total_low": t_lo,
            "total_high": t_hi,
            "gap": gap,
            "consistent": gap <= 1e-9,
        },
        index_of(total, total_low),
    )


class MissingCell(NamedTuple):
    """Range (percent) of an unpublished subgroup cell implied by the total and the others.

    ``low``/``high`` are clipped to [0, 100]; ``raw_low``/``raw_high`` are unclipped;
    ``feasible`` is False when the raw range misses [0, 100] entirely (the published figures
    contradict each other).
    """

    low: float | np.ndarray
    high: float | np.ndarray
    raw_low: float | np.ndarray
    raw_high: float | np.ndarray
    feasible: bool | np.ndarray


def solve_missing_subgroup(
    total_low: ArrayLike,
    total_high: ArrayLike,
    weights: ArrayLike,
    known_low,
    known_high,
    missing: str | int,
) -> MissingCell:
    """Back out the range of one unpublished subgroup share from the identity p_T = sum w p.

    ``p_m = (p_T - sum_{g != m} w_g p_g) / w_m`` rises with p_T and falls with each known p_g,
    so ``low = (total_low - sum w_g known_high) / w_m`` and
    ``high = (total_high - sum w_g known_low) / w_m``. ``known_low``/``known_high`` give one
    value per group (the entry of the missing group is ignored and may be NaN); ``missing`` is
    the group's label (weights given as a Series) or position. Groups on the last axis solve
    many answer rows at once.
    """
    w = _weights(weights)
    labels = list(weights.index) if isinstance(weights, pd.Series) else list(range(len(w)))
    if missing not in labels:
        raise ValueError(f"missing must be one of {labels}, got {missing!r}")
    m = labels.index(missing)
    if w[m] == 0:
        raise ValueError(f"group {missing!r} has weight 0: its share is not identified")
    lo = _by_group("known_low", known_low, weights, allow_nan=True)
    hi = _by_group("known_high", known_high, weights, allow_nan=True)
    lo, hi = broadcast(known_low=lo, known_high=hi)
    others = np.arange(len(w)) != m
    if np.isnan(lo[..., others]).any() or np.isnan(hi[..., others]).any():
        raise ValueError("known_low/known_high must not be NaN for the published groups")
    check_low_high("known_low", lo[..., others], "known_high", hi[..., others])
    t_lo, t_hi = check_pct("total_low", total_low), check_pct("total_high", total_high)
    t_lo, t_hi, known_hi, known_lo = broadcast(
        total_low=t_lo,
        total_high=t_hi,
        known_high=hi[..., others] @ w[others],
        known_low=lo[..., others] @ w[others],
    )
    check_low_high("total_low", t_lo, "total_high", t_hi)

    raw_low = (t_lo - known_hi) / w[m]
    raw_high = (t_hi - known_lo) / w[m]
    feasible = (raw_high >= -1e-9) & (raw_low <= 100.0 + 1e-9)  # tolerate float round-off
    return MissingCell(
        low=scalar_or_array(np.clip(raw_low, 0.0, 100.0)),
        high=scalar_or_array(np.clip(raw_high, 0.0, 100.0)),
        raw_low=scalar_or_array(raw_low),
        raw_high=scalar_or_array(raw_high),
        feasible=bool(feasible) if np.ndim(feasible) == 0 else feasible,
    )


def subgroup_vs_rest(
    total: ArrayLike,
    sub: ArrayLike,
    w: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare a subgroup's share with the rest of the sample (not with the total).

    ``p_rest = (p_T - w p_g) / (1 - w)``, ``n_g = w n``, ``n_rest = (1 - w) n``; then the score
    test and interval of ``p_g - p_rest`` on effective counts (each side with design effect
    ``deff``), as in ``chasm.stats.twosample.compare_waves``. ``w`` is the subgroup's fraction of
    the sample (0 < w < 1). Raises ValueError if the implied rest share falls outside 0-100.

    Returns a DataFrame: sub, rest, diff (= sub - rest), ci_low, ci_high, z, p_value.
    Example: 30% among 18-24 (w = 0.10) vs 40% overall, N = 1600, deff 1.9: rest 41.1%,
    z = -1.97, p = 0.048.
    """
    index = index_of(total, sub, w, n, deff)
    t = check_pct("total", total)
    g = check_pct("sub", sub)
    w_arr = check_fraction("w", w, open_interval=True)
    n_arr = check_positive("n", n)
    deff_arr = check_positive("deff", deff)
    t, g, w_arr, n_arr, deff_arr = broadcast(total=t, sub=g, w=w_arr, n=n_arr, deff=deff_arr)
    rest = (t - w_arr * g) / (1.0 - w_arr)
    bad = (rest < -1e-9) | (rest > 100.0 + 1e-9)
    if bad.any():
        raise ValueError(
            f"the implied rest share {rest[bad]} lies outside 0-100: total, sub and w are "
            "inconsistent"
        )
    rest = np.clip(rest, 0.0, 100.0)
    res = compare_waves(rest, g, (1.0 - w_arr) * n_arr, w_arr * n_arr, deff_arr, deff_arr, alpha)
    out = frame({"sub": g, "rest": rest}, index)
    res.index = out.index
    return pd.concat([out, res], axis=1)


def bayes_share_of_answer(
    w_g: ArrayLike | tuple[ArrayLike, ArrayLike],
    p_g: ArrayLike | tuple[ArrayLike, ArrayLike],
    p_total: ArrayLike | tuple[ArrayLike, ArrayLike],
) -> float | np.ndarray | Bounds:
    """Share (percent) of all respondents giving an answer who belong to group g.

    Bayes' rule: ``P(g | answer) = w_g p_g / p_total * 100`` with ``w_g`` the group's fraction
    of the sample (0-1), ``p_g`` the share of the group giving the answer and ``p_total`` the
    share of everyone giving it (percent). Any argument may be a ``(low, high)`` tuple; the
    result is then ``Bounds`` (outer bounds: low from w_low p_low / p_total_high, high from
    w_high p_high / p_total_low, capped at 100). With point inputs a number (or array).
    """
    ranged = any(isinstance(x, tuple) for x in (w_g, p_g, p_total))
    w_lo, w_hi = _fraction_range("w_g", w_g)
    g_lo, g_hi = share_range("p_g", p_g)
    t_lo, t_hi = share_range("p_total", p_total)
    if (t_lo <= 0).any():
        raise ValueError(f"p_total must be > 0, got {p_total!r}")
    w_lo, w_hi, g_lo, g_hi, t_lo, t_hi = broadcast(
        w_g=w_lo, w_g_high=w_hi, p_g=g_lo, p_g_high=g_hi, p_total=t_lo, p_total_high=t_hi
    )
    low = np.minimum(w_lo * g_lo / t_hi * 100.0, 100.0)
    high = np.minimum(w_hi * g_hi / t_lo * 100.0, 100.0)
    if not ranged:
        return scalar_or_array(low)
    return Bounds(scalar_or_array(low), scalar_or_array(high))


def _fraction_range(name: str, value) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) for a fraction given as a point or a (low, high) tuple."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} given as a tuple must be (low, high), got {value!r}")
        lo, hi = check_fraction(f"{name} low", value[0]), check_fraction(f"{name} high", value[1])
        check_low_high(f"{name} low", lo, f"{name} high", hi)
        return lo, hi
    point = check_fraction(name, value)
    return point, point


def binomial_glm(
    df: pd.DataFrame,
    covariates: Sequence[str],
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Logistic regression of published shares on covariates, fitted to effective counts.

    ``df`` has columns ``pct`` (percent), ``n`` (interviews behind each cell), ``deff`` and the
    ``covariates`` (numeric; text columns are one-hot coded with the first level dropped).
    Fits ``sm.GLM(np.column_stack([x_eff, n_eff - x_eff]), X, family=Binomial())`` with
    ``x_eff = pct/100 * n/deff`` and ``n_eff = n/deff`` (scale fixed at 1: the design effect
    enters through n_eff; do not estimate dispersion from a handful of cells).

    Returns a tidy DataFrame indexed by term: coef, se, z, p_value, ci_low, ci_high (log-odds)
    and odds_ratio, or_low, or_high. Warns (UserWarning) if a cell is at 0% or 100%.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    alpha = check_alpha(alpha)
    needed = ["pct", "n", "deff", *covariates]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"df is missing columns {missing}")
    if not covariates:
        raise ValueError("covariates must name at least one column")
    x_eff, n_eff = effective_counts(
        check_pct("pct", df["pct"]), df["n"].to_numpy(), df["deff"].to_numpy()
    )
    X = pd.get_dummies(df[list(covariates)], drop_first=True, dtype=float)
    X = sm.add_constant(X, has_constant="add")
    if ((x_eff == 0) | (x_eff == n_eff)).any():
        warnings.warn(
            "binomial_glm: a cell at 0% or 100% can make coefficients infinite (separation)",
            UserWarning,
            stacklevel=2,
        )
    model = sm.GLM(np.column_stack([x_eff, n_eff - x_eff]), X, family=sm.families.Binomial())
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # statsmodels flags "perfect prediction" whenever fitted shares equal the observed
        # ones, i.e. for every saturated grouped model; that is not separation here.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = model.fit()
    ci = fit.conf_int(alpha=alpha)
    out = pd.DataFrame(
        {
            "coef": fit.params,
            "se": fit.bse,
            "z": fit.tvalues,
            "p_value": fit.pvalues,
            "ci_low": ci[0],
            "ci_high": ci[1],
        }
    )
    out["odds_ratio"] = np.exp(out["coef"])
    out["or_low"] = np.exp(out["ci_low"])
    out["or_high"] = np.exp(out["ci_high"])
    out.index.name = "term"
    return out


def trend_test(
    pcts: ArrayLike,
    n_effs: ArrayLike,
    scores: ArrayLike | None = None,
) -> pd.Series:
    """Cochran-Armitage test for a linear trend of a share across ordered groups.

    Builds the k x 2 table of effective counts ``[n_eff (1 - p), n_eff p]`` (not chosen,
    chosen) and runs statsmodels ``Table(tab).test_ordinal_association(row_scores=scores)``,
    the linear-by-linear association test, which with 0/1 column scores is the
    Cochran-Armitage test (Agresti 2013, Categorical Data Analysis, sec. 3.4.6; it uses the
    permutation variance, a factor N/(N-1) from the binomial form). ``scores`` default to
    0..k-1 (use e.g. age-band midpoints). ``n_effs`` are effective sizes (n_g / deff).

    Returns a Series with z (positive when the share rises with the score) and p_value
    (two-sided).
    """
    from statsmodels.stats.contingency_tables import Table

    p = np.atleast_1d(check_pct("pcts", pcts)) / 100.0
    ne = np.atleast_1d(check_positive("n_effs", n_effs))
    p, ne = broadcast(pcts=p, n_effs=ne)
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"pcts must be one-dimensional with at least 2 groups, got {p.shape}")
    s = (
        np.arange(p.size, dtype=float)
        if scores is None
        else np.atleast_1d(np.asarray(scores, dtype=float))
    )
    if s.shape != p.shape:
        raise ValueError(f"mismatched lengths: pcts {p.shape}, scores {s.shape}")
    if np.unique(s).size < 2:
        raise ValueError("scores must not all be equal")
    tab = np.column_stack([ne * (1.0 - p), ne * p])
    res = Table(tab).test_ordinal_association(row_scores=s, col_scores=np.array([0.0, 1.0]))
    return pd.Series({"z": float(res.zscore), "p_value": float(res.pvalue)})
