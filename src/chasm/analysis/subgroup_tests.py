"""Subgroups tested against each other: a group against the rest of the sample, two disjoint
groups, the trend across ordered groups, and who gives an answer.

WHAT. Each test is made twice: at the published points and at the least favourable ends of
the wording ranges (the ends that shrink the difference in the direction it has at the
points): :func:`vs_rest` (a subgroup against the rest, ``rest = (p_T - w p_g) / (1 - w)`` with
``(1 - w) N`` interviews) and :func:`vs_rest_groups` (every published group, Holm over them at
the points, with a verdict in words); :func:`compare_groups` (two disjoint groups, ``n_g = w_g
N`` each); :func:`trend` / :func:`trend_by_order` (Cochran-Armitage at the points and at the
flattest reading); :func:`answer_shares` (Bayes inversion: the share of an answer's givers in
each group, outer bounds over the rounding of figures and weights).

WHY. A group is part of the total, so it is compared with the rest of the sample, never with
the total; and a difference that holds only at the convenient end of "about half" is not
supported by the text.

CONVENTION. Shares are percentages (0-100); group weights are fractions summing to 1. The
cells are :func:`chasm.analysis.subgroups.group_cells` rows (group, figure_id, point, low,
high, published).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm.analysis import weights
from chasm.analysis.subgroups import MissingBounds
from chasm.stats import partitions as sg
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.twosample import compare_waves


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


def vs_rest_verdict(p_holm: float, p_least: float, alpha: float) -> str:
    """The words for a group against the rest: robust, only at the points, or neither."""
    if p_holm < alpha and p_least < alpha:
        return "differs from the rest even at the least favourable reading"
    if p_holm < alpha:
        return ("differs from the rest at the points but not at the least favourable reading"
                " of the wording")
    return "cannot be told apart from the rest"


def vs_rest_groups(cells: pd.DataFrame, total: Mapping, group_weights: pd.Series, n: float,
                   deff: float, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`vs_rest` for each published group, Holm over the groups at the points.

    Columns: group, figure_id, then :func:`vs_rest`'s, then ``p_holm`` (at the points; NaN at
    the least favourable ends) and ``verdict`` (:func:`vs_rest_verdict` of the group's Holm p
    at the points and its p at the least favourable ends, on both of its rows).
    """
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
    verdict = {g: vs_rest_verdict(res.iloc[0]["p_holm"], res.iloc[1]["p_value"], alpha)
               for g, res in rest.groupby("group", sort=False)}
    return rest.assign(verdict=rest["group"].map(verdict))


class Trend(NamedTuple):
    """:func:`trend` over the published groups (:func:`trend_by_order`): ``table``;
    ``at_points``: p < alpha at the points; ``holds``: also at the least favourable ends."""

    table: pd.DataFrame
    at_points: bool
    holds: bool


def trend_by_order(cells: pd.DataFrame, group_weights: pd.Series, n: float, deff: float,
                   alpha: float = 0.05) -> Trend:
    """Trend across the published groups, scored by their position in the full order of
    ``group_weights`` (an unpublished group leaves a gap), each with ``w n / deff``
    effective interviews."""
    published = cells[cells["published"]].reset_index(drop=True)
    order = list(group_weights.index)
    scores = [order.index(g) for g in published["group"]]
    n_effs = group_weights[published["group"]].to_numpy() * n / deff
    tr = trend(published, scores, n_effs)
    at_points = bool(tr.at[0, "p_value"] < alpha)
    return Trend(tr, at_points, at_points and bool(tr.at[1, "p_value"] < alpha))


def answer_shares(cells: pd.DataFrame, total: Mapping, aw: weights.ApprovalWeights,
                  missing: MissingBounds) -> pd.DataFrame:
    """Who gives the answer: ``P(group | answer) = w_g p_g / p_total`` for every group.

    :func:`chasm.stats.partitions.bayes_share_of_answer` at the points (published groups) and
    as outer bounds over the rounding of the figures and of the weights (``aw.grid``); the
    unpublished group uses its derived range ``missing``. Columns: group, figure_id
    ("derived" for the unpublished group), weight_pct, share_choosing, share_of_answers, low,
    high.
    """
    t_range = (total["low"], total["high"])
    by_group = cells.set_index("group")
    table = []
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
    return pd.DataFrame(table)


__all__ = ["vs_rest", "compare_groups", "trend", "vs_rest_verdict", "vs_rest_groups", "Trend",
           "trend_by_order", "answer_shares"]
