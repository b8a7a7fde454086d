"""A share over many waves: a linear trend on the logit scale, and whether the shares differ at all.

WHAT. :func:`logistic_trend` fits ``logit(share_i) = a + b * t_i`` (``t`` in years) to the
published shares of a series and tests ``b = 0`` by a likelihood-ratio test; :func:`heterogeneity`
tests that every wave has the same share (a chi-square test on the k x 2 table of effective
counts, Pearson's X^2 and the likelihood-ratio G^2, k - 1 degrees of freedom).

WHY. A series of published shares is a set of independent binomial samples whose sizes are only
known through the design: as everywhere in ``chasm`` each wave counts as its effective counts
``n_eff = n / deff`` and ``x_eff = p n_eff`` (Kish 1965; see ``chasm.stats._validate``), which
need not be whole numbers. The binomial log-likelihood ``sum x log(pi) + (n - x) log(1 - pi)``
is well defined for non-integer counts, so both tests are the usual ones on those counts.

WHY STATSMODELS FOR THE TREND, AND ``var_weights``. The trend is a binomial GLM with the logit
link, fitted by statsmodels' IRLS (``GLM(share, [1, t], family=Binomial(), var_weights=n_eff)``)
rather than by a hand-written Newton iteration: IRLS there is well tested, including shares near
0% or 100%. With the share as the response, ``var_weights=n_eff`` makes the log-likelihood exactly
the binomial one on effective counts (up to a constant), so estimates, deviances and the
likelihood-ratio statistic are those of the counts. ``freq_weights=n_eff`` gives the same
estimates and deviance but counts each wave as ``n_eff`` replicated observations, so its
residual degrees of freedom are ``sum(n_eff) - 2`` instead of ``k - 2``, which is wrong for the
dispersion estimate below (the waves, not the respondents, are the observations of the series).
The heterogeneity test has a closed form (the fitted share under "all equal" is the pooled
share), so it is computed directly; it equals the null deviance of the same GLM, which the tests
check, and scipy's ``chi2_contingency`` on the table of effective counts.

OVERDISPERSION. The binomial trend test assumes that the waves differ only by sampling error
around the line. A long series that moves up and down (approval of the president over 25
years) differs far more than that, and the LR test then finds a "trend" in almost any line. The
quasi-binomial version (McCullagh & Nelder 1989, Generalized Linear Models, sec. 4.5) estimates a
dispersion ``phi = X^2 / (k - 2)`` from the Pearson statistic of the trend model and refers
``LR / phi`` to F(1, k - 2); it is reported beside the binomial test (NaN when k = 2, where the
line fits exactly and nothing is left to estimate phi from). ``phi`` is floored at 1: sampling
error is never less than the design says.

CONVENTION. Shares in percent (0-100), times in years (any origin: the fit centres them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chasm.stats._validate import (
    ArrayLike,
    as_float,
    broadcast,
    check_alpha,
    check_pct,
    effective_counts,
)


@dataclass(frozen=True)
class Trend:
    """A fitted logit-linear trend.

    ``slope`` is the change of the log-odds per year, ``ci_low``/``ci_high`` its Wald interval,
    ``odds_ratio`` = exp(slope) (per year); ``lr_stat`` the likelihood-ratio statistic of
    ``slope = 0`` (1 df) and ``p_value`` its chi-square p-value; ``dispersion`` the Pearson
    dispersion of the trend model (X^2 / (k - 2), NaN for k = 2), ``p_value_overdispersed`` the
    quasi-binomial F test with that dispersion floored at 1; ``fitted_first``/``fitted_last``
    the model's shares (percent) at the first and last time; ``k`` the number of waves.
    """

    slope: float
    ci_low: float
    ci_high: float
    odds_ratio: float
    lr_stat: float
    p_value: float
    dispersion: float
    p_value_overdispersed: float
    fitted_first: float
    fitted_last: float
    k: int


@dataclass(frozen=True)
class Heterogeneity:
    """Chi-square test that every wave has the same share.

    ``pooled`` is the common share (percent) under that hypothesis, ``pearson`` Pearson's X^2
    and ``g2`` the likelihood-ratio statistic, each with ``df`` = k - 1 degrees of freedom and
    p-values ``p_pearson`` and ``p_g2``.
    """

    pooled: float
    pearson: float
    p_pearson: float
    g2: float
    p_g2: float
    df: int


def _series(pct: ArrayLike, n: ArrayLike, deff: ArrayLike, times: ArrayLike | None = None):
    """Effective counts (and times) of a series, 1-D and checked: at least two waves."""
    share = np.atleast_1d(check_pct("pct", pct))
    x_eff, n_eff = effective_counts(share, n, deff)
    arrays = {"pct": share, "x_eff": np.atleast_1d(x_eff), "n_eff": np.atleast_1d(n_eff)}
    if times is not None:
        arrays["times"] = np.atleast_1d(as_float("times", times))
        if not np.isfinite(arrays["times"]).all():
            raise ValueError("times must be finite")
    out = broadcast(**arrays)
    if out[0].ndim != 1 or out[0].size < 2:
        raise ValueError(f"a series needs at least two waves, got {out[0].size}")
    return out


def _xlogy_ratio(x: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``x log(x / expected)``, 0 where x = 0 (the limit)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0) / expected), 0.0)


def heterogeneity(pct: ArrayLike, n: ArrayLike, deff: ArrayLike) -> Heterogeneity:
    """Chi-square test of equal shares across the waves of a series, on effective counts.

    ``pct`` one published share per wave (percent), ``n`` its interviews, ``deff`` the design
    effect (broadcast). With ``x_i = p_i n_i / deff`` and ``m_i = n_i / deff``, the pooled share
    is ``P = sum x / sum m``; Pearson ``X^2 = sum (x_i - m_i P)^2 / (m_i P (1 - P))`` and
    ``G^2 = 2 sum [x_i log(x_i / (m_i P)) + (m_i - x_i) log((m_i - x_i) / (m_i (1 - P)))]``,
    both chi-square with k - 1 df under equal shares. Exactly equal shares give 0 and p = 1.
    A pooled share of 0% or 100% (every wave at the same edge) gives 0 and p = 1 as well.
    """
    from scipy.stats import chi2

    _, x, m = _series(pct, n, deff)
    pooled = float(x.sum() / m.sum())
    df = x.size - 1
    if pooled in (0.0, 1.0):
        return Heterogeneity(pooled * 100.0, 0.0, 1.0, 0.0, 1.0, df)
    expected_yes, expected_no = m * pooled, m * (1.0 - pooled)
    pearson = float(np.sum((x - expected_yes) ** 2 / (m * pooled * (1.0 - pooled))))
    g2 = float(2.0 * np.sum(_xlogy_ratio(x, expected_yes) + _xlogy_ratio(m - x, expected_no)))
    g2 = max(g2, 0.0)  # rounding can leave -1e-13 for equal shares
    return Heterogeneity(pooled * 100.0, pearson, float(chi2.sf(pearson, df)), g2,
                         float(chi2.sf(g2, df)), df)


def logistic_trend(pct: ArrayLike, n: ArrayLike, deff: ArrayLike, times: ArrayLike,
                   alpha: float = 0.05) -> Trend:
    """Logit-linear trend of a series of shares over time, on effective counts.

    ``pct`` one share per wave (percent), ``n`` interviews, ``deff`` design effect (broadcast),
    ``times`` the waves' times in years (at least two distinct). Fits the binomial GLM
    ``logit(pi_i) = a + b (t_i - mean t)`` with ``var_weights = n / deff`` (see the module
    docstring) and returns a :class:`Trend`: slope ``b`` per year with its Wald interval at
    level ``1 - alpha``, the likelihood-ratio test of ``b = 0`` (deviance of the common-share
    model minus that of the trend model, chi-square 1 df) and its quasi-binomial version.

    The LR statistic is 0 (p = 1) when all shares are equal.
    """
    import warnings

    from scipy.stats import chi2, f, norm
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    alpha = check_alpha(alpha)
    share, x, m, t = _series(pct, n, deff, times)
    if np.unique(t).size < 2:
        raise ValueError("times must take at least two distinct values")
    k = share.size
    het = heterogeneity(share, m, 1.0)
    exog = np.column_stack([np.ones(k), t - t.mean()])
    with warnings.catch_warnings():
        # a share of exactly 0% or 100% makes IRLS warn about perfect prediction on the way
        warnings.simplefilter("ignore")
        fit = GLM(share / 100.0, exog, family=families.Binomial(), var_weights=m).fit()
    slope, se = float(fit.params[1]), float(fit.bse[1])
    z = norm.ppf(1.0 - alpha / 2.0)
    lr = max(float(het.g2 - fit.deviance), 0.0)
    fitted = np.asarray(fit.fittedvalues, dtype=float)
    if k > 2:
        dispersion = float(fit.pearson_chi2 / (k - 2))
        p_over = float(f.sf(lr / max(dispersion, 1.0), 1, k - 2))
    else:
        dispersion, p_over = float("nan"), float("nan")
    first, last = int(np.argmin(t)), int(np.argmax(t))
    return Trend(slope=slope, ci_low=slope - z * se, ci_high=slope + z * se,
                 odds_ratio=float(np.exp(slope)), lr_stat=lr, p_value=float(chi2.sf(lr, 1)),
                 dispersion=dispersion, p_value_overdispersed=p_over,
                 fitted_first=float(fitted[first] * 100.0),
                 fitted_last=float(fitted[last] * 100.0), k=k)
