"""chasm.analysis.series on synthetic tables: selection, parameter rejection, too few waves, the
family
over a series, the approval series as figures, and changes whose verdict the source decides."""

import html

import numpy as np
import pandas as pd
import pytest

from chasm.analysis import series
from chasm.data import worded
from chasm.report import ParameterError
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.trend import logistic_trend
from chasm.stats.twosample import compare_waves


def _md(sentence):
    """A sentence function's Markdown text (what the report shows, before rendering)."""
    return lambda *args, **kwargs: sentence(*args, **kwargs).data

DEFF = 1.9
META = {
    "waves": {w: {"n": 1600, "n_assumed": True, "label": f"wave {w}", "approval_month": w}
              for w in ("2020-01", "2020-06", "2021-01", "2021-06")},
    "subgroups": {"all": {"groups": {"all": {"label": "all respondents"}}},
                  "age": {"groups": {"young": {"label": "young", "min_age": 18,
                                               "max_age": 39},
                                     "old": {"label": "old", "min_age": 40,
                                             "max_age": None}}}},
    "questions": {"q": {"wording_en": "A synthetic question?", "response": "single",
                        "base": "all", "options": {"yes": {"label": "say yes"},
                                                   "no": {"label": "say no"}}}},
}
META["waves"]["2021-06"]["n"] = 1200
SOURCES = pd.DataFrame({"source_id": ["a-release", "b-paper", "c-blog", "levada-approval"],
                        "kind": ["primary", "essay", "secondary", "primary"],
                        "publisher": ["Alpha Center", "Beta Times", "Gamma Blog", "Levada"],
                        "title": ["Release", "Paper", "Blog post", "Ratings"]})
POP = pd.DataFrame({"age": range(101), "total": 1})
APPROVAL = pd.DataFrame({"month": ["2020-01", "2020-02", "2020-06"],
                         "approve": [60.0, 65.0, 70.0], "disapprove": [30.0, np.nan, 25.0],
                         "no_answer": [10.0, np.nan, np.nan],
                         "source_id": "levada-approval", "note": [None, "derived", None]})


def fig(fid, source, wave, text, option="yes", var="all", group="all"):
    kind = dict(zip(SOURCES["source_id"], SOURCES["kind"], strict=True))[source]
    r = worded.read(text)
    return {"figure_id": fid, "source_id": source, "source_kind": kind, "wave": wave,
            "question": "q", "option": option, "subgroup_var": var, "subgroup": group,
            "value_pct": r.point if r.rule == "number" else np.nan, "value_text": text,
            "point": np.nan if r.point is None else r.point, "low": r.low, "high": r.high,
            "rule": r.rule, "where": "synthetic", "note": ""}


def tidy(*rows):
    return pd.DataFrame(list(rows))


def pick(table, **kw):
    kw = {"question": "q", "option": "yes", **kw}
    return series.select(table, APPROVAL, META, SOURCES, POP, **kw)


# A wave (2020-06) with two disagreeing sources: 40% -> 34% (Alpha) is a fall beyond sampling
# error, 40% -> 38% (Beta) is not.
CONFLICT = tidy(fig("F1", "a-release", "2020-01", "40%"), fig("F2", "a-release", "2020-06", "34%"),
                fig("F3", "b-paper", "2020-06", "38%"), fig("F4", "a-release", "2020-01", "55%",
                                                           option="no"))


# -- selection ---------------------------------------------------------------------------------
def test_select_keeps_the_cell_with_outlets_times_and_sizes():
    sel = pick(CONFLICT)
    f = sel.figures
    assert list(f["figure_id"]) == ["F1", "F2", "F3"]
    assert sel.waves == ["2020-01", "2020-06"] and sel.enough
    assert dict(zip(f["figure_id"], f["best"], strict=True)) == {"F1": True, "F2": True,
                                                                 "F3": False}
    assert list(f["outlet"]) == ["Alpha Center", "Alpha Center", "Beta Times"]
    assert f["years"].tolist() == pytest.approx([2020 + 0.5 / 12, 2020 + 5.5 / 12,
                                                 2020 + 5.5 / 12])
    assert f["n"].tolist() == [1600, 1600, 1600] and f["n_assumed"].all()
    assert sel.option_label == "say yes" and sel.question_label == "A synthetic question?"


