"""The verdict rules of the claims register: one function per kind of claim.

Each rule takes a parsed :class:`chasm.claims.Claim` and a :class:`Context` (the tidy figures,
metadata, design effect and the wave-comparison family) and returns a
:class:`chasm.claims.Result`: a verdict from :data:`chasm.claims.VOCABULARY`, evidence text
built from computed numbers only, the key numbers and the figures used. :data:`RULES` maps the
register's ``rule`` column to these functions; :mod:`chasm.claims` loads the register and
applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import figures
from .claims import RULE_ARGS, Claim, Result

# The evidence-text formatters have their one home in chasm.report (under the rules' names).
from .report import fmt_evidence_figure as _fig_text
from .report import fmt_evidence_number as _num
from .report import fmt_evidence_p as _p
from .report import fmt_evidence_points as _pts
from .report import fmt_evidence_range as _range
from .report import fmt_level


@dataclass
class Context:
    """The figures, metadata and settings the rules share (built by :func:`evaluate`)."""

    tidy: pd.DataFrame
    meta: dict
    population: pd.DataFrame
    approval: pd.DataFrame
    deff: float
    alpha: float = 0.05
    n: int | None = None
    claims: list[Claim] = field(default_factory=list)
    _family: dict | None = None

    def __post_init__(self):
        self.by_id = self.tidy.set_index("figure_id", drop=False)

    def fig(self, fid: str) -> pd.Series:
        return self.by_id.loc[fid]

    def wave_n(self, wave: str) -> float:
        """Interviews in a wave: the override ``n`` or the wave's n from the metadata."""
        return float(self.n if self.n is not None else self.meta["waves"][wave]["n"])

    def cell_figures(self, row: pd.Series, subgroup_var: str | None = None,
                     subgroup: str | None = None) -> pd.DataFrame:
        """Every figure of the cell of ``row`` (or of its sibling cell ``subgroup``)."""
        return figures.cell(self.tidy, row["wave"], row["question"], row["option"],
                            subgroup_var or row["subgroup_var"], subgroup or row["subgroup"])

    def weights(self, variable: str, wave: str) -> tuple[pd.Series | None, str]:
        """Group weights (fractions summing to 1) of a breakdown variable in a wave, and where
        they come from; ``None`` with the reason when there are none.

        The policy is :mod:`chasm.weights`'; the identity and the group comparisons of the
        register need every group's weight, so an incomplete approval month gives none.
        """
        from . import weights

        if variable == "age":
            return (weights.age_weights(self.population, self.meta),
                    "Rosstat population weights (1 January 2024)")
        if variable == "putin_approval":
            month = self.meta["waves"][wave].get("approval_month")
            try:
                aw = weights.approval_weights(self.approval, month)
            except weights.NoWeights:
                return None, f"no approval rating for {wave}"
            if not aw.complete:
                return None, (f"the approval rating of {month} (used for {wave}) does not give "
                              "disapprove and no answer")
            return aw.weights.rename("weight"), f"Levada's approval rating of {month}, normalised"
        return None, f"no population weights for {variable!r}"

    def wave_family(self) -> dict[str, dict]:
        """Holm over every wave_change claim of the register (computed once)."""
        if self._family is None:
            members = [c for c in self.claims if c.rule == "wave_change"]
            tests = {c.claim_id: _wave_tests(c, self) for c in members}
            self._family = _holm_family(tests)
        return self._family



def _label(meta: dict, variable: str, group: str | None = None) -> str:
    """A breakdown variable's (or one of its groups') label from the metadata."""
    var = meta["subgroups"].get(variable, {})
    if group is None:
        return str(var.get("label", variable))
    return str(var.get("groups", {}).get(group, {}).get("label", group))



def _group_label(meta: dict, row: pd.Series) -> str:
    """'whole sample' or 'age group 55 and older'."""
    if row["subgroup_var"] == "all":
        return _label(meta, "all")
    variable = row["subgroup_var"]
    return f"{_label(meta, variable)}: {_label(meta, variable, row['subgroup'])}"



def _weights_text(meta: dict, variable: str, w: pd.Series) -> str:
    return ", ".join(f"{_label(meta, variable, g)} {_num(100 * w[g])}%" for g in w.index)



def sources_text(ctx: Context, used: tuple[str, ...]) -> str:
    """'essay-chasm-2025 (essay): E06 E01; iib-riddle-2025 (secondary): S01'."""
    by_source: dict[tuple[str, str], list[str]] = {}
    for fid in used:
        row = ctx.fig(fid)
        by_source.setdefault((row["source_id"], row["source_kind"]), []).append(fid)
    return "; ".join(f"{sid} ({kind}): {' '.join(ids)}" for (sid, kind), ids in by_source.items())



