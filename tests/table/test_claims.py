"""The claims register: loading and validation, every verdict rule, paired differences, and
the issue's key property (changing one raw figure flips exactly the verdicts that use it)."""

from __future__ import annotations

import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from chasm import formats, paths
from chasm.analysis import plan
from chasm.data import figures, load, schema, worded
from chasm.formats import fmt_evidence_range
from chasm.register import claims, context, rules
from chasm.register.claims import Claim, load_claims
from chasm.stats.frechet import paired_difference

DEFF = 1.9


# -------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def inputs():
    """Metadata, population, approval and error table of the project (small, read once)."""
    return {"meta": load.load_metadata(), "population": load.load_population(),
            "approval": load.load_approval(), "error_table": load.load_error_table()}


def fig(fid: str, text: str, wave: str = "2025-04", option: str = "traitors",
        var: str = "all", group: str = "all", kind: str = "essay",
        question: str = "why_people_leave") -> dict:
    """One row of a tidy figures table, read by the project's wording rule."""
    r = worded.read(text)
    return {"figure_id": fid, "source_id": f"{kind}-source", "source_kind": kind, "wave": wave,
            "question": question, "option": option, "subgroup_var": var, "subgroup": group,
            "value_pct": r.point if r.rule == "number" else np.nan, "value_text": text,
            "point": np.nan if r.point is None else r.point, "low": r.low, "high": r.high,
            "rule": r.rule, "where": "test", "note": ""}


def tidy_of(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def claim(rule: str, figure_ids: str, args: str = "", cid: str = "C01",
          kind: str = "comparison", notes: str = "") -> Claim:
    return Claim(cid, 3, kind, "a claim", tuple(figure_ids.split()), rule,
                 claims.parse_args(args), notes)


PLAN_YAML = """
alpha: 0.05
equivalence: {margin: 5.0, why: test}
families:
  essay_waves:
    role: confirmatory
    method: holm
    why: test
    comparisons:
      - {id: W-t, claim: C01, question: why_people_leave, option: traitors,
         waves: [2024-03, 2025-04]}
      - {id: W-n, claim: C02, question: why_people_leave, option: no_faith_in_future,
         waves: [2024-03, 2025-04]}
post_hoc: {method: fdr_bh, why: test}
history:
  alpha: {fixed: before, commit: abcdef1, choice: a}
  families: {fixed: after, commit: abcdef1, choice: a}
  rounding: {fixed: after, commit: abcdef1, choice: a}
  margin: {fixed: before, commit: abcdef1, choice: a}
  claim_families: {fixed: after, commit: abcdef1, choice: a}
"""


@pytest.fixture(scope="module")
def test_plan(tmp_path_factory, inputs):
    """A plan naming C01 ('traitors') and C02 ('no faith') as the two wave comparisons."""
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(PLAN_YAML, encoding="utf-8")
    return plan.load_plan(path, inputs["meta"])


def run(inputs, tidy: pd.DataFrame, *register: Claim, **kw) -> pd.DataFrame:
    return claims.evaluate(list(register), tidy, inputs["meta"], inputs["population"],
                           inputs["approval"], inputs["error_table"], deff=kw.pop("deff", DEFF),
                           **kw).set_index("claim_id")


def verdict(inputs, tidy, *register, **kw) -> str:
    return run(inputs, tidy, *register, **kw)["verdict"].iloc[0]


# -------------------------------------------------------------------------------- paired
def test_paired_difference_hand_computed():
    """a = 41%, b = 33%, n_eff = 842: SE in [0.0093, 0.0295] (proportions); the test uses
    the worst case, p_AB at its Frechet lower bound max(0, a + b - 1) = 0."""
    out = paired_difference(41, 33, 842, 1.0).iloc[0]
    worst = math.sqrt((0.41 + 0.33 - 0.0 - 0.08**2) / 842)
    best = math.sqrt((0.41 + 0.33 - 2 * 0.33 - 0.08**2) / 842)
    assert out["se"] / 100 == pytest.approx(0.0295, abs=5e-5)
    assert out["se_min"] / 100 == pytest.approx(0.0093, abs=5e-5)
    assert out["se"] / 100 == pytest.approx(worst, rel=1e-12)
    assert out["se_min"] / 100 == pytest.approx(best, rel=1e-12)
    assert out["diff"] == pytest.approx(8.0)
    assert out["z"] == pytest.approx(0.08 / worst)
    assert out["p_value"] == pytest.approx(2 * norm.sf(0.08 / worst))
    assert out["ci_low"] == pytest.approx(8.0 - 1.959964 * worst * 100, abs=1e-4)
    assert out["ci_high"] == pytest.approx(8.0 + 1.959964 * worst * 100, abs=1e-4)


def test_paired_difference_uses_n_over_deff_and_frechet_when_sum_exceeds_100():
    """deff scales the variance; with a + b > 100 the lower bound p_AB = a + b - 1 bites."""
    assert paired_difference(41, 33, 1600, 1.9)["se"].iloc[0] == pytest.approx(
        paired_difference(41, 33, 1600 / 1.9, 1.0)["se"].iloc[0])
    out = paired_difference(70, 60, 100, 1.0).iloc[0]
    p_ab = 0.3
    assert out["se"] / 100 == pytest.approx(math.sqrt((1.3 - 2 * p_ab - 0.01) / 100))


def test_paired_difference_vector_and_degenerate():
    out = paired_difference([41, 0, 50], [33, 0, 50], 842, 1.0)
    assert len(out) == 3
    assert np.isnan(out["z"].iloc[1]) and np.isnan(out["p_value"].iloc[1])
    assert out["diff"].iloc[2] == 0 and out["p_value"].iloc[2] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="between 0 and 100"):
        paired_difference(141, 33, 842, 1.0)
    with pytest.raises(ValueError, match="deff"):
        paired_difference(41, 33, 842, 0)


