"""chasm.stats.trend: the trend and heterogeneity tests of a series, against hand derivations,
scipy and statsmodels, and under the null (equal shares)."""

import numpy as np
import pytest
from scipy.stats import chi2, chi2_contingency, kstest

from chasm.stats.trend import heterogeneity, logistic_trend


def test_heterogeneity_by_hand():
    # 40% and 60% of 100 (deff 1): pooled 50%, X^2 = 10^2/25 + 10^2/25 = 8,
    # G^2 = 4 (40 ln 0.8 + 60 ln 1.2)
    res = heterogeneity([40, 60], 100, 1.0)
    assert res.pooled == pytest.approx(50.0)
    assert res.pearson == pytest.approx(8.0)
    assert res.g2 == pytest.approx(4 * (40 * np.log(0.8) + 60 * np.log(1.2)))
    assert res.df == 1
    assert res.p_pearson == pytest.approx(chi2.sf(8.0, 1))


def test_heterogeneity_is_on_effective_counts():
    # n = 200 with deff 2 is the same table as n = 100 with deff 1
    a, b = heterogeneity([40, 60], 200, 2.0), heterogeneity([40, 60], 100, 1.0)
    assert a.pearson == pytest.approx(b.pearson) and a.g2 == pytest.approx(b.g2)


def test_heterogeneity_matches_scipy_contingency():
    pct, n, deff = np.array([19.0, 10.0, 9.0, 9.0]), np.array([1600, 1600, 1600, 1200]), 1.9
    m = n / deff
    table = np.column_stack([pct / 100 * m, (1 - pct / 100) * m])
    res = heterogeneity(pct, n, deff)
    x2, p, dof, _ = chi2_contingency(table, correction=False)
    g2, p_g2, _, _ = chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert (res.pearson, res.p_pearson, res.df) == (pytest.approx(x2), pytest.approx(p), dof)
    assert (res.g2, res.p_g2) == (pytest.approx(g2), pytest.approx(p_g2))


def test_two_waves_trend_is_the_exact_line():
    # two waves: the line goes through both logits, and the LR test is the heterogeneity G^2
    pct, n, t = np.array([43.0, 37.0]), 1600, np.array([2024.2, 2025.3])
    res = logistic_trend(pct, n, 1.9, t)
    logit = np.log(pct / (100 - pct))
    assert res.slope == pytest.approx((logit[1] - logit[0]) / (t[1] - t[0]), rel=1e-6)
    m = n / 1.9
    x = pct / 100 * m
    se = np.sqrt(np.sum(1 / x + 1 / (m - x))) / (t[1] - t[0])
    assert res.ci_high - res.ci_low == pytest.approx(2 * 1.959964 * se, rel=1e-5)
    assert res.lr_stat == pytest.approx(heterogeneity(pct, n, 1.9).g2, rel=1e-6)
    assert res.fitted_first == pytest.approx(43.0) and res.fitted_last == pytest.approx(37.0)
    assert np.isnan(res.dispersion) and np.isnan(res.p_value_overdispersed)
    assert res.k == 2


def test_trend_matches_statsmodels_on_counts():
    import statsmodels.api as sm

    # effective counts that are whole numbers, fitted by statsmodels as a two-column binomial
    pct = np.array([20.0, 25.0, 22.0, 30.0, 35.0, 31.0])
    m = np.full(6, 800.0)
    t = np.array([0.0, 0.5, 1.25, 2.0, 3.0, 4.5])
    counts = np.column_stack([pct / 100 * m, m - pct / 100 * m])
    exog = sm.add_constant(t - t.mean())
    full = sm.GLM(counts, exog, family=sm.families.Binomial()).fit()
    null = sm.GLM(counts, np.ones((6, 1)), family=sm.families.Binomial()).fit()
    res = logistic_trend(pct, 1600, 2.0, t)
    assert res.slope == pytest.approx(full.params[1], rel=1e-8)
    ci = full.conf_int()[1]
    assert (res.ci_low, res.ci_high) == (pytest.approx(ci[0]), pytest.approx(ci[1]))
    assert res.lr_stat == pytest.approx(null.deviance - full.deviance, rel=1e-8)
    assert res.p_value == pytest.approx(chi2.sf(null.deviance - full.deviance, 1), rel=1e-6)
    assert res.dispersion == pytest.approx(full.pearson_chi2 / 4, rel=1e-8)
    assert heterogeneity(pct, 1600, 2.0).g2 == pytest.approx(null.deviance, rel=1e-8)
    assert res.odds_ratio == pytest.approx(np.exp(full.params[1]))


