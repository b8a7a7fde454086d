"""The one rule that reads published figures' text (chasm.data.worded)."""

import pytest

from chasm.data.worded import ROUNDING, WORD_TOLERANCE, WordedFigureError, read


@pytest.mark.parametrize(
    ("text", "point", "low", "high", "rule"),
    [
        ("37%", 37, 36.5, 37.5, "number"),
        ("0%", 0, 0, 0.5, "number"),
        ("100%", 100, 99.5, 100, "number"),
        ("35-40%", 37.5, 34.5, 40.5, "range"),
        ("35–40%", 37.5, 34.5, 40.5, "range"),
        ("no more than 10%", None, 0, 10.5, "upper bound"),
        ("at least 60%", None, 59.5, 100, "lower bound"),
        ("about half", 50, 45, 55, "words"),
        ("a third", 100 / 3, 100 / 3 - 5, 100 / 3 + 5, "words"),
        ("About a third", 100 / 3, 100 / 3 - 5, 100 / 3 + 5, "words"),
        ("nine out of ten", 90, 85, 95, "words"),
        ("two thirds", 200 / 3, 200 / 3 - 5, 200 / 3 + 5, "words"),
    ],
)
def test_readings(text, point, low, high, rule):
    r = read(text)
    assert r.rule == rule
    assert (r.point is None) == (point is None)
    if point is not None:
        assert r.point == pytest.approx(point)
    assert (r.low, r.high) == pytest.approx((low, high))


def test_constants_are_the_documented_ones():
    assert ROUNDING == 0.5 and WORD_TOLERANCE == 5


@pytest.mark.parametrize("text", ["many", "roughly lots", "40-35%", "eleven out of ten", "", "37"])
def test_unreadable_text_is_an_error(text):
    with pytest.raises(WordedFigureError):
        read(text)


def test_interval_always_contains_point_and_stays_in_range():
    for text in ["0%", "1%", "99%", "about half", "a fifth", "nine out of ten", "3-5%"]:
        r = read(text)
        assert 0 <= r.low <= r.high <= 100
        if r.point is not None:
            assert r.low <= r.point <= r.high


@pytest.mark.parametrize("text", ["٣٧%", "３７%", "٣٥-٤٠%", "no more than ١٠%", "at least ６０%",
                                  "٣ out of ١٠", "３ in １０", "3_7%", "1e1%", "+37%"])
def test_only_ascii_digits_are_numbers(text):
    """Python's \\d, \\w and str.isdigit also take Arabic-Indic and full-width digits."""
    with pytest.raises(WordedFigureError, match="no rule reads"):
        read(text)


def test_ascii_counts_in_words_still_read():
    assert read("3 in 10").point == pytest.approx(30)


def test_words_are_identification_intervals_intersected_with_numbers():
    """'a third' [28.3, 38.3] and 37% [36.5, 37.5] for one cell are one quantity in
    [36.5, 37.5]; 'a third' and 45% cannot both be right and keep their own ranges; words with
    no numeric twin keep their band."""
    import pandas as pd

    from chasm.data import worded

    def row(fid, text, wave="2025-04", option="traitors"):
        r = worded.read(text)
        return {"figure_id": fid, "wave": wave, "question": "q", "option": option,
                "subgroup_var": "all", "subgroup": "all", "value_text": text,
                "point": r.point, "low": r.low, "high": r.high, "rule": r.rule}

    tidy = pd.DataFrame([row("E1", "37%"), row("S1", "a third"), row("E2", "45%", option="x"),
                         row("S2", "a third", option="x"), row("S3", "about half", option="y")])
    out = worded.identify(tidy).set_index("figure_id")
    assert (out.loc["S1", "low"], out.loc["S1", "high"], out.loc["S1", "point"]) == (36.5, 37.5,
                                                                                     37.0)
    assert out.loc["S1", "identified_with"] == "E1"
    assert out.loc["S1", "band_low"] == pytest.approx(100 / 3 - 5)
    assert out.loc["S2", "identified_with"] == "" and out.loc["S2", "low"] == pytest.approx(
        100 / 3 - 5)  # disjoint: the source decides
    assert out.loc["S3", "high"] == 55 and out.loc["E1", "low"] == 36.5
    table = worded.identification_table(tidy).set_index("figure_id")
    assert table["changed"].to_dict() == {"S1": True, "S2": False, "S3": False}
