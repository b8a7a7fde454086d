"""Published subgroup breakdowns of one answer: the cells, and the arithmetic of what they imply.

WHAT. Gathers the published cells of one answer (wave, question, option) by a breakdown
variable, with the interval of true values each wording allows, and derives what a
single-response question implies for a cell that was published only as its complement ("would
not" 92% means "would" at most 8.5%). With group weights from :mod:`chasm.analysis.weights`
(their one home) it applies :mod:`chasm.stats.partitions`: the weighted identity with
unpublished groups left free (:func:`weighted_identity`, also the claims register's), the range
of an unpublished group (several are merged into one, their members kept as a tuple), the
identity under the assumption "between its neighbours", what a group of unknown size can be
(:func:`largest_group_size`, also the claims register's), and every published breakdown
against its total (:func:`breakdown_checks`). Groups tested against each other:
:mod:`chasm.analysis.subgroup_tests`. The sentences, tables and charts of 05_subgroups live in
that notebook.

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

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm.analysis import weights
from chasm.analysis.weights import merge_groups, merged_label
from chasm.data import figures
from chasm.stats import partitions as sg
from chasm.stats.intervals import share_interval

CELL_COLUMNS = ["group", "figure_id", "source_kind", "value_text", "rule", "point", "low",
                "high", "published", "derived", "how"]

#: The answers of a single-response would / would-not question (the complement rule).
WOULD, WOULD_NOT = "would", "would_not"


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------
def group_labels(meta: Mapping, var: str) -> list[str]:
    """The groups of a breakdown variable, in the order of ``metadata/subgroups.yaml``."""
    return [str(g) for g in meta["subgroups"][var]["groups"]]


def _best_cell(tidy: pd.DataFrame, wave: str, question: str, option: str, var: str,
               group: str) -> pd.Series | None:
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
    (exact Clopper-Pearson on n_eff near 0 or 100). Rows without a range (or without a weight) get
    NaN.
    """
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

def total_cell(tidy: pd.DataFrame, meta: Mapping, wave: str, question: str, option: str,
               n: float, deff: float, alpha: float = 0.05,
               complement: str | None = None) -> pd.Series:
    """The whole-sample cell of an answer (:func:`group_cells` of ``"all"``) with its interval."""
    cells = group_cells(tidy, meta, wave, question, option, "all", complement=complement)
    return add_intervals(cells, {"all": 1.0}, n, deff, alpha).iloc[0]


def range_interval(weight: float, low: float, high: float, n: float, deff: float,
                   alpha: float = 0.05) -> tuple[float, float]:
    """Confidence interval over a derived range [low, high] of a group of ``weight * n``
    interviews (:func:`chasm.stats.intervals.share_interval` with the range as its input)."""
    ci = share_interval(np.nan, weight * n, deff, alpha=alpha, low_pct=low,
                        high_pct=high).iloc[0]
    return float(ci["ci_low"]), float(ci["ci_high"])


# --------------------------------------------------------------------------------------------
# The identity and unpublished groups
# --------------------------------------------------------------------------------------------
class MissingBounds(NamedTuple):
    """Range of the unpublished group(s) implied by the total and the published groups.

    ``group``: its display label (several unpublished groups are merged: "25-39 + 40-54");
    ``members``: the groups it stands for, as a tuple (never split the label back);
    ``weight``: its weight; ``low``/``high``: the range clipped to 0-100; ``raw_low`` /
    ``raw_high``: the same range unclipped (outside 0-100 when the published figures
    contradict each other, which the claims register reports); ``feasible``: False when they
    do; ``weights``: the weights used (with the merged group).
    """

    group: str
    members: tuple[str, ...]
    weight: float
    low: float
    high: float
    raw_low: float
    raw_high: float
    feasible: bool
    weights: pd.Series


def _ranges(weights: pd.Series, cells: pd.DataFrame) -> pd.DataFrame:
    return cells.set_index("group")[["low", "high"]].reindex(weights.index)