def test_overdispersion_only_weakens_the_trend_test():
    # a zig-zag around a line: far more spread than sampling error; the quasi test is weaker
    pct = np.array([30.0, 45.0, 33.0, 50.0, 38.0, 55.0, 40.0, 58.0])
    res = logistic_trend(pct, 1600, 1.9, np.arange(8.0))
    assert res.dispersion > 1
    assert res.p_value_overdispersed > res.p_value


def test_equal_shares_give_no_trend_and_no_heterogeneity():
    res = logistic_trend([37, 37, 37, 37, 37], 1600, 1.9, [0, 1, 2, 5, 9])
    assert res.lr_stat == pytest.approx(0, abs=1e-9) and res.p_value == pytest.approx(1)
    assert res.slope == pytest.approx(0, abs=1e-9)
    het = heterogeneity([37, 37, 37, 37, 37], 1600, 1.9)
    assert het.pearson == pytest.approx(0, abs=1e-12) and het.g2 == pytest.approx(0, abs=1e-9)
    assert het.p_g2 == pytest.approx(1)


def test_trend_p_values_are_uniform_under_equal_shares():
    # 300 simulated eight-wave series with one true share: the LR and Pearson p-values are
    # close to uniform (a test that could fail: a mis-scaled statistic is far from uniform)
    rng = np.random.default_rng(20251208)
    m, t = 500, np.array([0, 0.1, 1.5, 2.0, 2.1, 3.4, 4.0, 6.0])
    p_trend, p_het = [], []
    for _ in range(300):
        share = rng.binomial(m, 0.3, size=8) / m * 100
        p_trend.append(logistic_trend(share, m, 1.0, t).p_value)
        p_het.append(heterogeneity(share, m, 1.0).p_pearson)
    assert kstest(p_trend, "uniform").pvalue > 0.01
    assert kstest(p_het, "uniform").pvalue > 0.01


def test_a_real_trend_is_found():
    res = logistic_trend([10, 12, 14, 16, 18, 20], 1600, 1.9, np.arange(6.0))
    assert res.slope > 0 and res.p_value < 1e-6 and res.ci_low > 0


@pytest.mark.parametrize("bad", [
    {"pct": [40], "n": 100, "deff": 1.0, "times": [0]},
    {"pct": [40, 120], "n": 100, "deff": 1.0, "times": [0, 1]},
    {"pct": [40, 50], "n": 100, "deff": 0.0, "times": [0, 1]},
    {"pct": [40, 50], "n": 100, "deff": 1.0, "times": [1, 1]},
    {"pct": [40, 50], "n": 100, "deff": 1.0, "times": [0, 1, 2]},
])
def test_bad_arguments_are_rejected(bad):
    with pytest.raises(ValueError):
        logistic_trend(**bad)


# ------------------------------------------------------------------ known breaks (level shifts)
def test_a_pure_level_shift_is_no_drift():
    # logits that are flat within two segments: with the break as a level shift, slope 0 and
    # LR 0; without it, the same data look like a trend
    from chasm.stats.trend import logistic_trend as fit

    pct, t = np.array([19.0, 19.0, 10.0, 10.0, 10.0]), np.array([2021.0, 2022.0, 2022.3, 2024.0,
                                                                    2025.0])
    steps = (t >= 2022.2).astype(float)
    with_break = fit(pct, 1600, 1.9, t, steps=steps)
    assert with_break.slope == pytest.approx(0.0, abs=1e-7)
    assert with_break.lr_stat == pytest.approx(0.0, abs=1e-8)
    assert fit(pct, 1600, 1.9, t).p_value < 1e-6


