"""Rules on one share: a quoted figure, a share against a threshold, a figure quoted as words.

:func:`rule_figure` checks a quoted figure against the other sources of its cell and the
identity with its breakdown; :func:`rule_share_level` (with :func:`rule_below_half`, the
essay's instance at 50) tests shares against a threshold, a group of unknown size at every
size it can have; :func:`rule_quoted_words` reads words as a range
(``chasm.data.worded.read``); :func:`rule_not_testable` gives the register's note. Registry:
:data:`chasm.register.rules.RULES`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from chasm.analysis import verdicts
from chasm.analysis.subgroups import weighted_identity
from chasm.data import figures, worded
from chasm.formats import fmt_evidence_figure as _fig_text
from chasm.formats import fmt_evidence_number as _num
from chasm.formats import fmt_evidence_p as _p
from chasm.formats import fmt_evidence_range as _range
from chasm.formats import fmt_level
from chasm.register.context import (
    Context,
    group_label,
    group_size,
    meta_label,
    numbers_of,
    over_sizes,
    size_evidence,
    size_grid,
    unique_ids,
    weights_text,
)
from chasm.register.model import Claim, Result
from chasm.stats.intervals import share_interval


def rule_figure(claim: Claim, ctx: Context) -> Result:
    """One published figure: other sources for its cell, and the subgroup identity.

    Other sources: ``chasm.data.figures.shared_cells`` says whether their intervals overlap.
    Identity: the total equals the weighted mean of the groups of any breakdown
    (``chasm.stats.partitions.identity_check``; unpublished groups may be anything in [0, 100],
    and a single unpublished group's implied range comes from ``solve_missing_subgroup``). For a
    subgroup figure the identity of its own variable is checked, for a total every variable
    with published groups. Weights: Rosstat (age), the wave's approval rating (approval).
    Verdict: ``chasm.analysis.verdicts.figure_check`` (an identity with every group published is a
    check that could fail; one with an unpublished cell left free passes for almost any
    value). Whether other sources agree is provenance (``chasm.analysis.verdicts.provenance``), not
    inference, and does not enter the verdict.
    """
    fid = claim.figure_ids[0]
    row = ctx.fig(fid)
    used = [fid]
    parts = [f"{_fig_text(row)}, {row['wave']}, {group_label(ctx.meta, row)}"]
    strong, weak, contradicted = 0, 0, False
    disagree, confirm, agree_weak = 0, 0, 0

    cell = ctx.cell_figures(row)
    if len(cell) > 1:
        shared = figures.shared_cells(cell)
        shared = shared[(shared["figure_a"] == fid) | (shared["figure_b"] == fid)]
        for pair in shared.itertuples():
            other = pair.figure_b if pair.figure_a == fid else pair.figure_a
            used.append(other)
            o = ctx.fig(other)
            own = o["source_id"] != row["source_id"] and o["source_kind"] == "primary"
            if pair.agree:
                confirm, agree_weak = confirm + own, agree_weak + (not own)
            else:
                disagree += 1
            if pair.agree:
                parts.append(f"{_fig_text(ctx.fig(other))} for the same cell: the intervals "
                             "overlap (both can be right)")
            else:
                parts.append(f"{_fig_text(ctx.fig(other))} for the same cell: the intervals are "
                             f"{_num(pair.gap)} points apart (they cannot both be right)")

    if row["subgroup_var"] == "all":
        siblings = ctx.tidy[(ctx.tidy["wave"] == row["wave"])
                            & (ctx.tidy["question"] == row["question"])
                            & (ctx.tidy["option"] == row["option"])]
        variables = sorted(set(siblings["subgroup_var"]) - {"all"})
    else:
        variables = [row["subgroup_var"]]
    for variable in variables:
        check = _identity(ctx, row, variable)
        if check is None:
            continue
        text, ok, ids, free = check
        used += ids
        parts.append(text)
        if ok is True:
            weak, strong = (weak + 1, strong) if free else (weak, strong + 1)
        elif ok is False:
            contradicted = True

    n_fig, ci = ctx.wave_n(row["wave"]), (np.nan, np.nan)
    if row["subgroup_var"] != "all":
        w, _ = ctx.weights(row["subgroup_var"], row["wave"])
        n_fig = None if w is None or row["subgroup"] not in w.index else n_fig * w[row["subgroup"]]
    if n_fig:
        res = share_interval(row["point"], n_fig, ctx.deff, ctx.alpha, low_pct=row["low"],
                             high_pct=row["high"]).iloc[0]
        ci = (float(res["ci_low"]), float(res["ci_high"]))
        parts.append(f"{fmt_level(ctx.alpha)} CI {_range(*ci)} "
                     f"(effective sample {res['n_eff']:.0f})")

    verdict = verdicts.figure_check(contradicted, strong, weak)
    quotation = verdicts.quotation_status(contradicted, disagree, confirm + strong,
                                          agree_weak + weak)
    if not (strong or weak or contradicted):
        parts.insert(1, "no identity with a breakdown applies to this cell")
    elif weak and not strong:
        parts.append("the identity leaves an unpublished cell free, so it passes for almost any "
                     "value of this figure")
    parts.append(f"quotation {quotation}")
    numbers = numbers_of(ctx, "share and its CI (percent)", estimate=row["point"], low=ci[0],
                       high=ci[1], quotation=quotation,
                         range_kind=f"{fmt_level(ctx.alpha)} CI" if n_fig else "")
    return Result(verdict, "; ".join(parts) + ".", numbers, unique_ids(used))


def _identity(ctx: Context, row: pd.Series, variable: str):
    """The weighted identity of ``row``'s cell for one breakdown variable.

    Returns (text, ok, figure ids used, free), ok None when it cannot be checked, free True
    when an unpublished group is left free (a weak check); None when the variable has no
    published group or no total is published.
    """
    w, where = ctx.weights(variable, row["wave"])
    total_rows = ctx.cell_figures(row, "all", "all")
    if total_rows.empty:
        return None
    total = row if row["subgroup_var"] == "all" else figures.best(total_rows).iloc[0]
    if w is None:
        return (f"identity with the {meta_label(ctx.meta, variable)} breakdown not checked: "
                f"{where}",
                None, [], True)
    published, missing = [], []
    for group in w.index:
        if row["subgroup_var"] == variable and row["subgroup"] == group:
            g = row
        else:
            g_rows = ctx.cell_figures(row, variable, group)
            g = figures.best(g_rows).iloc[0] if len(g_rows) else None
        if g is None:
            missing.append(group)
        else:
            published.append(g)
    if not published:
        return None
    cells = pd.DataFrame({"group": [g["subgroup"] for g in published],
                          "low": [float(g["low"]) for g in published],
                          "high": [float(g["high"]) for g in published]})
    res = weighted_identity((float(total["low"]), float(total["high"])), w, cells)
    groups = ", ".join(f"{g['figure_id']} ({meta_label(ctx.meta, variable, g['subgroup'])})"
                       for g in published if g["figure_id"] != row["figure_id"])
    if row["figure_id"] == total["figure_id"]:
        lead = f"identity with its breakdown by {meta_label(ctx.meta, variable)}, {groups}"
    else:
        lead = f"identity with total {total['figure_id']}"
        lead += f" and the other groups {groups}" if groups else ""
    lead += f" ({where}: {weights_text(ctx.meta, variable, w)})"
    ids = [total["figure_id"]] + [g["figure_id"] for g in published]
    if len(missing) == 1:
        cellr = res.missing
        if cellr.feasible:
            return (f"{lead}: the unpublished {meta_label(ctx.meta, variable, missing[0])} cell "
                    f"must lie in "
                    f"{_range(cellr.low, cellr.high)}, a possible share, so the figures can all "
                    "be right", True, ids, True)
        return (f"{lead}: the unpublished {meta_label(ctx.meta, variable, missing[0])} cell "
                f"would have to lie in "
                f"{_range(cellr.raw_low, cellr.raw_high)}, outside 0–100: impossible",
                False, ids, True)
    if missing:
        names = ", ".join(meta_label(ctx.meta, variable, m) for m in missing)
        lead += f" (unpublished {names} allowed anywhere in 0–100)"
    implied = _range(res.implied_low, res.implied_high)
    published = _range(res.total_low, res.total_high)
    if res.consistent:
        return (f"{lead}: implied total {implied} overlaps {published}: the identity holds",
                True, ids, bool(missing))
    return (f"{lead}: implied total {implied} misses {published} by {_num(res.gap)} points: "
            "impossible", False, ids, bool(missing))


def _level_test(ctx: Context, r: pd.Series, n: float, side: str, threshold: float) -> dict:
    """A share against ``threshold``: its interval (``share_interval`` over its rounding or
    wording range) and the one-sided score test of the claim's negation at the least favourable
    end of that range (below: H0 share >= threshold at the high end; above: H0 share <=
    threshold at the low end; Wilson inverts it); about: the (1 - 2 alpha) interval too."""
    ci = share_interval(r["point"], n, ctx.deff, ctx.alpha, low_pct=r["low"],
                        high_pct=r["high"]).iloc[0]
    se = np.sqrt(threshold / 100 * (1 - threshold / 100) / float(ci["n_eff"]))
    if side == "above":
        p = float(norm.sf((float(r["low"]) / 100 - threshold / 100) / se))
    else:
        p = float(norm.cdf((float(r["high"]) / 100 - threshold / 100) / se))
    out = {"row": r, "ci_low": float(ci["ci_low"]), "ci_high": float(ci["ci_high"]), "p": p,
           "n": n}
    if side == "about":
        eq = share_interval(r["point"], n, ctx.deff, 2 * ctx.alpha, low_pct=r["low"],
                            high_pct=r["high"]).iloc[0]
        out.update(eq_low=float(eq["ci_low"]), eq_high=float(eq["ci_high"]))
    return out


def _level_verdict(results: list[dict], side: str, threshold: float, margin: float) -> str:
    """Every share must be on the claimed side (an intersection-union: no adjustment);
    ``chasm.analysis.verdicts.level`` on the least favourable one, contradicted if any interval lies
    wholly on the other side; about: ``chasm.analysis.verdicts.similarity`` of each share's distance
    from the threshold within the plan's margin."""
    if side == "about":
        tests = [{"eq_low": x["eq_low"] - threshold, "eq_high": x["eq_high"] - threshold,
                  "smallest_margin": max(abs(x["eq_low"] - threshold),
                                         abs(x["eq_high"] - threshold))} for x in results]
        return verdicts.similarity(tests, 0.0, margin)
    below = side == "below"
    if any((x["ci_low"] > threshold) if below else (x["ci_high"] < threshold) for x in results):
        return "contradicted"
    top = (max(results, key=lambda x: x["ci_high"]) if below
           else min(results, key=lambda x: x["ci_low"]))
    return verdicts.level(top["ci_low"], top["ci_high"], threshold, below=below)


def _threshold_text(threshold: float) -> str:
    return "half" if threshold == 50 else f"{_num(threshold, 0)}%"


def _share_level(claim: Claim, ctx: Context, side: str, threshold: float) -> Result:
    """The general level rule (:func:`rule_share_level`): figures of the whole sample or of
    groups of known size are tested at their n; a group of unknown size at every size it can
    have (:func:`over_sizes`)."""
    rows = [ctx.fig(f) for f in claim.figure_ids]
    margin = ctx.margin
    sizes = [group_size(ctx, r) for r in rows]
    unknown = [i for i, (w, _) in enumerate(sizes) if w is None]

    def at(ws: dict[int, float]):
        results = [_level_test(ctx, r, ctx.wave_n(r["wave"]) * ws.get(i, sizes[i][0]), side,
                               threshold) for i, r in enumerate(rows)]
        return _level_verdict(results, side, threshold, margin), results

    if unknown:
        scan = over_sizes(lambda w: at({i: w for i in unknown})[0], size_grid(1.0))
        verdict, results = scan["verdict"], at({i: scan["w_at"] for i in unknown})[1]
    else:
        scan, (verdict, results) = None, at({})
    if side == "about":
        widest = max(results, key=lambda x: max(abs(x["eq_low"] - threshold),
                                                abs(x["eq_high"] - threshold)))
        parts = "; ".join(f"{_fig_text(x['row'])}, {x['row']['wave']}: "
                          f"{fmt_level(2 * ctx.alpha)} CI {_range(x['eq_low'], x['eq_high'])}"
                          for x in results)
        evidence = (f"{parts}. 'About {_threshold_text(threshold)}' needs each interval within "
                    f"{_num(threshold, 0)} ± {_num(margin, 0)} points (the plan's equivalence "
                    f"margin, TOST); the widest reaches {_num(widest['eq_low'])} to "
                    f"{_num(widest['eq_high'])} ({widest['row']['figure_id']}).")
        top, measure = widest, "share and its (1 - 2 alpha) CI (percent), the widest"
        kind = f"{fmt_level(2 * ctx.alpha)} CI"
        low, high = widest["eq_low"], widest["eq_high"]
    else:
        below = side == "below"
        top = (max(results, key=lambda x: x["ci_high"]) if below
               else min(results, key=lambda x: x["ci_low"]))
        parts = "; ".join(f"{_fig_text(x['row'])}, {x['row']['wave']}: {fmt_level(ctx.alpha)} CI "
                          f"{_range(x['ci_low'], x['ci_high'])}" for x in results)
        end = "highest upper" if below else "lowest lower"
        negation = "at least" if below else "at most"
        where = "top" if below else "bottom"
        evidence = (f"{parts}. The {end} end is {_num(top['ci_high' if below else 'ci_low'])}% "
                    f"({top['row']['figure_id']}; one-sided test of '{negation} "
                    f"{_threshold_text(threshold)}' at the {where} of its rounding range: "
                    f"{_p(top['p'])}).")
        measure = f"share and its CI (percent), the figure with the {end} end"
        kind = f"{fmt_level(ctx.alpha)} CI"
        low, high = top["ci_low"], top["ci_high"]
    sizes, extra = size_evidence(ctx, [rows[i] for i in unknown], scan)
    evidence += sizes
    return Result(verdict, evidence,
                  numbers_of(ctx, measure, estimate=top["row"]["point"], low=low, high=high,
                           p_value=top["p"], p_rounding=top["p"], p_worst=top["p"],
                           p_adjusted=top["p"], p_adjusted_worst=top["p"], method="none",
                           range_kind=kind,
                           comparison_id=f"{claim.claim_id}:{top['row']['figure_id']}-"
                                         f"{threshold:g}", **extra),
                  claim.figure_ids)


def rule_share_level(claim: Claim, ctx: Context) -> Result:
    """Each listed share is above, below or about a threshold (args: side=above|below|about,
    threshold=<percent>).

    above/below: the interval of each share (``share_interval`` over its rounding/wording
    range) must lie wholly on the claimed side: every figure must pass (an intersection-union
    test: no multiplicity adjustment is needed), ``chasm.analysis.verdicts.level`` on the least
    favourable figure; any interval wholly on the other side contradicts. The p shown is the
    one-sided test of the negation at the least favourable end of the rounding range. about:
    every share's (1 - 2 alpha) interval within the threshold ± the plan's equivalence margin
    (``chasm.analysis.verdicts.similarity``). A group of unknown size: the verdict at every size it
    can
    have (:func:`over_sizes`)."""
    return _share_level(claim, ctx, claim.arg("side"), float(claim.arg("threshold")))


def rule_below_half(claim: Claim, ctx: Context) -> Result:
    """Each listed share is below 50%: :func:`rule_share_level` with side=below, threshold=50
    (the essay's rule as an instance of the general one)."""
    return _share_level(claim, ctx, "below", 50.0)


def rule_quoted_words(claim: Claim, ctx: Context) -> Result:
    """A figure quoted as words (args: words=<the text's words>, e.g. "nearly half"): the
    words are read by the one documented rule (``chasm.data.worded.read``) and compared with the
    published figure's range. Supported if the figure's range lies within the words' range,
    contradicted if the two cannot overlap, inconclusive if they overlap only in part. A
    quotation check: the published figure is the reference, so no sampling error enters."""
    row = ctx.fig(claim.figure_ids[0])
    words = claim.arg("words")
    try:
        reading = worded.read(words)
    except worded.WordedFigureError as err:
        raise claim.fail(str(err)) from None
    lo, hi = float(row["low"]), float(row["high"])
    if reading.low <= lo and hi <= reading.high:
        verdict, how = "supported", "lies within"
    elif hi < reading.low or lo > reading.high:
        verdict, how = "contradicted", "cannot overlap"
    else:
        verdict, how = "inconclusive", "overlaps only in part"
    evidence = (f"'{words}' reads as {_range(reading.low, reading.high)} "
                f"({reading.rule}, chasm.data.worded); the published {_fig_text(row)}, "
                f"{row['wave']}, {group_label(ctx.meta, row)}: its range {how} it.")
    return Result(verdict, evidence,
                  numbers_of(ctx, "range the words allow (percent); estimate: the published figure",
                           estimate=row["point"], low=reading.low, high=reading.high,
                             range_kind="rounding range"),
                  (row["figure_id"],))


def rule_not_testable(claim: Claim, ctx: Context) -> Result:
    """Qualitative or outside these data: the evidence is the register's note."""
    return Result("not testable", claim.notes, {"measure": ""}, ())