def test_waves_narrow_the_series():
    table = tidy(*[fig(f"G{i}", "a-release", w, f"{30 + i}%") for i, w in
                   enumerate(META["waves"])])
    assert pick(table, waves=["2021-06", "2020-01"]).waves == ["2020-01", "2021-06"]
    assert pick(table, waves="2021-01").waves == ["2021-01"]
    assert pick(table, n=1000).figures["n"].eq(1000).all()
    assert pick(table).figures.set_index("wave").loc["2021-06", "n"] == 1200


@pytest.mark.parametrize("kw, listed", [
    ({"question": "nope"}, "questions with figures: putin_approval, q"),
    ({"option": "maybe"}, "options with figures: no, yes"),
    ({"subgroup_var": "age", "subgroup": "old"}, "groups with figures: all/all"),
    ({"waves": ["2020-01", "2019-12"]}, "2019-12 not in the data"),
    ({"waves": []}, "no wave given"),
])
def test_parameters_the_data_do_not_have_are_rejected_listing_what_exists(kw, listed):
    with pytest.raises(ParameterError, match="waves the data have: 2020-01, 2020-06"
                       if "waves" in kw else listed) as err:
        pick(CONFLICT, **kw)
    assert listed in str(err.value)


def test_family_method_is_checked():
    series.check_family_method("fdr_bh")
    with pytest.raises(ParameterError, match="holm, fdr_bh"):
        series.check_family_method("bonferroni")


def test_fewer_than_two_waves_is_one_sentence_and_nothing_to_test():
    sel = pick(CONFLICT, option="no")
    assert not sel.enough
    sentence = _md(series.too_few_sentence)(sel)
    assert sentence.count(".") == 1 and "only 2020-01 has" in sentence
    changes = series.adjacent_changes(sel, DEFF)
    assert changes.empty and series.trend_tests(sel, DEFF) is None
    assert series.changes_view(changes, 0.05) is None
    assert _md(series.conflict_sentences)(changes) == "" and _md(series.changes_sentence)(
        changes, 0.05, "holm") == ""
    assert _md(series.too_few_sentence)(pick(CONFLICT)) == ""
    out = series.key_numbers(sel, series.shares(sel, DEFF), changes, None, DEFF, "holm")
    assert list(out["part"]) == ["share"]


def test_a_bound_cannot_be_tested():
    table = tidy(fig("B1", "a-release", "2020-01", "40%"),
                 fig("B2", "a-release", "2020-06", "no more than 10%"))
    sel = pick(table)
    assert not sel.enough and "only 2020-01" in _md(series.too_few_sentence)(sel)
    sh = series.shares(sel, DEFF)
    assert sh.set_index("figure_id").loc["B2", "ci_high"] > 10.5


# -- the source decides ------------------------------------------------------------------------
def test_the_change_a_source_conflict_decides_is_flagged_and_named_by_outlet():
    sel = pick(CONFLICT)
    changes = series.adjacent_changes(sel, DEFF)
    assert len(changes) == 2 and changes["step"].eq(1).all()
    by = changes.set_index("figure_id_2")
    ref = compare_waves([40, 40], [34, 38], 1600, 1600, DEFF, DEFF)
    assert by.loc["F2", "p_value"] == pytest.approx(ref["p_value"][0])
    assert by.loc["F3", "p_value"] == pytest.approx(ref["p_value"][1])
    assert by.loc["F2", "p_adjusted"] < 0.05 < by.loc["F3", "p_adjusted"]
    assert by.loc["F2", "verdict"] == "larger than sampling error"
    assert by.loc["F3", "verdict"] == "within sampling error"
    assert changes["depends_on_source"].all() and by.loc["F2", "best"]
    text = _md(series.conflict_sentences)(changes)
    assert "Alpha Center's \"40%\" (F1)" in text and "Beta Times's \"38%\" (F3)" in text
    assert "the verdict depends on which source is believed" in text
    assert "essay" not in text and "primary" not in text
    assert "depends on the source" in series.headline(sel, series.shares(sel, DEFF), changes,
                                                      series.trend_tests(sel, DEFF), 0.05)