def test_break_trend_matches_statsmodels_glm_on_counts():
    import statsmodels.api as sm

    pct = np.array([20.0, 25.0, 22.0, 30.0, 35.0, 31.0])
    t = np.arange(6.0)
    steps = (t >= 3).astype(float)
    m = np.full(6, 800.0)
    y = np.column_stack([pct / 100 * m, m - pct / 100 * m])
    full = sm.GLM(y, np.column_stack([np.ones(6), t - t.mean(), steps]),
                  family=sm.families.Binomial()).fit()
    null = sm.GLM(y, np.column_stack([np.ones(6), steps]), family=sm.families.Binomial()).fit()
    res = logistic_trend(pct, 800, 1.0, t, steps=steps)
    assert res.slope == pytest.approx(full.params[1], rel=1e-6)
    assert res.lr_stat == pytest.approx(null.deviance - full.deviance, rel=1e-6)
    assert res.dispersion == pytest.approx(full.pearson_chi2 / 3, rel=1e-6)


# ------------------------------------------------------------ autocorrelation-robust trend tests
from chasm.stats.trend import (  # noqa: E402
    ar1_trend,
    cochrane_orcutt_trend,
    lag1_autocorrelation,
    newey_west_trend,
)


def _ar1_series(k, rho, slope, seed, sigma=1.0):
    rng = np.random.default_rng(seed)
    e = rng.normal(0, sigma, k)
    u = np.empty(k)
    u[0] = e[0] / np.sqrt(1 - rho ** 2)
    for i in range(1, k):
        u[i] = rho * u[i - 1] + e[i]
    t = np.arange(k) / 12.0
    return 50 + slope * t + u, t


def test_newey_west_by_hand():
    # Bartlett-kernel HAC sandwich written out: (X'X)^-1 S (X'X)^-1,
    # S = sum_j w_j (G_j + G_j'), G_j = sum_t e_t e_{t-j} x_t x_{t-j}', w_j = 1 - j/(L+1)
    from scipy.stats import norm

    y, t = _ar1_series(120, 0.7, 0.5, seed=1)
    x = np.column_stack([np.ones(t.size), t - t.mean()])
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    e = y - x @ beta
    lags = 8
    s = (x * e[:, None]).T @ (x * e[:, None])
    for j in range(1, lags + 1):
        g = (x[j:] * e[j:, None]).T @ (x[:-j] * e[:-j, None])
        s += (1 - j / (lags + 1)) * (g + g.T)
    bread = np.linalg.inv(x.T @ x)
    cov = bread @ s @ bread
    res = newey_west_trend(y, t, lags)
    assert res.slope == pytest.approx(beta[1])
    # statsmodels' default HAC has no small-sample factor; either way within 1%
    assert res.se == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-2)
    assert res.p_value == pytest.approx(2 * norm.sf(abs(res.slope / res.se)))
    assert res.rho == pytest.approx(np.sum(e[1:] * e[:-1]) / np.sum(e * e))


def test_ar1_ml_matches_statsmodels_sarimax():
    import statsmodels.api as sm

    from chasm.stats.trend import _ar1_transform

    y, t = _ar1_series(200, 0.8, 1.0, seed=2)
    res = ar1_trend(y, t)
    model = sm.tsa.SARIMAX(y, exog=t - t.mean(), order=(1, 0, 0), trend="c")
    fit = model.fit(disp=False)
    assert res.slope == pytest.approx(fit.params[1], rel=2e-3, abs=2e-3)
    assert res.rho == pytest.approx(fit.params[2], abs=1e-2)
    assert res.se == pytest.approx(fit.bse[1], rel=0.1)  # Hessian vs GLS at rho-hat
    # our optimum is at least as high on statsmodels' own exact likelihood (SARIMAX's
    # intercept is the AR intercept c = mean (1 - rho), sigma2 the innovation variance)
    x = np.column_stack([np.ones(t.size), t - t.mean()])
    ys, xs, _ = _ar1_transform(y, x, np.ones(t.size - 1), res.rho)
    beta = np.linalg.lstsq(xs, ys, rcond=None)[0]
    sigma2 = np.sum((ys - xs @ beta) ** 2) / t.size * (1 - res.rho ** 2)
    ours = model.loglike(np.array([beta[0] * (1 - res.rho), beta[1], res.rho, sigma2]))
    assert ours >= fit.llf - 1e-9


