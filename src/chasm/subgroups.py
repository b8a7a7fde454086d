"""Published subgroup breakdowns of one answer: the cells, their weights, and what they imply.

WHAT. Gathers the published cells of one answer (wave, question, option) by a breakdown
variable (age group, approval of Putin), with the interval of true values each wording allows,
and derives what a single-response question implies for a cell that was published only as its
complement ("would not" 92% means "would" at most 8.5%). Builds the group weights (Rosstat age
structure; Levada's approval split of the month, renormalised when its rounded parts do not sum
to 100) and combines the statistics of :mod:`chasm.stats.partitions` into the checks a reader of a
subgroup table needs: the weighted identity with unpublished groups left free, the range of an
unpublished group (several unpublished groups are merged into one), a subgroup against the rest
of the sample at the point and at the least favourable ends of the wording ranges, two disjoint
groups against each other, and the trend test at the point and at its flattest reading.

WHY. Published breakdowns are partial: the essay quotes three of four age groups and two of
three approval groups. The identity ``p_T = sum_g w_g p_g`` (law of total probability) turns
partial tables into checks and bounds, but only with the wording ranges carried through:
"about half" is anything from 45 to 55%, and a conclusion that holds only at the convenient
end of such a range is not supported by the text.

CONVENTION. Shares are percentages (0-100); group weights are fractions summing to 1.
"Least favourable" ends are the ends of the wording ranges that shrink the difference in the
direction it has at the points (for a subgroup vs the rest: the subgroup at the end towards the
total's side and the total at the end away from it).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm.stats import partitions as sg

CELL_COLUMNS = ["group", "figure_id", "source_kind", "value_text", "rule", "point", "low",
                "high", "published", "derived", "how"]


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------
def group_labels(meta: Mapping, var: str) -> list[str]:
    """The groups of a breakdown variable, in the order of ``metadata/subgroups.yaml``."""
    return [str(g) for g in meta["subgroups"][var]["groups"]]


def _best_cell(tidy: pd.DataFrame, wave: str, question: str, option: str, var: str,
               group: str) -> pd.Series | None:
    from chasm import figures

    cell = figures.cell(tidy, wave, question, option, var, group)
    if cell.empty:
        return None
    return figures.best(cell).iloc[0]


def group_cells(tidy: pd.DataFrame, meta: Mapping, wave: str, question: str, option: str,
                var: str, complement: str | None = None) -> pd.DataFrame:
    """One row per group of ``var`` (``"all"`` for the total): the best published figure.

    Columns: group, figure_id, source_kind, value_text, rule, point, low, high (interval of
    true values), published (a figure for ``option`` exists), derived (the range comes from
    ``complement``), how (a note). With ``complement`` (the other answer of a single-response
    question, e.g. "would_not" for "would"), a group without a figure for ``option`` but with
    one for ``complement`` gets the range [0, 100 - complement's low]: the answers of one
    respondent sum to 100, and "don't know" takes the rest, so only an upper bound follows.
    Groups with neither get NaN.
    """
    if complement is not None and meta["questions"][question]["response"] != "single":
        raise ValueError(f"question {question!r} is not single response: the complement rule "
                         "'a <= 100 - b' does not apply")
    rows = []
    for group in group_labels(meta, var):
        best = _best_cell(tidy, wave, question, option, var, group)
        if best is not None:
            rows.append({"group": group, "figure_id": best["figure_id"],
                         "source_kind": best["source_kind"], "value_text": best["value_text"],
                         "rule": best["rule"], "point": best["point"], "low": best["low"],
                         "high": best["high"], "published": True, "derived": False,
                         "how": "published"})
            continue
        other = (_best_cell(tidy, wave, question, complement, var, group)
                 if complement else None)
        if other is not None:
            rows.append({"group": group, "figure_id": other["figure_id"],
                         "source_kind": "derived",
                         "value_text": f"at most {100 - other['low']:g}%",
                         "rule": "complement", "point": np.nan, "low": 0.0,
                         "high": 100.0 - other["low"], "published": False, "derived": True,
                         "how": f"{option} <= 100 - {complement} ({other['figure_id']} "
                                f"{other['value_text']})"})
            continue
        rows.append({"group": group, "figure_id": "", "source_kind": "", "value_text": "",
                     "rule": "", "point": np.nan, "low": np.nan, "high": np.nan,
                     "published": False, "derived": False, "how": "not published"})
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


class SumCheck(NamedTuple):
    """Two answers of a single-response question: their sum and the implied remainder.

    ``sum_low``/``sum_high``: range of a + b; ``consistent``: sum_low <= 100 (the answers of a
    respondent cannot exceed 100%); ``rest_low``/``rest_high``: range of everything else
    ("don't know", refusals), 100 minus the sum, clipped at 0; ``b_high_implied``: the upper
    end of b that a leaves room for, min(b_high, 100 - a_low).
    """

    sum_low: float
    sum_high: float
    consistent: bool
    rest_low: float
    rest_high: float
    b_high_implied: float


def single_response_check(a: tuple[float, float], b: tuple[float, float]) -> SumCheck:
    """Check a + b <= 100 for two answers of a single-response question (ranges in percent)."""
    lo, hi = a[0] + b[0], a[1] + b[1]
    return SumCheck(lo, hi, bool(lo <= 100.0 + 1e-9), max(0.0, 100.0 - hi), max(0.0, 100.0 - lo),
                    min(b[1], 100.0 - a[0]))


def add_intervals(cells: pd.DataFrame, weights: pd.Series | Mapping[str, float], n: float,
                  deff: float, alpha: float = 0.05) -> pd.DataFrame:
    """``cells`` with ci_low, ci_high: each range's confidence interval for its group.

    The group's interviews are ``n_g = w_g n`` (its weight times the wave's N) with the same
    design effect; :func:`chasm.stats.intervals.share_interval` over the whole range [low, high]
    (Korn-Graubard near 0 or 100). Rows without a range (or without a weight) get NaN.
    """
    from chasm.stats.intervals import share_interval

    out = cells.copy()
    out["ci_low"], out["ci_high"] = np.nan, np.nan
    w = pd.Series(weights, dtype=float).reindex(out["group"]).to_numpy()
    ok = (out["low"].notna() & ~np.isnan(w)).to_numpy()
    if ok.any():
        ci = share_interval(out.loc[ok, "point"].to_numpy(float), w[ok] * n, deff, alpha=alpha,
                            low_pct=out.loc[ok, "low"].to_numpy(float),
                            high_pct=out.loc[ok, "high"].to_numpy(float))
        out.loc[ok, "ci_low"] = ci["ci_low"].to_numpy()
        out.loc[ok, "ci_high"] = ci["ci_high"].to_numpy()
    return out


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------
def age_bands(meta: Mapping) -> dict[str, tuple[int, int | None]]:
    """``{group: (min_age, max_age)}`` of the age groups in ``metadata/subgroups.yaml``."""
    return {str(g): (int(s["min_age"]), None if s["max_age"] is None else int(s["max_age"]))
            for g, s in meta["subgroups"]["age"]["groups"].items()}


def age_weights(pop: pd.DataFrame, meta: Mapping) -> pd.Series:
    """Rosstat population shares (fractions summing to 1) of the metadata's age groups."""
    return sg.population_weights(pop, age_bands(meta))


