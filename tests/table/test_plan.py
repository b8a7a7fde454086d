"""The analysis plan (chasm.analysis.plan): loading and checking data/plan.yaml, the family of any
two
waves, and the one home of a wave comparison's adjusted p."""

import json

import pandas as pd
import pytest

from chasm import paths
from chasm.analysis import plan, waves
from chasm.data import figures, load, schema
from chasm.stats.multiplicity import adjust_pvalues


@pytest.fixture(scope="module")
def meta():
    return load.load_metadata()


@pytest.fixture(scope="module")
def the_plan(meta):
    return plan.load_plan(meta=meta)


def test_the_committed_plan(the_plan):
    ids = the_plan.comparisons.set_index("comparison_id")
    assert ids.loc["W-traitors", "method"] == "holm" and ids.loc["W-traitors", "claim"] == "C13"
    assert ids.loc["W-no_faith", "family"] == "essay_waves"
    assert set(ids.loc[ids["family"] == "waves_screen", "method"]) == {"fdr_bh"}
    assert the_plan.comparison_of("C13")["comparison_id"] == "W-traitors"
    assert the_plan.comparison_of("C99") is None
    assert the_plan.claim_method("C15") == "intersection_union" and the_plan.margin == 3.0
    table = plan.family_table(the_plan)
    assert table["family"].iloc[-1] == "post_hoc" and (table["why"].str.len() > 10).all()
    # the plan tells its history: the families and the rounding treatment were fixed after
    # the wave tests had been computed (git: tests in f217a4a, the plan in 74de403)
    assert set(table["fixed"]) == {"after"}
    assert the_plan.fixed_after("families") and the_plan.fixed_after("rounding")
    assert not the_plan.fixed_after("margin") and not the_plan.fixed_after("alpha")
    hist = plan.history_table(the_plan).set_index("choice_id")
    assert hist.loc["families", "commit"] == "74de403"
    note = plan.post_hoc_note(the_plan, ("families", "rounding", "margin"))
    assert note.startswith("Post hoc: ") and "74de403" in note and "margin" not in note
    assert plan.post_hoc_note(the_plan, ("alpha",)) == ""
    assert plan.post_hoc_note(the_plan) == plan.post_hoc_note(the_plan, list(the_plan.history))


def test_the_history_records_the_choices_the_schema_requires(the_plan):
    """The choices a history records have one home, the plan's schema."""
    required = json.loads((paths.DATA / "schema" / "plan.schema.json").read_text(
        encoding="utf-8"))["properties"]["history"]["required"]
    assert list(the_plan.history) == required


def test_the_history_commits_exist_and_precede_in_order():
    """The commits the history names are in the repository, the tests before the plan."""
    import subprocess

    from chasm import paths

    def date(commit):
        out = subprocess.run(["git", "-C", str(paths.ROOT), "log", "-1", "--format=%ct", commit],
                             capture_output=True, text=True)
        return int(out.stdout) if out.returncode == 0 and out.stdout.strip() else None

    the = plan.load_plan()
    dates = {k: date(h["commit"]) for k, h in the.history.items()}
    if any(d is None for d in dates.values()):
        pytest.skip("not a git checkout with the project's history")
    first_tests = date("f217a4a")
    for key, h in the.history.items():
        if h["fixed"] == "before":
            assert dates[key] <= first_tests, key
        else:
            assert dates[key] > first_tests, key


GOOD = """
alpha: 0.05
history:
  alpha: {fixed: before, commit: abcdef1, choice: a, was: "", effect: ""}
  families: {fixed: after, commit: abcdef1, choice: a, was: b, effect: c}
  rounding: {fixed: after, commit: abcdef1, choice: a, was: b, effect: c}
  margin: {fixed: before, commit: abcdef1, choice: a, was: b, effect: c}
  claim_families: {fixed: after, commit: abcdef1, choice: a, was: b, effect: c}
equivalence: {margin: 5.0, why: a reason}
families:
  f:
    role: confirmatory
    method: holm
    why: a reason
    comparisons:
      - {id: W1, claim: C1, question: why_people_leave, option: traitors,
         waves: [2024-03, 2025-04]}
post_hoc: {method: fdr_bh, why: a reason}
"""


