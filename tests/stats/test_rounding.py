"""Rounding as ordinary uncertainty (chasm.stats.rounding): the uniform variance and the widened
test, against hand derivations and a simulation."""

import numpy as np
import pytest
from scipy.stats import norm

from chasm.stats.rounding import normal_tipping, rounding_variance, with_rounding
from chasm.stats.twosample import compare_waves


def test_uniform_variance_by_hand_and_by_simulation():
    assert rounding_variance(42.5, 43.5) == pytest.approx(1 / 12)
    assert rounding_variance(28.3, 38.3) == pytest.approx(100 / 12)
    assert rounding_variance(5.0, 5.0) == 0.0
    draws = np.random.default_rng(1).uniform(-0.5, 0.5, 200_000)
    assert draws.var() == pytest.approx(rounding_variance(0, 1), rel=0.01)
    with pytest.raises(ValueError, match="below low"):
        rounding_variance(2, 1)


def test_zero_noise_keeps_the_score_p_and_noise_raises_it():
    """43% -> 37% (1600 a wave, deff 1.9): the score p 0.0120 is kept with no extra variance
    and becomes about 0.013 with both integers' rounding as noise (the issue's number)."""
    r = compare_waves(43, 37, 1600, 1600, 1.9, 1.9).iloc[0]
    same = with_rounding(r["diff"], r["z"], 0.0).iloc[0]
    assert same["p_value"] == pytest.approx(r["p_value"], rel=1e-12)
    noisy = with_rounding(r["diff"], r["z"], 2 / 12).iloc[0]
    assert r["p_value"] < noisy["p_value"] == pytest.approx(0.0133, abs=2e-4)
    se = abs(r["diff"] / r["z"])
    assert noisy["se"] == pytest.approx(np.sqrt(se ** 2 + 2 / 12))
    assert noisy["ci_high"] - noisy["ci_low"] == pytest.approx(2 * norm.ppf(0.975) * noisy["se"])


def test_zero_difference_and_given_se():
    out = with_rounding([0.0, 2.0], [0.0, 1.0], [0.5, 0.0]).reset_index(drop=True)
    assert out.loc[0, "p_value"] == 1.0 and np.isnan(out.loc[0, "ci_low"])
    assert out.loc[1, "p_value"] == pytest.approx(2 * norm.sf(1.0))
    given = with_rounding(0.0, 0.0, 0.75, se=0.5).iloc[0]
    assert given["se"] == pytest.approx(1.0) and given["ci_high"] == pytest.approx(norm.ppf(0.975))
    with pytest.raises(ValueError, match=">= 0"):
        with_rounding(1.0, 1.0, -1.0)


def test_normal_tipping_plugged_back_crosses_the_level():
    out = normal_tipping(10.0, 2.95, 1.9, 0.0125).iloc[0]
    crit = norm.ppf(1 - 0.0125 / 2)
    se_at = 2.95 * np.sqrt(out["tipping_deff"] / 1.9)  # SE grows with sqrt(deff)
    assert 10.0 / se_at == pytest.approx(crit)
    assert 10.0 / (2.95 / np.sqrt(out["n_factor"])) == pytest.approx(crit)
    assert (10.0 - out["shift"]) / 2.95 == pytest.approx(crit)
    weak = normal_tipping(-1.0, 2.0, 1.9).iloc[0]
    assert weak["tipping_deff"] < 1.9 and weak["n_factor"] > 1 and weak["shift"] < 0
    with pytest.raises(ValueError, match="> 0"):
        normal_tipping(1.0, 0.0, 1.9)
