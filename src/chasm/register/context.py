"""The context the register's rules share, and the helpers every kind of rule uses.

:class:`Context` holds the tidy figures, metadata, design effect, level and analysis plan of one
evaluation (built by ``chasm.register.claims.evaluate``) and answers the rules' questions: a
figure by id, a wave's interviews, a breakdown's group weights (the policy of
``chasm.analysis.weights``), the plan's wave comparisons and multiplicity method. The helpers:
labels from the metadata, the sources of the figures used (:func:`sources_text`), the family
adjustment of a list of tests (:func:`add_adjusted`), the one comparison engine's record of two
independent shares (:func:`independent_test`, ``chasm.analysis.compare.compare``, its columns
by their engine names), the numbers a rule returns (:func:`numbers_of`), and the declared grid
of sizes at which a group of unknown size is checked (:func:`over_sizes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chasm.analysis import plan as plan_module
from chasm.analysis import weights as weights_policy
from chasm.analysis.compare import RECORD, SAMPLES, compare
from chasm.data import figures
from chasm.formats import fmt_evidence_number as _num
from chasm.formats import fmt_level, fmt_method
from chasm.register.model import Claim
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.rounding import rounding_variance, with_rounding


@dataclass
class Context:
    """The figures, metadata and settings the rules share (built by
    ``chasm.register.claims.evaluate``)."""

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
        kind = weights_policy.weight_kind(self.meta, variable)
        if kind == "age":
            return (weights_policy.age_weights(self.population, self.meta, variable),
                    "Rosstat population weights (1 January 2024)")
        if kind == "approval":
            month = self.meta["waves"][wave].get("approval_month")
            try:
                aw = weights_policy.approval_weights(self.approval, month)
            except weights_policy.NoWeights:
                return None, f"no approval rating for {wave}"
            if not aw.complete:
                return None, (f"the approval rating of {month} (used for {wave}) does not give "
                              "disapprove and no answer")
            return (aw.weights.rename("weight"),
                    f"Levada's approval rating of {month}, normalised")
        given = weights_policy.given_sizes(self.meta, variable)
        if given is not None:
            return given
        return None, (f"no source gives the sizes of the groups of {variable!r} "
                      "(metadata/subgroups.yaml has none for it)")

    def weight_range(self, variable: str, wave: str, group: str) -> tuple[float, float]:
        """A group's weight over the rounding of the published shares it comes from: Levada's
        approval rating over its rounding box (``chasm.analysis.weights.ApprovalWeights.grid``,
        as 05_subgroups reads it); a population weight or a given size is taken as exact."""
        w, _ = self.weights(variable, wave)
        if weights_policy.weight_kind(self.meta, variable) != "approval":
            return float(w[group]), float(w[group])
        grid = weights_policy.wave_approval_weights(self.meta, self.approval, wave).grid
        return min(float(v[group]) for v in grid), max(float(v[group]) for v in grid)

    def wave_tests(self) -> pd.DataFrame:
        """The plan's wave comparisons (``chasm.analysis.plan.wave_tests``, computed once)."""
        if self._waves is None:
            self._waves = plan_module.wave_tests(self.plan, self.tidy, self.meta, self.deff, self.n,
                                          self.alpha)
        return self._waves

    def need_weights(self, claim: Claim, variable: str, wave: str) -> tuple[pd.Series, str]:
        """:meth:`weights`, or the claim's failure saying why there are none."""
        w, where = self.weights(variable, wave)
        if w is None:
            raise claim.fail(f"no weights for {variable!r}: {where}")
        return w, where

    @property
    def margin(self) -> float:
        """The plan's equivalence margin in points (5 without a plan)."""
        return float(self.plan.margin) if self.plan is not None else 5.0

    def method(self, claim: Claim) -> str:
        """The multiplicity method the plan declares for a claim's own tests."""
        plan = self.plan_of(claim)
        return plan.claim_method(claim.claim_id) if plan is not None else "holm"


def method_text(method: str) -> str:
    """A family's method in evidence text: its name (``chasm.formats.fmt_method``), an
    intersection-union test with what it means."""
    if method == "intersection_union":
        return "an intersection-union test (each at alpha, no adjustment)"
    return fmt_method(method)


def meta_label(meta: dict, variable: str, group: str | None = None) -> str:
    """A breakdown variable's (or one of its groups') label from the metadata."""
    var = meta["subgroups"].get(variable, {})
    if group is None:
        return str(var.get("label", variable))
    return str(var.get("groups", {}).get(group, {}).get("label", group))


def option_label(meta: dict, row: pd.Series) -> str:
    """A figure's answer by its metadata label (its code as words if the metadata has none)."""
    options = (meta["questions"].get(row["question"]) or {}).get("options") or {}
    return str((options.get(row["option"]) or {}).get("label", row["option"].replace("_", " ")))


