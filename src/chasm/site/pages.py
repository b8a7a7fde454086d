"""The reader pages: one HTML page per run, the landing page and the claims register page.

WHY. nbconvert's pages were a notebook dump (every title "Notebook", no links between pages,
plumbing in the reader's view, the full JupyterLab stylesheet in every file). This module
writes pages a journalist can read, on a phone too, and an analyst can still audit, all
opening offline from ``reports/``. The documents are Jinja2 templates
(``src/chasm/site/templates/*.html``, autoescaped: text from data is escaped where it is written);
this module gathers what they show.

* :func:`render` - one page per run (``reports/<run>.html``): a real title, a box of what the
  run found (:func:`findings`) in the first screen, home / previous / next links, a contents
  list, prose about 75 characters wide, every code cell in an HTML ``<details>`` (folded for
  readers; "Show code" or ``<run>.html#code`` opens them all), numbered tables with a caption,
  and a footer with sources, licence, data version and the page's citation. Tables come from
  ``chasm.tables`` (each with a link to its CSV, ``tables/<run>/table-<k>.csv``); figures
  from ``chasm.plots.save_figure``.
* Plumbing is hidden by rule, never by editing a notebook: a markdown cell whose heading is
  one of :data:`PLUMBING_HEADINGS` and the ``**Reads**``/``**Writes**`` paragraph go into a
  folded "For analysts" box; printed text and plain-text results stay folded with their code.
* :func:`write_site` (``make``'s index step, after every report): ``index.html``,
  ``claims.html`` with the register as schema.org ClaimReview JSON-LD (also written as
  ``claims.jsonld``), the stylesheet, and every run page rendered again from its report
  (``reports/<run>.ipynb``), since its navigation and banner depend on the other runs. A page
  is a pure function of its report and the site; no page is edited in place.
* Run kinds are computed, not declared (:func:`run_kind`): a variant whose key table has the
  same rows as its main run's changes an assumption (a *sensitivity run*); one with other
  rows (other waves, another question) is *an analysis of its own*.
* Every page carries a Content-Security-Policy (:func:`csp`): nothing loads from outside the
  page's folder, no inline event handler and no ``javascript:`` URL runs (scripts are allowed
  by their SHA-256 hash only), whatever text reaches a page.

The data version is a short hash of the raw inputs (:func:`data_version`): it changes only when
``data/raw/`` or ``data/claims/`` change, so reruns stay byte-identical.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io as _io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from chasm import paths
from chasm.tables import BADGES

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "chasm.css"
SITE_TITLE = "The Chasm Between Us, re-examined"
#: The run a newcomer should read first, and the figure the landing page shows.
START_HERE = "07_interpretation"
KEY_FIGURE = "figures/03_waves-changes.svg"
#: Markdown headings whose cell is plumbing (file lists, column dictionaries): folded.
PLUMBING_HEADINGS = ("Load inputs", "Save outputs")
#: Claim kinds the landing page lists as headline findings (the register's tested claims).
HEADLINE_KINDS = ("comparison", "interpretation")
#: Sources every page's footer names (the essay and the releases its figures come from).
FOOTER_SOURCES = ("essay-chasm-2025", "levada-ru-2024-03", "levada-ru-2025-04", "iib-riddle-2025")
LICENCE = ("Code MIT; figures remain their publishers' (Levada Center, Rosstat, the essay), "
           "transcribed with attribution")
#: At most this many items in a run page's findings box (its first screen).
MAX_FINDINGS = 5
#: The smallest chart text a reader meets, in CSS pixels (a chart whose text would be smaller
#: at the page's width keeps a minimum width and scrolls inside its own box).
MIN_CHART_TEXT_PX = 11.0
#: The JSON-LD file of the claims register, beside ``claims.html``.
CLAIMS_JSONLD = "claims.jsonld"


# --------------------------------------------------------------------------------------------
# Templates and the page's security policy
# --------------------------------------------------------------------------------------------
_ENV = None


def env():
    """The Jinja2 environment of the pages (autoescaped, strict about undefined names)."""
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        _ENV.filters["badge_class"] = lambda verdict: BADGES.get(str(verdict), "none")
    return _ENV


def script(name: str) -> str:
    """The text of a page script (``templates/<name>``), inlined and allowed by its hash."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def csp(scripts: list[str]) -> str:
    """The policy of a page whose inline scripts are ``scripts``: nothing fetched but from
    the page's folder (stylesheet, figures), scripts only by hash (so no inline handler and
    no ``javascript:`` URL runs), no plugin, form or base change."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest())
                      .decode() + "'" for s in scripts)
    return ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"script-src {hashes or chr(39) + 'none' + chr(39)}; base-uri 'none'; "
            "form-action 'none'; object-src 'none'")


#: Unicode's Cyrillic block: text mostly in it is marked ``lang="ru"``.
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def lang_of(text: str) -> str:
    """"ru" when most letters of ``text`` are Cyrillic (a Russian title), else ""."""
    letters = [c for c in str(text) if c.isalpha()]
    cyrillic = sum(1 for c in letters if _CYRILLIC.match(c))
    return "ru" if letters and cyrillic * 2 > len(letters) else ""


def _page(template: str, *, title: str, page_class: str, version: str, scripts: list[str],
          chrome: dict, **context) -> str:
    return env().get_template(template).render(
        title=title, page_class=page_class, version=version, scripts=scripts,
        csp=csp(scripts), stylesheet=STYLESHEET, site_title=SITE_TITLE, licence=LICENCE,
        footer_sources=[s for s in sources() if s["source_id"] in FOOTER_SOURCES],
        **chrome, **context)


# --------------------------------------------------------------------------------------------
# Project facts the pages share
# --------------------------------------------------------------------------------------------
def data_version(root: Path | None = None) -> str:
    """A 12-character hash of the raw inputs (``data/raw/**`` and the claims registers
    ``data/claims/*.csv``): names and contents, in sorted order, so it is the same on every
    machine and rerun."""
    data = (root or paths.ROOT) / "data"
    files = sorted([p for p in (data / "raw").rglob("*") if p.is_file()]
                   + [p for p in (data / "claims").glob("*.csv") if p.is_file()])
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(data).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file; none if it is missing (or not a file: the page is still written,
    and the build reports what is wrong with the file where it publishes it)."""
    if not path.is_file():
        return []
    return list(csv.DictReader(_io.StringIO(path.read_text(encoding="utf-8"))))


def sources() -> list[dict[str, str]]:
    """Rows of ``data/raw/sources.csv``, under the text policy (``chasm.text``): a URL only if
    http(s), no invisible characters, unknowns said as such."""
    from chasm.text import NO_DATE, NO_TITLE, clean, safe_url

    rows = [{k: clean(v) for k, v in row.items()}
            for row in read_csv(paths.DATA / "raw" / "sources.csv")]
    return [{**row, "url": safe_url(row.get("url")) or "",
             "title": row.get("title") or NO_TITLE,
             "published": row.get("published") or NO_DATE} for row in rows]


def notebook_title(notebook: str) -> str:
    """The first ``# `` heading of ``notebooks/<notebook>.ipynb`` (else the name)."""
    import nbformat

    path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    if path.exists():
        return _first_heading(nbformat.read(path, as_version=4)) or notebook
    return notebook


def _first_heading(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _short(title: str) -> str:
    """"02 · Uncertainty: how precise ..." -> "Uncertainty"."""
    return re.sub(r"^\d+\s*·\s*", "", title).split(":")[0].strip()


@dataclass
class Run:
    name: str
    notebook: str
    title: str
    changes: dict[str, object] = field(default_factory=dict)  # params differing from main
    kind: str = "main"  # main, sensitivity or analysis (run_kind)

    @property
    def main(self) -> bool:
        return self.name == self.notebook

    @property
    def short(self) -> str:
        return _short(self.title)

    @property
    def label(self) -> str:
        if self.main:
            return self.title
        return f"{self.title} ({params_text(self.changes)})"

    @property
    def change_text(self) -> str:
        return params_text(self.changes)


def _plain(value: object) -> str:
    """A parameter value as a reader reads it: lists joined, underscores as spaces."""
    if isinstance(value, (list, tuple)):
        return " and ".join(_plain(v) for v in value)
    return str(value).replace("_", " ")


def params_text(changes: dict[str, object]) -> str:
    """"deff 2.5" / "waves 2022-02 and 2022-03": what a run sets unlike its main run."""
    return "; ".join(f"{_plain(k)} {_plain(v)}" for k, v in changes.items()) or (
        "the main run's parameters")


def runs() -> list[Run]:
    """Every run with a params file, in reading order: by notebook, main run first."""
    from chasm.data.params import ParameterFileError, declared, load

    out = []
    names = sorted(p.stem for p in paths.PARAMS.glob("*.yaml"))
    for name in sorted(names, key=lambda r: (r.split("--")[0], "--" in r, r)):
        notebook = name.split("--")[0]
        nb_path = paths.NOTEBOOKS / f"{notebook}.ipynb"
        changes: dict[str, object] = {}
        if "--" in name and nb_path.exists():
            try:
                mine = load(paths.PARAMS / f"{name}.yaml", nb_path)
                main_path = paths.PARAMS / f"{notebook}.yaml"
                base = {**declared(nb_path),
                        **(load(main_path, nb_path) if main_path.exists() else {})}
            except ParameterFileError:
                mine, base = {}, {}
            changes = {k: v for k, v in mine.items() if k != "run" and base.get(k) != v}
        kind = "main" if name == notebook else run_kind(name, notebook)
        out.append(Run(name, notebook, notebook_title(notebook), changes, kind))
    return out


def _key_columns(rows: list[dict[str, str]]) -> list[str]:
    """A key table's leading text columns (those before the first numeric one or the
    verdict): what its rows are about."""
    keys = []
    for column in rows[0]:
        if column in ("verdict", "reading") or any(_is_number(r[column]) for r in rows):
            break
        keys.append(column)
    return keys or [next(iter(rows[0]))]


def run_kind(run: str, main: str) -> str:
    """"sensitivity" when ``run``'s key table (``tables/<run>.csv``) has the rows of its main
    run's (the same things computed under another assumption), else "analysis" (other
    waves, another question: an analysis of its own). Without key tables: "analysis"."""
    mine, base = (read_csv(paths.REPORTS / "tables" / f"{r}.csv") for r in (run, main))
    if not mine or not base or list(mine[0]) != list(base[0]):
        return "analysis"
    keys = _key_columns(base)
    rows = {tuple(r.get(k, "") for k in keys) for r in base}
    return "sensitivity" if rows == {tuple(r.get(k, "") for k in keys) for r in mine} else (
        "analysis")


def verdict_changes(run: str, main: str) -> list[str] | None:
    """Rows whose ``verdict`` differs between ``tables/<run>.csv`` and ``tables/<main>.csv``,
    as "row: main verdict → this run's"; None when the tables carry no verdict. Rows are
    matched on their leading text columns (those before the first numeric one)."""
    mine, base = (read_csv(paths.REPORTS / "tables" / f"{r}.csv") for r in (run, main))
    if not mine or not base or "verdict" not in mine[0] or "verdict" not in base[0]:
        return None
    keys = _key_columns(base)
    before = {tuple(r.get(k, "") for k in keys): r["verdict"] for r in base}
    out = []
    for row in mine:
        key = tuple(row.get(k, "") for k in keys)
        if key in before and before[key] != row["verdict"]:
            shown = key[1:4] if len(key) > 1 else key  # the first column is the broadest
            out.append(f"{' · '.join(shown)}: {before[key]} → {row['verdict']}")
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Markdown and the page body
# --------------------------------------------------------------------------------------------
def markdown(text: str) -> str:
    """Markdown to HTML (mistune, raw HTML kept: notebook text and ``report.say`` output,
    whose values are already escaped)."""
    return _md()(text)


_MD = None


def _md():
    global _MD
    if _MD is None:
        import mistune

        _MD = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
    return _MD


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", text).lower()).strip("-") or "s"
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def _heading_of(source: str) -> str | None:
    for line in source.splitlines():
        match = re.match(r"^#{1,6}\s+(.*)", line)
        if match:
            return match.group(1).strip()
    return None


def _split_files_paragraph(source: str) -> tuple[str, str]:
    """(the cell without its **Reads**/**Writes** paragraph, that paragraph)."""
    kept, files, in_files = [], [], False
    for line in source.splitlines():
        if re.match(r"^\*\*(Reads|Writes)\*\*", line):
            in_files = True
        elif not line.strip():
            in_files = False
        (files if in_files else kept).append(line)
    return "\n".join(kept), "\n".join(files)


@dataclass
class _Box:
    """Folded content (code, printed plumbing, notes for analysts); adjacent boxes are merged
    into one ``<details>`` so a reader meets one fold, not a stack of them."""

    summary: str
    content: str


def _fold(items: list, opened: str) -> str:
    """Body items (HTML strings and :class:`_Box` es) with each run of boxes as one fold."""
    out, run = [], []

    def flush():
        if not run:
            return
        if len(run) == 1:
            summary, inner = run[0].summary, run[0].content
        else:
            summary = f"Code and notes ({len(run)} cells)"
            inner = "".join(f'<p class="cell-label">{html.escape(b.summary)}</p>{b.content}'
                            for b in run)
        out.append(f'<details class="code"{opened}><summary>{html.escape(summary)}</summary>'
                   f"{inner}</details>")
        run.clear()

    for item in items:
        if isinstance(item, _Box):
            run.append(item)
        else:
            flush()
            out.append(item)
    flush()
    return "\n".join(out)


@dataclass
class Page:
    """A rendered run page and the files it links (path under ``reports/`` -> text)."""

    html: str
    files: dict[str, str]
    title: str


@dataclass
class _Walk:
    """What rendering a notebook collects: the table CSVs, the section being read, the
    tables numbered so far and the run's findings."""

    run: str
    files: dict[str, str] = field(default_factory=dict)
    section: tuple[str, str] | None = None  # (anchor, heading) of the current h2
    plumbing: bool = False
    tables: int = 0
    findings: list[dict] = field(default_factory=list)