def missing_group(total: tuple[float, float], weights: pd.Series, cells: pd.DataFrame,
                  members: Mapping[str, Sequence[str]] | None = None) -> MissingBounds:
    """Bound the unpublished group(s) of ``cells`` from the weighted identity.

    ``cells`` has columns group, low, high; groups of ``weights`` without a range there
    (absent or NaN) are unpublished; if there are several they are merged into one group
    (their weights summed) since the identity only constrains their weighted mean. ``members``
    maps a label of ``weights`` that is itself a merged group to its members (e.g.
    :attr:`chasm.analysis.weights.ApprovalWeights.members`); by default each label is one group.
    Uses
    :func:`chasm.stats.partitions.solve_missing_subgroup` with the published groups' ranges and
    the total's range ``(low, high)``.
    """
    ranges = _ranges(weights, cells)
    unknown = ranges.index[ranges["low"].isna()].tolist()
    if not unknown:
        raise ValueError("every group is published: nothing to bound")
    label = unknown[0] if len(unknown) == 1 else merged_label(unknown)
    w = merge_groups(weights, unknown, label) if len(unknown) > 1 else weights
    parts = tuple(m for g in unknown for m in (members or {}).get(g, (g,)))
    known = ranges.drop(index=unknown).reindex(w.index)
    cell = sg.solve_missing_subgroup(total[0], total[1], w, known["low"], known["high"], label)
    return MissingBounds(label, parts, float(w[label]), float(cell.low), float(cell.high),
                         float(cell.raw_low), float(cell.raw_high), bool(cell.feasible), w)


def missing_group_over_grid(total: tuple[float, float], grid: Sequence[pd.Series],
                            cells: pd.DataFrame) -> tuple[float, float]:
    """Outer range of :func:`missing_group` over several weight vectors (e.g. the rounding
    box of the approval split): (lowest low, highest high)."""
    if not grid:
        raise ValueError("grid must contain at least one weight vector")
    found = [missing_group(total, w, cells) for w in grid]
    return min(f.low for f in found), max(f.high for f in found)


class Identity(NamedTuple):
    """The weighted identity of one breakdown (:func:`weighted_identity`).

    ``implied_low``/``implied_high``: the total the groups imply with the unpublished ones
    anywhere in ``free``; ``total_low``/``total_high``: the published total's range; ``gap``:
    points between the two (0 when they overlap); ``consistent``: they overlap; ``missing``:
    the bounds of the unpublished group(s), None when every group is published.
    """

    implied_low: float
    implied_high: float
    total_low: float
    total_high: float
    gap: float
    consistent: bool
    missing: MissingBounds | None


def weighted_identity(total: tuple[float, float], weights: pd.Series, cells: pd.DataFrame,
                      free: tuple[float, float] = (0.0, 100.0),
                      members: Mapping[str, Sequence[str]] | None = None) -> Identity:
    """Published cells -> the weighted identity ``p_T = sum_g w_g p_g`` and what it implies.

    The one glue between published cells and :mod:`chasm.stats.partitions` (05_subgroups and
    the claims register both use it). ``cells`` has columns group, low, high (NaN or absent =
    unpublished); ``total`` is the published total's range. With ``free = (0, 100)`` the
    check (:func:`chasm.stats.partitions.identity_check`) asks whether *some* value of the
    unpublished groups reconciles the published groups with the total; a narrower ``free``
    states an assumption (e.g. "between its neighbours"). ``missing`` is
    :func:`missing_group` (always over 0-100: the bound the identity itself gives).
    """
    ranges = _ranges(weights, cells)
    res = sg.identity_check(np.nan, weights, ranges["low"].fillna(free[0]),
                            ranges["high"].fillna(free[1]), total_low=total[0],
                            total_high=total[1]).iloc[0]
    miss = (missing_group(total, weights, cells, members) if ranges["low"].isna().any()
            else None)
    return Identity(float(res["implied_low"]), float(res["implied_high"]),
                    float(res["total_low"]), float(res["total_high"]), float(res["gap"]),
                    bool(res["consistent"]), miss)

