"""Rules on groups of a breakdown: against each other, the total or the rest of the sample.

:func:`rule_highest_group`, :func:`rule_group_gap` and :func:`rule_ordering` compare disjoint
groups (independent samples of w_g N by the comparison engine); :func:`rule_vs_rest` and
:func:`rule_group_vs` compare a group with the rest of the sample it belongs to, the latter
at every size a group of unknown size can have. Registry: :data:`chasm.register.rules.RULES`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from chasm.analysis import verdicts
from chasm.analysis.subgroups import largest_group_size
from chasm.formats import fmt_evidence_figure as _fig_text
from chasm.formats import fmt_evidence_number as _num
from chasm.formats import fmt_evidence_p as _p
from chasm.formats import fmt_evidence_points as _pts
from chasm.formats import fmt_evidence_range as _range
from chasm.formats import fmt_level
from chasm.register.context import (
    Context,
    add_adjusted,
    group_label,
    group_size,
    independent_test,
    meta_label,
    method_text,
    needs_point,
    numbers_of,
    option_label,
    over_sizes,
    same_cell,
    size_evidence,
    size_grid,
    unique_ids,
    weakest_test,
    weights_text,
    whole_sample,
)
from chasm.register.model import Claim, Result
from chasm.stats.partitions import bayes_share_of_answer, solve_missing_subgroup, subgroup_vs_rest
from chasm.stats.rounding import rounding_variance, with_rounding
from chasm.stats.sensitivity import bayes_share_interval


def rule_highest_group(claim: Claim, ctx: Context) -> Result:
    """A group has the highest share of its breakdown (args: group, others, total, variable).

    The group is tested against each other published group as disjoint samples
    (``compare_waves`` with n_g = w_g N), Holm over them. Unpublished groups of the variable are
    bounded from the total (``chasm.stats.partitions.solve_missing_subgroup``; several unpublished
    groups: each with the others anywhere in 0-100). If an unpublished group's upper bound
    reaches the claimed group's lower end, the published figures cannot decide: not
    identifiable. Otherwise the ladder of the tests.
    """
    variable = claim.arg("variable")
    group, total = ctx.fig(claim.arg("group")), ctx.fig(claim.arg("total"))
    others = [ctx.fig(f) for f in claim.args["others"]]
    rows = [group, total] + others
    same_cell(claim, rows)
    whole_sample(claim, total)
    for r in [group] + others:
        if r["subgroup_var"] != variable:
            raise claim.fail(f"figure {r['figure_id']} is not a group of {variable!r}")
    w, where = ctx.need_weights(claim, variable, group["wave"])
    listed = {r["subgroup"] for r in [group] + others}
    for g in w.index:
        if g not in listed and len(ctx.cell_figures(group, variable, g)):
            raise claim.fail(f"group {g!r} is published but not listed in 'others'")
    missing = [g for g in w.index if g not in listed]
    n = ctx.wave_n(group["wave"])
    needs_point(claim, group)
    tests = []
    for o in others:
        needs_point(claim, o)
        t = independent_test(ctx, o, group, n * w[o["subgroup"]], n * w[group["subgroup"]], 1)
        t["other"] = o["figure_id"]
        t["comparison_id"] = f"{claim.claim_id}:{group['figure_id']}-{o['figure_id']}"
        tests.append(t)
    add_adjusted(tests, ctx.method(claim))
    bounds = {}
    lo = pd.Series({r["subgroup"]: float(r["low"]) for r in [group] + others})
    hi = pd.Series({r["subgroup"]: float(r["high"]) for r in [group] + others})
    for m in missing:
        known_lo = lo.reindex(w.index).fillna(0.0)
        known_hi = hi.reindex(w.index).fillna(100.0)
        known_lo[m] = known_hi[m] = np.nan
        cellr = solve_missing_subgroup(float(total["low"]), float(total["high"]), w, known_lo,
                                       known_hi, m)
        bounds[m] = (float(cellr.low), float(cellr.high))
    comps = "; ".join(
        f"vs {t['other']} ({ctx.fig(t['other'])['subgroup']}): {_pts(t['diff'])} (CI "
        f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_value'])}), least favourable "
        f"{_pts(t['worst_diff'])}; adjusted {_p(t['p_adjusted'])}, at the least favourable "
        f"rounding {_p(t['p_adjusted_worst'])}" for t in tests)
    head = (f"{_fig_text(group)} for {group['subgroup']}, {group['wave']} (n ≈ "
            f"{n * w[group['subgroup']]:.0f}, {where})")
    blocking = {m: b for m, b in bounds.items() if b[1] >= float(group["low"])}
    bound_text = "; ".join(
        f"the unpublished {m} cell lies in {_range(*b)} (from total {total['figure_id']} and the "
        "published groups)" for m, b in bounds.items())
    if blocking:
        verdict = "not identifiable"
        tail = (f"{bound_text}: it could exceed {group['subgroup']}'s lower end "
                f"{_num(group['low'])}, so the published figures cannot say which group is highest")
    else:
        verdict = verdicts.directional(tests, ctx.alpha)
        tail = bound_text + (": below the group's lower end" if bounds else "")
    evidence = f"{head}: {comps}" + (f"; {tail}" if tail else "") + "."
    weakest = weakest_test(tests)
    extra = {}
    if bounds:
        top = max(bounds.values(), key=lambda b: b[1])
        extra = {"missing_low": top[0], "missing_high": top[1]}
    numbers = numbers_of(ctx, "difference from the closest group, points", weakest, **extra)
    return Result(verdict, evidence, numbers,
                  unique_ids([group["figure_id"], *claim.args["others"], total["figure_id"]]))


def rule_vs_rest(claim: Claim, ctx: Context) -> Result:
    """Groups compared with the rest of the sample (args: groups, total,
    expect=lower|higher|similar).

    ``chasm.stats.partitions.subgroup_vs_rest`` for each group (never against the total it is
    part of), at the published values with rounding as noise (the difference is
    ``(sub - total) / (1 - w)``, so both figures' rounding variance is scaled by
    ``1 / (1 - w)^2``), adjusted over the groups by the plan's method; the least favourable
    rounding beside it. lower/higher: ``chasm.analysis.verdicts.directional``. similar:
    ``chasm.analysis.verdicts.similarity`` with the plan's equivalence margin: each group's smallest
    margin is the larger absolute end of its (1 - 2 alpha) interval (TOST), so similarity is
    supported only if every difference is shown to lie within the margin.
    """
    expect = claim.arg("expect")
    total = ctx.fig(claim.arg("total"))
    groups = [ctx.fig(f) for f in claim.args["groups"]]
    same_cell(claim, groups + [total])
    whole_sample(claim, total)
    n = ctx.wave_n(total["wave"])
    needs_point(claim, total)
    margin = ctx.margin
    claimed = {"lower": -1, "higher": 1, "similar": 0}[expect]
    tests = []
    for g in groups:
        needs_point(claim, g)
        w, where = ctx.need_weights(claim, g["subgroup_var"], g["wave"])
        wg = float(w[g["subgroup"]])
        # sub - rest = (sub - total) / (1 - w): it has the sign of sub - total, so the ends that
        # matter are the group's and the total's.
        if claimed:  # least favourable: the ends closest to the other side
            t_end = float(total["low"] if claimed < 0 else total["high"])
            g_end = float(g["high"] if claimed < 0 else g["low"])
            no_difference = claimed * (g_end - t_end) <= 0
        else:  # least favourable to similarity: the ends farthest apart
            far = float(g["point"]) >= float(total["point"])
            t_end = float(total["low"] if far else total["high"])
            g_end = float(g["high"] if far else g["low"])
            no_difference = False
        res = subgroup_vs_rest([float(total["point"]), t_end], [float(g["point"]), g_end],
                               wg, n, ctx.deff, ctx.alpha)
        point, worst = res.iloc[0], res.iloc[1]
        noise = (rounding_variance(float(g["low"]), float(g["high"]))
                 + rounding_variance(float(total["low"]), float(total["high"]))) / (1 - wg) ** 2
        # the sampling SE from the score interval (defined also at a zero difference)
        se0 = (float(point["ci_high"]) - float(point["ci_low"])) / (2 * norm.ppf(1 - ctx.alpha / 2))
        rounded = with_rounding(float(point["diff"]), float(point["z"]), noise, ctx.alpha, se0)
        tost = with_rounding(float(point["diff"]), float(point["z"]), noise, 2 * ctx.alpha, se0)
        tests.append({"group": g["figure_id"], "w": wg, "rest": float(point["rest"]),
                      "diff": float(point["diff"]), "ci_low": float(point["ci_low"]),
                      "ci_high": float(point["ci_high"]), "p_value": float(point["p_value"]),
                      "p_rounding": float(rounded["p_value"].iloc[0]), "noise_var": noise,
                      "p_worst": 1.0 if no_difference else float(worst["p_value"]),
                      "worst_diff": float(worst["diff"]),
                      "smallest_margin": float(max(abs(tost["ci_low"].iloc[0]),
                                                   abs(tost["ci_high"].iloc[0]))),
                      "eq_low": float(tost["ci_low"].iloc[0]),
                      "eq_high": float(tost["ci_high"].iloc[0]),
                      "comparison_id": f"{claim.claim_id}:{g['figure_id']}-rest",
                      "sign": 1 if claimed * point["diff"] > 0 else -1, "where": where})
    method = ctx.method(claim)
    add_adjusted(tests, method)
    comps = "; ".join(
        f"{_fig_text(ctx.fig(t['group']), kind=False)} ({ctx.fig(t['group'])['subgroup']}, "
        f"w = {_num(100 * t['w'])}%) vs the rest {_num(t['rest'])}%: {_pts(t['diff'])} (CI "
        f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_value'])}, adjusted "
        f"{_p(t['p_adjusted'])})" for t in tests)
    head = (f"Total {_fig_text(total)}, {total['wave']}; each group against the rest of the "
            f"sample ({tests[0]['where']}), rounding as noise, {method_text(method)} over "
            f"{len(tests)}: {comps}")
    if expect == "similar":
        verdict = verdicts.similarity(tests, ctx.alpha, margin)
        widest = max(tests, key=lambda t: t["smallest_margin"])
        tail = (f"similarity needs each difference within the plan's ±{_num(margin, 0)} points "
                f"(equivalence, TOST): the smallest margin these figures establish is "
                f"±{_num(widest['smallest_margin'])} points ({widest['group']})")
        numbers = numbers_of(ctx, "difference from the rest of the sample, points", widest,
                           smallest_margin=widest["smallest_margin"])
    else:
        verdict = verdicts.directional(tests, ctx.alpha)
        tail = "least favourable rounding: " + ", ".join(
            f"{t['group']} adjusted {_p(t['p_adjusted_worst'])}" for t in tests)
        numbers = numbers_of(ctx, "difference from the rest of the sample, points",
                             weakest_test(tests))
    return Result(verdict, f"{head}; {tail}.", numbers,
                  unique_ids([*claim.args["groups"], total["figure_id"]]))


def rule_group_gap(claim: Claim, ctx: Context) -> Result:
    """One group's share is higher than another's (args: higher, lower, total).

    Disjoint groups of one breakdown: score test with n_g = w_g N (weights: Rosstat for age,
    the wave's approval rating for approval), at the points and the least favourable ends.
    The evidence adds the Bayes inversion (``chasm.stats.partitions.bayes_share_of_answer``): the
    share of all respondents giving the answer who belong to each group, with its range over
    the rounding of the figures and of the weights (``Context.weight_range``: the same outer
    bounds as 05_subgroups) and its CI with sampling error.
    """
    high, low, total = (ctx.fig(claim.arg(k)) for k in ("higher", "lower", "total"))
    same_cell(claim, [high, low, total])
    if high["subgroup_var"] != low["subgroup_var"] or high["subgroup"] == low["subgroup"]:
        raise claim.fail("higher and lower must be two groups of one breakdown")
    whole_sample(claim, total)
    w, where = ctx.need_weights(claim, high["subgroup_var"], high["wave"])
    n = ctx.wave_n(high["wave"])
    needs_point(claim, high)
    needs_point(claim, low)
    t = independent_test(ctx, low, high, n * w[low["subgroup"]], n * w[high["subgroup"]], 1)
    t["comparison_id"] = f"{claim.claim_id}:{high['figure_id']}-{low['figure_id']}"
    add_adjusted([t], ctx.method(claim))
    verdict = verdicts.directional([t], ctx.alpha)
    shares, bayes = [], {}
    for g in (high, low):
        wg = float(w[g["subgroup"]])
        point = bayes_share_of_answer(wg, float(g["point"]), float(total["point"]))
        w_range = ctx.weight_range(g["subgroup_var"], g["wave"], g["subgroup"])
        b = bayes_share_of_answer(w_range, (float(g["low"]), float(g["high"])),
                                  (float(total["low"]), float(total["high"])))
        rounded = "rounding of the figures and weights" if w_range[0] < w_range[1] else "rounding"
        ci = bayes_share_interval(wg, float(g["point"]), float(total["point"]), n, ctx.deff,
                                  ctx.alpha).iloc[0]
        bayes = {"bayes_share": float(point), "bayes_low": float(ci["ci_low"]),
                 "bayes_high": float(ci["ci_high"]), "bayes_range_low": float(b.low),
                 "bayes_range_high": float(b.high)}
        shares.append(f"{_num(point)}% ({rounded} {_range(b.low, b.high)}; "
                      f"{fmt_level(ctx.alpha)} CI with "
                      f"sampling error {_range(float(ci['ci_low']), float(ci['ci_high']))}) come "
                      f"from the group '{meta_label(ctx.meta, g['subgroup_var'], g['subgroup'])}'")
    evidence = (f"{_fig_text(high)} vs {_fig_text(low)}, {high['wave']} ({where}: "
                f"{weights_text(ctx.meta, high['subgroup_var'], w)}; n ≈ "
                f"{n * w[high['subgroup']]:.0f} and {n * w[low['subgroup']]:.0f}): "
                f"{_pts(t['diff'])}, {fmt_level(ctx.alpha)} CI with rounding as noise "
                f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, "
                f"{_p(t['p_value'])}, with rounding as noise {_p(t['p_rounding'])}, adjusted "
                f"{_p(t['p_adjusted'])}; least favourable ends {_pts(t['worst_diff'])}, "
                f"{_p(t['p_worst'])}. Of all '{option_label(ctx.meta, high)}' answers "
                f"(total {total['figure_id']} {total['value_text']}), "
                + " and ".join(shares) + " (Bayes' rule).")
    return Result(verdict, evidence,
                  numbers_of(ctx, "difference between the groups, points", t, **bayes),
                  (high["figure_id"], low["figure_id"], total["figure_id"]))


def _rest_row(total: pd.Series, group: pd.Series, w: float) -> pd.Series:
    """The rest of the sample, (total − w·group) / (1 − w), with its range from the two
    figures' ranges (clipped to 0–100)."""
    def rest(t, g):
        return float(np.clip((float(t) - w * float(g)) / (1 - w), 0.0, 100.0))

    return pd.Series({"figure_id": f"rest of {total['figure_id']}",
                      "point": rest(total["point"], group["point"]),
                      "low": rest(total["low"], group["high"]),
                      "high": rest(total["high"], group["low"])})


def _max_group_size(total: pd.Series, group: pd.Series) -> float:
    """The largest size a group can have given its and the total's ranges
    (:func:`chasm.analysis.subgroups.largest_group_size`)."""
    return largest_group_size((group["low"], group["high"]), (total["low"], total["high"]))


def rule_group_vs(claim: Claim, ctx: Context) -> Result:
    """A group's share is higher or lower than the total's or the rest's (args: group, total,
    against=total|rest, expect=higher|lower).

    A group is part of the total, so both claims are one test: the group against the rest of
    the sample, two independent samples of w N and (1 − w) N interviews, by the one engine
    (rest = (total − w group) / (1 − w); group − total = (1 − w)(group − rest), same sign).
    The group's size w: the breakdown's weights or given sizes (``subgroups.yaml``); unknown,
    the claim at every size it can have (:func:`over_sizes`, up to the largest size the
    figures allow, :func:`_max_group_size`): the range of sizes for which it holds. Verdict:
    ``chasm.analysis.verdicts.directional``.
    """
    group, total = ctx.fig(claim.arg("group")), ctx.fig(claim.arg("total"))
    same_cell(claim, [group, total])
    if total["subgroup_var"] != "all" or group["subgroup_var"] == "all":
        raise claim.fail("group must be a group of a breakdown and total a whole-sample figure")
    needs_point(claim, group)
    needs_point(claim, total)
    sign = 1 if claim.arg("expect") == "higher" else -1
    n = ctx.wave_n(group["wave"])
    w_known, where = group_size(ctx, group)

    def at(w: float):
        rest = _rest_row(total, group, w)
        t = independent_test(ctx, rest, group, (1 - w) * n, w * n, sign)
        t["comparison_id"] = f"{claim.claim_id}:{group['figure_id']}-rest"
        add_adjusted([t], ctx.method(claim))
        return verdicts.directional([t], ctx.alpha), t, rest

    scan = None
    if w_known is None:
        w_max = _max_group_size(total, group)
        scan = over_sizes(lambda w: at(w)[0], size_grid(w_max))
        verdict, t, rest = scan["verdict"], *at(scan["w_at"])[1:]
        w = scan["w_at"]
    else:
        w = w_known
        verdict, t, rest = at(w)
    against = claim.arg("against")
    diff_total = (1 - w) * t["diff"]
    evidence = (f"{_fig_text(group)} ({group_label(ctx.meta, group)}), total "
                f"{_fig_text(total)}, {group['wave']}; at a group size of {_num(100 * w)}% "
                f"of the sample, the rest of the sample is at {_num(rest['point'])}% "
                f"{_range(rest['low'], rest['high'])}: group − rest {_pts(t['diff'])}, "
                f"{fmt_level(ctx.alpha)} CI {_num(t['ci_low'])} to {_num(t['ci_high'])}, "
                f"{_p(t['p_rounding'])} with rounding as noise (group − total "
                f"{_pts(diff_total)}, the same test)")
    evidence += "." if scan is not None else f" ({where})."
    if group["low"] > total["high"] or group["high"] < total["low"]:
        evidence += (" Whatever the group's size, its range lies "
                     f"{'above' if group['low'] > total['high'] else 'below'} the total's, so it "
                     "is on that side of the rest too (without sampling error).")
    sizes, extra = size_evidence(ctx, [group], scan)
    evidence += sizes
    measure = ("difference from the rest of the sample, points" if against == "rest" else
               "difference from the rest of the sample, points (the test of the group against "
               "the total)")
    return Result(verdict, evidence, numbers_of(ctx, measure, t, **extra),
                  (group["figure_id"], total["figure_id"]))


def rule_ordering(claim: Claim, ctx: Context) -> Result:
    """Groups of one breakdown in a stated order, highest first (args: order=F1 F2 ...).

    Each adjacent pair by the one engine (disjoint groups: independent samples of w_g N),
    adjusted over the pairs by the plan's method; ``chasm.analysis.verdicts.directional``. Groups of
    unknown size: the claim at every size they can have, all unknown groups the same size
    (up to 1/k of the sample for k of them; :func:`over_sizes`)."""
    rows = [ctx.fig(f) for f in claim.args["order"]]
    if set(claim.args["order"]) != set(claim.figure_ids):
        raise claim.fail("order must list exactly the claim's figure_ids")
    same_cell(claim, rows)
    if len({r["subgroup_var"] for r in rows}) != 1 or rows[0]["subgroup_var"] == "all":
        raise claim.fail("ordering compares groups of one breakdown")
    for r in rows:
        needs_point(claim, r)
    sizes = [group_size(ctx, r)[0] for r in rows]
    unknown = [i for i, w in enumerate(sizes) if w is None]
    n = ctx.wave_n(rows[0]["wave"])

    def at(w: float | None):
        tests = []
        for i in range(len(rows) - 1):
            hi, lo = rows[i], rows[i + 1]
            w_hi = sizes[i] if sizes[i] is not None else w
            w_lo = sizes[i + 1] if sizes[i + 1] is not None else w
            t = independent_test(ctx, lo, hi, n * w_lo, n * w_hi, 1)
            t["comparison_id"] = f"{claim.claim_id}:{hi['figure_id']}-{lo['figure_id']}"
            t["pair"] = (hi["figure_id"], lo["figure_id"])
            tests.append(t)
        add_adjusted(tests, ctx.method(claim))
        return verdicts.directional(tests, ctx.alpha), tests

    scan = None
    if unknown:
        known = sum(w for w in sizes if w is not None)
        scan = over_sizes(lambda w: at(w)[0], size_grid((1 - known) / len(unknown)))
        verdict, tests = scan["verdict"], at(scan["w_at"])[1]
    else:
        verdict, tests = at(None)
    pairs = "; ".join(f"{t['pair'][0]} − {t['pair'][1]} {_pts(t['diff'])} (CI "
                      f"{_num(t['ci_low'])} to {_num(t['ci_high'])}), adjusted "
                      f"{_p(t['p_adjusted'])}" for t in tests)
    evidence = (f"{', '.join(_fig_text(r, kind=False) for r in rows)} ({rows[0]['wave']}, "
                f"{meta_label(ctx.meta, rows[0]['subgroup_var'])}, highest first): adjacent "
                f"pairs, rounding as noise, {method_text(ctx.method(claim))} over "
                f"{len(tests)}: {pairs}.")
    sizes_text, extra = size_evidence(ctx, [rows[i] for i in unknown], scan)
    evidence += sizes_text
    return Result(verdict, evidence,
                  numbers_of(ctx, "difference between adjacent groups, points (weakest pair)",
                           weakest_test(tests), **extra),
                  tuple(claim.args["order"]))
