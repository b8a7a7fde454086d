"""Published subgroup breakdowns of one answer: the cells, their weights, and what they imply.

WHAT. Gathers the published cells of one answer (wave, question, option) by a breakdown
variable (age group, approval of Putin), with the interval of true values each wording allows,
and derives what a single-response question implies for a cell that was published only as its
complement ("would not" 92% means "would" at most 8.5%). With the group weights of
:mod:`chasm.analysis.weights` (their one home) it combines the statistics of
:mod:`chasm.stats.partitions` into the checks a reader of a subgroup table needs: the weighted
identity with unpublished groups left free (:func:`weighted_identity`, also the claims
register's), the range of an unpublished group (several unpublished groups are merged into one,
their members kept as a tuple), a subgroup against the rest of the sample at the point and at
the least favourable ends of the wording ranges, two disjoint groups against each other, and
the trend test at the point and at its flattest reading. The section functions at the end
return, for 05_subgroups, the tables, key-numbers rows and values each of its sentences needs.

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

from chasm import formats
from chasm.analysis import weights
from chasm.analysis.weights import merge_groups, merged_label
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
    from chasm.data import figures

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


def check_row(wave: str, check: str, figure_ids: str, quantity: str, low: float, high: float,
              p_value: float, verdict: str) -> dict:
    """One row of the key-numbers table (columns :data:`CHECK_COLUMNS`)."""
    return {"wave": wave, "check": check, "figure_ids": figure_ids, "quantity": quantity,
            "low": low, "high": high, "p_value": p_value, "verdict": verdict}


#: Columns of the key-numbers table of 05_subgroups.
CHECK_COLUMNS = ["wave", "check", "figure_ids", "quantity", "low", "high", "p_value", "verdict"]


def key_numbers(rows: Sequence[Mapping]) -> pd.DataFrame:
    """The key-numbers table: one row per check, columns :data:`CHECK_COLUMNS`."""
    return pd.DataFrame(list(rows), columns=CHECK_COLUMNS)


def identity_rows(wave: str, label: str, figure_ids: str, total: tuple[float, float],
                  weights: pd.Series, cells: pd.DataFrame, answer: str,
                  members: Mapping[str, Sequence[str]] | None = None
                  ) -> tuple[list[dict], Identity]:
    """The two checks every breakdown with an unpublished group gets, as key-numbers rows.

    1. the identity with the unpublished group(s) anywhere in 0-100;
    2. the range the unpublished group(s) must lie in, "share of <group> <answer> (derived)".
    Returns the rows and the :class:`Identity` (its ``missing`` for the sentences around them).
    """
    ident = weighted_identity(total, weights, cells, members=members)
    miss = ident.missing
    if miss is None:
        raise ValueError("every group is published: nothing to bound")
    several = "groups" if len(miss.members) > 1 else "group"
    rows = [
        check_row(wave, f"{label}: identity with {miss.group} free", figure_ids,
                  f"implied total (percent) with the unpublished {several} anywhere in 0-100",
                  ident.implied_low, ident.implied_high, np.nan,
                  "consistent" if ident.consistent else "inconsistent"),
        check_row(wave, f"{label}: unpublished {miss.group}", figure_ids,
                  f"share of {miss.group} {answer} (derived)", miss.low, miss.high, np.nan,
                  "feasible" if miss.feasible else "contradiction"),
    ]
    return rows, ident


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
# The sections of 05_subgroups: each takes the cells and returns tables, rows and values
# --------------------------------------------------------------------------------------------
#: Columns shown for a breakdown's cells (with the point where ``point=True``).
SHOWN = ["group", "figure_id", "source_kind", "value_text", "point", "low", "high", "ci_low",
         "ci_high", "how"]


def wave_n(meta: Mapping, wave: str, n: int | None = None) -> int:
    """Interviews in ``wave``: the override ``n``, else its ``n`` in metadata/waves.yaml."""
    return meta["waves"][wave]["n"] if n is None else n


def figure_ids(cells: pd.DataFrame, total: Mapping) -> str:
    """The ";"-joined figures of a breakdown's cells (those that have one) and its total."""
    return ";".join(list(cells.loc[cells["figure_id"] != "", "figure_id"])
                    + [total["figure_id"]])


def total_cell(tidy: pd.DataFrame, meta: Mapping, wave: str, question: str, option: str,
               n: float, deff: float, alpha: float = 0.05,
               complement: str | None = None) -> pd.Series:
    """The whole-sample cell of an answer (:func:`group_cells` of ``"all"``) with its interval."""
    cells = group_cells(tidy, meta, wave, question, option, "all", complement=complement)
    return add_intervals(cells, {"all": 1.0}, n, deff, alpha).iloc[0]


def shown(cells: pd.DataFrame, total: pd.Series | None = None,
          point: bool = True) -> pd.DataFrame:
    """The columns of :data:`SHOWN` of ``cells`` (and of ``total`` as a last row, if given)."""
    rows = cells if total is None else pd.concat([cells, total.to_frame().T],
                                                 ignore_index=True)
    return rows[[c for c in SHOWN if point or c != "point"]]


def age_weight_table(meta: Mapping, w_age: pd.Series, n: float) -> pd.DataFrame:
    """The age bands with their weight (percent) and interviews at N (``n_g = w_g N``)."""
    bands = weights.age_bands(meta)
    return pd.DataFrame({"group": list(bands), "min_age": [b[0] for b in bands.values()],
                         "max_age": [b[1] if b[1] is not None else "open"
                                     for b in bands.values()],
                         "weight_pct": w_age.to_numpy() * 100,
                         "interviews_at_N": weights.group_sizes(w_age, n).to_numpy()})


def approval_weight_table(aw: weights.ApprovalWeights) -> pd.DataFrame:
    """The published approval shares of a month beside the weights used (percent)."""
    return pd.DataFrame({"group": list(aw.published.index), "published_pct": aw.published,
                         "weight_pct": aw.weights.reindex(aw.published.index) * 100})


def _range_ci(weight: float, low: float, high: float, n: float, deff: float,
              alpha: float) -> tuple[float, float]:
    from chasm.stats.intervals import share_interval

    ci = share_interval(np.nan, weight * n, deff, alpha=alpha, low_pct=low,
                        high_pct=high).iloc[0]
    return float(ci["ci_low"]), float(ci["ci_high"])


class Unpublished(NamedTuple):
    """What a breakdown with unpublished groups implies (:func:`unpublished_check`).

    ``figure_ids``: the figures used; ``identity``: the :class:`Identity`; ``missing``: its
    bounds; ``ci_low``/``ci_high``: confidence interval over the derived range with the
    merged group's interviews; ``grid_low``/``grid_high``: the derived range over the rounding
    grid of the weights (the range itself without a grid); ``rows``: the key-numbers rows.
    """

    figure_ids: str
    identity: Identity
    missing: MissingBounds
    ci_low: float
    ci_high: float
    grid_low: float
    grid_high: float
    rows: list[dict]