@pytest.mark.parametrize("old, new, message", [
    ("method: holm", "method: bonferroni",
     "line 13, key 'families.f.method': value 'bonferroni': unknown method; known: holm, fdr_bh"),
    ("role: confirmatory", "role: main", "key 'families.f.role': value 'main': must be one of"),
    ("option: traitors", "option: heroes",
     "key 'families.f.comparisons.\\[1\\].option': value 'heroes': unknown option"),
    ("[2024-03, 2025-04]", "[2024-03, 2024-03]", "two different known waves"),
    ("margin: 5.0", "margin: 0", "key 'equivalence.margin': value '0': must be a number of points"),
    ("post_hoc: {method: fdr_bh, why: a reason}", "", "key 'post_hoc': required key is missing"),
    ("margin: {fixed: before,", "margin: {fixed: earlier,",
     "key 'history.margin.fixed': value 'earlier'"),
    ("alpha: {fixed: before, commit: abcdef1", "alpha: {fixed: before, commit: HEAD",
     "key 'history.alpha.commit': value 'HEAD': is not a commit hash"),
    ("  claim_families: {fixed: after, commit: abcdef1, choice: a, was: b, effect: c}\n", "",
     "key 'history.claim_families': required key is missing"),
])
def test_load_plan_errors(tmp_path, meta, old, new, message):
    """Structure is refused by the schema (data/schema/plan.schema.json), meaning by
    load_plan: either way one message naming file, line, key and the value as written."""
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(schema.RawDataError, match=message) as caught:
        plan.load_plan(path, meta)
    assert str(caught.value).startswith(f"{path}, line ")


def test_duplicate_ids_and_claims_refused(tmp_path, meta):
    twice = GOOD + "      - {id: W1, question: why_people_leave, option: no_faith_in_future,\n" \
        "         waves: [2024-03, 2025-04]}\n"
    path = tmp_path / "plan.yaml"
    path.write_text(twice.replace("post_hoc: {method: fdr_bh, why: a reason}\n", "")
                    + "post_hoc: {method: fdr_bh, why: a reason}\n", encoding="utf-8")
    with pytest.raises(plan.PlanError, match="used twice"):
        plan.load_plan(path, meta)


def test_wave_family_declared_and_post_hoc(the_plan):
    shared = pd.DataFrame({"question": ["why_people_leave", "why_people_leave", "q"],
                           "option": ["traitors", "no_faith_in_future", "extra"]})
    fam = plan.wave_family(the_plan, "2024-03", "2025-04", shared).set_index("option")
    assert fam.loc["traitors", "comparison_id"] == "W-traitors"
    assert fam.loc["extra", "family"] == "post_hoc" and not fam.loc["extra", "declared"]
    other = plan.wave_family(the_plan, "2022-02", "2024-03", shared.iloc[:1])
    assert other["comparison_id"].tolist() == ["post-hoc:traitors:2022-02:2024-03"]
    assert other["method"].tolist() == ["fdr_bh"]


def test_wave_tests_adjust_within_each_family_by_its_method(the_plan, meta):
    res = plan.wave_tests(the_plan, figures.load(), meta, 1.9)
    best = res[res["best"]]
    for name, fam in best.groupby("family"):
        method = the_plan.families[name]["method"]
        assert fam["p_adjusted"].tolist() == pytest.approx(
            adjust_pvalues(fam["p_rounding"].to_numpy(), method=method).tolist())
    traitors = best.set_index("comparison_id").loc["W-traitors"]
    assert traitors["p_adjusted"] == pytest.approx(2 * traitors["p_rounding"])
    # 03_waves computes the same rows for the plan's waves
    pairs = waves.wave_pairs(figures.load(), "2024-03", "2025-04")
    again = waves.compare_pairs(pairs, 1600, 1600, 1.9, 0.05, the_plan.margin,
                                plan.wave_family(the_plan, "2024-03", "2025-04", pairs))
    assert again.set_index("comparison_id").loc["W-traitors", "p_adjusted"] == \
        traitors["p_adjusted"]


def test_wave_tests_tipping_points_only_on_request(the_plan, meta):
    """The tipping columns cost root finding: plan.wave_tests leaves them NaN unless asked,
    and asked for they are compare.robustness at the family's level, the same numbers."""
    import numpy as np

    from chasm.analysis import compare

    tidy = figures.load()
    plain = plan.wave_tests(the_plan, tidy, meta, 1.9).set_index("comparison_id")
    tipped = plan.wave_tests(the_plan, tidy, meta, 1.9, tipping=True).set_index("comparison_id")
    assert plain["tipping_deff"].isna().all()
    row = tipped.loc["W-traitors"]
    ref = compare.robustness(row["p1"], row["p2"], row["n1"], row["n2"], 1.9, row["noise_var"],
                             compare.family_level(row["p_rounding"], row["p_adjusted"], 0.05))
    assert row["tipping_deff"] == ref["tipping_deff"].iloc[0]
    assert np.isfinite(row["tipping_deff"])
    assert plain["p_adjusted"].equals(tipped["p_adjusted"])
