"""Two independent shares: score test and interval, TOST equivalence, minimum detectable change."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.proportion import confint_proportions_2indep

from chasm.stats.twosample import (
    compare_waves,
    equivalence_test,
    minimum_detectable_change,
)


def score_z_by_hand(p1: float, p2: float, ne1: float, ne2: float) -> float:
    """Miettinen-Nurminen score statistic for H0: p1 = p2 (pooled p, factor N/(N-1))."""
    pooled = (p1 * ne1 + p2 * ne2) / (ne1 + ne2)
    big_n = ne1 + ne2
    var = pooled * (1 - pooled) * (1 / ne1 + 1 / ne2) * big_n / (big_n - 1)
    return (p2 - p1) / math.sqrt(var)


def test_levada_reference_43_to_37():
    out = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    ne = 1600 / 1.9
    assert out["diff"] == pytest.approx(-6.0)
    assert out["z"] == pytest.approx(score_z_by_hand(0.43, 0.37, ne, ne), rel=1e-9)
    assert abs(out["z"]) == pytest.approx(2.51, abs=0.01)
    assert out["p_value"] == pytest.approx(2 * norm.sf(abs(out["z"])), rel=1e-9)
    assert out["p_value"] == pytest.approx(0.012, abs=0.0005)
    assert -out["ci_high"] == pytest.approx(1.3, abs=0.05)
    assert -out["ci_low"] == pytest.approx(10.6, abs=0.05)
    assert out["ci_method"] == "score"


def test_direction_is_p2_minus_p1():
    up = compare_waves(37, 43, 1600, 1600, 1.9, 1.9).iloc[0]
    down = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    assert up["z"] == pytest.approx(-down["z"])
    assert up["ci_low"] == pytest.approx(-down["ci_high"], abs=1e-4)
    assert up["p_value"] == pytest.approx(down["p_value"])


def test_matches_statsmodels_score_interval_where_it_converges():
    ne = 1600 / 1.9
    for p1, p2 in [(2, 5), (50, 97), (90, 99), (37, 43)]:
        expected = confint_proportions_2indep(
            p2 / 100 * ne, ne, p1 / 100 * ne, ne, method="score", compare="diff"
        )
        out = compare_waves(p1, p2, 1600, 1600, 1.9, 1.9).iloc[0]
        assert out["ci_low"] == pytest.approx(expected[0] * 100, abs=1e-6)
        assert out["ci_high"] == pytest.approx(expected[1] * 100, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    p1=st.floats(0, 100),
    p2=st.floats(0, 100),
    n1=st.floats(30, 3000),
    n2=st.floats(30, 3000),
    deff=st.floats(1.0, 3.0),
)
def test_interval_excludes_zero_iff_test_rejects(p1, p2, n1, n2, deff):
    out = compare_waves(p1, p2, n1, n2, deff, deff).iloc[0]
    assume(out["ci_method"] == "score" and abs(out["p_value"] - 0.05) > 1e-6)
    assert out["ci_low"] <= out["diff"] + 1e-9 <= out["ci_high"] + 2e-9
    excludes_zero = out["ci_low"] > 0 or out["ci_high"] < 0
    assert excludes_zero == (out["p_value"] < 0.05)


def test_vectorised_and_degenerate_rows():
    out = compare_waves(
        pd.Series([43, 0, 100], index=["q1", "q2", "q3"]), [37, 0, 100], 1600, 1600, 1.9, 1.9
    )
    assert list(out.index) == ["q1", "q2", "q3"]
    assert out.loc["q1", "z"] == pytest.approx(compare_waves(43, 37, 1600, 1600, 1.9, 1.9)["z"][0])
    assert out.loc[["q2", "q3"], "z"].isna().all()
    assert list(out["ci_method"]) == ["score", "newcomb", "newcomb"]
    assert (out.loc[["q2", "q3"], "ci_low"] < 0).all() and (
        out.loc[["q2", "q3"], "ci_high"] > 0
    ).all()


def test_zero_share_falls_back_to_newcombe_when_needed():
    # statsmodels' restricted MLE is NaN for some null values here; the row is flagged
    out = compare_waves(12, 0, 30, 47, 1.5, 1.5).iloc[0]
    assert out["ci_method"] in {"score", "newcomb"}
    assert out["ci_low"] < out["diff"] < out["ci_high"]
    assert not np.isnan(out["p_value"])



def test_equivalence_against_wald_tost_by_hand():
    # equal shares 43% in both waves, n_eff 842 each: Wald TOST p = 1 - Phi(margin / se)
    ne = 1600 / 1.9
    se = math.sqrt(2 * 0.43 * 0.57 / ne) * 100
    out = equivalence_test(43, 43, 1600, 1600, 1.9, 1.9, margin=[3, 5])
    assert out["p_value"].tolist() == pytest.approx([norm.sf(3 / se), norm.sf(5 / se)], abs=0.003)
    assert out["equivalent"].tolist() == [False, True]


def test_equivalence_fails_for_a_real_change():
    out = equivalence_test(43, 37, 1600, 1600, 1.9, 1.9, margin=3).iloc[0]
    assert out["diff"] == pytest.approx(-6) and out["p_value"] > 0.5 and not out["equivalent"]


def test_minimum_detectable_change_table():
    # statistics-methods.md sec. 2.2: 3.0 / 4.1 / 5.9 / 6.8 points at 5 / 10 / 25 / 50%
    mdc = minimum_detectable_change([5, 10, 25, 50], 1600, 1.9)
    np.testing.assert_allclose(np.round(mdc, 1), [3.0, 4.1, 5.9, 6.8])
    assert minimum_detectable_change(50, 1600, 1.0) < minimum_detectable_change(50, 1600, 1.9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p1": 120}, "p1 must be a percentage"),
        ({"p2": -3}, "p2 must be a percentage"),
        ({"deff1": 0}, "deff1 must be finite and > 0"),
        ({"n2": -1600}, "n2 must be finite and > 0"),
        ({"p1": [43, 40], "p2": [37, 38, 39]}, "mismatched lengths"),
        ({"alpha": 2}, "alpha"),
    ],
)
def test_compare_waves_bad_arguments(kwargs, match):
    args = {"p1": 43, "p2": 37, "n1": 1600, "n2": 1600, "deff1": 1.9, "deff2": 1.9} | kwargs
    with pytest.raises(ValueError, match=match):
        compare_waves(**args)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="margin"):
        equivalence_test(43, 43, 1600, 1600, 1.9, 1.9, margin=0)
    with pytest.raises(ValueError, match="power"):
        minimum_detectable_change(50, 1600, 1.9, power=1.0)