APPROVAL_GROUPS = ("approve", "disapprove", "no_answer")


class ApprovalWeights(NamedTuple):
    """Levada's approval split of one month as group weights.

    ``published``: the three shares as published (NaN where not stated); ``raw_sum``: their
    sum (rounded parts may add to 99-101); ``complete``: all three are published;
    ``weights``: the shares divided by their sum (fractions summing to 1) when complete; when
    only "approve" is published, two groups: approve (its share / 100) and
    "disapprove + no_answer" (the rest); ``grid``: weight vectors over the rounding box of
    the published shares (each at -0.5, 0, +0.5, renormalised when complete: 27 or 3
    vectors), for sensitivity.
    """

    month: str
    published: pd.Series
    raw_sum: float
    complete: bool
    weights: pd.Series
    grid: list[pd.Series]


def approval_weights(approval: pd.DataFrame, month: str) -> ApprovalWeights:
    """Approval split of ``month`` from ``io.load_approval()`` (see :class:`ApprovalWeights`)."""
    row = approval[approval["month"] == month]
    if row.empty:
        raise ValueError(f"month {month!r} is not in the approval series")
    published = pd.Series(row.iloc[0][list(APPROVAL_GROUPS)].astype(float).to_numpy(),
                          index=list(APPROVAL_GROUPS))
    complete = bool(published.notna().all())
    raw_sum = float(published.sum())
    if complete:
        weights = published / raw_sum
        grid = []
        for shifts in itertools.product((-0.5, 0.0, 0.5), repeat=3):
            shifted = (published + np.array(shifts)).clip(lower=0.0)
            grid.append(shifted / shifted.sum())
    elif not np.isnan(published["approve"]):
        rest = "disapprove + no_answer"

        def split(a: float) -> pd.Series:
            return pd.Series({"approve": a / 100.0, rest: 1.0 - a / 100.0})

        weights = split(published["approve"])
        grid = [split(published["approve"] + d) for d in (-0.5, 0.0, 0.5)]
    else:
        raise ValueError(f"month {month!r} has no published approval share")
    return ApprovalWeights(month, published, raw_sum, complete, weights, grid)