def test_agreeing_alternatives_are_not_flagged():
    table = tidy(fig("F1", "a-release", "2020-01", "40%"), fig("F2", "a-release", "2020-06", "20%"),
                 fig("F3", "c-blog", "2020-06", "a fifth"))
    changes = series.adjacent_changes(pick(table), DEFF)
    assert len(changes) == 2 and not changes["depends_on_source"].any()
    text = _md(series.conflict_sentences)(changes)
    assert "every combination of sources gives the same verdict" in text
    assert "Gamma Blog" in text


def test_no_alternatives_says_so():
    table = tidy(fig("F1", "a-release", "2020-01", "40%"), fig("F2", "a-release", "2020-06", "30%"))
    changes = series.adjacent_changes(pick(table), DEFF)
    assert series.source_conflicts(changes).empty
    assert "no verdict can depend on the source" in _md(series.conflict_sentences)(changes)


def test_publisher_shared_by_two_alternatives_adds_the_title():
    sources = pd.concat([SOURCES, pd.DataFrame({"source_id": ["a-other"], "kind": ["primary"],
                                                "publisher": ["Alpha Center"],
                                                "title": ["Another release"]})])
    table = tidy(fig("F1", "a-release", "2020-01", "40%"), fig("F2", "a-release", "2020-06", "34%"))
    table = pd.concat([table, tidy(fig("F3", "a-release", "2020-06", "38%"))
                       .assign(source_id="a-other")], ignore_index=True)
    sel = series.select(table, APPROVAL, META, sources, POP, question="q", option="yes")
    text = _md(series.conflict_sentences)(series.adjacent_changes(sel, DEFF))
    assert "Alpha Center, \"Another release\"'s \"38%\" (F3)" in html.unescape(text)


# -- the family over the series ----------------------------------------------------------------
def test_adjacent_changes_are_adjusted_over_the_series():
    table = tidy(fig("S1", "a-release", "2020-01", "40%"), fig("S2", "a-release", "2020-06", "35%"),
                 fig("S3", "a-release", "2021-01", "36%"), fig("S4", "a-release", "2021-06", "44%"))
    sel = pick(table)
    for method in ("holm", "fdr_bh"):
        changes = series.adjacent_changes(sel, DEFF, method=method)
        assert list(changes["wave_1"]) == ["2020-01", "2020-06", "2021-01"]
        assert list(changes["months"]) == [5, 7, 5]
        ref = compare_waves([40, 35, 36], [35, 36, 44], [1600, 1600, 1600],
                            [1600, 1600, 1200], DEFF, DEFF)["p_value"].to_numpy()
        assert changes["p_value"].to_numpy() == pytest.approx(ref)
        # the verdict's p adds both figures' rounding as noise (1/12 point^2 each) and is
        # the one adjusted over the series
        assert (changes["p_rounding"] > changes["p_value"]).all()
        assert changes["p_adjusted"].to_numpy() == pytest.approx(
            adjust_pvalues(changes["p_rounding"].to_numpy(), method))
        assert (changes["p_worst"] >= changes["p_value"]).all()
        assert list(changes["comparison_id"]) == ["S-yes:2020-01:2020-06",
                                                  "S-yes:2020-06:2021-01",
                                                  "S-yes:2021-01:2021-06"]
    fam = _md(series.changes_sentence)(changes, 0.05, "fdr_bh")
    assert "Benjamini-Hochberg" in fam and f"**{int((changes['p_adjusted'] < .05).sum())} of 3**" \
        in fam