def test_adjusted_matches_adjust_pvalues():
    """The rules' adjustment is chasm.stats.multiplicity.adjust_pvalues with the plan's method."""
    from chasm.stats.multiplicity import adjust_pvalues

    rng = np.random.default_rng(5)
    for size in (1, 2, 4, 7):
        p = rng.uniform(0, 0.2, size)
        p[rng.uniform(size=size) < 0.2] = np.nan if size > 2 else p[0]
        for method in ("holm", "fdr_bh"):
            assert np.allclose(context.adjusted_p(list(p), method),
                               adjust_pvalues(p, method=method), equal_nan=True, rtol=0,
                               atol=1e-15)
    assert context.adjusted_p([0.01, 0.04, 0.03], "holm") == pytest.approx([0.03, 0.06, 0.06])
    assert context.adjusted_p([], "holm") == []


# -------------------------------------------------------------------------------- loading
def test_the_register_loads_and_every_claim_has_a_rule():
    register = load_claims()
    assert len(register) == 28
    assert [c.claim_id for c in register] == [f"C{i:02d}" for i in range(1, 29)]
    assert {c.kind for c in register} <= set(claims.KINDS)
    assert {c.rule for c in register} <= set(rules.RULES)
    assert all(c.notes for c in register if c.rule == "not_testable")


def test_parse_args():
    assert claims.parse_args("less=E04 E05;more=E01 E02") == {
        "less": ("E04", "E05"), "more": ("E01", "E02")}
    assert claims.parse_args("") == {} and claims.parse_args(None) == {}
    for bad, message in [("direction", "not key=value"), ("a=1;a=2", "twice"),
                         ("a=", "no value"), ("=x", "not key=value")]:
        with pytest.raises(ValueError, match=message):
            claims.parse_args(bad)


HEADER = "claim_id,paragraph,kind,paraphrase,figure_ids,rule,args,notes\n"


@pytest.mark.parametrize("line, column, message", [
    ("C01,3,figure,x,E01,figur,,", "rule", "unknown rule"),
    ("C01,3,opinion,x,E01,figure,,", "kind", "unknown kind"),
    ("C01,3,figure,x,E99,figure,,", "figure_ids", "not in the figures table"),
    ("C01,3,comparison,x,E06 E01,wave_change,,", "args", "requires argument 'direction'"),
    ("C01,3,comparison,x,E06 E01,wave_change,direction=sideways,", "args", "one of down, up"),
    ("C01,3,comparison,x,E06 E01,wave_change,direction=down;dir=up,", "args", "a typo"),
    ("C01,3,comparison,x,E04 E01,less_common,less=E04;more=E02,", "args",
     "not listed in figure_ids"),
    ("C01,3,figure,x,E01 E02,figure,,", "figure_ids", "exactly 1"),
    ("C01,3,qualitative,x,,not_testable,,", "notes", "needs a note"),
    ("C01,x,figure,x,E01,figure,,", "paragraph", "is not a number"),
])
def test_load_claims_errors_name_line_and_column(tmp_path, line, column, message):
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + "C00,1,qualitative,ok,,not_testable,,fine\n" + line + "\n",
                    encoding="utf-8")
    with pytest.raises(schema.RawDataError) as err:
        load_claims(path, tidy=figures.load())
    assert "line 3" in str(err.value)
    assert f"column '{column}'" in str(err.value)
    assert message in str(err.value)


