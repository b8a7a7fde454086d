"""Rules on change: a share moved between two waves, the highest or lowest wave of a series.

:func:`rule_wave_change` takes the analysis plan's own row for the claim's comparison
(``chasm.analysis.plan.wave_tests``, the row 03_waves shows), by the comparison engine's column
names (``chasm.analysis.compare.RECORD``); :func:`rule_change` compares two waves the plan does
not declare by the same engine, with an optional stated size ("by 6 points", "halved");
:func:`rule_extreme` compares a wave with every other wave of its series since a month.
Registry: :data:`chasm.register.rules.RULES`.
"""

from __future__ import annotations

import pandas as pd

from chasm.analysis import verdicts
from chasm.analysis.compare import RECORD, SAMPLES
from chasm.data import figures, load
from chasm.formats import fmt_evidence_figure as _fig_text
from chasm.formats import fmt_evidence_number as _num
from chasm.formats import fmt_evidence_p as _p
from chasm.formats import fmt_evidence_points as _pts
from chasm.formats import fmt_level
from chasm.register.context import (
    Context,
    add_adjusted,
    group_label,
    group_size,
    independent_test,
    method_text,
    needs_point,
    numbers_of,
    over_sizes,
    same_cell,
    size_evidence,
    size_grid,
    unique_ids,
    weakest_test,
)
from chasm.register.model import Claim, Result

#: The names 03_waves' table (``chasm.analysis.waves.compare_pairs``) gives five columns of the
#: engine's vocabulary (``chasm.analysis.compare.RECORD`` and ``SAMPLES``); every other column of
#: a plan row is read by the engine's own name.
_WAVE_TABLE_NAMES = {"p_worst_rounding": "p_worst", "p1": "share_1", "p2": "share_2",
                     "n1": "n_1", "n2": "n_2"}


def rule_wave_change(claim: Claim, ctx: Context) -> Result:
    """A share moved between two waves (args: direction=down|up).

    The claim's comparison is the one ``data/plan.yaml`` names for it; its numbers are the
    plan's row (``chasm.analysis.plan.wave_tests``: score test on effective counts at the published
    values, rounding as noise, the family's adjustment; least favourable rounding beside it),
    the same row 03_waves shows. The claim's figures must be that row's. Verdict:
    ``chasm.analysis.verdicts.directional``.
    """
    plan = ctx.plan_of(claim)
    row = plan.comparison_of(claim.claim_id) if plan is not None else None
    if row is None:
        raise claim.fail("data/plan.yaml declares no wave comparison for this claim")
    tests = ctx.wave_tests()
    hit = tests[(tests["comparison_id"] == row["comparison_id"])]
    if hit.empty:
        raise claim.fail(f"comparison {row['comparison_id']} has no figures in both waves")
    r = hit.iloc[0]
    rows = sorted((ctx.fig(f) for f in claim.figure_ids), key=lambda x: x["wave"])
    if (rows[0]["figure_id"], rows[1]["figure_id"]) != (r["figure_1"], r["figure_2"]):
        raise claim.fail(f"its figures {' '.join(claim.figure_ids)} are not those of comparison "
                         f"{r['comparison_id']} ({r['figure_1']} {r['figure_2']})")
    sign = -1 if claim.arg("direction") == "down" else 1
    rec = r.rename(_WAVE_TABLE_NAMES)  # the engine's record, by the engine's names
    t = {k: float(rec[k]) for k in (*RECORD, *SAMPLES, "p_adjusted", "p_adjusted_worst")}
    t.update(method=r["method"], comparison_id=r["comparison_id"],
             family_size=int(((tests["family"] == r["family"]) & tests["best"]).sum()),
             sign=1 if sign * r["diff"] > 0 else -1)
    first, second = ctx.fig(r["figure_1"]), ctx.fig(r["figure_2"])
    verdict = verdicts.directional([t], ctx.alpha)
    method = method_text(t["method"])
    evidence = (f"{_fig_text(first)}, {first['wave']} → {_fig_text(second)}, {second['wave']}: "
                f"{_pts(t['diff'])}, {fmt_level(ctx.alpha)} CI {_num(t['ci_low'])} to "
                f"{_num(t['ci_high'])}, {_p(t['p_value'])} at the published values, "
                f"{_p(t['p_rounding'])} with rounding as noise; {method} over its family in the "
                f"plan ({t['family_size']} comparison{'s' if t['family_size'] != 1 else ''}): "
                f"adjusted {_p(t['p_adjusted'])}. Robustness: at the "
                f"least favourable rounding {_p(t['p_worst'])}, adjusted "
                f"{_p(t['p_adjusted_worst'])}.")
    return Result(verdict, evidence, numbers_of(ctx, "change in points (later − earlier wave)", t),
                  (r["figure_1"], r["figure_2"]))