class Unpublished(NamedTuple):
    """What a breakdown with unpublished groups implies (:func:`unpublished_range`).

    ``identity``: the :class:`Identity` (unpublished groups free in 0-100); ``missing``: its
    bounds; ``ci_low``/``ci_high``: confidence interval over the derived range with the
    merged group's interviews; ``grid_low``/``grid_high``: the derived range over the rounding
    grid of the weights (the range itself without a grid).
    """

    identity: Identity
    missing: MissingBounds
    ci_low: float
    ci_high: float
    grid_low: float
    grid_high: float


def unpublished_range(cells: pd.DataFrame, total: Mapping, group_weights: pd.Series, n: float,
                      deff: float, alpha: float = 0.05,
                      grid: Sequence[pd.Series] | None = None,
                      members: Mapping[str, Sequence[str]] | None = None) -> Unpublished:
    """The identity of one breakdown with unpublished groups and the range they must lie in,
    with its confidence interval (at 1 - ``alpha``) and, given ``grid``, over the weights'
    rounding; raises ValueError when every group is published."""
    t_range = (total["low"], total["high"])
    ident = weighted_identity(t_range, group_weights, cells, members=members)
    miss = ident.missing
    if miss is None:
        raise ValueError("every group is published: nothing to bound")
    ci = range_interval(miss.weight, miss.low, miss.high, n, deff, alpha)
    g_lo, g_hi = (missing_group_over_grid(t_range, grid, cells) if grid
                  else (miss.low, miss.high))
    return Unpublished(ident, miss, ci[0], ci[1], g_lo, g_hi)


class Between(NamedTuple):
    """The assumption that the one unpublished group lies between its published neighbours.

    ``applies``: exactly one group is unpublished and it has a neighbour on both sides (else
    the other fields are empty); ``group``, ``left``, ``right``: the group and its neighbours;
    ``low``/``high``: the range the assumption gives it (lowest low and highest high of the
    neighbours); ``implied_low``/``implied_high``/``consistent``: the identity with the group
    in that range.
    """

    applies: bool
    group: str
    left: str
    right: str
    low: float
    high: float
    implied_low: float
    implied_high: float
    consistent: bool


def between_neighbours(cells: pd.DataFrame, total: Mapping,
                       group_weights: pd.Series) -> Between:
    """The identity if the unpublished group lies between its neighbours in the order of
    ``group_weights`` (age patterns are usually monotone): an assumption, stated as such."""
    order = list(group_weights.index)
    pub = cells.set_index("group").reindex(order)
    gaps = [i for i, g in enumerate(order) if np.isnan(pub.at[g, "low"])]
    if len(gaps) != 1 or not 0 < gaps[0] < len(order) - 1:
        return Between(False, "", "", "", np.nan, np.nan, np.nan, np.nan, False)
    group, left, right = order[gaps[0]], order[gaps[0] - 1], order[gaps[0] + 1]
    between = (min(pub.at[left, "low"], pub.at[right, "low"]),
               max(pub.at[left, "high"], pub.at[right, "high"]))
    mono = weighted_identity((total["low"], total["high"]), group_weights, cells, free=between)
    return Between(True, group, left, right, float(between[0]), float(between[1]),
                   mono.implied_low, mono.implied_high, mono.consistent)


def largest_group_size(group: tuple[float, float], total: tuple[float, float]) -> float:
    """The largest share of the sample (0-1) a group can be, given its range and the total's:
    the rest must be a possible share. A group above the total (its low above the total's
    high) is at most ``total_high / group_low``; below it, at most ``(100 - total_low) /
    (100 - group_high)``; a group whose range meets the total's can be any size (1)."""
    g_lo, g_hi = float(group[0]), float(group[1])
    t_lo, t_hi = float(total[0]), float(total[1])
    if g_lo > t_hi:
        return t_hi / g_lo
    if g_hi < t_lo:
        return (100 - t_lo) / (100 - g_hi)
    return 1.0