#: Split after a sentence's end (not inside a number such as 0.012).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“(*\[])")


def _first_sentence(text: str) -> str:
    text = re.sub(r"^\s*[-*]\s+", "", text.strip())
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def _note_finding(walk: _Walk, text_md: str) -> None:
    """A section's finding: its first computed sentence that gives a range or an interval,
    else its first computed sentence with a number (one per section)."""
    if walk.plumbing or walk.section is None:
        return
    text = text_md.strip()
    if not text or text.startswith("#") or not re.search(r"\d", text):
        return
    sentence = markdown(_first_sentence(text)).strip()
    sentence = link_ids(re.sub(r"^<p>(.*)</p>$", r"\1", sentence, flags=re.S))
    item = {"html": sentence, "anchor": walk.section[0], "where": f"In “{walk.section[1]}”"}
    earlier = next((f for f in walk.findings if f["anchor"] == walk.section[0]), None)
    if earlier is None:
        walk.findings.append(item)
    elif not _RANGE.search(earlier["html"]) and _RANGE.search(sentence):
        walk.findings[walk.findings.index(earlier)] = item


#: A sentence that gives a range or an interval (a finding with its uncertainty).
_RANGE = re.compile(r"\bCI\b|interval|\d\.\d+%?\s*(?:to|–)\s*[−+-]?\d|between")