def unpublished_check(wave: str, label: str, cells: pd.DataFrame, total: Mapping,
                      group_weights: pd.Series, n: float, deff: float, alpha: float,
                      answer: str, ci_row: bool = False,
                      grid: Sequence[pd.Series] | None = None) -> Unpublished:
    """The identity checks of one breakdown (:func:`identity_rows`) and the derived range.

    With ``ci_row`` the rows add "<label>: unpublished <group> with sampling error", the
    confidence interval (at 1 - ``alpha``) over the derived range.
    """
    ids = figure_ids(cells, total)
    t_range = (total["low"], total["high"])
    rows, ident = identity_rows(wave, label, ids, t_range, group_weights, cells, answer)
    miss = ident.missing
    ci = _range_ci(miss.weight, miss.low, miss.high, n, deff, alpha)
    if ci_row:
        rows.append(check_row(wave, f"{label}: unpublished {miss.group} with sampling error",
                              ids, f"{formats.fmt_level_whole(alpha)} interval over the derived "
                              "range", ci[0], ci[1], np.nan, "derived"))
    g_lo, g_hi = (missing_group_over_grid(t_range, grid, cells) if grid
                  else (miss.low, miss.high))
    return Unpublished(ids, ident, miss, ci[0], ci[1], g_lo, g_hi, rows)


def widest_range(cells: pd.DataFrame) -> pd.Series:
    """The published cell whose wording range is widest (ties: first group by name), with
    its ``width`` in points."""
    pub = cells.loc[cells["published"]]
    return pub.assign(width=pub["high"] - pub["low"]) \
        .sort_values(["width", "group"], ascending=[False, True]).iloc[0]


