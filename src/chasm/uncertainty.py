"""Uncertainty of every published figure, and of the change between two waves.

WHAT. The table-level logic of notebooks 02_uncertainty and 03_waves:

* :func:`subgroup_sizes` - how many interviews stand behind each figure: the wave's N times
  the group's share of the sample ``w`` (1 for the whole sample; population shares for age
  bands; Putin approval shares for approval groups; unknown otherwise);
* :func:`figure_intervals` - the interval of every figure at a design effect, from its wording
  range (rounding, "35-40%", "a third") or from its point only (sampling error alone);
* :func:`wave_pairs` - every pair of figures for the same option in two waves, one pair per
  combination of sources, flagging the pair of "best" figures (``chasm.figures.best``);
* :func:`worst_rounding_pvalue` / :func:`worst_equivalence_pvalue` - the least favourable
  p-values over the values each figure's rounding or wording allows;
* :func:`holm_in_family` - Holm adjustment over a declared family of one test per option,
  with alternative-source tests adjusted in the family where they replace their option's test;
* :func:`range_ci` - the interval of a change widened by both figures' ranges;
* :func:`verdict` - the plain reading of one comparison.

WHY. Published figures are aggregates: the size of a subgroup behind a breakdown is never
published, so it is taken as ``n_g = w_g N`` with ``w_g`` from an outside source (Rosstat's
population by age, Levada's own approval series), and left unknown - never guessed - when no
source gives it (statistics-methods.md section 1.5). Rounding and wording widen what a figure can
mean; a change is only "larger than sampling error" if it stays so at the least favourable
values the figures allow.

CONVENTION. Shares are percentages (0-100); ``w`` is a fraction (0-1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm._validate import ArrayLike, broadcast, check_alpha, check_pct, check_positive

#: Subgroup variables weighted by Levada's Putin approval series (columns of the series).
APPROVAL_VARIABLE = "putin_approval"

_SIZE_COLUMNS = ["n_wave", "n_assumed", "w", "n_group", "weight_source", "note"]


def _age_bands(groups: dict) -> dict[str, tuple[int, int | None]] | None:
    """``{group: (min_age, max_age)}`` if every group of a variable carries its ages."""
    if not all(isinstance(g, dict) and "min_age" in g for g in groups.values()):
        return None
    return {str(k): (int(g["min_age"]), None if g.get("max_age") is None else int(g["max_age"]))
            for k, g in groups.items()}


_APPROVAL_GROUPS = ("approve", "disapprove", "no_answer")


def subgroup_sizes(
    tidy: pd.DataFrame,
    meta: dict,
    population: pd.DataFrame,
    approval: pd.DataFrame,
    n: int | None = None,
) -> pd.DataFrame:
    """Number of interviews behind each figure of the tidy table (one row per tidy row).

    ``tidy`` has columns wave, subgroup_var, subgroup (the processed figures table); ``meta``
    is ``chasm.io.load_metadata()``; ``population`` is ``chasm.io.load_population()``;
    ``approval`` is ``chasm.io.load_approval()``; ``n`` overrides every wave's N (None: the
    wave's ``n`` from ``metadata/waves.yaml``).

    Returns a DataFrame with the index of ``tidy`` and columns:

    * ``n_wave`` - interviews in the wave; ``n_assumed`` - True when that N is an assumption
      (the metadata flag; also True when ``n`` overrides it);
    * ``w`` - the group's fraction of the sample: 1 for the whole sample (``all``); for a
      variable whose groups carry ``min_age``/``max_age`` (age bands), the population share
      ``chasm.subgroups.population_weights(population, bands)`` over the variable's bands;
      for ``putin_approval``, the share approving / disapproving / not answering in the
      approval series at the wave's ``approval_month``, divided by 100 (as published: the
      three shares may sum to 99-101 through rounding);
    * ``n_group`` = ``w * n_wave``;
    * ``weight_source`` - where ``w`` comes from ("whole sample", "population by age",
      "approval YYYY-MM", "wave N (group share not published)" or "unknown");
    * ``note`` - what the reader must know (empty when nothing).

    Rules when the size is not known: for ``putin_approval``, if the group's share is missing
    but other groups of that month are published, ``w`` is the most the group can be (100 minus
    the published shares, each +0.5 for rounding), so the interval is at least as wide as
    shown; if the month itself is missing, ``w`` is set to 1 and the note says that the wave's
    whole N is used, so the interval is too narrow (a lower bound on its width); for any other
    variable (e.g. country_direction, trusted_source) no source gives the group's size, so
    ``w`` and ``n_group`` are NaN and the interval cannot be computed.
    """
    from chasm.subgroups import population_weights

    for col in ("wave", "subgroup_var", "subgroup"):
        if col not in tidy.columns:
            raise ValueError(f"tidy is missing column {col!r}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0):
        raise ValueError(f"n must be a whole number > 0 or None, got {n!r}")
    months = approval.set_index("month") if "month" in approval.columns else approval
    weights_cache: dict[str, pd.Series] = {}
    rows = []
    for wave, var, group in zip(tidy["wave"], tidy["subgroup_var"], tidy["subgroup"],
                                strict=True):
        wave_meta = meta["waves"].get(str(wave))
        if wave_meta is None:
            raise ValueError(f"wave {wave!r} is not in the metadata")
        n_wave = float(n if n is not None else wave_meta["n"])
        assumed = bool(wave_meta["n_assumed"]) or n is not None
        var_meta = meta["subgroups"].get(str(var))
        if var_meta is None or str(group) not in {str(g) for g in var_meta["groups"]}:
            raise ValueError(f"subgroup {var}/{group} is not in the metadata")
        w, source, note = np.nan, "unknown", ""
        bands = _age_bands(var_meta["groups"])
        if var == "all":
            w, source = 1.0, "whole sample"
        elif bands is not None:
            if var not in weights_cache:
                weights_cache[var] = population_weights(population, bands)
            w, source = float(weights_cache[var][str(group)]), "population by age"
        elif var == APPROVAL_VARIABLE:
            month = str(wave_meta.get("approval_month") or "")
            share = np.nan
            if month in months.index and str(group) in months.columns:
                share = months.loc[month, str(group)]
            others = (months.loc[month, [g for g in _APPROVAL_GROUPS if g != str(group)]]
                      if month in months.index else pd.Series(dtype=float))
            if pd.notna(share):
                w, source = float(share) / 100.0, f"approval {month}"
            elif others.notna().any():
                # the group is at most what the published groups leave (each ±0.5 rounding)
                known = others.dropna()
                w = min(1.0, (100.0 - float(known.sum()) + 0.5 * len(known)) / 100.0)
                source = f"approval {month}, upper bound"
                note = (f"the approval series for {month} does not give the share '{group}': "
                        f"at most {100 * w:.1f}% (what the published groups leave) is used, so "
                        "the interval is at least this wide")
            else:
                w, source = 1.0, "wave N (group share not published)"
                where = f"approval series for {month}" if month else "approval series"
                note = (f"the {where} does not give the share '{group}': the wave's whole N is "
                        "used, so the interval is too narrow")
        else:
            note = "group size not published: interval not computed"
        rows.append({"n_wave": n_wave, "n_assumed": assumed, "w": w, "n_group": w * n_wave,
                     "weight_source": source, "note": note})
    return pd.DataFrame(rows, index=tidy.index, columns=_SIZE_COLUMNS)


def figure_intervals(
    tidy: pd.DataFrame,
    n: ArrayLike,
    deff: float,
    alpha: float = 0.05,
    ranges: bool = True,
) -> pd.DataFrame:
    """Interval of every figure: ``chasm.intervals.share_interval`` row by row, NaN-aware.

    ``tidy`` has columns point, low, high (percent; point NaN for bounds such as "no more
    than 10%"); ``n`` is the number of interviews behind each row (NaN = unknown); ``deff`` the
    design effect. With ``ranges=True`` the interval is the union over [low, high] (rounding
    and wording included, Wilson / Korn-Graubard as ``share_interval`` chooses); with
    ``ranges=False`` it is the interval at the point alone (sampling error only) and rows
    without a point get NaN.

    Returns a DataFrame with the index of ``tidy``: point, ci_low, ci_high, method and n_eff;
    ``method`` is "not computed" where the size is unknown and "no point" where
    ``ranges=False`` meets a bound.
    """
    from chasm.intervals import share_interval

    alpha = check_alpha(alpha)
    deff_f = float(check_positive("deff", deff))
    n_arr = np.broadcast_to(np.asarray(n, dtype=float), (len(tidy),)).copy()
    out = pd.DataFrame({"point": tidy["point"].astype(float).to_numpy(),
                        "ci_low": np.nan, "ci_high": np.nan, "method": "not computed",
                        "n_eff": np.nan}, index=tidy.index)
    point = tidy["point"].astype(float).to_numpy()
    if not ranges:
        out.loc[np.isnan(point), "method"] = "no point"
    ok = ~np.isnan(n_arr)
    if not ranges:
        ok &= ~np.isnan(point)
    if ok.any():
        rows = tidy[ok]
        kwargs = {}
        if ranges:
            kwargs = {"low_pct": rows["low"].astype(float).to_numpy(),
                      "high_pct": rows["high"].astype(float).to_numpy()}
        res = share_interval(rows["point"].astype(float).to_numpy(), n_arr[ok], deff_f, alpha,
                             **kwargs)
        for col in ("ci_low", "ci_high", "method", "n_eff"):
            out.loc[ok, col] = res[col].to_numpy()
    for col in ("ci_low", "ci_high", "n_eff"):
        out[col] = out[col].astype(float)
    return out


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
    The test (``chasm.waves.compare_waves``) is run at both closest corners and, where the
    ranges overlap, at a common value; the largest p-value is returned (one per row).
    """
    from chasm.waves import compare_waves

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
    (low1, high2) or (high1, low2). ``chasm.waves.equivalence_test`` is run at both corners and
    the larger p-value returned (one per row).
    """
    from chasm.waves import equivalence_test

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
    adjusted together with ``chasm.waves.adjust_pvalues(..., method)``. A row outside the
    family is an alternative version of its key's test (another source for the same cell): it
    is adjusted in the family where it replaces that key's test, so its adjusted p-value is
    what the family would give had that source been chosen. NaN p-values stay NaN.
    """
    from chasm.waves import adjust_pvalues

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
    from chasm.waves import compare_waves

    fall = compare_waves(high1, low2, n1, n2, deff1, deff2, alpha)
    rise = compare_waves(low1, high2, n1, n2, deff1, deff2, alpha)
    return pd.DataFrame({"ci_low": fall["ci_low"].to_numpy(),
                         "ci_high": rise["ci_high"].to_numpy()})


def fmt_signed(value: float, digits: int = 1) -> str:
    """A signed number for prose with a true minus sign: "−6.0", "+4.0", "0.0"; "–" if NaN."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "−")


def fmt_p(value: float, relation: bool = False) -> str:
    """A p-value for prose: "0.012", "< 0.001", "–" if NaN; with ``relation`` "= 0.012"."""
    if value is None or pd.isna(value):
        return "–"
    if value < 0.001:
        return "< 0.001"
    return f"= {value:.3f}" if relation else f"{value:.3f}"
