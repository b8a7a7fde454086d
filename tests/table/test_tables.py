"""chasm.tables: tables as a reader reads them (headers, formats, links, CSV, shared tables)."""

from __future__ import annotations

import html
import io as _io
import re

import numpy as np
import pandas as pd
import pytest

from chasm import report, tables


@pytest.fixture(autouse=True)
def fresh_anchors(monkeypatch):
    monkeypatch.setattr(tables, "_ANCHORS", tables._Anchors())


def _cells(page: str) -> list[list[str]]:
    """The text of every cell, row by row (header row first)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c))
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)] for r in rows]


def test_headers_are_plain_language_and_unknown_names_lose_underscores():
    frame = pd.DataFrame({"figure_id": ["E01"], "ci_low": [33.3], "some_new_column": ["x"]})
    out = tables.table(frame, index="figure_id")
    assert _cells(out.html)[0] == ["figure", "interval low", "some new column"]


def test_numbers_are_formatted_by_column_kind():
    frame = pd.DataFrame({
        "check": ["traitors", "no_faith", "other"],
        "ci_low": [24.777585, 33.31, np.nan],       # share: one decimal, dash if missing
        "point": [43.0, 37.0, 40.0],                # whole shares: no decimals
        "p_value": [0.0000359, 0.0119716, np.nan],  # p: <0.001 or three decimals
        "n_eff": [842.6, 300.2, 12.0],              # count: whole number
        "deff": [1.8963, 1.8963, 2.5],              # design effect: two decimals
        "agree": [True, False, True],               # booleans: yes / no
    })
    rows = _cells(tables.table(frame).html)
    assert rows[1] == ["traitors", "24.8", "43", "<0.001", "843", "1.90", "yes"]
    assert rows[2] == ["no_faith", "33.3", "37", "0.012", "300", "1.90", "no"]
    assert rows[3] == ["other", "–", "40", "–", "12", "2.50", "yes"]


def test_negative_numbers_use_a_true_minus_and_no_negative_zero():
    frame = pd.DataFrame({"diff": [-6.04, -0.01, 4.0]})
    assert [r[0] for r in _cells(tables.table(frame).html)[1:]] == ["−6.0", "0.0", "4.0"]


def test_no_pandas_index_the_index_column_comes_first_as_row_header():
    frame = pd.DataFrame({"wave": ["2024-03"], "figure_id": ["E06"]}, index=[7])
    out = tables.table(frame, index="figure_id")
    assert _cells(out.html)[1] == ["E06", "2024-03"]
    assert '<th scope="row"' in out.html and ">7<" not in out.html


def test_technical_columns_leave_the_table_but_stay_in_its_csv():
    frame = pd.DataFrame({"figure_id": ["E01"], "rule": ["number"], "ci_low": [33.31734]})
    out = tables.table(frame)
    assert "number" not in out.html and "rule" not in _cells(out.html)[0]
    back = pd.read_csv(_io.StringIO(out.csv))
    assert list(back.columns) == ["figure_id", "rule", "ci_low"]
    assert back.loc[0, "ci_low"] == pytest.approx(33.31734)  # unrounded


def test_values_are_escaped():
    out = tables.table(pd.DataFrame({"note": ["<b>x</b> & y"]}))
    assert "<b>x</b>" not in out.html and "&lt;b&gt;x&lt;/b&gt; &amp; y" in out.html


def test_figure_and_claim_ids_link_to_their_rows_and_the_first_table_anchors_them():
    frame = pd.DataFrame({"figure_id": ["E01", "S01"], "figure_ids": ["E01 E02", "S01"],
                          "claim_id": ["C13", "C14"]})
    first = tables.table(frame, index="figure_id").html
    assert 'id="fig-E01"' in first and 'id="fig-S01"' in first
    assert '<a href="01_ingest.html#fig-E02">E02</a>' in first
    assert '<a href="claims.html#C13">C13</a>' in first
    second = tables.table(frame, index="figure_id").html
    assert 'id="fig-E01"' not in second  # ids stay unique on a page


def test_a_wide_table_scrolls_in_its_own_box():
    out = tables.table(pd.DataFrame({f"c{i}": [i] for i in range(16)}))
    assert out.html.startswith('<div class="table-box"')


def test_the_gaps_table_is_shown_once_as_a_link():
    gaps = pd.DataFrame({"id": ["a", "b"], "what": ["x", "y"], "consequence": ["p", "q"]})
    out = tables.table(gaps, index="id")
    assert 'href="index.html#gaps"' in out.html and "<table" not in out.html
    assert "(2 items)" in out.html


def test_report_show_renders_through_the_display_layer():
    out = report.show(pd.DataFrame({"p_value": [0.0002]}))
    bundle = out._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", "text/csv"}
    assert "<0.001" in bundle["text/plain"] and "&lt;0.001" in bundle["text/html"]


def test_plain_text_has_the_same_headers_and_values():
    out = tables.table(pd.DataFrame({"ci_high": [40.8188], "verdict": ["consistent"]}))
    assert out.text.split() == ["interval", "high", "verdict", "40.8", "consistent"]


def test_codes_show_as_their_metadata_labels_and_the_csv_keeps_the_codes():
    frame = pd.DataFrame({"question": ["why_people_leave", "wish_to_emigrate"],
                          "option": ["traitors", "would_not"], "subgroup_var": ["age", "x"],
                          "subgroup": ["55+", "unknown_code"]})
    out = tables.table(frame)
    assert _cells(out.html)[1][1:] == ["traitors and betrayers of the Motherland", "age group",
                                       "55 and older"]
    assert _cells(out.html)[2][1:] == ["would not like to move abroad", "x", "unknown_code"]
    assert "would_not" in out.csv and "55+" in out.csv


def test_a_named_index_becomes_the_row_header_and_verdicts_become_badges():
    counts = pd.DataFrame({"supported": [2, 0], "verdict": ["consistent", "not testable"]},
                          index=pd.Index(["comparison", "qualitative"], name="kind"))
    out = tables.table(counts)
    assert _cells(out.html)[1][0] == "comparison" and '<th scope="row"' in out.html
    assert '<span class="badge badge-fair">consistent</span>' in out.html
    filtered = pd.DataFrame({"note": ["x"]}, index=[5])  # a filtered row keeps no number
    assert _cells(tables.table(filtered).html) == [["note"], ["x"]]


def test_codes_without_a_label_are_shown_as_words_and_kept_in_the_csv():
    frame = pd.DataFrame({"question": ["not_a_question"], "family": ["other_family"],
                          "diff": [-6.0]})
    shown = tables.table(frame)
    assert "not a question" in shown.html and "other family" in shown.html
    assert "not_a_question" not in shown.html and "not_a_question" in shown.csv


def test_a_page_may_show_fewer_columns_and_labels_while_the_csv_keeps_everything():
    frame = pd.DataFrame({"comparison_id": ["W-t", "W-x"], "option": ["traitors", "would"],
                          "family": ["essay_waves", "waves_screen"], "diff": [-6.0, 0.5],
                          "p_value": [0.012, 0.9]})
    out = report.show(frame, columns={"comparison_id": "comparison", "family": None,
                                      "diff": None},
                      labels={"comparison_id": {"W-t": "traitors, 43% to 37%"},
                              "family": {"essay_waves": "confirmatory (Holm)"}},
                      index="comparison_id")
    assert _cells(out.html) == [["comparison", "family", "change (points)"],
                                ["traitors, 43% to 37%", "confirmatory (Holm)", "−6.0"],
                                # unlabelled: the table's own labels (the plan's family label)
                                ["W-x", tables.labels_of("family", ["waves_screen"])[0], "0.5"]]
    assert out.csv == report.show(frame).csv
    assert "W-t" in out.csv and "p_value" in out.csv and "0.012" in out.csv
    assert "comparison" in out.text.splitlines()[0] and "0.012" not in out.text


def test_every_cell_names_its_column_for_the_stacked_phone_layout():
    shown = tables.table(pd.DataFrame({"figure_id": ["E01"], "ci_low": [33.3]}),
                          index="figure_id")
    assert 'data-label="figure"' in shown.html and 'data-label="interval low"' in shown.html


@pytest.mark.parametrize(("value", "prose", "table", "evidence"), [
    (0.0002, "< 0.001", "<0.001", "p < 0.001"), (0.01197, "0.012", "0.012", "p = 0.012"),
    (0.27, "0.270", "0.270", "p = 0.27"), (0.999, "0.999", "0.999", "p = 1"),
    (float("nan"), "–", "–", "no test"),
])
def test_the_p_value_styles_share_one_floor_and_differ_only_as_documented(value, prose, table,
                                                                         evidence):
    """chasm.formats keeps one rule per p-value style: prose (03_waves, landing page), table
    cell (no space after "<") and evidence text (two decimals from 0.1); each writes
    p below formats.P_FLOOR as "< 0.001", never a rounded zero."""
    from chasm import formats

    assert formats.fmt_p(value) == prose
    assert formats.fmt_p_table(value) == table
    assert formats.fmt_evidence_p(value) == evidence
    assert tables.format_column(pd.Series([value]), "p") == [table]


@pytest.mark.parametrize(("alpha", "exact", "whole"), [
    (0.05, "95%", "95%"), (0.1, "90%", "90%"), (0.01, "99%", "99%"), (0.025, "97.5%", "98%"),
])
def test_the_two_confidence_level_styles(alpha, exact, whole):
    """The level exact (formats.fmt_level) or in whole percent (formats.fmt_level_whole, as
    04-06 write it): the two agree at every usual level."""
    from chasm import formats

    assert formats.fmt_level(alpha) == exact
    assert formats.fmt_level_whole(alpha) == whole == f"{formats.level_percent(alpha)}%"


def test_method_names_have_one_home():
    from chasm import formats
    from chasm.analysis import plan, series
    from chasm.stats.multiplicity import ADJUST_METHODS

    assert set(ADJUST_METHODS) == set(plan.METHODS) == set(series.FAMILY_METHODS)
    assert set(formats.METHOD_NAMES) == set(plan.CLAIM_METHODS)
    assert series.FAMILY_METHODS == {m: formats.METHOD_NAMES[m] for m in ADJUST_METHODS}
    assert formats.fmt_method("fdr_bh") == "Benjamini-Hochberg"
