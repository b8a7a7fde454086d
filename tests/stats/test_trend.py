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