class Between(NamedTuple):
    """The assumption that the one unpublished group lies between its published neighbours.

    ``applies``: exactly one group is unpublished and it has a neighbour on both sides (else
    the other fields are empty and no row is made); ``group``, ``left``, ``right``: the group
    and its neighbours; ``low``/``high``: the range the assumption gives it (lowest low and
    highest high of the neighbours); ``implied_low``/``implied_high``/``consistent``: the
    identity with the group in that range; ``rows``: the key-numbers row.
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
    rows: list[dict]


def between_neighbours(wave: str, label: str, cells: pd.DataFrame, total: Mapping,
                       group_weights: pd.Series, ids: str) -> Between:
    """The identity if the unpublished group lies between its neighbours in the order of
    ``group_weights`` (age patterns are usually monotone): an assumption, stated as such."""
    order = list(group_weights.index)
    pub = cells.set_index("group").reindex(order)
    gaps = [i for i, g in enumerate(order) if np.isnan(pub.at[g, "low"])]
    if len(gaps) != 1 or not 0 < gaps[0] < len(order) - 1:
        return Between(False, "", "", "", np.nan, np.nan, np.nan, np.nan, False, [])
    group, left, right = order[gaps[0]], order[gaps[0] - 1], order[gaps[0] + 1]
    between = (min(pub.at[left, "low"], pub.at[right, "low"]),
               max(pub.at[left, "high"], pub.at[right, "high"]))
    mono = weighted_identity((total["low"], total["high"]), group_weights, cells, free=between)
    row = check_row(wave, f"{label}: identity if {group} lies between its neighbours", ids,
                    "implied total (percent), assumption: between neighbours",
                    mono.implied_low, mono.implied_high, np.nan,
                    "consistent" if mono.consistent else "inconsistent")
    return Between(True, group, left, right, float(between[0]), float(between[1]),
                   mono.implied_low, mono.implied_high, mono.consistent, [row])


def vs_rest_verdict(p_holm: float, p_least: float, alpha: float) -> str:
    """The words for a group against the rest: robust, only at the points, or neither."""
    if p_holm < alpha and p_least < alpha:
        return "differs from the rest even at the least favourable reading"
    if p_holm < alpha:
        return ("differs from the rest at the points but not at the least favourable reading"
                " of the wording")
    return "cannot be told apart from the rest"


class VsRestSection(NamedTuple):
    """Every published group against the rest of the sample (:func:`vs_rest_section`).

    ``table``: :func:`vs_rest` rows of every group with ``group``, ``figure_id`` and
    ``p_holm`` (Holm over the groups at the points); ``verdicts``: group -> words;
    ``rows``: key-numbers rows; ``sentences``: one Markdown sentence per group.
    """

    table: pd.DataFrame
    verdicts: dict[str, str]
    rows: list[dict]
    sentences: list


def vs_rest_section(wave: str, focus: str, cells: pd.DataFrame, total: pd.Series,
                    group_weights: pd.Series, n: float, deff: float,
                    alpha: float = 0.05) -> VsRestSection:
    """:func:`vs_rest` for each published group, Holm over them at the points, verdicts."""
    from chasm import report
    from chasm.stats.multiplicity import adjust_pvalues

    by_group = cells.set_index("group")
    parts = []
    for g in cells.loc[cells["published"], "group"]:
        res = vs_rest(total, by_group.loc[g], float(group_weights[g]), n, deff, alpha)
        res.insert(0, "group", g)
        res.insert(1, "figure_id", by_group.at[g, "figure_id"])
        parts.append(res)
    rest = pd.concat(parts, ignore_index=True)
    at_point = rest["reading"] == "point"
    rest["p_holm"] = np.nan
    rest.loc[at_point, "p_holm"] = adjust_pvalues(rest.loc[at_point, "p_value"].to_numpy(),
                                                  "holm")
    verdicts, rows, sentences = {}, [], []
    for g, res in rest.groupby("group", sort=False):
        p, lf = res.iloc[0], res.iloc[1]
        verdict = verdicts[g] = vs_rest_verdict(p["p_holm"], lf["p_value"], alpha)
        ids = p["figure_id"] + ";" + total["figure_id"]
        rows.append(check_row(wave, f"{focus}: {g} vs rest of sample (point)", ids,
                              "difference sub - rest, points", p["ci_low"], p["ci_high"],
                              p["p_value"], verdict))
        rows.append(check_row(wave, f"{focus}: {g} vs rest of sample (least favourable)", ids,
                              "difference sub - rest, least favourable ends", lf["ci_low"],
                              lf["ci_high"], lf["p_value"], verdict))
        sentences.append(report.say(
            "**{g}** ({fid}): at the points {sub}% vs {rest}% in the rest of the sample, a "
            "difference of {d} points (CI {lo} to {hi}; p = {p}, Holm {ph}); at the least "
            "favourable ends {lsub}% vs {lrest}%, {ld} points (p = {lp}). The group {verdict}.",
            g=g, fid=p["figure_id"], sub=formats.fmt(p["sub"]), rest=formats.fmt(p["rest"]),
            d=formats.fmt(p["diff"]), lo=formats.fmt(p["ci_low"]),
            hi=formats.fmt(p["ci_high"]), p=formats.fmt(p["p_value"], 3),
            ph=formats.fmt(p["p_holm"], 3), lsub=formats.fmt(lf["sub"]),
            lrest=formats.fmt(lf["rest"]), ld=formats.fmt(lf["diff"]),
            lp=formats.fmt(lf["p_value"], 3), verdict=verdict))
    return VsRestSection(rest, verdicts, rows, sentences)


class TrendSection(NamedTuple):
    """:func:`trend` over the published groups (:func:`trend_section`): ``table``;
    ``at_points``: p < alpha at the points; ``holds``: also at the least favourable ends;
    ``rows``: key-numbers rows."""

    table: pd.DataFrame
    at_points: bool
    holds: bool
    rows: list[dict]


def trend_section(wave: str, focus: str, cells: pd.DataFrame, group_weights: pd.Series,
                  n: float, deff: float, alpha: float = 0.05) -> TrendSection:
    """Trend across the published groups, scored by their position in the full order of
    ``group_weights`` (an unpublished group leaves a gap), each with ``w n / deff``
    effective interviews."""
    published = cells[cells["published"]].reset_index(drop=True)
    order = list(group_weights.index)
    scores = [order.index(g) for g in published["group"]]
    n_effs = group_weights[published["group"]].to_numpy() * n / deff
    tr = trend(published, scores, n_effs)
    ids = ";".join(published["figure_id"])
    rows = [check_row(wave, f"{focus}: trend across published age groups ({r.reading})", ids,
                      f"Cochran-Armitage z = {r.z:.2f} at shares {r.shares}", np.nan, np.nan,
                      r.p_value, "trend" if r.p_value < alpha else "no clear trend")
            for r in tr.itertuples()]
    at_points = bool(tr.at[0, "p_value"] < alpha)
    return TrendSection(tr, at_points, at_points and bool(tr.at[1, "p_value"] < alpha), rows)


class Comparison(NamedTuple):
    """Two groups of one breakdown against each other: ``table`` (:func:`compare_groups`),
    ``a``/``b`` their cells, ``holds``: p < alpha at the least favourable ends; ``rows``."""

    table: pd.DataFrame
    a: pd.Series
    b: pd.Series
    holds: bool
    rows: list[dict]


def group_comparison(wave: str, focus: str, cells: pd.DataFrame, group_weights: pd.Series,
                     a: str, b: str, n: float, deff: float, alpha: float = 0.05) -> Comparison:
    """Group ``a`` against group ``b`` (disjoint, ``n_g = w_g N`` each), key-numbers rows."""
    by_group = cells.set_index("group")
    a_cell, b_cell = by_group.loc[a], by_group.loc[b]
    cmp = compare_groups(a_cell, b_cell, group_weights[a] * n, group_weights[b] * n, deff,
                         alpha)
    rows = [check_row(wave, f"{focus}: {a} vs {b} ({r.reading})",
                      f"{a_cell['figure_id']};{b_cell['figure_id']}",
                      f"difference {a} - {b} (points)", r.ci_low, r.ci_high, r.p_value,
                      "differ" if r.p_value < alpha else "cannot be told apart")
            for r in cmp.itertuples()]
    return Comparison(cmp, a_cell, b_cell, bool(cmp.at[1, "p_value"] < alpha), rows)


def answer_shares(wave: str, focus: str, cells: pd.DataFrame, total: Mapping,
                  aw: weights.ApprovalWeights, missing: MissingBounds
                  ) -> tuple[pd.DataFrame, list[dict]]:
    """Who gives the answer: ``P(group | answer) = w_g p_g / p_total`` for every group.

    :func:`chasm.stats.partitions.bayes_share_of_answer` at the points (published groups) and
    as outer bounds over the rounding of the figures and of the weights (``aw.grid``); the
    unpublished group uses its derived range ``missing``. Returns the table (group,
    figure_id, weight_pct, share_choosing, share_of_answers, low, high) and key-numbers rows.
    """
    t_range = (total["low"], total["high"])
    by_group = cells.set_index("group")
    table, rows = [], []
    for g in aw.weights.index:
        cell = by_group.loc[g]
        w_range = (min(v[g] for v in aw.grid), max(v[g] for v in aw.grid))
        lo_g, hi_g = ((cell["low"], cell["high"]) if cell["published"]
                      else (missing.low, missing.high))
        rng = sg.bayes_share_of_answer(w_range, (lo_g, hi_g), t_range)
        point = (sg.bayes_share_of_answer(float(aw.weights[g]), cell["point"], total["point"])
                 if cell["published"] else np.nan)
        table.append({"group": g, "figure_id": cell["figure_id"] or "derived",
                      "weight_pct": 100 * aw.weights[g], "share_choosing": cell["point"],
                      "share_of_answers": point, "low": rng.low, "high": rng.high})
        rows.append(check_row(
            wave, f"{focus}: share of all '{focus}' answers from {g}",
            (cell["figure_id"] or missing.group + " derived") + ";" + total["figure_id"],
            f"percent of '{focus}' answers given by {g} (Bayes)", rng.low, rng.high, np.nan,
            "derived"))
    return pd.DataFrame(table), rows


class AgeChecks(NamedTuple):
    """Every check of one answer by age (:func:`age_checks`).

    ``cells``: the age cells with intervals; ``total``: the whole-sample cell; ``found``: a
    total and at least one age group are published (else the other fields are None,
    ``rows`` is empty and ``message`` says why in one sentence); ``identity``: the weighted
    identity (:func:`weighted_identity`); ``unpublished`` (:func:`unpublished_check`, with the
    sampling-error row; None when every group is published), ``widest``
    (:func:`widest_range`), ``between`` (:func:`between_neighbours`), ``vs_rest``
    (:func:`vs_rest_section`), ``trend`` (:func:`trend_section`); ``rows``: their key-numbers
    rows in that order; ``var``: the age variable.
    """

    cells: pd.DataFrame
    total: pd.Series
    found: bool
    unpublished: Unpublished | None
    widest: pd.Series | None
    between: Between | None
    vs_rest: VsRestSection | None
    trend: TrendSection | None
    rows: list[dict]
    identity: Identity | None = None
    message: str = ""
    var: str = "age"


def age_checks(tidy: pd.DataFrame, meta: Mapping, wave: str, question: str, option: str,
               w_age: pd.Series | None, n: float, deff: float, alpha: float = 0.05,
               var: str | None = "age") -> AgeChecks:
    """The age breakdown of ``option``: identity, assumption, groups vs rest, trend.

    ``var`` None (no age variable among the run's ``subgroup_vars``) or a breakdown nobody
    published gives ``found`` False and the sentence that says so. A complete breakdown
    (every group published) gets the identity without free groups and no derived range.
    """
    total = total_cell(tidy, meta, wave, question, option, n, deff, alpha)
    if var is None or w_age is None:
        return AgeChecks(pd.DataFrame(columns=CELL_COLUMNS), total, False, None, None, None,
                         None, None, [], message="No age breakdown is examined in this run "
                         "(subgroup_vars has no variable with age bands).")
    cells = add_intervals(group_cells(tidy, meta, wave, question, option, var), w_age, n,
                          deff, alpha)
    if not (bool(total["published"]) and bool(cells["published"].any())):
        return AgeChecks(cells, total, False, None, None, None, None, None, [], var=var,
                         message=f"No breakdown of '{option}' by {var} is published for "
                         f"{wave} (with a total): this section has nothing to check.")
    label = f"{option} by {var}"
    ids = figure_ids(cells, total)
    if cells["published"].all():
        ident = weighted_identity((total["low"], total["high"]), w_age, cells)
        ua, first = None, [check_row(
            wave, f"{label}: identity, every group published", ids,
            "implied total (percent) from every group", ident.implied_low,
            ident.implied_high, np.nan, "consistent" if ident.consistent else "inconsistent")]
    else:
        ua = unpublished_check(wave, label, cells, total, w_age, n, deff, alpha,
                               f"choosing '{option}'", ci_row=True)
        ident, first = ua.identity, ua.rows
    mono = between_neighbours(wave, label, cells, total, w_age, ids)
    rest = vs_rest_section(wave, option, cells, total, w_age, n, deff, alpha)
    tr = trend_section(wave, option, cells, w_age, n, deff, alpha)
    return AgeChecks(cells, total, True, ua, widest_range(cells), mono, rest, tr,
                     first + mono.rows + rest.rows + tr.rows, ident, "", var)


def age_identity_sentences(age: AgeChecks, w_age: pd.Series, option: str) -> list:
    """The sentence on the age identity (none when the section found nothing): with an
    unpublished group, the range it must lie in; with every group published, whether the
    groups reproduce the published total."""
    from chasm import report

    if not age.found:
        return []
    if age.unpublished is None:
        idn = age.identity
        return [report.say(
            "Every age group is published, so the groups alone fix the total: weighted by "
            "population they imply {ilo}–{ihi}% choosing '{f}', against the published total "
            "{tot} ({tid}, {tlo}–{thi}% allowing for rounding). The figures are **{cons}**{gap}.",
            ilo=formats.fmt(idn.implied_low), ihi=formats.fmt(idn.implied_high), f=option,
            tot=age.total["value_text"], tid=age.total["figure_id"],
            tlo=formats.fmt(idn.total_low), thi=formats.fmt(idn.total_high),
            cons="consistent" if idn.consistent else "inconsistent",
            gap="" if idn.consistent else
            f": no reading of the rounding reconciles them (gap {formats.fmt(idn.gap)} points)")]
    un, wid = age.unpublished, age.widest
    why = (" That range is wide because the quoted figures are themselves ranges: \"{wtext}\" "
           "for {wg} alone spans {wwidth} points over {wshare}% of adults."
           if wid["width"] > 1 + 1e-9 else "")
    return [report.say(
        "The quoted age figures are **{cons}** with the total {tot} ({tid}) as long as the "
        "unpublished {g} group can take some value: for the identity to hold, the share of "
        "{g}-year-olds choosing '{f}' must lie between **{lo}% and {hi}%** (derived; "
        "{clo}–{chi}% with sampling error)." + why,
        cons="consistent" if un.identity.consistent else "inconsistent",
        tot=age.total["value_text"], tid=age.total["figure_id"], g=un.missing.group, f=option,
        lo=formats.fmt(un.missing.low), hi=formats.fmt(un.missing.high),
        clo=formats.fmt(un.ci_low), chi=formats.fmt(un.ci_high), wtext=wid["value_text"],
        wg=wid["group"], wwidth=formats.fmt(wid["width"], 0),
        wshare=formats.fmt(100 * w_age[wid["group"]], 0))]


def between_sentences(age: AgeChecks) -> list:
    """The sentence on the "between its neighbours" assumption (none when every age group is
    published or the section found nothing)."""
    from chasm import report

    if not age.found or age.unpublished is None:
        return []
    b = age.between
    return [report.say(
        "If {g} lies between {l} and {r} ({blo}–{bhi}%), the implied total is "
        "{ilo}–{ihi}%, which {verb} the published {tot}." if b.applies else
        "The unpublished age group has no published neighbour on both sides; no monotone "
        "assumption is tried.", g=b.group, l=b.left, r=b.right,
        blo=formats.fmt(b.low), bhi=formats.fmt(b.high),
        ilo=formats.fmt(b.implied_low), ihi=formats.fmt(b.implied_high),
        verb="contains" if b.consistent else "misses", tot=age.total["value_text"])]


class ApprovalChecks(NamedTuple):
    """Every check of one answer by approval of Putin (:func:`approval_checks`).

    ``cells``: the approval cells (with intervals when ``found``); ``found``: the total and
    a group are published and the month's approval split is complete (else the other fields
    are None and ``rows`` is empty); ``unpublished`` (:func:`unpublished_check` over the
    rounding grid), ``comparison`` (approve vs disapprove, :func:`group_comparison`),
    ``shares`` (:func:`answer_shares`, indexed by group); ``rows``: key-numbers rows.
    """

    cells: pd.DataFrame
    found: bool
    unpublished: Unpublished | None
    comparison: Comparison | None
    shares: pd.DataFrame | None
    rows: list[dict]
    message: str = ""


APPROVAL = "putin_approval"


def approval_split(meta: Mapping, approval: pd.DataFrame, wave: str
                   ) -> weights.ApprovalWeights | None:
    """:func:`chasm.analysis.weights.wave_approval_weights` of ``wave``, None when no source gives
    it."""
    try:
        return weights.wave_approval_weights(meta, approval, wave)
    except weights.NoWeights:
        return None


def approval_weight_sentence(aw: weights.ApprovalWeights | None, wave: str):
    """The approval split of the wave's month and the weights used, in words."""
    from chasm import report

    if aw is None:
        return report.say("No approval month with a published split is recorded for {wave} "
                          "(`approval_month` in metadata/waves.yaml): approval groups cannot "
                          "be weighted.", wave=wave)
    return report.say(
        "Approval in {m}: {a} approve, {d} disapprove, {na} no answer; these sum to {s} because "
        "of rounding, so the weights are normalised to sum 1: {wa}%, {wd}%, {wn}%." if aw.complete
        else "Approval in {m}: only \"approve\" ({a}%) is published; disapproval and no answer "
        "are not, so only approvers vs everyone else can be weighted.", m=aw.month,
        a=formats.fmt(aw.published["approve"], 0), d=formats.fmt(aw.published["disapprove"], 0),
        na=formats.fmt(aw.published["no_answer"], 0), s=formats.fmt(aw.raw_sum, 0),
        wa=formats.fmt(100 * aw.weights.get("approve")),
        wd=formats.fmt(100 * aw.weights.get("disapprove", float("nan"))),
        wn=formats.fmt(100 * aw.weights.get("no_answer", float("nan"))))


