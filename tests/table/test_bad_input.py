"""Bad-input corpus: each case breaks one thing in a copy of ``data/raw`` and names the error.

Every case copies the real ``data/raw`` tree to a temporary folder, applies one mutation to one
file and calls the loader that reads it. The loader must raise :class:`chasm.io.RawDataError`
whose message starts with ``<file>, line <n>, column '<c>': value '<v>'`` (CSV) or
``<file>, line <n>, key '<k>': value '<v>'`` (YAML; the parts that apply) followed by the
reason, the value quoted as the file writes it. The expected messages are data: the table
``CASES`` below.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chasm import claims, io, paths

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
SUBGROUPS = "metadata/subgroups.yaml"
GAPS = "metadata/gaps.yaml"
# the essay's register data/claims/essay-chasm-2025.csv, copied beside the raw tree
CLAIMS = "claims.csv"
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
    key: str | None = None  # YAML: the dotted key path
    via: str | None = None  # call the loader of this file instead (a cross-file check)


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
    # metadata (YAML): line, dotted key and the value as written
    Case("waves_negative_n", WAVES, sub("n: 1600", "n: -5"),
         7, None, "-5", r"must be a whole number > 0", key="2022-02.n"),
    Case("waves_key_twice", WAVES,
         append("2024-03:\n  label: again\n  n: 900\n  n_assumed: false\n"),
         29, None, "2024-03", r"^key appears twice \(also line 16\)$", key="2024-03"),
    Case("questions_unknown_response_type", QUESTIONS,
         sub("response: multiple", "response: several"),
         10, None, "several", r"must be one of \['single', 'multiple', 'unknown'\]",
         key="why_people_leave.response"),
    # metadata: booleans and number forms YAML 1.1 reads differently than they look
    Case("waves_n_yes", WAVES, sub("n: 1600", "n: yes"),
         7, None, "yes", r"YAML 1\.1 reads this plain value as a bool", key="2022-02.n"),
    Case("waves_n_true", WAVES, sub("n: 1600", "n: true"),
         7, None, "true", r"^must be a whole number > 0", key="2022-02.n"),
    Case("waves_n_quoted", WAVES, sub("n: 1600", 'n: "1600"'),
         7, None, '"1600"', r"^must be a whole number > 0", key="2022-02.n"),
    Case("waves_n_underscore", WAVES, sub("n: 1600", "n: 1_600"),
         7, None, "1_600", r"reads this plain value as a int.*ASCII digits only",
         key="2022-02.n"),
    Case("waves_n_fraction", WAVES, sub("n: 1600", "n: 1600.5"),
         7, None, "1600.5", r"^must be a whole number > 0", key="2022-02.n"),
    Case("waves_n_full_width_digits", WAVES, sub("n: 1600", "n: １６００"),
         7, None, "１６００", r"^must be a whole number > 0", key="2022-02.n"),
    Case("waves_n_assumed_yes", WAVES, sub("  n_assumed: true", "  n_assumed: yes"),
         8, None, "yes", r"write true or false", key="2022-02.n_assumed"),
    Case("subgroups_label_no", SUBGROUPS, sub("{label: no answer}", "{label: no}"),
         19, None, "no", r"reads this plain value as a bool.*quote it",
         key="putin_approval.groups.no_answer.label"),
    # metadata: keys
    Case("waves_missing_approval_month", WAVES, sub("  approval_month: 2022-02\n", ""),
         4, None, None, r"^required key is missing$", key="2022-02.approval_month"),
    Case("waves_misspelt_key", WAVES, sub("  approval_month: 2022-02", "  aproval_month: 2022-02"),
         9, None, "aproval_month", r"^unknown key \(did you mean 'approval_month'\?\)$",
         key="2022-02.aproval_month"),
    Case("waves_unknown_key", WAVES, sub("  n_assumed: true\n", "  n_assumed: true\n  deff: 2\n"),
         9, None, "deff", r"^unknown key; known: label, fieldwork, n, n_assumed, approval_month$",
         key="2022-02.deff"),
    Case("wave_id_not_a_month", WAVES, sub("2022-03:\n", "March 2022:\n"),
         10, None, "March 2022", r"^is not a month YYYY-MM$", key="March 2022"),
    Case("questions_yes_as_a_key", QUESTIONS, sub("    traitors: {", "    yes: {"),
         13, None, "yes", r"reads this plain value as a bool", key="why_people_leave.options"),
    # metadata: the file
    Case("waves_yaml_syntax_error", WAVES, sub("  n_assumed: true\n", "  n_assumed: true: no\n"),
         8, None, None, r"^is not valid YAML: mapping values are not allowed here \(column 18\)"),
    Case("waves_alias_bomb", WAVES, whole("".join(
        f"{a}: &{a} [{', '.join([f'*{b}'] * 9 if b else ['lol'] * 9)}]\n"
        for a, b in zip("abcdefghi", " abcdefgh", strict=True)).replace("* ", "").encode()),
         1, None, "a", r"anchors and aliases \(&name, \*name\) are not allowed"),
    Case("waves_explicit_tag", WAVES, sub("n: 1600", "n: !!int 1600"),
         7, None, "tag:yaml.org,2002:int", r"explicit YAML tags are not allowed"),
    Case("waves_list_for_a_string", WAVES,
         sub("label: Levada omnibus, March 2024", "label: [Levada omnibus, March 2024]"),
         17, None, "[Levada omnibus, March 2024]", r"^must be non-empty text$",
         key="2024-03.label"),
    Case("waves_approval_month_not_in_series", WAVES,
         sub("approval_month: 2025-02", "approval_month: 2025-04"),
         28, None, "2025-04", r"approval_month is not a month of .*putin_approval_monthly\.csv",
         key="2025-04.approval_month", via=APPROVAL),
    # metadata: text from data is inert
    Case("markdown_image_in_option_label", QUESTIONS,
         sub('"traitors and betrayers of the Motherland"', '"![x](http://a/b.png)"'),
         13, None, '"![x](http://a/b.png)"', r"markup or script is not allowed",
         key="why_people_leave.options.traitors.label"),
    Case("html_in_wave_label", WAVES, sub("label: Levada omnibus, March 2024",
                                          "label: Levada <img src=x> omnibus"),
         17, None, "Levada <img src=x> omnibus", r"markup or script is not allowed",
         key="2024-03.label"),
    Case("line_break_in_group_label", SUBGROUPS,
         sub("{label: no answer}", '{label: "no\\n\\n# forged heading"}'),
         19, None, '"no\\n\\n# forged heading"', r"a line break is not allowed",
         key="putin_approval.groups.no_answer.label"),
    Case("data_link_in_gap", GAPS, sub("what: Levada's full tables", "what: see [the tables]"
                                       "(data:text/html,x) for Levada's full tables"),
         3, None, "see [the tables](data:text/html,x) for Levada's full tables for March 2024 "
         "and April 2025", r"markup or script is not allowed", key="[1].what"),
    Case("gap_missing_consequence", GAPS,
         sub("- id: subgroup_cells\n", "- id: x\n  what: y\n- id: subgroup_cells\n"),
         22, None, None, r"^required key is missing$", key="[5].consequence"),
    # one number grammar for every numeric CSV cell; messages quote the cell as written
    Case("share_with_underscore", ESSAY, sub(E01, ",all,all,3_7,37%,"),
         2, "value_pct", "3_7", r"is not a number \(ASCII digits"),
    Case("share_in_arabic_indic_digits", ESSAY, sub(E01, ",all,all,٣٧,37%,"),
         2, "value_pct", "٣٧", r"is not a number"),
    Case("share_in_full_width_digits", ESSAY, sub(E01, ",all,all,３７,37%,"),
         2, "value_pct", "３７", r"is not a number"),
    Case("share_with_exponent", ESSAY, sub(E01, ",all,all,3.7e1,37%,"),
         2, "value_pct", "3.7e1", r"is not a number"),
    Case("share_with_plus_sign", ESSAY, sub(E01, ",all,all,+37,37%,"),
         2, "value_pct", "+37", r"is not a number"),
    Case("share_without_leading_digit", ESSAY, sub(E01, ",all,all,.37,37%,"),
         2, "value_pct", ".37", r"is not a number"),
    Case("count_with_underscore", POPULATION, sub(",650025,", ",650_025,"),
         2, "male", "650_025", r"is not a number"),
    Case("claims_paragraph_in_arabic_indic_digits", CLAIMS, sub("C01,3,", "C01,٣,"),
         2, "paragraph", "٣", r"is not a number"),
    Case("value_pct_quoted_as_written", ESSAY, sub(E01, ",all,all,37.0,39%,"),
         2, "value_pct", "37.0", r"disagrees with value_text '39%'"),
    Case("wording_in_arabic_indic_digits", ESSAY, sub(E01, ",all,all,,٣٧%,"),
         2, "value_text", "٣٧%", r"no rule reads '٣٧%'"),
    Case("wording_in_full_width_digits", ESSAY, sub(E01, ",all,all,,３７%,"),
         2, "value_text", "３７%", r"no rule reads '３７%'"),
    Case("wording_count_in_arabic_indic_digits", ESSAY,
         sub(",,about a third,", ",,٣ out of ١٠,"),
         4, "value_text", "٣ out of ١٠", r"no rule reads"),
    # CSV text from data is inert
    Case("markdown_image_in_value_text", ESSAY, sub(E01, ",all,all,,![x](http://a/b.png),"),
         2, "value_text", "![x](http://a/b.png)", r"markup or script is not allowed"),
    Case("data_link_in_context", RELEASE,
         sub('"The majority (90%) would', '"[The majority](data:text/html;base64,PGI+) would'),
         2, "context", "[The majority](data:text/html;base64,PGI+) would not like to move "
         "abroad for permanent residence", r"markup or script is not allowed"),
    Case("data_url_in_sources", SOURCES, sub("https://www.levada.ru/2025/05/27/emigratsionnye-"
                                             "nastroeniya-i-otnoshenie-k-uehavshim-aprel-2025/",
                                             '"data:text/html;base64,PGI+"'),
         3, "url", "data:text/html;base64,PGI+", r"markup or script is not allowed"),
    Case("markdown_image_in_claim_paraphrase", CLAIMS,
         sub("37% described those", "37% ![x](http://a/b.png) described those"),
         2, "paraphrase", "In April 2025, 37% ![x](http://a/b.png) described those who leave "
         "as traitors.", r"markup or script is not allowed"),
    Case("heading_forged_in_claim_paraphrase", CLAIMS,
         sub('"In April 2025, 37%', '"In April 2025,\n\n# Forged heading\n37%'),
         2, "paraphrase", "In April 2025,\n\n# Forged heading\n37% described those who leave "
         "as traitors.", r"a line break is not allowed in a one-line text field"),
    Case("blank_line_in_a_note", RELEASE,
         sub('"The majority (90%) would', '"The majority\n\n(90%) would'),
         2, "context", "The majority\n\n(90%) would not like to move abroad for permanent "
         "residence", r"a blank line is not allowed"),
]


def load(raw: Path, file: str):
    """Call the loader that reads ``file`` of the raw tree ``raw``."""
    if file.endswith("_figures.csv"):
        return io.load_figures(raw=raw)
    if file == GAPS:
        return io.load_gaps(raw / GAPS)
    if file.startswith("metadata/"):
        return io.load_metadata(raw / "metadata")
    if file == CLAIMS:
        return claims.load_claims(raw / CLAIMS, tidy=io.tidy_figures(io.load_figures(raw=raw)))
    loader = {SOURCES: io.load_sources, POPULATION: io.load_population,
              APPROVAL: io.load_approval, ERRORS: io.load_error_table}[file]
    return loader(raw / file)


def copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    shutil.copy(paths.DATA / "claims" / "essay-chasm-2025.csv", raw / CLAIMS)
    for path in raw.rglob("*"):  # raw files are committed read-only
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return raw


def expected_prefix(path: Path, case: Case) -> str:
    where = path.resolve().as_posix()
    if case.line is not None:
        where += f", line {case.line}"
    if case.column is not None:
        where += f", column '{case.column}'"
    if case.key is not None:
        where += f", key '{case.key}'"
    if case.value is not None:
        where += f": value {case.value!r}"
    return where + ": "


def test_the_corpus_is_large_and_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) >= 14
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("file", [ESSAY, SOURCES, POPULATION, APPROVAL, ERRORS, WAVES, GAPS,
                                  CLAIMS])
def test_an_unmutated_copy_loads(tmp_path, file):
    """The cases fail because of their mutation, not because the copy is unreadable."""
    assert len(load(copy_raw(tmp_path), file)) > 0


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_named(tmp_path, case):
    raw = copy_raw(tmp_path)
    target = raw / case.file
    target.write_bytes(case.edit(target.read_bytes()))
    with pytest.raises(io.RawDataError) as info:
        load(raw, case.via or case.file)
    err = info.value
    message = str(err)
    prefix = expected_prefix(target, case)
    assert message.startswith(prefix), f"\n{message}\ndoes not start with\n{prefix}"
    assert re.search(case.message, message[len(prefix):]), message
    assert (err.line, err.column, err.key) == (case.line, case.column, case.key)
    assert paths.relative(err.path) == paths.relative(target)
