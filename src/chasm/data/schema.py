"""How a data file is read strictly and checked against its schema, with one kind of error.

WHAT. :class:`RawDataError` names, for each problem, the file, line, column (CSV) or key (YAML)
and the value as written, and reports every problem of a file at once (:meth:`RawDataError.of`,
at most :data:`MAX_PROBLEMS` shown). :func:`read_table` reads a CSV against its columns
(:class:`chasm.data.cells.Col`); :func:`read_yaml` reads a YAML file as written (no anchors,
aliases, tags, YAML 1.1 guesses or repeated keys; text under :func:`chasm.data.cells.text`) and
validates it against ``data/schema/<name>.schema.json``. Every metadata file, ``data/plan.yaml``,
the claims registers and the subgroup-size files are read here; :func:`record_read` logs each
read for make's declared inputs.

WHY. One reader and one message style for every input: a writer fixes every problem of a file
in one pass, and nothing is read the lenient way (a file above :data:`MAX_FILE_BYTES` is refused
unread). The JSON Schemas are validated by fastjsonschema, compiled once per process
(milliseconds; ``jsonschema`` costs seconds to import in every notebook and is used only by the
tests, which check that both agree).
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
from chasm.data import cells, yamlcache
from chasm.data.cells import Col


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


def raise_all(problems: list[RawDataError]) -> None:
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
                           "for a data file (chasm.data.schema.MAX_FILE_BYTES): is it the right "
                           "file?")
    return path.read_bytes()


# --------------------------------------------------------------------------------------------
# Read log: which files a notebook read (make checks them against the declared inputs).
# --------------------------------------------------------------------------------------------
def record_read(path: Path) -> None:
    """Log ``path`` to ``$CHASM_READ_LOG`` (set by make), which checks it is a declared input."""
    log = os.environ.get("CHASM_READ_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(paths.relative(path) + "\n")


# --------------------------------------------------------------------------------------------
# CSV: exact columns, every cell checked by its column's rule (chasm.data.cells).
# --------------------------------------------------------------------------------------------
class Written(dict):
    """``{line: {column: text as written}}`` of a table read by :func:`read_table`, kept in the
    frame's ``attrs`` and never changed after. pandas deep-copies ``attrs`` on every operation
    (``DataFrame.__finalize__``): for the 300-month approval series that was 12 ms per filter
    or column access, most of a build's time; a deep copy of this mapping is the mapping."""

    def __deepcopy__(self, memo: dict) -> Written:
        return self


def read_table(path: Path, schema: dict[str, Col], optional_columns: dict[str, Col] | None = None,
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
    raise_all(problems)
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
    raise_all(sorted(problems, key=lambda p: p.line or 0))
    frame = pd.DataFrame.from_records(records)
    frame.attrs["written"] = written
    record_read(path)
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
class Where:
    """Where a YAML value stands: its line and the text as written in the file."""

    line: int
    written: str


def _written(text: str, node: yaml.Node) -> str:
    """A node's text exactly as the file writes it (a scalar's quotes included)."""
    if isinstance(node, yaml.ScalarNode) and node.style is None:
        return node.value
    return text[node.start_mark.index:node.end_mark.index].strip()


def key_path(path: tuple) -> str | None:
    """A YAML key path as messages write it: ``2024-03.n``, list items ``[1]`` (None: root)."""
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
                       f"{hint}", node.start_mark.line + 1, value=value, key=key_path(key))


def _yaml_value(path: Path, node: yaml.Node, key: tuple, text: str, where: dict):
    """Build the Python value of a node, recording where each key and value stands."""
    where.setdefault(key, Where(node.start_mark.line + 1, _written(text, node)))
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
                               value=_written(text, key_node), key=key_path(key))
        name = _yaml_scalar(path, key_node, key, text)
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise RawDataError(path, "a key must be text (quote it)", line,
                               value=key_node.value, key=key_path(key))
        name = key_node.value  # the key as written ('2024' stays text)
        if name in out:
            first = where[(*key, name)].line
            raise RawDataError(path, f"key appears twice (also line {first})", line,
                               value=name, key=key_path((*key, name)))
        where[(*key, name)] = Where(line, _written(text, value_node))
        out[name] = _yaml_value(path, value_node, (*key, name), text, where)
    return out