def _unique(ids) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))



def _needs_point(claim: Claim, row: pd.Series) -> float:
    if pd.isna(row["point"]):
        raise claim.fail(f"figure {row['figure_id']} ({row['value_text']!r}) has no point value; "
                         "this rule tests published points")
    return float(row["point"])



def _same_cell(claim: Claim, rows: list[pd.Series], keys=("wave", "question", "option")):
    for key in keys:
        values = {r[key] for r in rows}
        if len(values) != 1:
            raise claim.fail(f"figures {', '.join(r['figure_id'] for r in rows)} must share "
                             f"the {key} (got {', '.join(sorted(map(str, values)))})")



def _holm(p: list[float]) -> list[float]:
    """Holm-adjusted p-values (``chasm.stats.multiplicity.adjust_pvalues``), as a list of floats."""
    from .stats.multiplicity import adjust_pvalues

    return [float(x) for x in adjust_pvalues(p, method="holm")]



def _ladder(tests: list[dict], alpha: float) -> str:
    """Verdict for comparisons that should all go the claimed way.

    Each test has ``sign`` (+1 when the point difference goes the claimed way),
    ``p_adj_point`` and ``p_adj_worst`` (Holm-adjusted p at the points and at the least
    favourable ends).
    """
    if any(t["sign"] < 0 and t["p_adj_point"] < alpha for t in tests):
        return "contradicted"
    if all(t["sign"] > 0 and t["p_adj_worst"] < alpha for t in tests):
        return "supported"
    if all(t["sign"] > 0 and t["p_adj_point"] < alpha for t in tests):
        return "consistent"
    return "not significant"



def _add_holm(tests: list[dict]) -> None:
    """Holm over a list of tests, in place (points and least favourable ends separately)."""
    for key in ("point", "worst"):
        for t, adj in zip(tests, _holm([t[f"p_{key}"] for t in tests]), strict=True):
            t[f"p_adj_{key}"] = adj



def _holm_family(tests: dict[str, dict]) -> dict[str, dict]:
    ids = list(tests)
    listed = [tests[i] for i in ids]
    _add_holm(listed)
    for t in listed:
        t["m"] = len(listed)
    return dict(zip(ids, listed, strict=True))



def _weakest(tests: list[dict]) -> dict:
    return max(tests, key=lambda t: (t["p_adj_worst"], t["p_worst"]))



def _numbers(measure: str, t: dict | None = None, **extra) -> dict:
    out = {"measure": measure}
    if t is not None:
        out.update(estimate=t["diff"], low=t["ci_low"], high=t["ci_high"], p_value=t["p_point"],
                   p_worst=t["p_worst"], p_adjusted=t["p_adj_worst"])
    out.update(extra)
    return out



def _two_sample(ctx: Context, p1, p2, n1, n2) -> pd.DataFrame:
    from .stats.twosample import compare_waves

    return compare_waves(p1, p2, n1, n2, ctx.deff, ctx.deff, ctx.alpha)



def _independent_test(ctx: Context, base: pd.Series, other: pd.Series, n_base: float,
                      n_other: float, sign: int) -> dict:
    """Score test of other - base (two independent samples), at the points and at the least
    favourable ends for the claim that other - base has sign ``sign``."""
    from .waves import worst_rounding_pvalue

    p1, p2 = float(base["point"]), float(other["point"])
    if sign > 0:  # claim: other > base; least favourable: base high, other low
        w1, w2 = float(base["high"]), float(other["low"])
    else:
        w1, w2 = float(base["low"]), float(other["high"])
    point = _two_sample(ctx, p1, p2, n_base, n_other).iloc[0]
    # the intervals overlap, or allow the opposite direction: nothing is left to establish
    p_worst = 1.0 if sign * (w2 - w1) <= 0 else float(worst_rounding_pvalue(
        base["low"], base["high"], other["low"], other["high"], n_base, n_other, ctx.deff,
        ctx.deff)[0])
    return {"diff": float(point["diff"]), "ci_low": float(point["ci_low"]),
            "ci_high": float(point["ci_high"]), "p_point": float(point["p_value"]),
            "p_worst": p_worst, "worst_diff": w2 - w1,
            "sign": 1 if sign * point["diff"] > 0 else -1}