def approval_checks(tidy: pd.DataFrame, meta: Mapping, wave: str, question: str, option: str,
                    total: pd.Series, aw: weights.ApprovalWeights | None, n: float, deff: float,
                    alpha: float = 0.05, examined: bool = True) -> ApprovalChecks:
    """The approval breakdown of ``option``: identity, approvers vs disapprovers, who gives
    the answer (Bayes). Needs the complete approval split ``aw`` of the wave's month; without
    it, or without published cells, or with ``examined`` False (approval is not among the
    run's ``subgroup_vars``), ``found`` is False and ``message`` says why."""
    cells = group_cells(tidy, meta, wave, question, option, APPROVAL)
    if not examined:
        return ApprovalChecks(cells, False, None, None, None, [],
                              "The breakdown by approval is not examined in this run "
                              "(subgroup_vars does not list putin_approval).")
    pub = set(cells.loc[cells["published"], "group"])
    if bool(total["published"]) and pub == set(cells["group"]):
        return ApprovalChecks(cells, False, None, None, None, [],
                              f"Every approval group of '{option}' is published for {wave}: "
                              "its identity is checked with every other breakdown below.")
    if not (bool(total["published"]) and {"approve", "disapprove"} <= pub and aw is not None
            and aw.complete):
        return ApprovalChecks(cells, False, None, None, None, [],
                              f"No breakdown of '{option}' by approval with complete approval "
                              f"weights is published for {wave}: this section has nothing to "
                              "check.")
    cells = add_intervals(cells, aw.weights, n, deff, alpha)
    ub = unpublished_check(wave, f"{option} by approval", cells, total, aw.weights, n, deff,
                           alpha, f"choosing '{option}'", grid=aw.grid)
    cmp = group_comparison(wave, option, cells, aw.weights, "approve", "disapprove", n, deff,
                           alpha)
    shares, share_rows = answer_shares(wave, option, cells, total, aw, ub.missing)
    return ApprovalChecks(cells, True, ub, cmp, shares.set_index("group"),
                          ub.rows + cmp.rows + share_rows)