def merge_groups(weights: pd.Series, groups: Sequence[str], label: str) -> pd.Series:
    """Weights with ``groups`` replaced by one group ``label`` (their summed weight)."""
    keep = [g for g in weights.index if g not in groups]
    merged = weights[keep].copy()
    merged[label] = float(weights[list(groups)].sum())
    return merged


# --------------------------------------------------------------------------------------------
# The identity and unpublished groups
# --------------------------------------------------------------------------------------------
class MissingBounds(NamedTuple):
    """Range of the unpublished group(s) implied by the total and the published groups.

    ``group``: its label (unpublished groups merged, e.g. "25-39 + 40-54"); ``weight``: its
    population weight; ``low``/``high``: the range (clipped to 0-100); ``feasible``: False
    when the published figures contradict each other; ``weights``: the weights used (with the
    merged group).
    """

    group: str
    weight: float
    low: float
    high: float
    feasible: bool
    weights: pd.Series


def missing_group(total: tuple[float, float], weights: pd.Series,
                  cells: pd.DataFrame) -> MissingBounds:
    """Bound the unpublished group(s) of ``cells`` from the weighted identity.

    Groups with NaN ranges in ``cells`` are unpublished; if there are several they are merged
    into one group (their weights summed) since the identity only constrains their weighted
    mean. Uses :func:`chasm.stats.partitions.solve_missing_subgroup` with the published groups'
    ranges and the total's range ``(low, high)``.
    """
    ranges = cells.set_index("group")[["low", "high"]].reindex(weights.index)
    unknown = ranges.index[ranges["low"].isna()].tolist()
    if not unknown:
        raise ValueError("every group is published: nothing to bound")
    label = unknown[0] if len(unknown) == 1 else " + ".join(unknown)
    w = merge_groups(weights, unknown, label) if len(unknown) > 1 else weights
    known = ranges.drop(index=unknown).reindex(w.index)
    cell = sg.solve_missing_subgroup(total[0], total[1], w, known["low"], known["high"], label)
    return MissingBounds(label, float(w[label]), float(cell.low), float(cell.high),
                         bool(cell.feasible), w)


def missing_group_over_grid(total: tuple[float, float], grid: Sequence[pd.Series],
                            cells: pd.DataFrame) -> tuple[float, float]:
    """Outer range of :func:`missing_group` over several weight vectors (e.g. the rounding
    box of the approval split): (lowest low, highest high)."""
    if not grid:
        raise ValueError("grid must contain at least one weight vector")
    found = [missing_group(total, w, cells) for w in grid]
    return min(f.low for f in found), max(f.high for f in found)


def identity_free(total: tuple[float, float], weights: pd.Series, cells: pd.DataFrame,
                  free: tuple[float, float] = (0.0, 100.0)) -> pd.Series:
    """:func:`chasm.stats.partitions.identity_check` with unpublished groups anywhere in ``free``.

    With ``free = (0, 100)`` the check asks whether *some* value of the unpublished groups
    reconciles the published groups with the total; a narrower ``free`` range states an
    assumption (e.g. "between its neighbours"). Returns the check's one row.
    """
    ranges = cells.set_index("group")[["low", "high"]].reindex(weights.index)
    lo = ranges["low"].fillna(free[0])
    hi = ranges["high"].fillna(free[1])
    return sg.identity_check(np.nan, weights, lo, hi, total_low=total[0],
                             total_high=total[1]).iloc[0]


