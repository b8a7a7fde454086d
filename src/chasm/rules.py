"""The rules of the claims register: one function per kind of claim.

Each rule takes a parsed :class:`chasm.claims.Claim` and a :class:`Context` (the tidy figures,
metadata, design effect and the analysis plan) and returns a :class:`chasm.claims.Result`: a
verdict from :data:`chasm.verdicts.VOCABULARY` (decided by the one rule of ``chasm.verdicts``
that applies), evidence text built from computed numbers only, the key numbers and the figures
used. Tests are read at the published values with rounding as ordinary uncertainty
(``chasm.stats.rounding``) and adjusted within the family ``data/plan.yaml`` declares
(``chasm.plan``); a wave comparison's numbers are the plan's own rows (``plan.wave_tests``),
so 03_waves and the register cannot differ. The least favourable rounding is kept beside them
(``p_worst``, ``p_adjusted_worst``). :data:`RULES` maps the register's ``rule`` column to
these functions; :mod:`chasm.claims` loads the register and applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import figures, verdicts
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
    plan: object | None = None
    _waves: pd.DataFrame | None = None

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

    def wave_tests(self) -> pd.DataFrame:
        """The plan's wave comparisons (``chasm.plan.wave_tests``, computed once)."""
        if self._waves is None:
            from . import plan

            self._waves = plan.wave_tests(self.plan, self.tidy, self.meta, self.deff, self.n,
                                          self.alpha)
        return self._waves

    def method(self, claim: Claim) -> str:
        """The multiplicity method the plan declares for a claim's own tests."""
        return self.plan.claim_method(claim.claim_id) if self.plan is not None else "holm"



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



def _adjusted(p: list[float], method: str) -> list[float]:
    """Adjusted p-values (``chasm.stats.multiplicity.adjust_pvalues``), as a list of floats.
    ``intersection_union``: a claim that needs every test to hold is rejected (supported)
    only if each test is at level alpha, so no test is adjusted (Berger 1982); the claim's p is
    the largest of them."""
    from .stats.multiplicity import adjust_pvalues

    if method == "intersection_union":
        return [float(x) for x in p]
    return [float(x) for x in adjust_pvalues(p, method=method)]



def _add_adjusted(tests: list[dict], method: str = "holm") -> None:
    """The family adjustment over a list of tests, in place: ``p_adjusted`` from ``p_rounding``
    (the verdict's number), ``p_adjusted_worst`` from ``p_worst`` (robustness); ``m`` and
    ``level``, the raw level the test had to beat (alpha times p / adjusted p)."""
    for src, dst in (("p_rounding", "p_adjusted"), ("p_worst", "p_adjusted_worst")):
        for t, adj in zip(tests, _adjusted([t[src] for t in tests], method), strict=True):
            t[dst] = adj
    for t in tests:
        t["m"], t["method"] = len(tests), method


def _rounding_p(diff: float, z: float, *rows: pd.Series, scale: float = 1.0) -> float:
    """p of a difference with each figure's rounding as uniform noise (``stats.rounding``);
    ``scale`` multiplies the difference's dependence on the figures (1 / (1 - w) for a group
    against the rest)."""
    from .stats.rounding import rounding_variance, with_rounding

    noise = sum(float(rounding_variance(float(r["low"]), float(r["high"]))) for r in rows)
    return float(with_rounding(diff, z, noise * scale ** 2)["p_value"].iloc[0])


def _noise_var(*rows: pd.Series) -> float:
    """Rounding noise (points^2) of a difference of the figures ``rows``
    (``chasm.stats.rounding.rounding_variance``, summed)."""
    from .stats.rounding import rounding_variance

    return float(sum(float(rounding_variance(float(r["low"]), float(r["high"]))) for r in rows))


def _weakest(tests: list[dict]) -> dict:
    return max(tests, key=lambda t: (t["p_adjusted"], t["p_rounding"]))



def _numbers(measure: str, t: dict | None = None, **extra) -> dict:
    out = {"measure": measure}
    if t is not None:
        out.update(estimate=t["diff"], low=t["ci_low"], high=t["ci_high"], p_value=t["p_point"],
                   p_rounding=t["p_rounding"], p_adjusted=t["p_adjusted"],
                   p_worst=t["p_worst"], p_adjusted_worst=t["p_adjusted_worst"],
                   method=t.get("method", ""), family_size=t.get("m", np.nan),
                   comparison_id=t.get("comparison_id", ""))
        for key in ("share_1", "share_2", "n_1", "n_2", "se", "noise_var"):
            if key in t:
                out[key] = t[key]
    out.update(extra)
    return out



