"""Load and validate every raw file; write and read the processed tables.

Raw files in ``data/raw/`` say what their sources said and are never edited by code. Each
loader checks its file against a small schema (columns, types, 0-100 range, known ids, unique
ids, a source for every figure, a value or wording for every figure), then the facts a schema
cannot say (:func:`_fact_problems`, :func:`_approval_sum_problems`), and reports every problem
at once in one :class:`RawDataError` naming, for each, the file, line, column (or YAML key)
and the value as written (:meth:`RawDataError.of`, at most :data:`MAX_PROBLEMS` shown). Figures
files are every ``data/raw/*_figures.csv``: adding a published table is adding such a file.

Nothing is read the lenient way: a file above :data:`MAX_FILE_BYTES` is refused unread; every
numeric CSV cell follows one grammar (ASCII digits, one optional decimal point:
:data:`_NUMERAL`); every text field is refused if it carries markup, a line break or an
invisible character (:func:`_text`, :func:`_note`, the policy of :mod:`chasm.text`), every URL
unless http(s) (:func:`_url`); the metadata YAML is read as written, without anchors, aliases
or YAML 1.1 guesses, and validated against ``data/schema/<name>.schema.json`` by a compiled
fastjsonschema validator (:func:`_read_yaml`). ``data/README.md`` lists every rule.

Processed tables are written atomically (temporary file, then rename) and, while ``make``
builds a report, into the staging folder ``$CHASM_STAGING`` that the build moves into place
only when the whole notebook succeeded.
"""

from __future__ import annotations

import csv
import io as _io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from chasm import paths
from chasm import text as text_policy
from chasm.data import worded

SOURCE_KINDS = ("essay", "primary", "secondary", "derived")
RESPONSE_TYPES = ("single", "multiple", "unknown")
TONES = ("negative", "neutral", "positive")
FIGURE_COLUMNS = ("figure_id", "source_id", "wave", "question", "option", "subgroup_var",
                  "subgroup", "value_pct", "value_text")
#: Optional free-text columns a figures file may carry (where in the source, what it cites).
FIGURE_NOTE_COLUMNS = ("cites", "location", "context")


