"""Confidence interval for one published share, on the effective sample size.

WHAT. ``share_interval`` turns a published percentage (and, optionally, the range of true
values its wording allows) into a confidence interval that accounts for the survey design.
``korn_graubard_interval`` gives the exact interval on n_eff with the design
degrees-of-freedom factor of Korn & Graubard as an explicit parameter (without it, the
Clopper-Pearson interval on n_eff that ``share_interval`` calls "beta").

WHY. Levada's samples are clustered and weighted, so an SRS interval at n=1600 is too narrow.
Replacing n by Kish's effective size n_eff = n / deff and the count by x_eff = p * n_eff gives
intervals with close to nominal coverage (Franco, Little, Louis & Slud 2019, J. Survey Stat.
Methodol. 7(3):334-364, recommend Wilson on n_eff). Near 0% or 100% Wilson under-covers, so the
exact Clopper-Pearson interval on n_eff is used there. That is *not* the Korn-Graubard interval
(Korn & Graubard 1998, Survey Methodology 24:193-201; R ``survey::svyciprop(method="beta")``):
Korn-Graubard also shrinks n_eff by the design degrees of freedom,
``n_eff (t_{n-1} / t_df)^2`` with ``df`` = primary sampling units minus strata. Levada's
fieldwork facts (``data/raw/levada_fieldwork.csv``: about 137 localities in 50 regions) put df
near 87; ``korn_graubard_interval(..., df=...)`` applies it, and without ``df`` it is the
Clopper-Pearson interval on n_eff, labelled so.

FORMULAS (p = x_eff / n_eff, z = Phi^-1(1 - alpha/2)).
Wilson: centre ``(p + z^2/(2 n)) / (1 + z^2/n)``, half-width
``z sqrt(p(1-p)/n + z^2/(4 n^2)) / (1 + z^2/n)`` with n = n_eff.
Clopper-Pearson on n_eff: ``[Beta^-1(alpha/2; x, n-x+1), Beta^-1(1-alpha/2; x+1, n-x)]`` with
x = x_eff, n = n_eff (0 and 1 at the edges); Korn-Graubard: the same with n = n_eff times the
degrees-of-freedom factor.

ROUNDING AND RANGES. "37%" means a true value in [36.5, 37.5]; "35-40%" means [34.5, 40.5];
"no more than 10%" means [0, 10.5] with no point value. The interval reported for such a figure
is the union of the intervals over every share in the range. Both endpoints of the Wilson and
Clopper-Pearson intervals increase with the share, so that union is exactly
``[lower endpoint at the low end, upper endpoint at the high end]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._validate import (
    ArrayLike,
    as_float,
    broadcast,
    check_alpha,
    check_low_high,
    check_pct,
    effective_counts,
    frame,
    index_of,
)

#: Shares at or below this (or at or above 100 minus this) use the exact (Clopper-Pearson on
#: n_eff) interval under "auto".
EXTREME_PCT = 5.0

_METHODS = ("auto", "wilson", "beta", "jeffreys", "agresti_coull")


def _confint(x_eff: np.ndarray, n_eff: np.ndarray, alpha: float, method: str):
    """statsmodels ``proportion_confint`` on effective counts, as percentages."""
    from statsmodels.stats.proportion import proportion_confint

    # Snap effective counts within 1e-9 of 0 or n_eff to the edge: scipy's Beta quantiles
    # overflow for subnormal shape parameters, and the difference is immaterial.
    x_eff = np.where(x_eff < 1e-9, 0.0, np.where(n_eff - x_eff < 1e-9, n_eff, x_eff))
    low, high = proportion_confint(x_eff, n_eff, alpha=alpha, method=method)
    return np.asarray(low, dtype=float) * 100.0, np.asarray(high, dtype=float) * 100.0


def share_interval(
    pct: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    alpha: float = 0.05,
    method: str = "auto",
    low_pct: ArrayLike | None = None,
    high_pct: ArrayLike | None = None,
) -> pd.DataFrame:
    """Confidence interval (percent) for published shares, one row per share.

    Parameters are broadcast against each other (scalars, arrays or Series; a Series index
    labels the output). ``pct`` is the published point (NaN allowed when a range is given);
    ``n`` the number of interviews behind it; ``deff`` the design effect; ``alpha`` the error
    rate (0.05 for 95%). ``method``: "wilson", "beta" (Clopper-Pearson on n_eff), "jeffreys",
    "agresti_coull", or "auto" = "beta" when the range of possible shares touches
    [0, 5] or [95, 100], else "wilson" (one method per row, so the union rule below is exact).
    ``low_pct``/``high_pct`` give the range of true values consistent with the published
    text; both or neither; a row with NaN in both falls back to the point.

    Returns a DataFrame with columns point, ci_low, ci_high (percent), method and n_eff.
    The interval is the union over [low_pct, high_pct] of the intervals at each share:
    ci_low = interval(low_pct).low and ci_high = interval(high_pct).high (endpoints are
    monotone in the share).
    """
    alpha = check_alpha(alpha)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if (low_pct is None) != (high_pct is None):
        raise ValueError("give both low_pct and high_pct, or neither")
    index = index_of(pct, n, deff, low_pct, high_pct)

    point = check_pct("pct", pct, allow_nan=True)
    low = point if low_pct is None else check_pct("low_pct", low_pct, allow_nan=True)
    high = point if high_pct is None else check_pct("high_pct", high_pct, allow_nan=True)
    point, low, high = (np.atleast_1d(a) for a in broadcast(pct=point, low_pct=low, high_pct=high))
    if (np.isnan(low) != np.isnan(high)).any():
        raise ValueError("low_pct and high_pct must be NaN on the same rows")
    low = np.where(np.isnan(low), point, low)
    high = np.where(np.isnan(high), point, high)
    if np.isnan(low).any():
        raise ValueError("pct is NaN on a row with no low_pct/high_pct: nothing to estimate")
    check_low_high("low_pct", low, "high_pct", high)
    check_low_high("low_pct", low, "pct", point)
    check_low_high("pct", point, "high_pct", high)

    x_low, n_eff = effective_counts(low, n, deff)
    x_high, _ = effective_counts(high, n, deff)
    point, low, high, x_low, x_high, n_eff = broadcast(
        pct=point, low_pct=low, high_pct=high, x_low=x_low, x_high=x_high, n_eff=n_eff
    )

    if method == "auto":
        extreme = (low <= EXTREME_PCT) | (high >= 100.0 - EXTREME_PCT)
        chosen = np.where(extreme, "beta", "wilson")
    else:
        chosen = np.full(np.shape(low), method)
    ci_low = np.full(np.shape(low), np.nan)
    ci_high = np.full(np.shape(low), np.nan)
    for m in np.unique(chosen):
        rows = chosen == m
        ci_low[rows] = _confint(x_low[rows], n_eff[rows], alpha, str(m))[0]
        ci_high[rows] = _confint(x_high[rows], n_eff[rows], alpha, str(m))[1]

    return frame(
        {"point": point, "ci_low": ci_low, "ci_high": ci_high, "method": chosen, "n_eff": n_eff},
        index,
    )


# ----------------------------------------------------------- Korn-Graubard with design degrees
def korn_graubard_interval(
    pct: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    df: ArrayLike | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Exact (Beta) interval for a share on the effective sample size, optionally df-adjusted.

    Without ``df`` this is the Clopper-Pearson interval on ``n_eff = n / deff`` and
    ``x = pct / 100 * n_eff`` (the same as ``share_interval(method="beta")``), labelled
    "clopper-pearson (n_eff)". With the design degrees of freedom ``df`` (for a clustered
    sample, number of PSUs minus number of strata) it is Korn & Graubard's (1998) interval:
    the effective size is first multiplied by ``(t_{n-1}^{-1}(1 - alpha/2) /
    t_{df}^{-1}(1 - alpha/2))^2`` (below 1 when df < n - 1, so the interval widens), as R's
    ``survey::svyciprop(method="beta")`` documents and does with ``n = nrow(design)`` and
    ``df = degf(design)`` (there n_eff is computed as p (1 - p) / var(p), the same thing as
    n / deff). Limits: ``Beta^-1(alpha/2; x, n_eff - x + 1)`` and
    ``Beta^-1(1 - alpha/2; x + 1, n_eff - x)``, 0 at x = 0 and 100 at x = n_eff.
    Levada does not publish its number of sampling points, so ``df`` is a stated assumption.
    Returns point, ci_low, ci_high (percent), n_eff (after the df factor) and method.
    """
    from scipy.stats import beta, t

    alpha = check_alpha(alpha)
    index = index_of(pct, n, deff, df)
    x, n_eff = effective_counts(pct, n, deff)
    n_arr = np.asarray(n, dtype=float)
    if df is None:
        factor = np.ones_like(n_eff)
        label = "clopper-pearson (n_eff)"
    else:
        df_arr = as_float("df", df)
        if (~np.isfinite(df_arr) | (df_arr <= 0)).any():
            raise ValueError(f"df must be finite and > 0, got {df!r}")
        if (n_arr <= 1).any():
            raise ValueError("n must exceed 1 for the degrees-of-freedom factor")
        factor = (t.ppf(1 - alpha / 2, n_arr - 1) / t.ppf(1 - alpha / 2, df_arr)) ** 2
        label = "korn-graubard (df)"
    x, n_eff, factor = broadcast(x=x, n_eff=n_eff, factor=factor)
    point = np.where(n_eff > 0, x / n_eff, np.nan) * 100.0
    n_adj = n_eff * factor
    x_adj = point / 100.0 * n_adj
    with np.errstate(invalid="ignore"):
        low = np.where(x_adj <= 0, 0.0, beta.ppf(alpha / 2, x_adj, n_adj - x_adj + 1))
        high = np.where(x_adj >= n_adj, 1.0, beta.ppf(1 - alpha / 2, x_adj + 1, n_adj - x_adj))
    return frame(
        {
            "point": point,
            "ci_low": low * 100.0,
            "ci_high": high * 100.0,
            "n_eff": n_adj,
            "method": np.full(np.shape(point), label, dtype=object),
        },
        index,
    )