def test_verdict_reads_the_adjusted_noise_p_only():
    """The least favourable rounding is robustness, never part of the reading (issue 21)."""
    assert series.verdict(0.001, 0.003, 0.05) == "larger than sampling error"
    assert "not after the Holm adjustment" in series.verdict(0.03, 0.06, 0.05)
    assert series.verdict(0.3, 0.6, 0.05) == "within sampling error"
    assert series.verdict(np.nan, np.nan, 0.05) == "no test possible"


def test_a_declared_comparison_keeps_the_plans_id_and_adjusted_p():
    """A step the plan declares takes the plan's id, family and adjusted p (one p per
    comparison in every report); the other steps form the series' family."""
    table = tidy(fig("S1", "a-release", "2020-01", "40%"), fig("S2", "a-release", "2020-06", "35%"),
                 fig("S3", "a-release", "2021-01", "36%"))
    declared = pd.DataFrame({"figure_1": ["S1"], "figure_2": ["S2"], "comparison_id": ["W-x"],
                             "family": ["plan_family"], "method": ["holm"],
                             "p_adjusted": [0.5], "p_adjusted_worst": [0.9]})
    changes = series.adjacent_changes(pick(table), DEFF, declared=declared)
    first, second = changes.iloc[0], changes.iloc[1]
    assert (first["comparison_id"], first["family"], first["p_adjusted"]) == ("W-x",
                                                                              "plan_family", 0.5)
    assert first["verdict"] == "larger than sampling error on its own, but not after the " \
        "Holm adjustment"
    # the remaining step is a family of one: its adjusted p is its own
    assert second["family"] == "series" and second["p_adjusted"] == pytest.approx(
        second["p_rounding"])


def test_trend_uses_the_chosen_figures_and_tries_every_source():
    sel = pick(CONFLICT)
    tr = series.trend_tests(sel, DEFF)
    ref = logistic_trend([40, 34], 1600, DEFF, sel.figures["years"].iloc[:2])
    assert tr["p_value"] == pytest.approx(ref.p_value) and tr["k"] == 2
    alt = logistic_trend([40, 38], 1600, DEFF, sel.figures["years"].iloc[[0, 2]]).p_value
    assert tr["combinations"] == 2
    assert (tr["p_min"], tr["p_max"]) == (pytest.approx(ref.p_value), pytest.approx(alt))
    assert "the trend verdict depends on which source is believed" in _md(series.trend_sentence)(
        tr, sel, 0.05)


# -- the approval series -----------------------------------------------------------------------
def test_approval_figures_skip_missing_shares():
    rows = series.approval_figures(APPROVAL, SOURCES)
    assert len(rows) == 3 + 2 + 1
    assert set(rows.loc[rows["option"] == "disapprove", "wave"]) == {"2020-01", "2020-06"}
    by = rows.set_index("figure_id")
    assert (by.loc["A2020-01-approve", "low"], by.loc["A2020-01-approve", "high"]) == (59.5, 60.5)
    # a derived month (the sum of two published whole numbers) can be off by 1, not 0.5
    r = by.loc["A2020-02-approve"]
    assert (r["point"], r["low"], r["high"], r["source_kind"]) == (65, 64.0, 66.0, "primary")
    assert "derived sum" in r["rule"]


def test_approval_series_takes_n_from_metadata_else_the_standard_n():
    table = CONFLICT
    sel = series.select(table, APPROVAL, META, SOURCES, POP, question="putin_approval",
                        option="approve", standard_n=1700)
    n = sel.figures.set_index("wave")["n"]
    assert n.to_dict() == {"2020-01": 1600, "2020-02": 1700, "2020-06": 1600}
    assert "N = 1700" in sel.n_note.data and "for the other 1 months" in sel.n_note.data
    assert sel.figures["n_assumed"].all()
    dis = series.select(table, APPROVAL, META, SOURCES, POP, question="putin_approval",
                        option="disapprove")
    assert dis.missing == ("2020-02",)
    assert "without this share (left out): 2020-02" in _md(series.overview_sentence)(dis)
    with pytest.raises(ParameterError, match="groups with figures: all/all"):
        series.select(table, APPROVAL, META, SOURCES, POP, question="putin_approval",
                      option="approve", subgroup_var="age", subgroup="old")


