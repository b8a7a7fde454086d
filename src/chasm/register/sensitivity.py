"""Sensitivity of the register's verdicts: tipping points and preference falsification.

WHAT. :func:`tipping_table` gives, for every supported or contradicted claim resting on a
two-sample score test (a wave change, two groups), the design effect, the sample size and the
between-wave shift in answering (points) at which its verdict would flip
(``chasm.stats.sensitivity``). :func:`falsification_table` treats preference falsification
as a parameter: a drift in answering between waves of 0-10 points (the range list
experiments in Russia report) and a bias in levels, and says which verdicts survive.

WHY. A verdict is only as firm as the distance to the assumption that would overturn it;
the reader should see that distance, not a worst case folded into the verdict (DESIGN.md,
"Verdicts").

CONVENTIONS. The level a test must beat is the one its family's adjustment implied,
``alpha * p_rounding / p_adjusted`` (``chasm.analysis.compare.family_level``; for Holm: alpha over
its
multiplier, the other tests held fixed); tipping points are those of the verdict's own test,
rounding as noise included (``chasm.analysis.compare.robustness``; for a paired or level test
``chasm.stats.rounding.normal_tipping`` with the same noise), so "it stays supported up to"
is true of the verdict as read. The sample-size tipping point is a
factor on the claim's interviews (1 = as assumed). A level bias shifts both waves alike and
cancels in a change; it matters for claims about a level (below half).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import norm

from chasm.analysis import compare as engine
from chasm.analysis import waves
from chasm.analysis.compare import family_level, robustness
from chasm.analysis.verdicts import directional
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.rounding import interval_censored_pvalue, normal_tipping

#: Drifts between waves and level biases (points) of :func:`falsification_table`.
DRIFTS: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
_TWO_SAMPLE = ("wave_change", "group_gap", "highest_group")


def tipping_table(register: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Tipping points of every supported or contradicted claim (``chasm.register.claims.evaluate``).

    Columns: claim_id, rule, verdict, comparison_id, level (the raw p its family's adjustment
    requires), p_value, deff (used), tipping_deff (the change stays significant below it),
    n_factor (the factor on the interviews below which it stops being significant),
    tipping_shift (points added to the later wave or group at which it flips, signed; for a
    paired or level test, the points by which the difference must shrink), and level_margin
    (for a level claim: points between its interval and the threshold). Every tipping point is
    that of the verdict's own test: two-sample tests the score test with rounding as noise
    (``chasm.analysis.compare.robustness``), paired tests the normal test they are with the same
    noise
    and level tests the normal test (``chasm.stats.rounding.normal_tipping``). NaN where a
    tipping point does not apply; ``note`` says which test.
    """
    rows, two_sample = [], []
    chosen = register[register["verdict"].isin(["supported", "contradicted"])]
    for r in chosen.itertuples():
        level = float(family_level(r.p_rounding, r.p_adjusted, alpha))
        noise = float(r.noise_var) if pd.notna(r.noise_var) else 0.0
        out = {"claim_id": r.claim_id, "rule": r.rule, "verdict": r.verdict,
               "comparison_id": r.comparison_id, "level": level, "p_value": r.p_value,
               "deff": r.deff, "tipping_deff": np.nan, "n_factor": np.nan,
               "tipping_shift": np.nan, "level_margin": np.nan, "note": ""}
        if r.rule in _TWO_SAMPLE and pd.notna(r.share_1):
            two_sample.append((len(rows), r.share_1, r.share_2, r.n_1, r.n_2, r.deff, noise,
                               level))  # tipping points below, all such claims at once
            out["note"] = "two-sample score test, rounding as noise"
        elif r.rule == "below_half" or (r.rule == "less_common" and pd.notna(r.se)):
            if r.rule == "below_half":  # the interval's upper end against 50: a normal test
                diff, se = 50.0 - r.estimate, (r.high - r.estimate) / norm.ppf(1 - alpha / 2)
                out["level_margin"] = 50.0 - float(r.high)
                out["note"] = "level against 50 (normal approximation); shift: bias in level"
            else:
                diff, se = r.estimate, r.se
                out["note"] = "paired options of one question (worst-case variance)"
            tip = normal_tipping(diff, se, r.deff, level,
                                 noise if r.rule == "less_common" else 0.0).iloc[0]
            out["tipping_deff"], out["n_factor"] = tip["tipping_deff"], tip["n_factor"]
            out["tipping_shift"] = -np.sign(diff) * tip["shift"]
        else:
            out["note"] = "no sampling test (a count of options): no tipping point"
        rows.append(out)
    for deff in sorted({t[5] for t in two_sample}):  # one call per design effect used
        group = [t for t in two_sample if t[5] == deff]
        at, p1, p2, n1, n2, _, noise, level = (np.array(c) for c in zip(*group, strict=True))
        tips = robustness(p1, p2, n1, n2, float(deff), noise, level)
        for i, tip in zip(at, tips.itertuples(), strict=True):
            rows[i].update(tipping_deff=tip.tipping_deff, n_factor=tip.n_factor,
                           tipping_shift=tip.tipping_shift)
    return pd.DataFrame(rows)


