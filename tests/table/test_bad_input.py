"""Bad-input corpus: each case breaks one thing in a copy of ``data/raw`` and names the error.

Every case copies the real ``data/raw`` tree to a temporary folder, applies one mutation to one
file and calls the loader that reads it. The loader must raise
:class:`chasm.data.schema.RawDataError`
whose message starts with ``<file>, line <n>, column '<c>': value '<v>'`` (CSV) or
``<file>, line <n>, key '<k>': value '<v>'`` (YAML; the parts that apply) followed by the
reason, the value quoted as the file writes it. The expected messages are data: the table
``CASES`` below.

The corpus is built from the data as they are: a mutation finds the row (or YAML key) it
breaks by what it is (the first essay figure written as a whole percentage, the first wave,
the last gap, ...), never by a line number or today's figures, and the expected line, key and
values are read off the file where the mutation was made. So adding waves, sources or figures,
or correcting a figure, changes no case's verdict: ``test_bad_input_is_named`` runs every case
on the data as committed and on a copy that gained a wave (inserted first, so every line
moves) and a corrected figure (``EVOLUTIONS``).
"""

from __future__ import annotations

import csv
import io as _io
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chasm import paths
from chasm.data import load, schema
from chasm.register import claims

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
AT = "the line the mutation changed"

#: What a mutation found and did: ``line`` (where it changed the file), the row's or key's
#: values, and anything the expected message needs; formats ``value``, ``key``, ``message``.
Info = dict
#: A mutation: (file bytes, raw folder) -> (new bytes, what it found and did).
Edit = Callable[[bytes, Path], tuple[bytes, Info]]


# --------------------------------------------------------------------------------------------
# Finding rows: CSV rows with their physical lines, chosen by what they are.
# --------------------------------------------------------------------------------------------
def rows(text: str) -> tuple[list[str], list[tuple[int, int, dict]]]:
    """Header and (first line, last line, cells by column) of every data row."""
    reader = csv.reader(_io.StringIO(text, newline=""))
    header = next(reader)
    out, previous = [], reader.line_num
    for cells in reader:
        first, previous = previous + 1, reader.line_num
        if cells:
            out.append((first, reader.line_num, dict(zip(header, cells, strict=False))))
    return header, out


def plain(row: dict) -> bool:
    """A whole-sample figure written as a whole percentage (``37,37%``)."""
    return (row.get("subgroup_var") == "all" and row["value_pct"].isdigit()
            and row["value_text"] == row["value_pct"] + "%")


def worded(row: dict) -> bool:
    """A figure given in words only (``about a third``)."""
    return row["value_pct"] == "" and row["value_text"].startswith("about ")


def with_(column: str, value: str | None = None) -> Callable[[dict], bool]:
    """Rows whose ``column`` is ``value`` (any non-empty value if None)."""
    return lambda row: (row.get(column) == value) if value is not None else bool(row.get(column))


def anything(row: dict) -> bool:
    return True


def _line_of(cells: list[str]) -> str:
    out = _io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)  # quotes a cell with a line break
    return out.getvalue()[:-1]


def at_row(pick: Callable[[dict], bool], nth: int = 0, **changes) -> Edit:
    """Set columns of the ``nth`` row ``pick`` chooses; each change is a value, or a function
    of the row's cells (and the header) giving it. Only that row's text is rewritten."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        header, found = rows(text)
        first, last, row = [r for r in found if pick(r[2])][nth]
        new = dict(row)
        for column, change in changes.items():
            new[column] = change(row, header) if callable(change) else change
        lines = text.split("\n")
        lines[first - 1:last] = [_line_of([new.get(c, "") for c in header])]
        info = {**row, "line": first, "ncols": len(header), **{f"new_{c}": new[c] for c in new}}
        return "\n".join(lines).encode("utf-8"), info

    return edit


def at_text(pick: Callable[[dict], bool], change: Callable[[str], str], nth: int = 0,
            encoding: str = "utf-8") -> Edit:
    """Change the text of the ``nth`` row ``pick`` chooses (a single-line row), as written."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        header, found = rows(text)
        first, last, row = [r for r in found if pick(r[2])][nth]
        assert first == last, "at_text edits single-line rows"
        lines = text.split("\n")
        lines[first - 1] = change(lines[first - 1])
        return "\n".join(lines).encode(encoding), {**row, "line": first, "ncols": len(header)}

    return edit


def same_id(column: str, pick: Callable[[dict], bool], into: str | None = None) -> Edit:
    """Give the last row the id (``column``) of the first row ``pick`` chooses in this file, or
    in the file ``into`` (a cross-file duplicate): ``also`` is that row's line."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        source = (raw / into).read_text(encoding="utf-8") if into else data.decode("utf-8")
        first, _, original = [r for r in rows(source)[1] if pick(r[2])][0]
        out, info = at_row(anything, -1, **{column: original[column]})(data, raw)
        if not into:
            assert info["line"] != first, "the file has one row only"
        return out, {**info, "also": first, "id": original[column]}

    return edit


def then(*edits: Edit) -> Edit:
    """Several mutations of one file, in order; the last one's info."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        info: Info = {}
        for one in edits:
            data, info = one(data, raw)
        return data, info

    return edit


