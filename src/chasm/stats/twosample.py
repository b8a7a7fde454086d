"""Comparing a share between two independent samples (two survey waves, or two disjoint groups).

WHAT. Score test and score interval for the difference of two published shares, a multiplicity
adjustment for families of such tests, an equivalence (TOST) test to support "stable" claims,
and the minimum detectable change for planning what a difference of a few points can mean.

WHY. A difference of two published shares has variance
``deff1 p1 q1 / n1 + deff2 p2 q2 / n2``; passing effective counts (x_eff = p n / deff,
n_eff = n / deff) to statsmodels gives exactly that. The score (Miettinen-Nurminen) interval
and test are the recommended choices for two independent binomials (Fagerland, Lydersen & Laake
2015, Stat. Methods Med. Res. 24:224-254). "No significant change" is not evidence of no change;
an equivalence test within a stated margin is (Schuirmann 1987; Wellek 2010, Testing
Statistical Hypotheses of Equivalence).

Independence caveat: if both waves reuse the same sampling points, the waves are positively
correlated and the independent-samples variance is conservative (too large).

Worked example: 43% -> 37%, N=1600 each, deff 1.9: z = -2.51, p = 0.012, 95% CI of the change
[-10.6, -1.3] points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def _two_sample_counts(p1, p2, n1, n2, deff1, deff2):
    """Effective counts of both samples, broadcast to a common 1-D shape."""
    check_pct("p1", p1)
    check_pct("p2", p2)
    x1, ne1 = effective_counts(p1, n1, deff1, names=("p1", "n1", "deff1"))
    x2, ne2 = effective_counts(p2, n2, deff2, names=("p2", "n2", "deff2"))
    return [np.atleast_1d(a) for a in broadcast(p1=x1, n1=ne1, p2=x2, n2=ne2)]


def _score_diff_ci(x2: float, n2: float, x1: float, n1: float, alpha: float):
    """Score (Miettinen-Nurminen) interval of p2 - p1 (fractions), by test inversion.

    The interval is ``{v : score-test p-value of H0: p2 - p1 = v >= alpha}``, the same
    definition statsmodels uses for ``method="score"``. statsmodels 0.15 brackets its root
    search from the Wald interval, which fails when the score limit lies outside 1.5x the Wald
    limit (e.g. 30% in a 10% subgroup vs 41.1%); here the bracket is widened by doubling steps.
    Returns None if the inversion is not possible: when a share is 0% or 100%, statsmodels'
    closed-form restricted MLE returns NaN for a range of null values (arccos of an argument
    just outside [-1, 1]); the caller then uses Newcombe's interval.
    """
    from scipy.optimize import brentq
    from statsmodels.stats.proportion import test_proportions_2indep

    def excess(v: float) -> float:
        res = test_proportions_2indep(
            x2, n2, x1, n1, value=v, method="score", compare="diff", correction=True
        )
        return float(res.pvalue) - alpha

    p2, p1 = x2 / n2, x1 / n1
    diff = p2 - p1
    step = max(np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2), 1e-3)
    limits = []
    for direction in (-1.0, 1.0):
        edge = direction * (1.0 - 1e-6)
        inner, width = diff, step
        while True:
            outer = diff + direction * width
            if direction * (outer - edge) >= 0:
                outer = edge
            value = excess(outer)
            if np.isnan(value):
                return None
            if value < 0:
                a, b = sorted((inner, outer))
                try:  # a NaN met inside the bracket makes brentq raise
                    limits.append(brentq(excess, a, b, xtol=1e-12))
                except ValueError:
                    return None
                break
            if outer == edge:
                limits.append(direction)  # the interval reaches the limit
                break
            inner, width = outer, 2.0 * width
    return limits[0], limits[1]


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
    z (score statistic; negative when the share fell), p_value (two-sided) and ci_method
    ("score", or "newcomb" where the score interval cannot be computed, which only happens
    when a share is 0% or 100%). When both shares are 0% (or both 100%) there is no test:
    z and p_value are NaN and ``adjust_pvalues`` leaves them out of the family.

    Formula: ``test_proportions_2indep(x2, ne2, x1, ne1, method="score", compare="diff")`` with
    ``ne = n / deff`` and ``x = p / 100 * ne`` (Miettinen & Nurminen 1985), and the interval
    that inverts it (equal to ``confint_proportions_2indep(..., method="score")`` where that
    converges; see ``_score_diff_ci``). Newcombe (1998) hybrid score interval as fallback.
    """
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        test_proportions_2indep,
    )

    alpha = check_alpha(alpha)
    index = index_of(p1, p2, n1, n2, deff1, deff2)
    x1, ne1, x2, ne2 = _two_sample_counts(p1, p2, n1, n2, deff1, deff2)
    # Both shares 0% (or both 100%): the score statistic is 0/0 (no test possible).
    degenerate = ((x1 == 0) & (x2 == 0)) | ((x1 == ne1) & (x2 == ne2))
    ci = np.full((x1.size, 2), np.nan)
    ci_method = np.full(x1.size, "score", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        test = test_proportions_2indep(x2, ne2, x1, ne1, method="score", compare="diff")
        for i in range(x1.size):
            score = None if degenerate[i] else _score_diff_ci(x2[i], ne2[i], x1[i], ne1[i], alpha)
            if score is None:
                ci_method[i] = "newcomb"
                score = confint_proportions_2indep(
                    x2[i], ne2[i], x1[i], ne1[i], method="newcomb", compare="diff", alpha=alpha
                )
            ci[i] = score
    return frame(
        {
            "diff": (x2 / ne2 - x1 / ne1) * 100.0,
            "ci_low": ci[:, 0] * 100.0,
            "ci_high": ci[:, 1] * 100.0,
            "z": np.where(degenerate, np.nan, test.statistic),
            "p_value": np.where(degenerate, np.nan, test.pvalue),
            "ci_method": ci_method,
        },
        index,
    )


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
    Formula: ``tost_proportions_2indep(x2, ne2, x1, ne1, low=-margin/100, upp=margin/100,
    method="score", compare="diff")`` on effective counts.
    """
    from statsmodels.stats.proportion import tost_proportions_2indep

    alpha = check_alpha(alpha)
    margin_arr = check_positive("margin", margin)
    if (margin_arr >= 100).any():
        raise ValueError(f"margin must be below 100 points, got {margin}")
    index = index_of(p1, p2, n1, n2, deff1, deff2, margin)
    x1, ne1, x2, ne2 = _two_sample_counts(p1, p2, n1, n2, deff1, deff2)
    x1, ne1, x2, ne2, m = broadcast(p1=x1, n1=ne1, p2=x2, n2=ne2, margin=margin_arr)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        p_value = np.array(
            [
                tost_proportions_2indep(
                    a, b, c, d, low=-mm / 100.0, upp=mm / 100.0, method="score", compare="diff"
                ).pvalue
                for a, b, c, d, mm in zip(x2, ne2, x1, ne1, m, strict=True)
            ],
            dtype=float,
        )
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