def falsification_table(tipping: pd.DataFrame, drifts=DRIFTS) -> pd.DataFrame:
    """Which verdicts survive preference falsification (rows of :func:`tipping_table`).

    For each drift d of ``drifts`` (points of answering that move between the waves or groups
    against the verdict), a column "drift d" with "survives" when d is below the size of the
    claim's ``tipping_shift`` and "flips" otherwise; for a level claim, a bias of d points
    towards the threshold, read against ``level_margin``. "–" where neither applies. A
    constant bias in levels cancels in a change and leaves a two-sample verdict as it is.
    """
    out = tipping[["claim_id", "verdict"]].copy()
    for d in drifts:
        column = []
        for r in tipping.itertuples():
            room = abs(r.tipping_shift)
            column.append("–" if pd.isna(room) else ("survives" if d < room else "flips"))
        out[f"drift {d:g}"] = column
    return out


# --------------------------------------------------------------------------------------------
# The specification table (a multiverse of the choices the plan made after the results)
# --------------------------------------------------------------------------------------------
#: Rounding treatments of the specification table: the plan's (noise), the least favourable
#: ends, and exact interval-censoring (``chasm.stats.rounding.interval_censored_pvalue``).
ROUNDINGS: tuple[str, ...] = ("noise", "least favourable", "interval-censored")
#: Interviews per wave tried (Levada's standard design is 1600; the waves' N is unknown).
SPEC_N: tuple[float, ...] = (1200.0, 1600.0, 2000.0)
#: Equivalence margins tried for the stability readings (points).
SPEC_MARGINS: tuple[float, ...] = (3.0, 5.0)