def any_size_bounds(cells: pd.DataFrame, total: Mapping) -> pd.DataFrame:
    """Each published group of a breakdown whose group sizes no source gives, against the
    total, whatever its size: ``side`` ("above" / "below" the total at every reading of the
    wording, else "either side") and ``largest_size`` (percent of the sample,
    :func:`largest_group_size`). A group above the total is above the rest of the sample too
    (the total is a weighted mean of the group and the rest), whatever its size."""
    t_range = (float(total["low"]), float(total["high"]))
    rows = []
    for r in cells[cells["published"]].itertuples():
        side = ("above" if r.low > t_range[1] else "below" if r.high < t_range[0]
                else "either side")
        rows.append({"group": r.group, "figure_id": r.figure_id, "value_text": r.value_text,
                     "low": r.low, "high": r.high, "side": side,
                     "largest_size": 100 * largest_group_size((r.low, r.high), t_range)})
    return pd.DataFrame(rows, columns=["group", "figure_id", "value_text", "low", "high",
                                       "side", "largest_size"])


# --------------------------------------------------------------------------------------------
# Every published breakdown of every wave against its total
# --------------------------------------------------------------------------------------------
#: Columns of :func:`breakdown_checks`' table.
BREAKDOWN_COLUMNS = ["wave", "question", "option", "by", "groups", "complete", "total",
                     "weights", "implied_low", "implied_high", "total_low", "total_high", "gap",
                     "verdict", "moves", "figure_ids", "note"]


class BreakdownChecks(NamedTuple):
    """Every published breakdown against its total (:func:`breakdown_checks`): ``table``,
    one row per breakdown (columns :data:`BREAKDOWN_COLUMNS`)."""

    table: pd.DataFrame


def figure_ids(cells: pd.DataFrame, total: Mapping) -> str:
    """The ";"-joined figures of a breakdown's cells (those that have one) and its total."""
    return ";".join(list(cells.loc[cells["figure_id"] != "", "figure_id"])
                    + [total["figure_id"]])


def breakdown_checks(tidy: pd.DataFrame, meta: Mapping,
                     populations: Mapping[str, pd.DataFrame], approval: pd.DataFrame,
                     subgroup_vars: Sequence[str]) -> BreakdownChecks:
    """Every published breakdown of every wave (by the variables ``subgroup_vars``) against
    its published total, complete or partial.

    For each wave, question, option and variable with at least one published group (by
    :func:`chasm.data.figures.best`) the weighted identity (:func:`weighted_identity`, rounding
    and wording ranges carried, unpublished groups free in 0-100) with the weights
    :func:`chasm.analysis.weights.breakdown_weights` chooses. ``moves`` is how far (points) the
    implied total's ends move with the next nearest population table (NaN when there is none
    or the weights are not by age). Groups no source sizes: a complete breakdown is checked
    for every size the groups can have (its total must lie between its lowest and highest
    group); a partial one, or one without a published total, is "not checked" with the
    reason (:func:`any_size_bounds` says what each group can be), as is one whose published
    groups carry no weight of their own (e.g. disapprovers in a month that publishes only
    approval): with every weighted group free the identity would hold trivially.
    Complement-derived cells are not used: only published ones.
    """
    vars_ = [v for v in subgroup_vars if v != "all"]
    found = tidy[tidy["subgroup_var"].isin(vars_)]
    keys = found[["wave", "question", "option", "subgroup_var"]].drop_duplicates()
    keys = keys.assign(_v=keys["subgroup_var"].map(vars_.index)).sort_values(
        ["wave", "question", "option", "_v"])
    table = []
    for wave, question, option, var in keys[["wave", "question", "option",
                                             "subgroup_var"]].itertuples(index=False):
        cells = group_cells(tidy, meta, wave, question, option, var)
        cells = cells[cells["published"]]
        total = group_cells(tidy, meta, wave, question, option, "all").iloc[0]
        base = {"wave": wave, "question": question, "option": option, "by": var,
                "groups": f"{len(cells)} of {len(group_labels(meta, var))}",
                "total": total["value_text"], "figure_ids": figure_ids(cells, total),
                "implied_low": np.nan, "implied_high": np.nan, "total_low": total["low"],
                "total_high": total["high"], "gap": np.nan, "moves": np.nan, "weights": "",
                "complete": len(cells) == len(group_labels(meta, var)), "note": ""}
        try:
            if not total["published"]:
                raise weights.NoWeights("no published total")
            got = weights.breakdown_weights(meta, populations, approval, wave, var)
        except weights.NoWeights as why:
            if total["published"] and base["complete"]:
                # sizes unknown, every group published: a weighted mean of the groups lies
                # between the lowest and the highest of them whatever the sizes
                low, high = float(cells["low"].min()), float(cells["high"].max())
                gap = max(0.0, low - float(total["high"]), float(total["low"]) - high)
                table.append({**base, "weights": "any sizes (none given)", "implied_low": low,
                              "implied_high": high, "gap": gap,
                              "verdict": "consistent" if gap == 0 else "inconsistent",
                              "note": f"{why}: checked for every size the groups can have"})
            else:
                table.append({**base, "verdict": "not checked", "note": str(why)})
            continue
        if not cells["group"].isin(got.weights.index).any():
            table.append({**base, "verdict": "not checked", "weights": got.source,
                          "note": got.note + " (no published group has a weight of its own)"})
            continue
        t_range = (total["low"], total["high"])
        ident = weighted_identity(t_range, got.weights, cells, members=got.members)
        moves = np.nan
        if got.other is not None:
            alt = weighted_identity(t_range, got.other, cells)
            moves = max(abs(alt.implied_low - ident.implied_low),
                        abs(alt.implied_high - ident.implied_high))
        table.append({**base, "complete": ident.missing is None, "weights": got.source,
                      "implied_low": ident.implied_low, "implied_high": ident.implied_high,
                      "gap": ident.gap,
                      "verdict": "consistent" if ident.consistent else "inconsistent",
                      "moves": moves, "note": got.note})
    return BreakdownChecks(pd.DataFrame(table, columns=BREAKDOWN_COLUMNS))


