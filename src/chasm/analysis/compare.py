"""One comparison engine: every comparison of two independent published shares, one record.

WHAT. :func:`compare` takes the two figures of each comparison (the published point and the
range its text allows: ``low``/``high``), their interviews and the design effect, and returns
one row per comparison with one column vocabulary (:data:`RECORD`): the change ``diff``
(points), the score test at the published values (``z``, ``p_value``), the verdict's test
(rounding as noise: ``noise_var``, ``p_rounding``), the interval that inverts that same test
(``ci_low``/``ci_high``: it excludes 0 exactly when ``p_rounding`` < the level), and the least
favourable rounding (``p_worst``) as robustness. :func:`robustness` adds the tipping points of
the same noise-widened test at the level a family's adjustment implies (design effect, factor
on the interviews, shift in answering), and :func:`smallest_margin` the smallest equivalence
margin it establishes; :func:`worst_rounding_pvalue` and :func:`worst_equivalence_pvalue` the
tests at the least favourable ends of each figure's range (robustness, never the verdict).
03_waves (``chasm.analysis.waves.compare_pairs``), the register's two-sample rules
(``chasm.register.rules``), the register's tipping points (``chasm.register.sensitivity``) and
08_series' adjacent changes (``chasm.analysis.series``) all call it: a comparison is judged by
one test wherever it appears. The engine imports nothing of the analysis layer (``waves``
imports it), so the two have no cycle.

WHY. The same fall (43% -> 37%) was tested with rounding noise in 03 and the register, without
it (and with the least favourable rounding inside the verdict) in 08; its interval and tipping
points came from the test without noise beside a verdict read with it (issue 21). One function
returning one record removes the room for such drift; ``tests/e2e/test_one_p.py`` checks the
outputs.

The statistics are :mod:`chasm.stats.rounding` (noise-widened score test, its interval and
margin) and :mod:`chasm.stats.sensitivity` (tipping points with ``extra_variance``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._validate import ArrayLike, broadcast, check_pct
from chasm.stats.rounding import (
    noise_interval,
    noise_score_test,
    noise_smallest_margin,
    rounding_variance,
)
from chasm.stats.sensitivity import tipping_deff, tipping_n, tipping_shift
from chasm.stats.twosample import compare_pvalues, compare_waves, equivalence_test

#: The columns :func:`compare` returns, in order (:func:`robustness` and
#: :func:`smallest_margin` add theirs).
RECORD = ["diff", "ci_low", "ci_high", "z", "p_value", "noise_var", "p_rounding", "p_worst"]
#: The two shares (percent) and interviews a comparison compares, under the names every table
#: that carries them beside a record uses (the claims register, 08_series' changes).
SAMPLES = ["share_1", "share_2", "n_1", "n_2"]
#: Columns of :func:`robustness`.
ROBUSTNESS = ["level", "tipping_deff", "n_factor", "tipping_shift"]


def compare(p1, p2, low1, high1, low2, high2, n1, n2, deff, alpha: float = 0.05,
            interval: bool = True) -> pd.DataFrame:
    """The record of each comparison ``p2 - p1`` (arrays broadcast, the design effect too:
    one call judges a whole family, or a family under several specifications; percent and
    points).

    * ``diff``, ``z``, ``p_value``: the Miettinen-Nurminen score test on effective counts at the
      published values (``chasm.stats.twosample.compare_waves``; NaN where both shares are 0%
      or both 100%);
    * ``noise_var``: both figures' rounding or wording as uniform noise on their ranges
      (``chasm.stats.rounding.rounding_variance``), points^2;
    * ``p_rounding``: the score test widened by that noise (``noise_score_test``): the p every
      verdict reads, before its family's adjustment;
    * ``ci_low``, ``ci_high``: the ``1 - alpha`` interval inverting that test
      (``noise_interval``); Newcombe's hybrid interval where no score test exists;
    * ``p_worst``: the least favourable rounding (:func:`worst_rounding_pvalue`), a
      robustness column, never the verdict.

    ``interval=False`` leaves ci_low/ci_high NaN (their root finding is most of the cost; the
    specification table needs only the p-values).
    """
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, dtype=float)) for a in
                                   (p1, p2, low1, high1, low2, high2, n1, n2, deff)))
    a1, a2, lo1, hi1, lo2, hi2, m1, m2, d = arrays
    v = np.asarray(rounding_variance(lo1, hi1) + rounding_variance(lo2, hi2), dtype=float)
    p_point = compare_pvalues(a1, a2, m1, m2, d, d)
    degenerate = np.isnan(p_point)
    with np.errstate(invalid="ignore", divide="ignore"):
        z0, _ = noise_score_test(a1, a2, m1, m2, d, d, 0.0)
        zn, pn = noise_score_test(a1, a2, m1, m2, d, d, v)
    ci = np.full((a1.size, 2), np.nan)
    score = np.flatnonzero(~degenerate) if interval else np.array([], dtype=int)
    if score.size:  # every comparison's interval in one root-finding run
        ci[score, 0], ci[score, 1] = noise_interval(a1[score], a2[score], m1[score], m2[score],
                                                    d[score], d[score], v[score], alpha)
    for i in np.flatnonzero(degenerate) if interval else []:
        row = compare_waves(a1[i], a2[i], m1[i], m2[i], d[i], d[i], alpha).iloc[0]
        ci[i] = row["ci_low"], row["ci_high"]
    return pd.DataFrame({
        "diff": a2 - a1, "ci_low": ci[:, 0], "ci_high": ci[:, 1],
        "z": np.where(degenerate, np.nan, z0), "p_value": p_point, "noise_var": v,
        "p_rounding": np.where(degenerate, np.nan, pn),
        "p_worst": worst_rounding_pvalue(lo1, hi1, lo2, hi2, m1, m2, d, d)})


# The least favourable rounding: robustness beside the verdict (both ends of each range)
def _corner_pvalues(corners, n1, n2, deff1, deff2, fn) -> np.ndarray:
    """Largest p-value of ``fn(p1, p2, ...)`` over a list of (p1, p2) corner arrays."""
    ps = [np.asarray(fn(a, b, n1, n2, deff1, deff2), dtype=float) for a, b in corners]
    return np.nanmax(np.vstack(ps), axis=0)


def worst_rounding_pvalue(
    low1: ArrayLike,
    high1: ArrayLike,
    low2: ArrayLike,
    high2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
) -> np.ndarray:
    """Least favourable score-test p-value of a change over what each figure's text allows.

    Each figure's true value lies in [low, high] (±0.5 for a rounded number, ±5 for a
    fraction in words). The change looks smallest when the two values are brought as close
    as the ranges allow: for a fall, wave 1 at its low end and wave 2 at its high end; for a
    rise the opposite; when the ranges overlap, both at a common value (no change, p = 1).
    The test (``chasm.stats.twosample.compare_pvalues``) is run at both closest corners and,
    where the ranges overlap, at a common value; the largest p-value is returned (one per
    row).
    """
    lo1, hi1 = check_pct("low1", low1), check_pct("high1", high1)
    lo2, hi2 = check_pct("low2", low2), check_pct("high2", high2)
    lo1, hi1, lo2, hi2 = (np.atleast_1d(a) for a in broadcast(low1=lo1, high1=hi1,
                                                               low2=lo2, high2=hi2))
    common = np.clip((np.maximum(lo1, lo2) + np.minimum(hi1, hi2)) / 2.0, 0.0, 100.0)
    overlap = np.maximum(lo1, lo2) <= np.minimum(hi1, hi2)

    def p_of(a, b, *args):
        return np.asarray(compare_pvalues(a, b, *args), dtype=float)

    worst = _corner_pvalues([(lo1, hi2), (hi1, lo2)], n1, n2, deff1, deff2, p_of)
    return np.where(overlap, np.fmax(worst, p_of(common, common, n1, n2, deff1, deff2)), worst)


def worst_equivalence_pvalue(
    low1: ArrayLike,
    high1: ArrayLike,
    low2: ArrayLike,
    high2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    margin: float,
    alpha: float = 0.05,
) -> np.ndarray:
    """Least favourable TOST p-value ("stable within ±margin") over the figures' ranges.

    Stability is hardest to show when the two true values are as far apart as the texts allow:
    (low1, high2) or (high1, low2). ``chasm.stats.twosample.equivalence_test`` is run at both
    corners and the larger p-value returned (one per row).
    """
    lo1, hi1 = check_pct("low1", low1), check_pct("high1", high1)
    lo2, hi2 = check_pct("low2", low2), check_pct("high2", high2)

    def p_of(a, b, *args):
        return equivalence_test(a, b, *args, margin=margin, alpha=alpha)["p_value"].to_numpy()

    return _corner_pvalues([(lo1, hi2), (hi1, lo2)], n1, n2, deff1, deff2, p_of)


def family_level(p_rounding, p_adjusted, alpha: float) -> np.ndarray:
    """The raw level a test had to beat in its family: ``alpha * p / p_adjusted`` (Holm: alpha
    over its multiplier, the other tests held fixed); alpha where nothing was adjusted."""
    p, pa = (np.asarray(x, dtype=float) for x in (p_rounding, p_adjusted))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(pa) & (pa > 0), alpha * p / pa, alpha)


def robustness(p1, p2, n1, n2, deff: float, noise_var, level) -> pd.DataFrame:
    """Tipping points of each comparison on the verdict's own test (score test with rounding
    as noise), at its family's ``level`` (:func:`family_level`): ``tipping_deff`` (the same
    design effect in both samples; the verdict holds below it when significant),
    ``n_factor`` (the factor on both samples' interviews at which p crosses the level),
    ``tipping_shift`` (points added to the second share at which it crosses; signed).
    ``chasm.stats.sensitivity.tipping_deff`` / ``tipping_n`` / ``tipping_shift`` with
    ``extra_variance``."""
    a, b, m1, m2, v, lv = (np.ravel(x) for x in np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(x, dtype=float)) for x in (p1, p2, n1, n2, noise_var,
                                                              level))))
    out = pd.DataFrame({"level": lv, "tipping_deff": np.nan, "n_factor": np.nan,
                        "tipping_shift": np.nan}, columns=ROBUSTNESS)
    k = np.flatnonzero(np.isfinite(lv) & (lv > 0) & (lv < 1) & (a != b))
    if k.size:  # every comparison's roots at once (one vectorised call per tipping point)
        out.loc[k, "tipping_deff"] = tipping_deff(a[k], b[k], m1[k], m2[k], lv[k],
                                                  extra_variance=v[k])
        out.loc[k, "n_factor"] = tipping_n(a[k], b[k], deff, deff, lv[k], n_ratio=m2[k] / m1[k],
                                           extra_variance=v[k]) / m1[k]
        out.loc[k, "tipping_shift"] = tipping_shift(a[k], b[k], m1[k], m2[k], deff, deff, lv[k],
                                                    extra_variance=v[k])
    return out


def smallest_margin(p1, p2, n1, n2, deff, noise_var, alpha: float = 0.05) -> np.ndarray:
    """Smallest equivalence margin (points) each comparison establishes on the verdict's test
    (two one-sided noise-widened score tests: ``chasm.stats.rounding.noise_smallest_margin``).
    """
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, dtype=float)) for a in
                                   (p1, p2, n1, n2, noise_var)))
    a, b, m1, m2, v = arrays
    return np.atleast_1d(noise_smallest_margin(a, b, m1, m2, deff, deff, v, alpha))


def equivalence_pvalue(p1, p2, n1, n2, deff: float, noise_var, margin) -> np.ndarray:
    """TOST p (Schuirmann) that ``|p2 - p1| < margin`` on the verdict's test: the larger of
    the one-sided noise-widened score tests at ``-margin`` (H1: above it) and ``+margin`` (H1:
    below it). Below alpha exactly when :func:`smallest_margin` (at that alpha) is below
    ``margin``."""
    from scipy.stats import norm  # scipy kept off the import path of the engine

    m = np.asarray(margin, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_low, _ = noise_score_test(p1, p2, n1, n2, deff, deff, noise_var, -m)
        z_high, _ = noise_score_test(p1, p2, n1, n2, deff, deff, noise_var, m)
    return np.maximum(norm.sf(z_low), norm.cdf(z_high))