def compose_yaml(path: Path, raw: bytes | None = None) -> tuple[yaml.Node | None, str]:
    """A YAML file's node tree (None if empty) and text, refusing what YAML would do silently.

    Refused with file and line: a file above :data:`MAX_FILE_BYTES`, invalid UTF-8 or YAML,
    more than one document, anchors and aliases (``&a``/``*a``: a few hundred bytes of aliases
    can expand to gigabytes, so they are refused before anything is built) and explicit tags
    (``!!int``, ``!!python/name``). The one strict reading of every YAML input: the data's
    (:func:`read_yaml`) and the params files' (:mod:`chasm.data.params`). ``raw``: the file's
    bytes when the caller has read them already.
    """
    path = Path(path)
    raw = _read_bytes(path) if raw is None else raw
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
        return yaml.compose(text, Loader=yaml.SafeLoader), text
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        reason = " ".join(str(part) for part in (err.context, err.problem) if part)
        raise RawDataError(path, f"is not valid YAML: {reason} (column {mark.column + 1})",
                           line=mark.line + 1) from None
    except yaml.YAMLError as err:
        raise RawDataError(path, f"is not valid YAML: {err}") from None


def _parse_yaml(path: Path, raw: bytes | None = None) -> tuple[object, dict[tuple, Where]]:
    """A YAML file's value and where each key stands (:func:`compose_yaml`'s refusals, then a
    key given twice, non-text keys and the ambiguous plain scalars of :func:`_yaml_scalar`)."""
    node, text = compose_yaml(path, raw)
    if node is None:
        raise RawDataError(path, "is empty")
    where: dict[tuple, Where] = {}
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


@lru_cache(maxsize=None)
def _whole(name: str) -> Callable[[object], object]:
    """A compiled validator of the whole schema ``name`` (one compilation per schema, where
    :func:`_node_problems` compiles one per node): it only says whether a file is valid."""
    import fastjsonschema

    return fastjsonschema.compile(_schema(name))


def _schema_problems(path: Path, name: str, data: object,
                     where: dict[tuple, Where]) -> list[RawDataError]:
    """Every way ``data`` breaks ``data/schema/<name>.schema.json``, as RawDataErrors naming
    line, dotted key and the value as written, in file order. A file the whole schema's
    validator accepts has none (every node's rules are part of the whole schema); any other
    is walked node by node, which names every problem."""
    import fastjsonschema

    root = _schema(name)
    try:
        _whole(name)(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    return sorted((_schema_error(path, p, where) for p in _node_problems(root, root, data, ())),
                  key=lambda e: e.line or 0)


def _schema_error(path: Path, problem: tuple, where: dict[tuple, Where]) -> RawDataError:
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
    return RawDataError(path, message, spot.line, value=value, key=key_path(key))


def _text_problems(path: Path, value: object, key: tuple,
                   where: dict[tuple, Where]) -> list[RawDataError]:
    """Every text value of a YAML file that breaks :func:`chasm.data.cells.text` (markup, a line
    break, an
    invisible character), as RawDataErrors naming line, key and the value as written."""
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _text_problems(path, v, (*key, k), where)]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _text_problems(path, v, (*key, i), where)]
    if isinstance(value, str):
        try:
            cells.text(value)
        except ValueError as err:
            spot = where[key]
            return [RawDataError(path, str(err), spot.line, value=spot.written,
                                 key=key_path(key))]
    return []


def read_yaml(path: Path, schema: str | None = None) -> tuple[object, dict[tuple, Where]]:
    """Parse a YAML file strictly and, with ``schema``, validate it against
    ``data/schema/<schema>.schema.json``: the one way this project reads YAML data.

    Every problem (schema, then text: no markup or invisible character; up to
    :data:`MAX_PROBLEMS` shown) raises one :class:`RawDataError` naming, for each, file, line,
    key and the value as written. Returns the data and where each key stands (line, value as
    written) for a caller's own checks; records the read. A file read again with the same bytes
    returns a copy of what it gave the first time, in this process or another
    (:mod:`chasm.data.yamlcache`, keyed by the bytes, the schema and the package's code); a
    file with problems is always read afresh.
    """
    path = Path(path)
    try:
        raw = _read_bytes(path)
    except RawDataError:
        raw = None  # refused below, by the reading that names the problem
    schema_file = SCHEMAS / f"{schema}.schema.json" if schema else None
    kept = yamlcache.recall(path, schema, schema_file, raw) if raw is not None else None
    if kept is not None:
        record_read(path)
        return kept
    data, where = _parse_yaml(path, raw)
    problems = _schema_problems(path, schema, data, where) if schema else []
    if not problems:
        problems = _text_problems(path, data, (), where)
    raise_all(problems)
    if raw is not None:
        yamlcache.keep(path, schema, schema_file, raw, data, where)
    record_read(path)
    return data, where