def test_load_claims_duplicate_id(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + "C01,1,figure,x,E01,figure,,\nC01,1,figure,x,E02,figure,,\n",
                    encoding="utf-8")
    with pytest.raises(schema.RawDataError, match="line 3.*duplicate id"):
        load_claims(path, tidy=figures.load())


# -------------------------------------------------------------------------------- figure
def test_figure_single_source(inputs):
    out = run(inputs, tidy_of(fig("E04", "26%", option="achieve_more")),
              claim("figure", "E04", kind="figure")).iloc[0]
    assert out["verdict"] == "not testable" and out["provenance"] == "1 source (essay)"
    assert "no identity" in out["evidence"] and "E04 26% [25.5–26.5]" in out["evidence"]
    assert out["low"] < 26 < out["high"]


def test_figure_second_source_agrees_or_disagrees(inputs):
    agree = tidy_of(fig("E01", "37%"), fig("S01", "a third", kind="secondary"))
    out = run(inputs, agree, claim("figure", "E01", kind="figure")).iloc[0]
    # provenance, not inference: agreement of a second source is not a test of the claim
    assert out["verdict"] == "not testable"
    assert out["provenance"] == "2 sources (essay, secondary); E01/S01 agree"
    assert "secondary-source (secondary): S01" in out["sources"]
    disagree = tidy_of(fig("E01", "43%"), fig("S01", "a third", kind="secondary"))
    out = run(inputs, disagree, claim("figure", "E01", kind="figure")).iloc[0]
    assert out["verdict"] == "not testable"
    assert out["provenance"] == "2 sources (essay, secondary); E01/S01 disagree"
    assert "4.2 points apart" in out["evidence"]  # [42.5, 43.5] vs [28.3, 38.3]


def age_cells(total="43%", young="35-40%", mid="35-40%", middle=None, old="about half",
              wave="2024-03"):
    rows = [fig("T", total, wave), fig("A1", young, wave, var="age", group="18-24"),
            fig("A2", mid, wave, var="age", group="25-39"),
            fig("A4", old, wave, var="age", group="55+")]
    if middle is not None:
        rows.append(fig("A3", middle, wave, var="age", group="40-54"))
    return rows


def test_figure_identity_holds_with_a_missing_group(inputs):
    out = run(inputs, tidy_of(*age_cells()), claim("figure", "A4", kind="figure")).iloc[0]
    # a free cell: the check can hardly fail, so it tests no claim; the quotation is consistent
    assert out["verdict"] == "not testable" and out["quotation"] == "consistent"
    assert "unpublished 40-54 cell must lie in [27.7–53.0]" in out["evidence"]
    every = age_cells(young="37%", mid="40%", middle="42%", old="48%")
    out = run(inputs, tidy_of(*every), claim("figure", "A4", kind="figure")).iloc[0]
    assert out["verdict"] == "supported" and "the identity holds" in out["evidence"]


def test_figure_identity_impossible_is_contradicted(inputs):
    """Every age group at 10% cannot average to 43%; also for the total itself."""
    rows = age_cells(young="10%", mid="10%", middle="10%", old="10%")
    out = run(inputs, tidy_of(*rows), claim("figure", "A4", kind="figure"),
              claim("figure", "T", cid="C02", kind="figure"))
    assert list(out["verdict"]) == ["contradicted", "contradicted"]
    assert "impossible" in out.loc["C01", "evidence"]
    # a single missing group that would have to exceed 100
    rows = age_cells(young="10%", mid="10%", old="10%", total="80%")
    out = run(inputs, tidy_of(*rows), claim("figure", "A1", kind="figure")).iloc[0]
    assert out["verdict"] == "contradicted" and "outside 0–100" in out["evidence"]


def test_figure_provenance_apart_from_an_impossible_identity(inputs):
    rows = age_cells(young="10%", mid="10%", middle="10%", old="10%")
    rows.append(fig("S", "a third", "2024-03", var="age", group="55+", kind="secondary"))
    out = run(inputs, tidy_of(*rows), claim("figure", "A4", kind="figure")).iloc[0]
    assert out["verdict"] == "contradicted" and out["provenance"].endswith("A4/S disagree")


