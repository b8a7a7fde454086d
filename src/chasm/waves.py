"""Table-level logic of notebook 03_waves: the change of every option between two waves.

* :func:`wave_pairs` - every figure pair two waves share, one row per combination of sources;
* :func:`worst_rounding_pvalue` / :func:`worst_equivalence_pvalue` - the tests at the least
  favourable ends of each figure's rounding or wording range;
* :func:`holm_in_family` - multiplicity adjustment within the declared family of comparisons;
* :func:`verdict` - one word per comparison from the tests above;
* :func:`range_ci` - the interval of a change widened by rounding or wording.

The statistics themselves (score test and interval, equivalence, Holm) live in
:mod:`chasm.stats`; this module only decides which figures they are applied to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._validate import ArrayLike, broadcast, check_alpha, check_pct

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
    True for the pair of figures ``chasm.figures.best`` picks for the two cells (one per
    option): the declared family of tests.

    Columns: question, option, figure_1, kind_1, text_1, p1, low1, high1, figure_2, ...,
    high2, best. Sorted by question, option, best first, then figure ids.
    """
    from chasm.figures import best as best_rows

    sub = tidy[(tidy["subgroup_var"] == subgroup_var) & (tidy["subgroup"] == subgroup)
               & tidy["point"].notna()]
    chosen = set(best_rows(tidy[(tidy["subgroup_var"] == subgroup_var)
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
    The test (``chasm.stats.twosample.compare_waves``) is run at both closest corners and, where the
    ranges overlap, at a common value; the largest p-value is returned (one per row).
    """
    from chasm.stats.twosample import compare_waves

    lo1, hi1 = check_pct("low1", low1), check_pct("high1", high1)
    lo2, hi2 = check_pct("low2", low2), check_pct("high2", high2)
    lo1, hi1, lo2, hi2 = (np.atleast_1d(a) for a in broadcast(low1=lo1, high1=hi1,
                                                               low2=lo2, high2=hi2))
    common = np.clip((np.maximum(lo1, lo2) + np.minimum(hi1, hi2)) / 2.0, 0.0, 100.0)
    overlap = np.maximum(lo1, lo2) <= np.minimum(hi1, hi2)

    def p_of(a, b, *args):
        return compare_waves(a, b, *args)["p_value"].to_numpy()

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
    from chasm.stats.twosample import equivalence_test

    lo1, hi1 = check_pct("low1", low1), check_pct("high1", high1)
    lo2, hi2 = check_pct("low2", low2), check_pct("high2", high2)

    def p_of(a, b, *args):
        return equivalence_test(a, b, *args, margin=margin, alpha=alpha)["p_value"].to_numpy()

    return _corner_pvalues([(lo1, hi2), (hi1, lo2)], n1, n2, deff1, deff2, p_of)



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
    from chasm.stats.multiplicity import adjust_pvalues

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



def verdict(
    p_value: float,
    p_holm: float,
    p_worst_holm: float,
    equivalence_p: float,
    equivalence_p_worst: float,
    alpha: float,
    margin: float,
) -> str:
    """Plain reading of one comparison, from its raw, adjusted and least favourable p-values.

    A claim is only made without qualification when it holds after the multiplicity
    adjustment and both at the published values and at the least favourable values their
    rounding or wording allows:

    * ``p_holm < alpha`` and ``p_worst_holm < alpha``: "larger than sampling error";
    * ``p_holm < alpha`` only: "larger than sampling error at the published values, but not
      over all values their rounding or wording allows";
    * ``p_value < alpha`` only: "larger than sampling error on its own, but not once adjusted
      for the other comparisons of the family";
    * otherwise, ``equivalence_p < alpha`` and ``equivalence_p_worst < alpha``: "within
      sampling error, and equivalent within ±margin points";
    * otherwise, ``equivalence_p < alpha`` only: "within sampling error; equivalent within
      ±margin points at the published values, but not over all values their rounding or
      wording allows";
    * otherwise: "within sampling error (but not shown to be stable within ±margin points)".
    """
    alpha = check_alpha(alpha)
    m = f"±{margin:g} points"
    allows = "but not over all values their rounding or wording allows"
    if pd.isna(p_value) or pd.isna(p_holm):
        return "no test possible"
    if p_holm < alpha:
        if pd.notna(p_worst_holm) and p_worst_holm < alpha:
            return "larger than sampling error"
        return f"larger than sampling error at the published values, {allows}"
    if p_value < alpha:
        return ("larger than sampling error on its own, but not once adjusted for the other "
                "comparisons of the family")
    if pd.notna(equivalence_p) and equivalence_p < alpha:
        if pd.notna(equivalence_p_worst) and equivalence_p_worst < alpha:
            return f"within sampling error, and equivalent within {m}"
        return f"within sampling error; equivalent within {m} at the published values, {allows}"
    return f"within sampling error (but not shown to be stable within {m})"



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
    from chasm.stats.twosample import compare_waves

    fall = compare_waves(high1, low2, n1, n2, deff1, deff2, alpha)
    rise = compare_waves(low1, high2, n1, n2, deff1, deff2, alpha)
    return pd.DataFrame({"ci_low": fall["ci_low"].to_numpy(),
                         "ci_high": rise["ci_high"].to_numpy()})