def selection_problem(tidy: pd.DataFrame, meta: Mapping, question: str, option: str,
                      subgroup_vars: Sequence[str], series: str) -> str | None:
    """What is wrong with a selection of breakdowns to examine (05_subgroups' parameters),
    or None: ``question`` without figures, ``option`` not an option of it, a
    ``subgroup_vars`` entry that is not a breakdown variable of ``metadata/subgroups.yaml``,
    or a ``series`` that is not a single-response question with the options "would" and
    "would_not" (the complement rule needs both)."""
    have = sorted(tidy["question"].unique())
    if question not in have:
        return (f"question={question!r} has no figure in the data; questions with figures: "
                f"{', '.join(have)}")
    options = meta["questions"][question]["options"]
    if option not in options:
        return f"option={option!r} is not an option of {question!r}; options: " \
            f"{', '.join(options)}"
    if isinstance(subgroup_vars, str) or not all(isinstance(v, str) for v in subgroup_vars):
        return f"subgroup_vars={subgroup_vars!r} must be a list of variable names"
    known = [v for v in meta["subgroups"] if v != "all"]
    for v in subgroup_vars:
        if v not in known:
            return (f"subgroup_vars: {v!r} is not a breakdown variable of "
                    f"metadata/subgroups.yaml; known: {', '.join(known)}")
    if series:
        q = meta["questions"].get(series)
        if (q is None or q["response"] != "single"
                or not {WOULD, WOULD_NOT} <= set(q["options"])):
            return (f"series={series!r} must be a single-response question of "
                    f"metadata/questions.yaml with options {WOULD!r} and {WOULD_NOT!r}, or "
                    "\"\" to skip the second check")
    return None


__all__ = [
    "CELL_COLUMNS", "WOULD", "WOULD_NOT", "group_labels", "group_cells", "SumCheck",
    "single_response_check", "add_intervals", "total_cell", "range_interval", "MissingBounds",
    "missing_group", "missing_group_over_grid", "Identity", "weighted_identity", "Unpublished",
    "unpublished_range", "Between", "between_neighbours", "largest_group_size",
    "any_size_bounds", "BREAKDOWN_COLUMNS", "BreakdownChecks", "figure_ids",
    "breakdown_checks", "selection_problem",
]