def test_long_series_show_only_significant_changes_and_a_count():
    months = [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(30)]
    rng = np.random.default_rng(7)
    values = np.clip(np.round(60 + np.cumsum(rng.normal(0, 3, 30))), 5, 95)
    values[15] = values[14] + 15  # one jump well beyond sampling error
    approval = pd.DataFrame({"month": months, "approve": values, "disapprove": np.nan,
                             "no_answer": np.nan, "source_id": "levada-approval", "note": None})
    sel = series.select(CONFLICT, approval, META, SOURCES, POP, question="putin_approval",
                        option="approve")
    changes = series.adjacent_changes(sel, DEFF)
    assert len(changes) == 29
    import io as _io

    view = pd.read_csv(_io.StringIO(series.changes_view(changes, 0.05).csv))
    assert 1 <= len(view) < 29 and (view["p_adjusted"] < 0.05).all()
    assert f"leaves out the other {29 - len(view)}" in series.long_changes_sentence(changes, 0.05)
    assert series.shares_view(series.shares(sel, DEFF)).rows <= 4
    out = series.key_numbers(sel, series.shares(sel, DEFF), changes,
                             series.trend_tests(sel, DEFF), DEFF, "holm")
    assert out["part"].value_counts().to_dict() == {
        "share": 30, "change": 29, "trend": 1, "equal": 1,
        "trend_robust": 2 * (len(series.HAC_LAGS) + 2)}  # 30 months a month apart: a tracker


# -- time series done as time series ------------------------------------------------------------
def _monthly(values, start=2000):
    months = [f"{start + i // 12}-{i % 12 + 1:02d}" for i in range(len(values))]
    approval = pd.DataFrame({"month": months, "approve": values, "disapprove": np.nan,
                             "no_answer": np.nan, "source_id": "levada-approval", "note": None})
    return series.select(tidy(fig("F1", "a-release", "2020-01", "40%")), approval, META,
                         SOURCES, POP, question="putin_approval", option="approve")


def test_a_wandering_monthly_series_claims_no_trend_without_a_robust_test():
    # a random walk around 60%: the binomial test sees a "trend", the robust ones decide
    rng = np.random.default_rng(11)
    values = np.clip(np.round(60 + np.cumsum(rng.normal(0, 1.5, 120))), 5, 95)
    sel = _monthly(values)
    tr = series.trend_tests(sel, DEFF)
    assert tr["robust"] is not None and set(tr["robust"]["scale"]) == {"points", "log-odds"}
    assert len(tr["robust"]) == 2 * (len(series.HAC_LAGS) + 2)
    verdict = series.robust_verdict(tr["robust"], 0.05)
    assert tr["robust_verdict"] == verdict
    ps = tr["robust"]["p_value"]
    assert verdict == ("established" if (ps < 0.05).all() else "not established"
                       if (ps >= 0.05).all() else "depends on the method")
    assert series.trend_p(tr) == pytest.approx(ps.max())
    chosen = sel.testable.sort_values("wave")
    title = series.headline(sel, series.shares(sel, DEFF), series.adjacent_changes(sel, DEFF),
                            tr, 0.05)
    if verdict == "not established":
        assert "not established beyond the autocorrelated scatter" in title
    text = _md(series.robust_sentence)(tr, sel, DEFF, 0.05)
    assert f"each of the {len(chosen) - 1} month-to-month changes" in text


