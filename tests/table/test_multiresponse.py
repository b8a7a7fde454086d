"""Published options of a multiple-response question and the bounds of the essay's quantities."""

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chasm import report
from chasm.analysis import multiresponse as op

META = {"questions": {"q": {"response": "multiple", "options": {
    "traitors": {"label": "traitors", "tone": "negative"},
    "no_faith": {"label": "no faith", "tone": "negative"},
    "fear": {"label": "fear", "tone": "neutral"},
    "achieve": {"label": "achieve more", "tone": "positive"},
    "children": {"label": "children", "tone": "positive"},
    "talented": {"label": "talented", "tone": "positive"},
}}, "single": {"response": "single", "options": {"yes": {"label": "yes"}}}}}


def fig(fid, kind, wave, option, text, point, low, high, rule="number", var="all", group="all"):
    return {"figure_id": fid, "source_kind": kind, "wave": wave, "question": "q",
            "option": option, "subgroup_var": var, "subgroup": group, "value_text": text,
            "point": point, "low": low, "high": high, "rule": rule}


TIDY = pd.DataFrame([
    fig("E01", "essay", "w2", "traitors", "37%", 37, 36.5, 37.5),
    fig("S01", "secondary", "w2", "traitors", "a third", 33.3, 28.3, 38.3, "words"),
    fig("E02", "essay", "w2", "no_faith", "36%", 36, 35.5, 36.5),
    fig("E03", "essay", "w2", "fear", "about a third", 33.3, 28.3, 38.3, "words"),
    fig("S03", "secondary", "w2", "fear", "29%", 29, 28.5, 29.5),
    fig("E04", "essay", "w2", "achieve", "26%", 26, 25.5, 26.5),
    fig("E05", "essay", "w2", "children", "18%", 18, 17.5, 18.5),
    fig("S06", "secondary", "w2", "talented", "17%", 17, 16.5, 17.5),
    fig("E06", "essay", "w1", "traitors", "43%", 43, 42.5, 43.5),
    fig("E07", "essay", "w1", "no_faith", "40%", 40, 39.5, 40.5),
    fig("E08", "essay", "w1", "traitors", "about half", 50, 45, 55, "words", "age", "55+"),
])
N, DEFF, ALPHA = 1600, 1.9, 0.05


def wilson(pct, alpha, n_eff=N / DEFF):
    """Wilson score interval (percent) at one share, written out from its textbook formula."""
    z = NormalDist().inv_cdf(1 - alpha / 2)
    p = pct / 100
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff ** 2)) / (1 + z * z / n_eff)
    return 100 * (centre - half), 100 * (centre + half)


# ---------------------------------------------------------------- published options


def test_wave_options_best_figure_order_and_other_sources():
    o = op.wave_options(TIDY, META, "w2", "q")
    assert list(o["option"]) == ["traitors", "no_faith", "fear", "achieve", "children",
                                 "talented"]
    fear = o.set_index("option").loc["fear"]
    assert fear["figure_id"] == "S03"  # a number beats words whatever the source
    assert fear["form"] == "number"
    assert fear["other_figures"] == "E03 essay: about a third"
    assert o.set_index("option").at["traitors", "figure_id"] == "E01"


def test_wave_options_ignores_subgroups_and_empty_wave():
    assert list(op.wave_options(TIDY, META, "w1", "q")["option"]) == ["traitors", "no_faith"]
    empty = op.wave_options(TIDY, META, "w9", "q")
    assert empty.empty and "figure_id" in empty.columns


# ---------------------------------------------------------------- mentions


def test_mention_summary_and_shares():
    s = op.mention_summary(op.wave_options(TIDY, META, "w2", "q"))
    assert s.sum_point == pytest.approx(163)
    assert s.sum_low == pytest.approx(160)
    assert s.mean_mentions_low == pytest.approx(1.60)
    assert s.multiple_by_points and s.multiple_by_ranges and s.k == 6
    few = op.mention_summary(op.wave_options(TIDY, META, "w1", "q"))
    assert few.sum_point == 83 and not few.multiple_by_points and not few.multiple_by_ranges
    shares = op.mention_shares(op.wave_options(TIDY, META, "w2", "q"))
    assert shares["share_of_mentions"].sum() == pytest.approx(100)
    assert shares.loc[0, "share_of_mentions"] == pytest.approx(37 / 163 * 100)


def test_multiple_by_ranges_is_stricter_than_points():
    o = pd.DataFrame({"point": [50.0, 55.0], "low": [45.0, 54.5], "high": [55.0, 55.5]})
    s = op.mention_summary(o)
    assert s.multiple_by_points  # 105 > 101
    assert not s.multiple_by_ranges  # 99.5: the words allow a single-response question


