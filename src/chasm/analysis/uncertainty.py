"""Table-level logic of notebook 02_uncertainty: the size behind and the interval of every figure.

* :func:`select` - the figures a run studies (its ``questions`` and ``waves`` parameters),
  refusing a selection the data do not have;
* :func:`subgroup_sizes` - how many interviews stand behind each figure: the wave's N times
  the group's share of the sample ``w`` (1 for the whole sample; population shares for age
  bands; Putin approval shares for approval groups; unknown otherwise);
* :func:`figure_intervals` - the interval of every figure at a design effect, from its wording
  range (rounding, "35-40%", "a third") or from its point only (sampling error alone);
* :func:`interval_table` - the report's table: every figure, its size and its interval;
* :func:`deff_sensitivity` - half-widths over a grid of design effects;
* :func:`range_widths` - how much rounding and wording widen each interval, and
  :func:`rounding_summary` - what rounding adds over the figures published as numbers.

The sentences of 02_uncertainty are built in the notebook from these numbers.

WHY. Published figures are aggregates: the size of a subgroup behind a breakdown is never
published, so it is taken as ``n_g = w_g N`` with ``w_g`` from an outside source (Rosstat's
population by age, Levada's own approval series), and left unknown - never guessed - when no
source gives it. Rounding and wording widen what a figure can mean.

CONVENTION. Shares are percentages (0-100); ``w`` is a fraction (0-1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm import formats
from chasm.analysis import weights as wts
from chasm.data.load import APPROVAL_VARIABLE  # noqa: F401 (read here by tests/table/test_facts.py)
from chasm.data.params import ParameterError
from chasm.stats._validate import ArrayLike, check_alpha, check_positive
from chasm.stats.design import DEFF_SENSITIVITY
from chasm.stats.intervals import share_interval

_SIZE_COLUMNS = ["n_wave", "n_assumed", "w", "n_group", "weight_source", "note"]


def select(tidy: pd.DataFrame, meta: dict, questions=(), waves=(),
           focus: str | None = None) -> pd.DataFrame:
    """The figures of ``questions`` in ``waves`` (empty: every question / every wave).

    Raises ``chasm.data.params.ParameterError`` (which ``chasm.report`` re-exports) with the
    choices the data offer when a question or wave is not in the metadata, has no figure, or
    the two have no figure together, and when ``focus`` (the option the sensitivity table
    follows) has no figure in the selection.
    """
    for name, values, column, known in (("questions", questions, "question", meta["questions"]),
                                        ("waves", waves, "wave", meta["waves"])):
        if isinstance(values, str):
            raise ParameterError(f"{name}={values!r} must be a list, e.g. [{values!r}]")
        have = sorted(tidy[column].unique())
        for v in values:
            if str(v) not in known or str(v) not in have:
                raise ParameterError(f"{name}: {v!r} has no figure in the data; choose from "
                                     f"{', '.join(have)}")
    chosen = tidy
    if len(questions):
        chosen = chosen[chosen["question"].isin([str(q) for q in questions])]
    if len(waves):
        chosen = chosen[chosen["wave"].isin([str(w) for w in waves])]
    if chosen.empty:
        raise ParameterError(f"no figure of questions {list(questions)} in waves {list(waves)}; "
                             "waves with figures of these questions: "
                             + ", ".join(sorted(tidy.loc[tidy["question"].isin(questions),
                                                         "wave"].unique())))
    if focus is not None and focus not in set(chosen["option"]):
        raise ParameterError(f"focus={focus!r} has no figure in the selection; choose from "
                             f"{', '.join(sorted(chosen['option'].unique()))}")
    return chosen


def subgroup_sizes(
    tidy: pd.DataFrame,
    meta: dict,
    population: pd.DataFrame | dict[str, pd.DataFrame],
    approval: pd.DataFrame,
    n: int | None = None,
) -> pd.DataFrame:
    """Number of interviews behind each figure of the tidy table (one row per tidy row).

    ``tidy`` has columns wave, subgroup_var, subgroup (the processed figures table); ``meta``
    is ``chasm.data.load.load_metadata()``; ``population`` is ``chasm.data.load.load_populations()``
    (every
    population table by reference date: each wave uses the nearest,
    :func:`chasm.analysis.weights.wave_age_weights`) or one table,
    ``chasm.data.load.load_population()``;
    ``approval`` is ``chasm.data.load.load_approval()``; ``n`` overrides every wave's N (None: the
    wave's ``n`` from ``metadata/waves.yaml``).

    Returns a DataFrame with the index of ``tidy`` and columns:

    * ``n_wave`` - interviews in the wave; ``n_assumed`` - True when that N is an assumption
      (the metadata flag; also True when ``n`` overrides it);
    * ``w`` - the group's fraction of the sample, by the policy of :mod:`chasm.analysis.weights`: 1
    for
      the whole sample (``all``); for a variable whose groups carry ``min_age``/``max_age``
      (age bands), the population share (:func:`chasm.analysis.weights.age_weights` of the wave's
      nearest population table); for
      ``putin_approval``, the approval split of the wave's ``approval_month``
      (:func:`chasm.analysis.weights.group_weight`: normalised to sum 1 when the month is complete);
    * ``n_group`` = ``w * n_wave``;
    * ``weight_source`` - where ``w`` comes from ("whole sample", "population by age" or, from
      dated tables, "population by age YYYY-MM-DD",
      "approval YYYY-MM", "approval YYYY-MM, upper bound" or "unknown");
    * ``note`` - what the reader must know (empty when nothing).

    Rules when the size is not known: for ``putin_approval``, if the group's share is missing
    but other groups of that month are published, ``w`` is the most the group can be (what the
    published shares leave, each -0.5 for rounding), so the interval is at least as wide as
    shown; if the month is missing from the series, or any other variable (e.g.
    country_direction, trusted_source) is asked for, no source gives the group's size, so ``w``
    and ``n_group`` are NaN and the interval cannot be computed.
    """
    for col in ("wave", "subgroup_var", "subgroup"):
        if col not in tidy.columns:
            raise ValueError(f"tidy is missing column {col!r}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0):
        raise ValueError(f"n must be a whole number > 0 or None, got {n!r}")
    age_cache: dict[tuple[str, str], tuple[pd.Series, str]] = {}
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
        elif wts.weight_kind(meta, str(var)) == "age":
            key = (str(var), str(wave))
            if key not in age_cache:
                if isinstance(population, pd.DataFrame):
                    age_cache[key] = (wts.age_weights(population, meta, str(var)),
                                      "population by age")
                else:
                    chosen = wts.wave_age_weights(population, meta, str(wave), str(var))
                    age_cache[key] = (chosen.weights, f"population by age {chosen.date}")
            w, source = float(age_cache[key][0][str(group)]), age_cache[key][1]
        elif wts.weight_kind(meta, str(var)) == "approval":
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
    and wording included, Wilson, or exact Clopper-Pearson on n_eff near 0 and 100, as
    ``share_interval`` chooses); with
    ``ranges=False`` it is the interval at the point alone (sampling error only) and rows
    without a point get NaN.

    Returns a DataFrame with the index of ``tidy``: point, ci_low, ci_high, method and n_eff;
    ``method`` is "not computed" where the size is unknown and "no point" where
    ``ranges=False`` meets a bound.
    """
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


