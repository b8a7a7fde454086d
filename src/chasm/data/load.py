"""Raw files in, checked frames out: one loader per file of ``data/raw/``.

Raw files say what their sources said and are never edited by code. Each loader reads its file
strictly against its columns or JSON Schema (:mod:`chasm.data.schema`, each value under the
grammar of :mod:`chasm.data.cells`), then checks the facts a schema cannot say
(:func:`_fact_problems`, :func:`_approval_sum_problems`), and reports every problem at once in
one :class:`~chasm.data.schema.RawDataError` naming, for each, the file, line, column (or YAML
key) and the value as written. Figures files are every ``data/raw/*_figures.csv``: adding a
published table is adding such a file. ``data/README.md`` lists every rule.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from chasm import paths
from chasm.data import cells, worded
from chasm.data.cells import Col
from chasm.data.schema import (
    RawDataError,
    Where,
    key_path,
    raise_all,
    read_table,
    read_yaml,
    record_read,
)

SOURCE_KINDS = ("essay", "primary", "secondary", "derived")
FIGURE_COLUMNS = ("figure_id", "source_id", "wave", "question", "option", "subgroup_var",
                  "subgroup", "value_pct", "value_text")
#: Optional free-text columns a figures file may carry (where in the source, what it cites).
FIGURE_NOTE_COLUMNS = ("cites", "location", "context")

#: The subgroup variable whose groups are weighted by Levada's monthly approval series: a wave
#: broken down by it names the month of that series (``approval_month`` in waves.yaml).
APPROVAL_VARIABLE = "putin_approval"


# Metadata
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _metadata_cached(root: str) -> tuple[dict[str, dict], dict[str, dict[tuple, Where]]]:
    meta = Path(root)
    out, where, problems = {}, {}, []
    for name in ("questions", "waves", "subgroups"):
        try:
            out[name], where[name] = read_yaml(meta / f"{name}.yaml", name)
        except RawDataError as err:  # every metadata file's problems in one message
            problems.append(err)
    raise_all(problems)
    path = meta / "subgroups.yaml"
    for var, spec in out["subgroups"].items():
        aged = [g for g, group in spec["groups"].items() if "min_age" in group]
        if aged and len(aged) != len(spec["groups"]):
            group = next(g for g in spec["groups"] if g not in aged)
            spot = where["subgroups"][(var, "groups", group)]
            problems.append(RawDataError(
                path, f"group has no min_age/max_age but {aged[0]!r} does: give every group "
                "of a variable its ages, or none", spot.line,
                key=key_path((var, "groups", group))))
        for g in aged:
            lo, hi = spec["groups"][g]["min_age"], spec["groups"][g]["max_age"]
            if hi is not None and hi < lo:
                spot = where["subgroups"][(var, "groups", g, "max_age")]
                problems.append(RawDataError(
                    path, f"max_age is below min_age {lo}", spot.line, value=spot.written,
                    key=key_path((var, "groups", g, "max_age"))))
    raise_all(problems)
    return out, where


def load_metadata(root: Path | None = None) -> dict[str, dict]:
    """Questions, waves and subgroup variables from ``data/raw/metadata/*.yaml``, validated.

    Each file is read as written (:func:`chasm.data.schema.read_yaml`) and checked against its
    JSON Schema
    ``data/schema/<name>.schema.json`` (types, required and unknown keys, id and month
    patterns); text values carry no markup, line break or invisible character. Every problem
    of the three files is reported in one :class:`RawDataError` naming, for each, file, line,
    key and value as written.
    """
    return _metadata_cached(str(root or paths.METADATA))[0]


def load_gaps(path: Path | None = None) -> pd.DataFrame:
    """What is not available (``metadata/gaps.yaml``): id, what, consequence."""
    path = Path(path or paths.METADATA / "gaps.yaml")
    items, where = read_yaml(path, "gaps")
    seen: dict[str, int] = {}
    problems = []
    for i, item in enumerate(items):
        spot = where[(i, "id")]
        if item["id"] in seen:
            problems.append(RawDataError(path, f"duplicate id (also line {seen[item['id']]})",
                                         spot.line, value=spot.written,
                                         key=key_path((i, "id"))))
        seen.setdefault(item["id"], spot.line)
    raise_all(problems)
    return pd.DataFrame(items, columns=["id", "what", "consequence"])


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
        "source_id": Col(cells.ident), "kind": Col(cells.text), "publisher": Col(cells.text),
        "title": Col(cells.text, optional=True), "published": Col(cells.published, optional=True),
        "url": Col(cells.url, optional=True), "note": Col(cells.note, optional=True),
    }
    path = Path(path or paths.RAW / "sources.csv")
    frame = read_table(path, schema, unique=("source_id",))
    raise_all([RawDataError(path, f"kind must be one of {list(SOURCE_KINDS)}", int(line),
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
        "figure_id": Col(cells.ident), "source_id": Col(cells.ident), "wave": Col(cells.month),
        "question": Col(cells.ident), "option": Col(cells.ident), "subgroup_var": Col(cells.ident),
        "subgroup": Col(cells.text), "value_pct": Col(cells.pct, optional=True),
        "value_text": Col(cells.text),
    }
    notes = {c: Col(cells.note, optional=True) for c in FIGURE_NOTE_COLUMNS}
    files = figure_files(raw)
    if not files:
        raise RawDataError(raw, "no *_figures.csv file found")
    frames, seen, problems = [], {}, []
    for path in files:
        try:
            frame = read_table(path, schema, notes, unique=("figure_id",))
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
    raise_all(problems)
    figures = pd.concat(frames, ignore_index=True)
    for column in FIGURE_NOTE_COLUMNS:
        if column not in figures:
            figures[column] = None
    figures["source_kind"] = figures["source_id"].map(sources["kind"])
    raise_all(_fact_problems(raw, {paths.relative(p): p for p in files}, figures, sources,
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
    for _, rows in figures[figures["question"].isin(single)].groupby(group, sort=False):
        low = float(rows["_low"].sum())
        if low > 100:
            row = rows.iloc[0]
            shown = "; ".join(f"{r['figure_id']} {r['option']} {r['value_text']!r} "
                              f"({where(r)})" for _, r in rows.iterrows())
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
        where_waves = _metadata_cached(str(raw / "metadata"))[1]["waves"]
    waves_file = raw / "metadata" / "waves.yaml"
    by_approval = figures[figures["subgroup_var"] == APPROVAL_VARIABLE]
    for wave, rows in by_approval.groupby("wave", sort=True):
        if meta["waves"][wave].get("approval_month") is None:
            row = rows.iloc[0]
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
              "sample_n": Col(_sample_n), "confidence": Col(cells.probability),
              "source_id": Col(cells.ident)}
    path = Path(path or paths.RAW / "levada_error_table.csv")
    frame = read_table(path, schema)
    first = frame.iloc[0]
    raise_all([RawDataError(path, f"sample_n differs from line {int(first['_line'])} "
                            f"({frame.attrs['written'][int(first['_line'])]['sample_n']}): an "
                            "error table is for one sample size", int(line), "sample_n",
                            frame.attrs["written"][int(line)]["sample_n"])
               for line in frame.loc[frame["sample_n"] != first["sample_n"], "_line"]])
    return frame.drop(columns="_line")


def _inner_pct(cell: str) -> float:
    """A share strictly inside 0-100 (an error table's row: at 0 or 100 the error is 0)."""
    value = cells.pct(cell)
    if value in (0, 100):
        raise ValueError("must lie strictly between 0 and 100 (a share of 0 or 100 has no "
                         "sampling error)")
    return value


def _error_pct(cell: str) -> float:
    """A margin of error in points: above 0 and below 50 (a survey whose 95% error reaches
    50 points says nothing; such a number is a typing mistake)."""
    value = cells.positive(cell)
    if value >= 50:
        raise ValueError("is not a plausible margin of error (must be above 0 and below 50 "
                         "points)")
    return value


def _sample_n(cell: str) -> int:
    """A sample size: a whole number of interviews, at least 1."""
    value = cells.count(cell)
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
    schema = {"age": Col(cells.count), "total": Col(cells.count), "male": Col(cells.count),
              "female": Col(cells.count)}
    path = Path(path or list(population_files().values())[-1])
    frame = read_table(path, schema, unique=("age",))
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
    schema = {"month": Col(cells.month), "approve": Col(cells.pct),
              "disapprove": Col(cells.pct, optional=True),
              "no_answer": Col(cells.pct, optional=True), "source_id": Col(cells.ident),
              "note": Col(cells.note, optional=True)}
    path = Path(path or paths.RAW / "putin_approval_monthly.csv")
    frame = read_table(path, schema, unique=("month",))
    raise_all(_approval_sum_problems(path, frame))
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
                                         key=key_path((wave, "approval_month"))))
    raise_all(problems)
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
    schema = {"survey": Col(cells.text), "fieldwork": Col(cells.text), "n": Col(cells.count),
              "localities": Col(cells.count, optional=True),
              "regions": Col(cells.count, optional=True),
              "mode": Col(cells.text), "source_url": Col(cells.url)}
    return read_table(Path(path or paths.RAW / "levada_fieldwork.csv"), schema).drop(
        columns="_line")


# --------------------------------------------------------------------------------------------
# Processed tables

def read_processed(name: str) -> pd.DataFrame:
    """Read ``data/processed/<name>.csv`` written by the ingest notebook."""
    path = paths.PROCESSED / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"{paths.relative(path)} is missing: run `make reports` "
                                "(the 01_ingest notebook writes it)")
    record_read(path)
    return pd.read_csv(path, keep_default_na=False, na_values=[""])