def findings(walk: _Walk) -> list[dict]:
    """The run's findings box: each chart's title (which states its finding, computed from
    the plotted numbers) and the first computed sentence with a number of each section, in
    page order, at most :data:`MAX_FINDINGS` (charts first, then sentences that give a range
    or interval), each linked to the section or chart behind it."""
    charts = [f for f in walk.findings if f.get("chart")]
    ranged = [f for f in walk.findings if not f.get("chart") and _RANGE.search(f["html"])]
    rest = [f for f in walk.findings if not f.get("chart") and f not in ranged]
    keep = (charts + ranged + rest)[:MAX_FINDINGS]
    return [f for f in walk.findings if f in keep]


def render(nb, run: str | None = None, reader: bool = True, all_runs: list[Run] | None = None,
           version: str | None = None) -> Page:
    """The page of one run (module docstring). ``reader`` folds the code (the published page);
    ``reader=False`` renders it open (the analyst's view)."""
    from markupsafe import Markup

    run = run or _run_of(nb)
    title = _first_heading(nb) or run
    taken: set[str] = {"contents", "top", "code", "main", "findings", "findings-h"}
    contents: list[tuple[str, str]] = []
    walk = _Walk(run)
    body: list = []
    opened = "" if reader else " open"
    h1_id = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = _heading_of(cell.source)
            if heading in PLUMBING_HEADINGS:
                walk.plumbing = True
                body.append(_Box(f"For analysts: {heading.lower()}", markdown(cell.source)))
                continue
            source, files_par = _split_files_paragraph(cell.source)
            rendered = markdown(source)

            def _add_id(match, contents=contents):
                nonlocal h1_id
                level, text = match.group(1), match.group(2)
                slug = _slug(text, taken)
                if level == "1" and not h1_id:
                    h1_id = slug
                    return ""  # the page's title, shown by the template
                if level == "2":
                    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
                    contents.append((slug, plain))
                    walk.section, walk.plumbing = (slug, plain), False
                return f'<h{level} id="{slug}">{text}</h{level}>'

            rendered = re.sub(r"<h([1-6])>(.*?)</h\1>", _add_id, rendered)
            if rendered.strip():
                body.append(f'<div class="prose">{rendered}</div>')
            if files_par:
                body.append(_Box("For analysts: files read and written", markdown(files_par)))
        elif cell.cell_type == "code":
            body.extend(_code_cell(cell, walk))
    chrome = _chrome(run, all_runs, version)
    me = chrome.pop("me")
    heading = title
    page_title = f"{title} ({params_text(me.changes)})" if me and not me.main else title
    doc = _page("run.html", title=f"{page_title} · {SITE_TITLE}", page_class="report",
                version=chrome.pop("version"), scripts=[script("page.js")], chrome=chrome,
                heading=heading, h1_id=h1_id or "title",
                findings=[{**f, "html": Markup(f["html"])} for f in findings(walk)],
                contents=contents, body=Markup(_fold(body, opened)))
    return Page(doc, walk.files, title)