# --------------------------------------------------------------------------------------------
# The tables and sentences of notebook 02_uncertainty
# --------------------------------------------------------------------------------------------
_TIDY_SHOWN = ["figure_id", "source_kind", "wave", "question", "option", "subgroup_var",
               "subgroup", "value_text", "point", "low", "high", "rule"]


def interval_table(tidy: pd.DataFrame, sizes: pd.DataFrame, deff: float,
                   alpha: float = 0.05) -> pd.DataFrame:
    """One row per figure: the figure, the interviews behind it and its interval.

    ``sizes`` is :func:`subgroup_sizes` of ``tidy``; the interval is :func:`figure_intervals`
    over the figure's range at ``deff``. Columns: figure_id ... rule (as in the tidy table),
    n_wave, n_assumed, w, weight_source, n (= ``n_group``), n_eff, deff, ci_low, ci_high,
    method, note (the table 02_uncertainty saves).
    """
    ci = figure_intervals(tidy, sizes["n_group"], deff, alpha)
    table = pd.concat([
        tidy[_TIDY_SHOWN],
        sizes[["n_wave", "n_assumed", "w", "weight_source"]],
        sizes[["n_group"]].rename(columns={"n_group": "n"}),
        ci[["n_eff", "ci_low", "ci_high", "method"]],
        sizes[["note"]],
    ], axis=1)
    table.insert(table.columns.get_loc("ci_low"), "deff", float(deff))
    return table


def sensitivity_deffs(levada: float, used: float, grid=None) -> list[float]:
    """The design effects of the sensitivity table, sorted: ``grid`` (default
    ``chasm.stats.design.DEFF_SENSITIVITY``) with its rounded Levada value (within 0.05 of
    ``levada``) replaced by the exact least-squares one, plus the design effect the run uses."""
    grid = DEFF_SENSITIVITY if grid is None else grid
    deffs = [levada if abs(d - levada) < 0.05 else d for d in grid]
    return sorted(set(deffs) | {used})