def test_figure_approval_identity_uses_the_waves_rating(inputs):
    rows = [fig("T", "43%", "2024-03"),
            fig("P1", "47%", "2024-03", var="putin_approval", group="approve"),
            fig("P2", "19%", "2024-03", var="putin_approval", group="disapprove")]
    out = run(inputs, tidy_of(*rows), claim("figure", "P2", kind="figure")).iloc[0]
    # "no answer" is not published: a free cell (no test of the claim; quotation consistent)
    assert out["verdict"] == "not testable" and out["quotation"] == "consistent"
    assert "approval rating of 2024-03" in out["evidence"]
    # April 2025 uses February 2025, which gives no disapproval: no check at all
    rows = [fig("T", "43%"), fig("P2", "19%", var="putin_approval", group="disapprove")]
    out = run(inputs, tidy_of(*rows), claim("figure", "P2", kind="figure")).iloc[0]
    assert out["verdict"] == "not testable" and "not checked" in out["evidence"]


# -------------------------------------------------------------------------------- waves
def two_waves(before: str, after: str, option="traitors") -> list[dict]:
    return [fig("B", before, "2024-03", option=option), fig("A", after, "2025-04", option=option)]


@pytest.mark.parametrize("before, after, direction, expected", [
    ("50%", "30%", "down", "supported"),
    ("43%", "42%", "down", "inconclusive"),
    ("30%", "50%", "down", "contradicted"),
    ("30%", "50%", "up", "supported"),
    ("43%", "37%", "down", "supported"),  # a family of one: p 0.013 with rounding as noise
    ("43%", "40%", "up", "inconclusive"),  # a non-significant fall when a rise is claimed
])
def test_wave_change(inputs, test_plan, before, after, direction, expected):
    out = run(inputs, tidy_of(*two_waves(before, after)),
              claim("wave_change", "B A", f"direction={direction}"), plan=test_plan).iloc[0]
    assert out["verdict"] == expected and out["comparison_id"] == "W-t"
    assert out["p_worst"] >= out["p_rounding"] >= out["p_value"] or expected == "contradicted"


def test_wave_change_reads_the_plans_family(inputs, test_plan):
    """43 -> 37 and 40 -> 36 in the plan's Holm family of two: the fall is supported with
    rounding as noise (0.013 x 2 = 0.027), not at the least favourable rounding (0.072)."""
    tidy = tidy_of(*two_waves("43%", "37%"), *[
        fig("B2", "40%", "2024-03", option="no_faith_in_future"),
        fig("A2", "36%", "2025-04", option="no_faith_in_future")])
    out = run(inputs, tidy, claim("wave_change", "B A", "direction=down"),
              claim("wave_change", "B2 A2", "direction=down", cid="C02"), plan=test_plan)
    assert list(out["verdict"]) == ["supported", "inconclusive"]
    c13 = out.loc["C01"]
    assert c13["p_value"] == pytest.approx(0.012, abs=5e-4)
    assert c13["p_rounding"] == pytest.approx(0.0133, abs=3e-4)
    assert c13["p_adjusted"] == pytest.approx(2 * c13["p_rounding"])
    assert c13["p_worst"] == pytest.approx(0.036, abs=5e-4)
    assert c13["p_adjusted_worst"] == pytest.approx(2 * c13["p_worst"])
    # the interval of the verdict's test (score test widened by rounding noise) at deff 1.9,
    # wider than the score interval -10.655 to -1.320 (tests/stats/test_rounding.py derives it)
    assert c13["low"] == pytest.approx(-10.723, abs=1e-3)
    assert c13["high"] == pytest.approx(-1.252, abs=1e-3)
    assert "−6.0 points, 95% CI −10.7 to −1.3, p = 0.012 at the published values" in \
        c13["evidence"]
    assert "Holm over its family in the plan (2 comparisons)" in c13["evidence"]
    # the register's numbers are the plan's rows, the ones 03_waves shows
    rows = plan.wave_tests(test_plan, tidy, inputs["meta"], DEFF).set_index("comparison_id")
    assert rows.loc["W-t", "p_adjusted"] == c13["p_adjusted"]


def test_wave_change_overlapping_intervals_give_p_one(inputs, test_plan):
    out = run(inputs, tidy_of(fig("B", "about a third", "2024-03"), fig("A", "30%")),
              claim("wave_change", "B A", "direction=down"), plan=test_plan).iloc[0]
    assert out["p_worst"] == 1.0


