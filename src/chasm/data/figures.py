"""Questions asked of the tidy figures table (``data/processed/figures.csv``).

The table has one row per source and cell (wave, question, option, subgroup). Two sources
can speak to one cell; :func:`shared_cells` pairs them and says whether their intervals of
true values (see :mod:`chasm.data.worded`) overlap, i.e. whether they can both be right (01
words each pair for the reader, naming each source by its outlet, :func:`outlets`, from
``data/raw/sources.csv``). Where one number per cell is needed, :func:`best` picks it by one
documented rule, and :func:`best_choices` / :func:`best_texts` show which rule decided
wherever a cell has more than one figure. :func:`kind_counts` and :func:`kind_sentence`
describe where a set of figures comes from, from the data (counts, kinds, outlets), never from
fixed words. Sentences here are plain text: a notebook passes them to ``chasm.report.say`` as
values.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from chasm import paths
from chasm.data.load import load_sources, read_processed
from chasm.data.schema import RawDataError, read_yaml
from chasm.text import NO_DATE

CELL = ["wave", "question", "option", "subgroup_var", "subgroup"]
#: Order of source kinds where a description lists them (the ranking of figures is declared
#: in ``data/raw/metadata/ranking.yaml``, :func:`ranking`).
KIND_ORDER = {"primary": 0, "essay": 1, "secondary": 2, "derived": 3}


def load() -> pd.DataFrame:
    """The processed tidy figures table."""
    return read_processed("figures")


def shared_cells(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every cell that two sources speak to, pairwise, with whether they can both be right.

    ``agree`` is True when the two intervals of true values overlap (allowing the documented
    rounding and word tolerances), ``gap`` is the distance between the intervals (0 if they
    overlap), ``point_diff`` the difference of points where both have one.
    """
    rows = []
    for cell, group in tidy.groupby(CELL, sort=True):
        group = group.sort_values("figure_id")
        records = group.to_dict("records")
        for i, a in enumerate(records):
            for b in records[i + 1:]:
                gap = max(0.0, max(a["low"], b["low"]) - min(a["high"], b["high"]))
                rows.append({
                    **dict(zip(CELL, cell, strict=True)),
                    "figure_a": a["figure_id"], "kind_a": a["source_kind"],
                    "source_a": a["source_id"],
                    "text_a": a["value_text"], "low_a": a["low"], "high_a": a["high"],
                    "figure_b": b["figure_id"], "kind_b": b["source_kind"],
                    "source_b": b["source_id"],
                    "text_b": b["value_text"], "low_b": b["low"], "high_b": b["high"],
                    "point_diff": a["point"] - b["point"], "gap": gap, "agree": gap == 0,
                })
    return pd.DataFrame(rows)


def outlets(sources: pd.DataFrame) -> dict[str, str]:
    """``{source_id: outlet}``: each source's publisher with its publication date ("Levada
    Center, 2024-06-21"), from ``chasm.data.load_sources()``: what a reader can look up."""
    return {str(r.source_id): f"{r.publisher}, "
            + (r.published if isinstance(r.published, str) else NO_DATE)
            for r in sources.itertuples()}



def by_outlet(figure_ids, tidy: pd.DataFrame, sources: pd.DataFrame) -> str:
    """Figures grouped by their source's outlet, in the order given: "E01, E02 from REM; S01
    from internationalinvestment.biz" (``sources.csv``'s publisher), so a sentence about
    second-hand figures names who published them."""
    outlet = dict(zip(sources["source_id"], sources["publisher"], strict=True))
    source_of = dict(zip(tidy["figure_id"], tidy["source_id"], strict=True))
    groups: dict[str, list[str]] = {}
    for f in figure_ids:
        groups.setdefault(outlet.get(source_of.get(f), "an unknown source"), []).append(str(f))
    return "; ".join(f"{', '.join(ids)} from {name}" for name, ids in groups.items())

#: What each step of the ranking policy is called where it decides (``best_choices``).
STEP_NAMES = {"number_before_words": "number before words", "kind": "kind of source",
              "recency": "more recent source", "figure_id": "figure id only",
              "report_both": "no best: both reported"}


@lru_cache(maxsize=None)
def _ranking_cached(path: str, stamp: tuple[int, int]) -> tuple[tuple[str, ...], tuple[str, ...],
                                                                str]:
    data, where = read_yaml(Path(path), "ranking")
    steps, kinds = tuple(data["steps"]), tuple(data["kinds"])
    if steps[-1] != "figure_id" or len(set(steps)) != len(steps):
        spot = where[("steps",)]
        raise RawDataError(path, "the steps must each appear once and end with figure_id "
                           "(the one step that makes every choice reproducible)", spot.line,
                           value=spot.written, key="steps")
    if len(set(kinds)) != len(kinds):
        spot = where[("kinds",)]
        raise RawDataError(path, "a kind is listed twice", spot.line, value=spot.written,
                           key="kinds")
    return steps, kinds, str(data["policy"])


