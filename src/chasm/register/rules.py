"""The rules of the claims register: one function per kind of claim.

Each rule takes a parsed :class:`chasm.register.claims.Claim` and a :class:`Context` (the tidy
figures,
metadata, design effect and the analysis plan) and returns a :class:`chasm.register.claims.Result`:
a
verdict from :data:`chasm.register.verdicts.VOCABULARY` (decided by the one rule of
``chasm.register.verdicts``
that applies), evidence text built from computed numbers only, the key numbers and the figures
used. Tests are read at the published values with rounding as ordinary uncertainty
(``chasm.stats.rounding``) and adjusted within the family ``data/plan.yaml`` declares
(``chasm.analysis.plan``); a wave comparison's numbers are the plan's own rows
(``plan.wave_tests``),
so 03_waves and the register cannot differ. The least favourable rounding is kept beside them
(``p_worst``, ``p_adjusted_worst``). :data:`RULES` maps the register's ``rule`` column to
these functions; :mod:`chasm.register.claims` loads the register and applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chasm.data import figures
from chasm.formats import METHOD_NAMES, fmt_level

# The evidence-text formatters have their one home in chasm.report (under the rules' names).
from chasm.formats import fmt_evidence_figure as _fig_text
from chasm.formats import fmt_evidence_number as _num
from chasm.formats import fmt_evidence_p as _p
from chasm.formats import fmt_evidence_points as _pts
from chasm.formats import fmt_evidence_range as _range
from chasm.register import verdicts
from chasm.register.claims import RULE_ARGS, Claim, Result


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
    main: str = ""
    _waves: pd.DataFrame | None = None

    def plan_of(self, claim: Claim):
        """The analysis plan where it speaks to a claim: the plan's families and comparisons
        are the main register's (its claim ids); another text's claims take only its margin."""
        return self.plan if claim.register in ("", self.main) else None

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

        The policy is :mod:`chasm.analysis.weights`'; the identity and the group comparisons of the
        register need every group's weight, so an incomplete approval month gives none.
        """
        from chasm.analysis import weights

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
        given = weights.given_sizes(self.meta, variable)
        if given is not None:
            return given
        return None, (f"no source gives the sizes of the groups of {variable!r} "
                      "(metadata/subgroups.yaml has none for it)")

    def wave_tests(self) -> pd.DataFrame:
        """The plan's wave comparisons (``chasm.analysis.plan.wave_tests``, computed once)."""
        if self._waves is None:
            from chasm.analysis import plan

            self._waves = plan.wave_tests(self.plan, self.tidy, self.meta, self.deff, self.n,
                                          self.alpha)
        return self._waves

    def method(self, claim: Claim) -> str:
        """The multiplicity method the plan declares for a claim's own tests."""
        plan = self.plan_of(claim)
        return plan.claim_method(claim.claim_id) if plan is not None else "holm"



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
    from chasm.stats.multiplicity import adjust_pvalues

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
    from chasm.stats.rounding import rounding_variance, with_rounding

    noise = sum(float(rounding_variance(float(r["low"]), float(r["high"]))) for r in rows)
    return float(with_rounding(diff, z, noise * scale ** 2)["p_value"].iloc[0])


def _noise_var(*rows: pd.Series) -> float:
    """Rounding noise (points^2) of a difference of the figures ``rows``
    (``chasm.stats.rounding.rounding_variance``, summed)."""
    from chasm.stats.rounding import rounding_variance

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
    from chasm.stats.twosample import compare_waves

    return compare_waves(p1, p2, n1, n2, ctx.deff, ctx.deff, ctx.alpha)



