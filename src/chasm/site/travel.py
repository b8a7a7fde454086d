"""Findings that travel: what a run found that a reader of the landing page must not miss.

Two kinds, read from the key table each run writes (``reports/tables/<run>.csv``), never from a
page's text:

* **an inconsistent breakdown**: a row whose verdict is "inconsistent" (05_subgroups: the
  published groups cannot be reconciled with their published total), with the range of totals
  its groups imply, the total as published, its figures and the outlets they come from;
* **sources that disagree, and the change they decide** (08_series): a wave whose figures from
  several sources cannot all be right (their intervals of true values, ``data/processed``, do
  not meet), and a change between waves whose verdict depends on which source is believed
  (``depends_on_source``), with each reading, and what the declared source ranking
  (``data/raw/metadata/ranking.yaml``) makes of it.

The landing page lists them under the run that found them, each with its number and a link to
that run's findings box (``<run>.html#findings``); outlets link to their address, figures to
their row in 01_ingest (``chasm.site.landing``).
"""

from __future__ import annotations

import html

from chasm import formats, paths
from chasm.data import figures, load
from chasm.site.base import read_csv, sources

#: The words the landing page's marks use (``badge-bad``: the register's "sources disagree").
KINDS = {"inconsistent": "inconsistent breakdown", "disagree": "sources disagree",
         "decides": "the source decides"}


def _float(cell: str | None) -> float | None:
    try:
        value = float(cell or "")
    except ValueError:
        return None
    return None if value != value else value


class _Context:
    """What the sentences name: each figure's row (``data/processed/figures.csv``), each
    source's outlet and address (``sources.csv``), the metadata's labels."""

    def __init__(self) -> None:
        self.figures = {r["figure_id"]: r for r in read_csv(paths.PROCESSED / "figures.csv")}
        self.sources = {s["source_id"]: s for s in sources()}
        self.meta = load.load_metadata()
        self.report_both = figures.report_both()

    def option(self, question: str, option: str) -> str:
        options = self.meta["questions"].get(question, {}).get("options") or {}
        return str(options.get(option, {}).get("label", option.replace("_", " ")))

    def variable(self, var: str) -> str:
        return str(self.meta["subgroups"].get(var, {}).get("label", var.replace("_", " ")))

    def outlet(self, source_id: str) -> str:
        """The outlet as HTML: publisher and date, linked to its address (else to its row in
        the landing page's sources, which says why there is none)."""
        row = self.sources.get(source_id)
        if row is None:
            return html.escape(source_id)
        name = html.escape(f"{row['publisher']}, {row['published']}")
        href = row["url"] or f"index.html#src-{source_id}"
        return f'<a href="{html.escape(href)}">{name}</a>'

    def outlets(self, ids: list[str]) -> str:
        sids = dict.fromkeys(self.figures[f]["source_id"] for f in ids if f in self.figures)
        return " and ".join(self.outlet(s) for s in sids)

    def figure(self, fid: str) -> str:
        """A figure as cited: its outlet, the figure as published, its id linked to its row."""
        row = self.figures.get(fid)
        link = f'<a href="01_ingest.html#fig-{html.escape(fid)}">{html.escape(fid)}</a>'
        if row is None:
            return link
        return f"{self.outlet(row['source_id'])}'s “{html.escape(row['value_text'])}” ({link})"


def _ids(cell: str) -> list[str]:
    return [f for f in (cell or "").split(";") if f]


def _inconsistent(rows: list[dict], ctx: _Context) -> list[dict]:
    """One item per inconsistent breakdown (rows with the same figures are one breakdown)."""
    out, seen = [], set()
    for r in rows:
        ids = [f for f in _ids(r.get("figure_ids", "")) if f in ctx.figures]
        if r.get("verdict") != "inconsistent" or not ids or frozenset(ids) in seen:
            continue
        seen.add(frozenset(ids))
        total = next((ctx.figures[f] for f in ids if ctx.figures[f]["subgroup_var"] == "all"),
                     None)
        groups = [ctx.figures[f] for f in ids if ctx.figures[f]["subgroup_var"] != "all"]
        what = (f"“{html.escape(ctx.option(groups[0]['question'], groups[0]['option']))}” by "
                f"{html.escape(ctx.variable(groups[0]['subgroup_var']))}" if groups
                else "a breakdown")
        low, high = _float(r.get("low")), _float(r.get("high"))
        number = (f"the groups imply {formats.fmt(low)}–{formats.fmt(high)}%"
                  if low is not None and high is not None else "the groups")
        against = (f", the published total is {html.escape(total['value_text'])}"
                   if total else "")
        links = ", ".join(f'<a href="01_ingest.html#fig-{html.escape(f)}">{html.escape(f)}</a>'
                          for f in ids)
        out.append({"kind": KINDS["inconsistent"], "html": (
            f"{html.escape(r.get('wave', ''))}, {what}: {number}{against} (figures {links}, "
            f"from {ctx.outlets(ids)}).")})
    return out