def test_wave_change_needs_the_plans_comparison(inputs, test_plan):
    with pytest.raises(claims.ClaimError, match="declares no wave comparison"):
        run(inputs, tidy_of(*two_waves("40%", "30%")),
            claim("wave_change", "B A", "direction=down", cid="C09"), plan=test_plan)
    other = tidy_of(*two_waves("40%", "30%"), fig("A9", "31%", "2025-04", kind="primary"))
    with pytest.raises(claims.ClaimError, match="not those of comparison W-t"):
        run(inputs, other, claim("wave_change", "B A", "direction=down"), plan=test_plan)


# -------------------------------------------------------------------------------- less_common
def options(**shares) -> list[dict]:
    return [fig(fid, text, option=opt) for fid, (opt, text) in shares.items()]


@pytest.mark.parametrize("less, more, expected", [
    ("26%", "37%", "supported"),
    ("31%", "33%", "inconclusive"),
    ("40%", "20%", "contradicted"),
])
def test_less_common(inputs, less, more, expected):
    tidy = tidy_of(*options(L=("achieve_more", less), M=("traitors", more)))
    assert verdict(inputs, tidy, claim("less_common", "L M", "less=L;more=M")) == expected


def test_less_common_holm_over_pairs_and_worst_case_rounding(inputs):
    """Four pairs as in the essay; the weakest pair is reported."""
    tidy = tidy_of(*options(E04=("achieve_more", "26%"), E05=("children_future", "18%"),
                            E01=("traitors", "37%"), E02=("no_faith_in_future", "36%")))
    out = run(inputs, tidy, claim("less_common", "E04 E05 E01 E02",
                                  "less=E04 E05;more=E01 E02")).iloc[0]
    assert out["verdict"] == "supported"
    assert out["estimate"] == pytest.approx(10.0)  # E02 - E04, the weakest pair
    expected = paired_difference(35.5, 26.5, 1600, DEFF)["p_value"].iloc[0]
    assert out["p_worst"] == pytest.approx(expected)
    assert out["p_adjusted"] <= 4 * out["p_worst"] + 1e-12
    assert "Holm over 4 pairs" in out["evidence"]
    assert out["comparison_id"] == "C01:E02-E04"


def test_less_common_refuses_a_single_response_question(inputs):
    tidy = tidy_of(fig("L", "10%", question="wish_to_emigrate", option="would"),
                   fig("M", "90%", question="wish_to_emigrate", option="would_not"))
    with pytest.raises(claims.ClaimError, match="pick-all-that-apply"):
        run(inputs, tidy, claim("less_common", "L M", "less=L;more=M"))


# -------------------------------------------------------------------------------- groups
def test_highest_group_not_identifiable_when_a_missing_cell_can_exceed(inputs):
    tidy = tidy_of(*age_cells())
    out = run(inputs, tidy, claim("highest_group", "A4 A1 A2 T",
                                  "group=A4;others=A1 A2;total=T;variable=age")).iloc[0]
    assert out["verdict"] == "not identifiable"
    assert "40-54 cell lies in [27.7–53.0]" in out["evidence"]


def test_highest_group_decided_by_tests_when_every_group_is_published(inputs):
    rows = age_cells(young="20%", mid="25%", middle="30%", old="60%", total="38%")
    out = run(inputs, tidy_of(*rows), claim(
        "highest_group", "A4 A1 A2 A3 T", "group=A4;others=A1 A2 A3;total=T;variable=age"))
    assert out["verdict"].iloc[0] == "supported"
    rows = age_cells(young="41%", mid="40%", middle="41%", old="42%", total="41%")
    out = run(inputs, tidy_of(*rows), claim(
        "highest_group", "A4 A1 A2 A3 T", "group=A4;others=A1 A2 A3;total=T;variable=age"))
    assert out["verdict"].iloc[0] == "inconclusive"


def test_highest_group_bounded_missing_cell_below_the_group(inputs):
    """A missing 40-54 cell that cannot reach the group's lower end leaves the tests to decide."""
    rows = age_cells(young="20%", mid="20%", old="70%", total="39%")
    out = run(inputs, tidy_of(*rows), claim(
        "highest_group", "A4 A1 A2 T", "group=A4;others=A1 A2;total=T;variable=age")).iloc[0]
    assert out["verdict"] == "supported"
    assert "below the group's lower end" in out["evidence"]


