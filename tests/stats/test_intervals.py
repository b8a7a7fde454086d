"""Interval for one published share: Wilson / Korn-Graubard on n_eff, rounding ranges."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta

from chasm.stats.intervals import korn_graubard_interval, share_interval

Z95 = 1.959963984540054


def wilson_by_hand(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval, written out from the textbook formula (fractions)."""
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def korn_graubard_by_hand(p: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper-Pearson on the effective sample (Korn & Graubard 1998), via Beta quantiles."""
    x = p * n
    low = 0.0 if x == 0 else beta.ppf(alpha / 2, x, n - x + 1)
    high = 1.0 if x == n else beta.ppf(1 - alpha / 2, x + 1, n - x)
    return low, high


def test_wilson_matches_hand_formula():
    n_eff = 1600 / 1.9
    low, high = wilson_by_hand(0.37, n_eff)
    out = share_interval(37, 1600, 1.9)
    assert out.loc[0, "method"] == "wilson"
    assert out.loc[0, "point"] == 37
    assert out.loc[0, "n_eff"] == pytest.approx(n_eff)
    assert out.loc[0, "ci_low"] == pytest.approx(low * 100, abs=1e-9)
    assert out.loc[0, "ci_high"] == pytest.approx(high * 100, abs=1e-9)
    # sanity: about +-3.3 points, wider than the SRS +-2.4
    assert 3.0 < (high - low) * 50 < 3.5


@pytest.mark.parametrize("pct", [0.0, 3.0, 5.0, 95.0, 99.0, 100.0])
def test_korn_graubard_at_the_edges(pct):
    n_eff = 1600 / 1.9
    low, high = korn_graubard_by_hand(pct / 100, n_eff)
    out = share_interval(pct, 1600, 1.9)
    assert out.loc[0, "method"] == "beta"
    assert out.loc[0, "ci_low"] == pytest.approx(low * 100, abs=1e-7)
    assert out.loc[0, "ci_high"] == pytest.approx(high * 100, abs=1e-7)


def test_alpha_changes_the_level():
    n_eff = 1600 / 1.9
    z90 = 1.6448536269514722
    low, high = wilson_by_hand(0.5, n_eff, z=z90)
    out = share_interval(50, 1600, 1.9, alpha=0.10, method="wilson")
    assert out.loc[0, "ci_low"] == pytest.approx(low * 100, abs=1e-9)
    assert out.loc[0, "ci_high"] == pytest.approx(high * 100, abs=1e-9)


def test_vectorised_with_series_index():
    pct = pd.Series([37.0, 3.0, 50.0], index=["a", "b", "c"])
    out = share_interval(pct, 1600, 1.9)
    assert list(out.index) == ["a", "b", "c"]
    assert list(out["method"]) == ["wilson", "beta", "wilson"]
    single = share_interval(3.0, 1600, 1.9)
    assert out.loc["b", "ci_high"] == pytest.approx(single.loc[0, "ci_high"])


def test_rounding_range_is_the_union():
    # "37%" = [36.5, 37.5]
    out = share_interval(37, 1600, 1.9, low_pct=36.5, high_pct=37.5)
    n_eff = 1600 / 1.9
    assert out.loc[0, "ci_low"] == pytest.approx(wilson_by_hand(0.365, n_eff)[0] * 100)
    assert out.loc[0, "ci_high"] == pytest.approx(wilson_by_hand(0.375, n_eff)[1] * 100)


def test_bound_only_figure():
    # "no more than 10%": no point, true value in [0, 10.5]; the range touches 0-5% -> beta
    out = share_interval(np.nan, 1600, 1.9, low_pct=0.0, high_pct=10.5)
    n_eff = 1600 / 1.9
    assert np.isnan(out.loc[0, "point"])
    assert out.loc[0, "method"] == "beta"
    assert out.loc[0, "ci_low"] == 0.0
    assert out.loc[0, "ci_high"] == pytest.approx(korn_graubard_by_hand(0.105, n_eff)[1] * 100)


def test_rows_without_range_fall_back_to_the_point():
    out = share_interval([37, 40], 1600, 1.9, low_pct=[36.5, np.nan], high_pct=[37.5, np.nan])
    plain = share_interval(40, 1600, 1.9)
    assert out.loc[1, "ci_low"] == pytest.approx(plain.loc[0, "ci_low"])


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(0, 100),
    width=st.floats(0, 20),
    n=st.floats(50, 5000),
    deff=st.floats(1.0, 3.0),
    method=st.sampled_from(["auto", "wilson", "beta"]),
)
def test_union_equals_dense_grid(low, width, n, deff, method):
    high = min(low + width, 100.0)
    out = share_interval(np.nan, n, deff, method=method, low_pct=low, high_pct=high)
    chosen = out.loc[0, "method"]
    grid = np.linspace(low, high, 401)
    each = share_interval(grid, n, deff, method=chosen)
    assert each["ci_low"].min() == pytest.approx(out.loc[0, "ci_low"], abs=1e-9)
    assert each["ci_high"].max() == pytest.approx(out.loc[0, "ci_high"], abs=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pct": 101}, "pct must be a percentage"),
        ({"pct": -1}, "pct must be a percentage"),
        ({"deff": 0}, "deff must be finite and > 0"),
        ({"deff": -1.9}, "deff must be finite and > 0"),
        ({"n": 0}, "n must be finite and > 0"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": 0}, "alpha"),
        ({"method": "wald"}, "method"),
        ({"pct": [37, 40], "n": [1600, 1600, 1600]}, "mismatched lengths"),
        ({"low_pct": 36.5}, "both low_pct and high_pct"),
        ({"low_pct": 38, "high_pct": 36}, "must not exceed"),
        ({"low_pct": 38, "high_pct": 39}, "must not exceed"),
        ({"pct": np.nan}, "NaN"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    args = {"pct": 37, "n": 1600, "deff": 1.9} | kwargs
    with pytest.raises(ValueError, match=match):
        share_interval(**args)


# ----------------------------------------------------------- Korn-Graubard with design degrees
def test_korn_graubard_without_df_is_clopper_pearson_on_n_eff():
    shares = [0, 3, 37, 99.5, 100]
    kg = korn_graubard_interval(shares, 1600, 1.9)
    cp = share_interval(shares, 1600, 1.9, method="beta")
    np.testing.assert_allclose(kg["ci_low"], cp["ci_low"], atol=1e-9)
    np.testing.assert_allclose(kg["ci_high"], cp["ci_high"], atol=1e-9)
    assert set(kg["method"]) == {"clopper-pearson (n_eff)"}
    # df = n - 1 makes the factor exactly 1
    same = korn_graubard_interval(shares, 1600, 1.9, df=1599)
    np.testing.assert_allclose(same["ci_high"], kg["ci_high"], atol=1e-12)


def test_korn_graubard_hand_example():
    # x = 0 of n_eff: upper limit Beta^-1(0.975; 1, n_eff) = 1 - 0.025^(1 / n_eff) (Beta(1, b)
    # has cdf 1 - (1 - u)^b); x = 1: lower limit Beta^-1(0.025; 1, n_eff) = 1 - 0.975^(1/n_eff).
    from scipy.stats import t

    out = korn_graubard_interval([0, 10], 10, 1.0)
    assert out["ci_high"][0] == pytest.approx((1 - 0.025 ** (1 / 10)) * 100, abs=1e-9)
    assert out["ci_low"][1] == pytest.approx((1 - 0.975 ** (1 / 10)) * 100, abs=1e-9)
    # df = 4 of a 10-interview design: n_eff * (t_9 / t_4)^2 = 10 * (2.262157 / 2.776445)^2
    factor = (t.ppf(0.975, 9) / t.ppf(0.975, 4)) ** 2
    assert factor == pytest.approx((2.262157 / 2.776445) ** 2, rel=1e-6)
    df4 = korn_graubard_interval(0, 10, 1.0, df=4).iloc[0]
    assert df4["n_eff"] == pytest.approx(10 * factor)
    assert df4["ci_high"] == pytest.approx((1 - 0.025 ** (1 / (10 * factor))) * 100, abs=1e-9)
    assert df4["ci_high"] > out["ci_high"][0] and df4["method"] == "korn-graubard (df)"


def test_korn_graubard_fewer_degrees_of_freedom_widen():
    wide = korn_graubard_interval(37, 1600, 1.9, df=[10, 50, 1599])
    widths = (wide["ci_high"] - wide["ci_low"]).to_numpy()
    assert widths[0] > widths[1] > widths[2]
    with pytest.raises(ValueError, match="df"):
        korn_graubard_interval(37, 1600, 1.9, df=0)
