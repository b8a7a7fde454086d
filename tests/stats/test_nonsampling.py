"""chasm.stats.nonsampling: tipping tau by direct evaluation, and the tracker estimate against
simulation and statsmodels' local-level model."""

import numpy as np
import pytest
from scipy.stats import norm

from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.nonsampling import pvalues_with_tau, tau_from_tracker, tipping_tau


def test_pvalues_with_tau_by_hand():
    p = pvalues_with_tau([-6, 4], [5.8, 5.9], 1.5)
    assert p[0] == pytest.approx(2 * norm.sf(6 / np.sqrt(5.8 + 2 * 1.5 ** 2)))
    assert p[1] == pytest.approx(2 * norm.sf(4 / np.sqrt(5.9 + 4.5)))
    assert pvalues_with_tau([0.0], [1.0], 0.0)[0] == 1.0


def test_tipping_tau_single_test_closed_form():
    # one test: p = alpha where |d| / sqrt(v + 2 tau^2) = z, so tau = sqrt((d^2/z^2 - v) / 2)
    d, v = -6.0, 5.8
    z = norm.ppf(0.975)
    assert tipping_tau([d], [v], 0) == pytest.approx(np.sqrt((d * d / z / z - v) / 2), rel=1e-9)


def test_tipping_tau_in_a_holm_family_is_where_the_adjusted_p_crosses():
    d, v = [-6.0, -4.0], [5.84, 5.92]
    tau = tipping_tau(d, v, 0, "holm")
    at = adjust_pvalues(pvalues_with_tau(d, v, tau), "holm")[0]
    assert at == pytest.approx(0.05, abs=1e-9)
    assert adjust_pvalues(pvalues_with_tau(d, v, tau * 0.99), "holm")[0] < 0.05
    # Holm's doubling makes the family's tipping point lower than the single test's
    assert tau < tipping_tau(d[:1], v[:1], 0)
    assert tipping_tau(d, v, 1, "holm") == 0.0  # not significant to begin with


def _simulate(tau, months, sampling_var, seed, step_sd=1.0):
    rng = np.random.default_rng(seed)
    level = 60 + np.cumsum(rng.normal(0, step_sd, months))
    noise = rng.normal(0, np.sqrt(sampling_var + tau ** 2), months)
    return level + noise


@pytest.mark.parametrize("tau", [0.0, 1.0, 2.0])
def test_tracker_recovers_tau_in_simulation(tau):
    # random-walk level plus white noise of variance sampling + tau^2 (no rounding here)
    est = [tau_from_tracker(_simulate(tau, 3000, 2.0, seed), 2.0, rounding_var=0.0).noise_var
           for seed in range(20)]
    assert np.mean(est) == pytest.approx(2.0 + tau ** 2, rel=0.06)


def test_tracker_matches_statsmodels_local_level():
    import statsmodels.api as sm

    y = _simulate(1.5, 1500, 2.0, seed=7)
    fit = sm.tsa.UnobservedComponents(y, level="llevel").fit(disp=False)
    ours = tau_from_tracker(y, 2.0, rounding_var=0.0)
    assert ours.noise_var == pytest.approx(fit.params[0], rel=0.15)  # moments vs ML
    assert ours.tau == pytest.approx(np.sqrt(max(fit.params[0] - 2.0, 0)), abs=0.4)


def test_tracker_skips_missing_months_and_bounds():
    y = _simulate(0.0, 400, 2.0, seed=3)
    y[[50, 51, 200]] = np.nan
    t = tau_from_tracker(y, 2.0)
    assert t.months == 399 - 5 and t.pairs < t.months
    # the upper bound counts the random walk's own steps (variance 1) as noise
    assert t.tau_upper == pytest.approx(np.sqrt(max((2 * 2.0 + 1.0) / 2 - 2.0 - 1 / 12, 0)),
                                        abs=0.25)


def test_bad_input():
    with pytest.raises(ValueError):
        tau_from_tracker([1.0, 2.0], 1.0)
    with pytest.raises(ValueError):
        pvalues_with_tau([1.0], [-1.0], 0.0)
    with pytest.raises(ValueError):
        tipping_tau([1.0], [1.0], 3)