def rule_change(claim: Claim, ctx: Context) -> Result:
    """A share moved between two waves (args: direction=down|up; optionally by=<number> with
    as=points|ratio: "fell by 6 points", "halved" = by=0.5;as=ratio, "doubled" = by=2).

    A comparison the analysis plan declares for the claim is the plan's row
    (:func:`rule_wave_change`). Otherwise the two figures of one cell in two waves are compared
    by the one engine (``chasm.analysis.compare.compare`` through :func:`independent_test`:
    rounding as
    noise, the claim its own family by the plan's method); a group of unknown size at every
    size it can have. Verdict: ``chasm.analysis.verdicts.directional``; a stated size of change
    outside
    the change's interval contradicts (a ratio is read as the change it implies at the earlier
    wave's published value: halved from 40% is −20 points).
    """
    plan = ctx.plan_of(claim)
    if plan is not None and plan.comparison_of(claim.claim_id) is not None:
        return rule_wave_change(claim, ctx)
    first, second = sorted((ctx.fig(f) for f in claim.figure_ids), key=lambda x: x["wave"])
    same_cell(claim, [first, second], ("question", "option", "subgroup_var", "subgroup"))
    if first["wave"] == second["wave"]:
        raise claim.fail("the two figures must be of two waves")
    needs_point(claim, first)
    needs_point(claim, second)
    sign = -1 if claim.arg("direction") == "down" else 1
    stated = None
    if "by" in claim.args:
        by = float(claim.arg("by"))
        stated = (sign * by if claim.arg("as") == "points"
                  else float(first["point"]) * (by - 1))
    w1, where = group_size(ctx, first)
    w2, _ = group_size(ctx, second)

    def at(w: float | None):
        n1 = ctx.wave_n(first["wave"]) * (w1 if w1 is not None else w)
        n2 = ctx.wave_n(second["wave"]) * (w2 if w2 is not None else w)
        t = independent_test(ctx, first, second, n1, n2, sign)
        t["comparison_id"] = f"{claim.claim_id}:{first['figure_id']}-{second['figure_id']}"
        add_adjusted([t], ctx.method(claim))
        verdict = verdicts.directional([t], ctx.alpha)
        if stated is not None and not t["ci_low"] <= stated <= t["ci_high"]:
            verdict = "contradicted"
        return verdict, t

    scan = None
    if w1 is None or w2 is None:
        scan = over_sizes(lambda w: at(w)[0], size_grid(1.0))
        verdict, t = scan["verdict"], at(scan["w_at"])[1]
    else:
        verdict, t = at(None)
    evidence = (f"{_fig_text(first)}, {first['wave']} → {_fig_text(second)}, {second['wave']} "
                f"({group_label(ctx.meta, first)}): {_pts(t['diff'])}, {fmt_level(ctx.alpha)} CI "
                f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_value'])} at the "
                f"published values, {_p(t['p_rounding'])} with rounding as noise (one "
                f"comparison, not declared in the plan); least favourable rounding "
                f"{_p(t['p_worst'])}.")
    if stated is not None:
        said = (f"{_pts(stated)}" if claim.arg("as") == "points" else
                f"a ratio of {_num(float(claim.arg('by')), 2)}, {_pts(stated)} from "
                f"{first['value_text']}")
        inside = t["ci_low"] <= stated <= t["ci_high"]
        evidence += (f" The stated change, {said}, lies {'inside' if inside else 'outside'} "
                     "the interval.")
    sizes, extra = size_evidence(ctx, [first], scan)
    evidence += sizes
    return Result(verdict, evidence, numbers_of(ctx, "change in points (later − earlier wave)", t,
                                              **extra),
                  (first["figure_id"], second["figure_id"]))


def rule_extreme(claim: Claim, ctx: Context) -> Result:
    """A wave's share is the highest (or lowest) of its series since a month (args:
    which=highest|lowest, since=YYYY-MM): "the highest since 2013".

    The series is every wave of the figure's cell from ``since`` to the figure's wave, one
    figure per wave by the declared source ranking (``chasm.data.figures.best``; where it decides,
    the evidence names the policy and the other figures). The claimed wave is compared with
    each other wave by the one engine (independent samples, rounding as noise), adjusted over
    them by the plan's method; ``chasm.analysis.verdicts.directional``. No other wave in the period:
    not testable."""
    row = ctx.fig(claim.figure_ids[0])
    since = claim.arg("since")
    if since > row["wave"]:
        raise claim.fail(f"since={since} is after the figure's wave {row['wave']}")
    needs_point(claim, row)
    t = ctx.tidy
    series = t[(t["question"] == row["question"]) & (t["option"] == row["option"])
               & (t["subgroup_var"] == row["subgroup_var"]) & (t["subgroup"] == row["subgroup"])
               & (t["wave"] >= since) & (t["wave"] <= row["wave"])
               & (t["wave"] != row["wave"])]
    others = figures.best(series[series["point"].notna()])
    which = claim.arg("which")
    sign = 1 if which == "highest" else -1
    if others.empty:
        return Result("not testable", f"{_fig_text(row)}, {row['wave']}: no other wave of its "
                      f"series is published between {since} and {row['wave']}.",
                      {"measure": ""}, (row["figure_id"],))
    w, where = group_size(ctx, row)
    if w is None:
        raise claim.fail(f"no size for {row['subgroup_var']!r}: {where}")
    tests = []
    for o in others.to_dict("records"):
        o = pd.Series(o)
        test = independent_test(ctx, o, row, ctx.wave_n(o["wave"]) * w,
                                 ctx.wave_n(row["wave"]) * w, sign)
        test["other"] = o["figure_id"]
        test["comparison_id"] = f"{claim.claim_id}:{row['figure_id']}-{o['figure_id']}"
        tests.append(test)
    method = ctx.method(claim)
    add_adjusted(tests, method)
    verdict = verdicts.directional(tests, ctx.alpha)
    comps = "; ".join(f"vs {t_['other']} {ctx.fig(t_['other'])['value_text']} "
                      f"({ctx.fig(t_['other'])['wave']}): {_pts(t_['diff'])}, adjusted "
                      f"{_p(t_['p_adjusted'])}" for t_ in tests)
    evidence = (f"{_fig_text(row)}, {row['wave']}, against the {len(tests)} other waves of its "
                f"series since {since} ({method_text(method)}, rounding as noise): {comps}.")
    decided = figures.best_choices(series)
    if len(decided):
        evidence += " " + figures.ranking_sentence(decided, ctx.tidy, load.load_sources())
    return Result(verdict, evidence,
                  numbers_of(ctx, f"difference from the closest wave, points ({which})",
                           weakest_test(tests)),
                  unique_ids([row["figure_id"], *others["figure_id"]]))
