"""Rules on the options of one pick-all-that-apply question in one wave.

:func:`rule_less_common` (paired differences with the worst-case Fréchet variance),
:func:`rule_multiple_response` (the options sum beyond 100) and
:func:`rule_negative_majority` (a union of options, only bounded by the marginals). Registry:
:data:`chasm.register.rules.RULES`.
"""

from __future__ import annotations

import numpy as np

from chasm.analysis import verdicts
from chasm.formats import fmt_evidence_figure as _fig_text
from chasm.formats import fmt_evidence_number as _num
from chasm.formats import fmt_evidence_p as _p
from chasm.formats import fmt_evidence_points as _pts
from chasm.formats import fmt_evidence_range as _range
from chasm.register.context import (
    Context,
    add_adjusted,
    method_text,
    needs_point,
    numbers_of,
    option_label,
    rounding_noise,
    rounding_p,
    same_cell,
    unique_ids,
    weakest_test,
)
from chasm.register.model import Claim, Result
from chasm.stats.frechet import must_be_multiple_response, paired_difference, union_bounds
from chasm.stats.intervals import share_interval


def rule_less_common(claim: Claim, ctx: Context) -> Result:
    """Options of one pick-all-that-apply question in one wave are less common than others
    (args: less=..., more=...).

    Each (less, more) pair is compared within the same respondents with the worst-case
    (Frechet) paired variance (``chasm.stats.frechet.paired_difference``), at the points and
    at the least favourable ends (more at its low end, less at its high end); Holm over the
    pairs. Supported if every pair is significant the claimed way at those ends.
    """
    less = [ctx.fig(f) for f in claim.args["less"]]
    more = [ctx.fig(f) for f in claim.args["more"]]
    same_cell(claim, less + more, ("wave", "question", "subgroup_var", "subgroup"))
    question = less[0]["question"]
    if ctx.meta["questions"][question]["response"] != "multiple":
        raise claim.fail(f"question {question!r} is not marked pick-all-that-apply "
                         "(response: multiple) in the metadata")
    n = ctx.wave_n(less[0]["wave"])
    tests = []
    for lo_row in less:
        for hi_row in more:
            a, b = needs_point(claim, hi_row), needs_point(claim, lo_row)
            wa, wb = float(hi_row["low"]), float(lo_row["high"])
            res = paired_difference([a, wa], [b, wb], n, ctx.deff, ctx.alpha)
            point, worst = res.iloc[0], res.iloc[1]
            tests.append({"more": hi_row["figure_id"], "less": lo_row["figure_id"],
                          "diff": float(point["diff"]), "ci_low": float(point["ci_low"]),
                          "ci_high": float(point["ci_high"]), "p_value": float(point["p_value"]),
                          "p_worst": 1.0 if wa <= wb else float(worst["p_value"]),
                          "worst_diff": wa - wb, "se": float(point["se"]),
                          "p_rounding": rounding_p(float(point["diff"]), float(point["z"]),
                                                    hi_row, lo_row),
                          "noise_var": rounding_noise(hi_row, lo_row),
                          "comparison_id": f"{claim.claim_id}:{hi_row['figure_id']}-"
                                           f"{lo_row['figure_id']}",
                          "sign": 1 if point["diff"] > 0 else -1})
    method = ctx.method(claim)
    add_adjusted(tests, method)
    verdict = verdicts.directional(tests, ctx.alpha)
    pairs = "; ".join(
        f"{t['more']} − {t['less']} {_pts(t['diff'])} (CI {_num(t['ci_low'])} to "
        f"{_num(t['ci_high'])}), adjusted {_p(t['p_adjusted'])}; least favourable "
        f"{_pts(t['worst_diff'])}: adjusted {_p(t['p_adjusted_worst'])}" for t in tests)
    rows = {r["figure_id"]: r for r in less + more}
    figs = ", ".join(_fig_text(r, kind=False) for r in rows.values())
    evidence = (f"{figs} ({less[0]['wave']}, one pick-all-that-apply question, same "
                f"respondents): paired differences with the worst-case (Fréchet) variance, "
                f"rounding as noise, {method_text(method)} over {len(tests)} pairs: {pairs}.")
    weakest = weakest_test(tests)
    return Result(verdict, evidence,
                  numbers_of(ctx, "paired difference, points (weakest pair)", weakest),
                  unique_ids(claim.args["less"] + claim.args["more"]))


def rule_multiple_response(claim: Claim, ctx: Context) -> Result:
    """Respondents could pick several options: the published options of one question and wave
    sum to more than 100 beyond rounding (``chasm.stats.frechet.must_be_multiple_response``
    with the tolerance the wording intervals allow: the sum of their lower ends > 100)."""
    rows = [ctx.fig(f) for f in claim.figure_ids]
    same_cell(claim, rows, ("wave", "question", "subgroup_var", "subgroup"))
    if len({r["option"] for r in rows}) != len(rows):
        raise claim.fail("list one figure per option (two figures share an option)")
    points = np.array([needs_point(claim, r) for r in rows])
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
                  numbers_of(ctx, "sum of option shares (percent); low, high: its rounding bounds, "
                           "no sampling error",
                           estimate=total, low=float(lows.sum()), high=float(
                               sum(float(r["high"]) for r in rows)), range_kind="rounding range"),
                  claim.figure_ids)


def rule_negative_majority(claim: Claim, ctx: Context) -> Result:
    """Most respondents chose at least one negative option (args: negative, positive).

    The share choosing any negative option is a union, which marginals only bound
    (``chasm.stats.frechet.union_bounds`` over the rounding/wording ranges: [L, U]); the bounds
    recomputed from the options' CI ends widen it for sampling error ([L_ci, U_ci]; each
    option's interval at level alpha / k for the k options of each side, Bonferroni, as
    04_multiresponse does, so that all k hold at once). ``chasm.analysis.verdicts.bounded`` at 50.
    """
    neg = [ctx.fig(f) for f in claim.args["negative"]]
    pos = [ctx.fig(f) for f in claim.args["positive"]]
    same_cell(claim, neg + pos, ("wave", "question", "subgroup_var", "subgroup"))
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
                f"'{option_label(ctx.meta, top)}' ({top['value_text']}); every negative option "
                f"is {'more' if ordered else 'not always more'} common than every positive one.")
    return Result(verdict, evidence,
                  numbers_of(ctx, "share choosing any negative option: identification bounds "
                             "(percent)", low=lo, high=hi, range_kind="identification range"),
                  unique_ids(claim.args["negative"] + claim.args["positive"]))
