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
                   alpha: float = 0.05, steps: ArrayLike | None = None) -> Trend:
    """Logit-linear trend of a series of shares over time, on effective counts.

    ``pct`` one share per wave (percent), ``n`` interviews, ``deff`` design effect (broadcast),
    ``times`` the waves' times in years (at least two distinct). Fits the binomial GLM
    ``logit(pi_i) = a + b (t_i - mean t)`` with ``var_weights = n / deff`` (see the module
    docstring) and returns a :class:`Trend`: slope ``b`` per year with its Wald interval at
    level ``1 - alpha``, the likelihood-ratio test of ``b = 0`` (deviance of the common-share
    model minus that of the trend model, chi-square 1 df) and its quasi-binomial version.

    ``steps`` (optional, one 0/1 column per known break, 1 from the break on) adds a level
    shift per break: the slope is then the drift within segments, its LR test compares the
    model with the shifts and a slope to the one with the shifts only, and the dispersion has
    k - 2 - (number of breaks) df.

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
    shifts = np.empty((k, 0))
    if steps is not None:
        shifts = np.asarray(as_float("steps", steps)).reshape(k, -1)
        if not np.isin(shifts, (0.0, 1.0)).all():
            raise ValueError("steps must be 0/1 columns, one row per wave")
    exog = np.column_stack([np.ones(k), t - t.mean(), shifts])
    if np.linalg.matrix_rank(exog) < exog.shape[1] or k < exog.shape[1]:
        raise ValueError("the breaks leave no variation in time to fit a slope on")
    df_resid = k - exog.shape[1]
    with warnings.catch_warnings():
        # a share of exactly 0% or 100% makes IRLS warn about perfect prediction on the way
        warnings.simplefilter("ignore")
        fit = GLM(share / 100.0, exog, family=families.Binomial(), var_weights=m).fit()
        null_deviance = het.g2 if shifts.shape[1] == 0 else float(GLM(
            share / 100.0, np.delete(exog, 1, axis=1), family=families.Binomial(),
            var_weights=m).fit().deviance)
    slope, se = float(fit.params[1]), float(fit.bse[1])
    z = norm.ppf(1.0 - alpha / 2.0)
    lr = max(float(null_deviance - fit.deviance), 0.0)
    fitted = np.asarray(fit.fittedvalues, dtype=float)
    if df_resid > 0:
        dispersion = float(fit.pearson_chi2 / df_resid)
        p_over = float(f.sf(lr / max(dispersion, 1.0), 1, df_resid))
    else:
        dispersion, p_over = float("nan"), float("nan")
    first, last = int(np.argmin(t)), int(np.argmax(t))
    return Trend(slope=slope, ci_low=slope - z * se, ci_high=slope + z * se,
                 odds_ratio=float(np.exp(slope)), lr_stat=lr, p_value=float(chi2.sf(lr, 1)),
                 dispersion=dispersion, p_value_overdispersed=p_over,
                 fitted_first=float(fitted[first] * 100.0),
                 fitted_last=float(fitted[last] * 100.0), k=k)


# --------------------------------------------------------------------------------------------
# A long, regularly spaced series (a monthly tracker): trend inference that allows for
# autocorrelation.
# --------------------------------------------------------------------------------------------
# WHY. A monthly tracker's months are not independent samples around a line: approval that is
# high this month is high next month. The binomial and quasi-binomial tests above treat every
# month's deviation from the line as new information, so 300 months of slow drift look like
# overwhelming evidence of a trend. Two standard remedies, both reported (they answer the
# same question under different assumptions):
#
# * ordinary least squares with Newey-West (HAC, Bartlett kernel) standard errors (Newey &
#   West 1987): the line as a summary, its uncertainty allowing for any autocorrelation up to
#   ``lags`` months; the answer depends on the lag, so several are reported;
# * a regression with AR(1) errors, ``y_t = a + b t + u_t, u_t = rho u_{t-1} + e_t``, fitted
#   by exact Gaussian maximum likelihood (a profile likelihood in ``rho``, missing months
#   allowed; checked against statsmodels' SARIMAX), and by the two-step Cochrane-Orcutt
#   estimator (Cochrane & Orcutt 1949: rho from the lag-1 correlation of the OLS residuals,
#   then OLS on quasi-differences), the textbook version a reader can redo by hand.
#
# KNOWN BREAKS. A level shift at a known date (a war, a change of question) is not a trend:
# ``steps`` adds one 0/1 column per break (1 from the break on), so the slope is the drift
# within the segments. Break columns are passed as numbers; which months they mark is the
# table layer's business.

@dataclass(frozen=True)
class RobustTrend:
    """One autocorrelation-robust trend fit.

    ``method`` (``newey-west``, ``ar1-ml``, ``cochrane-orcutt``), ``lags`` (HAC lags; 0 for
    the AR(1) fits), ``slope`` per unit of time and its ``se``, ``ci_low``/``ci_high``,
    ``p_value`` (two-sided, normal reference for HAC and ML, t with the regression's residual
    df for Cochrane-Orcutt), ``rho`` the AR(1) coefficient (the lag-1 autocorrelation of the
    OLS residuals for Newey-West), ``k`` the number of observations used.
    """

    method: str
    lags: int
    slope: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    rho: float
    k: int


def _design(y: ArrayLike, times: ArrayLike, steps: ArrayLike | None):
    """Response, times and the design matrix [1, t - mean t, steps...], checked."""
    y = np.atleast_1d(as_float("y", y))
    t = np.atleast_1d(as_float("times", times))
    if y.ndim != 1 or t.shape != y.shape:
        raise ValueError(f"y and times must be 1-D of one length, got {y.shape} and {t.shape}")
    if not (np.isfinite(y).all() and np.isfinite(t).all()):
        raise ValueError("y and times must be finite")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    cols = [np.ones(y.size), t - t.mean()]
    if steps is not None:
        s = as_float("steps", steps)
        s = s.reshape(y.size, -1) if s.size else np.empty((y.size, 0))
        if s.shape[0] != y.size or not np.isin(s, (0.0, 1.0)).all():
            raise ValueError("steps must be 0/1 columns, one row per observation")
        cols += [s[:, j] for j in range(s.shape[1])]
    x = np.column_stack(cols)
    if y.size < x.shape[1] + 3:
        raise ValueError(f"a trend with {x.shape[1] - 2} break(s) needs at least "
                         f"{x.shape[1] + 3} observations, got {y.size}")
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError("a break leaves a segment without variation in time")
    return y, t, x


def lag1_autocorrelation(y: ArrayLike, times: ArrayLike, steps: ArrayLike | None = None) -> float:
    """Lag-1 autocorrelation of the OLS residuals of ``y`` on a line (and the breaks):
    ``sum r_t r_{t-1} / sum r_t^2`` (the Durbin-Watson statistic is about 2 (1 - this))."""
    y, _, x = _design(y, times, steps)
    r = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return float(np.sum(r[1:] * r[:-1]) / np.sum(r * r))


def newey_west_trend(y: ArrayLike, times: ArrayLike, lags: int, steps: ArrayLike | None = None,
                     alpha: float = 0.05) -> RobustTrend:
    """OLS slope of ``y`` on time with Newey-West (Bartlett, ``lags``) standard errors.

    statsmodels' ``OLS(...).fit(cov_type="HAC", cov_kwds={"maxlags": lags})`` with its
    default small-sample correction ``k / (k - p)``; p-value and interval from the normal
    distribution. ``rho`` is :func:`lag1_autocorrelation` (what the HAC errors allow for).
    """
    import statsmodels.api as sm
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    if int(lags) != lags or lags < 0:
        raise ValueError(f"lags must be a whole number >= 0, got {lags!r}")
    y, t, x = _design(y, times, steps)
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": int(lags)})
    b, se = float(fit.params[1]), float(fit.bse[1])
    z = norm.ppf(1 - alpha / 2)
    return RobustTrend("newey-west", int(lags), b, se, b - z * se, b + z * se,
                       float(2 * norm.sf(abs(b / se))), lag1_autocorrelation(y, t, steps), y.size)


def _ar1_transform(y: np.ndarray, x: np.ndarray, gaps: np.ndarray, rho: float):
    """Whitening of a stationary AR(1) observed after ``gaps`` steps: the first observation
    as is, each next one ``(v_t - rho^g v_prev) / sqrt(1 - rho^(2g))``; with the log-Jacobian
    ``-sum log sqrt(1 - rho^(2g))`` of that map (exact for any gap pattern)."""
    r = rho ** gaps
    scale = np.sqrt(1.0 - r * r)
    ys = np.r_[y[0], (y[1:] - r * y[:-1]) / scale]
    xs = np.vstack([x[:1], (x[1:] - r[:, None] * x[:-1]) / scale[:, None]])
    return ys, xs, -float(np.sum(np.log(scale)))


def ar1_trend(y: ArrayLike, times: ArrayLike, steps: ArrayLike | None = None,
              alpha: float = 0.05, step: float | None = None) -> RobustTrend:
    """Linear trend with AR(1) errors by exact Gaussian maximum likelihood.

    ``y = x beta + u`` with ``u`` a stationary AR(1) process on a grid of spacing ``step``
    (default: the smallest gap between times); grid points without an observation (missing
    months) are simply not observed, so an observation ``g`` steps after the previous one has
    correlation ``rho^g`` with it. For a given ``rho`` the exact likelihood is that of OLS on
    the whitened data (:func:`_ar1_transform`, Prais-Winsten extended to gaps); ``beta`` and
    the variance are profiled out and ``rho`` is found by bounded Brent search on the profile
    log-likelihood (deterministic to the last digits, unlike a general optimiser). The
    slope's standard error is the GLS one at the estimated ``rho`` with the ML variance,
    which is what the observed information gives for ``beta`` (``beta`` and ``rho`` are
    asymptotically orthogonal); the tests check it against statsmodels' SARIMAX.
    """
    from scipy.optimize import minimize_scalar
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    y, t, x = _design(y, times, steps)
    step = float(np.min(np.diff(t))) if step is None else float(step)
    pos = np.rint((t - t[0]) / step)
    if np.any(np.abs((t - t[0]) / step - pos) > 1e-6) or np.any(np.diff(pos) <= 0):
        raise ValueError("times do not lie on a regular grid of the given step")
    gaps = np.diff(pos)
    k = y.size

    def profile(rho: float):
        ys, xs, logjac = _ar1_transform(y, x, gaps, rho)
        beta, *_ = np.linalg.lstsq(xs, ys, rcond=None)
        ssr = float(np.sum((ys - xs @ beta) ** 2))
        return -0.5 * k * np.log(ssr / k) + logjac, beta, ssr, xs

    best = minimize_scalar(lambda r: -profile(r)[0], bounds=(-0.999, 0.999), method="bounded",
                           options={"xatol": 1e-12, "maxiter": 500})
    rho = float(best.x)
    _, beta, ssr, xs = profile(rho)
    cov = ssr / k * np.linalg.inv(xs.T @ xs)
    b, se = float(beta[1]), float(np.sqrt(cov[1, 1]))
    z = norm.ppf(1 - alpha / 2)
    return RobustTrend("ar1-ml", 0, b, se, b - z * se, b + z * se,
                       float(2 * norm.sf(abs(b / se))), rho, k)


def cochrane_orcutt_trend(y: ArrayLike, times: ArrayLike, steps: ArrayLike | None = None,
                          alpha: float = 0.05, rho: float | None = None) -> RobustTrend:
    """Two-step Cochrane-Orcutt: ``rho`` (default :func:`lag1_autocorrelation` of the OLS
    residuals), then OLS of ``y_t - rho y_{t-1}`` on ``x_t - rho x_{t-1}`` (the first
    observation dropped); t-based p-value and interval with that regression's residual df.
    The answer moves with the estimate of ``rho``: another estimator of the lag-1
    correlation (Pearson's correlation of the pairs ``(r_{t-1}, r_t)``) is a valid input."""
    import statsmodels.api as sm
    from scipy.stats import t as t_dist

    alpha = check_alpha(alpha)
    y, t, x = _design(y, times, steps)
    rho = lag1_autocorrelation(y, t, steps) if rho is None else float(rho)
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho!r}")
    fit = sm.OLS(y[1:] - rho * y[:-1], x[1:] - rho * x[:-1]).fit()
    b, se = float(fit.params[1]), float(fit.bse[1])
    q = t_dist.ppf(1 - alpha / 2, fit.df_resid)
    return RobustTrend("cochrane-orcutt", 0, b, se, b - q * se, b + q * se,
                       float(fit.pvalues[1]), rho, y.size)