def rule_figure(claim: Claim, ctx: Context) -> Result:
    """One published figure: other sources for its cell, and the subgroup identity.

    Other sources: ``chasm.figures.shared_cells`` says whether their intervals overlap.
    Identity: the total equals the weighted mean of the groups of any breakdown
    (``chasm.stats.partitions.identity_check``; unpublished groups may be anything in [0, 100],
    and a single unpublished group's implied range comes from ``solve_missing_subgroup``). For a
    subgroup figure the identity of its own variable is checked, for a total every variable
    with published groups. Weights: Rosstat (age), the wave's approval rating (approval).
    Precedence: sources disagree > contradicted > consistent > single source.
    """
    from .stats.intervals import share_interval

    fid = claim.figure_ids[0]
    row = ctx.fig(fid)
    used = [fid]
    parts = [f"{_fig_text(row)}, {row['wave']}, {_group_label(ctx.meta, row)}"]
    disagree, checks_passed, contradicted = False, 0, False

    cell = ctx.cell_figures(row)
    if len(cell) > 1:
        shared = figures.shared_cells(cell)
        shared = shared[(shared["figure_a"] == fid) | (shared["figure_b"] == fid)]
        for pair in shared.itertuples():
            other = pair.figure_b if pair.figure_a == fid else pair.figure_a
            used.append(other)
            if pair.agree:
                checks_passed += 1
                parts.append(f"{_fig_text(ctx.fig(other))} for the same cell: the intervals "
                             "overlap (both can be right)")
            else:
                disagree = True
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
        text, ok, ids = check
        used += ids
        parts.append(text)
        if ok is True:
            checks_passed += 1
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
        parts.append(f"{_conf(ctx)} CI {_range(*ci)} (n_eff {res['n_eff']:.0f})")

    if disagree:
        verdict = "sources disagree"
    elif contradicted:
        verdict = "contradicted"
    elif checks_passed:
        verdict = "consistent"
    else:
        verdict = "single source"
        parts.insert(1, "the only source for this cell; no cross-check applies")
    numbers = _numbers("share and its CI (percent)", estimate=row["point"], low=ci[0],
                       high=ci[1])
    return Result(verdict, "; ".join(parts) + ".", numbers, _unique(used))



def _conf(ctx: Context) -> str:
    """The confidence level of the register's intervals ("95%"), :func:`chasm.report.fmt_level`."""
    return fmt_level(ctx.alpha)



def _identity(ctx: Context, row: pd.Series, variable: str):
    """The weighted identity of ``row``'s cell for one breakdown variable.

    Returns (text, ok, figure ids used), ok None when it cannot be checked; None when the
    variable has no published group or no total is published.
    """
    from .subgroups import weighted_identity

    w, where = ctx.weights(variable, row["wave"])
    total_rows = ctx.cell_figures(row, "all", "all")
    if total_rows.empty:
        return None
    total = row if row["subgroup_var"] == "all" else figures.best(total_rows).iloc[0]
    if w is None:
        return (f"identity with the {_label(ctx.meta, variable)} breakdown not checked: {where}",
                None, [])
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
    groups = ", ".join(f"{g['figure_id']} ({_label(ctx.meta, variable, g['subgroup'])})"
                       for g in published if g["figure_id"] != row["figure_id"])
    if row["figure_id"] == total["figure_id"]:
        lead = f"identity with its breakdown by {_label(ctx.meta, variable)}, {groups}"
    else:
        lead = f"identity with total {total['figure_id']}"
        lead += f" and the other groups {groups}" if groups else ""
    lead += f" ({where}: {_weights_text(ctx.meta, variable, w)})"
    ids = [total["figure_id"]] + [g["figure_id"] for g in published]
    if len(missing) == 1:
        cellr = res.missing
        if cellr.feasible:
            return (f"{lead}: the unpublished {_label(ctx.meta, variable, missing[0])} cell "
                    f"must lie in "
                    f"{_range(cellr.low, cellr.high)}, a possible share, so the figures can all "
                    "be right", True, ids)
        return (f"{lead}: the unpublished {_label(ctx.meta, variable, missing[0])} cell "
                f"would have to lie in "
                f"{_range(cellr.raw_low, cellr.raw_high)}, outside 0–100: impossible",
                False, ids)
    if missing:
        names = ", ".join(_label(ctx.meta, variable, m) for m in missing)
        lead += f" (unpublished {names} allowed anywhere in 0–100)"
    implied = _range(res.implied_low, res.implied_high)
    published = _range(res.total_low, res.total_high)
    if res.consistent:
        return (f"{lead}: implied total {implied} overlaps {published}: the identity holds",
                True, ids)
    return (f"{lead}: implied total {implied} misses {published} by {_num(res.gap)} points: "
            "impossible", False, ids)