def _code_cell(cell, walk: _Walk) -> list:
    tags = cell.metadata.get("tags", [])
    is_params = "parameters" in tags or "injected-parameters" in tags
    summary = ("Parameters of this run" if "injected-parameters" in tags
               else "Default parameters" if is_params else "Code")
    folded, shown = [], []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            folded.append(f'<pre class="out">{html.escape(output.get("text", ""))}</pre>')
        elif kind == "error":
            text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", "\n".join(output.get("traceback", [])))
            shown.append(f'<pre class="out error">{html.escape(text)}</pre>')
        elif kind in ("display_data", "execute_result"):
            shown_html = _rich_output(output, walk)
            if shown_html is None:
                text = output.get("data", {}).get("text/plain", "")
                folded.append(f'<pre class="out">{html.escape(text)}</pre>')
            else:
                shown.append(shown_html)
    code = html.escape(cell.source)
    box = _Box(summary, f'<pre class="src"><code>{code}</code></pre>{"".join(folded)}')
    return ([box] if cell.source.strip() or folded else []) + shown


_TABLE_TAG = re.compile(r"<table\b[^>]*>")


def _rich_output(output, walk: _Walk, markdown_too: bool = True) -> str | None:
    """HTML for a rich output (table, figure, sentence), None for plain text only."""
    data = output.get("data", {})
    meta = output.get("metadata", {}).get("chasm")
    if "image/svg+xml" in data:
        if meta:
            chart = {**meta, "min_width": chart_min_width(data["image/svg+xml"])}
            if meta.get("title") and not walk.plumbing:
                walk.findings.append({"html": html.escape(meta["title"]), "chart": True,
                                      "anchor": f"fig-{_stem(meta['svg'])}", "where": "Chart"})
            return figure_html(chart)
        svg = data["image/svg+xml"]
        return f'<figure class="chart" role="img" aria-label="Chart">{svg}</figure>'
    if "text/csv" in data and "text/html" in data:
        if "shared-table" in data["text/html"]:
            return data["text/html"]
        walk.tables += 1
        number = walk.tables
        path = f"tables/{walk.run}/table-{number}.csv"
        walk.files[path] = data["text/csv"]
        about = f": {walk.section[1]}" if walk.section else ""
        caption = (f'<caption id="table-{number}">Table {number}{html.escape(about)}'
                   "</caption>")
        table = _TABLE_TAG.sub(lambda m: m.group(0) + caption, data["text/html"], count=1)
        table = table.replace('aria-label="table"', f'aria-labelledby="table-{number}"', 1)
        return (f'{table}<p class="table-links"><a href="{html.escape(path)}">'
                f"Table {number} as CSV</a> (every column, unrounded)</p>")
    if "text/html" in data:
        return f'<div class="table-box">{data["text/html"]}</div>'
    if "text/markdown" in data:
        if not markdown_too:
            return ""
        _note_finding(walk, data["text/markdown"])
        return f'<div class="prose">{link_ids(markdown(data["text/markdown"]))}</div>'
    return None