def identity_rows(wave: str, label: str, figure_ids: str, total: tuple[float, float],
                  weights: pd.Series, cells: pd.DataFrame, answer: str
                  ) -> tuple[list[dict], pd.Series, MissingBounds]:
    """The two checks every breakdown with an unpublished group gets, as key-numbers rows.

    1. the identity with the unpublished group(s) anywhere in 0-100 (:func:`identity_free`);
    2. the range the unpublished group(s) must lie in (:func:`missing_group`), "share of
       <group> <answer> (derived)".
    Rows have the columns wave, check, figure_ids, quantity, low, high, p_value, verdict.
    Returns the rows, the identity row and the bounds (for the sentences around them).
    """
    free = identity_free(total, weights, cells)
    miss = missing_group(total, weights, cells)
    rows = [
        {"wave": wave, "check": f"{label}: identity with {miss.group} free",
         "figure_ids": figure_ids,
         "quantity": "implied total (percent) with the unpublished "
                     f"{'groups' if ' + ' in miss.group else 'group'} anywhere in 0-100",
         "low": free["implied_low"], "high": free["implied_high"], "p_value": np.nan,
         "verdict": "consistent" if free["consistent"] else "inconsistent"},
        {"wave": wave, "check": f"{label}: unpublished {miss.group}", "figure_ids": figure_ids,
         "quantity": f"share of {miss.group} {answer} (derived)", "low": miss.low,
         "high": miss.high, "p_value": np.nan,
         "verdict": "feasible" if miss.feasible else "contradiction"},
    ]
    return rows, free, miss


# --------------------------------------------------------------------------------------------
# Comparisons at the point and at the least favourable ends
# --------------------------------------------------------------------------------------------
def vs_rest(total: Mapping[str, float], sub: Mapping[str, float], w: float, n: float,
            deff: float, alpha: float = 0.05) -> pd.DataFrame:
    """A subgroup against the rest of the sample, at the points and the least favourable ends.

    ``total`` and ``sub`` have keys point, low, high. Row "point" uses the points; row
    "least favourable" moves the subgroup and the total to the ends of their ranges that
    shrink the difference in the direction it has at the points (sub high & total low when the
    subgroup is below the rest; sub low & total high when above). Columns: reading, sub, total,
    rest, diff (sub - rest), ci_low, ci_high, z, p_value, note ("" or why a row is not
    computable, e.g. an implied rest share outside 0-100).
    """
    readings = [("point", sub["point"], total["point"])]
    at_point = (total["point"] - w * sub["point"]) / (1 - w)
    if sub["point"] >= at_point:
        readings.append(("least favourable", sub["low"], total["high"]))
    else:
        readings.append(("least favourable", sub["high"], total["low"]))
    rows = []
    for reading, s, t in readings:
        try:
            res = sg.subgroup_vs_rest(t, s, w, n, deff, alpha).iloc[0]
            rows.append({"reading": reading, "sub": s, "total": t, "rest": res["rest"],
                         "diff": res["diff"], "ci_low": res["ci_low"],
                         "ci_high": res["ci_high"], "z": res["z"], "p_value": res["p_value"],
                         "note": ""})
        except ValueError as err:
            rows.append({"reading": reading, "sub": s, "total": t, "rest": np.nan,
                         "diff": np.nan, "ci_low": np.nan, "ci_high": np.nan, "z": np.nan,
                         "p_value": np.nan, "note": str(err)})
    return pd.DataFrame(rows)


def compare_groups(a: Mapping[str, float], b: Mapping[str, float], n_a: float, n_b: float,
                   deff: float, alpha: float = 0.05) -> pd.DataFrame:
    """Two disjoint groups of one sample (e.g. approvers vs disapprovers): a - b.

    Score test and interval on effective counts (:func:`chasm.stats.twosample.compare_waves` with
    ``n_g = w_g N`` each), at the points and at the least favourable ends (the ranges' ends
    that bring a and b closest in the direction of the point difference). Columns: reading,
    a, b, diff, ci_low, ci_high, z, p_value.
    """
    from chasm.stats.twosample import compare_waves

    if a["point"] >= b["point"]:
        ends = (a["low"], b["high"])
    else:
        ends = (a["high"], b["low"])
    rows = []
    for reading, (pa, pb) in (("point", (a["point"], b["point"])), ("least favourable", ends)):
        res = compare_waves(pb, pa, n_b, n_a, deff, deff, alpha).iloc[0]
        rows.append({"reading": reading, "a": pa, "b": pb, "diff": res["diff"],
                     "ci_low": res["ci_low"], "ci_high": res["ci_high"], "z": res["z"],
                     "p_value": res["p_value"]})
    return pd.DataFrame(rows)