def test_vs_rest(inputs):
    rows = age_cells(young="20%", mid="25%", total="43%")
    lower = claim("vs_rest", "A1 A2 T", "groups=A1 A2;total=T;expect=lower")
    similar = claim("vs_rest", "A1 A2 T", "groups=A1 A2;total=T;expect=similar", cid="C02")
    higher = claim("vs_rest", "A1 A2 T", "groups=A1 A2;total=T;expect=higher", cid="C03")
    out = run(inputs, tidy_of(*rows), lower, similar, higher)
    assert list(out["verdict"]) == ["supported", "contradicted", "contradicted"]
    rows = age_cells(total="43%")  # 35-40% in both groups: the essay's case
    out = run(inputs, tidy_of(*rows), lower, similar)
    # not significant, but similarity is not shown either: inconclusive, not "consistent"
    assert list(out["verdict"]) == ["inconclusive", "inconclusive"]
    assert out.loc["C02", "smallest_margin"] > 5
    assert "the smallest margin these figures establish" in out.loc["C02", "evidence"]
    # a group as large as the rest, at the total's value, with many interviews: equivalent
    same = [fig("T", "40%", "2024-03"), fig("A2", "40%", "2024-03", var="age", group="25-39"),
            fig("A1", "40%", "2024-03", var="age", group="18-24")]
    out = run(inputs, tidy_of(*same), similar, n=100_000)
    assert out.loc["C02", "verdict"] == "supported" and out.loc["C02", "smallest_margin"] < 5


def test_group_gap_with_bayes_inversion(inputs):
    rows = [fig("T", "43%", "2024-03"),
            fig("P1", "47%", "2024-03", var="putin_approval", group="approve"),
            fig("P2", "19%", "2024-03", var="putin_approval", group="disapprove")]
    out = run(inputs, tidy_of(*rows),
              claim("group_gap", "P1 P2 T", "higher=P1;lower=P2;total=T")).iloc[0]
    assert out["verdict"] == "supported"
    w = 87 / 101  # March 2024: 87 approve, 11 disapprove, 3 no answer
    assert f"{100 * w * 47 / 43:.1f}%" in out["evidence"]
    # the lower group's share of the answer, with sampling error around the point
    assert out["bayes_share"] == pytest.approx(100 * (11 / 101) * 19 / 43)
    assert out["bayes_low"] < out["bayes_share"] < out["bayes_high"]
    reversed_ = claim("group_gap", "P1 P2 T", "higher=P2;lower=P1;total=T")
    assert verdict(inputs, tidy_of(*rows), reversed_) == "contradicted"


# -------------------------------------------------------------------------------- marginals
def test_multiple_response(inputs):
    many = options(A=("traitors", "37%"), B=("no_faith_in_future", "36%"),
                   C=("fear_mobilization", "29%"), D=("achieve_more", "26%"))
    out = run(inputs, tidy_of(*many), claim("multiple_response", "A B C D")).iloc[0]
    assert out["verdict"] == "supported" and out["estimate"] == 128 and out["low"] == 126
    few = options(A=("traitors", "40%"), B=("no_faith_in_future", "30%"),
                  C=("fear_mobilization", "31%"))  # 101 <= 100 + 3 x 0.5
    assert verdict(inputs, tidy_of(*few), claim("multiple_response", "A B C")) == "inconclusive"


@pytest.mark.parametrize("text, expected", [
    ("43%", "supported"), ("48%", "inconclusive"), ("51%", "inconclusive"),
    ("60%", "contradicted")])
def test_below_half(inputs, text, expected):
    tidy = tidy_of(fig("X", text), fig("Y", "30%", "2024-03"))
    assert verdict(inputs, tidy, claim("below_half", "Y X")) == expected


@pytest.mark.parametrize("neg, pos, expected", [
    (("60%", "20%"), ("10%", "5%"), "supported"),      # union >= 60 even with sampling error
    (("20%", "15%"), ("30%", "5%"), "contradicted"),   # union <= 36 even with sampling error
    (("37%", "36%"), ("26%", "18%"), "not identifiable"),
    (("52%", "3%"), ("10%", "5%"), "inconclusive"),    # union >= 51.5, not beyond sampling
])
def test_negative_majority(inputs, neg, pos, expected):
    tidy = tidy_of(*options(N1=("traitors", neg[0]), N2=("no_faith_in_future", neg[1]),
                            P1=("achieve_more", pos[0]), P2=("children_future", pos[1])))
    out = run(inputs, tidy, claim("negative_majority", "N1 N2 P1 P2",
                                  "negative=N1 N2;positive=P1 P2")).iloc[0]
    assert out["verdict"] == expected
    assert out["low"] == pytest.approx(max(worded.read(t).low for t in neg))