def ranking(path: Path | str | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The declared source-ranking policy, ``data/raw/metadata/ranking.yaml``: its steps
    (in order) and the order of source kinds; validated against
    ``data/schema/ranking.schema.json`` (a bad value stops the build naming file, line, key)."""
    path = Path(path or paths.METADATA / "ranking.yaml")
    stat = path.stat() if path.exists() else None
    return _ranking_cached(str(path), (stat.st_mtime_ns, stat.st_size) if stat else (0, 0))[:2]


def report_both(path: Path | str | None = None) -> bool:
    """True when the declared policy is ``report_both``: where a cell's figures cannot all be
    right, no figure is best (pages report each; a verdict stands only if it holds with each);
    :func:`best` still orders them by the steps, so that computations have one to start from."""
    path = Path(path or paths.METADATA / "ranking.yaml")
    stat = path.stat() if path.exists() else None
    return _ranking_cached(str(path), (stat.st_mtime_ns, stat.st_size) if stat else (0, 0))[2] \
        == "report_both"


def policy_text(path: Path | str | None = None) -> str:
    """The declared policy in words, for every page where it decides: "a number before words,
    then the kind of source (primary, essay, secondary, derived), then the more recent
    source, then the lower figure id (data/raw/metadata/ranking.yaml)"."""
    steps, kinds = ranking(path)
    words = {"number_before_words": "a number before words",
             "kind": f"then the kind of source ({', '.join(kinds)})",
             "recency": "then the more recent source", "figure_id": "then the lower figure id"}
    text = ", ".join(words[s] for s in steps)
    text = text.removeprefix("then ")
    if report_both(path):
        text = ("no best where a cell's figures cannot all be right: each is reported; where "
                f"they agree, {text}")
    return f"{text} (declared in data/raw/metadata/ranking.yaml)"


def _published(path: str) -> dict[str, int]:
    p = Path(path)
    return _published_cached(path, p.stat().st_mtime_ns if p.exists() else 0)


@lru_cache(maxsize=None)
def _published_cached(path: str, stamp: int) -> dict[str, int]:
    """``{source_id: yyyymmdd}`` of ``sources.csv``'s ``published`` (a year alone: its first
    day; a month: its first day; unreadable: 0, i.e. oldest)."""
    import re

    out = {}
    for r in load_sources(Path(path)).itertuples():
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(r.published).strip())
        out[str(r.source_id)] = (int(m[1]) * 10000 + int(m[2] or 1) * 100 + int(m[3] or 1)
                                 if m else 0)
    return out


def _ranked(tidy: pd.DataFrame, sources: Path | str | None = None) -> pd.DataFrame:

    steps, kinds = ranking()
    order = {k: i for i, k in enumerate(kinds)}
    keys = {"number_before_words": tidy["point"].isna() | (tidy["rule"] != "number"),
            "kind": tidy["source_kind"].map(lambda k: order.get(k, len(order))),
            "figure_id": tidy["figure_id"]}
    if "recency" in steps:
        if "source_id" in tidy.columns and len(tidy):
            dates = _published(str(sources or paths.RAW / "sources.csv"))
            keys["recency"] = -tidy["source_id"].map(lambda s: dates.get(s, 0))
        else:  # a table without sources (a test's): recency cannot separate its figures
            keys["recency"] = pd.Series(0, index=tidy.index)
    ranked = tidy.assign(**{f"_{s}": keys[s] for s in steps if s != "figure_id"})
    cols = [f"_{s}" if s != "figure_id" else "figure_id" for s in steps]
    return ranked.sort_values(CELL + cols, kind="stable")


