"""One run's page (``reports/<run>.html``) from its report (``reports/<run>.ipynb``).

:func:`render` writes a real title, a box of what the run found (:func:`findings`) in the
first screen, home / previous / next links (``chasm.site.runs.chrome``), a contents list, prose
about 75 characters wide, every code cell in an HTML ``<details>`` (folded for readers; "Show
code" or ``<run>.html#code`` opens them all), numbered tables with a caption, and a footer with
sources, licence, data version and the page's citation. Tables come from ``chasm.tables``
(each with a link to its CSV, ``tables/<run>/table-<k>.csv``, :func:`table_files`); figures
from ``chasm.plots.save_figure`` (:func:`figure_html`).

Plumbing is hidden by rule, never by editing a notebook: a markdown cell whose heading is one
of :data:`PLUMBING_HEADINGS` and the ``**Reads**``/``**Writes**`` paragraph go into a folded
"For analysts" box; printed text and plain-text results stay folded with their code. A page is
a pure function of its report and the site's runs; no page is edited in place.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from chasm import svg as chart_file
from chasm.site.base import SITE_TITLE, first_heading, macro, page, script, sources
from chasm.site.runs import Run, chrome, params_text

#: Markdown headings whose cell is plumbing (file lists, column dictionaries): folded.
PLUMBING_HEADINGS = ("Load inputs", "Save outputs")
#: At most this many items in a run page's findings box (its first screen).
MAX_FINDINGS = 5
#: The smallest chart text a reader meets, in CSS pixels (``chasm.svg``: a chart drawn for
#: a phone reaches it at 400 px; a chart without a phone layout whose text would be smaller
#: keeps a minimum width and scrolls inside its own box).
MIN_CHART_TEXT_PX = chart_file.MIN_TEXT_PX


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


def split_files_paragraph(source: str) -> tuple[str, str]:
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
    title = first_heading(nb) or run
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
                walk.plumbing = True  # a table shown here is captioned by this heading
                walk.section = (walk.section[0] if walk.section else "", heading)
                body.append(_Box(f"For analysts: {heading.lower()}", markdown(cell.source)))
                continue
            source, files_par = split_files_paragraph(cell.source)
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
    nav = chrome(run, all_runs, version)
    me = nav.pop("me")
    page_title = f"{title} ({params_text(me.changes)})" if me and not me.main else title
    doc = page("run.html", title=f"{page_title} · {SITE_TITLE}", page_class="report",
               version=nav.pop("version"), scripts=[script("page.js")], chrome=nav,
               heading=title, h1_id=h1_id or "title",
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


def chart_text_sizes(image: str) -> tuple[float, float] | None:
    """(the SVG's width in its own units, its smallest font size in those units); None when
    its text is drawn as paths (``chasm.svg.text_sizes``)."""
    return chart_file.text_sizes(image)


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


def linked_outlets(line: str) -> str:
    """A chart's source line as HTML, each outlet it names ("Levada Center, 2024-06-21", as
    ``chasm.data.figures.outlets`` writes it from ``sources.csv``) linked to its address, or to
    its entry in the landing page's sources, which says why there is none: from any number
    on a chart, its source's address is one click away."""
    from markupsafe import Markup

    links = {}
    for row in sources():
        outlet = html.escape(f"{row['publisher']}, {row['published']}")
        links[outlet] = row["url"] or f"index.html#src-{row['source_id']}"
    text = html.escape(line)
    if not links:
        return Markup(text)
    pattern = re.compile("|".join(re.escape(o) for o in sorted(links, key=len, reverse=True)))
    return Markup(pattern.sub(lambda m: f'<a href="{html.escape(links[m[0]])}">{m[0]}</a>',
                              text))


def chart_context(meta: dict) -> dict:
    """What ``macros.html``'s ``figure`` shows of a chart (its ``chasm`` output metadata,
    ``chasm.plots.save_figure``, with the width that keeps its text legible; its source line
    with each outlet linked, :func:`linked_outlets`)."""
    return {"stem": _stem(meta["svg"]), "title": meta.get("title") or "",
            "subtitle": meta.get("subtitle") or "", "svg": meta["svg"], "csv": meta["csv"],
            "alt": meta.get("alt", ""), "source": linked_outlets(meta.get("source", "")),
            "min_width": meta.get("min_width"), "phone": meta.get("phone") or ""}


def figure_html(meta: dict) -> str:
    """A chart as the page shows it: title, image with alt text, source line, links."""
    return str(macro("figure")(chart_context(meta)))