def plain_edit(function: Callable[[bytes], bytes], line: int | None = None) -> Edit:
    """A mutation of the whole file that needs no row."""
    return lambda data, raw: (function(data), {"line": line})


def whole(content: bytes) -> Edit:
    return plain_edit(lambda data: content)


def first_lines(n: int, then_: bytes = b"") -> Edit:
    return plain_edit(lambda data: b"".join(data.splitlines(keepends=True)[:n]) + then_)


def prepend(prefix: bytes) -> Edit:
    return plain_edit(lambda data: prefix + data)


def header_edit(change: Callable[[list[str]], tuple[list[str], str]]) -> Edit:
    """Change the header line; ``change`` gives the new header and the column to name."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        lines = text.split("\n")
        header, column = change(next(csv.reader([lines[0]])))
        lines[0] = _line_of(header)
        return "\n".join(lines).encode("utf-8"), {"line": 1, "column": column}

    return edit


def drop_column(name: str) -> Edit:
    """Remove a column (header and cells) from a CSV."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        table = list(csv.reader(_io.StringIO(data.decode("utf-8"), newline="")))
        i = table[0].index(name)
        out = _io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(r[:i] + r[i + 1:] for r in table)
        return out.getvalue().encode("utf-8"), {"line": 1}

    return edit


def add_column(name: str, value: str) -> Edit:
    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        lines = data.decode("utf-8").splitlines()
        lines = [lines[0] + f",{name}"] + [line + f",{value}" for line in lines[1:]]
        return ("\n".join(lines) + "\n").encode("utf-8"), {"line": 1}

    return edit


# --------------------------------------------------------------------------------------------
# Finding YAML keys: the line of a key path, and the key path of a line (by indentation).
# --------------------------------------------------------------------------------------------
_KEY = re.compile(r"^(\s*)(- )?([^\s:#][^:]*):(?:\s|$)")


def key_path(lines: list[str], number: int) -> list[str]:
    """Key path of line ``number`` (1-based): its key and those of its parents; a list item is
    ``[k]`` (1-based among its siblings)."""

    def item(i: int, dash: int) -> str:
        return f"[{sum(1 for j in range(i + 1) if re.match(rf'^ {{{dash}}}- ', lines[j]))}]"

    m = _KEY.match(lines[number - 1])
    indent = len(m[1])
    path = [m[3].strip()]
    if m[2]:
        path.insert(0, item(number - 1, indent))
    for i in range(number - 2, -1, -1):
        if indent == 0:
            break
        m = _KEY.match(lines[i])
        if not m:
            continue
        if m[2] and len(m[1]) + 2 == indent:  # the list item this line belongs to
            path.insert(0, item(i, len(m[1])))
            indent = len(m[1])
        elif not m[2] and len(m[1]) < indent:
            path.insert(0, m[3].strip())
            indent = len(m[1])
    return path


def top_keys(text: str) -> list[tuple[int, str]]:
    """(line, key) of every top-level key."""
    return [(i + 1, m[3]) for i, line in enumerate(text.split("\n"))
            if (m := _KEY.match(line)) and not m[1] and not m[2]]


def key_line(text: str, top: str, key: str) -> int:
    """Line of ``key`` directly under top-level key ``top``."""
    lines = text.split("\n")
    start = next(n for n, k in top_keys(text) if k == top)
    for i in range(start, len(lines)):
        if re.match(r"^\S", lines[i]) and i >= start:
            break
        if re.match(rf"^\s+{re.escape(key)}:", lines[i]):
            return i + 1
    raise AssertionError(f"{top}.{key} not found")


def yaml_value(nth_top: int, key: str, new: Callable[[str], str] | str) -> Edit:
    """Replace the value of ``key`` under the ``nth_top`` top-level key (as written)."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        top = top_keys(text)[nth_top][1]
        number = key_line(text, top, key)
        lines = text.split("\n")
        indent, old = lines[number - 1].split(f"{key}:", 1)
        old = old.strip()
        value = new(old) if callable(new) else new
        lines[number - 1] = f"{indent}{key}: {value}"
        return "\n".join(lines).encode("utf-8"), {"line": number, "top": top, "old": old,
                                                   "new": value}

    return edit


def yaml_line(pattern: str, change: Callable[[str], str], nth: int = 0) -> Edit:
    """Change the ``nth`` line matching ``pattern``; ``path`` is its key path."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        lines = data.decode("utf-8").split("\n")
        number = [i + 1 for i, line in enumerate(lines) if re.search(pattern, line)][nth]
        old = lines[number - 1]
        lines[number - 1] = change(old)
        return "\n".join(lines).encode("utf-8"), {
            "line": number, "path": ".".join(key_path(lines, number)), "old": old,
            "value": lines[number - 1].split(": ", 1)[-1]}

    return edit