# ---------------------------------------------------------------- quantities


def test_define_quantities_reasons_when_a_set_is_missing():
    qs = {q.key: q for q in op.define_quantities({"traitors": "negative", "x": "neutral"})}
    assert qs["traitors"].missing is None
    assert "positive" in qs["traitors_and_any_positive"].missing
    assert qs["any_negative"].missing is None
    qs = {q.key: q for q in op.define_quantities({"achieve": "positive"})}
    assert "not published" in qs["traitors_and_no_positive"].missing
    assert "negative" in qs["no_negative"].missing


def test_bounds_match_the_hand_computed_values():
    o = op.wave_options(TIDY, META, "w2", "q")
    qs = {q.key: q for q in op.define_quantities(op.tones_of(o))}
    r = op.ranges_of(o)
    # union of positives: [25.5, 26.5 + 18.5 + 17.5 = 62.5]
    assert tuple(op.bound(qs["traitors_and_any_positive"], r)) == pytest.approx((0, 37.5))
    assert tuple(op.bound(qs["traitors_and_no_positive"], r)) == pytest.approx((0, 37.5))
    assert tuple(op.bound(qs["any_negative"], r)) == pytest.approx((36.5, 74.0))
    assert tuple(op.bound(qs["no_negative"], r)) == pytest.approx((26.0, 63.5))
    # one small positive option: "traitors and no positive" is bounded away from 0
    r1 = {"traitors": (42.5, 43.5), "talented": (12.5, 13.5)}
    qs1 = {q.key: q for q in op.define_quantities({"traitors": "negative",
                                                    "talented": "positive"})}
    assert tuple(op.bound(qs1["traitors_and_no_positive"], r1)) == pytest.approx((29.0, 43.5))
    assert tuple(op.bound(qs1["traitors_and_any_positive"], r1)) == pytest.approx((0.0, 13.5))
    # large shares: "traitors and any positive" lower bound is F + U_low - 100
    r2 = {"traitors": (70.0, 70.0), "a": (50.0, 50.0), "b": (40.0, 40.0)}
    qs2 = {q.key: q for q in op.define_quantities({"traitors": "negative", "a": "positive",
                                                    "b": "positive"})}
    assert tuple(op.bound(qs2["traitors_and_any_positive"], r2)) == pytest.approx((20.0, 70.0))
    assert tuple(op.bound(qs2["traitors_and_no_positive"], r2)) == pytest.approx((0.0, 50.0))


def test_unboundable_quantity_gives_nan():
    q = op.define_quantities({"traitors": "negative"})[1]
    b = op.bound(q, {"traitors": (1.0, 2.0)})
    assert np.isnan(b.low) and np.isnan(b.high)


respondents = st.integers(2, 40).flatmap(
    lambda n: arrays(np.bool_, (n, 5), elements=st.booleans()))


@settings(max_examples=80, deadline=None)
@given(data=respondents)
def test_true_shares_lie_inside_and_the_stated_end_survives_unpublished_options(data):
    # columns: traitors, no_faith (negative), achieve, children (positive), hidden positive
    pct = data.mean(axis=0) * 100
    names = ["traitors", "no_faith", "achieve", "children"]
    tones = {"traitors": "negative", "no_faith": "negative", "achieve": "positive",
             "children": "positive"}
    ranges = {o: (pct[i], pct[i]) for i, o in enumerate(names)}
    t, pos_pub, pos_all = data[:, 0], data[:, 2:4].any(1), data[:, 2:5].any(1)
    neg = data[:, :2].any(1)
    truth_published = {
        "traitors_and_any_positive": (t & pos_pub).mean() * 100,
        "traitors_and_no_positive": (t & ~pos_pub).mean() * 100,
        "no_negative": (~neg).mean() * 100, "any_negative": neg.mean() * 100,
    }
    truth_all = {  # the hidden column is a positive option nobody published
        "traitors_and_any_positive": (t & pos_all).mean() * 100,
        "traitors_and_no_positive": (t & ~pos_all).mean() * 100,
    }
    for q in op.define_quantities(tones):
        if q.key == "traitors":
            continue
        b = op.bound(q, ranges)
        assert b.low - 1e-9 <= truth_published[q.key] <= b.high + 1e-9
        if q.key in truth_all:
            if q.holds_for_all_options == "low":
                assert truth_all[q.key] >= b.low - 1e-9
            else:
                assert truth_all[q.key] <= b.high + 1e-9


