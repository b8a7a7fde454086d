"""Table-level logic of notebook 03_waves: the change of every option between two waves.

* :func:`wave_pairs` - every figure pair two waves share, one row per combination of sources;
* :func:`holm_in_family` - multiplicity adjustment within the declared family of comparisons
  (the family and its method come from the analysis plan, ``chasm.analysis.plan``);
* :func:`range_ci` - the interval of a change widened by rounding or wording;
* :func:`compare_pairs` - every pair through the comparison engine (``chasm.analysis.compare``:
  rounding as noise, the least favourable rounding, tipping points, the smallest equivalence
  margins), adjusted within its family, with a reading from
  ``chasm.analysis.verdicts.change_reading``: the table of 03_waves;
* :func:`holm_lost` / :func:`largest_holm_family` - which tests Holm's adjustment decides, and
  in how large a family each would survive;
* :func:`minimum_detectable`, :func:`power_table`, :func:`margin_reach` - how large a change
  these samples can see, per option and subgroup, and what an equivalence margin can reach;
* :func:`check_waves` - any two waves, refused with a clear message when the data cannot
  compare them.

The statistics themselves (score test and interval, equivalence, Holm) live in
:mod:`chasm.stats` and the comparison engine; this module decides which figures they are
applied to. What the results mean in words is written by the notebook, from these numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.analysis import compare, weights
from chasm.analysis.compare import worst_equivalence_pvalue
from chasm.analysis.verdicts import change_reading
from chasm.data import figures
from chasm.data.worded import identify
from chasm.stats._validate import ArrayLike
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.sensitivity import (
    detectable_change,
    equivalence_share_limit,
    score_test_power,
    smallest_equivalence_margin,
)
from chasm.stats.twosample import compare_waves, minimum_detectable_change

_PAIR_KEYS = ["question", "option"]


_SIDE_COLUMNS = {"figure_id": "figure", "source_kind": "kind", "value_text": "text",
                 "point": "p", "low": "low", "high": "high"}


def wave_pairs(
    tidy: pd.DataFrame,
    wave1: str,
    wave2: str,
    subgroup_var: str = "all",
    subgroup: str = "all",
) -> pd.DataFrame:
    """Every pair of figures for the same question and option in two waves.

    One row per (question, option, figure of ``wave1``, figure of ``wave2``) in the given
    subgroup (default the whole sample): every combination of sources, so a conclusion can be
    checked against each source. Figures without a point (bounds) are left out. ``best`` is
    True for the pair of figures ``chasm.data.figures.best`` picks for the two cells (one per
    option): the declared family of tests. Worded figures are read as identification
    intervals (``chasm.data.worded.identify``): one that overlaps a numeric figure of its cell takes
    the intersection of their ranges, so two sources differ only where their ranges cannot
    overlap.

    Columns: question, option, figure_1, kind_1, text_1, p1, low1, high1, figure_2, ...,
    high2, best. Sorted by question, option, best first, then figure ids.
    """
    tidy = identify(tidy)
    sub = tidy[(tidy["subgroup_var"] == subgroup_var) & (tidy["subgroup"] == subgroup)
               & tidy["point"].notna()]
    chosen = set(figures.best(tidy[(tidy["subgroup_var"] == subgroup_var)
                                & (tidy["subgroup"] == subgroup)])["figure_id"])
    sides = []
    for wave, suffix in ((wave1, "1"), (wave2, "2")):
        side = sub[sub["wave"] == wave][_PAIR_KEYS + list(_SIDE_COLUMNS)]
        side = side.rename(columns={k: (v + suffix if v in ("p", "low", "high")
                                        else f"{v}_{suffix}") for k, v in _SIDE_COLUMNS.items()})
        sides.append(side)
    pairs = sides[0].merge(sides[1], on=_PAIR_KEYS, how="inner")
    pairs["best"] = pairs["figure_1"].isin(chosen) & pairs["figure_2"].isin(chosen)
    pairs = pairs.sort_values(_PAIR_KEYS + ["best", "figure_1", "figure_2"],
                              ascending=[True, True, False, True, True])
    return pairs.reset_index(drop=True)


def holm_in_family(
    p: ArrayLike,
    key: ArrayLike,
    in_family: ArrayLike,
    method: str = "holm",
) -> np.ndarray:
    """Multiplicity-adjusted p-values for a family of one test per ``key`` (e.g. option).

    Rows with ``in_family`` True form the declared family (exactly one per key): they are
    adjusted together with ``chasm.stats.multiplicity.adjust_pvalues(..., method)``. A row outside
    the family is an alternative version of its key's test (another source for the same cell): it
    is adjusted in the family where it replaces that key's test, so its adjusted p-value is
    what the family would give had that source been chosen. NaN p-values stay NaN.
    """
    p_arr = np.asarray(p, dtype=float)
    keys = np.asarray(key, dtype=object)
    fam = np.asarray(in_family, dtype=bool)
    if not (p_arr.shape == keys.shape == fam.shape) or p_arr.ndim != 1:
        raise ValueError(f"p, key and in_family must be 1-D of one length, got {p_arr.shape}, "
                         f"{keys.shape}, {fam.shape}")
    family_keys = keys[fam]
    if len(set(family_keys)) != len(family_keys):
        raise ValueError("in_family must select exactly one row per key")
    missing = set(keys) - set(family_keys)
    if missing:
        raise ValueError(f"keys without a row in the family: {sorted(map(str, missing))}")
    out = np.full(p_arr.shape, np.nan)
    base = adjust_pvalues(p_arr[fam], method=method)
    out[fam] = base
    for i in np.flatnonzero(~fam):
        swapped = p_arr[fam].copy()
        swapped[family_keys == keys[i]] = p_arr[i]
        out[i] = adjust_pvalues(swapped, method=method)[family_keys == keys[i]][0]
    return out


def range_ci(
    low1: ArrayLike,
    high1: ArrayLike,
    low2: ArrayLike,
    high2: ArrayLike,
    n1: ArrayLike,
    n2: ArrayLike,
    deff1: ArrayLike,
    deff2: ArrayLike,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Interval of a change (points) widened by each figure's rounding or wording range.

    The union of the score intervals of ``p2 - p1`` over the values the texts allow: its
    lower end is the interval's lower end at (high1, low2), the largest fall, and its upper end
    the upper end at (low1, high2), the largest rise (the score limits move with the
    difference). Returns a DataFrame with columns ci_low, ci_high (one row per comparison).
    """
    fall = compare_waves(high1, low2, n1, n2, deff1, deff2, alpha)
    rise = compare_waves(low1, high2, n1, n2, deff1, deff2, alpha)
    return pd.DataFrame({"ci_low": fall["ci_low"].to_numpy(),
                         "ci_high": rise["ci_high"].to_numpy()})