def yaml_insert_after(nth_top: int, key: str, text_: str) -> Edit:
    """Insert lines after ``key`` under the ``nth_top`` top-level key."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        top = top_keys(text)[nth_top][1]
        number = key_line(text, top, key)
        lines = text.split("\n")
        lines[number:number] = text_.rstrip("\n").split("\n")
        return "\n".join(lines).encode("utf-8"), {"line": number + 1, "top": top}

    return edit


def yaml_remove(nth_top: int | Callable[[Path], str], key: str) -> Edit:
    """Remove ``key`` under a top-level key: the ``nth_top`` one, or the one a function of the
    raw folder names. ``line`` is that top-level key's line."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        tops = top_keys(text)
        if callable(nth_top):
            nth = [k for _, k in tops].index(nth_top(raw))
        else:
            nth = nth_top
        top, top_line = tops[nth][1], tops[nth][0]
        number = key_line(text, top, key)
        lines = text.split("\n")
        del lines[number - 1]
        return "\n".join(lines).encode("utf-8"), {"line": top_line, "top": top}

    return edit


def yaml_append(make: Callable[[str], tuple[str, Info]]) -> Edit:
    """Append text made from the file (``make`` returns it and what the message needs)."""

    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        text = data.decode("utf-8")
        extra, info = make(text)
        text = text if text.endswith("\n") else text + "\n"
        return (text + extra).encode("utf-8"), {"line": text.count("\n") + 1, **info}

    return edit


def _no_approval_month_where_needed() -> Edit:
    """The approval_month of a wave whose figures are broken down by Putin approval (the one
    place an analysis needs it), removed."""

    def wave(raw: Path) -> str:
        found = rows((raw / ESSAY).read_text(encoding="utf-8"))[1]
        return next(r["wave"] for _, _, r in found if r["subgroup_var"] == "putin_approval")

    return yaml_remove(wave, "approval_month")


def _duplicate_first_wave(text: str) -> tuple[str, Info]:
    line, top = top_keys(text)[0]
    return f"{top}:\n  label: again\n  n: 900\n  n_assumed: false\n", {"top": top, "also": line}


def _new_gap_without_consequence(text: str) -> tuple[str, Info]:
    items = sum(1 for line in text.split("\n") if line.startswith("- "))
    return "- id: x\n  what: y\n", {"item": items + 1}