def specification_table(plan, tidy: pd.DataFrame, meta: dict, deffs: tuple[float, ...],
                        alpha: float | None = None, ns: tuple[float, ...] = SPEC_N,
                        roundings: tuple[str, ...] = ROUNDINGS) -> pd.DataFrame:
    """Every confirmatory wave verdict under every specification (issue 21's multiverse).

    The plan fixed three choices after the results were seen (``data/plan.yaml`` history): the
    family, the rounding treatment and (withdrawn) the margin. For the plan's confirmatory wave
    comparisons (those with a claim) and every combination of: family size ``k`` from the
    confirmatory family's size to all declared comparisons of those waves (Holm over the first
    ``k`` in the plan's order: the essay's comparisons, then the screen), rounding treatment
    (:data:`ROUNDINGS`), design effect ``deffs`` (Levada's feasible range and beyond) and
    interviews per wave ``ns``, one row: spec (a number), family_size, rounding, deff, n,
    comparison_id, claim_id, diff, p (the treatment's p), p_adjusted (Holm over the family),
    verdict (``chasm.analysis.verdicts.directional`` in the claim's direction, which the sign of the
    published change gives), margin_smallest (noise treatment only; NaN otherwise) and
    ``stable_at_<m>`` for :data:`SPEC_MARGINS` (the reading "stable" needs margin_smallest
    below the margin). ``main`` marks the plan's own specification (its family, rounding as
    noise, the waves' N from the metadata) at each design effect: those rows repeat the plan's
    adjusted p (``tests/e2e/test_one_p.py``).
    """
    alpha = plan.alpha if alpha is None else alpha
    declared = plan.comparisons
    rows = []
    for (w1, w2), comps in declared.groupby(["wave1", "wave2"], sort=True):
        confirm = comps[comps["claim"].notna() & (comps["claim"] != "")]
        if confirm.empty:
            continue
        order = pd.concat([confirm, comps.drop(confirm.index)])
        pairs = waves.wave_pairs(tidy, w1, w2)
        best = pairs[pairs["best"]].set_index(["question", "option"])
        keys = list(zip(order["question"], order["option"], strict=True))
        order = order[[k in best.index for k in keys]]
        fig = best.loc[list(zip(order["question"], order["option"], strict=True))].reset_index()
        ends = (fig["low1"], fig["high1"], fig["low2"], fig["high2"])
        # every (n, deff) specification of these comparisons in one call of the engine
        spec_n, spec_deff = (np.repeat(g.ravel(), len(fig)) for g in np.meshgrid(
            np.asarray(ns, dtype=float), np.asarray(deffs, dtype=float), indexing="ij"))
        tiled = [np.tile(np.asarray(c, dtype=float), len(ns) * len(deffs))
                 for c in (fig["p1"], fig["p2"], *ends)]
        every = engine.compare(*tiled, spec_n, spec_n, spec_deff, alpha, interval=False)
        # margins only for the rows shown (the confirmatory ones), all specifications at once
        shown = np.arange(len(spec_n)) % len(fig) < len(confirm)
        every_margin = np.full(len(spec_n), np.nan)
        every_margin[shown] = engine.smallest_margin(
            tiled[0][shown], tiled[1][shown], spec_n[shown], spec_n[shown], spec_deff[shown],
            every["noise_var"].to_numpy()[shown], alpha)
        for block, (n, deff) in enumerate(itertools.product(ns, deffs)):
            at = slice(block * len(fig), (block + 1) * len(fig))
            rec, margins = every.iloc[at].reset_index(drop=True), every_margin[at]
            ps = {"noise": rec["p_rounding"].to_numpy(),
                  "least favourable": rec["p_worst"].to_numpy(),
                  "interval-censored": np.array([
                      interval_censored_pvalue(a, b, c, d, n, n, deff, deff)
                      for a, b, c, d in zip(*ends, strict=True)])}
            for treatment in roundings:
                for k in range(len(confirm), len(order) + 1):
                    adj = adjust_pvalues(ps[treatment][:k], method="holm")
                    for i in range(len(confirm)):
                        c = order.iloc[i]
                        sign = 1  # the claim's direction is the published change's
                        verdict = verdicts_directional(sign, adj[i], alpha)
                        plan_n = {float(meta["waves"][w]["n"]) for w in (w1, w2)}
                        row = {"main": bool(k == len(confirm) and treatment == "noise"
                                            and plan_n == {float(n)}),
                               "family_size": k, "rounding": treatment, "deff": float(deff),
                               "n": float(n), "comparison_id": c["comparison_id"],
                               "claim_id": c["claim"], "diff": float(rec["diff"].iloc[i]),
                               "p": float(ps[treatment][i]), "p_adjusted": float(adj[i]),
                               "verdict": verdict,
                               "margin_smallest": (float(margins[i])
                                                   if treatment == "noise" else np.nan)}
                        for m in SPEC_MARGINS:
                            row[f"stable_at_{m:g}"] = (bool(margins[i] < m)
                                                       if treatment == "noise" else np.nan)
                        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(0, "spec", out.groupby(["family_size", "rounding", "deff", "n"], sort=False)
               .ngroup() + 1)
    return out


def verdicts_directional(sign: int, p_adjusted: float, alpha: float) -> str:
    """:func:`chasm.analysis.verdicts.directional` of one test."""
    return directional([{"sign": sign, "p_adjusted": p_adjusted}], alpha)


def specification_summary(spec: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """For each claim of :func:`specification_table`: its verdict in the register, in how many
    specifications it holds (holds), out of how many (specifications), and the verdict's
    count under each rounding treatment and family size (columns ``holds, <treatment>`` and
    ``holds, family <k>``)."""
    main = register.set_index("claim_id")["verdict"]
    rows = []
    for claim, g in spec.groupby("claim_id", sort=True):
        v = main.get(claim, "")
        same = g["verdict"] == v
        row = {"claim_id": claim, "comparison_id": g["comparison_id"].iloc[0], "verdict": v,
               "holds": int(same.sum()), "specifications": int(len(g))}
        for t, part in g.groupby("rounding", sort=False):
            row[f"holds, {t}"] = f"{int((part['verdict'] == v).sum())} of {len(part)}"
        for k, part in g.groupby("family_size", sort=True):
            row[f"holds, family of {k}"] = f"{int((part['verdict'] == v).sum())} of {len(part)}"
        rows.append(row)
    return pd.DataFrame(rows)