# --------------------------------------------------------------------------------------------
# The tables and sentences of notebook 03_waves
# --------------------------------------------------------------------------------------------
def _adjust_by_family(p: pd.Series, key: pd.Series, best: pd.Series, family: pd.Series,
                      method: pd.Series) -> np.ndarray:
    """:func:`holm_in_family` within each family, with that family's method."""
    out = np.full(len(p), np.nan)
    for fam in pd.unique(family):
        rows = np.flatnonzero((family == fam).to_numpy())
        out[rows] = holm_in_family(p.iloc[rows], key.iloc[rows], best.iloc[rows],
                                   method=str(method.iloc[rows[0]]))
    return out


def compare_pairs(pairs: pd.DataFrame, n1: float, n2: float, deff: float, alpha: float,
                  margin: float, family: pd.DataFrame, tipping: bool = True) -> pd.DataFrame:
    """Every test of 03_waves for every pair of :func:`wave_pairs`, one row per pair.

    ``family`` is ``chasm.analysis.plan.wave_family`` for the two waves: each (question, option)
    gets
    its comparison id, family, role and method from the plan (a row from another source than
    the family's own gets the id ``<id>:<figure_1>-<figure_2>``). Both waves get ``deff``.
    Adds to ``pairs`` the record of ``chasm.analysis.compare.compare`` (diff; z and p_value at the
    published values; ``noise_var`` and ``p_rounding``, rounding as uniform noise on each
    figure's range: the p the verdict reads; ci_low/ci_high, the interval of that same test;
    ``p_worst_rounding``), ``p_adjusted`` (its adjustment within
    the family by the family's method, :func:`holm_in_family` over the ``best`` pairs),
    robustness columns ``p_adjusted_worst``, the tipping points of the verdict's test at its
    family's level (``level``, ``tipping_deff``, ``n_factor``, ``tipping_shift``:
    ``chasm.analysis.compare.robustness``), ``ci_low_range``/``ci_high_range`` (:func:`range_ci`),
    ``equivalence_p`` (TOST within ±``margin`` on the verdict's test) and
    ``equivalence_p_worst`` (:func:`worst_equivalence_pvalue`), ``margin_smallest`` (the
    smallest margin these figures establish, rounding noise included) and ``margin_reachable``
    (the smallest any figures could establish at the earlier share with zero change:
    ``chasm.analysis.compare.smallest_margin``), and ``reading``
    (``chasm.register.verdicts.change_reading``). ``tipping=False`` leaves the tipping columns NaN
    (they
    cost root finding per row; callers that only need the p-values skip them).
    """
    fam = family[["question", "option", "comparison_id", "family", "role", "method",
                  "declared"]]
    res = pairs.merge(fam, on=_PAIR_KEYS, how="left", validate="many_to_one")
    if res["comparison_id"].isna().any():
        missing = res.loc[res["comparison_id"].isna(), "option"].unique()
        raise ValueError(f"options without a family: {', '.join(map(str, missing))}")
    alt = ~res["best"]
    res.loc[alt, "comparison_id"] = (res.loc[alt, "comparison_id"] + ":" + res.loc[alt, "figure_1"]
                                     + "-" + res.loc[alt, "figure_2"])
    ends = (res["low1"], res["high1"], res["low2"], res["high2"])
    rec = compare.compare(res["p1"], res["p2"], *ends, n1, n2, deff, alpha)
    res = pd.concat([res, rec.set_index(res.index)], axis=1)
    res = res.rename(columns={"p_worst": "p_worst_rounding"})
    wide = range_ci(*ends, n1, n2, deff, deff, alpha)
    res["ci_low_range"], res["ci_high_range"] = wide["ci_low"], wide["ci_high"]
    key = res["question"] + "/" + res["option"]
    res["p_adjusted"] = _adjust_by_family(res["p_rounding"], key, res["best"], res["family"],
                                          res["method"])
    res["p_adjusted_worst"] = _adjust_by_family(res["p_worst_rounding"], key, res["best"],
                                                res["family"], res["method"])
    res["equivalence_p"] = compare.equivalence_pvalue(res["p1"], res["p2"], n1, n2, deff,
                                                      res["noise_var"], margin)
    res["equivalence_p_worst"] = worst_equivalence_pvalue(*ends, n1, n2, deff, deff, margin,
                                                          alpha)
    res["margin_smallest"] = compare.smallest_margin(res["p1"], res["p2"], n1, n2, deff,
                                                     res["noise_var"], alpha)
    res["margin_reachable"] = compare.smallest_margin(res["p1"], res["p1"], n1, n2, deff,
                                                      res["noise_var"], alpha)
    level = compare.family_level(res["p_rounding"], res["p_adjusted"], alpha)
    tip = compare.robustness(res["p1"], res["p2"], n1, n2, deff, res["noise_var"],
                             level if tipping else np.nan)
    res = pd.concat([res, tip.set_index(res.index)], axis=1)
    res["reading"] = [change_reading(r.p_adjusted, r.margin_smallest, margin, alpha)
                      for r in res.itertuples()]
    return res.assign(n1=float(n1), n2=float(n2), deff=float(deff), margin=float(margin))