def test_not_testable(inputs):
    out = run(inputs, tidy_of(fig("E01", "37%")),
              claim("not_testable", "", kind="qualitative", notes="About Belarus.")).iloc[0]
    assert out["verdict"] == "not testable" and out["evidence"] == "About Belarus."
    assert out["sources"] == "" and np.isnan(out["p_value"])


# -------------------------------------------------------------------------------- register
@pytest.fixture(scope="module")
def register(inputs):
    tidy = figures.load()
    return run(inputs, tidy, *load_claims(tidy=tidy), deff=None)


def test_register_columns_and_vocabulary(register):
    assert sorted(register.reset_index().columns) == sorted(claims.COLUMNS)
    assert register.index.is_unique and len(register) == 28
    assert set(register["verdict"]) <= set(claims.VERDICTS)
    counts = claims.verdict_counts(register.reset_index())
    assert counts.loc["all", "all"] == 28
    sentence = claims.summary_sentence(register.reset_index())
    testable = int((register["verdict"] != "not testable").sum())
    assert sentence.startswith(f"Of {testable} testable claims,")


def test_register_key_verdicts(register):
    """The study's headline verdicts on the committed data (deff from Levada's table)."""
    v = register["verdict"]
    assert v["C04"] == "not testable"  # E04 26%: one source, no check
    assert register.loc["C04", "provenance"] == "1 source (essay)"
    assert register.loc["C01", "provenance"].endswith("E01/S01 agree")  # 37% and "a third"
    assert v["C13"] == "supported"  # Holm over the essay's two, rounding as noise
    # the interval of the verdict's test (rounding as noise): the issue's -10.72 to -1.25
    assert register.loc["C13", "low"] == pytest.approx(-10.722, abs=1e-3)
    assert register.loc["C13", "high"] == pytest.approx(-1.253, abs=1e-3)
    assert v["C14"] == "inconclusive"  # 40 -> 36, p = 0.09
    assert v["C16"] == "not identifiable"  # the 40-54 cell could be the highest
    assert v["C17"] == "inconclusive"  # similarity not shown
    assert v["C19"] == "supported" and v["C21"] == "supported"
    assert register.loc["C14", "p_value"] == pytest.approx(0.091, abs=1e-3)


def test_changing_one_raw_figure_flips_exactly_its_verdicts(inputs, tmp_path):
    """April 2025 'traitors' E01 37 -> 43 in a copy of data/raw: only claims that use E01
    change, among them C01 (now disagrees with 'a third') and C13 (no longer a fall)."""
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)

    def evaluate() -> pd.Series:
        tidy = load.tidy_figures(load.load_figures(raw=raw))
        register = load_claims(paths.DATA / "claims" / "essay-chasm-2025.csv", tidy=tidy)
        return run(inputs, tidy, *register, deff=None)["verdict"]

    before = evaluate()
    essay = raw / "essay_figures.csv"
    lines = essay.read_text(encoding="utf-8").splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if line.startswith("E01,")]
    assert ",37,37%," in lines[index]
    lines[index] = lines[index].replace(",37,37%,", ",43,43%,")
    essay.write_text("".join(lines), encoding="utf-8")
    after = evaluate()

    changed = set(before.index[before != after])
    uses_e01 = {c.claim_id for c in load_claims() if "E01" in c.figure_ids}
    assert changed and changed <= uses_e01
    assert "C13" in changed
    assert after["C13"] == "inconclusive"
    # provenance moves apart from the verdicts: E01 43% no longer agrees with "a third"
    tidy = load.tidy_figures(load.load_figures(raw=raw))
    from chasm.analysis.verdicts import provenance

    assert provenance(tidy, ["E01", "S01"]).endswith("E01/S01 disagree")


def test_every_verdict_has_a_meaning_and_every_rule_its_arguments_and_docstring():
    assert all(meaning for _, meaning in claims.VOCABULARY)
    assert set(rules.RULES) == set(claims.RULE_ARGS)
    for name, rule in rules.RULES.items():
        assert rule.__doc__, name


def test_evidence_is_text_only(register):
    """Evidence carries no markup (reports escape it anyway) and no absolute paths."""
    for text in register["evidence"]:
        assert not re.search(r"<\s*/?\s*[A-Za-z]", text) and str(paths.ROOT) not in text