def _month_after_the_series(data: bytes, raw: Path) -> str:
    last = max(r["month"] for _, _, r in rows((raw / APPROVAL).read_text(encoding="utf-8"))[1])
    year, month = map(int, last.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def _approval_month_outside_the_series() -> Edit:
    def edit(data: bytes, raw: Path) -> tuple[bytes, Info]:
        return yaml_value(0, "approval_month", _month_after_the_series(data, raw))(data, raw)

    return edit


def _arabic_indic(digits: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in digits)


# --------------------------------------------------------------------------------------------
# The corpus. line is AT (where the mutation changed the file), a number (the header), or None
# where no line applies (an empty file). ``value``, ``key`` and ``message`` are formatted with
# what the mutation found (``{line}``, the row's columns, ``{new_<column>}``, ...); in
# ``message`` (a regular expression searched in the reason after the location) those values are
# escaped.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    id: str
    file: str
    edit: Edit
    line: int | str | None
    column: str | None
    value: str | None
    message: str
    key: str | None = None  # YAML: the dotted key path
    via: str | None = None  # call the loader of this file instead (a cross-file check)


def share(value: str, text: str | None = None) -> Edit:
    """The plain figure's value_pct (and value_text) set as written."""
    changes = {"value_pct": value} if text is None else {"value_pct": value, "value_text": text}
    return at_row(plain, **changes)


def _more(row, header, by=2):
    return f"{int(row['value_pct']) + by}%"


CASES = [
    # shares
    Case("non_numeric_share", ESSAY, share("abc"), AT, "value_pct", "abc", r"is not a number"),
    Case("share_over_100", ESSAY, share("137", "137%"), AT, "value_pct", "137",
         r"is a share outside 0-100"),
    Case("negative_share", ESSAY, share("-3", "-3%"), AT, "value_pct", "-3",
         r"is a share outside 0-100"),
    Case("nan_share", ESSAY, share("nan"), AT, "value_pct", "nan", r"is not a finite number"),
    # ids
    Case("duplicate_id_within_file", ESSAY, same_id("figure_id", plain), AT, "figure_id",
         "{id}", r"^duplicate id \(also line {also}\)$"),
    Case("duplicate_id_across_files", SECONDARY, same_id("figure_id", plain, into=ESSAY), AT,
         "figure_id", "{id}", r"duplicate id \(also .*/raw/essay_figures\.csv, line {also}\)"),
    Case("figure_id_not_an_identifier", ESSAY,
         at_row(plain, figure_id=lambda r, h: r["figure_id"][0] + " " + r["figure_id"][1:]),
         AT, "figure_id", "{new_figure_id}", r"is not an identifier"),
    # references into sources.csv and metadata
    Case("unknown_question", ESSAY, at_row(plain, question="why_people_go"), AT, "question",
         "why_people_go", r"unknown question \(not in metadata/questions\.yaml\)"),
    Case("unknown_option", ESSAY, at_row(plain, option="no_such_option"), AT, "option",
         "no_such_option", r"unknown option of question '{question}'"),
    Case("unknown_source", ESSAY, at_row(plain, source_id="no-such-source"), AT, "source_id",
         "no-such-source", r"unknown source \(not in sources\.csv\)"),
    Case("unknown_cited_source", ESSAY, at_row(with_("cites"), cites="no-such-source"), AT,
         "cites", "no-such-source", r"unknown source \(not in sources\.csv\)"),
    Case("unknown_wave", ESSAY, at_row(plain, wave="1990-01"), AT, "wave", "1990-01",
         r"unknown wave \(not in metadata/waves\.yaml\)"),
    Case("wave_not_a_month", ESSAY, at_row(plain, wave="April 2025"), AT, "wave", "April 2025",
         r"is not a month YYYY-MM"),
    # subgroups
    Case("subgroup_not_a_group_of_its_variable", ESSAY,
         at_row(with_("subgroup_var", "age"), subgroup="200+"), AT, "subgroup", "200+",
         r"not a group of subgroup variable 'age'"),
    Case("subgroup_of_another_variable", ESSAY, at_row(plain, subgroup="55+"), AT, "subgroup",
         "55+", r"not a group of subgroup variable 'all'"),
    Case("subgroup_without_variable", ESSAY, at_row(with_("subgroup_var", "age"),
                                                    subgroup_var=""),
         AT, "subgroup_var", None, r"is empty but required"),
    Case("unknown_subgroup_variable", ESSAY,
         at_row(with_("subgroup_var", "putin_approval"), subgroup_var="putin_rating"), AT,
         "subgroup_var", "putin_rating", r"unknown subgroup variable"),
    # wording
    Case("wording_no_rule_reads", ESSAY, at_row(worded, value_text="roughly many"), AT,
         "value_text", "roughly many", r"no rule reads 'roughly many'"),
    Case("value_pct_disagrees_with_value_text", ESSAY, at_row(plain, value_text=_more), AT,
         "value_pct", "{value_pct}", r"disagrees with value_text '{new_value_text}'"),
    Case("number_disagrees_with_words", ESSAY, at_row(worded, value_pct="3"), AT, "value_pct",
         "3", r"disagrees with value_text '{value_text}'"),
    # markup and scripts in text fields
    Case("script_in_value_text", ESSAY, at_row(plain, value_text=SCRIPT), AT, "value_text",
         SCRIPT, r"markup or script is not allowed"),
    Case("script_in_context", RELEASE,
         at_row(with_("context"), context=lambda r, h: f"{SCRIPT} {r['context']}"), AT,
         "context", "{new_context}", r"markup or script is not allowed"),
    Case("markup_in_source_title", SOURCES,
         at_row(with_("title"), title=lambda r, h: f"<img src=x onerror=alert(1)> {r['title']}"),
         AT, "title", "{new_title}", r"markup or script is not allowed"),
    Case("javascript_url_in_sources", SOURCES, at_row(with_("url"), url="javascript:alert(1)"),
         AT, "url", "javascript:alert(1)", r"markup or script is not allowed"),
    # shape of the table
    Case("missing_column", ESSAY, drop_column("option"),
         1, "option", None, r"required column is missing"),
    Case("unexpected_extra_column", ESSAY, add_column("weight", "1"),
         1, "weight", None, r"unexpected column"),
    Case("column_named_twice", ESSAY, header_edit(lambda h: (h[:-1] + [h[-2]], h[-2])),
         1, "{column}", None, r"column name appears twice"),
    Case("row_with_too_many_cells", ESSAY, at_text(plain, lambda line: line + ",extra"), AT,
         None, None, r"has {more} cells, the header has {ncols}"),
    Case("row_with_too_few_cells", ESSAY, at_text(plain, lambda line: line.rsplit(",", 2)[0]),
         AT, None, None, r"has {fewer} cells, the header has {ncols}"),
    Case("required_cell_empty", ESSAY, at_row(plain, question=""), AT, "question", None,
         r"is empty but required"),
    Case("quote_never_closed", ESSAY,
         at_text(plain, lambda line: line.rsplit(",", 1)[0] + ',"' + line.rsplit(",", 1)[1]),
         AT, None, None, r"is not valid CSV"),
    Case("line_numbers_after_a_multiline_cell", RELEASE,
         then(at_row(with_("context"), context=lambda r, h: r["context"].replace(" ", "\n", 1)),
              at_row(plain, -1, value_pct="nine")),
         AT, "value_pct", "nine", r"is not a number"),
    # the file itself
    Case("empty_file", ESSAY, whole(b""), None, None, None, r"is empty: expected a header line"),
    Case("header_only", ESSAY, first_lines(1), None, None, None, r"has a header but no data rows"),
    Case("header_and_blank_lines", ERRORS, first_lines(1, b"\n\n"),
         None, None, None, r"has a header but no data rows"),
    Case("wrong_encoding_latin1", ESSAY,
         at_text(plain, lambda line: line + " café", encoding="latin-1"),
         AT, None, None, r"byte 0xe9 is not valid UTF-8"),
    Case("utf8_bom", ESSAY, prepend(b"\xef\xbb\xbf"), None, None, None, r"byte-order mark"),
    Case("nul_byte", APPROVAL, at_text(anything, lambda line: line.replace(",", ",1\x00", 1), 1),
         AT, None, None, r"contains a NUL byte"),
    # other raw tables
    Case("sources_unknown_kind", SOURCES, at_row(anything, kind="blog"), AT, "kind", "blog",
         r"kind must be one of"),
    Case("sources_duplicate_id", SOURCES, same_id("source_id", anything), AT, "source_id",
         "{id}", r"duplicate id \(also line {also}\)"),
    Case("population_sexes_do_not_add_up", POPULATION,
         at_row(anything, female=lambda r, h: str(int(r["female"]) + 1)), AT, "total",
         "{total}", r"male \+ female differs from total"),
    Case("population_duplicate_age", POPULATION, same_id("age", anything), AT, "age", "{id}",
         r"duplicate id \(also line {also}\)"),
    Case("population_negative_count", POPULATION,
         at_row(anything, male=lambda r, h: "-" + r["male"]), AT, "male", "{new_male}",
         r"is not a whole number >= 0"),
    Case("population_fractional_count", POPULATION,
         at_row(anything, male=lambda r, h: r["male"] + ".5"), AT, "male", "{new_male}",
         r"is not a whole number >= 0"),
    Case("approval_over_100", APPROVAL, at_row(anything, approve="131"), AT, "approve", "131",
         r"is a share outside 0-100"),
    Case("approval_duplicate_month", APPROVAL, same_id("month", anything), AT, "month", "{id}",
         r"duplicate id \(also line {also}\)"),
    Case("approval_bom", APPROVAL, prepend(b"\xef\xbb\xbf"), None, None, None,
         r"byte-order mark"),
    Case("error_table_zero_error", ERRORS, at_row(anything, max_error_pct="0"), AT,
         "max_error_pct", "0", r"must be > 0"),
    Case("error_table_confidence_not_a_probability", ERRORS, at_row(anything, confidence="95"),
         AT, "confidence", "95", r"must lie strictly between 0 and 1"),
    Case("error_table_missing_column", ERRORS, drop_column("sample_n"),
         1, "sample_n", None, r"required column is missing"),
    # metadata (YAML): line, dotted key and the value as written
    Case("waves_negative_n", WAVES, yaml_value(0, "n", "-5"),
         AT, None, "-5", r"must be a whole number > 0", key="{top}.n"),
    Case("waves_key_twice", WAVES, yaml_append(_duplicate_first_wave),
         AT, None, "{top}", r"^key appears twice \(also line {also}\)$", key="{top}"),
    Case("questions_unknown_response_type", QUESTIONS,
         yaml_line(r"^\s+response: multiple", lambda s: s.replace("multiple", "several")),
         AT, None, "several", r"must be one of \['single', 'multiple', 'unknown'\]",
         key="{path}"),
    # metadata: booleans and number forms YAML 1.1 reads differently than they look
    Case("waves_n_yes", WAVES, yaml_value(0, "n", "yes"),
         AT, None, "yes", r"YAML 1\.1 reads this plain value as a bool", key="{top}.n"),
    Case("waves_n_true", WAVES, yaml_value(0, "n", "true"),
         AT, None, "true", r"^must be a whole number > 0", key="{top}.n"),
    Case("waves_n_quoted", WAVES, yaml_value(0, "n", lambda old: f'"{old}"'),
         AT, None, '{new}', r"^must be a whole number > 0", key="{top}.n"),
    Case("waves_n_underscore", WAVES, yaml_value(0, "n", lambda old: f"{old[0]}_{old[1:]}"),
         AT, None, "{new}", r"reads this plain value as a int.*ASCII digits only",
         key="{top}.n"),
    Case("waves_n_fraction", WAVES, yaml_value(0, "n", lambda old: f"{old}.5"),
         AT, None, "{new}", r"^must be a whole number > 0", key="{top}.n"),
    Case("waves_n_full_width_digits", WAVES,
         yaml_value(0, "n", lambda old: "".join(chr(0xFF10 + int(c)) for c in old)),
         AT, None, "{new}", r"^must be a whole number > 0", key="{top}.n"),
    Case("waves_n_assumed_yes", WAVES, yaml_value(0, "n_assumed", "yes"),
         AT, None, "yes", r"write true or false", key="{top}.n_assumed"),
    Case("subgroups_label_no", SUBGROUPS,
         yaml_line(r"\{label: no answer\}", lambda s: s.replace("no answer", "no")),
         AT, None, "no", r"reads this plain value as a bool.*quote it", key="{path}.label"),
    # metadata: keys
    Case("waves_missing_approval_month", WAVES, _no_approval_month_where_needed(),
         AT, None, "{top}", r"^wave {top} has figures broken down by 'putin_approval' \(.*\) "
         r"but no approval_month", key="{top}", via=ESSAY),
    Case("waves_misspelt_key", WAVES,
         yaml_line(r"^\s+approval_month:", lambda s: s.replace("approval", "aproval")),
         AT, None, "aproval_month", r"^unknown key \(did you mean 'approval_month'\?\)$",
         key="{path}"),
    Case("waves_unknown_key", WAVES, yaml_insert_after(0, "n_assumed", "  deff: 2"),
         AT, None, "deff", r"^unknown key; known: label, fieldwork, n, n_assumed, approval_month$",
         key="{top}.deff"),
    Case("wave_id_not_a_month", WAVES, yaml_line(r"^\d{4}-\d{2}:", lambda s: "March 2022:", 1),
         AT, None, "March 2022", r"^is not a month YYYY-MM$", key="March 2022"),
    Case("questions_yes_as_a_key", QUESTIONS,
         yaml_line(r"^    \w+: \{", lambda s: re.sub(r"^    \w+:", "    yes:", s)),
         AT, None, "yes", r"reads this plain value as a bool", key="{parent}"),
    # metadata: the file
    Case("waves_yaml_syntax_error", WAVES,
         yaml_line(r"^  n_assumed: true$", lambda s: s + ": no"),
         AT, None, None, r"^is not valid YAML: mapping values are not allowed here \(column 18\)"),
    Case("waves_alias_bomb", WAVES, whole("".join(
        f"{a}: &{a} [{', '.join([f'*{b}'] * 9 if b else ['lol'] * 9)}]\n"
        for a, b in zip("abcdefghi", " abcdefgh", strict=True)).replace("* ", "").encode()),
         1, None, "a", r"anchors and aliases \(&name, \*name\) are not allowed"),
    Case("waves_explicit_tag", WAVES, yaml_value(0, "n", lambda old: f"!!int {old}"),
         AT, None, "tag:yaml.org,2002:int", r"explicit YAML tags are not allowed"),
    Case("waves_list_for_a_string", WAVES, yaml_value(0, "label", lambda old: f"[{old}]"),
         AT, None, "{new}", r"^must be non-empty text$", key="{top}.label"),
    Case("waves_approval_month_not_in_series", WAVES, _approval_month_outside_the_series(),
         AT, None, "{new}", r"approval_month is not a month of .*putin_approval_monthly\.csv",
         key="{top}.approval_month", via=APPROVAL),
    # metadata: text from data is inert
    Case("markdown_image_in_option_label", QUESTIONS,
         yaml_line(r"^    \w+: \{label: \"", lambda s: re.sub(r'label: "[^"]*"',
                                                             'label: "![x](http://a/b.png)"', s)),
         AT, None, '"![x](http://a/b.png)"', r"markup or script is not allowed",
         key="{path}.label"),
    Case("html_in_wave_label", WAVES, yaml_value(0, "label", "Levada <img src=x> omnibus"),
         AT, None, "Levada <img src=x> omnibus", r"markup or script is not allowed",
         key="{top}.label"),
    Case("line_break_in_group_label", SUBGROUPS,
         yaml_line(r"\{label: no answer\}",
                   lambda s: s.replace("{label: no answer}",
                                       '{label: "no\\n\\n# forged heading"}')),
         AT, None, '"no\\n\\n# forged heading"', r"a line break is not allowed",
         key="{path}.label"),
    Case("data_link_in_gap", GAPS,
         yaml_line(r"^  what: ", lambda s: s.replace("what: ", "what: see [the tables]"
                                                     "(data:text/html,x) for ", 1)),
         AT, None, "{value}", r"markup or script is not allowed", key="{path}"),
    Case("gap_missing_consequence", GAPS, yaml_append(_new_gap_without_consequence),
         AT, None, None, r"^required key is missing$", key="[{item}].consequence"),
    # one number grammar for every numeric CSV cell; messages quote the cell as written
    Case("share_with_underscore", ESSAY,
         at_row(plain, value_pct=lambda r, h: r["value_pct"][0] + "_" + r["value_pct"][1:]),
         AT, "value_pct", "{new_value_pct}", r"is not a number \(ASCII digits"),
    Case("share_in_arabic_indic_digits", ESSAY,
         at_row(plain, value_pct=lambda r, h: _arabic_indic(r["value_pct"])),
         AT, "value_pct", "{new_value_pct}", r"is not a number"),
    Case("share_in_full_width_digits", ESSAY,
         at_row(plain, value_pct=lambda r, h: "".join(chr(0xFF10 + int(c))
                                                     for c in r["value_pct"])),
         AT, "value_pct", "{new_value_pct}", r"is not a number"),
    Case("share_with_exponent", ESSAY, at_row(plain, value_pct=lambda r, h: r["value_pct"] + "e0"),
         AT, "value_pct", "{new_value_pct}", r"is not a number"),
    Case("share_with_plus_sign", ESSAY, at_row(plain, value_pct=lambda r, h: "+" + r["value_pct"]),
         AT, "value_pct", "{new_value_pct}", r"is not a number"),
    Case("share_without_leading_digit", ESSAY, at_row(plain, value_pct=".37", value_text="37%"),
         AT, "value_pct", ".37", r"is not a number"),
    Case("count_with_underscore", POPULATION,
         at_row(anything, male=lambda r, h: r["male"][0] + "_" + r["male"][1:]), AT, "male",
         "{new_male}", r"is not a number"),
    Case("claims_paragraph_in_arabic_indic_digits", CLAIMS,
         at_row(with_("paragraph"), paragraph=lambda r, h: _arabic_indic(r["paragraph"])), AT,
         "paragraph", "{new_paragraph}", r"is not a number"),
    Case("value_pct_quoted_as_written", ESSAY,
         at_row(plain, value_pct=lambda r, h: r["value_pct"] + ".0", value_text=_more),
         AT, "value_pct", "{new_value_pct}", r"disagrees with value_text '{new_value_text}'"),
    Case("wording_in_arabic_indic_digits", ESSAY, share("", "٣٧%"), AT, "value_text", "٣٧%",
         r"no rule reads '٣٧%'"),
    Case("wording_in_full_width_digits", ESSAY, share("", "３７%"), AT, "value_text", "３７%",
         r"no rule reads '３７%'"),
    Case("wording_count_in_arabic_indic_digits", ESSAY, at_row(worded, value_text="٣ out of ١٠"),
         AT, "value_text", "٣ out of ١٠", r"no rule reads"),
    # CSV text from data is inert
    Case("markdown_image_in_value_text", ESSAY, share("", "![x](http://a/b.png)"),
         AT, "value_text", "![x](http://a/b.png)", r"markup or script is not allowed"),
    Case("data_link_in_context", RELEASE,
         at_row(with_("context"),
                context=lambda r, h: f"[The majority](data:text/html;base64,PGI+) {r['context']}"),
         AT, "context", "{new_context}", r"markup or script is not allowed"),
    Case("data_url_in_sources", SOURCES, at_row(with_("url"), url="data:text/html;base64,PGI+"),
         AT, "url", "data:text/html;base64,PGI+", r"markup or script is not allowed"),
    Case("markdown_image_in_claim_paraphrase", CLAIMS,
         at_row(with_("paraphrase"),
                paraphrase=lambda r, h: f"![x](http://a/b.png) {r['paraphrase']}"),
         AT, "paraphrase", "{new_paraphrase}", r"markup or script is not allowed"),
    Case("heading_forged_in_claim_paraphrase", CLAIMS,
         at_row(with_("paraphrase"),
                paraphrase=lambda r, h: r["paraphrase"].replace(" ", "\n\n# Forged heading\n", 1)),
         AT, "paraphrase", "{new_paraphrase}",
         r"a line break is not allowed in a one-line text field"),
    Case("blank_line_in_a_note", RELEASE,
         at_row(with_("context"), context=lambda r, h: r["context"].replace(" ", "\n\n", 1)),
         AT, "context", "{new_context}", r"a blank line is not allowed"),
]


# --------------------------------------------------------------------------------------------
# How the data may grow: every case must give the same verdict on the grown data.
# --------------------------------------------------------------------------------------------
def _earlier_month(month: str) -> str:
    year, m = map(int, month.split("-"))
    return f"{year - 1}-{m:02d}"


def new_wave_first(raw: Path) -> None:
    """A wave a year before the first one, written first in waves.yaml (every key's line
    moves), with one figure, written first in the releases' figures (every row's line moves)."""
    waves = raw / WAVES
    text = waves.read_text(encoding="utf-8")
    first_line, first = top_keys(text)[0]
    wave = _earlier_month(first)
    lines = text.split("\n")
    block = [f"{wave}:", "  label: an earlier wave (added by the test)", "  fieldwork: null",
             "  n: 1600", "  n_assumed: true", f"  approval_month: {wave}"]
    lines[first_line - 1:first_line - 1] = block
    waves.write_text("\n".join(lines), encoding="utf-8")
    release = raw / RELEASE
    header, found = rows(release.read_text(encoding="utf-8"))
    row = dict(next(r for _, _, r in found if plain(r)))
    row.update(figure_id="ADDED01", wave=wave)
    text = release.read_text(encoding="utf-8").split("\n")
    text[1:1] = [_line_of([row[c] for c in header])]
    release.write_text("\n".join(text), encoding="utf-8")


def corrected_figure(raw: Path) -> None:
    """A whole-percentage figure no claim cites (the first in the essay's, the secondary or
    the releases' figures), one point higher."""
    cited = set()
    for _, _, claim in rows((raw / CLAIMS).read_text(encoding="utf-8"))[1]:
        cited |= set(re.split(r"[;, ]+", claim["figure_ids"]))
    uncited = lambda r: plain(r) and r["figure_id"] not in cited  # noqa: E731
    for name in (ESSAY, SECONDARY, RELEASE):
        path = raw / name
        if any(uncited(r) for _, _, r in rows(path.read_text(encoding="utf-8"))[1]):
            data, _ = at_row(uncited, value_pct=lambda r, h: str(int(r["value_pct"]) + 1),
                             value_text=lambda r, h: f"{int(r['value_pct']) + 1}%")(
                path.read_bytes(), raw)
            path.write_bytes(data)
            return
    raise AssertionError("no uncited whole-percentage figure to correct")


EVOLUTIONS = {"as_committed": [], "grown": [new_wave_first, corrected_figure]}


def load_file(raw: Path, file: str):
    """Call the loader that reads ``file`` of the raw tree ``raw``."""
    if file.endswith("_figures.csv"):
        return load.load_figures(raw=raw)
    if file == GAPS:
        return load.load_gaps(raw / GAPS)
    if file.startswith("metadata/"):
        return load.load_metadata(raw / "metadata")
    if file == CLAIMS:
        return claims.load_claims(raw / CLAIMS, tidy=load.tidy_figures(load.load_figures(raw=raw)))
    loader = {SOURCES: load.load_sources, POPULATION: load.load_population,
              APPROVAL: load.load_approval, ERRORS: load.load_error_table}[file]
    return loader(raw / file)


def copy_raw(tmp_path: Path, evolution: str = "as_committed") -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    shutil.copy(paths.DATA / "claims" / "essay-chasm-2025.csv", raw / CLAIMS)
    for path in raw.rglob("*"):  # raw files are committed read-only
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    for grow in EVOLUTIONS[evolution]:
        grow(raw)
    return raw


def _fill(template: str | None, info: Info, escape: bool = False) -> str | None:
    if template is None:
        return None
    values = {k: (re.escape(str(v)) if escape else v) for k, v in info.items()}
    return template.format(**values)


def expected(path: Path, case: Case, info: Info) -> tuple[str, int | None, str | None,
                                                           str | None]:
    """The message's expected start, and the line, column and key it names."""
    line = info["line"] if case.line == AT else case.line
    column, key = _fill(case.column, info), _fill(case.key, info)
    value = _fill(case.value, info)
    where = path.resolve().as_posix()
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column '{column}'"
    if key is not None:
        where += f", key '{key}'"
    if value is not None:
        where += f": value {value!r}"
    return where + ": ", line, column, key


def test_the_corpus_is_large_and_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) >= 14
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("evolution", list(EVOLUTIONS))
@pytest.mark.parametrize("file", [ESSAY, RELEASE, SOURCES, POPULATION, APPROVAL, ERRORS, WAVES,
                                  GAPS, CLAIMS])
