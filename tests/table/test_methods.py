"""chasm.analysis.methods: the 09_methods tables, on synthetic comparison rows and on the project's
own
plan (the verdict's adjusted p reproduced at tau = 0, the issue's hand numbers)."""

import numpy as np
import pandas as pd
import pytest

from chasm.analysis import methods
from chasm.report import ParameterError
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.nonsampling import pvalues_with_tau
from chasm.stats.posterior import change_posterior


def _rows():
    """Three comparisons of one Holm family over three different wave pairs, one exploratory."""
    return pd.DataFrame({
        "comparison_id": ["A", "B", "C", "D"], "label": ["a", "b", "c", "d"],
        "role": ["confirmatory"] * 3 + ["exploratory"],
        "family": ["f", "f", "f", "g"], "method": ["holm", "holm", "holm", "fdr_bh"],
        "question": "q", "option": ["a", "b", "c", "d"],
        "wave1": ["2001-01", "2002-01", "2003-01", "2001-01"],
        "wave2": ["2001-06", "2002-06", "2004-01", "2001-06"],
        "text_1": ["50%", "30%", "a third", "10%"], "text_2": ["42%", "33%", "20%", "10%"],
        "p1": [50, 30, 100 / 3, 10], "p2": [42, 33, 20, 10],
        "low1": [49.5, 29.5, 28.333, 9.5], "high1": [50.5, 30.5, 38.333, 10.5],
        "low2": [41.5, 32.5, 19.5, 9.5], "high2": [42.5, 33.5, 20.5, 10.5],
        "n1": 1600.0, "n2": [1600.0, 1200.0, 1600.0, 1600.0], "deff": 1.9,
        "diff": [-8.0, 3.0, -13.333, 0.0], "z": [-3.2, 1.3, -5.0, 0.0],
        "ci_low": [-12.9, -1.5, -18.0, -2.0], "ci_high": [-3.1, 7.5, -8.5, 2.0]})


def test_posterior_rows_follow_the_published_direction_and_ranges():
    post = methods.posterior_table(_rows(), "confirmatory", 0.05)
    assert list(post["comparison_id"]) == ["A", "B", "C"]
    assert list(post["direction"]) == ["fall", "rise", "fall"]
    # smallest size the ranges allow: 49.5 - 42.5 = 7, 32.5 - 30.5 = 2, 28.333 - 20.5
    assert post["smallest size the figures allow (points)"].tolist() == pytest.approx(
        [7.0, 2.0, 28.333 - 20.5])
    ref = change_posterior(29.5, 30.5, 32.5, 33.5, 1600, 1200, 1.9, 1.9, sizes=[2, 3],
                           direction=1)
    b = post.set_index("comparison_id").loc["B"]
    assert b["P(change in that direction)"] == pytest.approx(ref.p_direction)
    assert b["P(beyond the published size)"] == pytest.approx(ref.p_beyond[1])


def test_tau_table_adjusts_within_the_plans_family_and_flips_where_it_says():
    rows = _rows()
    taus = methods.tau_table(rows, "confirmatory", 0.05).set_index("comparison_id")
    assert list(taus.index) == ["A", "B", "C"]  # the exploratory family is left out
    fam = rows[rows["family"] == "f"].reset_index(drop=True)
    var = methods._verdict_variance(fam)
    # the verdict's variance: (diff / z)^2 plus (width^2 / 12) per figure
    assert var[2] == pytest.approx((13.333 / 5.0) ** 2 + 100 / 12 + 1 / 12)
    for i, cid in enumerate(fam["comparison_id"]):
        tip = taus.loc[cid, "tipping tau (points)"]
        adj0 = adjust_pvalues(pvalues_with_tau(fam["diff"], var, 0.0), "holm")[i]
        assert taus.loc[cid, "p_adjusted"] == pytest.approx(adj0)
        if adj0 < 0.05:
            at = adjust_pvalues(pvalues_with_tau(fam["diff"], var, tip), "holm")[i]
            assert at == pytest.approx(0.05, abs=1e-9)
        else:
            assert tip == 0.0


def test_design_rows_per_effect():
    d = methods.design_table(_rows(), "confirmatory", [1, 4], 0.05)
    assert len(d) == 6 and set(d["plausible true change (points)"]) == {1.0, 4.0}
    assert (d["expected significant size (points)"] >= d["plausible true change (points)"]).all()
    assert "point" in methods.design_sentence(d).data