# -------------------------------------------------------------------------------- reading it
def test_deff_sensitivity_moves_a_verdict_with_the_design_effect(inputs, test_plan):
    """43% -> 37% claimed as a fall, a family of one: p 0.013 with rounding as noise at deff
    1.9; the z-value scales with about 1/sqrt(deff), so at deff 4 it is about
    2.48 x sqrt(1.9 / 4) = 1.71 (p about 0.09: inconclusive) and at deff 1 about 3.4."""
    tidy = tidy_of(*two_waves("43%", "37%"), fig("X", "20%", option="achieve_more"))
    register = [claim("wave_change", "B A", "direction=down"),
                claim("figure", "X", cid="C02", kind="figure")]
    out = claims.deff_sensitivity(register, tidy, inputs["meta"], inputs["population"],
                                  inputs["approval"], inputs["error_table"], (1.0, 1.9, 4.0),
                                  plan=test_plan)
    assert out.columns.tolist() == ["deff 1", "deff 1.9", "deff 4"]
    assert out.index.tolist() == ["C01", "C02"]
    assert out.loc["C01"].tolist() == ["supported", "supported", "inconclusive"]
    assert out.loc["C02"].tolist() == ["not testable"] * 3


def test_deff_sensitivity_equals_evaluate_at_each_design_effect(inputs):
    """deff_sensitivity shares what does not depend on the design effect (weights, cells, the
    plan) across design effects and skips evidence text: every register's verdicts must equal
    those of evaluate run afresh at each design effect, and at least one must move."""
    tidy = figures.load()
    registers = claims.load_registers(tidy=tidy)
    deffs = (1.0, 1.9, 4.0, 9.0)
    moved = 0
    for register in registers.values():
        out = claims.deff_sensitivity(register, tidy, inputs["meta"], inputs["population"],
                                      inputs["approval"], inputs["error_table"], deffs)
        expected = pd.DataFrame({
            f"deff {formats.fmt_short(d)}": claims.evaluate(
                register, tidy, inputs["meta"], inputs["population"], inputs["approval"],
                inputs["error_table"], deff=d).set_index("claim_id")["verdict"]
            for d in deffs})
        pd.testing.assert_frame_equal(out, expected)
        moved += int((out.nunique(axis=1) > 1).sum())
    assert moved


def test_shared_context_answers_as_context(inputs):
    """The context deff_sensitivity shares across design effects looks each cell and weight
    up once: asked twice, in any order, it answers exactly as a fresh Context does."""
    tidy = figures.load()
    args = (tidy, inputs["meta"], inputs["population"], inputs["approval"], 1.9)
    fresh = context.Context(*args)
    shared = claims._SharedWeights(*args, memo={})
    for _ in range(2):
        for _, row in tidy.iterrows():
            pd.testing.assert_frame_equal(shared.cell_figures(row), fresh.cell_figures(row))
            pd.testing.assert_frame_equal(shared.cell_figures(row, "all", "all"),
                                          fresh.cell_figures(row, "all", "all"))
            variable, wave = row["subgroup_var"], row["wave"]
            if variable == "all":
                continue
            (w1, where1), (w2, where2) = shared.weights(variable, wave), fresh.weights(variable,
                                                                                      wave)
            assert where1 == where2
            if w2 is None:
                assert w1 is None
                continue
            pd.testing.assert_series_equal(w1, w2)
            if row["subgroup"] in w2.index:
                assert (shared.weight_range(variable, wave, row["subgroup"])
                        == fresh.weight_range(variable, wave, row["subgroup"]))


def test_negative_majority_widens_with_bonferroni_intervals(inputs):
    """The sampling-widened union bounds use each option's interval at alpha / k (k options of
    that side), as 04_multiresponse does, so that all k intervals hold at once."""
    from chasm.stats.frechet import union_bounds
    from chasm.stats.intervals import share_interval

    tidy = tidy_of(*options(N1=("traitors", "37%"), N2=("no_faith_in_future", "36%"),
                            P1=("achieve_more", "26%"), P2=("children_future", "18%")))
    out = run(inputs, tidy, claim("negative_majority", "N1 N2 P1 P2",
                                  "negative=N1 N2;positive=P1 P2")).iloc[0]
    ci = share_interval(np.array([37.0, 36.0]), 1600, DEFF, 0.05 / 2,
                        low_pct=np.array([36.5, 35.5]), high_pct=np.array([37.5, 36.5]))
    lo, hi = union_bounds(list(zip(ci["ci_low"], ci["ci_high"], strict=True)))
    assert f"({fmt_evidence_range(lo, hi)} with sampling error)" in out["evidence"]
    plain = share_interval(np.array([37.0, 36.0]), 1600, DEFF, 0.05,
                           low_pct=np.array([36.5, 35.5]), high_pct=np.array([37.5, 36.5]))
    assert lo < max(plain["ci_low"])  # wider than the unadjusted intervals