def _stem(svg_path: str) -> str:
    return Path(svg_path).stem


_SVG_WIDTH = re.compile(r'<svg\b[^>]*\bviewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"')
_FONT_SIZE = re.compile(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px")


def chart_text_sizes(svg: str) -> tuple[float, float] | None:
    """(the SVG's width in its own units, its smallest font size in those units); None when
    its text is drawn as paths (no size to read)."""
    width = _SVG_WIDTH.search(svg)
    sizes = [float(s) for s in _FONT_SIZE.findall(svg)]
    if not width or not sizes:
        return None
    return float(width.group(1)), min(sizes)


def chart_min_width(svg: str) -> int | None:
    """The narrowest width (CSS px) at which the chart's smallest text is still
    :data:`MIN_CHART_TEXT_PX`: the page keeps the chart at least that wide (scrolling in its
    own box on a phone) instead of shrinking its text below it."""
    sizes = chart_text_sizes(svg)
    if sizes is None:
        return None
    width, smallest = sizes
    return int(-(-MIN_CHART_TEXT_PX * width // smallest))


_PROSE_ID = re.compile(r"\b([CELS])(\d{2})\b")


def link_ids(page: str) -> str:
    """Claim ids (C13) and figure ids (E01, S03, L09) in computed sentences linked to their
    card or row; text inside links and code is left alone."""
    out, depth = [], 0
    for part in re.split(r"(<[^>]+>)", page):
        if part.startswith("<"):
            tag = re.match(r"</?\s*([a-zA-Z]+)", part)
            if tag and tag.group(1).lower() in ("a", "code"):
                depth += -1 if part.startswith("</") else 1
            out.append(part)
        elif depth > 0:
            out.append(part)
        else:
            out.append(_PROSE_ID.sub(lambda m: (
                f'<a href="claims.html#{m.group(0)}">{m.group(0)}</a>' if m.group(1) == "C"
                else f'<a href="01_ingest.html#fig-{m.group(0)}">{m.group(0)}</a>'), part))
    return "".join(out)


def table_files(nb, run: str | None = None) -> dict[str, str]:
    """The CSV of every table :func:`render` links: path under ``reports/`` -> text."""
    walk = _Walk(run or _run_of(nb))
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") in ("display_data", "execute_result"):
                _rich_output(output, walk, markdown_too=False)
    return walk.files


def _run_of(nb) -> str:
    return nb.metadata.get("papermill", {}).get("parameters", {}).get("run") or "report"


def figure_html(meta: dict) -> str:
    """A chart as the page shows it: title, image with alt text, source line, links."""
    chart = {"stem": _stem(meta["svg"]), "title": meta.get("title") or "",
             "subtitle": meta.get("subtitle") or "", "svg": meta["svg"], "csv": meta["csv"],
             "alt": meta.get("alt", ""), "source": meta.get("source", ""),
             "min_width": meta.get("min_width")}
    macro = env().get_template("macros.html").module.figure
    return str(macro(chart))


# --------------------------------------------------------------------------------------------
# Page chrome: the parts that depend on the other runs
# --------------------------------------------------------------------------------------------
def _chrome(run: str, all_runs: list[Run] | None = None,
            version: str | None = None) -> dict:
    """Previous / next, the banner (what kind of run this is) and the page's citation."""
    all_runs = runs() if all_runs is None else all_runs
    version = version or data_version()
    by_name = {r.name: r for r in all_runs}
    me = by_name.get(run)
    mains = [r for r in all_runs if r.main]
    anchor = by_name.get(me.notebook) if me and not me.main else me
    prev = nxt = None
    if anchor in mains:
        i = mains.index(anchor)
        prev = mains[i - 1] if i > 0 else None
        nxt = mains[i + 1] if i + 1 < len(mains) else None
        if me is not anchor:
            prev = anchor
    banner = None
    if me and not me.main:
        changed = verdict_changes(me.name, me.notebook)
        if me.kind == "sensitivity":
            verdicts = ("This report draws no verdicts of its own; compare its tables with "
                        "the main run's." if changed is None else
                        "Verdicts that differ from the main run: " + "; ".join(changed) + "."
                        if changed else "Every verdict is the same as in the main run.")
            banner = {"kind": "Sensitivity run",
                      "text": f"The main run's computation with {me.change_text}, one "
                              "assumption changed.", "verdicts": verdicts}
        else:
            banner = {"kind": "An analysis of its own",
                      "text": f"The notebook of the main run applied to {me.change_text}: "
                              "other rows, its own findings.", "verdicts": ""}
        banner.update(main=me.notebook, main_title=by_name[me.notebook].title
                      if me.notebook in by_name else me.notebook)
    name = me.label if me else run
    page = f"{run}.html"
    citation = _citation_text()
    cite = f"{citation} {name}. reports/{page}, data version {version}." if citation else ""
    return {"me": me, "prev": prev, "next": nxt, "banner": banner, "version": version,
            "citation": cite}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_stylesheet(folder: Path) -> Path:
    """Copy the shared stylesheet into ``folder`` (``reports/`` or a run's staging)."""
    target = folder / STYLESHEET
    text = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        _write(target, text)
    return target


# --------------------------------------------------------------------------------------------
# Numbers in the landing and claims pages (from the claims register's CSV)
# --------------------------------------------------------------------------------------------
def _num(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def _fmt(value: float | None, digits: int = 1) -> str:
    from chasm.tables import MISSING, _number

    return MISSING if value is None else _number(value, digits)


def claim_numbers(row: dict[str, str], level: str) -> str:
    """One plain sentence of a claim's numbers: the levels compared (43% → 37%), the
    estimate, its interval labelled by kind (a CI, or bounds), p."""
    est, low, high = (_num(row.get(k, "")) for k in ("estimate", "low", "high"))
    if est is None and low is None and high is None:
        return ""
    measure = row.get("measure", "")
    unit = " points" if "point" in measure else "%"
    one, two = _num(row.get("share_1", "")), _num(row.get("share_2", ""))
    levels = f"{_fmt(one)}% → {_fmt(two)}%: " if one is not None and two is not None else ""
    if est is None:
        text = f"Between {_fmt(low)}{unit} and {_fmt(high)}{unit} ({measure})"
    else:
        text = f"{levels}{_fmt(est)}{unit}"
        if low is not None and high is not None:
            bounds = "identification range" if "bound" in measure else f"{level} CI"
            text += f", {bounds} {_fmt(low)} to {_fmt(high)}"
        text += f" ({measure})"
    p, adjusted = _num(row.get("p_value", "")), _num(row.get("p_adjusted", ""))
    if p is not None:
        from chasm.formats import fmt_p

        text += f"; p {fmt_p(p, relation=True)}"
        if adjusted is not None and adjusted != p:
            text += (f" ({fmt_p(adjusted)} allowing "
                     "for rounding and the other tests)")
    return text + "."


def _level() -> str:
    """The interval level of the claims register (06_claims's ``alpha``), e.g. "95%"."""
    report = paths.REPORTS / "06_claims.ipynb"
    alpha = None
    if report.exists():
        params = json.loads(report.read_text(encoding="utf-8"))["metadata"].get(
            "papermill", {}).get("parameters", {})
        alpha = params.get("alpha")
    if alpha is None:
        from chasm.data.params import declared

        alpha = declared(paths.NOTEBOOKS / "06_claims.ipynb").get("alpha", 0.05)
    from chasm.formats import fmt_level

    return fmt_level(float(alpha))


def badge(verdict: str) -> str:
    return str(env().get_template("macros.html").module.badge(verdict))


def source_refs(text: str, by_id: dict[str, dict[str, str]]) -> list[dict]:
    """"essay-chasm-2025 (essay): E01; iib-... (secondary): S01" -> each source by its
    outlet, with its address (or none recorded) and the figures it gives."""
    out = []
    for part in [p.strip() for p in text.split(";") if p.strip()]:
        sid, _, rest = part.partition(" ")
        row = by_id.get(sid, {})
        outlet = f"{row['publisher']}, {row['published'][:4]}" if row else sid
        figures = rest.split(":", 1)[1].split() if ":" in rest else []
        out.append({"id": sid, "outlet": outlet, "url": safe_url(row.get("url", "")),
                    "figures": figures})
    return out


def safe_url(url: str) -> str:
    """``url`` if the text policy allows it as a link (``chasm.text.safe_url``: http(s) only,
    nothing a browser would strip), else "" (the page then says no address is recorded)."""
    from chasm.text import safe_url as allowed

    return allowed(url) or ""


def _essay() -> dict[str, str]:
    return next((s for s in sources() if s.get("kind") == "essay"), {})


def claims_jsonld(rows: list[dict[str, str]], version: str, text: dict | None = None,
                  page: str = "claims.html") -> list[dict]:
    """The register as schema.org ClaimReview objects, one per claim: the claim as
    paraphrased, the essay as where it appears, the verdict as the rating's
    ``alternateName`` (a word of the fixed vocabulary, no numeric scale), the evidence as its
    explanation, the review's author and date from ``CITATION.cff``, the data version as its
    version. ``text``: the register's text (a row of ``sources.csv``; default the essay),
    ``page`` its page."""
    import yaml

    cff_path = paths.ROOT / "CITATION.cff"
    cff = yaml.safe_load(cff_path.read_text(encoding="utf-8")) if cff_path.exists() else {}
    authors = [{"@type": "Organization", "name": a.get("name", "")}
               for a in cff.get("authors", [])]
    essay = text if text is not None else _essay()
    appearance = {"@type": "CreativeWork", "headline": essay.get("title", ""),
                  "datePublished": essay.get("published", ""),
                  "publisher": {"@type": "Organization", "name": essay.get("publisher", "")}}
    if safe_url(essay.get("url", "")):
        appearance["url"] = essay["url"]
    out = []
    for r in rows:
        out.append({
            "@context": "https://schema.org", "@type": "ClaimReview",
            "url": f"{page}#{r['claim_id']}", "identifier": r["claim_id"],
            "claimReviewed": r["paraphrase"],
            "itemReviewed": {"@type": "Claim", "appearance": appearance,
                             "author": {"@type": "Organization",
                                        "name": essay.get("publisher", "")}},
            "reviewRating": {"@type": "Rating", "alternateName": r["verdict"],
                             "ratingExplanation": r["evidence"]},
            "author": authors, "datePublished": str(cff.get("date-released", "")),
            "version": version})
    return out


def _jsonld_text(objects: list[dict]) -> str:
    """JSON for a ``<script type="application/ld+json">`` (and the file): "<" escaped, so
    no text from data can close the element."""
    return json.dumps(objects, ensure_ascii=False, indent=1).replace("<", "\\u003c")


def claims_page(rows: list[dict[str, str]], version: str, level: str,
                text_id: str | None = None, page: str = "claims.html") -> str:
    """A register's page (``claims.html`` for the main register, ``claims-<text_id>.html``
    for every other: ``chasm.register.claims.register_page``): every claim of one text as a card
    (id,
    paraphrase, the text's paragraph, badge, one evidence sentence, its sources by outlet, the
    detail folded), a verdict filter with a live count, and the register as ClaimReview
    JSON-LD."""
    from markupsafe import Markup

    from chasm.register.claims import VOCABULARY

    by_id = {r["source_id"]: r for r in sources()}
    text_id = text_id or (rows[0].get("register", "") if rows else "")
    text = by_id.get(text_id) or {"source_id": text_id, "kind": "text", "title": text_id,
                                   "publisher": text_id, "published": ""}
    meaning = dict(VOCABULARY)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    filters = [{"verdict": "", "label": "all", "count": len(rows)}]
    filters += [{"verdict": v, "label": v, "count": counts[v]} for v, _ in VOCABULARY
                if v in counts]
    cards = [{**r, "sentence": claim_numbers(r, level) or r["evidence"],
              "meaning": meaning.get(r["verdict"], ""),
              "refs": source_refs(r.get("sources", ""), by_id)} for r in rows]
    chrome = _chrome("claims", [], version)
    chrome.pop("me"), chrome.pop("version")
    title = ("Claims register" if page == "claims.html"
             else f"Claims register: {text['publisher']}")
    return _page("claims.html", title=f"{title} · {SITE_TITLE}", page_class="claims",
                 version=version, scripts=[script("claims.js")], chrome=chrome,
                 filters=filters, cards=cards, text=text,
                 jsonld_file=CLAIMS_JSONLD if page == "claims.html" else "",
                 jsonld=Markup(_jsonld_text(claims_jsonld(rows, version, text, page))))


# --------------------------------------------------------------------------------------------
# The landing page
# --------------------------------------------------------------------------------------------
def _intro(notebook: str) -> str:
    """The first sentence of a notebook's first prose paragraph (after its title, skipping
    the **Reads**/**Writes** paragraph): the reading order's one-line description."""
    import nbformat

    path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    if not path.exists():
        return ""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        source, _ = _split_files_paragraph(cell.source)
        for para in re.split(r"\n\s*\n", source):
            para = " ".join(line for line in para.splitlines() if not line.startswith("#"))
            para = para.strip()
            if para:
                plain = re.sub(r"[*`]", "", para)
                return re.split(r"(?<=[.:])\s", plain, maxsplit=1)[0].rstrip(":")
        break
    return ""


def _figure_meta(svg: str) -> dict | None:
    """The ``chasm`` metadata of the report output that shows ``svg`` (figures/<stem>.svg),
    with the width that keeps its text legible."""
    for report in sorted(paths.REPORTS.glob("*.ipynb")):
        nb = json.loads(report.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get("chasm")
                if meta and meta.get("svg") == svg:
                    image = output.get("data", {}).get("image/svg+xml", "")
                    image = "".join(image) if isinstance(image, list) else image
                    return {**meta, "min_width": chart_min_width(image)}
    return None


def register_rows(registers: dict[str, list[dict[str, str]]]) -> list[dict]:
    """The landing page's registers: one row per text (its source row, its page, its number
    of claims and the verdict counts in vocabulary order); the first is the main register."""
    from chasm.register.claims import VOCABULARY, register_page

    by_id = {r["source_id"]: r for r in sources()}
    main = next(iter(registers), "")
    out = []
    for text_id, part in registers.items():
        counts = [(v, sum(r["verdict"] == v for r in part)) for v, _ in VOCABULARY]
        out.append({"text": by_id.get(text_id, {"title": text_id, "publisher": text_id}),
                    "page": register_page(text_id, main), "claims": len(part),
                    "counts": ", ".join(f"{k} {v}" for v, k in counts if k)})
    return out


def landing_page(all_runs: list[Run], rows: list[dict[str, str]], version: str,
                 level: str, registers: dict[str, list[dict[str, str]]] | None = None) -> str:
    """``index.html`` (module docstring); ``registers``: every register's rows by text id
    (the main register first), one row each on the page."""
    from chasm.data import load

    by_name = {r.name: r for r in all_runs}
    start = by_name.get(START_HERE) or Run(START_HERE, START_HERE, "the interpretation")
    headline = [{**r, "numbers": claim_numbers(r, level)} for r in rows
                if r.get("kind") in HEADLINE_KINDS]
    meta = _figure_meta(KEY_FIGURE)
    key_figure = None
    if meta and (paths.REPORTS / KEY_FIGURE).exists():
        key_figure = {"stem": _stem(meta["svg"]), "title": meta.get("title") or "",
                      "subtitle": meta.get("subtitle") or "", "svg": meta["svg"],
                      "csv": meta["csv"], "alt": meta.get("alt", ""),
                      "source": meta.get("source", ""), "min_width": meta.get("min_width")}
    mains = [{"name": r.name, "title": r.title, "intro": _intro(r.notebook)}
             for r in all_runs if r.main]
    sens, analyses = [], []
    for r in all_runs:
        if r.main:
            continue
        item = {"name": r.name, "label": r.label, "change_text": r.change_text}
        if r.kind == "sensitivity":
            changed = verdict_changes(r.name, r.notebook)
            item["effect"] = ("no verdicts of its own" if changed is None else
                              f"{len(changed)} of its verdicts differ from the main run's "
                              "(listed on its page)" if changed else
                              "every verdict as in the main run")
            sens.append(item)
        else:
            analyses.append(item)
    listed = [{**s, "url": safe_url(s.get("url", "")), "lang": lang_of(s.get("title", ""))}
              for s in sources()]
    chrome = _chrome("index", [], version)
    chrome.pop("me"), chrome.pop("version")
    return _page("index.html", title=f"{SITE_TITLE}: findings and reports", page_class="landing",
                 version=version, scripts=[], chrome=chrome,
                 start=start, headline=headline, key_figure=key_figure, mains=mains,
                 analyses=analyses, sensitivity=sens, sources=listed,
                 registers=register_rows(registers or {}),
                 gaps=list(load.load_gaps().itertuples()), cff=_citation())


def _citation() -> dict | None:
    """The project's citation from ``CITATION.cff``: its message and one line of text."""
    import yaml

    path = paths.ROOT / "CITATION.cff"
    if not path.exists():
        return None
    cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    authors = ", ".join(a.get("name", "") for a in cff.get("authors", []))
    text = (f"{authors}. {cff.get('title', '')}. Version {cff.get('version', '')}, "
            f"{cff.get('date-released', '')}.")
    return {"text": text, "message": cff.get("message", "")}


def _citation_text() -> str:
    cff = _citation()
    return cff["text"] if cff else ""


def write_site() -> list[Path]:
    """The index step (module docstring): landing page, claims page and its JSON-LD,
    stylesheet, and every run page rendered again from its report; files are rewritten only
    when their content changes."""
    import nbformat

    version = data_version()
    all_runs = runs()
    level = _level()
    from chasm.register.claims import register_page

    every = read_csv(paths.REPORTS / "tables" / "claims.csv")
    texts = list(dict.fromkeys(r.get("register", "") for r in every))
    main = texts[0] if texts else ""
    registers = {t: [r for r in every if r.get("register", "") == t] for t in texts}
    rows = registers.get(main, [])
    written = [write_stylesheet(paths.REPORTS)]
    by_id = {r["source_id"]: r for r in sources()}
    pages = [("index.html", landing_page(all_runs, rows, version, level, registers)),
             (CLAIMS_JSONLD, _jsonld_text(claims_jsonld(rows, version, by_id.get(main)))
              + "\n")]
    pages += [(register_page(t, main), claims_page(part, version, level, t,
                                                   register_page(t, main)))
              for t, part in registers.items()] or [("claims.html",
                                                     claims_page([], version, level))]
    for old in paths.REPORTS.glob("claims-*.html"):  # a removed register's page goes too
        if old.name not in {name for name, _ in pages}:
            old.unlink()
    for run in all_runs:
        report = paths.REPORTS / f"{run.name}.ipynb"
        if report.exists():
            nb = nbformat.read(report, as_version=4)
            pages.append((f"{run.name}.html",
                          render(nb, run.name, all_runs=all_runs, version=version).html))
    for name, text in pages:
        target = paths.REPORTS / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            _write(target, text)
        written.append(target)
    return written