def _two_sample(ctx: Context, p1, p2, n1, n2) -> pd.DataFrame:
    from .stats.twosample import compare_waves

    return compare_waves(p1, p2, n1, n2, ctx.deff, ctx.deff, ctx.alpha)



def _independent_test(ctx: Context, base: pd.Series, other: pd.Series, n_base: float,
                      n_other: float, sign: int) -> dict:
    """The comparison of other - base (two independent samples) by the one engine
    (``chasm.compare.compare``): score test at the published values, the verdict's test with
    rounding as noise and its interval; the least favourable rounding for the claim that
    other - base has sign ``sign`` (1 where the ranges allow no difference that way)."""
    from .compare import compare

    p1, p2 = float(base["point"]), float(other["point"])
    if sign > 0:  # claim: other > base; least favourable: base high, other low
        w1, w2 = float(base["high"]), float(other["low"])
    else:
        w1, w2 = float(base["low"]), float(other["high"])
    rec = compare(p1, p2, base["low"], base["high"], other["low"], other["high"], n_base,
                  n_other, ctx.deff, ctx.alpha).iloc[0]
    # the intervals overlap, or allow the opposite direction: nothing is left to establish
    p_worst = 1.0 if sign * (w2 - w1) <= 0 else float(rec["p_worst"])
    return {"diff": float(rec["diff"]), "ci_low": float(rec["ci_low"]),
            "ci_high": float(rec["ci_high"]), "p_point": float(rec["p_value"]),
            "p_rounding": float(rec["p_rounding"]), "noise_var": float(rec["noise_var"]),
            "p_worst": p_worst, "worst_diff": w2 - w1,
            "sign": 1 if sign * rec["diff"] > 0 else -1,
            "share_1": p1, "share_2": p2, "n_1": float(n_base), "n_2": float(n_other)}



def rule_figure(claim: Claim, ctx: Context) -> Result:
    """One published figure: other sources for its cell, and the subgroup identity.

    Other sources: ``chasm.figures.shared_cells`` says whether their intervals overlap.
    Identity: the total equals the weighted mean of the groups of any breakdown
    (``chasm.stats.partitions.identity_check``; unpublished groups may be anything in [0, 100],
    and a single unpublished group's implied range comes from ``solve_missing_subgroup``). For a
    subgroup figure the identity of its own variable is checked, for a total every variable
    with published groups. Weights: Rosstat (age), the wave's approval rating (approval).
    Verdict: ``chasm.verdicts.figure_check`` (an identity with every group published is a
    check that could fail; one with an unpublished cell left free passes for almost any
    value). Whether other sources agree is provenance (``chasm.verdicts.provenance``), not
    inference, and does not enter the verdict.
    """
    from .stats.intervals import share_interval

    fid = claim.figure_ids[0]
    row = ctx.fig(fid)
    used = [fid]
    parts = [f"{_fig_text(row)}, {row['wave']}, {_group_label(ctx.meta, row)}"]
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
        parts.append(f"{_conf(ctx)} CI {_range(*ci)} (n_eff {res['n_eff']:.0f})")

    verdict = verdicts.figure_check(contradicted, strong, weak)
    quotation = verdicts.quotation_status(contradicted, disagree, confirm + strong,
                                          agree_weak + weak)
    if not (strong or weak or contradicted):
        parts.insert(1, "no identity with a breakdown applies to this cell")
    elif weak and not strong:
        parts.append("the identity leaves an unpublished cell free, so it passes for almost any "
                     "value of this figure")
    parts.append(f"quotation {quotation}")
    numbers = _numbers("share and its CI (percent)", estimate=row["point"], low=ci[0],
                       high=ci[1], quotation=quotation)
    return Result(verdict, "; ".join(parts) + ".", numbers, _unique(used))



def _conf(ctx: Context) -> str:
    """The confidence level of the register's intervals ("95%"), :func:`chasm.report.fmt_level`."""
    return fmt_level(ctx.alpha)