def largest_holm_family(p_family: ArrayLike, rank: int, alpha: float) -> int:
    """The largest family in which the test of ``rank`` (1 = smallest p) stays below ``alpha``
    after Holm, keeping the tests with the smallest p-values (dropping the largest first);
    0 if none, ``rank`` at least otherwise (the family cannot drop smaller p-values)."""
    ordered = np.sort(np.asarray(p_family, dtype=float))
    return max([k for k in range(rank, len(ordered) + 1)
                if adjust_pvalues(ordered[:k], method="holm")[rank - 1] < alpha], default=0)


def holm_lost(res: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The tests of each Holm family (``best`` rows of :func:`compare_pairs`) significant on
    their own (``p_rounding`` < ``alpha``) but not after Holm (``p_adjusted`` >= ``alpha``).

    One row per such test: its row of ``res`` with ``tests`` (the family's size), ``rank``
    (1 = smallest p of the family), ``multiplier`` (Holm's factor for that rank,
    ``tests - rank + 1``) and ``largest`` (:func:`largest_holm_family`: the largest family,
    dropping the largest p-values first, in which it would stay below ``alpha``; 1: only
    alone, 0: not even alone). Empty (those columns added) when no test is lost.
    """
    rows = []
    for _, fam in res[res["best"] & (res["method"] == "holm")].groupby("family", sort=True):
        lost = fam[(fam["p_rounding"] < alpha) & (fam["p_adjusted"] >= alpha)]
        for _, r in lost.iterrows():
            rank = int((fam["p_rounding"] < r["p_rounding"]).sum()) + 1
            rows.append({**r.to_dict(), "tests": len(fam), "rank": rank,
                         "multiplier": len(fam) - rank + 1,
                         "largest": largest_holm_family(fam["p_rounding"], rank, alpha)})
    return pd.DataFrame(rows, columns=[*res.columns, "tests", "rank", "multiplier", "largest"])


def minimum_detectable(family: pd.DataFrame, n: float, deff: float,
                       alpha: float) -> pd.DataFrame:
    """Minimum detectable change (points, 80% power) at each option's earlier level and at 50%.

    One row per option of ``family`` (columns option, text_1, p1) plus a "(reference)" row at
    50%; ``mdc_points`` at ``deff``, ``mdc_srs_points`` at deff 1 (simple random sampling), by
    ``chasm.stats.twosample.minimum_detectable_change``.
    """
    levels = family[["option", "text_1", "p1"]].drop_duplicates("option")
    mdc = pd.concat([levels, pd.DataFrame({"option": ["(reference)"], "text_1": ["50%"],
                                           "p1": [50.0]})], ignore_index=True)
    mdc["mdc_points"] = minimum_detectable_change(mdc["p1"].to_numpy(), n, deff, alpha)
    mdc["mdc_srs_points"] = minimum_detectable_change(mdc["p1"].to_numpy(), n, 1.0, alpha)
    return mdc


# --------------------------------------------------------------------------------------------
# Any two waves, and how much change each option and subgroup can detect
# --------------------------------------------------------------------------------------------
class WaveError(ValueError):
    """The waves asked for cannot be compared (the message says why and what exists)."""


def check_waves(tidy: pd.DataFrame, meta: dict, wave1: str, wave2: str) -> None:
    """Refuse two waves 03_waves cannot compare: unknown in the metadata, the same wave, the
    later one first, or no whole-sample option with a published point in both."""
    known = sorted(meta["waves"])
    for w in (wave1, wave2):
        if w not in meta["waves"]:
            raise WaveError(f"wave {w!r} is not in metadata/waves.yaml; known: "
                            f"{', '.join(known)}")
    if wave1 >= wave2:
        raise WaveError(f"wave1 ({wave1}) must be earlier than wave2 ({wave2})")
    if wave_pairs(tidy, wave1, wave2).empty:
        have = tidy[(tidy["subgroup_var"] == "all") & tidy["point"].notna()]
        by_wave = have.groupby("wave")["option"].apply(lambda s: ", ".join(sorted(set(s))))
        listing = "; ".join(f"{w}: {o}" for w, o in by_wave.items())
        raise WaveError(f"waves {wave1} and {wave2} share no whole-sample option with a "
                        f"published point, so there is nothing to compare. Options by wave: "
                        f"{listing}")


def power_table(tidy: pd.DataFrame, meta: dict, population: pd.DataFrame,
                approval: pd.DataFrame, wave: str, n: float, deff: float, alpha: float,
                change: float, power: float = 0.8) -> pd.DataFrame:
    """Power and minimum detectable change for every option and subgroup of ``wave``.

    One row per cell of ``wave`` with a published point (``chasm.data.figures.best`` per cell):
    option, subgroup_var, subgroup, share, n (the wave's n, or ``n_g = w_g N`` with the
    weights of ``chasm.analysis.weights``: Rosstat for age, the wave's approval month for approval;
    cells of variables without weights are left out), ``fall`` and ``rise`` (the smallest
    true change, points, the score test detects with ``power`` against the same n in a later
    wave: ``chasm.stats.sensitivity.detectable_change``) and ``power_change`` (the power to
    detect a fall of ``change`` points, ``score_test_power``).
    """
    cells = figures.best(tidy[(tidy["wave"] == wave) & tidy["point"].notna()])
    rows = []
    for r in cells.sort_values(["question", "option", "subgroup_var", "subgroup"]).itertuples():
        size = float(n)
        if r.subgroup_var != "all":
            try:
                w = (weights.age_weights(population, meta, r.subgroup_var)
                     if weights.weight_kind(meta, r.subgroup_var) == "age"
                     else weights.wave_approval_weights(meta, approval, wave).weights
                     if weights.weight_kind(meta, r.subgroup_var) == "approval" else None)
            except weights.NoWeights:
                w = None
            if w is None or r.subgroup not in w.index:
                continue
            size = float(n) * float(w[r.subgroup])
        rows.append({
            "question": r.question, "option": r.option, "subgroup_var": r.subgroup_var,
            "subgroup": r.subgroup, "figure_id": r.figure_id, "share": float(r.point),
            "n": size})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    # one call per family over every row (each row's value is the one a call for it alone gives)
    share, size = table["share"].to_numpy(), table["n"].to_numpy()
    table["fall"] = detectable_change(share, size, size, deff, deff, alpha, power, -1)
    table["rise"] = detectable_change(share, size, size, deff, deff, alpha, power, 1)
    table["power_change"] = score_test_power(share, np.maximum(share - change, 0.0), size, size,
                                             deff, deff, alpha)
    return table


def margin_reach(n1: float, n2: float, deff: float, alpha: float, margin: float) -> dict:
    """What an equivalence margin can reach with these samples: ``at_50`` the smallest margin
    zero observed change establishes at 50% (the hardest share), ``share_limit`` the share
    below which (or above 100 minus which) ``margin`` can be established at all
    (``chasm.stats.sensitivity``; 50 when every share qualifies)."""
    return {"at_50": float(smallest_equivalence_margin(50.0, 50.0, n1, n2, deff, deff, alpha)),
            "share_limit": float(equivalence_share_limit(margin, n1, n2, deff, deff, alpha))}