def _wave_tests(claim: Claim, ctx: Context) -> dict:
    rows = sorted((ctx.fig(f) for f in claim.figure_ids), key=lambda r: r["wave"])
    _same_cell(claim, rows, ("question", "option", "subgroup_var", "subgroup"))
    first, second = rows
    if first["wave"] == second["wave"]:
        raise claim.fail("the two figures must come from different waves")
    for r in rows:
        _needs_point(claim, r)
    sign = -1 if claim.arg("direction") == "down" else 1
    t = _independent_test(ctx, first, second, ctx.wave_n(first["wave"]),
                          ctx.wave_n(second["wave"]), sign)
    t.update(first=first["figure_id"], second=second["figure_id"])
    return t



def rule_wave_change(claim: Claim, ctx: Context) -> Result:
    """A share moved between two waves (args: direction=down|up).

    Score test on effective counts (``chasm.stats.twosample.compare_waves``) at the published
    points and at the least favourable ends of the two intervals; Holm over every wave_change
    claim of the register (the declared family). Verdict by the ladder in the module docstring.
    """
    family = ctx.wave_family()
    t = family.get(claim.claim_id)
    if t is None:  # evaluated on its own: a family of one
        t = _holm_family({claim.claim_id: _wave_tests(claim, ctx)})[claim.claim_id]
    first, second = ctx.fig(t["first"]), ctx.fig(t["second"])
    verdict = _ladder([t], ctx.alpha)
    evidence = (f"{_fig_text(first)}, {first['wave']} → {_fig_text(second)}, {second['wave']}: "
                f"{_pts(t['diff'])}, {_conf(ctx)} CI {_num(t['ci_low'])} to "
                f"{_num(t['ci_high'])}, {_p(t['p_point'])}; least favourable rounding "
                f"({_pts(t['worst_diff'])}) {_p(t['p_worst'])}; Holm over the register's "
                f"{t['m']} wave comparison{'s' if t['m'] != 1 else ''}: "
                f"{_p(t['p_adj_point'])} at the points, "
                f"{_p(t['p_adj_worst'])} at the least favourable ends.")
    return Result(verdict, evidence, _numbers("change in points (later − earlier wave)", t),
                  (t["first"], t["second"]))



def rule_less_common(claim: Claim, ctx: Context) -> Result:
    """Options of one pick-all-that-apply question in one wave are less common than others
    (args: less=..., more=...).

    Each (less, more) pair is compared within the same respondents with the worst-case
    (Frechet) paired variance (``chasm.stats.frechet.paired_difference``), at the points and
    at the least favourable ends (more at its low end, less at its high end); Holm over the
    pairs. Supported if every pair is significant the claimed way at those ends.
    """
    from .stats.frechet import paired_difference

    less = [ctx.fig(f) for f in claim.args["less"]]
    more = [ctx.fig(f) for f in claim.args["more"]]
    _same_cell(claim, less + more, ("wave", "question", "subgroup_var", "subgroup"))
    question = less[0]["question"]
    if ctx.meta["questions"][question]["response"] != "multiple":
        raise claim.fail(f"question {question!r} is not marked pick-all-that-apply "
                         "(response: multiple) in the metadata")
    n = ctx.wave_n(less[0]["wave"])
    tests = []
    for lo_row in less:
        for hi_row in more:
            a, b = _needs_point(claim, hi_row), _needs_point(claim, lo_row)
            wa, wb = float(hi_row["low"]), float(lo_row["high"])
            res = paired_difference([a, wa], [b, wb], n, ctx.deff, ctx.alpha)
            point, worst = res.iloc[0], res.iloc[1]
            tests.append({"more": hi_row["figure_id"], "less": lo_row["figure_id"],
                          "diff": float(point["diff"]), "ci_low": float(point["ci_low"]),
                          "ci_high": float(point["ci_high"]), "p_point": float(point["p_value"]),
                          "p_worst": 1.0 if wa <= wb else float(worst["p_value"]),
                          "worst_diff": wa - wb, "se": float(worst["se"]),
                          "sign": 1 if point["diff"] > 0 else -1})
    _add_holm(tests)
    verdict = _ladder(tests, ctx.alpha)
    pairs = "; ".join(
        f"{t['more']} − {t['less']} {_pts(t['diff'])} (CI {_num(t['ci_low'])} to "
        f"{_num(t['ci_high'])}), least favourable {_pts(t['worst_diff'])}: Holm "
        f"{_p(t['p_adj_worst'])}" for t in tests)
    rows = {r["figure_id"]: r for r in less + more}
    figs = ", ".join(_fig_text(r, kind=False) for r in rows.values())
    evidence = (f"{figs} ({less[0]['wave']}, one pick-all-that-apply question, same "
                f"respondents): paired differences with the worst-case (Fréchet) variance, Holm "
                f"over {len(tests)} pairs: {pairs}.")
    weakest = _weakest(tests)
    return Result(verdict, evidence,
                  _numbers("paired difference, points (weakest pair)", weakest),
                  _unique(claim.args["less"] + claim.args["more"]))