def _identity(ctx: Context, row: pd.Series, variable: str):
    """The weighted identity of ``row``'s cell for one breakdown variable.

    Returns (text, ok, figure ids used, free), ok None when it cannot be checked, free True
    when an unpublished group is left free (a weak check); None when the variable has no
    published group or no total is published.
    """
    from .subgroups import weighted_identity

    w, where = ctx.weights(variable, row["wave"])
    total_rows = ctx.cell_figures(row, "all", "all")
    if total_rows.empty:
        return None
    total = row if row["subgroup_var"] == "all" else figures.best(total_rows).iloc[0]
    if w is None:
        return (f"identity with the {_label(ctx.meta, variable)} breakdown not checked: {where}",
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
                    "be right", True, ids, True)
        return (f"{lead}: the unpublished {_label(ctx.meta, variable, missing[0])} cell "
                f"would have to lie in "
                f"{_range(cellr.raw_low, cellr.raw_high)}, outside 0–100: impossible",
                False, ids, True)
    if missing:
        names = ", ".join(_label(ctx.meta, variable, m) for m in missing)
        lead += f" (unpublished {names} allowed anywhere in 0–100)"
    implied = _range(res.implied_low, res.implied_high)
    published = _range(res.total_low, res.total_high)
    if res.consistent:
        return (f"{lead}: implied total {implied} overlaps {published}: the identity holds",
                True, ids, bool(missing))
    return (f"{lead}: implied total {implied} misses {published} by {_num(res.gap)} points: "
            "impossible", False, ids, bool(missing))