def _disagree(rows: list[dict], ctx: _Context) -> list[dict]:
    """One item per wave whose figures from several sources cannot all be right."""
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        if r.get("part") == "share" and r.get("figure_1") in ctx.figures:
            key = tuple(r.get(k, "") for k in ("wave_1", "question", "option", "subgroup_var",
                                               "subgroup"))
            cells.setdefault(key, []).append(r)
    out = []
    for key, group in cells.items():
        figs = [ctx.figures[r["figure_1"]] for r in group]
        bounds = [(_float(f["low"]), _float(f["high"])) for f in figs]
        if len(figs) < 2 or any(lo is None or hi is None for lo, hi in bounds):
            continue
        if max(lo for lo, _ in bounds) <= min(hi for _, hi in bounds):
            continue  # one value lies in every figure's interval: they can all be right
        chosen = next((r["figure_1"] for r in group if r.get("best") == "True"), None)
        how = ("no best figure is declared: each is reported" if ctx.report_both or not chosen
               else f"the declared ranking uses {html.escape(chosen)}")
        out.append({"kind": KINDS["disagree"], "html": (
            f"{html.escape(key[0])}, “{html.escape(ctx.option(key[1], key[2]))}”: "
            + " against ".join(ctx.figure(f["figure_id"]) for f in figs)
            + f", which cannot all be right; {how}.")})
    return out


def _decides(rows: list[dict], ctx: _Context) -> list[dict]:
    """One item per change between waves whose verdict depends on the source."""
    steps: dict[tuple, list[dict]] = {}
    for r in rows:
        if r.get("part") == "change" and r.get("depends_on_source") == "True":
            key = tuple(r.get(k, "") for k in ("wave_1", "wave_2", "question", "option",
                                               "subgroup_var", "subgroup"))
            steps.setdefault(key, []).append(r)
    out = []
    for key, group in steps.items():
        readings = "; ".join(
            f"with {ctx.figure(r['figure_1'])} and {ctx.figure(r['figure_2'])} it is "
            f"{formats.fmt_signed(_float(r.get('value')))} points, "
            f"{html.escape(r.get('verdict', ''))}" for r in group)
        chosen = next((r for r in group if r.get("best") == "True"), None)
        how = ("no best figure is declared, so it counts only if it holds with every source"
               if ctx.report_both or chosen is None else
               f"the declared ranking reads it as {html.escape(chosen.get('verdict', ''))}")
        out.append({"kind": KINDS["decides"], "html": (
            f"{html.escape(key[0])} → {html.escape(key[1])}, "
            f"“{html.escape(ctx.option(key[2], key[3]))}”: {readings}; {how}.")})
    return out


def run_findings(run: str, ctx: _Context | None = None) -> list[dict]:
    """What ``run`` found that travels (module docstring), from ``tables/<run>.csv``: each
    item's ``kind`` (:data:`KINDS`) and ``html`` (a sentence with its numbers, values escaped,
    outlets and figures linked). None of it when the run wrote no key table."""
    rows = read_csv(paths.REPORTS / "tables" / f"{run}.csv")
    if not rows:
        return []
    columns = set(rows[0])
    wanted = ("verdict" in columns and "figure_ids" in columns) or (
        {"part", "figure_1"} <= columns)
    if not wanted:
        return []
    ctx = ctx or _Context()
    return _inconsistent(rows, ctx) + _disagree(rows, ctx) + _decides(rows, ctx)


def every_run(names: list[str]) -> dict[str, list[dict]]:
    """:func:`run_findings` of each run (one context for all)."""
    ctx = None
    out = {}
    for name in names:
        if ctx is None:
            ctx = _Context()
        out[name] = run_findings(name, ctx)
    return out