def _drop_keys(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")])


def best(tidy: pd.DataFrame) -> pd.DataFrame:
    """One row per cell, by the declared ranking policy (:func:`ranking`, one home:
    ``data/raw/metadata/ranking.yaml``; today a number before words, then the kind of source,
    primary first, then the more recent source, then the lower figure_id).

    A number is preferred over words whatever its source (29% over "about a third"), since
    words are a rounding of some number; among numbers the order runs from Levada's own
    releases to second-hand quotation, then from the latest publication. The last step only
    makes the choice reproducible: two figures the earlier steps do not separate are not
    ranked by any merit, which is why :func:`best_texts` says so wherever it decides
    between figures that disagree. The other figures of the cell stay in the tidy table.
    """
    rows = _best_rows(tidy)
    if rows is None:  # values the plain sort below does not order as pandas does
        return _drop_keys(_ranked(tidy).drop_duplicates(CELL)).reset_index(drop=True)
    keep = [i for i, c in enumerate(tidy.columns) if not c.startswith("_")]
    return tidy.iloc[rows, keep].reset_index(drop=True)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _best_rows(tidy: pd.DataFrame) -> list[int] | None:
    """The positions of the rows :func:`best` takes, in its order: what sorting by
    :func:`_ranked`'s keys (pandas, stable, missing last) and keeping each cell's first row
    gives, by one Python sort of the rows (most calls pass a cell of one to three figures,
    where pandas' sorting costs milliseconds). None when a text column holds something other
    than text or missing values, or the points are not floats (then pandas' own order is
    taken)."""
    steps, kinds = ranking()
    texts = {c: tidy[c].tolist() for c in (*CELL, "figure_id", "source_kind", "rule")}
    if tidy["point"].dtype.kind != "f" or not all(
            isinstance(v, str) or _missing(v) for column in texts.values() for v in column):
        return None
    order = {k: i for i, k in enumerate(kinds)}
    keys = {"number_before_words": [_missing(p) or _missing(r) or r != "number"
                                    for p, r in zip(tidy["point"].tolist(), texts["rule"],
                                                    strict=True)],
            "kind": [order.get(k, len(order)) for k in texts["source_kind"]],
            "figure_id": [(_missing(v), "" if _missing(v) else v) for v in texts["figure_id"]]}
    if "recency" in steps:
        if "source_id" in tidy.columns and len(tidy):
            dates = _published(str(paths.RAW / "sources.csv"))
            keys["recency"] = [-dates.get(s, 0) for s in tidy["source_id"].tolist()]
        else:
            keys["recency"] = [0] * len(tidy)
    cells = list(zip(*([(_missing(v), "" if _missing(v) else v) for v in texts[c]]
                       for c in CELL), strict=True)) if len(tidy) else []
    ranked = sorted(range(len(tidy)), key=lambda i: (cells[i], *(keys[s][i] for s in steps)))
    seen, rows = set(), []
    for i in ranked:
        if cells[i] not in seen:
            seen.add(cells[i])
            rows.append(i)
    return rows


def best_choices(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every cell with more than one figure: which one :func:`best` takes and why.

    Columns: the cell (:data:`CELL`), ``chosen`` and ``others`` (";"-joined figure ids),
    ``decided_by`` (the first step of the policy that separates the chosen figure from the
    next: :data:`STEP_NAMES`), ``agree`` (every other figure's interval of true values
    overlaps the chosen one's).
    """
    steps, _ = ranking()
    rows = []
    for key, group in _ranked(tidy).groupby(CELL, sort=True):
        if len(group) < 2:
            continue
        first, second = group.iloc[0], group.iloc[1]
        why = STEP_NAMES["figure_id"]
        for step in steps[:-1]:
            if first[f"_{step}"] != second[f"_{step}"]:
                why = STEP_NAMES[step]
                break
        rest = group.iloc[1:]
        agree = bool(((rest["low"] <= first["high"]) & (rest["high"] >= first["low"])).all())
        if not agree and report_both():
            why = STEP_NAMES["report_both"]
        rows.append({**dict(zip(CELL, key, strict=True)), "chosen": first["figure_id"],
                     "others": ";".join(rest["figure_id"]), "decided_by": why,
                     "agree": agree})
    return pd.DataFrame(rows, columns=[*CELL, "chosen", "others", "decided_by", "agree"])


def ranking_sentence(choices: pd.DataFrame, tidy: pd.DataFrame,
                     sources: pd.DataFrame | None = None) -> str:
    """Plain text: where the declared policy chose between a cell's figures (rows of
    :func:`best_choices`), naming the policy, each choice with its outlet (:func:`outlets`,
    from ``sources``; the source id without them) and the step that decided."""
    by_id = tidy.set_index("figure_id")
    names = outlets(sources) if sources is not None else {}

    def fig(fid: str) -> str:
        sid = str(by_id.loc[fid, "source_id"])
        return f"{fid} {by_id.loc[fid, 'value_text']} ({names.get(sid, sid)})"

    items = "; ".join(
        f"{r.wave}: {fig(r.chosen)} over {', '.join(fig(f) for f in r.others.split(';'))} "
        f"({r.decided_by}{'' if r.agree else ', they cannot both be right'})"
        for r in choices.itertuples())
    return (f"Where a wave has several figures, the declared ranking ({policy_text()}) "
            f"chose: {items}.")


#: Why the declared ranking took a cell's figure, by the step that decided (:data:`STEP_NAMES`).
_WHY = {"number before words": "a published number comes before words",
        "kind of source": "the declared ranking puts its kind of source first",
        "more recent source": "the declared ranking puts the more recent source first",
        "figure id only": "nothing ranks them, the lower figure id is taken",
        "no best: both reported": "no figure is best, both are reported"}


def best_parts(tidy: pd.DataFrame, sources: pd.DataFrame | None = None,
                meta: dict | None = None) -> list[tuple[str, str]]:
    """(cell, what the rule did) for each cell where :func:`best`'s choice matters."""
    names = outlets(sources) if sources is not None else {}
    by_id = tidy.set_index("figure_id")

    def label(fid: str) -> str:
        row = by_id.loc[fid]
        where = names.get(str(row["source_id"]), row["source_kind"])
        return f"{fid} {row['value_text']} ({where})"

    def named(r) -> str:
        option, var, group = r.option, r.subgroup_var, r.subgroup
        if meta is not None:
            option = meta["questions"][r.question]["options"][r.option].get("label", r.option)
            spec = meta["subgroups"].get(r.subgroup_var, {})
            var = spec.get("label", var)
            group = spec.get("groups", {}).get(r.subgroup, {}).get("label", group)
        return f"{r.wave}, {option}" + ("" if r.subgroup_var == "all" else f", {var} = {group}")

    out = []
    for r in best_choices(tidy).itertuples():
        if r.agree and r.decided_by != "figure id only":
            continue
        out.append((named(r), f"{label(r.chosen)} is used, not "
                    f"{', '.join(label(f) for f in r.others.split(';'))}: "
                    f"{_WHY[r.decided_by]} ({policy_text()})"
                    + ("" if r.agree else "; the figures cannot both be right") + "."))
    return out


def best_texts(tidy: pd.DataFrame, sources: pd.DataFrame | None = None,
               meta: dict | None = None) -> list[str]:
    """One plain-text sentence per cell where :func:`best`'s choice matters: its figures cannot
    all be right, or only the figure id decided. Names the cell (with ``meta``: the answer and
    group by their labels), the figure used, the others, the step of the rule that decided and
    (with ``sources``) each figure's outlet. Pass each to ``report.say`` as a value."""
    return [f"{cell}: {what}" for cell, what in best_parts(tidy, sources, meta)]


def kind_counts(tidy: pd.DataFrame, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures by source kind (in :data:`KIND_ORDER`): ``kind``, ``figures`` (count),
    ``sources`` (number of distinct sources) and ``outlets`` ("; "-joined, :func:`outlets`)."""
    names = outlets(sources) if sources is not None else {}
    rows = []
    for kind in sorted(tidy["source_kind"].unique(), key=lambda k: (KIND_ORDER.get(k, 99), k)):
        part = tidy[tidy["source_kind"] == kind]
        ids = sorted(part["source_id"].unique())
        rows.append({"kind": kind, "figures": len(part), "sources": len(ids),
                     "outlets": "; ".join(dict.fromkeys(names.get(i, i) for i in ids))})
    return pd.DataFrame(rows, columns=["kind", "figures", "sources", "outlets"])


def kind_sentence(tidy: pd.DataFrame, sources: pd.DataFrame) -> str:
    """Where a set of figures comes from, in words computed from the data: "Of the 12 figures,
    3 come from 1 essay source (REM, 2025-12-08); 9 come from 2 primary sources (Levada
    Center, ...). 3 of them (essay and secondary) are second-hand." Plain text; pass it to
    ``report.say`` as a value."""
    parts = []
    for r in kind_counts(tidy, sources).itertuples():
        noun = "source" if r.sources == 1 else "sources"
        verb = "comes" if r.figures == 1 else "come"
        parts.append(f"{r.figures} {verb} from {r.sources} {r.kind} {noun} ({r.outlets})")
    total = len(tidy)
    hand = int(tidy["source_kind"].isin(["essay", "secondary"]).sum())
    return (f"Of the {total} figure{'' if total == 1 else 's'}, " + "; ".join(parts) + ". "
            + (f"{hand} of them (essay and secondary) {'is' if hand == 1 else 'are'} "
               "second-hand." if hand
               else "None is second-hand."))


def cell(tidy: pd.DataFrame, wave: str, question: str, option: str,
         subgroup_var: str = "all", subgroup: str = "all") -> pd.DataFrame:
    """All figures for one cell (possibly from several sources, possibly none)."""
    mask = ((tidy["wave"] == wave) & (tidy["question"] == question) & (tidy["option"] == option)
            & (tidy["subgroup_var"] == subgroup_var) & (tidy["subgroup"] == subgroup))
    return tidy[mask]