def traitor_panels(wave: str, option: str, age: AgeChecks, appr: ApprovalChecks
                   ) -> list[tuple[str, pd.DataFrame, pd.Series]]:
    """(title, cells, total) of the figure: each found breakdown with its derived ranges."""
    panels = []
    if age.found:
        panels.append((f"'{option}' by age, {wave}", with_derived(age.cells, age.unpublished),
                       age.total))
    if appr.found:
        panels.append((f"'{option}' by approval of Putin, {wave}",
                       with_derived(appr.cells, appr.unpublished), age.total))
    return panels


def with_derived(cells: pd.DataFrame, check: Unpublished | None) -> pd.DataFrame:
    """``cells`` with each unpublished row given the derived range and its interval, marked
    ``derived`` (what the figure draws for a group nobody quoted)."""
    out = cells.copy()
    if check is None:  # every group is published: nothing derived
        return out
    unknown = out["low"].isna()
    out.loc[unknown, ["low", "high", "ci_low", "ci_high"]] = [check.missing.low,
                                                              check.missing.high,
                                                              check.ci_low, check.ci_high]
    out.loc[unknown, "derived"] = True
    return out


def _derived_row(group: str, low: float, high: float, ci: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame([{"group": group, "figure_id": "", "source_kind": "derived",
                          "point": np.nan, "low": low, "high": high, "ci_low": ci[0],
                          "ci_high": ci[1], "derived": True}])


def merged_panel(cells: pd.DataFrame, missing: MissingBounds, low: float, high: float,
                 ci: tuple[float, float], order: Sequence[str] | None = None) -> pd.DataFrame:
    """The cells that have a range, plus one derived row for the (merged) unpublished groups.

    With ``order`` the rows are sorted by it, the merged row at the place of its first member
    (:attr:`MissingBounds.members`); without it the derived row comes last.
    """
    rows = pd.concat([cells[cells["low"].notna()], _derived_row(missing.group, low, high, ci)],
                     ignore_index=True)
    if order is None:
        return rows
    order = list(order)
    members = [missing.members if g == missing.group else (g,) for g in rows["group"]]
    rank = [min(order.index(m) for m in ms) for ms in members]
    return rows.assign(_order=rank).sort_values("_order").drop(columns="_order")


class EmigrateSection(NamedTuple):
    """The wish-to-emigrate checks of every wave (:func:`emigrate_section`): ``outputs``, the
    tables and sentences in reading order; ``rows``, key-numbers rows; ``panels``, (title,
    cells, total) for the figure."""

    outputs: list
    rows: list[dict]
    panels: list[tuple[str, pd.DataFrame, pd.Series]]


EMIGRATE, WOULD, WOULD_NOT = "wish_to_emigrate", "would", "would_not"


def emigrate_section(tidy: pd.DataFrame, meta: Mapping, approval: pd.DataFrame,
                     age: pd.Series | Mapping[str, pd.DataFrame], n: int | None, deff: float,
                     alpha: float = 0.05, question: str = EMIGRATE) -> EmigrateSection:
    """Levada's own wish-to-emigrate breakdowns, wave by wave: a second, independent check.

    For every wave with a breakdown by age or approval: would + would not <= 100 (single
    response, :func:`single_response_check`); the identity by age with unpublished groups
    merged and bounded; by approval, the unpublished group(s) bounded over the rounding grid
    of the wave's approval weights (:func:`chasm.analysis.weights.approval_weights`), and where only
    approval is published, whether the disapprovers' own figure lies inside the derived range
    of everyone who did not approve (a weak check: it assumes few gave no answer, whose range
    over the recent months :func:`chasm.analysis.weights.no_answer_window` gives). ``question`` has
    the
    single-response options "would" and "would_not"; ``n`` overrides every wave's N. ``age``
    is either the age weights of every wave or the population tables by date
    (``chasm.data.load.load_populations()``), each wave then weighted by its nearest table
    (:func:`chasm.analysis.weights.wave_age_weights`). ``question`` "" skips the section (one
    sentence).
    """
    from chasm import report

    if not question:
        return EmigrateSection([report.say("No second, single-response question is checked "
                                           "in this run (`series` is empty).")], [], [])

    waves = sorted(tidy.loc[(tidy["question"] == question)
                            & tidy["subgroup_var"].isin(["age", "putin_approval"]),
                            "wave"].unique())
    outputs, rows, panels = [], [], []
    for ew in waves:
        n_w = wave_n(meta, ew, n)
        w_age = (age if isinstance(age, pd.Series)
                 else weights.wave_age_weights(age, meta, ew).weights)
        tot = total_cell(tidy, meta, ew, question, WOULD, n_w, deff, alpha,
                         complement=WOULD_NOT)
        e_range = (tot["low"], tot["high"])
        outputs.append(report.say("### {w}: total \"would like to move\" {t} ({fid}, {k})",
                                  w=ew, t=tot["value_text"], fid=tot["figure_id"],
                                  k=tot["source_kind"]))
        not_tot = group_cells(tidy, meta, ew, question, WOULD_NOT, "all").iloc[0]
        if not_tot["published"]:
            sc = single_response_check(e_range, (not_tot["low"], not_tot["high"]))
            cons = "consistent" if sc.consistent else "inconsistent"
            rows.append(check_row(ew, "wish to emigrate: would + would not <= 100",
                                  f"{tot['figure_id']};{not_tot['figure_id']}",
                                  "sum of would and would not (percent)", sc.sum_low,
                                  sc.sum_high, np.nan, cons))
            outputs.append(report.say(
                "Would ({a}) and would not ({b}, {bid}) add to {lo}–{hi}%: **{cons}** with a "
                "single-response question, leaving {rlo}–{rhi}% for \"don't know\"; given "
                "\"would\", \"would not\" can be at most {bh}%.", a=tot["value_text"],
                b=not_tot["value_text"], bid=not_tot["figure_id"], lo=formats.fmt(sc.sum_low),
                hi=formats.fmt(sc.sum_high), cons=cons, rlo=formats.fmt(sc.rest_low),
                rhi=formats.fmt(sc.rest_high), bh=formats.fmt(sc.b_high_implied)))
        e_age = group_cells(tidy, meta, ew, question, WOULD, "age", complement=WOULD_NOT)
        if e_age["published"].all():
            outputs.append(report.say("Every age group is published: the groups alone fix the "
                                      "total, which the table of every breakdown below checks."))
        if e_age["low"].notna().any() and e_age["low"].isna().any():
            e_age = add_intervals(e_age, w_age, n_w, deff, alpha)
            outputs.append(report.show(shown(e_age, point=False), index="group"))
            chk = unpublished_check(ew, "wish to emigrate by age", e_age, tot, w_age, n_w, deff,
                                    alpha, "who would like to move")
            rows += chk.rows
            em = chk.missing
            outputs.append(report.say(
                "The published age figures are **{cons}** with the total: the unpublished "
                "{g} ({w}% of adults) must have {lo}–{hi}% wanting to move (derived).",
                cons="consistent" if chk.identity.consistent else "inconsistent", g=em.group,
                w=formats.fmt(100 * em.weight), lo=formats.fmt(em.low), hi=formats.fmt(em.high)))
            panels.append((f"would move abroad by age, {ew}",
                           merged_panel(e_age, em, em.low, em.high, (chk.ci_low, chk.ci_high),
                                        order=w_age.index), tot))
        e_ap = group_cells(tidy, meta, ew, question, WOULD, "putin_approval",
                           complement=WOULD_NOT)
        if e_ap["low"].notna().any():
            out, ap_rows, panel = _emigrate_by_approval(ew, e_ap, tot, meta, approval, n_w,
                                                        deff, alpha)
            outputs += out
            rows += ap_rows
            panels.append(panel)
    return EmigrateSection(outputs, rows, panels)


def _emigrate_by_approval(ew, e_ap, tot, meta, approval, n_w, deff, alpha):
    from chasm import report

    e_range = (tot["low"], tot["high"])
    e_aw = weights.wave_approval_weights(meta, approval, ew)
    e_month = e_aw.month
    e_ap_ci = add_intervals(e_ap, e_aw.weights if e_aw.complete else e_aw.published / 100,
                            n_w, deff, alpha)
    outputs = [report.show(shown(e_ap_ci, point=False), index="group")]
    ids = figure_ids(e_ap, tot)
    em = missing_group(e_range, e_aw.weights, e_ap, e_aw.members)
    glo, ghi = missing_group_over_grid(e_range, e_aw.grid, e_ap)
    rows = [check_row(ew, f"wish to emigrate by approval: unpublished {em.group}", ids,
                      f"share of {em.group} who would like to move (derived, weights "
                      f"{e_month})", glo, ghi, np.nan,
                      "feasible" if em.feasible else "contradiction")]
    inside_text = []
    for r in e_ap_ci[e_ap_ci["published"]].itertuples():
        if r.group in em.members:
            inside = r.high >= glo and r.low <= ghi
            inside_text.append(f"{r.group} {r.value_text} ({r.figure_id}) lies "
                               + ("inside" if inside else "outside") + " that range")
            rows.append(check_row(
                ew, f"wish to emigrate: {r.group} within the derived range of {em.group}", ids,
                f"published {r.group} share vs derived range {glo:.1f}-{ghi:.1f}", r.low,
                r.high, np.nan, ("compatible" if inside else "incompatible")
                + " (weak check; assumes few gave no answer)"))
    if e_aw.complete:
        outputs.append(report.say(
            "Approval weights from {m}. The unpublished {g} ({w}% of the sample) must have "
            "{lo}–{hi}% wanting to move (derived, allowing the approval shares' rounding).",
            m=e_month, g=em.group, w=formats.fmt(100 * em.weight), lo=formats.fmt(glo),
            hi=formats.fmt(ghi)))
    else:
        recent = weights.no_answer_window(approval, e_month)
        by_group = e_ap.set_index("group")
        outputs.append(report.say(
            "Approval weights from {m}: only approve ({a}%) is published. Disapproval is "
            "not, so the disapprovers' figure cannot enter the identity: their weight is "
            "unknown. What can be checked: with approvers at most {ahi}% (from {aid}), "
            "everyone who did not approve ({g}, {w}% of the sample) must have {lo}–{hi}% "
            "wanting to move (derived, allowing the approval share's rounding). If few of "
            "them gave no answer on approval ({nlo}–{nhi}% did in the {k} published months "
            "before {m}), their share is close to the disapprovers' own: {inside}. The "
            "range is wide, so this shows no contradiction, and no more.", m=e_month,
            a=formats.fmt(e_aw.published["approve"], 0),
            ahi=formats.fmt(by_group.at["approve", "high"]),
            aid=by_group.at["approve", "figure_id"], g=em.group,
            w=formats.fmt(100 * em.weight), lo=formats.fmt(glo), hi=formats.fmt(ghi),
            nlo=formats.fmt(recent.low, 0), nhi=formats.fmt(recent.high, 0), k=recent.months,
            inside="; ".join(inside_text) or "no group figure to compare"))
    ci = _range_ci(em.weight, glo, ghi, n_w, deff, alpha)
    panel = (f"would move abroad by approval, {ew}", merged_panel(e_ap_ci, em, glo, ghi, ci),
             tot)
    return outputs, rows, panel


# --------------------------------------------------------------------------------------------
# Every published breakdown of every wave against its total
# --------------------------------------------------------------------------------------------
#: Columns of :func:`breakdown_checks`' table.
BREAKDOWN_COLUMNS = ["wave", "question", "option", "by", "groups", "complete", "total",
                     "weights", "implied_low", "implied_high", "total_low", "total_high", "gap",
                     "verdict", "moves", "figure_ids", "note"]


class BreakdownChecks(NamedTuple):
    """Every published breakdown against its total (:func:`breakdown_checks`): ``table``
    (columns :data:`BREAKDOWN_COLUMNS`), ``rows`` (key-numbers rows of the checked ones),
    ``sentences`` (the summary, one per inconsistent breakdown, the population years)."""

    table: pd.DataFrame
    rows: list[dict]
    sentences: list


def _breakdown_weights(meta, populations, approval, wave, var):
    """(weights, members, source, other weights or None, note) of one breakdown, or a str:
    why it cannot be weighted."""
    if weights.age_bands(meta, var) is not None:
        aw = weights.wave_age_weights(populations, meta, wave, var)
        return aw.weights, None, f"population {aw.date}", aw.other_weights, ""
    if var == APPROVAL:
        split = approval_split(meta, approval, wave)
        if split is None:
            return "no approval split is recorded for the wave's month"
        merged = [ms for ms in split.members.values() if len(ms) > 1]
        note = (f"approval {split.month} gives no separate weight for "
                f"{' and '.join(merged[0])}: they enter as one group" if merged else "")
        return split.weights, split.members, f"approval {split.month}", None, note
    given = weights.given_sizes(meta, var)
    if given is not None:
        w, source = given
        return w, None, source, None, ""
    return "no source gives the sizes of its groups"


def breakdown_checks(tidy: pd.DataFrame, meta: Mapping,
                     populations: Mapping[str, pd.DataFrame], approval: pd.DataFrame,
                     subgroup_vars: Sequence[str]) -> BreakdownChecks:
    """Every published breakdown of every wave (by the variables ``subgroup_vars``) against
    its published total, complete or partial.

    For each wave, question, option and variable with at least one published group (by
    :func:`chasm.data.figures.best`) the weighted identity (:func:`weighted_identity`, rounding and
    wording ranges carried, unpublished groups free in 0-100) with the weights of
    :mod:`chasm.analysis.weights`: age bands from the population table nearest to the wave, approval
    from the wave's approval month. ``moves`` is how far (points) the implied total's ends move
    with the next nearest population table (NaN when there is none or the weights are not by
    age). Groups no source sizes (``chasm.analysis.weights.given_sizes`` gives sizes from the
    metadata
    where a source does): a complete breakdown is checked for every size the groups can have
    (its total must lie between its lowest and highest group); a partial one, or one without a
    published total, is listed as "not checked" with the reason, as is one whose published
    groups carry no weight of their own (e.g. disapprovers in a month that publishes only
    approval): with every weighted group free the identity would hold trivially.
    Complement-derived cells are not used: only published ones.
    """
    vars_ = [v for v in subgroup_vars if v != "all"]
    found = tidy[tidy["subgroup_var"].isin(vars_)]
    keys = found[["wave", "question", "option", "subgroup_var"]].drop_duplicates()
    keys = keys.assign(_v=keys["subgroup_var"].map(vars_.index)).sort_values(
        ["wave", "question", "option", "_v"])
    table, rows = [], []
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
        got = (_breakdown_weights(meta, populations, approval, wave, var)
               if total["published"] else "no published total")
        if isinstance(got, str) and total["published"] and base["complete"]:
            # sizes unknown, every group published: a weighted mean of the groups lies between
            # the lowest and the highest of them whatever the sizes
            low, high = float(cells["low"].min()), float(cells["high"].max())
            gap = max(0.0, low - float(total["high"]), float(total["low"]) - high)
            verdict = "consistent" if gap == 0 else "inconsistent"
            table.append({**base, "weights": "any sizes (none given)", "implied_low": low,
                          "implied_high": high, "gap": gap, "verdict": verdict,
                          "note": got + ": checked for every size the groups can have"})
            rows.append(check_row(
                wave, f"every breakdown: {question} '{option}' by {var} (complete, any sizes)",
                base["figure_ids"], "implied total (percent), any group sizes", low, high,
                np.nan, verdict))
            continue
        if isinstance(got, str):
            table.append({**base, "verdict": "not checked", "note": got})
            continue
        w, members, source, other, note = got
        if not cells["group"].isin(w.index).any():
            table.append({**base, "verdict": "not checked", "weights": source, "note": note
                          + " (no published group has a weight of its own)"})
            continue
        ident = weighted_identity((total["low"], total["high"]), w, cells, members=members)
        moves = np.nan
        if other is not None:
            alt = weighted_identity((total["low"], total["high"]), other, cells)
            moves = max(abs(alt.implied_low - ident.implied_low),
                        abs(alt.implied_high - ident.implied_high))
        verdict = "consistent" if ident.consistent else "inconsistent"
        complete = ident.missing is None
        table.append({**base, "complete": complete, "weights": source,
                      "implied_low": ident.implied_low, "implied_high": ident.implied_high,
                      "gap": ident.gap, "verdict": verdict, "moves": moves, "note": note})
        rows.append(check_row(
            wave, f"every breakdown: {question} '{option}' by {var} "
            f"({'complete' if complete else base['groups'] + ' groups'})", base["figure_ids"],
            f"implied total (percent), weights {source}", ident.implied_low,
            ident.implied_high, np.nan, verdict))
    frame = pd.DataFrame(table, columns=BREAKDOWN_COLUMNS)
    return BreakdownChecks(frame, rows, breakdown_sentences(frame, populations, meta))


def breakdown_sentences(table: pd.DataFrame, populations: Mapping[str, pd.DataFrame],
                        meta: Mapping) -> list:
    """The sentences of :func:`breakdown_checks`: how many breakdowns were checked (complete,
    partial, not checkable), each inconsistent one, and the population tables used."""
    from chasm import report

    if table.empty:
        return [report.say("No breakdown by the variables of this run is published.")]
    checked = table[table["verdict"] != "not checked"]
    out = [report.say(
        "{k} published breakdowns in {w} waves ({waves}): {c} complete and {p} partial ones "
        "checked against their total, {x} not checkable; {bad} inconsistent.", k=len(table),
        w=table["wave"].nunique(), waves=", ".join(sorted(table["wave"].unique())),
        c=int(checked["complete"].sum()), p=int((~checked["complete"].astype(bool)).sum()),
        x=len(table) - len(checked), bad=int((checked["verdict"] == "inconsistent").sum()))]
    for r in checked[checked["verdict"] == "inconsistent"].itertuples():
        out.append(report.say(
            "**{wave}, {q} '{o}' by {by}** ({groups} groups published; {fids}): the groups "
            "imply {lo}–{hi}%, the published total is {tot} ({tlo}–{thi}%): **inconsistent**, "
            "a gap of {gap} points at the most favourable reading of the rounding{free}.",
            wave=r.wave, q=r.question, o=r.option, by=r.by, groups=r.groups, fids=r.figure_ids,
            lo=formats.fmt(r.implied_low), hi=formats.fmt(r.implied_high), tot=r.total,
            tlo=formats.fmt(r.total_low), thi=formats.fmt(r.total_high), gap=formats.fmt(r.gap),
            free="" if r.complete else " with the unpublished groups anywhere in 0-100"))
    age_waves = checked.loc[checked["weights"].str.startswith("population"), "wave"].unique()
    if len(age_waves):
        text = weights.population_text(populations, meta, list(age_waves))
        moved = checked["moves"].dropna()
        if len(moved):
            top = checked.loc[moved.idxmax()]
            text += (f" With the next nearest table the implied totals move by at most "
                     f"{formats.fmt(moved.max(), 2)} points ({top['wave']}, {top['question']} "
                     f"'{top['option']}' by {top['by']}).")
        out.append(report.say("{text}", text=text))
    return out


def check_selection(tidy: pd.DataFrame, meta: Mapping, question: str, option: str,
                    subgroup_vars: Sequence[str], series: str) -> None:
    """Raise ``chasm.report.ParameterError`` for a selection of 05_subgroups the data do not
    have: ``question`` without figures, ``option`` not an option of it, a ``subgroup_vars``
    entry that is not a breakdown variable of ``metadata/subgroups.yaml``, or a ``series``
    that is not a single-response question with the options "would" and "would_not"."""
    from chasm.report import ParameterError

    have = sorted(tidy["question"].unique())
    if question not in have:
        raise ParameterError(f"question={question!r} has no figure in the data; questions with "
                             f"figures: {', '.join(have)}")
    options = meta["questions"][question]["options"]
    if option not in options:
        raise ParameterError(f"option={option!r} is not an option of {question!r}; options: "
                             f"{', '.join(options)}")
    if isinstance(subgroup_vars, str) or not all(isinstance(v, str) for v in subgroup_vars):
        raise ParameterError(f"subgroup_vars={subgroup_vars!r} must be a list of variable names")
    known = [v for v in meta["subgroups"] if v != "all"]
    for v in subgroup_vars:
        if v not in known:
            raise ParameterError(f"subgroup_vars: {v!r} is not a breakdown variable of "
                                 f"metadata/subgroups.yaml; known: {', '.join(known)}")
    if series:
        q = meta["questions"].get(series)
        if (q is None or q["response"] != "single"
                or not {WOULD, WOULD_NOT} <= set(q["options"])):
            raise ParameterError(f"series={series!r} must be a single-response question of "
                                 f"metadata/questions.yaml with options {WOULD!r} and "
                                 f"{WOULD_NOT!r}, or \"\" to skip the second check")


def cells_or_message(checks: AgeChecks | ApprovalChecks, total: pd.Series | None = None):
    """A section's cells (:func:`shown`, with ``total`` as a last row) when it found a
    breakdown, else its one-sentence ``message``."""
    from chasm import report

    if checks.found:
        return report.show(shown(checks.cells, total), index="group")
    return report.say("{m}", m=checks.message)


def best_sentences(tidy: pd.DataFrame, wave: str, question: str, option: str,
                   sources: pd.DataFrame) -> list:
    """:func:`chasm.data.figures.best_sentences` for the cells of one answer in one wave (every
    breakdown): where the figure a check uses was chosen among disagreeing ones."""
    from chasm.data import figures

    return figures.best_sentences(tidy[(tidy["wave"] == wave) & (tidy["question"] == question)
                                       & (tidy["option"] == option)], sources)


def age_variable(meta: Mapping, subgroup_vars: Sequence[str]) -> str | None:
    """The first variable of ``subgroup_vars`` whose groups carry ages, or None."""
    return next((v for v in subgroup_vars if weights.age_bands(meta, v) is not None), None)


def figures_used(key_numbers: pd.DataFrame, tidy: pd.DataFrame) -> pd.Series:
    """``{figure_id: source_kind}`` of every figure the key-numbers table used."""
    used = set(";".join(key_numbers["figure_ids"]).split(";")) - {""}
    return tidy[tidy["figure_id"].isin(used)].drop_duplicates("figure_id") \
        .set_index("figure_id")["source_kind"]


def second_hand(kinds: pd.Series) -> list[str]:
    """The figures of :func:`figures_used` that are second-hand (essay or secondary), sorted."""
    return sorted(kinds[kinds.isin(["essay", "secondary"])].index)


__all__ = [
    "group_labels", "group_cells", "add_intervals", "SumCheck", "single_response_check",
    "MissingBounds", "missing_group", "missing_group_over_grid", "Identity",
    "weighted_identity", "check_row", "CHECK_COLUMNS", "key_numbers", "identity_rows",
    "vs_rest", "compare_groups", "trend", "SHOWN", "wave_n", "figure_ids", "total_cell",
    "shown", "age_weight_table", "approval_weight_table", "Unpublished", "unpublished_check",
    "widest_range", "Between", "between_neighbours", "vs_rest_verdict", "VsRestSection",
    "vs_rest_section", "TrendSection", "trend_section", "Comparison", "group_comparison",
    "answer_shares", "with_derived", "merged_panel", "EmigrateSection", "emigrate_section",
    "figures_used", "second_hand", "EMIGRATE", "WOULD", "WOULD_NOT", "AgeChecks", "age_checks",
    "ApprovalChecks", "approval_checks", "traitor_panels", "age_identity_sentences",
    "between_sentences", "APPROVAL", "approval_split", "approval_weight_sentence",
    "BREAKDOWN_COLUMNS", "BreakdownChecks", "breakdown_checks", "breakdown_sentences",
    "check_selection", "age_variable", "cells_or_message", "best_sentences",
]