def test_robust_verdict_requires_every_test():
    rob = pd.DataFrame({"p_value": [0.01, 0.02]})
    assert series.robust_verdict(rob, 0.05) == "established"
    assert series.robust_verdict(rob.assign(p_value=[0.01, 0.2]), 0.05) == "depends on the method"
    assert series.robust_verdict(rob.assign(p_value=[0.3, 0.2]), 0.05) == "not established"
    assert series.robust_verdict(None, 0.05) is None


def test_a_steady_monthly_rise_is_established():
    values = np.round(np.linspace(40, 80, 60) + np.tile([0.4, -0.4], 30))
    tr = series.trend_tests(_monthly(values), DEFF)
    assert tr["robust_verdict"] == "established" and tr["slope"] > 0


def test_a_short_series_gets_no_robust_tests():
    tr = series.trend_tests(pick(CONFLICT), DEFF)
    assert tr["robust"] is None and tr["robust_verdict"] is None
    assert _md(series.robust_sentence)(tr, pick(CONFLICT), DEFF, 0.05) == ""


def test_breaks_are_level_shifts_and_are_checked():
    table = tidy(fig("F1", "a-release", "2020-01", "19%"), fig("F2", "a-release", "2020-06", "10%"),
                 fig("F3", "a-release", "2021-01", "9%"), fig("F4", "a-release", "2021-06", "9%"))
    sel = pick(table)
    tr = series.trend_tests(sel, DEFF, breaks=["2020-06"])
    steps = (sel.testable.sort_values("wave")["wave"] >= "2020-06").astype(float)
    ref = logistic_trend([19, 10, 9, 9], [1600, 1600, 1600, 1200], DEFF,
                         sel.testable.sort_values("wave")["years"], steps=steps)
    assert tr["p_value"] == pytest.approx(ref.p_value) and tr["breaks"] == ["2020-06"]
    assert series.trend_tests(sel, DEFF)["p_value"] < tr["p_value"]
    assert "Known break at 2020-06" in _md(series.trend_sentence)(tr, sel, 0.05)
    for bad, match in [(["2020-01"], "not inside"), (["2022-01"], "not inside"),
                       (["2020-6"], "not a month"), (["2020-06", "2020-06"], "twice"),
                       (["2020-06", "2021-01"], "too few")]:
        with pytest.raises(ParameterError, match=match):
            series.trend_tests(sel, DEFF, breaks=bad)


def test_reviewer_numbers_on_levada_approval_reproduced():
    """Issue 21 item 7, recomputed here from the raw series with our own formulas: lag-1
    residual autocorrelation 0.86 (sum of products / sum of squares) to 0.90 (Pearson
    correlation of the pairs); Newey-West trend p 0.35-0.56 for lags 6-36 (the reviewer wrote
    0.36 for lag 6: we get 0.354); Cochrane-Orcutt on the logit with the Pearson rho: slope
    -0.0035 log-odds per year, p 0.82."""
    from chasm.data import load
    from chasm.stats import trend as st

    a = load.load_approval().dropna(subset=["approve"])
    t = series.wave_years(a["month"])
    y = a["approve"].to_numpy(float)
    logit = np.log(y / (100 - y))
    x = np.column_stack([np.ones(t.size), t - t.mean()])
    r = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    assert st.lag1_autocorrelation(y, t) == pytest.approx(0.861, abs=5e-4)
    assert np.corrcoef(r[:-1], r[1:])[0, 1] == pytest.approx(0.903, abs=5e-4)
    ps = [st.newey_west_trend(y, t, lags).p_value for lags in (6, 12, 24, 36)]
    assert ps == sorted(ps) and ps[0] == pytest.approx(0.354, abs=1e-3)
    assert ps[-1] == pytest.approx(0.555, abs=1e-3)
    rl = logit - x @ np.linalg.lstsq(x, logit, rcond=None)[0]
    co = st.cochrane_orcutt_trend(logit, t, rho=np.corrcoef(rl[:-1], rl[1:])[0, 1])
    assert co.slope == pytest.approx(-0.0035, abs=5e-5) and co.p_value == pytest.approx(0.82,
                                                                                         abs=5e-3)