class RawDataError(ValueError):
    """A raw file breaks its schema. The message names file, line, column (CSV) or key (YAML,
    dotted: ``2024-03.n``) and the value as written in the file."""

    def __init__(self, path: Path | str, message: str, line: int | None = None,
                 column: str | None = None, value: object = None, key: str | None = None):
        where = paths.relative(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        if key is not None:
            where += f", key '{key}'"
        shown = "" if value is None else f": value {str(value)!r}"
        super().__init__(f"{where}{shown}: {message}")
        self.path, self.line, self.column, self.value = str(path), line, column, value
        self.key = key
        #: every problem this error reports (itself, or each of :meth:`of`'s list)
        self.problems: list[RawDataError] = [self]

    @classmethod
    def of(cls, problems: list[RawDataError]) -> RawDataError:
        """One error reporting every problem of ``problems`` (each on its own line, at most
        :data:`MAX_PROBLEMS`, then how many more): a writer fixes them all in one pass. Its
        ``path``, ``line``, ``column`` and ``value`` are the first problem's."""
        problems = [p for each in problems for p in each.problems]
        if len(problems) == 1:
            return problems[0]
        first = problems[0]
        lines = [f"{len(problems)} problems in the data:"]
        lines += [f"  {p}" for p in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            lines.append(f"  ... and {len(problems) - MAX_PROBLEMS} more (fix these first)")
        err = cls.__new__(cls)
        ValueError.__init__(err, "\n".join(lines))
        err.path, err.line, err.column, err.value, err.key = (
            first.path, first.line, first.column, first.value, first.key)
        err.problems = problems
        return err


#: How many problems one error lists (the rest are counted): every problem of a data file is
#: reported at once, so that adding data takes one pass, not one build per mistake.
MAX_PROBLEMS = 20
#: Largest data file read (bytes): the raw files are a few kB; a file above this is refused
#: before it is parsed (a 50 MB figures file would otherwise take minutes and gigabytes).
MAX_FILE_BYTES = 2_000_000


def _raise_all(problems: list[RawDataError]) -> None:
    """Raise :meth:`RawDataError.of` ``problems`` if there are any."""
    if problems:
        raise RawDataError.of(problems)


def _read_bytes(path: Path) -> bytes:
    """A data file's bytes, refused with one message if missing or above :data:`MAX_FILE_BYTES`."""
    if not path.exists():
        raise RawDataError(path, "file not found")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RawDataError(path, f"is {size:,} bytes, above the limit of {MAX_FILE_BYTES:,} "
                           "for a data file (chasm.data.io.MAX_FILE_BYTES): is it the right file?")
    return path.read_bytes()


# --------------------------------------------------------------------------------------------
# Read log: which files a notebook read (make checks them against the declared inputs).
# --------------------------------------------------------------------------------------------
def _record_read(path: Path) -> None:
    log = os.environ.get("CHASM_READ_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(paths.relative(path) + "\n")


# --------------------------------------------------------------------------------------------
# Cell checks: each takes the cell text and returns the typed value or raises ValueError.
# --------------------------------------------------------------------------------------------
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]*", re.ASCII)
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)
#: Markup a text from data must not carry: an HTML tag or comment, a Markdown image or link
#: (inline ``[x](u)``, reference ``[x][r]`` or a definition ``[r]: u``), a script or data URL.
_MARKUP = re.compile(r"</?[A-Za-z]|<[!?]"
                     r"|\[[^\]]*\]\s*[(\[]|^\s*\[[^\]]*\]\s*:"
                     r"|\b(?:javascript|vbscript)\s*:|\bdata:(?:[a-z-]+/[\w.+-]+|[;,])",
                     re.IGNORECASE | re.MULTILINE)
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")
_BLANK_LINE = re.compile(r"(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)")
#: The one number grammar of every numeric CSV cell: ASCII digits, one optional decimal point
#: with digits on both sides, a leading minus (columns that allow no negatives say so in their
#: own range check). Python's float() would also take '3_7', '1e3', ' 37', '٣٧' or '３７'.
_NUMERAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def _text(cell: str) -> str:
    """A one-line text: no markup (HTML, Markdown image/link, script or data URL), no line
    break. Reports show such text through ``report.say``, which escapes it as well."""
    if _MARKUP.search(cell):
        raise ValueError("markup or script is not allowed in a text field")
    if _LINE_BREAK.search(cell):
        raise ValueError("a line break is not allowed in a one-line text field")
    return text_policy.check(cell)


def _note(cell: str) -> str:
    """A note that may span lines, but without markup and without a blank line (which would
    start a new block of Markdown)."""
    if _MARKUP.search(cell):
        raise ValueError("markup or script is not allowed in a text field")
    if _BLANK_LINE.search(cell):
        raise ValueError("a blank line is not allowed in a text field")
    return text_policy.check(cell)


def _url(cell: str) -> str:
    """A link from data: text under :func:`_text`'s rules, and an absolute http(s) URL as
    written (:func:`chasm.text.check_url`)."""
    return text_policy.check_url(_text(cell))


def _ident(cell: str) -> str:
    if not _ID.fullmatch(cell):
        raise ValueError("is not an identifier (letters, digits, _ . + -)")
    return cell


def _number(cell: str) -> float:
    """A number in the one grammar of :data:`_NUMERAL` (the cell as written, already stripped)."""
    if not _NUMERAL.fullmatch(cell):
        if cell.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError("is not a finite number")
        raise ValueError("is not a number (ASCII digits with at most one decimal point)")
    return float(cell)


def _pct(cell: str) -> float:
    value = _number(cell)
    if not 0 <= value <= 100:
        raise ValueError("is a share outside 0-100")
    return value


def _count(cell: str) -> int:
    value = _number(cell)
    if value != int(value) or value < 0:
        raise ValueError("is not a whole number >= 0")
    return int(value)


def _positive(cell: str) -> float:
    value = _number(cell)
    if value <= 0:
        raise ValueError("must be > 0")
    return value


def _probability(cell: str) -> float:
    value = _number(cell)
    if not 0 < value < 1:
        raise ValueError("must lie strictly between 0 and 1")
    return value


def _month(cell: str) -> str:
    if not _MONTH.fullmatch(cell):
        raise ValueError("is not a month YYYY-MM")
    return cell


@dataclass(frozen=True)
class Col:
    """One column of a schema: its check and whether an empty cell is allowed."""

    check: Callable[[str], object]
    optional: bool = False


class Written(dict):
    """``{line: {column: text as written}}`` of a table read by :func:`_read_table`, kept in the
    frame's ``attrs`` and never changed after. pandas deep-copies ``attrs`` on every operation
    (``DataFrame.__finalize__``): for the 300-month approval series that was 12 ms per filter
    or column access, most of a build's time; a deep copy of this mapping is the mapping."""

    def __deepcopy__(self, memo: dict) -> Written:
        return self


def _read_table(path: Path, schema: dict[str, Col], optional_columns: dict[str, Col] | None = None,
                unique: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV strictly: UTF-8 without BOM, exact columns, every cell checked.

    Every problem of the file (header, cells, duplicate ids) is reported at once in one
    :class:`RawDataError` (:meth:`RawDataError.of`). Adds ``_line`` (where the row starts);
    ``frame.attrs["written"][line][column]`` keeps each cell's text as written, so later
    checks can quote the file rather than the typed value.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise RawDataError(path, "starts with a byte-order mark (BOM); "
                           "save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RawDataError(path, f"byte 0x{raw[err.start]:02x} is not valid UTF-8; save the file "
                           "as UTF-8", line=raw.count(b"\n", 0, err.start) + 1) from None
    if "\x00" in text:
        raise RawDataError(path, "contains a NUL byte (not a text file?)",
                           line=text.count("\n", 0, text.index("\x00")) + 1)
    rows, starts = _csv_rows(path, text)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RawDataError(path, "is empty: expected a header line")
    header = [h.strip() for h in rows[0]]
    optional_columns = optional_columns or {}
    problems = [RawDataError(path, "required column is missing", line=1, column=column)
                for column in schema if column not in header]
    problems += [RawDataError(path, "unexpected column (a typo?)", line=1, column=column)
                 for column in header if column not in schema and column not in optional_columns]
    problems += [RawDataError(path, "column name appears twice", line=1, column=column)
                 for i, column in enumerate(header) if column in header[:i]]
    _raise_all(problems)
    checks = {**optional_columns, **schema}
    records, written = [], Written()
    for line, row in zip(starts[1:], rows[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(RawDataError(path, f"has {len(row)} cells, the header has "
                                         f"{len(header)}", line=line))
            continue
        record = {}
        for column, cell in zip(header, row, strict=True):
            cell = cell.strip()
            col = checks[column]
            if cell == "":
                if not col.optional:
                    problems.append(RawDataError(path, "is empty but required", line, column))
                record[column] = None
                continue
            try:
                record[column] = col.check(cell)
            except ValueError as err:
                problems.append(RawDataError(path, str(err), line, column, cell))
                record[column] = None
        record["_line"] = line
        records.append(record)
        written[line] = {column: cell.strip() for column, cell in zip(header, row, strict=True)}
    if not records and not problems:
        raise RawDataError(path, "has a header but no data rows")
    for column in unique:
        first: dict[str, int] = {}
        for record in records:
            value = written[record["_line"]][column]
            if value and value in first:
                problems.append(RawDataError(path, f"duplicate id (also line {first[value]})",
                                             record["_line"], column, value))
            first.setdefault(value, record["_line"])
    _raise_all(sorted(problems, key=lambda p: p.line or 0))
    frame = pd.DataFrame.from_records(records)
    frame.attrs["written"] = written
    _record_read(path)
    return frame


def _csv_rows(path: Path, text: str) -> tuple[list[list[str]], list[int]]:
    """Rows of a CSV text and the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(_io.StringIO(text), strict=True)
    rows, starts, start = [], [], 1
    try:
        for row in reader:
            rows.append(row)
            starts.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise RawDataError(path, f"is not valid CSV ({err}; a quote not closed?)",
                           line=start) from None
    return rows, starts


# --------------------------------------------------------------------------------------------
# YAML metadata: read as written, then checked against data/schema/<name>.schema.json.
# --------------------------------------------------------------------------------------------
#: Where the JSON Schemas of the metadata files live (one per file, named after it).
SCHEMAS = paths.ROOT / "data" / "schema"

_TAG = "tag:yaml.org,2002:"
_YAML_INT = re.compile(r"-?[0-9]+", re.ASCII)
_YAML_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+", re.ASCII)
_YAML_KINDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "null": "null", "object": "a mapping",
               "array": "a list"}


@dataclass(frozen=True)
class _Where:
    """Where a YAML value stands: its line and the text as written in the file."""

    line: int
    written: str


def _written(text: str, node: yaml.Node) -> str:
    """A node's text exactly as the file writes it (a scalar's quotes included)."""
    if isinstance(node, yaml.ScalarNode) and node.style is None:
        return node.value
    return text[node.start_mark.index:node.end_mark.index].strip()


def _key_path(path: tuple) -> str | None:
    return ".".join(f"[{p + 1}]" if isinstance(p, int) else str(p) for p in path) or None


def _yaml_scalar(path: Path, node: yaml.ScalarNode, key: tuple, text: str):
    """The value of a scalar as written: only unambiguous plain forms become non-text.

    Plain ``true``/``false``, ``null``/``~``/empty, ASCII integers and ASCII decimals are
    typed; every quoted scalar is text. The plain forms YAML 1.1 reads as something else than
    they look (``yes``/``no``/``on``/``off`` as booleans, ``1_600``, ``0x10``, ``1:30``, ``.inf``)
    are refused: the writer must quote the text or write the number plainly.
    """
    if node.style is not None:
        return node.value
    value, tag = node.value, node.tag.removeprefix(_TAG)
    if tag == "bool":
        if value in ("true", "false"):
            return value == "true"
        hint = "write true or false for a yes/no value, or quote it if it is text"
    elif tag == "null":
        if value in ("null", "~", ""):
            return None
        hint = "write null, or quote it if it is text"
    elif tag == "int":
        if _YAML_INT.fullmatch(value) and not re.fullmatch(r"-?0[0-9]+", value):
            return int(value)
        hint = "write the number with ASCII digits only, or quote it if it is text"
    elif tag == "float":
        if _YAML_FLOAT.fullmatch(value):
            return float(value)
        hint = "write the number as ASCII digits with one decimal point, or quote it if it is text"
    else:
        return value  # str, and dates YAML 1.1 would read as timestamps: kept as written
    raise RawDataError(path, f"YAML 1.1 reads this plain value as a {tag}, not as written: "
                       f"{hint}", node.start_mark.line + 1, value=value, key=_key_path(key))


def _yaml_value(path: Path, node: yaml.Node, key: tuple, text: str, where: dict):
    """Build the Python value of a node, recording where each key and value stands."""
    where.setdefault(key, _Where(node.start_mark.line + 1, _written(text, node)))
    if isinstance(node, yaml.ScalarNode):
        return _yaml_scalar(path, node, key, text)
    if isinstance(node, yaml.SequenceNode):
        return [_yaml_value(path, item, (*key, i), text, where)
                for i, item in enumerate(node.value)]
    out: dict = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _TAG + "merge":
            raise RawDataError(path, "a key must be plain text", line,
                               value=_written(text, key_node), key=_key_path(key))
        name = _yaml_scalar(path, key_node, key, text)
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise RawDataError(path, "a key must be text (quote it)", line,
                               value=key_node.value, key=_key_path(key))
        name = key_node.value  # the key as written ('2024' stays text)
        if name in out:
            first = where[(*key, name)].line
            raise RawDataError(path, f"key appears twice (also line {first})", line,
                               value=name, key=_key_path((*key, name)))
        where[(*key, name)] = _Where(line, _written(text, value_node))
        out[name] = _yaml_value(path, value_node, (*key, name), text, where)
    return out


def _parse_yaml(path: Path) -> tuple[object, dict[tuple, _Where]]:
    """A YAML file's value and where each key stands, refusing what YAML would do silently.

    Refused with file and line: invalid UTF-8 or YAML, more than one document, anchors and
    aliases (``&a``/``*a``: a few hundred bytes of aliases can expand to gigabytes), explicit
    tags (``!!int``), a key given twice, non-text keys and the ambiguous plain scalars of
    :func:`_yaml_scalar`.
    """
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RawDataError(path, f"byte 0x{raw[err.start]:02x} is not valid UTF-8; save the file "
                           "as UTF-8", line=raw.count(b"\n", 0, err.start) + 1) from None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise RawDataError(path, "YAML anchors and aliases (&name, *name) are not "
                                   "allowed: write each value out", line,
                                   value=getattr(event, "anchor", None))
            if getattr(event, "tag", None) is not None:
                raise RawDataError(path, "explicit YAML tags are not allowed", line,
                                   value=event.tag)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        reason = " ".join(str(part) for part in (err.context, err.problem) if part)
        raise RawDataError(path, f"is not valid YAML: {reason} (column {mark.column + 1})",
                           line=mark.line + 1) from None
    except yaml.YAMLError as err:
        raise RawDataError(path, f"is not valid YAML: {err}") from None
    if node is None:
        raise RawDataError(path, "is empty")
    where: dict[tuple, _Where] = {}
    return _yaml_value(path, node, (), text, where), where


# The schemas are JSON Schema (draft 7), validated by fastjsonschema: it compiles each schema
# to Python once per process (milliseconds; ``jsonschema`` costs seconds to import in every
# notebook). A compiled validator stops at its first error, so :func:`_schema_problems` walks
# the schema node by node (each mapping's own rules, then each child) to report every problem
# of a file at once; tests/table/test_io.py checks that the verdicts agree with ``jsonschema``.
_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str), "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


@lru_cache(maxsize=None)
def _schema(name: str) -> dict:
    """``data/schema/<name>.schema.json`` as a mapping."""
    import json

    path = SCHEMAS / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _compiled(node_json: str) -> Callable[[object], object]:
    """A compiled fastjsonschema validator of one schema node (given as JSON text)."""
    import json

    import fastjsonschema

    return fastjsonschema.compile(json.loads(node_json))


def _resolve(root: dict, node: object) -> dict:
    """``node``, or the node its local ``$ref`` (``#/$defs/x``) names (draft 7: a ``$ref``'s
    sibling keywords are ignored)."""
    if not isinstance(node, dict):
        return {} if node is True else {"not": {}}
    while "$ref" in node:
        target = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _validate_node(root: dict, node: dict, value: object) -> None:
    """Validate ``value`` against ``node`` alone (children accept anything; ``$defs`` kept)."""
    import json

    shallow = dict(node)
    if isinstance(shallow.get("properties"), dict):
        shallow["properties"] = {k: {} for k in shallow["properties"]}
    if isinstance(shallow.get("additionalProperties"), dict):
        shallow["additionalProperties"] = {}
    if isinstance(shallow.get("items"), dict):
        shallow["items"] = {}
    shallow["$schema"] = root.get("$schema")
    shallow["$defs"] = root.get("$defs", {})
    _compiled(json.dumps(shallow, sort_keys=True))(value)


def _node_problems(root: dict, node: object, value: object, key: tuple) -> list[tuple]:
    """``(key, rule, node, value, detail)`` for each node of the schema ``value`` breaks."""
    import fastjsonschema

    node = _resolve(root, node)
    out = []
    try:
        _validate_node(root, node, value)
    except fastjsonschema.JsonSchemaValueException as err:
        rule, detail = err.rule, err.rule_definition
        if rule == "propertyNames":
            names = _resolve(root, node["propertyNames"])
            bad = [k for k in value if _node_problems(root, names, k, (*key, k))]
            detail = (bad[0], names.get("errorMessage"))
            out.append(((*key, bad[0]), rule, names, bad[0], detail))
        else:
            out.append((key, rule, node, value, detail))
        if rule in ("type", "enum"):
            return out
    if isinstance(value, dict):
        known = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for k, v in value.items():
            child = known.get(k, extra if isinstance(extra, dict) else None)
            if child is not None:
                out += _node_problems(root, child, v, (*key, k))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, v in enumerate(value):
            out += _node_problems(root, node["items"], v, (*key, i))
    return out


def _schema_problems(path: Path, name: str, data: object,
                     where: dict[tuple, _Where]) -> list[RawDataError]:
    """Every way ``data`` breaks ``data/schema/<name>.schema.json``, as RawDataErrors naming
    line, dotted key and the value as written, in file order."""
    root = _schema(name)
    return sorted((_schema_error(path, p, where) for p in _node_problems(root, root, data, ())),
                  key=lambda e: e.line or 0)


def _schema_error(path: Path, problem: tuple, where: dict[tuple, _Where]) -> RawDataError:
    """One schema problem as a RawDataError naming line, key and the value as written."""
    import difflib

    key, rule, node, instance, detail = problem
    custom, value = node.get("errorMessage"), None
    known = list(node.get("properties", {}))
    extra = ([k for k in instance if k not in known] if isinstance(instance, dict)
             and node.get("additionalProperties") is False else [])
    if rule in ("required", "dependencies", "additionalProperties") and extra:
        # a misspelt key explains the required key it was meant to be: name it first
        extra = sorted(extra, key=lambda k: where[(*key, k)].line)[0]
        key, value = (*key, extra), extra
        near = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
        message = (f"unknown key (did you mean '{near[0]}'?)" if near else
                   f"unknown key; known: {', '.join(known)}")
        spot = where[key]
    elif rule in ("required", "dependencies"):
        spot = where[key]  # the mapping that lacks the key
        needed = (node.get("required", []) if rule == "required" else
                  [n for k, needs in node["dependencies"].items() if k in instance
                   for n in needs])
        key, message = (*key, next(n for n in needed if n not in instance)), \
            "required key is missing"
    elif rule == "propertyNames":
        spot, value = where[key], detail[0]
        message = detail[1] or "is not an allowed key"
    else:
        spot = where[key]
        value = spot.written
        if rule == "type":
            kinds = [detail] if isinstance(detail, str) else detail
            message = custom or f"must be {' or '.join(_YAML_KINDS[k] for k in kinds)}"
        elif rule == "enum":
            message = f"must be one of {detail}"
        else:
            message = custom or f"breaks the schema's {rule} {detail!r}"
    return RawDataError(path, message, spot.line, value=value, key=_key_path(key))


def _text_problems(path: Path, value: object, key: tuple,
                   where: dict[tuple, _Where]) -> list[RawDataError]:
    """Every text value of a YAML file that breaks :func:`_text` (markup, a line break, an
    invisible character), as RawDataErrors naming line, key and the value as written."""
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _text_problems(path, v, (*key, k), where)]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _text_problems(path, v, (*key, i), where)]
    if isinstance(value, str):
        try:
            _text(value)
        except ValueError as err:
            spot = where[key]
            return [RawDataError(path, str(err), spot.line, value=spot.written,
                                 key=_key_path(key))]
    return []


def _read_yaml(path: Path, schema: str) -> tuple[object, dict[tuple, _Where]]:
    """Parse a metadata file strictly and validate it against ``data/schema/<schema>``.

    Every problem (schema, then text; up to :data:`MAX_PROBLEMS` shown) raises one
    :class:`RawDataError` naming, for each, file, line, key and the value as written. Records
    the read.
    """
    path = Path(path)
    data, where = _parse_yaml(path)
    problems = _schema_problems(path, schema, data, where)
    if not problems:
        problems = _text_problems(path, data, (), where)
    _raise_all(problems)
    _record_read(path)
    return data, where


def read_yaml(path: Path) -> tuple[object, dict[tuple, _Where]]:
    """A YAML file read as strictly as the metadata, for a loader that checks its structure
    itself (``data/plan.yaml``: :mod:`chasm.analysis.plan`): no anchors, aliases, tags, YAML 1.1
    guesses or repeated keys, no markup or invisible characters in text; returns the data and
    where each key stands (line, value as written) for messages. Records the read."""
    path = Path(path)
    data, where = _parse_yaml(path)
    _raise_all(_text_problems(path, data, (), where))
    _record_read(path)
    return data, where


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _metadata_cached(root: str) -> tuple[dict[str, dict], dict[str, dict[tuple, _Where]]]:
    meta = Path(root)
    out, where, problems = {}, {}, []
    for name in ("questions", "waves", "subgroups"):
        try:
            out[name], where[name] = _read_yaml(meta / f"{name}.yaml", name)
        except RawDataError as err:  # every metadata file's problems in one message
            problems.append(err)
    _raise_all(problems)
    path = meta / "subgroups.yaml"
    for var, spec in out["subgroups"].items():
        aged = [g for g, group in spec["groups"].items() if "min_age" in group]
        if aged and len(aged) != len(spec["groups"]):
            group = next(g for g in spec["groups"] if g not in aged)
            spot = where["subgroups"][(var, "groups", group)]
            problems.append(RawDataError(
                path, f"group has no min_age/max_age but {aged[0]!r} does: give every group "
                "of a variable its ages, or none", spot.line,
                key=_key_path((var, "groups", group))))
        for g in aged:
            lo, hi = spec["groups"][g]["min_age"], spec["groups"][g]["max_age"]
            if hi is not None and hi < lo:
                spot = where["subgroups"][(var, "groups", g, "max_age")]
                problems.append(RawDataError(
                    path, f"max_age is below min_age {lo}", spot.line, value=spot.written,
                    key=_key_path((var, "groups", g, "max_age"))))
    _raise_all(problems)
    return out, where


def load_metadata(root: Path | None = None) -> dict[str, dict]:
    """Questions, waves and subgroup variables from ``data/raw/metadata/*.yaml``, validated.

    Each file is read as written (:func:`_parse_yaml`) and checked against its JSON Schema
    ``data/schema/<name>.schema.json`` (types, required and unknown keys, id and month
    patterns); text values carry no markup, line break or invisible character. Every problem
    of the three files is reported in one :class:`RawDataError` naming, for each, file, line,
    key and value as written.
    """
    return _metadata_cached(str(root or paths.METADATA))[0]


def load_gaps(path: Path | None = None) -> pd.DataFrame:
    """What is not available (``metadata/gaps.yaml``): id, what, consequence."""
    path = Path(path or paths.METADATA / "gaps.yaml")
    items, where = _read_yaml(path, "gaps")
    seen: dict[str, int] = {}
    problems = []
    for i, item in enumerate(items):
        spot = where[(i, "id")]
        if item["id"] in seen:
            problems.append(RawDataError(path, f"duplicate id (also line {seen[item['id']]})",
                                         spot.line, value=spot.written,
                                         key=_key_path((i, "id"))))
        seen.setdefault(item["id"], spot.line)
    _raise_all(problems)
    return pd.DataFrame(items, columns=["id", "what", "consequence"])


def _published(cell: str) -> str:
    """A publication date as precise as the source gives it: ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD`` (a real date)."""
    import datetime

    if re.fullmatch(r"[0-9]{4}", cell, re.ASCII) or _MONTH.fullmatch(cell):
        return cell
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell, re.ASCII):
            datetime.date.fromisoformat(cell)
            return cell
    except ValueError:
        raise ValueError("is not a real date (YYYY-MM-DD)") from None
    raise ValueError("is not a date YYYY, YYYY-MM or YYYY-MM-DD (leave it empty if not known)")


def _latest_month(published: str) -> str:
    """The latest month a publication date of :func:`_published` may mean (``2025`` ->
    ``2025-12``): a check that a source came after its wave never refuses a date it cannot
    know to be earlier."""
    return f"{published}-12" if len(published) == 4 else published[:7]


def load_sources(path: Path | None = None) -> pd.DataFrame:
    """``sources.csv``: one row per source document with its kind (essay/primary/secondary).

    ``title``, ``published`` and ``url`` may be empty (not known); ``published`` is a date
    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``url`` an http(s) URL (:func:`chasm.text.check_url`).
    ``attrs["line"]`` maps each id to its line, for the messages of :func:`load_figures`.
    """
    schema = {
        "source_id": Col(_ident), "kind": Col(_text), "publisher": Col(_text),
        "title": Col(_text, optional=True), "published": Col(_published, optional=True),
        "url": Col(_url, optional=True), "note": Col(_note, optional=True),
    }
    path = Path(path or paths.RAW / "sources.csv")
    frame = _read_table(path, schema, unique=("source_id",))
    _raise_all([RawDataError(path, f"kind must be one of {list(SOURCE_KINDS)}", int(line),
                             "kind", frame.attrs["written"][int(line)]["kind"])
                for line in frame.loc[~frame["kind"].isin(SOURCE_KINDS), "_line"]])
    lines = dict(zip(frame["source_id"], frame["_line"].astype(int), strict=True))
    frame = frame.drop(columns="_line")
    frame.attrs["line"] = lines
    return frame


def figure_files(raw: Path | None = None) -> list[Path]:
    """Every figures file: ``data/raw/*_figures.csv``, sorted by name."""
    return sorted(Path(raw or paths.RAW).glob("*_figures.csv"))


def load_figures(raw: Path | None = None) -> pd.DataFrame:
    """All figures files stacked, validated against sources and metadata.

    Adds ``file`` and ``line`` (where the figure stands) and ``source_kind``. Checks: every
    figure has a known source, wave, question, option, subgroup variable and group; ids are
    unique across files; each figure has a value or wording, and where both are given the
    wording reads as the same number; then the facts a schema cannot say
    (:func:`_fact_problems`). Every problem of every file is reported at once.
    """
    raw = Path(raw or paths.RAW)
    meta = load_metadata(raw / "metadata")
    sources = load_sources(raw / "sources.csv").set_index("source_id")
    schema = {
        "figure_id": Col(_ident), "source_id": Col(_ident), "wave": Col(_month),
        "question": Col(_ident), "option": Col(_ident), "subgroup_var": Col(_ident),
        "subgroup": Col(_text), "value_pct": Col(_pct, optional=True), "value_text": Col(_text),
    }
    notes = {c: Col(_note, optional=True) for c in FIGURE_NOTE_COLUMNS}
    files = figure_files(raw)
    if not files:
        raise RawDataError(raw, "no *_figures.csv file found")
    frames, seen, problems = [], {}, []
    for path in files:
        try:
            frame = _read_table(path, schema, notes, unique=("figure_id",))
        except RawDataError as err:
            problems.append(err)
            continue
        for _, row in frame.iterrows():
            try:
                _check_figure(path, row, meta, sources, seen, frame.attrs["written"])
            except RawDataError as err:
                problems.append(err)
            seen.setdefault(row["figure_id"], (path, row["_line"]))
        frame = frame.rename(columns={"_line": "line"})
        frame.insert(0, "file", paths.relative(path))
        frames.append(frame)
    _raise_all(problems)
    figures = pd.concat(frames, ignore_index=True)
    for column in FIGURE_NOTE_COLUMNS:
        if column not in figures:
            figures[column] = None
    figures["source_kind"] = figures["source_id"].map(sources["kind"])
    _raise_all(_fact_problems(raw, {paths.relative(p): p for p in files}, figures, sources,
                              meta))
    return figures


#: The cell a figure gives: one figure per cell and source.
CELL = ("wave", "question", "option", "subgroup_var", "subgroup")


def _fact_problems(raw: Path, files: dict[str, Path], figures: pd.DataFrame,
                   sources: pd.DataFrame, meta: dict) -> list[RawDataError]:
    """What the figures claim that cannot be true, each problem naming file, line and values.

    - **one figure per cell and source**: a source that gives a cell twice is a copying
      mistake (keep one row; another place in the source goes into ``location``);
    - **single-choice sums**: the options of a ``response: single`` question, in one wave,
      source and group, cannot sum above 100 once each figure is taken at the low end of its
      rounding or wording (``chasm.data.worded``). A sum below 100 is fine: options may be missing
      ("hard to say" is often not quoted);
    - **a source after its wave**: a figure's source (and the source it ``cites``) cannot be
      published before the wave's month (a year-only date counts as its December);
    - **approval_month where it is needed**: a wave with figures broken down by Putin approval
      names the month of the approval series that weights them (optional elsewhere);
    - **waves not after the data**: no wave of ``metadata/waves.yaml`` may lie after the newest
      source's publication date (the data cannot report a survey not yet published).
    """
    problems: list[RawDataError] = []
    sources_file = raw / "sources.csv"
    source_line = sources.attrs["line"]

    def where(row) -> str:
        return f"{row['file']}, line {int(row['line'])}"

    def fail(row, column: str, message: str) -> None:
        problems.append(RawDataError(files[row["file"]], message, int(row["line"]), column,
                                     row[column]))

    # one figure per cell and source
    first: dict[tuple, pd.Series] = {}
    for _, row in figures.iterrows():
        key = (row["source_id"], *(row[c] for c in CELL))
        if key in first:
            other = first[key]
            fail(row, "figure_id", f"source '{row['source_id']}' already gives this cell "
                 f"({', '.join(str(row[c]) for c in CELL)}) as {other['figure_id']} "
                 f"({other['value_text']!r}, {where(other)}): one figure per cell and source")
        first.setdefault(key, row)

    # single-choice sums
    lows = [worded.read(t).low for t in figures["value_text"]]
    figures = figures.assign(_low=lows)
    single = [q for q, spec in meta["questions"].items() if spec["response"] == "single"]
    group = ["source_id", "wave", "question", "subgroup_var", "subgroup"]
    for _, cells in figures[figures["question"].isin(single)].groupby(group, sort=False):
        low = float(cells["_low"].sum())
        if low > 100:
            row = cells.iloc[0]
            shown = "; ".join(f"{r['figure_id']} {r['option']} {r['value_text']!r} "
                              f"({where(r)})" for _, r in cells.iterrows())
            fail(row, "value_text", f"the options of single-choice question "
                 f"'{row['question']}' from '{row['source_id']}' in wave {row['wave']} "
                 f"({row['subgroup_var']}/{row['subgroup']}) sum above 100 even at the low end "
                 f"of each figure's rounding or wording ({low:g}): {shown}. If respondents "
                 "could give several answers, set response: multiple in "
                 "metadata/questions.yaml")

    # a source published before its wave
    for _, row in figures.iterrows():
        for column in ("source_id", "cites"):
            sid = row[column]
            if pd.isna(sid) or pd.isna(sources.loc[sid, "published"]):
                continue
            published = sources.loc[sid, "published"]
            if _latest_month(published) < row["wave"]:
                fail(row, column, f"source '{sid}' was published {published} "
                     f"({paths.relative(sources_file)}, line {source_line[sid]}), "
                     f"before the figure's wave {row['wave']}: a source cannot report a survey "
                     "made after it")

    # approval_month where an analysis needs it: a wave broken down by approval is weighted
    # by the approval split of its approval_month (chasm.analysis.weights; 05_subgroups)
    from chasm.analysis.uncertainty import APPROVAL_VARIABLE

    where_waves = _metadata_cached(str(raw / "metadata"))[1]["waves"]
    waves_file = raw / "metadata" / "waves.yaml"
    by_approval = figures[figures["subgroup_var"] == APPROVAL_VARIABLE]
    for wave, cells in by_approval.groupby("wave", sort=True):
        if meta["waves"][wave].get("approval_month") is None:
            row = cells.iloc[0]
            problems.append(RawDataError(
                waves_file, f"wave {wave} has figures broken down by '{APPROVAL_VARIABLE}' "
                f"({where(row)}, {row['figure_id']}) but no approval_month: their groups are "
                "weighted by that month of putin_approval_monthly.csv (write the nearest "
                "published month, with a comment saying so)", where_waves[(wave,)].line,
                value=wave, key=wave))

    # waves not after the newest source
    dated = sources["published"].dropna()
    if len(dated):
        newest = max(dated.index, key=lambda s: _latest_month(dated[s]))
        latest = _latest_month(dated[newest])
        for wave in meta["waves"]:
            if wave > latest:
                problems.append(RawDataError(
                    waves_file, f"wave {wave} lies after the newest source's publication "
                    f"({newest}, {dated[newest]}, in {paths.relative(sources_file)}): the data "
                    "cannot report a survey published later", where_waves[(wave,)].line,
                    value=wave, key=wave))
    return problems


def _check_figure(path: Path, row: pd.Series, meta: dict, sources: pd.DataFrame,
                  seen: dict, written: dict[int, dict[str, str]]) -> None:
    line = int(row["_line"])

    def fail(column: str, message: str) -> None:
        raise RawDataError(path, message, line, column, written[line][column] or None)

    if row["figure_id"] in seen:
        other, other_line = seen[row["figure_id"]]
        fail("figure_id", f"duplicate id (also {paths.relative(other)}, line {other_line})")
    if row["source_id"] not in sources.index:
        fail("source_id", "unknown source (not in sources.csv)")
    if not pd.isna(row.get("cites")) and row["cites"] not in sources.index:
        fail("cites", "unknown source (not in sources.csv)")
    if row["wave"] not in meta["waves"]:
        fail("wave", "unknown wave (not in metadata/waves.yaml)")
    question = meta["questions"].get(row["question"])
    if question is None:
        fail("question", "unknown question (not in metadata/questions.yaml)")
    if row["option"] not in question["options"]:
        fail("option", f"unknown option of question '{row['question']}'")
    variable = meta["subgroups"].get(row["subgroup_var"])
    if variable is None:
        fail("subgroup_var", "unknown subgroup variable (not in metadata/subgroups.yaml)")
    if row["subgroup"] not in variable["groups"]:
        fail("subgroup", f"not a group of subgroup variable '{row['subgroup_var']}'")
    try:
        reading = worded.read(row["value_text"])
    except worded.WordedFigureError as err:
        fail("value_text", str(err))
    if not pd.isna(row["value_pct"]) and reading.point != row["value_pct"]:
        fail("value_pct", f"disagrees with value_text {written[line]['value_text']!r}")


def tidy_figures(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per source and cell: point, low, high and the rule that read the wording."""
    readings = [worded.read(text) for text in figures["value_text"]]
    tidy = figures[["figure_id", "source_id", "source_kind", "wave", "question", "option",
                    "subgroup_var", "subgroup", "value_pct", "value_text"]].copy()
    tidy["point"] = [r.point for r in readings]
    tidy["low"] = [r.low for r in readings]
    tidy["high"] = [r.high for r in readings]
    tidy["rule"] = [r.rule for r in readings]
    tidy["where"] = [f"{f}:{line}"
                     for f, line in zip(figures["file"], figures["line"], strict=True)]
    tidy["note"] = figures["context"].fillna(figures["location"]).fillna("")
    for column in ("point", "low", "high", "value_pct"):
        tidy[column] = tidy[column].astype(float)
    return tidy.sort_values(["question", "option", "wave", "subgroup_var", "subgroup",
                             "source_kind", "figure_id"], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Other raw tables
# --------------------------------------------------------------------------------------------
def load_error_table(path: Path | None = None) -> pd.DataFrame:
    """Levada's published 95% sampling-error table (share near, max error, sample size)."""
    schema = {"share_near_pct": Col(_inner_pct), "max_error_pct": Col(_error_pct),
              "sample_n": Col(_sample_n), "confidence": Col(_probability),
              "source_id": Col(_ident)}
    path = Path(path or paths.RAW / "levada_error_table.csv")
    frame = _read_table(path, schema)
    first = frame.iloc[0]
    _raise_all([RawDataError(path, f"sample_n differs from line {int(first['_line'])} "
                             f"({frame.attrs['written'][int(first['_line'])]['sample_n']}): an "
                             "error table is for one sample size", int(line), "sample_n",
                             frame.attrs["written"][int(line)]["sample_n"])
                for line in frame.loc[frame["sample_n"] != first["sample_n"], "_line"]])
    return frame.drop(columns="_line")


def _inner_pct(cell: str) -> float:
    """A share strictly inside 0-100 (an error table's row: at 0 or 100 the error is 0)."""
    value = _pct(cell)
    if value in (0, 100):
        raise ValueError("must lie strictly between 0 and 100 (a share of 0 or 100 has no "
                         "sampling error)")
    return value


def _error_pct(cell: str) -> float:
    """A margin of error in points: above 0 and below 50 (a survey whose 95% error reaches
    50 points says nothing; such a number is a typing mistake)."""
    value = _positive(cell)
    if value >= 50:
        raise ValueError("is not a plausible margin of error (must be above 0 and below 50 "
                         "points)")
    return value


def _sample_n(cell: str) -> int:
    """A sample size: a whole number of interviews, at least 1."""
    value = _count(cell)
    if value < 1:
        raise ValueError("must be a whole number >= 1 (interviews)")
    return value


#: Population tables in ``data/raw``: ``rosstat_population_YYYY-MM-DD.csv``, one per reference
#: date (Rosstat counts the population on 1 January); :func:`population_files` lists them.
POPULATION_PREFIX = "rosstat_population_"
_POPULATION_NAME = re.compile(r"rosstat_population_(\d{4}-\d{2}-\d{2})\.csv")


def population_files(raw: Path | None = None) -> dict[str, Path]:
    """``{reference date: path}`` of every population table in ``raw``, sorted by date.

    A file starting with ``rosstat_population_`` whose name is not ``..._YYYY-MM-DD.csv`` (a
    real date) is refused rather than ignored; no table at all is an error too.
    """
    import datetime

    raw = Path(raw or paths.RAW)
    found: dict[str, Path] = {}
    for path in sorted(raw.glob(f"{POPULATION_PREFIX}*")):
        match = _POPULATION_NAME.fullmatch(path.name)
        try:
            ok = match is not None and bool(datetime.date.fromisoformat(match.group(1)))
        except ValueError:
            ok = False
        if not ok:
            raise RawDataError(path, "a population table must be named "
                               "rosstat_population_YYYY-MM-DD.csv (its reference date)")
        found[match.group(1)] = path
    if not found:
        raise RawDataError(raw / f"{POPULATION_PREFIX}YYYY-MM-DD.csv",
                           "no population table in data/raw")
    return dict(sorted(found.items()))


def load_population(path: Path | None = None) -> pd.DataFrame:
    """Rosstat population by single year of age (100 = 100 and older) on one reference date.

    ``path`` None: the latest table of :func:`population_files`.
    """
    schema = {"age": Col(_count), "total": Col(_count), "male": Col(_count),
              "female": Col(_count)}
    path = Path(path or list(population_files().values())[-1])
    frame = _read_table(path, schema, unique=("age",))
    bad = frame[frame["male"] + frame["female"] != frame["total"]]
    if len(bad):
        line = int(bad.iloc[0]["_line"])
        raise RawDataError(path, "male + female differs from total", line, "total",
                           frame.attrs["written"][line]["total"])
    return frame.drop(columns="_line")


def load_populations(raw: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every population table (:func:`population_files`), ``{reference date: table}``, each
    checked by :func:`load_population`."""
    return {date: load_population(path) for date, path in population_files(raw).items()}


def load_approval(path: Path | None = None, metadata: Path | None = None) -> pd.DataFrame:
    """Levada's monthly approval of Putin (approve / disapprove / no answer, percent).

    Also checks the other side of ``approval_month`` in ``metadata/waves.yaml`` (default: the
    ``metadata`` folder beside the file): every wave names a month of this series. Every
    reader of the series weights a wave's approval breakdown by that month, and 05_subgroups
    needs it for the wave it reports; the check lives here, not in :func:`load_metadata`,
    because reports that never read the series do not depend on it.
    """
    schema = {"month": Col(_month), "approve": Col(_pct), "disapprove": Col(_pct, optional=True),
              "no_answer": Col(_pct, optional=True), "source_id": Col(_ident),
              "note": Col(_note, optional=True)}
    path = Path(path or paths.RAW / "putin_approval_monthly.csv")
    frame = _read_table(path, schema, unique=("month",))
    _raise_all(_approval_sum_problems(path, frame))
    frame = frame.drop(columns="_line")
    root = Path(metadata or path.parent / "metadata")
    meta, where = _metadata_cached(str(root))
    months = set(frame["month"])
    problems = []
    for wave, spec in meta["waves"].items():
        if spec.get("approval_month") is not None and spec["approval_month"] not in months:
            spot = where["waves"][(wave, "approval_month")]
            problems.append(RawDataError(root / "waves.yaml", f"approval_month is not a month "
                                         f"of {paths.relative(path)}", spot.line,
                                         value=spot.written,
                                         key=_key_path((wave, "approval_month"))))
    _raise_all(problems)
    return frame


def _rounding(written: str) -> float:
    """Half a unit of the last digit a number is written to (``37`` -> 0.5, ``37.5`` -> 0.05)."""
    decimals = len(written.partition(".")[2])
    return 0.5 * 10.0 ** -decimals


def _approval_sum_problems(path: Path, frame: pd.DataFrame) -> list[RawDataError]:
    """Rows whose shares cannot be one month's split: approve + disapprove + no_answer must be
    100 within the rounding of the numbers as written (half a unit of each); with a share
    missing, the given ones may not sum above 100 plus their rounding."""
    problems = []
    columns = ("approve", "disapprove", "no_answer")
    for line in frame["_line"].tolist():
        written = frame.attrs["written"][int(line)]
        given = [c for c in columns if written[c]]
        total = sum(float(written[c]) for c in given)
        slack = sum(_rounding(written[c]) for c in given)
        complete = len(given) == len(columns)
        if total > 100 + slack + 1e-9 or (complete and total < 100 - slack - 1e-9):
            shown = " + ".join(f"{c} {written[c]}" for c in given)
            problems.append(RawDataError(
                path, f"{shown} = {total:g}, " + (f"not 100 within rounding (±{slack:g})"
                                                  if complete else f"above 100 + {slack:g}")
                + ": the shares of one month cannot sum to this", line, given[-1],
                written[given[-1]]))
    return problems


def load_fieldwork(path: Path | None = None) -> pd.DataFrame:
    """Fieldwork facts (dates, N, localities) of other Levada surveys of the same design."""
    schema = {"survey": Col(_text), "fieldwork": Col(_text), "n": Col(_count),
              "localities": Col(_count, optional=True), "regions": Col(_count, optional=True),
              "mode": Col(_text), "source_url": Col(_url)}
    return _read_table(Path(path or paths.RAW / "levada_fieldwork.csv"), schema).drop(
        columns="_line")


# --------------------------------------------------------------------------------------------
# Processed tables
# --------------------------------------------------------------------------------------------
def processed_out_dir() -> Path:
    """Where processed tables are written: ``paths.staged(data/processed)``, created."""
    out = paths.staged(paths.PROCESSED)
    out.mkdir(parents=True, exist_ok=True)
    return out


#: Every float this project writes (tables, ``text/csv`` outputs, processed data) carries this
#: many significant digits, never more. Why 10: a computed value differs between machines in
#: its last bits (BLAS, libm, summation order) and a root found by ``brentq`` by up to its
#: tolerance (``stats.sensitivity`` asks for 1e-13); at 10 digits such differences change a
#: written value only if it lies within a few ulps of a rounding boundary (odds about 1e-6 per
#: value), whereas full precision (``repr``) made the committed bytes depend on the machine.
#: 10 digits are still more than any page shows (at most 6) and keep counts up to 10^10 exact.
SIGNIFICANT_DIGITS = 10


def _ulp_noise() -> int:
    """``CHASM_FLOAT_NOISE_ULPS`` (a whole number, default 0): the reproducibility check in
    ``.ci/run`` rebuilds every report with each written float moved by that many ulps and
    requires identical bytes, standing in for another machine's last-bit differences."""
    text = os.environ.get("CHASM_FLOAT_NOISE_ULPS", "0")
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"CHASM_FLOAT_NOISE_ULPS={text!r}: expected a whole number of ulps")
    return int(text)


def float_text(value: float, noise: int | None = None) -> str:
    """``value`` at :data:`SIGNIFICANT_DIGITS` significant digits (``%g`` style: no trailing
    zeros, ``1e-07`` for tiny values); exact zeros stay ``0``. With ``noise`` (default: the
    environment's :func:`_ulp_noise`) a non-zero value is first moved that many ulps, up or
    down by its own last bit, so the check exercises both directions."""
    import math
    import struct

    x = float(value)
    noise = _ulp_noise() if noise is None else noise
    if noise and x != 0 and math.isfinite(x):
        direction = math.inf if struct.pack("<d", x)[0] & 1 else -math.inf
        for _ in range(noise):
            x = math.nextafter(x, direction)
    return f"{x:.{SIGNIFICANT_DIGITS}g}"


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index, LF line ends), every float through :func:`float_text`,
    floats inside text columns included: the one way this project writes a table."""
    def cell(v: object) -> object:
        if isinstance(v, float) and not pd.isna(v):
            return float_text(v)
        return v

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(cell)
    noise = _ulp_noise()
    return out.to_csv(index=False, lineterminator="\n",
                      float_format=lambda v: float_text(v, noise))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table deterministically (:func:`csv_text`) and atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(csv_text(frame), encoding="utf-8", newline="")
    os.replace(tmp, path)
    return path


def write_processed(frame: pd.DataFrame, name: str) -> str:
    """Write ``data/processed/<name>.csv`` (via the staging folder during a build).

    Returns the table's project path (where it lands), not the staging path.
    """
    write_csv(frame, processed_out_dir() / f"{name}.csv")
    return paths.relative(paths.PROCESSED / f"{name}.csv")


def read_processed(name: str) -> pd.DataFrame:
    """Read ``data/processed/<name>.csv`` written by the ingest notebook."""
    path = paths.PROCESSED / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"{paths.relative(path)} is missing: run `make reports` "
                                "(the 01_ingest notebook writes it)")
    _record_read(path)
    return pd.read_csv(path, keep_default_na=False, na_values=[""])