def deff_sensitivity(tidy: pd.DataFrame, n_group: pd.Series, deffs: list[float],
                     levada: float, n_ref: float, alpha: float = 0.05,
                     option: str = "traitors", meta: dict | None = None) -> pd.DataFrame:
    """Half-width (points) of intervals over a grid of design effects.

    The first row is a reference, 50% for a whole wave of ``n_ref`` interviews; then one row
    per figure of ``option`` whose size is known (``n_group`` not NaN), its interval over the
    range its text allows (as in :func:`interval_table`). Columns: figure (a label: id, wave
    and group, the group by its metadata labels when ``meta`` is given), source_kind,
    value_text, then one column per design effect named by ``formats.fmt_deff_column``.
    """
    def group(var: str, sub: str) -> str:
        if var == "all":
            return "whole sample"
        if meta is None:
            return f"{var} = {sub}"
        spec = meta["subgroups"].get(var, {})
        return f"{spec.get('label', var)}: {spec.get('groups', {}).get(sub, {}).get('label', sub)}"

    rows = tidy[(tidy["option"] == option) & n_group.notna()]
    out = pd.DataFrame([{"figure": f"reference: 50% at N = {formats.fmt(n_ref, 0)}",
                         "source_kind": "", "value_text": "50%"}]
                       + [{"figure": f"{r.figure_id} · {r.wave} · "
                                     + group(r.subgroup_var, r.subgroup),
                           "source_kind": r.source_kind, "value_text": r.value_text}
                          for r in rows.itertuples()])
    for d in deffs:
        ref = share_interval(50.0, n_ref, d, alpha).iloc[0]
        ci = figure_intervals(rows, n_group.loc[rows.index], d, alpha)
        half = (ci["ci_high"] - ci["ci_low"]) / 2
        out[formats.fmt_deff_column(d, levada)] = [(ref["ci_high"] - ref["ci_low"]) / 2, *half]
    return out


def range_widths(table: pd.DataFrame, n_group: pd.Series, deff: float,
                 alpha: float = 0.05) -> pd.DataFrame:
    """How much a figure's rounding or wording widens its interval (points).

    ``table`` is :func:`interval_table`; the interval at the point alone (sampling error only,
    :func:`figure_intervals` with ``ranges=False``) is compared with the interval over the
    range. Columns: figure_id, source_kind, wave, option, subgroup, value_text, rule,
    width_sampling, width_with_range, added_by_range, ratio; only figures with both widths.
    """
    samp = figure_intervals(table, n_group, deff, alpha, ranges=False)
    widths = table[["figure_id", "source_kind", "wave", "option", "subgroup", "value_text",
                    "rule"]].copy()
    widths["width_sampling"] = samp["ci_high"] - samp["ci_low"]
    widths["width_with_range"] = table["ci_high"] - table["ci_low"]
    widths["added_by_range"] = widths["width_with_range"] - widths["width_sampling"]
    widths["ratio"] = widths["width_with_range"] / widths["width_sampling"]
    return widths[widths["width_sampling"].notna()]


#: Rounding whose added width stays below this share of every interval (percent) leaves
#: sampling error the dominant part of the uncertainty.
ROUNDING_NEGLIGIBLE_PCT = 25.0


def rounding_summary(widths: pd.DataFrame) -> dict:
    """What rounding adds over the figures published as whole numbers (rows of
    :func:`range_widths` whose ``rule`` is "number"): how many (``k``), the smallest, largest
    and median width added (points: ``added_low``, ``added_high``, ``added_median``), the
    narrowest and widest interval (``width_low``, ``width_high``), the largest share of an
    interval's width that rounding adds (``largest_share``, percent) and whether sampling
    error dominates (``sampling_dominates``: that share below
    :data:`ROUNDING_NEGLIGIBLE_PCT`). NaN numbers (and False) when there is no such figure."""
    numbers = widths[widths["rule"] == "number"]
    share = float(100 * (numbers["added_by_range"] / numbers["width_with_range"]).max())
    return {"k": len(numbers), "added_low": float(numbers["added_by_range"].min()),
            "added_high": float(numbers["added_by_range"].max()),
            "added_median": float(numbers["added_by_range"].median()),
            "width_low": float(numbers["width_with_range"].min()),
            "width_high": float(numbers["width_with_range"].max()),
            "largest_share": share,
            "sampling_dominates": bool(share < ROUNDING_NEGLIGIBLE_PCT)}
