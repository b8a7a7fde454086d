"""Bad-input corpus: each case breaks one thing in a copy of ``data/raw`` and names the error.

Every case copies the real ``data/raw`` tree to a temporary folder, applies one mutation to one
file and calls the loader that reads it. The loader must raise :class:`chasm.io.RawDataError`
whose message starts with ``<file>, line <n>, column '<c>': value '<v>'`` (the parts that
apply) followed by the reason. The expected messages are data: the table ``CASES`` below.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chasm import io, paths

Edit = Callable[[bytes], bytes]

ESSAY = "essay_figures.csv"
RELEASE = "release_figures.csv"
SECONDARY = "secondary_figures.csv"
SOURCES = "sources.csv"
POPULATION = "rosstat_population_2024-01-01.csv"
APPROVAL = "putin_approval_monthly.csv"
ERRORS = "levada_error_table.csv"
WAVES = "metadata/waves.yaml"
QUESTIONS = "metadata/questions.yaml"
SCRIPT = "<script>alert(1)</script>"


# --------------------------------------------------------------------------------------------
# Mutations: small functions of the file's bytes, so each case reads as one line of data.
# --------------------------------------------------------------------------------------------
def sub(old: str, new: str, encoding: str = "utf-8") -> Edit:
    """Replace the first ``old`` by ``new`` (the result encoded with ``encoding``)."""

    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        assert old in text, f"mutation target {old!r} not found: the raw file changed?"
        return text.replace(old, new, 1).encode(encoding)

    return edit


def whole(content: bytes) -> Edit:
    """Replace the whole file."""
    return lambda data: content


def first_lines(n: int, then: bytes = b"") -> Edit:
    """Keep the first ``n`` lines, then append ``then``."""
    return lambda data: b"".join(data.splitlines(keepends=True)[:n]) + then


def prepend(prefix: bytes) -> Edit:
    return lambda data: prefix + data


def append(suffix: str) -> Edit:
    return lambda data: data + suffix.encode("utf-8")


def drop_column(name: str) -> Edit:
    """Remove a column (header and cells) from a CSV without quoted commas in that column."""

    def edit(data: bytes) -> bytes:
        import csv
        import io as _io

        rows = list(csv.reader(_io.StringIO(data.decode("utf-8"))))
        i = rows[0].index(name)
        out = _io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(r[:i] + r[i + 1:] for r in rows)
        return out.getvalue().encode("utf-8")

    return edit


def add_column(name: str, value: str) -> Edit:
    def edit(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        lines = [lines[0] + f",{name}"] + [line + f",{value}" for line in lines[1:]]
        return ("\n".join(lines) + "\n").encode("utf-8")

    return edit


# --------------------------------------------------------------------------------------------
# The corpus. line / column / value are None where they do not apply (e.g. an empty file).
# ``message`` is a regular expression searched in the reason after the location.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    id: str
    file: str
    edit: Edit
    line: int | None
    column: str | None
    value: str | None
    message: str


E01 = ",all,all,37,37%,"  # essay_figures.csv line 2: E01 traitors 2025-04, 37%

CASES = [
    # shares
    Case("non_numeric_share", ESSAY, sub(E01, ",all,all,abc,37%,"),
         2, "value_pct", "abc", r"is not a number"),
    Case("share_over_100", ESSAY, sub(E01, ",all,all,137,137%,"),
         2, "value_pct", "137", r"is a share outside 0-100"),
    Case("negative_share", ESSAY, sub(E01, ",all,all,-3,-3%,"),
         2, "value_pct", "-3", r"is a share outside 0-100"),
    Case("nan_share", ESSAY, sub(E01, ",all,all,nan,37%,"),
         2, "value_pct", "nan", r"is not a finite number"),
    # ids
    Case("duplicate_id_within_file", ESSAY, sub("E02,", "E01,"),
         3, "figure_id", "E01", r"^duplicate id \(also line 2\)$"),
    Case("duplicate_id_across_files", SECONDARY, sub("S01,", "E01,"),
         2, "figure_id", "E01", r"duplicate id \(also .*/raw/essay_figures\.csv, line 2\)"),
    Case("figure_id_not_an_identifier", ESSAY, sub("E01,", "E 01,"),
         2, "figure_id", "E 01", r"is not an identifier"),
    # references into sources.csv and metadata
    Case("unknown_question", ESSAY, sub("why_people_leave,traitors", "why_people_go,traitors"),
         2, "question", "why_people_go", r"unknown question \(not in metadata/questions\.yaml\)"),
    Case("unknown_option", ESSAY, sub(",traitors,all,all,37,", ",traitor,all,all,37,"),
         2, "option", "traitor", r"unknown option of question 'why_people_leave'"),
    Case("unknown_source", ESSAY, sub("E01,essay-chasm-2025,", "E01,essay-chasm-2026,"),
         2, "source_id", "essay-chasm-2026", r"unknown source \(not in sources\.csv\)"),
    Case("unknown_cited_source", ESSAY, sub("levada-ru-2025-04,paragraph", "levada-ru-2025-05,"
                                            "paragraph"),
         2, "cites", "levada-ru-2025-05", r"unknown source \(not in sources\.csv\)"),
    Case("unknown_wave", ESSAY, sub("E01,essay-chasm-2025,2025-04,",
                                    "E01,essay-chasm-2025,2025-05,"),
         2, "wave", "2025-05", r"unknown wave \(not in metadata/waves\.yaml\)"),
    Case("wave_not_a_month", ESSAY, sub("E01,essay-chasm-2025,2025-04,", "E01,essay-chasm-2025,"
                                        "April 2025,"),
         2, "wave", "April 2025", r"is not a month YYYY-MM"),
    # subgroups
    Case("subgroup_not_a_group_of_its_variable", ESSAY, sub(",age,55+,", ",age,65+,"),
         9, "subgroup", "65+", r"not a group of subgroup variable 'age'"),
    Case("subgroup_of_another_variable", ESSAY, sub(E01, ",all,55+,37,37%,"),
         2, "subgroup", "55+", r"not a group of subgroup variable 'all'"),
    Case("subgroup_without_variable", ESSAY, sub(",age,55+,", ",,55+,"),
         9, "subgroup_var", None, r"is empty but required"),
    Case("unknown_subgroup_variable", ESSAY, sub("putin_approval,approve", "putin_rating,approve"),
         12, "subgroup_var", "putin_rating", r"unknown subgroup variable"),
    # wording
    Case("wording_no_rule_reads", ESSAY, sub(",,about a third,", ",,roughly many,"),
         4, "value_text", "roughly many", r"no rule reads 'roughly many'"),
    Case("value_pct_disagrees_with_value_text", ESSAY, sub(E01, ",all,all,37,39%,"),
         2, "value_pct", "37", r"disagrees with value_text '39%'"),
    Case("number_disagrees_with_words", ESSAY, sub(",,about a third,", ",30,about a third,"),
         4, "value_pct", "30", r"disagrees with value_text 'about a third'"),
    # markup and scripts in text fields
    Case("script_in_value_text", ESSAY, sub(E01, f",all,all,37,{SCRIPT},"),
         2, "value_text", SCRIPT, r"markup or script is not allowed"),
    Case("script_in_context", RELEASE, sub('"The majority (90%) would', f'"{SCRIPT} would'),
         2, "context", f"{SCRIPT} would not like to move abroad for permanent residence",
         r"markup or script is not allowed"),
    Case("markup_in_source_title", SOURCES,
         sub('REM,"The Chasm', 'REM,"<img src=x onerror=alert(1)>'),
         2, "title", "<img src=x onerror=alert(1)> Between Us: The Myth of the Opposition's "
         "Connection to Russia", r"markup or script is not allowed"),
    Case("javascript_url_in_sources", SOURCES, sub("https://www.levada.ru/2025/05/27/emigratsionnye-"
                                                   "nastroeniya-i-otnoshenie-k-uehavshim-aprel-2025/",
                                                   "javascript:alert(1)"),
         3, "url", "javascript:alert(1)", r"markup or script is not allowed"),
    # shape of the table
    Case("missing_column", ESSAY, drop_column("option"),
         1, "option", None, r"required column is missing"),
    Case("unexpected_extra_column", ESSAY, add_column("weight", "1"),
         1, "weight", None, r"unexpected column"),
    Case("column_named_twice", ESSAY, sub(",cites,location\n", ",cites,cites\n"),
         1, "cites", None, r"column name appears twice"),
    Case("row_with_too_many_cells", ESSAY, sub("37%,levada-ru-2025-04,paragraph 3\n",
                                               "37%,levada-ru-2025-04,paragraph 3,extra\n"),
         2, None, None, r"has 12 cells, the header has 11"),
    Case("row_with_too_few_cells", ESSAY, sub("37%,levada-ru-2025-04,paragraph 3\n", "37%\n"),
         2, None, None, r"has 9 cells, the header has 11"),
    Case("required_cell_empty", ESSAY, sub("why_people_leave,traitors,all,all,37",
                                           ",traitors,all,all,37"),
         2, "question", None, r"is empty but required"),
    Case("quote_never_closed", ESSAY, sub("paragraph 4\n", '"paragraph 4\n'),
         9, None, None, r"is not valid CSV"),
    Case("line_numbers_after_a_multiline_cell", RELEASE,
         lambda data: sub("all,all,9,9%", "all,all,nine,9%")(
             sub('"The majority (90%)', '"The majority\n(90%)')(data)),
         4, "value_pct", "nine", r"is not a number"),
    # the file itself
    Case("empty_file", ESSAY, whole(b""), None, None, None, r"is empty: expected a header line"),
    Case("header_only", ESSAY, first_lines(1), None, None, None, r"has a header but no data rows"),
    Case("header_and_blank_lines", ERRORS, first_lines(1, b"\n\n"),
         None, None, None, r"has a header but no data rows"),
    Case("wrong_encoding_latin1", ESSAY, sub("paragraph 4", "paragraphe 4, café", "latin-1"),
         9, None, None, r"byte 0xe9 is not valid UTF-8"),
    Case("utf8_bom", ESSAY, prepend(b"\xef\xbb\xbf"), None, None, None, r"byte-order mark"),
    Case("nul_byte", APPROVAL, sub("1999-09,53", "1999-09,5\x003"),
         3, None, None, r"contains a NUL byte"),
    # other raw tables
    Case("sources_unknown_kind", SOURCES, sub("essay-chasm-2025,essay,", "essay-chasm-2025,blog,"),
         2, "kind", "blog", r"kind must be one of"),
    Case("sources_duplicate_id", SOURCES,
         sub("levada-ru-2025-04,primary", "essay-chasm-2025,primary"),
         3, "source_id", "essay-chasm-2025", r"duplicate id \(also line 2\)"),
    Case("population_sexes_do_not_add_up", POPULATION, sub("0,1261279,650025,611254",
                                                           "0,1261279,650025,611255"),
         2, "total", "1261279", r"male \+ female differs from total"),
    Case("population_duplicate_age", POPULATION, sub("\n1,1302176,", "\n0,1302176,"),
         3, "age", "0", r"duplicate id \(also line 2\)"),
    Case("population_negative_count", POPULATION, sub(",650025,", ",-650025,"),
         2, "male", "-650025", r"is not a whole number >= 0"),
    Case("population_fractional_count", POPULATION, sub(",650025,", ",650025.5,"),
         2, "male", "650025.5", r"is not a whole number >= 0"),
    Case("approval_over_100", APPROVAL, sub("1999-08,31,", "1999-08,131,"),
         2, "approve", "131", r"is a share outside 0-100"),
    Case("approval_duplicate_month", APPROVAL, sub("1999-09,", "1999-08,"),
         3, "month", "1999-08", r"duplicate id \(also line 2\)"),
    Case("approval_bom", APPROVAL, prepend(b"\xef\xbb\xbf"), None, None, None, r"byte-order mark"),
    Case("error_table_zero_error", ERRORS, sub("50,3.4,", "50,0,"),
         2, "max_error_pct", "0", r"must be > 0"),
    Case("error_table_confidence_not_a_probability", ERRORS, sub(",0.95,", ",95,"),
         2, "confidence", "95", r"must lie strictly between 0 and 1"),
    Case("error_table_missing_column", ERRORS, drop_column("sample_n"),
         1, "sample_n", None, r"required column is missing"),
    # metadata (YAML: no line in the location; the YAML parser's message gives it)
    Case("waves_negative_n", WAVES, sub("n: 1600", "n: -5"),
         None, None, "-5", r"wave 2022-02: 'n' must be a whole number > 0"),
    Case("waves_key_twice", WAVES,
         append("2024-03:\n  label: again\n  n: 900\n  n_assumed: false\n"),
         None, None, None, r"key '2024-03' appears twice(.|\n)*line \d+"),
    Case("questions_unknown_response_type", QUESTIONS,
         sub("response: multiple", "response: several"),
         None, None, "several", r"question why_people_leave: 'response' must be one of"),
]


def load(raw: Path, file: str):
    """Call the loader that reads ``file`` of the raw tree ``raw``."""
    if file.endswith("_figures.csv"):
        return io.load_figures(raw=raw)
    if file.startswith("metadata/"):
        return io.load_metadata(raw / "metadata")
    loader = {SOURCES: io.load_sources, POPULATION: io.load_population,
              APPROVAL: io.load_approval, ERRORS: io.load_error_table}[file]
    return loader(raw / file)


def copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    for path in raw.rglob("*"):  # raw files are committed read-only
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return raw


def expected_prefix(path: Path, case: Case) -> str:
    where = path.resolve().as_posix()
    if case.line is not None:
        where += f", line {case.line}"
    if case.column is not None:
        where += f", column '{case.column}'"
    if case.value is not None:
        where += f": value {case.value!r}"
    return where + ": "


def test_the_corpus_is_large_and_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) >= 14
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("file", [ESSAY, SOURCES, POPULATION, APPROVAL, ERRORS, WAVES])
def test_an_unmutated_copy_loads(tmp_path, file):
    """The cases fail because of their mutation, not because the copy is unreadable."""
    assert len(load(copy_raw(tmp_path), file)) > 0


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_named(tmp_path, case):
    raw = copy_raw(tmp_path)
    target = raw / case.file
    target.write_bytes(case.edit(target.read_bytes()))
    with pytest.raises(io.RawDataError) as info:
        load(raw, case.file)
    err = info.value
    message = str(err)
    prefix = expected_prefix(target, case)
    assert message.startswith(prefix), f"\n{message}\ndoes not start with\n{prefix}"
    assert re.search(case.message, message[len(prefix):]), message
    assert (err.line, err.column) == (case.line, case.column)
    assert paths.relative(err.path) == paths.relative(target)