def test_tracker_tau_windows():
    months = pd.period_range("2000-01", periods=60, freq="M").astype(str)
    rng = np.random.default_rng(1)
    monthly = pd.DataFrame({"month": months,
                            "point": np.round(60 + np.cumsum(rng.normal(0, 1, 60))),
                            "n": 1600.0})
    monthly.loc[10, "point"] = np.nan
    t = methods.tracker_tau(monthly, 1.9, (None, 24))
    assert list(t["window"]) == ["whole series", "last 24 months"]
    assert t["monthly changes"].tolist() == [57, 23]
    assert t["to"].tolist() == [months[-1]] * 2


# -- on the project's own data -----------------------------------------------------------------
@pytest.fixture(scope="module")
def project():
    from chasm.analysis import plan
    from chasm.data import figures, load
    from chasm.stats import design

    analysis = plan.load_plan()
    tidy, meta = figures.load(), load.load_metadata()
    deff = design.deff_from_error_table(load.load_error_table()).deff
    tests = methods.comparisons(analysis, tidy, meta, deff, None)
    return analysis, tidy, meta, deff, tests


def test_the_verdicts_adjusted_p_is_reproduced_at_tau_zero(project):
    analysis, _, _, _, tests = project
    taus = methods.tau_table(tests, "confirmatory", analysis.alpha)
    plan_p = tests.set_index("comparison_id")["p_adjusted"]
    for r in taus.itertuples(index=False):
        assert r.p_adjusted == pytest.approx(plan_p[r.comparison_id], rel=1e-9)
    assert set(taus["comparison_id"]) == set(
        analysis.comparisons.loc[analysis.comparisons["role"] == "confirmatory", "comparison_id"])


def test_issue_hand_numbers_for_the_traitors_fall(project):
    *_, tests = project
    post = methods.posterior_table(tests, "confirmatory", 0.05).set_index("comparison_id")
    t = post.loc["W-traitors"]
    assert round(t["P(change in that direction)"], 2) == 0.99
    assert t["smallest size the figures allow (points)"] == 5.0
    assert round(t["P(beyond the smallest size)"], 2) == 0.66


def test_decomposition_on_the_project(project):
    _, tidy, meta, _, tests = project
    from chasm.data import load

    dec = methods.decomposition_table(tests, "confirmatory", tidy, meta, load.load_approval())
    assert "W-traitors" in set(dec["comparison_id"])
    row = dec.set_index("comparison_id").loc["W-traitors"]
    assert row["composition, low (points)"] < 0 < row["composition, high (points)"]
    # composition cannot explain more than a small part of a 6-point fall
    assert abs(row["composition, low (points)"]) < 2
    text = methods.decomposition_sentence(dec, "approval").data
    assert "at most" in text and "derived" in text
    with pytest.raises(ParameterError, match="only putin_approval"):
        methods.decomposition_table(tests, "confirmatory", tidy, meta, load.load_approval(), "age")


def test_unknown_role_is_refused(project):
    analysis, tidy, meta, deff, _ = project
    with pytest.raises(ParameterError, match="roles"):
        methods.comparisons(analysis, tidy, meta, deff, None, role="primary")


def test_another_role_runs_and_a_zero_change_is_said_so(project):
    # nothing assumes the confirmatory pair: the exploratory screen (three comparisons, two
    # with no published change) goes through every table
    analysis, tidy, meta, deff, _ = project
    from chasm.data import load

    tests = methods.comparisons(analysis, tidy, meta, deff, None, role="exploratory")
    post = methods.posterior_table(tests, "exploratory", 0.05)
    ids = set(analysis.comparisons.loc[analysis.comparisons["role"] == "exploratory",
                                       "comparison_id"])
    assert set(post["comparison_id"]) == ids
    zero = post[post["published change (points)"] == 0]
    assert len(zero) and (zero["direction"] == "rise (none published)").all()
    assert "P(rise (" not in methods.posterior_sentence(post, "95%").data
    taus = methods.tau_table(tests, "exploratory", 0.05)
    assert set(taus["comparison_id"]) == ids
    dec = methods.decomposition_table(tests, "exploratory", tidy, meta, load.load_approval())
    text = methods.decomposition_sentence(dec, "approval").data
    assert "nan" not in text
    if (dec["published change (points)"] == 0).any():
        assert "nothing to explain" in text