def test_ar1_ml_with_missing_months_matches_sarimax_with_gaps():
    import statsmodels.api as sm

    y, t = _ar1_series(150, 0.85, 0.0, seed=3)
    keep = np.ones(150, bool)
    keep[[10, 11, 40, 90, 91, 92]] = False
    res = ar1_trend(y[keep], t[keep], step=1 / 12)
    grid = np.where(keep, y, np.nan)
    fit = sm.tsa.SARIMAX(grid, exog=t - t[keep].mean(), order=(1, 0, 0),
                         trend="c").fit(disp=False)
    assert res.slope == pytest.approx(fit.params[1], abs=2e-2)
    assert res.rho == pytest.approx(fit.params[2], abs=1e-2)
    assert res.k == keep.sum()


def test_ar1_ml_is_deterministic_to_the_last_digits():
    y, t = _ar1_series(300, 0.9, 0.2, seed=4)
    a, b = ar1_trend(y, t), ar1_trend(y.copy(), t.copy())
    assert a == b


def test_cochrane_orcutt_by_hand():
    import statsmodels.api as sm

    y, t = _ar1_series(100, 0.6, 0.3, seed=5)
    x = np.column_stack([np.ones(100), t - t.mean()])
    e = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    rho = np.sum(e[1:] * e[:-1]) / np.sum(e * e)
    fit = sm.OLS(y[1:] - rho * y[:-1], x[1:] - rho * x[:-1]).fit()
    res = cochrane_orcutt_trend(y, t)
    assert (res.slope, res.se, res.p_value, res.rho) == (
        pytest.approx(fit.params[1]), pytest.approx(fit.bse[1]), pytest.approx(fit.pvalues[1]),
        pytest.approx(rho))
    assert lag1_autocorrelation(y, t) == pytest.approx(rho)


def test_hac_and_ar1_hold_their_size_where_ols_does_not():
    # simulation: no trend, AR(1) errors with rho 0.9, 240 months; naive OLS rejects far more
    # often than 5%, the robust tests far less often
    from scipy.stats import norm

    rej = {"ols": 0, "nw": 0, "ml": 0}
    reps = 200
    for seed in range(reps):
        y, t = _ar1_series(240, 0.9, 0.0, seed=100 + seed)
        x = np.column_stack([np.ones(t.size), t - t.mean()])
        beta, ssr, *_ = np.linalg.lstsq(x, y, rcond=None)
        se = np.sqrt(ssr[0] / (t.size - 2) * np.linalg.inv(x.T @ x)[1, 1])
        rej["ols"] += 2 * norm.sf(abs(beta[1] / se)) < 0.05
        rej["nw"] += newey_west_trend(y, t, 24).p_value < 0.05
        rej["ml"] += ar1_trend(y, t).p_value < 0.05
    # (measured: OLS about 0.6; both robust tests still somewhat liberal at rho 0.9, as is
    # known for short series, rho-hat being biased towards 0)
    assert rej["ols"] / reps > 0.4
    assert rej["nw"] / reps < rej["ols"] / reps / 2
    assert rej["ml"] / reps < min(0.2, rej["ols"] / reps / 3)


def test_breaks_enter_the_robust_fits_as_level_shifts():
    y, t = _ar1_series(120, 0.5, 0.0, seed=6, sigma=0.1)
    steps = (np.arange(120) >= 60).astype(float)
    y = y + 10 * steps  # a jump, no drift
    assert newey_west_trend(y, t, 6).p_value < 1e-6  # the jump looks like a trend
    assert newey_west_trend(y, t, 6, steps).p_value > 0.01
    assert abs(ar1_trend(y, t, steps).slope) < 0.2


@pytest.mark.parametrize("kw, match", [
    ({"y": [1, 2, 3], "times": [0, 1, 2]}, "at least"),
    ({"y": [1, 2, 3, 4, 5, 6], "times": [0, 1, 1, 2, 3, 4]}, "increasing"),
    ({"y": [1, 2, 3, 4, 5, 6], "times": [0, 1, 2, 3, 4, 5], "steps": [0, 0, 2, 1, 1, 1]}, "0/1"),
])
def test_robust_trend_rejects_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        newey_west_trend(lags=2, **kw)