def rule_highest_group(claim: Claim, ctx: Context) -> Result:
    """A group has the highest share of its breakdown (args: group, others, total, variable).

    The group is tested against each other published group as disjoint samples
    (``compare_waves`` with n_g = w_g N), Holm over them. Unpublished groups of the variable are
    bounded from the total (``chasm.stats.partitions.solve_missing_subgroup``; several unpublished
    groups: each with the others anywhere in 0-100). If an unpublished group's upper bound
    reaches the claimed group's lower end, the published figures cannot decide: not
    identifiable. Otherwise the ladder of the tests.
    """
    from .stats.partitions import solve_missing_subgroup

    variable = claim.arg("variable")
    group, total = ctx.fig(claim.arg("group")), ctx.fig(claim.arg("total"))
    others = [ctx.fig(f) for f in claim.args["others"]]
    rows = [group, total] + others
    _same_cell(claim, rows)
    if total["subgroup_var"] != "all":
        raise claim.fail(f"total {total['figure_id']} is not a whole-sample figure")
    for r in [group] + others:
        if r["subgroup_var"] != variable:
            raise claim.fail(f"figure {r['figure_id']} is not a group of {variable!r}")
    w, where = ctx.weights(variable, group["wave"])
    if w is None:
        raise claim.fail(f"no weights for {variable!r}: {where}")
    listed = {r["subgroup"] for r in [group] + others}
    for g in w.index:
        if g not in listed and len(ctx.cell_figures(group, variable, g)):
            raise claim.fail(f"group {g!r} is published but not listed in 'others'")
    missing = [g for g in w.index if g not in listed]
    n = ctx.wave_n(group["wave"])
    _needs_point(claim, group)
    tests = []
    for o in others:
        _needs_point(claim, o)
        t = _independent_test(ctx, o, group, n * w[o["subgroup"]], n * w[group["subgroup"]], 1)
        t["other"] = o["figure_id"]
        tests.append(t)
    _add_holm(tests)
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
        f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_point'])}), least favourable "
        f"{_pts(t['worst_diff'])}, Holm {_p(t['p_adj_worst'])}" for t in tests)
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
        verdict = _ladder(tests, ctx.alpha)
        tail = bound_text + (": below the group's lower end" if bounds else "")
    evidence = f"{head}: {comps}" + (f"; {tail}" if tail else "") + "."
    weakest = _weakest(tests)
    extra = {}
    if bounds:
        top = max(bounds.values(), key=lambda b: b[1])
        extra = {"missing_low": top[0], "missing_high": top[1]}
    numbers = _numbers("difference from the closest group, points", weakest, **extra)
    return Result(verdict, evidence, numbers,
                  _unique([group["figure_id"], *claim.args["others"], total["figure_id"]]))