def _independent_test(ctx: Context, base: pd.Series, other: pd.Series, n_base: float,
                      n_other: float, sign: int) -> dict:
    """The comparison of other - base (two independent samples) by the one engine
    (``chasm.analysis.compare.compare``): score test at the published values, the verdict's test
    with
    rounding as noise and its interval; the least favourable rounding for the claim that
    other - base has sign ``sign`` (1 where the ranges allow no difference that way)."""
    from chasm.analysis.compare import compare

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

    Other sources: ``chasm.data.figures.shared_cells`` says whether their intervals overlap.
    Identity: the total equals the weighted mean of the groups of any breakdown
    (``chasm.stats.partitions.identity_check``; unpublished groups may be anything in [0, 100],
    and a single unpublished group's implied range comes from ``solve_missing_subgroup``). For a
    subgroup figure the identity of its own variable is checked, for a total every variable
    with published groups. Weights: Rosstat (age), the wave's approval rating (approval).
    Verdict: ``chasm.register.verdicts.figure_check`` (an identity with every group published is a
    check that could fail; one with an unpublished cell left free passes for almost any
    value). Whether other sources agree is provenance (``chasm.register.verdicts.provenance``), not
    inference, and does not enter the verdict.
    """
    from chasm.stats.intervals import share_interval

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
    """The confidence level of the register's intervals ("95%"), :func:`chasm.formats.fmt_level`."""
    return fmt_level(ctx.alpha)



def _identity(ctx: Context, row: pd.Series, variable: str):
    """The weighted identity of ``row``'s cell for one breakdown variable.

    Returns (text, ok, figure ids used, free), ok None when it cannot be checked, free True
    when an unpublished group is left free (a weak check); None when the variable has no
    published group or no total is published.
    """
    from chasm.analysis.subgroups import weighted_identity

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
    plan's row (``chasm.analysis.plan.wave_tests``: score test on effective counts at the published
    values, rounding as noise, the family's adjustment; least favourable rounding beside it),
    the same row 03_waves shows. The claim's figures must be that row's. Verdict:
    ``chasm.register.verdicts.directional``.
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


_METHOD_NAME = {**METHOD_NAMES,
                "intersection_union": "an intersection-union test (each at alpha, no adjustment)"}



def rule_less_common(claim: Claim, ctx: Context) -> Result:
    """Options of one pick-all-that-apply question in one wave are less common than others
    (args: less=..., more=...).

    Each (less, more) pair is compared within the same respondents with the worst-case
    (Frechet) paired variance (``chasm.stats.frechet.paired_difference``), at the points and
    at the least favourable ends (more at its low end, less at its high end); Holm over the
    pairs. Supported if every pair is significant the claimed way at those ends.
    """
    from chasm.stats.frechet import paired_difference

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
    from chasm.stats.partitions import solve_missing_subgroup

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
    rounding beside it. lower/higher: ``chasm.register.verdicts.directional``. similar:
    ``chasm.register.verdicts.similarity`` with the plan's equivalence margin: each group's smallest
    margin is the larger absolute end of its (1 - 2 alpha) interval (TOST), so similarity is
    supported only if every difference is shown to lie within the margin.
    """
    from scipy.stats import norm

    from chasm.stats.partitions import subgroup_vs_rest
    from chasm.stats.rounding import rounding_variance, with_rounding

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
    from chasm.stats.partitions import bayes_share_of_answer
    from chasm.stats.sensitivity import bayes_share_interval

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
    from chasm.stats.frechet import must_be_multiple_response

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



def _level_test(ctx: Context, r: pd.Series, n: float, side: str, threshold: float) -> dict:
    """A share against ``threshold``: its interval (``share_interval`` over its rounding or
    wording range) and the one-sided score test of the claim's negation at the least favourable
    end of that range (below: H0 share >= threshold at the high end; above: H0 share <=
    threshold at the low end; Wilson inverts it); about: the (1 - 2 alpha) interval too."""
    from scipy.stats import norm

    from chasm.stats.intervals import share_interval

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
    ``chasm.register.verdicts.level`` on the least favourable one, contradicted if any interval lies
    wholly on the other side; about: ``chasm.register.verdicts.similarity`` of each share's distance
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
    have (:func:`_over_sizes`)."""
    rows = [ctx.fig(f) for f in claim.figure_ids]
    margin = float(ctx.plan.margin) if ctx.plan is not None else 5.0
    sizes = [_size(ctx, r) for r in rows]
    unknown = [i for i, (w, _) in enumerate(sizes) if w is None]

    def at(ws: dict[int, float]):
        results = [_level_test(ctx, r, ctx.wave_n(r["wave"]) * ws.get(i, sizes[i][0]), side,
                               threshold) for i, r in enumerate(rows)]
        return _level_verdict(results, side, threshold, margin), results

    if unknown:
        scan = _over_sizes(lambda w: at({i: w for i in unknown})[0], _size_grid(1.0))
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
        low, high = widest["eq_low"], widest["eq_high"]
    else:
        below = side == "below"
        top = (max(results, key=lambda x: x["ci_high"]) if below
               else min(results, key=lambda x: x["ci_low"]))
        parts = "; ".join(f"{_fig_text(x['row'])}, {x['row']['wave']}: {_conf(ctx)} CI "
                          f"{_range(x['ci_low'], x['ci_high'])}" for x in results)
        end = "highest upper" if below else "lowest lower"
        negation = "at least" if below else "at most"
        where = "top" if below else "bottom"
        evidence = (f"{parts}. The {end} end is {_num(top['ci_high' if below else 'ci_low'])}% "
                    f"({top['row']['figure_id']}; one-sided test of '{negation} "
                    f"{_threshold_text(threshold)}' at the {where} of its rounding range: "
                    f"{_p(top['p'])}).")
        measure = f"share and its CI (percent), the figure with the {end} end"
        low, high = top["ci_low"], top["ci_high"]
    extra = {}
    if scan is not None:
        evidence += " " + _sizes_sentence(ctx, [rows[i] for i in unknown], scan)
        extra = {"size_low": scan["size_low"], "size_high": scan["size_high"]}
    return Result(verdict, evidence,
                  _numbers(measure, estimate=top["row"]["point"], low=low, high=high,
                           p_value=top["p"], p_rounding=top["p"], p_worst=top["p"],
                           p_adjusted=top["p"], p_adjusted_worst=top["p"], method="none",
                           comparison_id=f"{claim.claim_id}:{top['row']['figure_id']}-"
                                         f"{threshold:g}", **extra),
                  claim.figure_ids)


def rule_share_level(claim: Claim, ctx: Context) -> Result:
    """Each listed share is above, below or about a threshold (args: side=above|below|about,
    threshold=<percent>).

    above/below: the interval of each share (``share_interval`` over its rounding/wording
    range) must lie wholly on the claimed side: every figure must pass (an intersection-union
    test: no multiplicity adjustment is needed), ``chasm.register.verdicts.level`` on the least
    favourable figure; any interval wholly on the other side contradicts. The p shown is the
    one-sided test of the negation at the least favourable end of the rounding range. about:
    every share's (1 - 2 alpha) interval within the threshold ± the plan's equivalence margin
    (``chasm.register.verdicts.similarity``). A group of unknown size: the verdict at every size it
    can
    have (:func:`_over_sizes`)."""
    return _share_level(claim, ctx, claim.arg("side"), float(claim.arg("threshold")))


def rule_below_half(claim: Claim, ctx: Context) -> Result:
    """Each listed share is below 50%: :func:`rule_share_level` with side=below, threshold=50
    (the essay's rule as an instance of the general one)."""
    return _share_level(claim, ctx, "below", 50.0)


# --------------------------------------------------------------------------------------------
# Groups of unknown size
# --------------------------------------------------------------------------------------------
#: The sizes a group of unknown size is checked at: from MIN_GROUP_SHARE of the sample (a
#: group a poll would publish: 2% of 1600 is 32 interviews) to the largest size the figures
#: allow, in steps of SIZE_STEP. A declared grid, stated in every evidence text that uses it.
MIN_GROUP_SHARE = 0.02
SIZE_STEP = 0.01


def _size(ctx: Context, row: pd.Series) -> tuple[float | None, str]:
    """A figure's group as a share of the sample (1 for the whole sample) and where it comes
    from; None (with the reason) when no weights or given sizes exist for its breakdown."""
    if row["subgroup_var"] == "all":
        return 1.0, "the whole sample"
    w, where = ctx.weights(row["subgroup_var"], row["wave"])
    if w is None or row["subgroup"] not in w.index:
        return None, where
    return float(w[row["subgroup"]]), where


def _size_grid(w_max: float) -> np.ndarray:
    """The declared grid of sizes from :data:`MIN_GROUP_SHARE` up to ``w_max`` (below 1)."""
    top = min(float(w_max), 1 - MIN_GROUP_SHARE)
    k = int(np.floor((top - MIN_GROUP_SHARE) / SIZE_STEP + 1e-9))
    grid = MIN_GROUP_SHARE + SIZE_STEP * np.arange(k + 1)
    return np.unique(np.append(grid, top)) if top > grid[-1] + 1e-9 else grid


def _over_sizes(verdict_at, grid: np.ndarray) -> dict:
    """The verdict at every size of ``grid``: one verdict if it is the same at all of them,
    otherwise "not identifiable" (the unpublished size decides). ``size_low``/``size_high``:
    the sizes (percent of the sample) at which the claim is supported (NaN if none);
    ``w_at``: the size whose numbers the evidence shows (the smallest: the least favourable,
    where sampling error is largest)."""
    verdicts_at = [verdict_at(float(w)) for w in grid]
    held = [float(w) for w, v in zip(grid, verdicts_at, strict=True) if v == "supported"]
    same = len(set(verdicts_at)) == 1
    return {"verdict": verdicts_at[0] if same else "not identifiable",
            "by_size": dict(zip(map(float, grid), verdicts_at, strict=True)),
            "size_low": 100 * min(held) if held else np.nan,
            "size_high": 100 * max(held) if held else np.nan,
            "grid_low": 100 * float(grid[0]), "grid_high": 100 * float(grid[-1]),
            "w_at": float(grid[0])}


def _sizes_sentence(ctx: Context, rows: list[pd.Series], scan: dict) -> str:
    """What the claim is at every size an unpublished group can have (evidence text)."""
    names = ", ".join(dict.fromkeys(f"'{_label(ctx.meta, r['subgroup_var'], r['subgroup'])}'"
                                    for r in rows))
    _, why = _size(ctx, rows[0])
    runs, start = [], None
    items = list(scan["by_size"].items())
    for i, (w, v) in enumerate(items):
        if start is None:
            start = w
        if i == len(items) - 1 or items[i + 1][1] != v:
            runs.append(f"{v} for {_num(100 * start, 0)}–{_num(100 * w, 0)}%")
            start = None
    groups = "group" if len(set(names.split(", "))) == 1 else "groups"
    return (f"The size of the {groups} {names} is not known: {why}. At every size it can "
            f"have, {_num(scan['grid_low'], 0)}–{_num(scan['grid_high'], 0)}% of the sample in "
            f"steps of {_num(100 * SIZE_STEP, 0)} point (numbers above at the smallest, the least "
            "favourable): "
            + "; ".join(runs) + ".")


def rule_negative_majority(claim: Claim, ctx: Context) -> Result:
    """Most respondents chose at least one negative option (args: negative, positive).

    The share choosing any negative option is a union, which marginals only bound
    (``chasm.stats.frechet.union_bounds`` over the rounding/wording ranges: [L, U]); the bounds
    recomputed from the options' CI ends widen it for sampling error ([L_ci, U_ci]; each
    option's interval at level alpha / k for the k options of each side, Bonferroni, as
    04_multiresponse does, so that all k hold at once). ``chasm.register.verdicts.bounded`` at 50.
    """
    from chasm.stats.frechet import union_bounds
    from chasm.stats.intervals import share_interval

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



def rule_change(claim: Claim, ctx: Context) -> Result:
    """A share moved between two waves (args: direction=down|up; optionally by=<number> with
    as=points|ratio: "fell by 6 points", "halved" = by=0.5;as=ratio, "doubled" = by=2).

    A comparison the analysis plan declares for the claim is the plan's row
    (:func:`rule_wave_change`). Otherwise the two figures of one cell in two waves are compared
    by the one engine (``chasm.analysis.compare.compare`` through :func:`_independent_test`:
    rounding as
    noise, the claim its own family by the plan's method); a group of unknown size at every
    size it can have. Verdict: ``chasm.register.verdicts.directional``; a stated size of change
    outside
    the change's interval contradicts (a ratio is read as the change it implies at the earlier
    wave's published value: halved from 40% is −20 points).
    """
    plan = ctx.plan_of(claim)
    if plan is not None and plan.comparison_of(claim.claim_id) is not None:
        return rule_wave_change(claim, ctx)
    first, second = sorted((ctx.fig(f) for f in claim.figure_ids), key=lambda x: x["wave"])
    _same_cell(claim, [first, second], ("question", "option", "subgroup_var", "subgroup"))
    if first["wave"] == second["wave"]:
        raise claim.fail("the two figures must be of two waves")
    _needs_point(claim, first)
    _needs_point(claim, second)
    sign = -1 if claim.arg("direction") == "down" else 1
    stated = None
    if "by" in claim.args:
        by = float(claim.arg("by"))
        stated = (sign * by if claim.arg("as") == "points"
                  else float(first["point"]) * (by - 1))
    w1, where = _size(ctx, first)
    w2, _ = _size(ctx, second)

    def at(w: float | None):
        n1 = ctx.wave_n(first["wave"]) * (w1 if w1 is not None else w)
        n2 = ctx.wave_n(second["wave"]) * (w2 if w2 is not None else w)
        t = _independent_test(ctx, first, second, n1, n2, sign)
        t["comparison_id"] = f"{claim.claim_id}:{first['figure_id']}-{second['figure_id']}"
        _add_adjusted([t], ctx.method(claim))
        verdict = verdicts.directional([t], ctx.alpha)
        if stated is not None and not t["ci_low"] <= stated <= t["ci_high"]:
            verdict = "contradicted"
        return verdict, t

    scan = None
    if w1 is None or w2 is None:
        scan = _over_sizes(lambda w: at(w)[0], _size_grid(1.0))
        verdict, t = scan["verdict"], at(scan["w_at"])[1]
    else:
        verdict, t = at(None)
    evidence = (f"{_fig_text(first)}, {first['wave']} → {_fig_text(second)}, {second['wave']} "
                f"({_group_label(ctx.meta, first)}): {_pts(t['diff'])}, {_conf(ctx)} CI "
                f"{_num(t['ci_low'])} to {_num(t['ci_high'])}, {_p(t['p_point'])} at the "
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
    extra = {}
    if scan is not None:
        evidence += " " + _sizes_sentence(ctx, [first], scan)
        extra = {"size_low": scan["size_low"], "size_high": scan["size_high"]}
    return Result(verdict, evidence, _numbers("change in points (later − earlier wave)", t,
                                              **extra),
                  (first["figure_id"], second["figure_id"]))


def rule_extreme(claim: Claim, ctx: Context) -> Result:
    """A wave's share is the highest (or lowest) of its series since a month (args:
    which=highest|lowest, since=YYYY-MM): "the highest since 2013".

    The series is every wave of the figure's cell from ``since`` to the figure's wave, one
    figure per wave by the declared source ranking (``chasm.data.figures.best``; where it decides,
    the evidence names the policy and the other figures). The claimed wave is compared with
    each other wave by the one engine (independent samples, rounding as noise), adjusted over
    them by the plan's method; ``chasm.register.verdicts.directional``. No other wave in the period:
    not testable."""
    row = ctx.fig(claim.figure_ids[0])
    since = claim.arg("since")
    if since > row["wave"]:
        raise claim.fail(f"since={since} is after the figure's wave {row['wave']}")
    _needs_point(claim, row)
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
    w, where = _size(ctx, row)
    if w is None:
        raise claim.fail(f"no size for {row['subgroup_var']!r}: {where}")
    tests = []
    for o in others.to_dict("records"):
        o = pd.Series(o)
        test = _independent_test(ctx, o, row, ctx.wave_n(o["wave"]) * w,
                                 ctx.wave_n(row["wave"]) * w, sign)
        test["other"] = o["figure_id"]
        test["comparison_id"] = f"{claim.claim_id}:{row['figure_id']}-{o['figure_id']}"
        tests.append(test)
    method = ctx.method(claim)
    _add_adjusted(tests, method)
    verdict = verdicts.directional(tests, ctx.alpha)
    comps = "; ".join(f"vs {t_['other']} {ctx.fig(t_['other'])['value_text']} "
                      f"({ctx.fig(t_['other'])['wave']}): {_pts(t_['diff'])}, adjusted "
                      f"{_p(t_['p_adjusted'])}" for t_ in tests)
    evidence = (f"{_fig_text(row)}, {row['wave']}, against the {len(tests)} other waves of its "
                f"series since {since} ({_METHOD_NAME[method]}, rounding as noise): {comps}.")
    decided = figures.best_choices(series)
    if len(decided):
        from chasm.data import load

        evidence += " " + figures.ranking_sentence(decided, ctx.tidy, load.load_sources())
    return Result(verdict, evidence,
                  _numbers(f"difference from the closest wave, points ({which})",
                           _weakest(tests)),
                  _unique([row["figure_id"], *others["figure_id"]]))


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
    """The largest size a group can have given its and the total's ranges (the rest must be
    a possible share): total / group above the total, (100 − total) / (100 − group) below."""
    g_lo, g_hi, t_lo, t_hi = (float(group["low"]), float(group["high"]), float(total["low"]),
                              float(total["high"]))
    if g_lo > t_hi:
        return t_hi / g_lo
    if g_hi < t_lo:
        return (100 - t_lo) / (100 - g_hi)
    return 1.0


def rule_group_vs(claim: Claim, ctx: Context) -> Result:
    """A group's share is higher or lower than the total's or the rest's (args: group, total,
    against=total|rest, expect=higher|lower).

    A group is part of the total, so both claims are one test: the group against the rest of
    the sample, two independent samples of w N and (1 − w) N interviews, by the one engine
    (rest = (total − w group) / (1 − w); group − total = (1 − w)(group − rest), same sign).
    The group's size w: the breakdown's weights or given sizes (``subgroups.yaml``); unknown,
    the claim at every size it can have (:func:`_over_sizes`, up to the largest size the
    figures allow, :func:`_max_group_size`): the range of sizes for which it holds. Verdict:
    ``chasm.register.verdicts.directional``.
    """
    group, total = ctx.fig(claim.arg("group")), ctx.fig(claim.arg("total"))
    _same_cell(claim, [group, total])
    if total["subgroup_var"] != "all" or group["subgroup_var"] == "all":
        raise claim.fail("group must be a group of a breakdown and total a whole-sample figure")
    _needs_point(claim, group)
    _needs_point(claim, total)
    sign = 1 if claim.arg("expect") == "higher" else -1
    n = ctx.wave_n(group["wave"])
    w_known, where = _size(ctx, group)

    def at(w: float):
        rest = _rest_row(total, group, w)
        t = _independent_test(ctx, rest, group, (1 - w) * n, w * n, sign)
        t["comparison_id"] = f"{claim.claim_id}:{group['figure_id']}-rest"
        _add_adjusted([t], ctx.method(claim))
        return verdicts.directional([t], ctx.alpha), t, rest

    scan = None
    if w_known is None:
        w_max = _max_group_size(total, group)
        scan = _over_sizes(lambda w: at(w)[0], _size_grid(w_max))
        verdict, t, rest = scan["verdict"], *at(scan["w_at"])[1:]
        w = scan["w_at"]
    else:
        w = w_known
        verdict, t, rest = at(w)
    against = claim.arg("against")
    diff_total = (1 - w) * t["diff"]
    evidence = (f"{_fig_text(group)} ({_group_label(ctx.meta, group)}), total "
                f"{_fig_text(total)}, {group['wave']}; at a group size of {_num(100 * w)}% "
                f"of the sample, the rest of the sample is at {_num(rest['point'])}% "
                f"{_range(rest['low'], rest['high'])}: group − rest {_pts(t['diff'])}, "
                f"{_conf(ctx)} CI {_num(t['ci_low'])} to {_num(t['ci_high'])}, "
                f"{_p(t['p_rounding'])} with rounding as noise (group − total "
                f"{_pts(diff_total)}, the same test)")
    evidence += "." if scan is not None else f" ({where})."
    if group["low"] > total["high"] or group["high"] < total["low"]:
        evidence += (" Whatever the group's size, its range lies "
                     f"{'above' if group['low'] > total['high'] else 'below'} the total's, so it "
                     "is on that side of the rest too (without sampling error).")
    extra = {}
    if scan is not None:
        evidence += " " + _sizes_sentence(ctx, [group], scan)
        extra = {"size_low": scan["size_low"], "size_high": scan["size_high"]}
    measure = ("difference from the rest of the sample, points" if against == "rest" else
               "difference from the rest of the sample, points (the test of the group against "
               "the total)")
    return Result(verdict, evidence, _numbers(measure, t, **extra),
                  (group["figure_id"], total["figure_id"]))


def rule_ordering(claim: Claim, ctx: Context) -> Result:
    """Groups of one breakdown in a stated order, highest first (args: order=F1 F2 ...).

    Each adjacent pair by the one engine (disjoint groups: independent samples of w_g N),
    adjusted over the pairs by the plan's method; ``chasm.register.verdicts.directional``. Groups of
    unknown size: the claim at every size they can have, all unknown groups the same size
    (up to 1/k of the sample for k of them; :func:`_over_sizes`)."""
    rows = [ctx.fig(f) for f in claim.args["order"]]
    if set(claim.args["order"]) != set(claim.figure_ids):
        raise claim.fail("order must list exactly the claim's figure_ids")
    _same_cell(claim, rows)
    if len({r["subgroup_var"] for r in rows}) != 1 or rows[0]["subgroup_var"] == "all":
        raise claim.fail("ordering compares groups of one breakdown")
    for r in rows:
        _needs_point(claim, r)
    sizes = [_size(ctx, r)[0] for r in rows]
    unknown = [i for i, w in enumerate(sizes) if w is None]
    n = ctx.wave_n(rows[0]["wave"])

    def at(w: float | None):
        tests = []
        for i in range(len(rows) - 1):
            hi, lo = rows[i], rows[i + 1]
            w_hi = sizes[i] if sizes[i] is not None else w
            w_lo = sizes[i + 1] if sizes[i + 1] is not None else w
            t = _independent_test(ctx, lo, hi, n * w_lo, n * w_hi, 1)
            t["comparison_id"] = f"{claim.claim_id}:{hi['figure_id']}-{lo['figure_id']}"
            t["pair"] = (hi["figure_id"], lo["figure_id"])
            tests.append(t)
        _add_adjusted(tests, ctx.method(claim))
        return verdicts.directional(tests, ctx.alpha), tests

    scan = None
    if unknown:
        known = sum(w for w in sizes if w is not None)
        scan = _over_sizes(lambda w: at(w)[0], _size_grid((1 - known) / len(unknown)))
        verdict, tests = scan["verdict"], at(scan["w_at"])[1]
    else:
        verdict, tests = at(None)
    pairs = "; ".join(f"{t['pair'][0]} − {t['pair'][1]} {_pts(t['diff'])} (CI "
                      f"{_num(t['ci_low'])} to {_num(t['ci_high'])}), adjusted "
                      f"{_p(t['p_adjusted'])}" for t in tests)
    evidence = (f"{', '.join(_fig_text(r, kind=False) for r in rows)} ({rows[0]['wave']}, "
                f"{_label(ctx.meta, rows[0]['subgroup_var'])}, highest first): adjacent "
                f"pairs, rounding as noise, {_METHOD_NAME[ctx.method(claim)]} over "
                f"{len(tests)}: {pairs}.")
    extra = {}
    if scan is not None:
        evidence += " " + _sizes_sentence(ctx, [rows[i] for i in unknown], scan)
        extra = {"size_low": scan["size_low"], "size_high": scan["size_high"]}
    return Result(verdict, evidence,
                  _numbers("difference between adjacent groups, points (weakest pair)",
                           _weakest(tests), **extra),
                  tuple(claim.args["order"]))


def rule_quoted_words(claim: Claim, ctx: Context) -> Result:
    """A figure quoted as words (args: words=<the text's words>, e.g. "nearly half"): the
    words are read by the one documented rule (``chasm.data.worded.read``) and compared with the
    published figure's range. Supported if the figure's range lies within the words' range,
    contradicted if the two cannot overlap, inconclusive if they overlap only in part. A
    quotation check: the published figure is the reference, so no sampling error enters."""
    from chasm.data import worded

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
                f"{row['wave']}, {_group_label(ctx.meta, row)}: its range {how} it.")
    return Result(verdict, evidence,
                  _numbers("range the words allow (percent); estimate: the published figure",
                           estimate=row["point"], low=reading.low, high=reading.high),
                  (row["figure_id"],))


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
    "share_level": rule_share_level,
    "change": rule_change,
    "extreme": rule_extreme,
    "group_vs": rule_group_vs,
    "ordering": rule_ordering,
    "quoted_words": rule_quoted_words,
}


assert set(RULES) == set(RULE_ARGS)