def test_an_unmutated_copy_loads(tmp_path, file, evolution):
    """The cases fail because of their mutation, not because the copy is unreadable (nor
    because the data grew)."""
    assert len(load_file(copy_raw(tmp_path, evolution), file)) > 0


def test_the_grown_data_moved_lines_and_a_figure(tmp_path):
    """The evolution really moves what a corpus tied to today's data would rely on."""
    before, after = copy_raw(tmp_path / "a"), copy_raw(tmp_path / "b", "grown")
    first = [top_keys((raw / WAVES).read_text())[0][1] for raw in (before, after)]
    assert first[0] != first[1]
    assert any((after / f).read_text() != (before / f).read_text()
               for f in (ESSAY, SECONDARY))
    assert rows((after / RELEASE).read_text())[1][0][2]["figure_id"] == "ADDED01"


@pytest.mark.parametrize("evolution", list(EVOLUTIONS))
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_named(tmp_path, case, evolution):
    raw = copy_raw(tmp_path, evolution)
    target = raw / case.file
    data, info = case.edit(target.read_bytes(), raw)
    target.write_bytes(data)
    if "more" not in info and "ncols" in info:
        info = {**info, "more": info["ncols"] + 1, "fewer": info["ncols"] - 2}
    if case.id == "questions_yes_as_a_key":
        info = {**info, "parent": info["path"].rsplit(".", 1)[0]}
    with pytest.raises(schema.RawDataError) as caught:
        load_file(raw, case.via or case.file)
    err = caught.value
    message = str(err)
    prefix, line, column, key = expected(target, case, info)
    assert message.startswith(prefix), f"\n{message}\ndoes not start with\n{prefix}"
    assert re.search(_fill(case.message, info, escape=True), message[len(prefix):]), message
    assert (err.line, err.column, err.key) == (line, column, key)
    assert paths.relative(err.path) == paths.relative(target)