def rule_vs_rest(claim: Claim, ctx: Context) -> Result:
    """Groups compared with the rest of the sample (args: groups, total,
    expect=lower|higher|similar).

    ``chasm.stats.partitions.subgroup_vs_rest`` for each group (never against the total it is
    part of),
    Holm over the groups. lower/higher: the ladder of the module docstring. similar: contradicted
    only if a difference is significant even with each figure at the end of its interval most
    favourable to similarity (the claim is then wrong whatever the rounding); otherwise
    consistent -- with the caveat that small groups cannot establish similarity either.
    """
    from .stats.partitions import subgroup_vs_rest

    expect = claim.arg("expect")
    total = ctx.fig(claim.arg("total"))
    groups = [ctx.fig(f) for f in claim.args["groups"]]
    _same_cell(claim, groups + [total])
    if total["subgroup_var"] != "all":
        raise claim.fail(f"total {total['figure_id']} is not a whole-sample figure")
    n = ctx.wave_n(total["wave"])
    _needs_point(claim, total)
    tests = []
    for g in groups:
        _needs_point(claim, g)
        w, where = ctx.weights(g["subgroup_var"], g["wave"])
        if w is None:
            raise claim.fail(f"no weights for {g['subgroup_var']!r}: {where}")
        wg = float(w[g["subgroup"]])
        # sub - rest = (sub - total) / (1 - w): it has the sign of sub - total, so the ends that
        # matter are the group's and the total's. claimed: the sign sub - rest should have.
        claimed = {"lower": -1, "higher": 1, "similar": 0}[expect]
        if claimed:  # least favourable: the ends closest to the other side
            t_end = float(total["low"] if claimed < 0 else total["high"])
            g_end = float(g["high"] if claimed < 0 else g["low"])
            no_difference = claimed * (g_end - t_end) <= 0
        else:  # most favourable to similarity: the ends closest to each other
            t_end = float(np.clip(g["point"], total["low"], total["high"]))
            g_end = float(np.clip(t_end, g["low"], g["high"]))
            no_difference = g_end == t_end
        res = subgroup_vs_rest([float(total["point"]), t_end], [float(g["point"]), g_end],
                               wg, n, ctx.deff, ctx.alpha)
        point, worst = res.iloc[0], res.iloc[1]
        tests.append({"group": g["figure_id"], "w": wg, "rest": float(point["rest"]),
                      "diff": float(point["diff"]), "ci_low": float(point["ci_low"]),
                      "ci_high": float(point["ci_high"]), "p_point": float(point["p_value"]),
                      "p_worst": 1.0 if no_difference else float(worst["p_value"]),
                      "worst_diff": float(worst["diff"]),
                      "sign": 1 if claimed * point["diff"] > 0 else -1, "where": where})
    _add_holm(tests)
    comps = "; ".join(
        f"{_fig_text(ctx.fig(t['group']), kind=False)} ({ctx.fig(t['group'])['subgroup']}, "
        f"w = {_num(100 * t['w'])}%) vs the rest {_num(t['rest'])}%: {_pts(t['diff'])} (CI "
        f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_point'])})" for t in tests)
    head = (f"Total {_fig_text(total)}, {total['wave']}; each group against the rest of the "
            f"sample ({tests[0]['where']}), Holm over {len(tests)}: {comps}")
    if expect == "similar":
        if any(t["p_adj_worst"] < ctx.alpha for t in tests):
            verdict = "contradicted"
            tail = ("a difference is significant even at the ends of the intervals closest to "
                    "similarity")
        else:
            verdict = "consistent"
            widest = max(tests, key=lambda t: t["ci_high"] - t["ci_low"])
            tail = (f"at the ends of the intervals closest to each other no difference is "
                    f"significant (Holm {_p(max(t['p_adj_worst'] for t in tests))}); but the "
                    f"intervals are wide (up to {_num(widest['ci_low'])} to "
                    f"{_num(widest['ci_high'])} points): groups this small cannot establish "
                    "similarity either")
        numbers = _numbers("difference from the rest of the sample, points",
                           min(tests, key=lambda t: t["p_adj_worst"]))
    else:
        verdict = _ladder(tests, ctx.alpha)
        tail = "least favourable ends: " + ", ".join(
            f"{t['group']} Holm {_p(t['p_adj_worst'])}" for t in tests)
        numbers = _numbers("difference from the rest of the sample, points", _weakest(tests))
    return Result(verdict, f"{head}; {tail}.", numbers,
                  _unique([*claim.args["groups"], total["figure_id"]]))



def rule_group_gap(claim: Claim, ctx: Context) -> Result:
    """One group's share is higher than another's (args: higher, lower, total).

    Disjoint groups of one breakdown: score test with n_g = w_g N (weights: Rosstat for age,
    the wave's approval rating for approval), at the points and the least favourable ends.
    The evidence adds the Bayes inversion (``chasm.stats.partitions.bayes_share_of_answer``): the
    share of all respondents giving the answer who belong to each group.
    """
    from .stats.partitions import bayes_share_of_answer

    high, low, total = (ctx.fig(claim.arg(k)) for k in ("higher", "lower", "total"))
    _same_cell(claim, [high, low, total])
    if high["subgroup_var"] != low["subgroup_var"] or high["subgroup"] == low["subgroup"]:
        raise claim.fail("higher and lower must be two groups of one breakdown")
    if total["subgroup_var"] != "all":
        raise claim.fail(f"total {total['figure_id']} is not a whole-sample figure")
    w, where = ctx.weights(high["subgroup_var"], high["wave"])
    if w is None:
        raise claim.fail(f"no weights for {high['subgroup_var']!r}: {where}")
    n = ctx.wave_n(high["wave"])
    _needs_point(claim, high)
    _needs_point(claim, low)
    t = _independent_test(ctx, low, high, n * w[low["subgroup"]], n * w[high["subgroup"]], 1)
    _add_holm([t])
    verdict = _ladder([t], ctx.alpha)
    shares = []
    for g in (high, low):
        wg = float(w[g["subgroup"]])
        point = bayes_share_of_answer(wg, float(g["point"]), float(total["point"]))
        b = bayes_share_of_answer(wg, (float(g["low"]), float(g["high"])),
                                  (float(total["low"]), float(total["high"])))
        shares.append(f"{_num(point)}% {_range(b.low, b.high)} come from the group "
                      f"'{_label(ctx.meta, g['subgroup_var'], g['subgroup'])}'")
    evidence = (f"{_fig_text(high)} vs {_fig_text(low)}, {high['wave']} ({where}: "
                f"{_weights_text(ctx.meta, high['subgroup_var'], w)}; n ≈ "
                f"{n * w[high['subgroup']]:.0f} and {n * w[low['subgroup']]:.0f}): "
                f"{_pts(t['diff'])}, CI {_num(t['ci_low'])} to {_num(t['ci_high'])}, "
                f"{_p(t['p_point'])}; least favourable ends {_pts(t['worst_diff'])}, "
                f"{_p(t['p_worst'])}. Of all '{high['option'].replace('_', ' ')}' answers "
                f"(total {total['figure_id']} {total['value_text']}), "
                + " and ".join(shares) + " (Bayes' rule).")
    return Result(verdict, evidence, _numbers("difference between the groups, points", t),
                  (high["figure_id"], low["figure_id"], total["figure_id"]))



def rule_multiple_response(claim: Claim, ctx: Context) -> Result:
    """Respondents could pick several options: the published options of one question and wave
    sum to more than 100 beyond rounding (``chasm.stats.frechet.must_be_multiple_response``
    with the tolerance the wording intervals allow: the sum of their lower ends > 100)."""
    from .stats.frechet import must_be_multiple_response

    rows = [ctx.fig(f) for f in claim.figure_ids]
    _same_cell(claim, rows, ("wave", "question", "subgroup_var", "subgroup"))
    if len({r["option"] for r in rows}) != len(rows):
        raise claim.fail("list one figure per option (two figures share an option)")
    points = np.array([_needs_point(claim, r) for r in rows])
    lows = np.array([float(r["low"]) for r in rows])
    tolerance = float((points - lows).sum())
    multiple = must_be_multiple_response(points, tolerance=tolerance)
    total = float(points.sum())
    verdict = "supported" if multiple else "consistent"
    evidence = (f"The {len(rows)} options published for {rows[0]['wave']} "
                f"({', '.join(r['figure_id'] for r in rows)}) sum to {_num(total, 0)}%, at "
                f"least {_num(lows.sum())}% after rounding and wording: ")
    if multiple:
        evidence += (f"more than 100, so respondents could name several options (on average at "
                     f"least {_num(lows.sum() / 100, 2)} each); the published marginals say "
                     "nothing about which options were combined.")
    else:
        evidence += "not beyond 100, so these figures alone do not show multiple answers."
    return Result(verdict, evidence,
                  _numbers("sum of option shares (percent), low = after rounding",
                           estimate=total, low=float(lows.sum()), high=float(
                               sum(float(r["high"]) for r in rows))),
                  claim.figure_ids)



def rule_below_half(claim: Claim, ctx: Context) -> Result:
    """Each listed share is below 50%: the upper end of its CI (``share_interval`` over its
    rounding/wording range) < 50. Every figure must pass (an intersection-union test: no
    multiplicity adjustment is needed). A CI that includes 50: consistent if the point is below
    50, not significant otherwise; a CI wholly above 50: contradicted."""
    from scipy.stats import norm

    from .stats.intervals import share_interval

    rows = [ctx.fig(f) for f in claim.figure_ids]
    results = []
    for r in rows:
        n = ctx.wave_n(r["wave"])
        if r["subgroup_var"] != "all":
            w, where = ctx.weights(r["subgroup_var"], r["wave"])
            if w is None:
                raise claim.fail(f"no weights for {r['subgroup_var']!r}: {where}")
            n *= float(w[r["subgroup"]])
        ci = share_interval(r["point"], n, ctx.deff, ctx.alpha, low_pct=r["low"],
                            high_pct=r["high"]).iloc[0]
        # one-sided score test of H0: share >= 50 at the high end (Wilson inverts it)
        z = (float(r["high"]) / 100 - 0.5) / np.sqrt(0.25 / float(ci["n_eff"]))
        results.append({"row": r, "ci_low": float(ci["ci_low"]), "ci_high": float(ci["ci_high"]),
                        "p": float(norm.cdf(z))})
    if all(x["ci_high"] < 50 for x in results):
        verdict = "supported"
    elif any(x["ci_low"] > 50 for x in results):
        verdict = "contradicted"
    elif all((x["row"]["point"] if pd.notna(x["row"]["point"]) else x["row"]["high"]) < 50
             for x in results):
        verdict = "consistent"
    else:
        verdict = "not significant"
    top = max(results, key=lambda x: x["ci_high"])
    parts = "; ".join(f"{_fig_text(x['row'])}, {x['row']['wave']}: {_conf(ctx)} CI "
                      f"{_range(x['ci_low'], x['ci_high'])}" for x in results)
    evidence = (f"{parts}. The highest upper end is {_num(top['ci_high'])}% "
                f"({top['row']['figure_id']}; one-sided test of 'at least half' at the top of its "
                f"rounding range: {_p(top['p'])}).")
    return Result(verdict, evidence,
                  _numbers("share and its CI (percent), the figure with the highest upper end",
                           estimate=top["row"]["point"], low=top["ci_low"], high=top["ci_high"],
                           p_value=top["p"], p_worst=top["p"], p_adjusted=top["p"]),
                  claim.figure_ids)



def rule_negative_majority(claim: Claim, ctx: Context) -> Result:
    """Most respondents chose at least one negative option (args: negative, positive).

    The share choosing any negative option is a union, which marginals only bound
    (``chasm.stats.frechet.union_bounds`` over the rounding/wording ranges: [L, U]); the bounds
    recomputed from the options' CI ends widen it for sampling error ([L_ci, U_ci]).
    L_ci >= 50: supported; L >= 50 > L_ci: consistent; U_ci < 50: contradicted;
    U < 50 <= U_ci: not significant; else (the interval straddles 50) not identifiable.
    """
    from .stats.frechet import union_bounds
    from .stats.intervals import share_interval

    neg = [ctx.fig(f) for f in claim.args["negative"]]
    pos = [ctx.fig(f) for f in claim.args["positive"]]
    _same_cell(claim, neg + pos, ("wave", "question", "subgroup_var", "subgroup"))
    n = ctx.wave_n(neg[0]["wave"])

    def bounds(rows):
        ranges = [(float(r["low"]), float(r["high"])) for r in rows]
        ci = share_interval(np.array([r["point"] for r in rows], dtype=float), n, ctx.deff,
                            ctx.alpha, low_pct=np.array([a for a, _ in ranges]),
                            high_pct=np.array([b for _, b in ranges]))
        cis = list(zip(ci["ci_low"].astype(float), ci["ci_high"].astype(float), strict=True))
        return union_bounds(ranges), union_bounds(cis)

    (lo, hi), (lo_ci, hi_ci) = bounds(neg)
    (plo, phi), _ = bounds(pos)
    if lo_ci >= 50:
        verdict = "supported"
    elif lo >= 50:
        verdict = "consistent"
    elif hi_ci < 50:
        verdict = "contradicted"
    elif hi < 50:
        verdict = "not significant"
    else:
        verdict = "not identifiable"
    top = max(neg + pos, key=lambda r: float(r["point"]))
    ordered = min(float(r["point"]) for r in neg) > max(float(r["point"]) for r in pos)
    overlap = ("so whether most respondents chose a negative label cannot be decided"
               if verdict == "not identifiable" else f"the claim is {verdict} whatever it is")
    evidence = (f"{neg[0]['wave']}: the share choosing at least one negative option "
                f"({', '.join(_fig_text(r, kind=False) for r in neg)}) lies between {_num(lo)}% "
                f"and {_num(hi)}% ({_range(lo_ci, hi_ci)} with sampling error); the marginals do "
                f"not say how much the options overlap, {overlap}. At least one positive option "
                f"({', '.join(_fig_text(r, kind=False) for r in pos)}): {_range(plo, phi)}. The "
                f"most frequent single option is {top['figure_id']} "
                f"'{top['option'].replace('_', ' ')}' ({top['value_text']}); every negative option "
                f"is {'more' if ordered else 'not always more'} common than every positive one.")
    return Result(verdict, evidence,
                  _numbers("share choosing any negative option: identification bounds (percent)",
                           low=lo, high=hi, low_ci=lo_ci, high_ci=hi_ci),
                  _unique(claim.args["negative"] + claim.args["positive"]))



def rule_not_testable(claim: Claim, ctx: Context) -> Result:
    """Qualitative or outside these data: the evidence is the register's note."""
    return Result("not testable", claim.notes, {"measure": ""}, ())



#: Rule name -> function(claim, context) -> Result.
RULES: dict[str, Callable[[Claim, Context], Result]] = {
    "figure": rule_figure,
    "wave_change": rule_wave_change,
    "less_common": rule_less_common,
    "highest_group": rule_highest_group,
    "vs_rest": rule_vs_rest,
    "group_gap": rule_group_gap,
    "multiple_response": rule_multiple_response,
    "below_half": rule_below_half,
    "negative_majority": rule_negative_majority,
    "not_testable": rule_not_testable,
}


assert set(RULES) == set(RULE_ARGS)