def rule_wave_change(claim: Claim, ctx: Context) -> Result:
    """A share moved between two waves (args: direction=down|up).

    The claim's comparison is the one ``data/plan.yaml`` names for it; its numbers are the
    plan's row (``chasm.plan.wave_tests``: score test on effective counts at the published
    values, rounding as noise, the family's adjustment; least favourable rounding beside it),
    the same row 03_waves shows. The claim's figures must be that row's. Verdict:
    ``chasm.verdicts.directional``.
    """
    row = ctx.plan.comparison_of(claim.claim_id) if ctx.plan is not None else None
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
    t = {"diff": float(r["diff"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
         "p_point": float(r["p_value"]), "p_rounding": float(r["p_rounding"]),
         "p_worst": float(r["p_worst_rounding"]), "p_adjusted": float(r["p_adjusted"]),
         "p_adjusted_worst": float(r["p_adjusted_worst"]), "method": r["method"],
         "m": int(((tests["family"] == r["family"]) & tests["best"]).sum()),
         "comparison_id": r["comparison_id"], "sign": 1 if sign * r["diff"] > 0 else -1,
         "noise_var": float(r["noise_var"]),
         "share_1": float(r["p1"]), "share_2": float(r["p2"]), "n_1": float(r["n1"]),
         "n_2": float(r["n2"])}
    first, second = ctx.fig(r["figure_1"]), ctx.fig(r["figure_2"])
    verdict = verdicts.directional([t], ctx.alpha)
    method = _METHOD_NAME[t["method"]]
    evidence = (f"{_fig_text(first)}, {first['wave']} → {_fig_text(second)}, {second['wave']}: "
                f"{_pts(t['diff'])}, {_conf(ctx)} CI {_num(t['ci_low'])} to "
                f"{_num(t['ci_high'])}, {_p(t['p_point'])} at the published values, "
                f"{_p(t['p_rounding'])} with rounding as noise; {method} over the plan's "
                f"{r['family']} family ({t['m']} comparison{'s' if t['m'] != 1 else ''}, "
                f"{r['comparison_id']}): adjusted {_p(t['p_adjusted'])}. Robustness: at the "
                f"least favourable rounding {_p(t['p_worst'])}, adjusted "
                f"{_p(t['p_adjusted_worst'])}.")
    return Result(verdict, evidence, _numbers("change in points (later − earlier wave)", t),
                  (r["figure_1"], r["figure_2"]))


_METHOD_NAME = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg",
                "intersection_union": "an intersection-union test (each at alpha, no adjustment)"}



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
                          "worst_diff": wa - wb, "se": float(point["se"]),
                          "p_rounding": _rounding_p(float(point["diff"]), float(point["z"]),
                                                    hi_row, lo_row),
                          "noise_var": _noise_var(hi_row, lo_row),
                          "comparison_id": f"{claim.claim_id}:{hi_row['figure_id']}-"
                                           f"{lo_row['figure_id']}",
                          "sign": 1 if point["diff"] > 0 else -1})
    method = ctx.method(claim)
    _add_adjusted(tests, method)
    verdict = verdicts.directional(tests, ctx.alpha)
    pairs = "; ".join(
        f"{t['more']} − {t['less']} {_pts(t['diff'])} (CI {_num(t['ci_low'])} to "
        f"{_num(t['ci_high'])}), adjusted {_p(t['p_adjusted'])}; least favourable "
        f"{_pts(t['worst_diff'])}: adjusted {_p(t['p_adjusted_worst'])}" for t in tests)
    rows = {r["figure_id"]: r for r in less + more}
    figs = ", ".join(_fig_text(r, kind=False) for r in rows.values())
    evidence = (f"{figs} ({less[0]['wave']}, one pick-all-that-apply question, same "
                f"respondents): paired differences with the worst-case (Fréchet) variance, "
                f"rounding as noise, {_METHOD_NAME[method]} over {len(tests)} pairs: {pairs}.")
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
        t["comparison_id"] = f"{claim.claim_id}:{group['figure_id']}-{o['figure_id']}"
        tests.append(t)
    _add_adjusted(tests, ctx.method(claim))
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
    part of), at the published values with rounding as noise (the difference is
    ``(sub - total) / (1 - w)``, so both figures' rounding variance is scaled by
    ``1 / (1 - w)^2``), adjusted over the groups by the plan's method; the least favourable
    rounding beside it. lower/higher: ``chasm.verdicts.directional``. similar:
    ``chasm.verdicts.similarity`` with the plan's equivalence margin: each group's smallest
    margin is the larger absolute end of its (1 - 2 alpha) interval (TOST), so similarity is
    supported only if every difference is shown to lie within the margin.
    """
    from scipy.stats import norm

    from .stats.partitions import subgroup_vs_rest
    from .stats.rounding import rounding_variance, with_rounding

    expect = claim.arg("expect")
    total = ctx.fig(claim.arg("total"))
    groups = [ctx.fig(f) for f in claim.args["groups"]]
    _same_cell(claim, groups + [total])
    if total["subgroup_var"] != "all":
        raise claim.fail(f"total {total['figure_id']} is not a whole-sample figure")
    n = ctx.wave_n(total["wave"])
    _needs_point(claim, total)
    margin = float(ctx.plan.margin) if ctx.plan is not None else 5.0
    claimed = {"lower": -1, "higher": 1, "similar": 0}[expect]
    tests = []
    for g in groups:
        _needs_point(claim, g)
        w, where = ctx.weights(g["subgroup_var"], g["wave"])
        if w is None:
            raise claim.fail(f"no weights for {g['subgroup_var']!r}: {where}")
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
                      "ci_high": float(point["ci_high"]), "p_point": float(point["p_value"]),
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
    _add_adjusted(tests, method)
    comps = "; ".join(
        f"{_fig_text(ctx.fig(t['group']), kind=False)} ({ctx.fig(t['group'])['subgroup']}, "
        f"w = {_num(100 * t['w'])}%) vs the rest {_num(t['rest'])}%: {_pts(t['diff'])} (CI "
        f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_point'])}, adjusted "
        f"{_p(t['p_adjusted'])})" for t in tests)
    head = (f"Total {_fig_text(total)}, {total['wave']}; each group against the rest of the "
            f"sample ({tests[0]['where']}), rounding as noise, {_METHOD_NAME[method]} over "
            f"{len(tests)}: {comps}")
    if expect == "similar":
        verdict = verdicts.similarity(tests, ctx.alpha, margin)
        widest = max(tests, key=lambda t: t["smallest_margin"])
        tail = (f"similarity needs each difference within the plan's ±{_num(margin, 0)} points "
                f"(equivalence, TOST): the smallest margin these figures establish is "
                f"±{_num(widest['smallest_margin'])} points ({widest['group']})")
        numbers = _numbers("difference from the rest of the sample, points", widest,
                           smallest_margin=widest["smallest_margin"])
    else:
        verdict = verdicts.directional(tests, ctx.alpha)
        tail = "least favourable rounding: " + ", ".join(
            f"{t['group']} adjusted {_p(t['p_adjusted_worst'])}" for t in tests)
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
    from .stats.sensitivity import bayes_share_interval

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
    t["comparison_id"] = f"{claim.claim_id}:{high['figure_id']}-{low['figure_id']}"
    _add_adjusted([t], ctx.method(claim))
    verdict = verdicts.directional([t], ctx.alpha)
    shares, bayes = [], {}
    for g in (high, low):
        wg = float(w[g["subgroup"]])
        point = bayes_share_of_answer(wg, float(g["point"]), float(total["point"]))
        b = bayes_share_of_answer(wg, (float(g["low"]), float(g["high"])),
                                  (float(total["low"]), float(total["high"])))
        ci = bayes_share_interval(wg, float(g["point"]), float(total["point"]), n, ctx.deff,
                                  ctx.alpha).iloc[0]
        bayes = {"bayes_share": float(point), "bayes_low": float(ci["ci_low"]),
                 "bayes_high": float(ci["ci_high"])}
        shares.append(f"{_num(point)}% (rounding {_range(b.low, b.high)}; {_conf(ctx)} CI with "
                      f"sampling error {_range(float(ci['ci_low']), float(ci['ci_high']))}) come "
                      f"from the group '{_label(ctx.meta, g['subgroup_var'], g['subgroup'])}'")
    evidence = (f"{_fig_text(high)} vs {_fig_text(low)}, {high['wave']} ({where}: "
                f"{_weights_text(ctx.meta, high['subgroup_var'], w)}; n ≈ "
                f"{n * w[high['subgroup']]:.0f} and {n * w[low['subgroup']]:.0f}): "
                f"{_pts(t['diff'])}, CI {_num(t['ci_low'])} to {_num(t['ci_high'])}, "
                f"{_p(t['p_point'])}, with rounding as noise {_p(t['p_rounding'])}, adjusted "
                f"{_p(t['p_adjusted'])}; least favourable ends {_pts(t['worst_diff'])}, "
                f"{_p(t['p_worst'])}. Of all '{high['option'].replace('_', ' ')}' answers "
                f"(total {total['figure_id']} {total['value_text']}), "
                + " and ".join(shares) + " (Bayes' rule).")
    return Result(verdict, evidence,
                  _numbers("difference between the groups, points", t, **bayes),
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
    verdict = "supported" if multiple else "inconclusive"
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
                  _numbers("sum of option shares (percent); low, high: its rounding bounds, "
                           "no sampling error",
                           estimate=total, low=float(lows.sum()), high=float(
                               sum(float(r["high"]) for r in rows))),
                  claim.figure_ids)



def rule_below_half(claim: Claim, ctx: Context) -> Result:
    """Each listed share is below 50%: the upper end of its CI (``share_interval`` over its
    rounding/wording range) < 50. Every figure must pass (an intersection-union test: no
    multiplicity adjustment is needed): ``chasm.verdicts.level`` on the figure with the highest
    upper end; any CI wholly above 50 contradicts."""
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
    top = max(results, key=lambda x: x["ci_high"])
    if any(x["ci_low"] > 50 for x in results):
        verdict = "contradicted"
    else:
        verdict = verdicts.level(top["ci_low"], top["ci_high"], 50.0, below=True)
    parts = "; ".join(f"{_fig_text(x['row'])}, {x['row']['wave']}: {_conf(ctx)} CI "
                      f"{_range(x['ci_low'], x['ci_high'])}" for x in results)
    evidence = (f"{parts}. The highest upper end is {_num(top['ci_high'])}% "
                f"({top['row']['figure_id']}; one-sided test of 'at least half' at the top of its "
                f"rounding range: {_p(top['p'])}).")
    return Result(verdict, evidence,
                  _numbers("share and its CI (percent), the figure with the highest upper end",
                           estimate=top["row"]["point"], low=top["ci_low"], high=top["ci_high"],
                           p_value=top["p"], p_rounding=top["p"], p_worst=top["p"],
                           p_adjusted=top["p"], p_adjusted_worst=top["p"], method="none",
                           comparison_id=f"{claim.claim_id}:{top['row']['figure_id']}-50"),
                  claim.figure_ids)



def rule_negative_majority(claim: Claim, ctx: Context) -> Result:
    """Most respondents chose at least one negative option (args: negative, positive).

    The share choosing any negative option is a union, which marginals only bound
    (``chasm.stats.frechet.union_bounds`` over the rounding/wording ranges: [L, U]); the bounds
    recomputed from the options' CI ends widen it for sampling error ([L_ci, U_ci]; each
    option's interval at level alpha / k for the k options of each side, Bonferroni, as
    04_multiresponse does, so that all k hold at once). ``chasm.verdicts.bounded`` at 50.
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
                            ctx.alpha / len(rows), low_pct=np.array([a for a, _ in ranges]),
                            high_pct=np.array([b for _, b in ranges]))
        cis = list(zip(ci["ci_low"].astype(float), ci["ci_high"].astype(float), strict=True))
        return union_bounds(ranges), union_bounds(cis)

    (lo, hi), (lo_ci, hi_ci) = bounds(neg)
    (plo, phi), _ = bounds(pos)
    verdict = verdicts.bounded(lo, hi, lo_ci, hi_ci, 50.0)
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