def test_bounds_table_widening_and_bonferroni():
    o = op.wave_options(TIDY, META, "w2", "q")
    qs = op.define_quantities(op.tones_of(o))
    t = op.bounds_table(qs, o, n=1600, deff=1.9, alpha=0.05).set_index("quantity")
    assert (t["low_with_sampling"] <= t["low"] + 1e-9).all()
    assert (t["high_with_sampling"] >= t["high"] - 1e-9).all()
    assert t.at["traitors", "k"] == 1 and t.at["traitors", "alpha_per_option"] == 0.05
    assert t.at["traitors_and_any_positive", "k"] == 4
    assert t.at["traitors_and_any_positive", "alpha_per_option"] == pytest.approx(0.0125)
    assert t.at["any_negative", "figure_ids"] == "E01;E02"
    # Wilson on n_eff = 1600/1.9 over [36.5, 37.5]
    assert (t.at["traitors", "low_with_sampling"], t.at["traitors", "high_with_sampling"]) == (
        pytest.approx((wilson(36.5, 0.05)[0], wilson(37.5, 0.05)[1])))
    plain = op.bounds_table(qs, o, 1600, 1.9, 0.05, bonferroni=False).set_index("quantity")
    assert plain.at["any_negative", "high_with_sampling"] < t.at["any_negative",
                                                                  "high_with_sampling"]


def test_bounds_table_row_for_a_missing_quantity():
    o = op.wave_options(TIDY, META, "w1", "q")
    t = op.bounds_table(op.define_quantities(op.tones_of(o)), o, 1600, 1.9,
                        0.05).set_index("quantity")
    row = t.loc["traitors_and_no_positive"]
    assert np.isnan(row["low"]) and np.isnan(row["high_with_sampling"])
    assert row["missing"] and row["figure_ids"] == ""


@pytest.mark.parametrize("low,high,expected", [(10, 40, "below"), (55, 60, "above"),
                                               (40, 74, "straddles"),
                                               (np.nan, np.nan, "not bounded")])
def test_versus(low, high, expected):
    assert op.versus(low, high, 50) == expected


# ---------------------------------------------------------------- what the report says
# Two more waves: w3 like March 2024 (the focus option and one positive option, one figure
# from Levada's own release), w4 with a large focus share; w9 published nothing.
TIDY_MORE = pd.concat([TIDY, pd.DataFrame([
    fig("P01", "primary", "w3", "traitors", "43%", 43, 42.5, 43.5),
    fig("S07", "secondary", "w3", "talented", "13%", 13, 12.5, 13.5),
    fig("E11", "essay", "w4", "traitors", "60%", 60, 59.5, 60.5),
    fig("E12", "essay", "w4", "no_faith", "10%", 10, 9.5, 10.5),
])], ignore_index=True)
def analysed(wave, focus="traitors"):
    o = op.wave_options(TIDY_MORE, META, wave, "q")
    qs = op.define_quantities(op.tones_of(o), focus)
    return o, qs, op.bounds_table(qs, o, N, DEFF, ALPHA)


def test_check_question_refuses_a_single_response_question():
    op.check_question(META, "q")
    with pytest.raises(report.ParameterError, match="'single' is not recorded as multiple"):
        op.check_question(META, "single")


def test_check_focus_refuses_an_option_the_question_does_not_have():
    with pytest.raises(report.ParameterError, match="focus='nope' is not an option of 'q'"):
        op.check_focus(META, "q", "nope")
    op.check_focus(META, "q", "no_faith")


def test_mention_summaries_one_row_per_wave_of_the_question():
    t = op.mention_summaries(TIDY, META, "q")
    assert list(t["wave"]) == ["w1", "w2"]
    assert list(t["sum_point"]) == pytest.approx([43 + 40, 163])
    assert list(t["sum_low"]) == pytest.approx([42.5 + 39.5, 160])
    assert list(t["multiple_by_ranges"]) == [False, True]
    assert list(t["k"]) == [2, 6]
    none = op.mention_summaries(TIDY.iloc[:0], META, "q")
    assert none.empty and list(none.columns) == ["wave", *op.MentionSummary._fields]


def test_unpublished_options_of_a_tone():
    o3 = op.wave_options(TIDY_MORE, META, "w3", "q")
    assert op.unpublished_options(o3, META, "q", "positive") == ["achieve", "children"]
    assert op.unpublished_options(o3, META, "q", "negative") == ["no_faith"]
    assert op.unpublished_options(op.wave_options(TIDY, META, "w2", "q"), META, "q",
                                  "positive") == []