def group_label(meta: dict, row: pd.Series) -> str:
    """'whole sample' or 'age group 55 and older'."""
    if row["subgroup_var"] == "all":
        return meta_label(meta, "all")
    variable = row["subgroup_var"]
    return f"{meta_label(meta, variable)}: {meta_label(meta, variable, row['subgroup'])}"


def weights_text(meta: dict, variable: str, w: pd.Series) -> str:
    return ", ".join(f"{meta_label(meta, variable, g)} {_num(100 * w[g])}%" for g in w.index)


def sources_text(ctx: Context, used: tuple[str, ...]) -> str:
    """'essay-chasm-2025 (essay): E06 E01; iib-riddle-2025 (secondary): S01'."""
    by_source: dict[tuple[str, str], list[str]] = {}
    for fid in used:
        row = ctx.fig(fid)
        by_source.setdefault((row["source_id"], row["source_kind"]), []).append(fid)
    return "; ".join(f"{sid} ({kind}): {' '.join(ids)}" for (sid, kind), ids in by_source.items())


def unique_ids(ids) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def needs_point(claim: Claim, row: pd.Series) -> float:
    if pd.isna(row["point"]):
        raise claim.fail(f"figure {row['figure_id']} ({row['value_text']!r}) has no point value; "
                         "this rule tests published points")
    return float(row["point"])


def whole_sample(claim: Claim, total: pd.Series) -> None:
    """Refuse a ``total`` that is not a whole-sample figure."""
    if total["subgroup_var"] != "all":
        raise claim.fail(f"total {total['figure_id']} is not a whole-sample figure")


def same_cell(claim: Claim, rows: list[pd.Series], keys=("wave", "question", "option")):
    for key in keys:
        values = {r[key] for r in rows}
        if len(values) != 1:
            raise claim.fail(f"figures {', '.join(r['figure_id'] for r in rows)} must share "
                             f"the {key} (got {', '.join(sorted(map(str, values)))})")


def adjusted_p(p: list[float], method: str) -> list[float]:
    """Adjusted p-values (``chasm.stats.multiplicity.adjust_pvalues``), as a list of floats.
    ``intersection_union``: a claim that needs every test to hold is rejected (supported)
    only if each test is at level alpha, so no test is adjusted (Berger 1982); the claim's p is
    the largest of them."""
    if method == "intersection_union":
        return [float(x) for x in p]
    return [float(x) for x in adjust_pvalues(p, method=method)]


def add_adjusted(tests: list[dict], method: str = "holm") -> None:
    """The family adjustment over a list of tests, in place: ``p_adjusted`` from ``p_rounding``
    (the verdict's number), ``p_adjusted_worst`` from ``p_worst`` (robustness); ``m`` and
    ``level``, the raw level the test had to beat (alpha times p / adjusted p)."""
    for src, dst in (("p_rounding", "p_adjusted"), ("p_worst", "p_adjusted_worst")):
        for t, adj in zip(tests, adjusted_p([t[src] for t in tests], method), strict=True):
            t[dst] = adj
    for t in tests:
        t["family_size"], t["method"] = len(tests), method


def rounding_p(diff: float, z: float, *rows: pd.Series, scale: float = 1.0) -> float:
    """p of a difference with each figure's rounding as uniform noise (``stats.rounding``);
    ``scale`` multiplies the difference's dependence on the figures (1 / (1 - w) for a group
    against the rest)."""
    return float(with_rounding(diff, z, rounding_noise(*rows) * scale ** 2)["p_value"].iloc[0])


def rounding_noise(*rows: pd.Series) -> float:
    """Rounding noise (points^2) of a difference of the figures ``rows``
    (``chasm.stats.rounding.rounding_variance``, summed)."""
    return float(sum(float(rounding_variance(float(r["low"]), float(r["high"]))) for r in rows))


def weakest_test(tests: list[dict]) -> dict:
    return max(tests, key=lambda t: (t["p_adjusted"], t["p_rounding"]))


#: The columns of a test the register keeps under their own names: the engine's record
#: (``chasm.analysis.compare.RECORD``, its samples ``SAMPLES``), the family's adjustment, and a
#: paired test's ``se``. The engine's ``diff``/``ci_low``/``ci_high`` are the register's
#: ``estimate``/``low``/``high``, the columns every kind of claim fills (a share, bounds, ...).
KEPT = (*(k for k in RECORD if k not in ("diff", "ci_low", "ci_high", "z")), *SAMPLES,
        "p_adjusted", "p_adjusted_worst", "method", "family_size", "comparison_id", "se")


