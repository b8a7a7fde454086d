"""Load and validate every raw file; write and read the processed tables.

Raw files in ``data/raw/`` say what their sources said and are never edited by code. Each
loader checks its file against a small schema (columns, types, 0-100 range, known ids, unique
ids, a source for every figure, a value or wording for every figure) and stops at the first
problem with one :class:`RawDataError` naming the file, line, column and value. Figures files
are every ``data/raw/*_figures.csv``: adding a published table is adding such a file.

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

from . import paths, worded

SOURCE_KINDS = ("essay", "primary", "secondary", "derived")
RESPONSE_TYPES = ("single", "multiple", "unknown")
TONES = ("negative", "neutral", "positive")
FIGURE_COLUMNS = ("figure_id", "source_id", "wave", "question", "option", "subgroup_var",
                  "subgroup", "value_pct", "value_text")
#: Optional free-text columns a figures file may carry (where in the source, what it cites).
FIGURE_NOTE_COLUMNS = ("cites", "location", "context")


class RawDataError(ValueError):
    """A raw file breaks its schema. The message names file, line, column and value."""

    def __init__(self, path: Path | str, message: str, line: int | None = None,
                 column: str | None = None, value: object = None):
        where = paths.relative(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        shown = "" if value is None else f": value {str(value)!r}"
        super().__init__(f"{where}{shown}: {message}")
        self.path, self.line, self.column, self.value = str(path), line, column, value


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
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+\-]*$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!]|javascript:", re.IGNORECASE)


def _text(cell: str) -> str:
    if _MARKUP.search(cell):
        raise ValueError("markup or script is not allowed in a text field")
    return cell


def _ident(cell: str) -> str:
    if not _ID.match(cell):
        raise ValueError("is not an identifier (letters, digits, _ . + -)")
    return cell


def _number(cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError("is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("is not a finite number")
    return value


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
    if not _MONTH.match(cell):
        raise ValueError("is not a month YYYY-MM")
    return cell


@dataclass(frozen=True)
class Col:
    """One column of a schema: its check and whether an empty cell is allowed."""

    check: Callable[[str], object]
    optional: bool = False


def _read_table(path: Path, schema: dict[str, Col], optional_columns: dict[str, Col] | None = None,
                unique: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV strictly: UTF-8 without BOM, exact columns, every cell checked."""
    path = Path(path)
    if not path.exists():
        raise RawDataError(path, "file not found")
    raw = path.read_bytes()
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
    for column in schema:
        if column not in header:
            raise RawDataError(path, "required column is missing", line=1, column=column)
    for column in header:
        if column not in schema and column not in optional_columns:
            raise RawDataError(path, "unexpected column (a typo?)", line=1, column=column)
    for column in header:
        if header.count(column) > 1:
            raise RawDataError(path, "column name appears twice", line=1, column=column)
    checks = {**optional_columns, **schema}
    records = []
    for line, row in zip(starts[1:], rows[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise RawDataError(path, f"has {len(row)} cells, the header has {len(header)}",
                               line=line)
        record = {}
        for column, cell in zip(header, row, strict=True):
            cell = cell.strip()
            col = checks[column]
            if cell == "":
                if not col.optional:
                    raise RawDataError(path, "is empty but required", line, column)
                record[column] = None
                continue
            try:
                record[column] = col.check(cell)
            except ValueError as err:
                raise RawDataError(path, str(err), line, column, cell) from None
        record["_line"] = line
        records.append(record)
    if not records:
        raise RawDataError(path, "has a header but no data rows")
    frame = pd.DataFrame.from_records(records)
    for column in unique:
        dup = frame[frame.duplicated(column, keep="first")]
        if len(dup):
            first = dup.iloc[0]
            before = int(frame.loc[frame[column] == first[column], "_line"].iloc[0])
            raise RawDataError(path, f"duplicate id (also line {before})", int(first["_line"]),
                               column, first[column])
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


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice (plain YAML keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                continue  # unusual keys: left to the base loader
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _yaml_load(text: str):
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise RawDataError(path, "file not found")
    try:
        data = _yaml_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise RawDataError(path, f"is not valid YAML: {err}") from None
    if not isinstance(data, dict) or not data:
        raise RawDataError(path, "must be a non-empty mapping")
    _record_read(path)
    return data


def _require(path: Path, mapping: dict, key: str, where: str, allowed=None):
    if not isinstance(mapping, dict) or key not in mapping:
        raise RawDataError(path, f"{where}: missing key '{key}'")
    value = mapping[key]
    if allowed is not None and value not in allowed:
        raise RawDataError(path, f"{where}: '{key}' must be one of {list(allowed)}", value=value)
    return value


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _metadata_cached(root: str) -> dict[str, dict]:
    meta = Path(root)
    questions = _read_yaml(meta / "questions.yaml")
    for qid, q in questions.items():
        path = meta / "questions.yaml"
        _ident(str(qid))
        for key in ("wording_en", "base"):
            _text(str(_require(path, q, key, f"question {qid}")))
        _require(path, q, "response", f"question {qid}", RESPONSE_TYPES)
        options = _require(path, q, "options", f"question {qid}")
        if not isinstance(options, dict) or not options:
            raise RawDataError(path, f"question {qid}: 'options' must be a non-empty mapping")
        for oid, o in options.items():
            _require(path, o, "label", f"question {qid}, option {oid}")
            if "tone" in o:
                _require(path, o, "tone", f"question {qid}, option {oid}", TONES)
    waves = _read_yaml(meta / "waves.yaml")
    for wid, w in waves.items():
        path = meta / "waves.yaml"
        try:
            _month(str(wid))
        except ValueError:
            raise RawDataError(path, "wave ids are months YYYY-MM", value=wid) from None
        n = _require(path, w, "n", f"wave {wid}")
        if not isinstance(n, int) or n <= 0:
            raise RawDataError(path, f"wave {wid}: 'n' must be a whole number > 0", value=n)
        _require(path, w, "n_assumed", f"wave {wid}", (True, False))
        _require(path, w, "label", f"wave {wid}")
    subgroups = _read_yaml(meta / "subgroups.yaml")
    for var, s in subgroups.items():
        groups = _require(meta / "subgroups.yaml", s, "groups", f"subgroup variable {var}")
        if not isinstance(groups, dict) or not groups:
            raise RawDataError(meta / "subgroups.yaml", f"{var}: 'groups' must be a mapping")
    return {"questions": questions, "waves": {str(k): v for k, v in waves.items()},
            "subgroups": subgroups}


def load_metadata(root: Path | None = None) -> dict[str, dict]:
    """Questions, waves and subgroup variables from ``data/raw/metadata/*.yaml``, validated."""
    return _metadata_cached(str(root or paths.METADATA))


def load_gaps(path: Path | None = None) -> pd.DataFrame:
    """What is not available (``metadata/gaps.yaml``): id, what, consequence."""
    path = Path(path or paths.METADATA / "gaps.yaml")
    if not path.exists():
        raise RawDataError(path, "file not found")
    try:
        items = _yaml_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise RawDataError(path, f"is not valid YAML: {err}") from None
    if not isinstance(items, list) or not items:
        raise RawDataError(path, "must be a non-empty list of gaps")
    for i, item in enumerate(items, start=1):
        for key in ("id", "what", "consequence"):
            _text(str(_require(path, item, key, f"gap {i}")))
    _record_read(path)
    return pd.DataFrame(items, columns=["id", "what", "consequence"])


def load_sources(path: Path | None = None) -> pd.DataFrame:
    """``sources.csv``: one row per source document with its kind (essay/primary/secondary)."""
    schema = {
        "source_id": Col(_ident), "kind": Col(_text), "publisher": Col(_text),
        "title": Col(_text), "published": Col(_text), "url": Col(_text, optional=True),
        "note": Col(_text, optional=True),
    }
    path = Path(path or paths.RAW / "sources.csv")
    frame = _read_table(path, schema, unique=("source_id",))
    bad = frame[~frame["kind"].isin(SOURCE_KINDS)]
    if len(bad):
        row = bad.iloc[0]
        raise RawDataError(path, f"kind must be one of {list(SOURCE_KINDS)}",
                           int(row["_line"]), "kind", row["kind"])
    return frame.drop(columns="_line")


def figure_files(raw: Path | None = None) -> list[Path]:
    """Every figures file: ``data/raw/*_figures.csv``, sorted by name."""
    return sorted(Path(raw or paths.RAW).glob("*_figures.csv"))


def load_figures(raw: Path | None = None) -> pd.DataFrame:
    """All figures files stacked, validated against sources and metadata.

    Adds ``file`` and ``line`` (where the figure stands) and ``source_kind``. Checks: every
    figure has a known source, wave, question, option, subgroup variable and group; ids are
    unique across files; each figure has a value or wording, and where both are given the
    wording reads as the same number.
    """
    raw = Path(raw or paths.RAW)
    meta = load_metadata(raw / "metadata")
    sources = load_sources(raw / "sources.csv").set_index("source_id")
    schema = {
        "figure_id": Col(_ident), "source_id": Col(_ident), "wave": Col(_month),
        "question": Col(_ident), "option": Col(_ident), "subgroup_var": Col(_ident),
        "subgroup": Col(_text), "value_pct": Col(_pct, optional=True), "value_text": Col(_text),
    }
    notes = {c: Col(_text, optional=True) for c in FIGURE_NOTE_COLUMNS}
    files = figure_files(raw)
    if not files:
        raise RawDataError(raw, "no *_figures.csv file found")
    frames, seen = [], {}
    for path in files:
        frame = _read_table(path, schema, notes, unique=("figure_id",))
        for _, row in frame.iterrows():
            _check_figure(path, row, meta, sources, seen)
            seen[row["figure_id"]] = (path, row["_line"])
        frame = frame.rename(columns={"_line": "line"})
        frame.insert(0, "file", paths.relative(path))
        frames.append(frame)
    figures = pd.concat(frames, ignore_index=True)
    for column in FIGURE_NOTE_COLUMNS:
        if column not in figures:
            figures[column] = None
    figures["source_kind"] = figures["source_id"].map(sources["kind"])
    return figures


def _check_figure(path: Path, row: pd.Series, meta: dict, sources: pd.DataFrame,
                  seen: dict) -> None:
    line = int(row["_line"])

    def fail(column: str, message: str) -> None:
        value = row[column]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # show '37' as the file says, not '37.0'
        raise RawDataError(path, message, line, column, value)

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
        fail("value_pct", f"disagrees with value_text {row['value_text']!r}")


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
    schema = {"share_near_pct": Col(_pct), "max_error_pct": Col(_positive),
              "sample_n": Col(_count), "confidence": Col(_probability),
              "source_id": Col(_ident)}
    return _read_table(Path(path or paths.RAW / "levada_error_table.csv"), schema).drop(
        columns="_line")


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
        row = bad.iloc[0]
        raise RawDataError(path, "male + female differs from total", int(row["_line"]),
                           "total", row["total"])
    return frame.drop(columns="_line")


def load_populations(raw: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every population table (:func:`population_files`), ``{reference date: table}``, each
    checked by :func:`load_population`."""
    return {date: load_population(path) for date, path in population_files(raw).items()}


def load_approval(path: Path | None = None) -> pd.DataFrame:
    """Levada's monthly approval of Putin (approve / disapprove / no answer, percent)."""
    schema = {"month": Col(_month), "approve": Col(_pct), "disapprove": Col(_pct, optional=True),
              "no_answer": Col(_pct, optional=True), "source_id": Col(_ident),
              "note": Col(_text, optional=True)}
    path = Path(path or paths.RAW / "putin_approval_monthly.csv")
    return _read_table(path, schema, unique=("month",)).drop(columns="_line")


def load_fieldwork(path: Path | None = None) -> pd.DataFrame:
    """Fieldwork facts (dates, N, localities) of other Levada surveys of the same design."""
    schema = {"survey": Col(_text), "fieldwork": Col(_text), "n": Col(_count),
              "localities": Col(_count, optional=True), "regions": Col(_count, optional=True),
              "mode": Col(_text), "source_url": Col(_text)}
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


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table deterministically (fixed float format, LF) and atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    frame.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
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