def test_bounds_of_a_wave_with_one_positive_option_and_unpublished_ones():
    o, qs, b = analysed("w3")
    t = b.set_index("quantity")
    f_lo, f_hi = wilson(42.5, ALPHA)[0], wilson(43.5, ALPHA)[1]
    row = t.loc["traitors"]
    assert (row["low"], row["high"]) == pytest.approx((42.5, 43.5))
    assert (row["low_with_sampling"], row["high_with_sampling"]) == pytest.approx((f_lo, f_hi))
    assert row["figure_ids"] == "P01"
    # built on two options: each interval at 1 - 0.05/2; F and T: [max(0, F + T - 100), min]
    row = t.loc["traitors_and_any_positive"]
    assert (row["low"], row["high"]) == pytest.approx((0.0, 13.5))
    assert (row["low_with_sampling"], row["high_with_sampling"]) == pytest.approx(
        (0.0, wilson(13.5, ALPHA / 2)[1]))
    assert row["figure_ids"] == "P01;S07" and row["holds_for_all_options"] == "low"
    # F and not T: [F_low - T_high, min(F_high, 100 - T_low)] = [42.5 - 13.5, 43.5]
    row = t.loc["traitors_and_no_positive"]
    assert (row["low"], row["high"]) == pytest.approx((29.0, 43.5))
    assert (row["low_with_sampling"], row["high_with_sampling"]) == pytest.approx(
        (wilson(42.5, ALPHA / 2)[0] - wilson(13.5, ALPHA / 2)[1], wilson(43.5, ALPHA / 2)[1]))
    assert row["holds_for_all_options"] == "high"
    assert (t.at["any_negative", "low"], t.at["any_negative", "high"]) == pytest.approx(
        (42.5, 43.5))
    assert (t.at["no_negative", "low"], t.at["no_negative", "high"]) == pytest.approx(
        (56.5, 57.5))
    assert op.unpublished_options(o, META, "q", "positive") == ["achieve", "children"]


def test_bounds_follow_the_focus_option_and_give_reasons():
    _, _, b = analysed("w2")
    t = b.set_index("quantity")
    for key in ("traitors_and_any_positive", "traitors_and_no_positive"):
        assert (t.at[key, "low"], t.at[key, "high"]) == pytest.approx((0.0, 37.5))
    assert (t.at["any_negative", "low"], t.at["any_negative", "high"]) == pytest.approx(
        (36.5, 74.0))
    _, _, b = analysed("w2", focus="no_faith")  # F = [35.5, 36.5]: the upper end is F's
    t = b.set_index("quantity")
    assert (t.at["no_faith_and_any_positive", "low"],
            t.at["no_faith_and_any_positive", "high"]) == pytest.approx((0.0, 36.5))
    _, _, b = analysed("w1")
    assert b.set_index("quantity").at["traitors_and_any_positive", "missing"] == (
        "no option with a positive tone is published for this wave")


def test_half_the_country_straddling_union():
    o, qs, b = analysed("w2")
    t = op.half_the_country(o, b, N, DEFF, ALPHA, "traitors").set_index("statement")
    lo, hi = wilson(36.5, ALPHA)[0], wilson(37.5, ALPHA)[1]
    assert tuple(t.loc["half chose 'traitors'", ["low", "high"]]) == pytest.approx((lo, hi))
    assert t.at["half chose 'traitors'", "what"] == "95% interval of E01"
    assert list(t["versus_50"]) == ["below", "straddles", "straddles"]
    assert tuple(t.loc["half chose some negative label", ["low", "high"]]) == pytest.approx(
        (36.5, 74.0))
    assert t.at["half chose some negative label (with sampling)", "low"] == pytest.approx(
        wilson(36.5, ALPHA / 2)[0])  # the largest negative option, at 1 - 0.05/2
    # two negative labels of at most 37.5 and 36.5: their union reaches 50 only if <= 24 chose both
    assert op.overlap_to_reach(o) == pytest.approx(24.0)
    assert np.isnan(op.overlap_to_reach(analysed("w3")[0]))  # one negative option only


def test_half_the_country_entirely_above_and_without_the_focus():
    o, qs, b = analysed("w4")  # F = [59.5, 60.5], union of negatives [59.5, 71.0]
    t = op.half_the_country(o, b, N, DEFF, ALPHA, "traitors")
    assert list(t["versus_50"])[:2] == ["above", "above"]
    assert tuple(t.iloc[1][["low", "high"]]) == pytest.approx((59.5, 71.0))
    o, qs, b = analysed("w2", focus="absent")
    h = op.half_the_country(o, b, N, DEFF, ALPHA, "absent", focus="absent")
    assert list(h["statement"]) == ["half chose some negative label",
                                    "half chose some negative label (with sampling)"]
    o, qs, b = analysed("w9")
    h = op.half_the_country(o, b, N, DEFF, ALPHA, "traitors")
    assert h.empty and list(h.columns) == ["statement", "low", "high", "what", "versus_50"]