def numbers_of(ctx: Context, measure: str, t: dict | None = None, **extra) -> dict:
    """The numbers a rule returns: ``measure``, the test ``t`` (its :data:`KEPT` columns, its
    difference and interval as estimate, low, high, the interval a "95% CI" in
    ``range_kind``) and ``extra`` (a rule without a test names its range's kind there)."""
    out = {"measure": measure}
    if t is not None:
        out.update(estimate=t["diff"], low=t["ci_low"], high=t["ci_high"],
                   range_kind=f"{fmt_level(ctx.alpha)} CI")
        out.update({k: t[k] for k in KEPT if k in t})
    out.update(extra)
    return out


def independent_test(ctx: Context, base: pd.Series, other: pd.Series, n_base: float,
                      n_other: float, sign: int) -> dict:
    """The comparison of other - base (two independent samples) by the one engine
    (``chasm.analysis.compare.compare``): score test at the published values, the verdict's test
    with
    rounding as noise and its interval; the least favourable rounding for the claim that
    other - base has sign ``sign`` (1 where the ranges allow no difference that way)."""
    p1, p2 = float(base["point"]), float(other["point"])
    if sign > 0:  # claim: other > base; least favourable: base high, other low
        w1, w2 = float(base["high"]), float(other["low"])
    else:
        w1, w2 = float(base["low"]), float(other["high"])
    rec = compare(p1, p2, base["low"], base["high"], other["low"], other["high"], n_base,
                  n_other, ctx.deff, ctx.alpha).iloc[0]
    t = {k: float(rec[k]) for k in RECORD}  # the engine's record, by its own names
    # the intervals overlap, or allow the opposite direction: nothing is left to establish
    if sign * (w2 - w1) <= 0:
        t["p_worst"] = 1.0
    t.update(zip(SAMPLES, (p1, p2, float(n_base), float(n_other)), strict=True))
    return t | {"worst_diff": w2 - w1, "sign": 1 if sign * rec["diff"] > 0 else -1}


#: The sizes a group of unknown size is checked at: from MIN_GROUP_SHARE of the sample (a
#: group a poll would publish: 2% of 1600 is 32 interviews) to the largest size the figures
#: allow, in steps of SIZE_STEP. A declared grid, stated in every evidence text that uses it.
MIN_GROUP_SHARE = 0.02


SIZE_STEP = 0.01


def group_size(ctx: Context, row: pd.Series) -> tuple[float | None, str]:
    """A figure's group as a share of the sample (1 for the whole sample) and where it comes
    from; None (with the reason) when no weights or given sizes exist for its breakdown."""
    if row["subgroup_var"] == "all":
        return 1.0, "the whole sample"
    w, where = ctx.weights(row["subgroup_var"], row["wave"])
    if w is None or row["subgroup"] not in w.index:
        return None, where
    return float(w[row["subgroup"]]), where


def size_grid(w_max: float) -> np.ndarray:
    """The declared grid of sizes from :data:`MIN_GROUP_SHARE` up to ``w_max`` (below 1)."""
    top = min(float(w_max), 1 - MIN_GROUP_SHARE)
    k = int(np.floor((top - MIN_GROUP_SHARE) / SIZE_STEP + 1e-9))
    grid = MIN_GROUP_SHARE + SIZE_STEP * np.arange(k + 1)
    return np.unique(np.append(grid, top)) if top > grid[-1] + 1e-9 else grid


def over_sizes(verdict_at, grid: np.ndarray) -> dict:
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


def size_evidence(ctx: Context, rows: list[pd.Series], scan: dict | None) -> tuple[str, dict]:
    """What the claim is at every size the unpublished groups ``rows`` can have (:func:`over_sizes`'
    ``scan``): a sentence for the evidence, after a space, and the sizes for which it holds
    (``size_low``, ``size_high``); nothing without a scan."""
    if scan is None:
        return "", {}
    names = ", ".join(dict.fromkeys(f"'{meta_label(ctx.meta, r['subgroup_var'], r['subgroup'])}'"
                                    for r in rows))
    _, why = group_size(ctx, rows[0])
    runs, start = [], None
    items = list(scan["by_size"].items())
    for i, (w, v) in enumerate(items):
        if start is None:
            start = w
        if i == len(items) - 1 or items[i + 1][1] != v:
            runs.append(f"{v} for {_num(100 * start, 0)}–{_num(100 * w, 0)}%")
            start = None
    groups = "group" if len(set(names.split(", "))) == 1 else "groups"
    return (f" The size of the {groups} {names} is not known: {why}. At every size it can "
            f"have, {_num(scan['grid_low'], 0)}–{_num(scan['grid_high'], 0)}% of the sample in "
            f"steps of {_num(100 * SIZE_STEP, 0)} point (numbers above at the smallest, the least "
            "favourable): "
            + "; ".join(runs) + "."), {"size_low": scan["size_low"], "size_high": scan["size_high"]}