def trend(cells: pd.DataFrame, scores: Sequence[float], n_effs: Sequence[float]) -> pd.DataFrame:
    """Cochran-Armitage trend across ordered groups, at the points and at the flattest ends.

    ``cells`` (rows in order) need point, low, high. The "least favourable" reading sets each
    group to the end of its range that works against the trend found at the points: groups
    whose score is below the n_eff-weighted mean score go to their high end and the others to
    their low end when the trend rises (the reverse when it falls). Columns: reading, z,
    p_value, shares (the values used, "/"-joined).
    """
    scores = np.asarray(scores, dtype=float)
    n_effs = np.asarray(n_effs, dtype=float)
    point = sg.trend_test(cells["point"].to_numpy(float), n_effs, scores)
    below = scores < np.average(scores, weights=n_effs)
    rising = point["z"] >= 0
    flat = np.where(below == rising, cells["high"].to_numpy(float), cells["low"].to_numpy(float))
    least = sg.trend_test(flat, n_effs, scores)
    return pd.DataFrame([
        {"reading": "point", "z": point["z"], "p_value": point["p_value"],
         "shares": "/".join(f"{v:g}" for v in cells["point"])},
        {"reading": "least favourable", "z": least["z"], "p_value": least["p_value"],
         "shares": "/".join(f"{v:g}" for v in flat)},
    ])


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------
def plot_groups(ax, cells: pd.DataFrame, total: Mapping[str, float], title: str,
                palette: Mapping[str, str]) -> pd.DataFrame:
    """Draw one breakdown on ``ax``; return the plotted numbers (one row per group + total).

    ``cells`` rows (top to bottom) need group, low, high, point, ci_low, ci_high,
    source_kind, derived, figure_id. Published groups: a bar over the wording range in the
    source's colour, a dot at the point, a thin line for the confidence interval. Derived
    ranges (unpublished groups bounded by the identity, or a complement): a hatched grey bar
    labelled "derived". ``total`` (keys point, low, high, ci_low, ci_high, figure_id): a
    vertical reference line with a light band for its interval.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.axvspan(total["ci_low"], total["ci_high"], color="#eeeeee", zorder=0)
    ax.axvline(total["point"], color="#333333", lw=1, ls="--", zorder=1)
    rows = cells.reset_index(drop=True)
    ys = np.arange(len(rows))[::-1]
    labels = []
    for y, row in zip(ys, rows.itertuples(), strict=True):
        ax.plot([row.ci_low, row.ci_high], [y, y], color="#333333", lw=1, zorder=2)
        width = max(row.high - row.low, 0.4)
        if row.derived:
            ax.barh(y, width, left=row.low, height=0.42, facecolor="#dddddd",
                    edgecolor="#777777", hatch="///", lw=0.8, zorder=3)
            labels.append(f"{row.group} (derived from {row.figure_id})" if row.figure_id
                          else f"{row.group} (derived)")
        else:
            colour = palette.get(row.source_kind, "#777777")
            ax.barh(y, width, left=row.low, height=0.42, color=colour, alpha=0.45, zorder=3)
            if not np.isnan(row.point):
                ax.plot(row.point, y, "o", color=colour, ms=6, markeredgecolor="white",
                        zorder=4)
            labels.append(f"{row.group} ({row.figure_id})")
    ax.set_yticks(ys, labels, fontsize=8.5)
    ax.set_xlim(0, 100)
    ax.set_title(title, fontsize=9.5)
    ax.set_xlabel("percent")
    kinds = [k for k in dict.fromkeys(rows.loc[~rows["derived"], "source_kind"]) if k]
    handles = [Patch(color=palette.get(k, "#777777"), alpha=0.45, label=k) for k in kinds]
    handles.append(Patch(facecolor="#dddddd", edgecolor="#777777", hatch="///",
                         label="derived (bounds)"))
    handles.append(Line2D([], [], color="#333333", lw=1, ls="--", label="total"))
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22),
              ncol=2, frameon=False)
    data = rows[["group", "figure_id", "source_kind", "derived", "point", "low", "high",
                 "ci_low", "ci_high"]].copy()
    tot = pd.DataFrame([{"group": "total", "figure_id": total.get("figure_id", ""),
                         "source_kind": total.get("source_kind", ""), "derived": False,
                         "point": total["point"], "low": total["low"], "high": total["high"],
                         "ci_low": total["ci_low"], "ci_high": total["ci_high"]}])
    return pd.concat([data, tot], ignore_index=True)


__all__ = [
    "group_labels", "group_cells", "add_intervals", "SumCheck", "single_response_check",
    "age_bands", "age_weights", "ApprovalWeights", "approval_weights", "merge_groups",
    "MissingBounds", "missing_group", "missing_group_over_grid", "identity_free", "vs_rest",
    "compare_groups", "trend", "plot_groups",
]
