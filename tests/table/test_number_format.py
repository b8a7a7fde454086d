"""One number, one formatter: chasm.formats.fmt_number writes table cells and the landing
and claims pages' number lines."""

from __future__ import annotations

import pandas as pd
import pytest

from chasm import formats


@pytest.mark.parametrize(("value", "digits", "text"), [
    (1600.0, 0, "1,600"), (-0.03, 1, "0.0"), (-6.0, 1, "−6.0"), (42.55, 1, "42.5"),
    (0.0, 2, "0.00"), (-1234.5, 1, "−1,234.5")])
def test_a_number_in_a_table_and_on_the_landing_page_passes_one_formatter(value, digits, text):
    """formats.fmt_number is the one writer of table cells and of the landing and claims
    pages' number lines: the same value reads the same in both places."""
    from chasm import formats, tables
    from chasm.site import landing

    assert formats.fmt_number(value, digits) == text
    shown = tables.format_column(pd.Series([value]), None, digits)
    assert shown == [text if value != round(value) else formats.fmt_number(value, 0)]
    assert landing._fmt(value, digits) == text and landing._fmt(None) == formats.MISSING


def test_questions_and_families_show_labels_and_the_csv_keeps_the_codes():
    """A question by its wording, a family by its plan label, a comparison (when a page asks)
    by its waves and claim; codes nobody labels as words; the CSV keeps every code."""
    from chasm import tables

    frame = pd.DataFrame({"question": ["wish_to_emigrate", "not_a_question"],
                          "family": ["essay_waves", "series"],
                          "comparison_id": ["W-traitors:E06-S01", "S-would:2022-02:2022-03"]})
    shown = tables.table(frame)
    assert "Would you like to move abroad for permanent residence?" in shown.text
    assert "not a question" in shown.text and "the essay's two wave changes" in shown.text
    assert "the series' own changes" in shown.text
    assert "W-traitors:E06-S01" in shown.text  # ids stay unless a page asks for labels
    assert "wish_to_emigrate" not in shown.html and "essay_waves" not in shown.html
    assert shown.csv == tables.table(frame).csv and "essay_waves" in shown.csv
    ids = tables.labels_of("comparison_id", frame["comparison_id"])
    assert ids == ["2024-03 → 2025-04 (C13), figures E06 and S01", "2022-02 → 2022-03"]
    relabelled = tables.table(frame, labels={"comparison_id": ids})
    assert "W-traitors" not in relabelled.html and "W-traitors:E06-S01" in relabelled.csv
    assert tables.comparison_label("C15:E04-E05", {}) == "C15, figures E04 and E05"
    assert tables.comparison_label("something else", {}) == "something else"


def test_a_claims_range_is_labelled_by_the_registers_kind():
    """The landing and claims pages label a claim's range as the register does (range_kind):
    a rounding range is not called a CI."""
    from chasm.site import landing

    row = {"estimate": "117", "low": "115", "high": "119", "range_kind": "rounding range",
           "measure": "sum of option shares (percent)"}
    assert "rounding range 115.0 to 119.0" in landing.claim_numbers(row, "95%")
    assert "CI" not in landing.claim_numbers(row, "95%")
    row = {**row, "range_kind": ""}
    assert "95% CI 115.0 to 119.0" in landing.claim_numbers(row, "95%")


@pytest.mark.parametrize("wave, said", [("2024-03", "March 2024"), ("1999-12", "December 1999"),
                                        ("2025-01", "January 2025")])
def test_a_wave_is_named_by_its_month_in_english(wave, said):
    assert formats.fmt_month(wave) == said


@pytest.mark.parametrize("wave", ["2024-13", "2024-00", "2024-3", "March 2024", "2024-03-01"])
def test_a_wave_that_is_not_a_month_is_refused(wave):
    with pytest.raises(ValueError, match="YYYY-MM"):
        formats.fmt_month(wave)
