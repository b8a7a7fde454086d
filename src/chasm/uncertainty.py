"""Table-level logic of notebook 02_uncertainty: the size behind and the interval of every figure.

* :func:`subgroup_sizes` - how many interviews stand behind each figure: the wave's N times
  the group's share of the sample ``w`` (1 for the whole sample; population shares for age
  bands; Putin approval shares for approval groups; unknown otherwise);
* :func:`figure_intervals` - the interval of every figure at a design effect, from its wording
  range (rounding, "35-40%", "a third") or from its point only (sampling error alone).

WHY. Published figures are aggregates: the size of a subgroup behind a breakdown is never
published, so it is taken as ``n_g = w_g N`` with ``w_g`` from an outside source (Rosstat's
population by age, Levada's own approval series), and left unknown - never guessed - when no
source gives it. Rounding and wording widen what a figure can mean.

CONVENTION. Shares are percentages (0-100); ``w`` is a fraction (0-1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._validate import ArrayLike, check_alpha, check_positive

#: Subgroup variables weighted by Levada's Putin approval series (columns of the series).
APPROVAL_VARIABLE = "putin_approval"

_SIZE_COLUMNS = ["n_wave", "n_assumed", "w", "n_group", "weight_source", "note"]


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
    * ``w`` - the group's fraction of the sample, by the policy of :mod:`chasm.weights`: 1 for
      the whole sample (``all``); for a variable whose groups carry ``min_age``/``max_age``
      (age bands), the population share (:func:`chasm.weights.age_weights`); for
      ``putin_approval``, the approval split of the wave's ``approval_month``
      (:func:`chasm.weights.group_weight`: normalised to sum 1 when the month is complete);
    * ``n_group`` = ``w * n_wave``;
    * ``weight_source`` - where ``w`` comes from ("whole sample", "population by age",
      "approval YYYY-MM", "approval YYYY-MM, upper bound" or "unknown");
    * ``note`` - what the reader must know (empty when nothing).

    Rules when the size is not known: for ``putin_approval``, if the group's share is missing
    but other groups of that month are published, ``w`` is the most the group can be (what the
    published shares leave, each -0.5 for rounding), so the interval is at least as wide as
    shown; if the month is missing from the series, or any other variable (e.g.
    country_direction, trusted_source) is asked for, no source gives the group's size, so ``w``
    and ``n_group`` are NaN and the interval cannot be computed.
    """
    from chasm import weights as wts

    for col in ("wave", "subgroup_var", "subgroup"):
        if col not in tidy.columns:
            raise ValueError(f"tidy is missing column {col!r}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0):
        raise ValueError(f"n must be a whole number > 0 or None, got {n!r}")
    age_cache: dict[str, pd.Series] = {}
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
        if var == "all":
            w, source = 1.0, "whole sample"
        elif wts.age_bands(meta, str(var)) is not None:
            if var not in age_cache:
                age_cache[var] = wts.age_weights(population, meta, str(var))
            w, source = float(age_cache[var][str(group)]), "population by age"
        elif var == APPROVAL_VARIABLE:
            month = str(wave_meta.get("approval_month") or "")
            try:
                gw = wts.group_weight(wts.wave_approval_weights(meta, approval, str(wave)),
                                      str(group))
            except wts.NoWeights:
                where = f"approval series for {month}" if month else "approval series"
                note = (f"the {where} does not give the share '{group}': group size unknown, "
                        "interval not computed")
            else:
                w, source = gw.w, f"approval {month}"
                if gw.upper_bound:
                    source += ", upper bound"
                    note = (f"the approval series for {month} does not give the share "
                            f"'{group}': at most {100 * w:.1f}% (what the published groups "
                            "leave) is used, so the interval is at least this wide")
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
    """Interval of every figure: ``chasm.stats.intervals.share_interval`` row by row, NaN-aware.

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
    from chasm.stats.intervals import share_interval

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


