"""Facts a schema cannot say, every problem of a file at once, and size limits (chasm.data.load).

Each case copies ``data/raw`` as it is to a temporary folder and mutates a row found by its
content (never by a fixed line number), so that adding data changes no test here.
"""

from __future__ import annotations

import csv
import io as _io
import math
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm import paths
from chasm.data import cells, load, schema, worded


def copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    for path in raw.rglob("*"):  # raw files are committed read-only
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return raw


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = _io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    """The line of ``path`` that contains ``text`` (found by content)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def edit_figure(raw: Path, figure_id: str, **cells: str) -> Path:
    """Set ``cells`` of the figure ``figure_id`` in whichever figures file holds it."""
    for path in load.figure_files(raw):
        header, rows = read_rows(path)
        for row in rows:
            if row["figure_id"] == figure_id:
                row.update(cells)
                write_rows(path, header, rows)
                return path
    raise AssertionError(f"no figure {figure_id}")


# --------------------------------------------------------------------------------------------
# one figure per cell and source
# --------------------------------------------------------------------------------------------
def test_a_source_giving_one_cell_twice_is_refused_naming_both_lines(tmp_path):
    raw = copy_raw(tmp_path)
    path = load.figure_files(raw)[0]
    header, rows = read_rows(path)
    copy = {**rows[0], "figure_id": rows[0]["figure_id"] + "dup"}
    write_rows(path, header, rows + [copy])
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    message = str(info.value)
    last = len(rows) + 2
    assert f"line {last}, column 'figure_id'" in message
    assert "already gives this cell" in message and f"as {rows[0]['figure_id']}" in message
    assert f"line {line_of(path, rows[0]['figure_id'] + ',')}" in message


# --------------------------------------------------------------------------------------------
# single-choice sums
# --------------------------------------------------------------------------------------------
def _single_choice_group(raw: Path):
    """A group (source, wave, question, subgroup) of a single-choice question with at least
    two options in the data as they are, and the figures of that group."""
    figures = load.load_figures(raw)
    meta = load.load_metadata(raw / "metadata")
    single = [q for q, spec in meta["questions"].items() if spec["response"] == "single"]
    keys = ["source_id", "wave", "question", "subgroup_var", "subgroup"]
    for _, group in figures[figures["question"].isin(single)].groupby(keys):
        if len(group) >= 2:
            return group
    pytest.skip("no single-choice question with two options in one group in the data")


def _set_value(raw: Path, figure_id: str, value: float) -> None:
    text = f"{value:g}"
    edit_figure(raw, figure_id, value_pct=text, value_text=f"{text}%")


def test_single_choice_options_summing_above_100_beyond_rounding_are_refused(tmp_path):
    raw = copy_raw(tmp_path)
    cells = _single_choice_group(raw)
    others = sum(worded.read(t).low for t in cells["value_text"].iloc[1:])
    # the smallest whole number whose low end (value - 0.5) pushes the sum above 100
    value = math.floor(100 - others + 0.5) + 1
    assert 0 <= value <= 100
    target = cells.iloc[0]
    _set_value(raw, target["figure_id"], value)
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    message = str(info.value)
    assert "sum above 100 even at the low end" in message
    for _, row in cells.iterrows():
        assert row["figure_id"] in message  # every figure of the sum is named with its line
    assert f"line {int(cells.iloc[0]['line'])}" in message


def test_single_choice_sums_at_or_below_100_plus_rounding_pass(tmp_path):
    """At exactly 100 for the low ends (the sum of points 100 + 0.5 per figure) the figures can
    be true; far below 100 too (options may be missing)."""
    raw = copy_raw(tmp_path)
    cells = _single_choice_group(raw)
    others = sum(worded.read(t).low for t in cells["value_text"].iloc[1:])
    boundary = 100 - others + 0.5
    if boundary == round(boundary) and 0 <= boundary <= 100:
        _set_value(raw, cells.iloc[0]["figure_id"], boundary)
        load.load_figures(raw)
    _set_value(raw, cells.iloc[0]["figure_id"], 1)
    load.load_figures(raw)


# --------------------------------------------------------------------------------------------
# a source published before its wave; waves after the data's own date
# --------------------------------------------------------------------------------------------
def _add_wave(raw: Path, wave: str) -> None:
    path = raw / "metadata" / "waves.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"{wave}:\n  label: added wave\n"
                    "  fieldwork: null\n  n: 1600\n  n_assumed: true\n", encoding="utf-8")
    load._metadata_cached.cache_clear()  # metadata are read once per process and folder


def test_a_figure_whose_source_was_published_before_its_wave_is_refused(tmp_path):
    raw = copy_raw(tmp_path)
    figures = load.load_figures(raw)
    sources = load.load_sources(raw / "sources.csv").set_index("source_id")
    newest = max(int(p[:4]) for p in sources["published"].dropna())
    published = figures["source_id"].map(sources["published"])
    # a figure whose source leaves room for a wave a year later, before the newest source
    early = figures[published.notna() & (published.str[:4].astype(float) < newest)]
    if early.empty:
        pytest.skip("no source a year older than the newest one")
    row = early.iloc[0]
    published = sources.loc[row["source_id"], "published"]
    wave = f"{int(published[:4]) + 1}-01"
    if wave not in load.load_metadata(raw / "metadata")["waves"]:
        _add_wave(raw, wave)
    edit_figure(raw, row["figure_id"], wave=wave)
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    message = str(info.value)
    assert f"line {int(row['line'])}, column 'source_id'" in message
    assert f"was published {published}" in message and f"wave {wave}" in message


def test_a_wave_after_the_newest_source_is_refused_with_its_line(tmp_path):
    raw = copy_raw(tmp_path)
    sources = load.load_sources(raw / "sources.csv")
    newest = max(int(p[:4]) for p in sources["published"].dropna())
    wave = f"{newest + 3}-06"
    _add_wave(raw, wave)
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    message = str(info.value)
    path = raw / "metadata" / "waves.yaml"
    assert f"waves.yaml, line {line_of(path, wave + ':')}, key '{wave}'" in message
    assert "after the newest source's publication" in message


def test_an_unknown_publication_date_is_allowed_and_checked_by_nothing(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "sources.csv"
    header, rows = read_rows(path)
    for row in rows:
        row["published"] = ""
        row["title"] = ""
    write_rows(path, header, rows)
    assert len(load.load_figures(raw))


@pytest.mark.parametrize("written", ["2025-13", "2025-02-30", "May 2025", "25"])
def test_a_publication_date_must_be_a_date(tmp_path, written):
    raw = copy_raw(tmp_path)
    path = raw / "sources.csv"
    header, rows = read_rows(path)
    rows[0]["published"] = written
    write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError, match=rf"line 2, column 'published': value "
                       rf"'{re.escape(written)}'"):
        load.load_sources(path)


# --------------------------------------------------------------------------------------------
# approval rows
# --------------------------------------------------------------------------------------------
def test_an_approval_month_summing_to_150_is_refused(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "putin_approval_monthly.csv"
    header, rows = read_rows(path)
    i = next(i for i, r in enumerate(rows)
             if r["disapprove"] and r["no_answer"] and float(r["approve"]) <= 50)
    rows[i]["approve"] = f"{float(rows[i]['approve']) + 50:g}"
    write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError) as info:
        load.load_approval(path)
    assert f"line {i + 2}," in str(info.value)
    assert "not 100 within rounding" in str(info.value)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 100), st.integers(0, 100), st.one_of(st.none(), st.integers(0, 100)))
def test_approval_rows_pass_exactly_when_they_can_sum_to_100(tmp_path_factory, a, d, na):
    """Whole numbers each rounded to +-0.5: a complete row can be a month's split iff its sum
    is within 1.5 of 100; a row without no_answer iff approve + disapprove <= 101."""
    path = tmp_path_factory.mktemp("approval") / "putin_approval_monthly.csv"
    path.write_text("month,approve,disapprove,no_answer,source_id,note\n"
                    f"2020-01,{a},{d},{'' if na is None else na},x,\n", encoding="utf-8")
    frame = schema.read_table(path, {c: cells.Col(lambda v: v, optional=True) for c in
                                     ("month", "approve", "disapprove", "no_answer", "source_id",
                                   "note")})
    possible = abs(a + d + na - 100) <= 1.5 if na is not None else a + d <= 101
    assert (not load._approval_sum_problems(path, frame)) == possible


# --------------------------------------------------------------------------------------------
# the error table
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("column,value,says", [
    ("sample_n", "0", "must be a whole number >= 1"),
    ("share_near_pct", "0", "strictly between 0 and 100"),
    ("share_near_pct", "100", "strictly between 0 and 100"),
    ("max_error_pct", "0", "must be > 0"),
    ("max_error_pct", "75", "not a plausible margin of error"),
])
def test_absurd_numbers_in_the_error_table_are_named_by_line(tmp_path, column, value, says):
    raw = copy_raw(tmp_path)
    path = raw / "levada_error_table.csv"
    header, rows = read_rows(path)
    rows[-1][column] = value
    write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError) as info:
        load.load_error_table(path)
    assert str(info.value).endswith(f"line {len(rows) + 1}, column '{column}': value "
                                    f"'{value}': " + str(info.value).split(": ")[-1])
    assert says in str(info.value)


def test_an_error_table_mixing_sample_sizes_is_refused(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "levada_error_table.csv"
    header, rows = read_rows(path)
    rows[-1]["sample_n"] = str(int(rows[0]["sample_n"]) + 1)
    write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError, match=rf"line {len(rows) + 1}, column 'sample_n'.*"
                       "one sample size"):
        load.load_error_table(path)


# --------------------------------------------------------------------------------------------
# approval_month only where an analysis needs it
# --------------------------------------------------------------------------------------------
def _drop_approval_month(raw: Path, wave: str) -> Path:
    path = raw / "metadata" / "waves.yaml"
    text = path.read_text(encoding="utf-8")
    block = re.search(rf"(?m)^{re.escape(wave)}:\n(?:(?:  |#).*\n)*", text).group(0)
    assert "approval_month" in block
    text = text.replace(block, re.sub(r"(?m)^  approval_month: .*\n", "", block))
    path.write_text(text, encoding="utf-8")
    load._metadata_cached.cache_clear()
    return path


def _approval_waves(raw: Path) -> tuple[set[str], set[str]]:
    """Waves with figures broken down by approval, and the other waves."""
    from chasm.analysis.uncertainty import APPROVAL_VARIABLE

    figures = load.load_figures(raw)
    waves = set(load.load_metadata(raw / "metadata")["waves"])
    broken_down = set(figures.loc[figures["subgroup_var"] == APPROVAL_VARIABLE, "wave"])
    return broken_down, waves - broken_down


def test_a_wave_without_an_approval_breakdown_needs_no_approval_month(tmp_path):
    raw = copy_raw(tmp_path)
    others = sorted(_approval_waves(raw)[1])
    if not others:
        pytest.skip("every wave has an approval breakdown")
    _drop_approval_month(raw, others[0])
    assert len(load.load_figures(raw))
    load.load_approval(raw / "putin_approval_monthly.csv")


def test_a_wave_with_an_approval_breakdown_but_no_approval_month_is_refused(tmp_path):
    raw = copy_raw(tmp_path)
    needing = sorted(_approval_waves(raw)[0])
    if not needing:
        pytest.skip("no wave has an approval breakdown")
    path = _drop_approval_month(raw, needing[0])
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    message = str(info.value)
    assert f"waves.yaml, line {line_of(path, needing[0] + ':')}, key '{needing[0]}'" in message
    assert "no approval_month" in message


# --------------------------------------------------------------------------------------------
# every problem at once, up to a limit
# --------------------------------------------------------------------------------------------
def test_every_problem_of_a_figures_file_is_reported_at_once(tmp_path):
    raw = copy_raw(tmp_path)
    path = load.figure_files(raw)[0]
    header, rows = read_rows(path)
    rows[0]["value_pct"] = "abc"
    rows[1]["wave"] = "March"
    rows[2]["source_id"] = ""
    write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    message = str(info.value)
    assert message.startswith("3 problems in the data:")
    for line, column in ((2, "value_pct"), (3, "wave"), (4, "source_id")):
        assert f"line {line}, column '{column}'" in message
    assert [p.line for p in info.value.problems] == [2, 3, 4]


def test_problems_in_several_files_and_checks_are_reported_together(tmp_path):
    raw = copy_raw(tmp_path)
    files = load.figure_files(raw)
    for path in files[:2]:
        header, rows = read_rows(path)
        rows[0]["question"] = "no_such_question"
        write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError) as info:
        load.load_figures(raw)
    assert {Path(p.path).name for p in info.value.problems} == {f.name for f in files[:2]}


def test_more_problems_than_the_limit_are_counted(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "putin_approval_monthly.csv"
    header, rows = read_rows(path)
    for row in rows:
        row["approve"] = "x"
    write_rows(path, header, rows)
    with pytest.raises(schema.RawDataError) as info:
        load.load_approval(path)
    message = str(info.value).splitlines()
    assert len(info.value.problems) == len(rows)
    assert len(message) == 1 + schema.MAX_PROBLEMS + 1
    assert message[-1] == f"  ... and {len(rows) - schema.MAX_PROBLEMS} more (fix these first)"


def test_every_problem_of_a_metadata_file_is_reported_at_once(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "metadata" / "waves.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  n: 1600$", "  n: many", text)
    path.write_text(text, encoding="utf-8")
    count = text.count("  n: many")
    assert count >= 2
    with pytest.raises(schema.RawDataError) as info:
        load.load_metadata(raw / "metadata")
    assert len(info.value.problems) == count
    assert all(p.key.endswith(".n") for p in info.value.problems)


# --------------------------------------------------------------------------------------------
# size limits
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["huge_figures.csv", "metadata/questions.yaml"])
def test_a_50_MB_data_file_is_refused_fast(tmp_path, name):
    raw = copy_raw(tmp_path)
    path = raw / name
    with open(path, "ab") as fh:
        fh.truncate(50_000_000)  # sparse: the check must not read it
    start = time.perf_counter()
    with pytest.raises(schema.RawDataError, match=r"is 50,000,000 bytes, above the limit"):
        if name.endswith(".csv"):
            load.load_figures(raw)
        else:
            load.load_metadata(raw / "metadata")
    assert time.perf_counter() - start < 5


def test_the_committed_data_files_are_well_below_the_limit():
    for path in list(paths.RAW.rglob("*.csv")) + list(paths.RAW.rglob("*.yaml")):
        assert path.stat().st_size < schema.MAX_FILE_BYTES / 10, path


def test_problems_of_several_metadata_files_are_reported_together(tmp_path):
    raw = copy_raw(tmp_path)
    for name in ("waves", "questions"):
        path = raw / "metadata" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        key = "n_assumed" if name == "waves" else "response"
        assert f"  {key}: " in text
        path.write_text(text.replace(f"  {key}: ", f"  {key}_typo: ", 1), encoding="utf-8")
    with pytest.raises(schema.RawDataError) as info:
        load.load_metadata(raw / "metadata")
    assert {Path(p.path).name for p in info.value.problems} == {"waves.yaml", "questions.yaml"}
    assert all("did you mean" in str(p) for p in info.value.problems)
