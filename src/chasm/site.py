"""The reader pages: one HTML page per run, the landing page and the claims register page.

WHY. nbconvert's pages were a notebook dump (every title "Notebook", no links between pages,
170-character lines, plumbing in the reader's view, two files per run each embedding the full
JupyterLab stylesheet). This module writes pages a journalist can read, on a phone too, and an
analyst can still audit, all opening offline from ``reports/``:

* :func:`render` - one page per run (``reports/<run>.html``): a real title, home / previous /
  next links, a contents list, prose about 75 characters wide, every code cell in an HTML
  ``<details>`` (folded for readers; the "Show code" button or ``<run>.html#code`` opens them
  all: the analyst's view), and a footer with sources, licence and data version. Tables come
  from ``chasm.display`` (each with a link to its CSV, written beside the page as
  ``tables/<run>/table-<k>.csv``); figures from ``chasm.plots.save_figure`` (title, alt text,
  source line, SVG and CSV links).
* The reader's view hides plumbing by rule, never by editing a notebook: a markdown cell whose
  heading is one of :data:`PLUMBING_HEADINGS` ("Load inputs", "Save outputs") and the
  paragraph of a markdown cell that starts with ``**Reads**`` or ``**Writes**`` go into a
  folded "For analysts" box; printed text (stdout, e.g. "wrote reports/tables/...") and
  results that are plain text only (a returned path) stay with their code cell, folded.
* :func:`write_site` (``make``'s index step, after every report): ``index.html`` (what this is,
  the headline findings from ``reports/tables/claims.csv`` with intervals and verdict badges,
  the key chart, "start here", the reading order, sensitivity runs apart with what they
  change, sources, how to cite, what is not available, a data-version line), ``claims.html``
  (each claim as a card with a verdict badge, an evidence sentence, the detail folded and a
  verdict filter), the shared stylesheet ``chasm.css``, and the chrome (navigation, banner,
  footer) of every run page refreshed, since it depends on the other runs: a sensitivity page's
  banner names its main run and the verdicts that differ from it.

The data version is a short hash of the raw inputs (:func:`data_version`): it changes only when
``data/raw/`` or ``data/claims.csv`` change, so reruns stay byte-identical.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io as _io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .display import BADGES

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

_CHROME = re.compile(r"<!-- chrome:(\w+) -->.*?<!-- /chrome:\1 -->", re.S)


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
    """Rows of ``data/raw/sources.csv``."""
    return read_csv(paths.DATA / "raw" / "sources.csv")


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

    @property
    def main(self) -> bool:
        return self.name == self.notebook

    @property
    def label(self) -> str:
        if self.main:
            return self.title
        return f"{self.title} ({_params_text(self.changes)})"


def _params_text(changes: dict[str, object]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in changes.items()) or "the main run's parameters"


def runs() -> list[Run]:
    """Every run with a params file, in reading order: by notebook, main run first."""
    from .params import ParameterFileError, declared, load

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
        out.append(Run(name, notebook, notebook_title(notebook), changes))
    return out


def verdict_changes(run: str, main: str) -> list[str] | None:
    """Rows whose ``verdict`` differs between ``tables/<run>.csv`` and ``tables/<main>.csv``,
    as "row: main verdict → this run's"; None when the tables carry no verdict. Rows are
    matched on their leading text columns (those before the first numeric one)."""
    mine, base = (read_csv(paths.REPORTS / "tables" / f"{r}.csv") for r in (run, main))
    if not mine or not base or "verdict" not in mine[0] or "verdict" not in base[0]:
        return None

    def key_columns(rows):
        keys = []
        for column in rows[0]:
            if column == "verdict" or any(_is_number(r[column]) for r in rows):
                break
            keys.append(column)
        return keys or [next(iter(rows[0]))]

    keys = key_columns(base)
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


def _analyst_box(summary: str, content: str) -> _Box:
    return _Box(summary, content)


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


def render(nb, run: str | None = None, reader: bool = True) -> Page:
    """The page of one run (module docstring). ``reader`` folds the code (the published page);
    ``reader=False`` renders it open (the analyst's view)."""
    run = run or _run_of(nb)
    title = _first_heading(nb) or run
    taken: set[str] = {"contents", "top", "code"}
    contents: list[tuple[str, str]] = []
    files: dict[str, str] = {}
    body: list[str] = []
    opened = "" if reader else " open"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = _heading_of(cell.source)
            if heading in PLUMBING_HEADINGS:
                body.append(_analyst_box(f"For analysts: {heading.lower()}",
                                         markdown(cell.source)))
                continue
            source, files_par = _split_files_paragraph(cell.source)
            rendered = markdown(source)

            def _add_id(match, contents=contents):
                level, text = match.group(1), match.group(2)
                slug = _slug(text, taken)
                if level == "2":
                    contents.append((slug, re.sub(r"<[^>]+>", "", text)))
                return f'<h{level} id="{slug}">{text}</h{level}>'

            rendered = re.sub(r"<h([1-6])>(.*?)</h\1>", _add_id, rendered)
            body.append(f'<div class="prose">{rendered}</div>')
            if files_par:
                body.append(_analyst_box("For analysts: files read and written",
                                         markdown(files_par)))
        elif cell.cell_type == "code":
            body.extend(_code_cell(cell, run, files))
    page_body = _fold(body, opened)
    toc = "".join(f'<li><a href="#{s}">{html.escape(html.unescape(t))}</a></li>'
                  for s, t in contents)
    lead = ('<p class="view"><button type="button" id="toggle-code" aria-pressed="false">'
            'Show code</button> <span>Readers see the results; the code behind each one '
            'unfolds under it.</span></p>'
            + (f'<nav class="contents" id="contents" aria-label="Contents"><h2>Contents</h2>'
               f"<ol>{toc}</ol></nav>" if toc else ""))
    chrome = _chrome_blocks(run, heading=title)
    marker = "</h1>"
    if marker in page_body:
        head, tail = page_body.split(marker, 1)
        page_body = f"{head}{marker}{_block('banner', chrome['banner'])}{lead}{tail}"
    else:
        page_body = _block("banner", chrome["banner"]) + lead + page_body
    doc = _document(chrome["title"] or title, run, page_body, chrome)
    return Page(doc, files, title)


def _code_cell(cell, run: str, files: dict[str, str]) -> list:
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
            shown_html = _rich_output(output, run, files)
            if shown_html is None:
                text = output.get("data", {}).get("text/plain", "")
                folded.append(f'<pre class="out">{html.escape(text)}</pre>')
            else:
                shown.append(shown_html)
    code = html.escape(cell.source)
    box = _Box(summary, f'<pre class="src"><code>{code}</code></pre>{"".join(folded)}')
    return ([box] if cell.source.strip() or folded else []) + shown


def _rich_output(output, run: str, files: dict[str, str],
                 markdown_too: bool = True) -> str | None:
    """HTML for a rich output (table, figure, sentence), None for plain text only."""
    data = output.get("data", {})
    meta = output.get("metadata", {}).get("chasm")
    if "image/svg+xml" in data:
        if meta:
            return figure_html(meta)
        svg = data["image/svg+xml"]
        return (f'<figure class="chart" role="img" aria-label="Chart">{svg}</figure>')
    if "text/csv" in data and "text/html" in data:
        number = sum(1 for f in files if f.startswith(f"tables/{run}/")) + 1
        path = f"tables/{run}/table-{number}.csv"
        if "shared-table" in data["text/html"]:
            return data["text/html"]
        files[path] = data["text/csv"]
        return (f'{data["text/html"]}<p class="table-links"><a href="{html.escape(path)}">'
                "This table as CSV</a> (every column, unrounded)</p>")
    if "text/html" in data:
        return f'<div class="table-box">{data["text/html"]}</div>'
    if "text/markdown" in data:
        if not markdown_too:
            return ""
        return f'<div class="prose">{link_ids(markdown(data["text/markdown"]))}</div>'
    return None


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
    run = run or _run_of(nb)
    files: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") in ("display_data", "execute_result"):
                _rich_output(output, run, files, markdown_too=False)
    return files


def _run_of(nb) -> str:
    return nb.metadata.get("papermill", {}).get("parameters", {}).get("run") or "report"


def figure_html(meta: dict) -> str:
    """A chart as the page shows it: title, image with alt text, source line, links."""
    title = meta.get("title") or ""
    subtitle = meta.get("subtitle") or ""
    parts = ['<figure class="chart">']
    if title:
        parts.append(f'<figcaption class="chart-title">{html.escape(title)}'
                     + (f'<span class="chart-subtitle">{html.escape(subtitle)}</span>'
                        if subtitle else "") + "</figcaption>")
    parts.append(f'<a class="chart-image" href="{html.escape(meta["svg"])}">'
                 f'<img src="{html.escape(meta["svg"])}" alt="{html.escape(meta["alt"])}"></a>')
    parts.append(f'<p class="chart-source">{html.escape(meta.get("source", ""))}</p>')
    parts.append(f'<p class="chart-links"><a href="{html.escape(meta["svg"])}">SVG</a> · '
                 f'<a href="{html.escape(meta["csv"])}">plotted numbers (CSV)</a></p>')
    parts.append("</figure>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Page chrome: the parts that depend on the other runs (refreshed by the index step)
# --------------------------------------------------------------------------------------------
def _block(name: str, content: str) -> str:
    return f"<!-- chrome:{name} -->{content}<!-- /chrome:{name} -->"


def _chrome_blocks(run: str, all_runs: list[Run] | None = None,
                   version: str | None = None, heading: str | None = None) -> dict[str, str]:
    """Title, header (home, claims, previous / next), banner and footer of ``run``'s page;
    ``heading`` (the page's own first heading) names the page in its title."""
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
    nav = [f'<a class="home" href="index.html">{html.escape(SITE_TITLE)}</a>',
           '<a href="index.html#reading-order">All reports</a>',
           '<a href="claims.html">Claims register</a>']
    if prev:
        nav.append(f'<a rel="prev" href="{html.escape(prev.name)}.html">← '
                   f"{html.escape(_short(prev.title))}</a>")
    if nxt:
        nav.append(f'<a rel="next" href="{html.escape(nxt.name)}.html">'
                   f"{html.escape(_short(nxt.title))} →</a>")
    header = (f'<header class="site"><nav aria-label="Site">{"".join(nav)}</nav></header>')
    banner = ""
    if me and not me.main:
        changed = verdict_changes(me.name, me.notebook)
        if changed is None:
            verdicts = ("This report draws no verdicts of its own; compare its tables with "
                        "the main run's.")
        elif changed:
            verdicts = ("Verdicts that differ from the main run: "
                        + "; ".join(html.escape(c) for c in changed) + ".")
        else:
            verdicts = "Every verdict is the same as in the main run."
        banner = (f'<aside class="banner" role="note"><strong>Sensitivity run.</strong> '
                  f"This is {html.escape(me.notebook)} with "
                  f"{html.escape(_params_text(me.changes))}. Main run: "
                  f'<a href="{html.escape(me.notebook)}.html">'
                  f"{html.escape(me.title)}</a>. {verdicts}</aside>")
    footer = _footer(version)
    name = heading or (me.title if me else "")
    if me and not me.main:
        name = f"{name} ({_params_text(me.changes)})"
    title = f"{name} · {SITE_TITLE}" if me else ""
    return {"title": title, "header": header, "banner": banner, "footer": footer}


def _footer(version: str) -> str:
    links = []
    for row in sources():
        if row["source_id"] in FOOTER_SOURCES:
            links.append(f'<a href="index.html#src-{html.escape(row["source_id"])}">'
                         f"{html.escape(row['publisher'])} {html.escape(row['published'][:4])}"
                         "</a>")
    return ('<footer class="site"><p>Sources: ' + " · ".join(links)
            + ' · <a href="index.html#sources">all sources</a>. '
            f"{html.escape(LICENCE)} (<a href=\"index.html#cite\">how to cite</a>). "
            f"Data version <code>{version}</code> (hash of data/raw and data/claims/).</p>"
            "</footer>")


_SCRIPT = """<script>
(function () {
  var button = document.getElementById('toggle-code');
  if (!button) return;
  function set(open) {
    document.querySelectorAll('details.code').forEach(function (d) { d.open = open; });
    button.setAttribute('aria-pressed', open ? 'true' : 'false');
    button.textContent = open ? 'Hide code' : 'Show code';
  }
  button.addEventListener('click', function () {
    set(button.getAttribute('aria-pressed') !== 'true');
  });
  if (location.hash === '#code') set(true);
})();
</script>"""


#: A backstop behind the inert text of every page: nothing is fetched from anywhere but the
#: page's own folder (the stylesheet, the figures' SVG), no plugin, no form, no base change;
#: the one inline script (folding, the verdict filter) and inline styles are allowed.
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")


def _document(title: str, run: str, body: str, chrome: dict[str, str],
              script: str = _SCRIPT, page_class: str = "report") -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
{_block("title", f"<title>{html.escape(title)}</title>")}
<link rel="stylesheet" href="{STYLESHEET}">
</head>
<body class="{page_class}" id="top">
{_block("header", chrome["header"])}
<main>
{body}
</main>
{_block("footer", chrome["footer"])}
{script}
</body>
</html>
"""


def refresh_chrome(page: Path, all_runs: list[Run], version: str) -> bool:
    """Re-fill the chrome blocks of a run page; True if the file changed."""
    text = page.read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", text, flags=re.S)
    heading = html.unescape(re.sub(r"<[^>]+>", "", h1.group(1))).strip() if h1 else None
    blocks = _chrome_blocks(page.stem, all_runs, version, heading)
    title = blocks["title"] or page.stem
    blocks["title"] = f"<title>{html.escape(title)}</title>"
    new = _CHROME.sub(lambda m: _block(m.group(1), blocks.get(m.group(1), "")), text)
    if new != text:
        _write(page, new)
        return True
    return False


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
    from .display import MISSING, _number

    return MISSING if value is None else _number(value, digits)


def claim_numbers(row: dict[str, str], level: str) -> str:
    """One plain sentence of a claim's numbers: the estimate, its interval or bounds, p."""
    est, low, high = (_num(row.get(k, "")) for k in ("estimate", "low", "high"))
    if est is None and low is None and high is None:
        return ""
    measure = row.get("measure", "")
    unit = " points" if "point" in measure else "%"
    if est is None:
        text = f"Between {_fmt(low)}{unit} and {_fmt(high)}{unit} ({measure})"
    else:
        text = f"{_fmt(est)}{unit}"
        if low is not None and high is not None:
            bounds = "bounds" if "bound" in measure else f"{level} interval"
            text += f", {bounds} {_fmt(low)} to {_fmt(high)}"
        text += f" ({measure})"
    p, adjusted = _num(row.get("p_value", "")), _num(row.get("p_adjusted", ""))
    if p is not None:
        from .display import format_p

        text += f"; p {'< 0.001' if p < 0.001 else '= ' + format_p(p)}"
        if adjusted is not None and adjusted != p:
            text += (f" ({'< 0.001' if adjusted < 0.001 else format_p(adjusted)} allowing "
                     "for rounding and the other tests)")
    return text + "."


def _level() -> str:
    """The interval level of the claims register (06_claims's ``alpha``), e.g. "95%"."""
    import json

    report = paths.REPORTS / "06_claims.ipynb"
    alpha = None
    if report.exists():
        params = json.loads(report.read_text(encoding="utf-8"))["metadata"].get(
            "papermill", {}).get("parameters", {})
        alpha = params.get("alpha")
    if alpha is None:
        from .params import declared

        alpha = declared(paths.NOTEBOOKS / "06_claims.ipynb").get("alpha", 0.05)
    return f"{100 * (1 - float(alpha)):g}%"


def badge(verdict: str) -> str:
    return (f'<span class="badge badge-{BADGES.get(verdict, "none")}">'
            f"{html.escape(verdict)}</span>")


def _figure_links(ids: str) -> str:
    return " ".join(f'<a href="01_ingest.html#fig-{html.escape(i)}">{html.escape(i)}</a>'
                    for i in ids.split())


def _source_links(text: str, by_id: dict[str, dict[str, str]]) -> str:
    """"essay-chasm-2025 (essay): E01; iib-... (secondary): S01" with each source linked."""
    out = []
    for part in [p.strip() for p in text.split(";") if p.strip()]:
        sid, _, rest = part.partition(" ")
        row = by_id.get(sid)
        name = html.escape(f"{row['publisher']}, {row['published'][:4]}") if row else html.escape(
            sid)
        href = row.get("url") if row and row.get("url") else f"index.html#src-{sid}"
        figs = rest.split(":", 1)[1] if ":" in rest else ""
        out.append(f'<a href="{html.escape(href)}">{name}</a> {html.escape(rest.split(":")[0])}'
                   f": {_figure_links(figs)}")
    return "; ".join(out)


def claims_page(rows: list[dict[str, str]], version: str, level: str,
                text_id: str | None = None) -> str:
    """A register's page (``claims.html`` for the main register, ``claims-<text_id>.html``
    for each other: ``chasm.claims.register_page``): every claim of one text as a card (id,
    paraphrase, the text's paragraph, badge, one evidence sentence, the detail folded), with
    a verdict filter."""
    from .claims import VOCABULARY

    by_id = {r["source_id"]: r for r in sources()}
    text_id = text_id or (rows[0].get("register", "") if rows else "")
    text = by_id.get(text_id, {})
    text_name = (f"{text.get('publisher', text_id)}, {text.get('published', '')}: "
                 f"{text.get('title', '')}" if text else text_id)
    meaning = dict(VOCABULARY)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    filters = ['<button type="button" class="filter" aria-pressed="true" data-verdict="">'
               f"all ({len(rows)})</button>"]
    filters += [f'<button type="button" class="filter" aria-pressed="false" '
                f'data-verdict="{html.escape(v)}">{html.escape(v)} ({counts[v]})</button>'
                for v, _ in VOCABULARY if v in counts]
    cards = []
    for r in rows:
        numbers = claim_numbers(r, level)
        sentence = numbers or r["evidence"]
        detail = [f"<dt>Evidence, in full</dt><dd>{html.escape(r['evidence'])}</dd>"]
        if r.get("figure_ids"):
            detail.append(f"<dt>Figures</dt><dd>{_figure_links(r['figure_ids'])}</dd>")
        if r.get("sources"):
            detail.append(f"<dt>Sources</dt><dd>{_source_links(r['sources'], by_id)}</dd>")
        detail.append(f"<dt>Rule</dt><dd><code>{html.escape(r['rule'])}</code> "
                      f"({html.escape(r['kind'])})</dd>")
        cards.append(
            f'<article class="claim" id="{html.escape(r["claim_id"])}" '
            f'data-verdict="{html.escape(r["verdict"])}">'
            f'<p class="claim-head"><a class="claim-id" href="#{html.escape(r["claim_id"])}">'
            f'{html.escape(r["claim_id"])}</a> {badge(r["verdict"])} '
            f'<a class="para" href="index.html#src-{html.escape(text_id)}">'
            f'{html.escape(text.get("kind", "text"))}, paragraph '
            f'{html.escape(r["paragraph"])}</a></p>'
            f'<h2 class="claim-text">{html.escape(r["paraphrase"])}</h2>'
            f'<p class="claim-evidence">{html.escape(sentence)}</p>'
            f'<p class="verdict-meaning">{html.escape(r["verdict"].capitalize())}: '
            f'{html.escape(meaning.get(r["verdict"], ""))}.</p>'
            f'<details><summary>Detail</summary><dl>{"".join(detail)}</dl></details>'
            "</article>")
    body = (f"<h1>The claims register</h1>"
            f'<p class="lede">Every claim of {html.escape(text_name)}, paraphrased, with a '
            f"verdict from one fixed vocabulary and the evidence behind it ({len(rows)} claims; "
            f"computed by "
            f'<a href="06_claims.html">06 · Claims</a>, numbers in '
            f'<a href="tables/claims.csv">claims.csv</a>).</p>'
            f'<div class="filters" role="group" aria-label="Filter by verdict">'
            f'{"".join(filters)}</div><div class="cards">{"".join(cards)}</div>')
    script = """<script>
(function () {
  var buttons = document.querySelectorAll('button.filter');
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var v = b.getAttribute('data-verdict');
      buttons.forEach(function (o) { o.setAttribute('aria-pressed', o === b ? 'true' : 'false'); });
      document.querySelectorAll('article.claim').forEach(function (c) {
        c.hidden = v !== '' && c.getAttribute('data-verdict') !== v;
      });
    });
  });
})();
</script>"""
    chrome = _chrome_blocks("claims", [], version)
    return _document(f"Claims register · {SITE_TITLE}", "claims", body, chrome, script,
                     "claims")


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
                return re.split(r"(?<=[.:])\s", plain, maxsplit=1)[0].rstrip(":") + (
                    "" if plain.rstrip().endswith(".") else "")
        break
    return ""


def _figure_meta(svg: str) -> dict | None:
    """The ``chasm`` metadata of the report output that shows ``svg`` (figures/<stem>.svg)."""
    import json

    for report in sorted(paths.REPORTS.glob("*.ipynb")):
        nb = json.loads(report.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get("chasm")
                if meta and meta.get("svg") == svg:
                    return meta
    return None


def _registers_section(registers: dict[str, list[dict[str, str]]]) -> str:
    """The landing page's registers: one row per text (its outlet, title, claims and verdict
    counts, a link to its page); the first is the main register."""
    from .claims import VOCABULARY, register_page

    if not registers:
        return ""
    by_id = {r["source_id"]: r for r in sources()}
    main = next(iter(registers))
    items = []
    for text_id, part in registers.items():
        row = by_id.get(text_id, {})
        counts = {v: sum(r["verdict"] == v for r in part) for v, _ in VOCABULARY}
        shown = ", ".join(f"{k} {v}" for v, k in counts.items() if k)
        items.append(f'<li><a href="{html.escape(register_page(text_id, main))}">'
                     f'{html.escape(row.get("publisher", text_id))}, '
                     f'{html.escape(row.get("published", ""))}: '
                     f'<cite>{html.escape(row.get("title", text_id))}</cite></a> '
                     f'<span class="kind">{html.escape(row.get("kind", ""))}</span>: '
                     f"{len(part)} claims ({html.escape(shown)}).</li>")
    return ('<section id="registers"><h2>Texts checked against the figures</h2>'
            "<p>One claims register per text that quotes these polls, each with its own "
            "page; the same rules give every verdict.</p>"
            f'<ul class="order">{"".join(items)}</ul></section>')


def landing_page(all_runs: list[Run], rows: list[dict[str, str]], version: str,
                 level: str, registers: dict[str, list[dict[str, str]]] | None = None) -> str:
    """``index.html`` (module docstring); ``registers``: every register's rows by text id
    (the main register first), one row each on the page."""
    from . import io

    by_name = {r.name: r for r in all_runs}
    start = _short(by_name[START_HERE].title) if START_HERE in by_name else "the interpretation"
    parts = ['<h1>The Chasm Between Us: what the survey figures can and cannot say</h1>',
             '<p class="lede">An essay (REM, December 2025) reads Levada Center polls on how '
             "Russians see those who emigrated. This site re-examines every figure it quotes: "
             "with honest intervals, the two waves compared, and each of its claims checked "
             "against the published numbers.</p>",
             f'<p class="start"><a class="button" href="{START_HERE}.html">Start here: '
             f"{html.escape(start)}"
             "</a> <a href=\"claims.html\">All claims and their verdicts</a></p>"]
    headline = [r for r in rows if r.get("kind") in HEADLINE_KINDS]
    if headline:
        items = []
        for r in headline:
            items.append(
                f'<li>{badge(r["verdict"])} <span class="finding">'
                f'{html.escape(r["paraphrase"])}</span> <span class="numbers">'
                f'{html.escape(claim_numbers(r, level))}</span> '
                f'<a href="claims.html#{html.escape(r["claim_id"])}">Evidence '
                f'({html.escape(r["claim_id"])})</a></li>')
        parts.append('<section id="findings" aria-labelledby="findings-h">'
                     '<h2 id="findings-h">Headline findings</h2>'
                     f'<ul class="findings">{"".join(items)}</ul></section>')
    parts.append(_registers_section(registers or {}))
    meta = _figure_meta(KEY_FIGURE)
    if meta and (paths.REPORTS / KEY_FIGURE).exists():
        parts.append('<section id="key-chart"><h2>The key chart</h2>'
                     f"{figure_html(meta)}</section>")
    order = []
    for r in all_runs:
        if r.main:
            order.append(f'<li><a href="{html.escape(r.name)}.html">{html.escape(r.title)}</a>'
                         f' <span class="what">{html.escape(_intro(r.notebook))}</span>'
                         f' <a class="small" href="{html.escape(r.name)}.html#code">with code'
                         f'</a> · <a class="small" href="{html.escape(r.name)}.ipynb">notebook'
                         "</a></li>")
    parts.append('<section id="reading-order"><h2>Reading order</h2>'
                 f'<p>For the conclusions, read <a href="{START_HERE}.html">the '
                 "interpretation</a> first; the reports below build it step by step.</p>"
                 f'<ol class="order">{"".join(order)}</ol></section>')
    sens = []
    for r in all_runs:
        if r.main:
            continue
        changed = verdict_changes(r.name, r.notebook)
        effect = ("no verdicts of its own" if changed is None else
                  f"{len(changed)} of its verdicts differ from the main run's (listed on "
                  "its page)" if changed else "every verdict as in the main run")
        sens.append(f'<li><a href="{html.escape(r.name)}.html">{html.escape(r.label)}</a>: '
                    f"{html.escape(_params_text(r.changes))} instead of the main run's; "
                    f"{html.escape(effect)}.</li>")
    if sens:
        parts.append('<section id="sensitivity"><h2>Sensitivity runs</h2>'
                     "<p>The same reports with one assumption changed. They are checks, "
                     "not findings.</p>"
                     f'<ul class="order">{"".join(sens)}</ul></section>')
    src = []
    for row in sources():
        link = (f'<a href="{html.escape(row["url"])}">{html.escape(row["title"])}</a>'
                if row.get("url") else f"<cite>{html.escape(row['title'])}</cite> (no public "
                "address recorded)")
        src.append(f'<li id="src-{html.escape(row["source_id"])}">'
                   f'{html.escape(row["publisher"])}, {html.escape(row["published"])}: {link}. '
                   f'<span class="kind">{html.escape(row["kind"])}</span> '
                   f'{html.escape(row.get("note", ""))}</li>')
    parts.append('<section id="sources"><h2>Sources</h2><p>The essay and the surveys it '
                 'quotes; every figure is in <a href="01_ingest.html">01 · Ingest</a> with '
                 f'its source.</p><ul class="sources">{"".join(src)}</ul></section>')
    gaps = io.load_gaps()
    gap_items = "".join(f'<li id="gap-{html.escape(str(g.id))}"><strong>'
                        f"{html.escape(str(g.what))}.</strong> "
                        f"{html.escape(str(g.consequence))}</li>" for g in gaps.itertuples())
    parts.append('<section id="gaps"><h2>What these data cannot tell</h2>'
                 f'<ul class="gaps">{gap_items}</ul></section>')
    parts.append('<section id="cite"><h2>How to cite</h2>' + _citation() + "</section>")
    parts.append(f'<p class="version">Data version <code>{version}</code>: a hash of '
                 "<code>data/raw/</code> and <code>data/claims/</code>; every page shows "
                 "it, so a reader can tell which inputs a page was built from.</p>")
    chrome = _chrome_blocks("index", [], version)
    return _document(f"{SITE_TITLE}: findings and reports", "index", "\n".join(parts),
                     chrome, "", "landing")


def _citation() -> str:
    import yaml

    path = paths.ROOT / "CITATION.cff"
    if not path.exists():
        return "<p>See CITATION.cff.</p>"
    cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    authors = ", ".join(a.get("name", "") for a in cff.get("authors", []))
    text = (f"{authors}. {cff.get('title', '')}. Version {cff.get('version', '')}, "
            f"{cff.get('date-released', '')}.")
    return (f"<p>{html.escape(text)}</p><p>{html.escape(cff.get('message', ''))} "
            "The citation file is <code>CITATION.cff</code> in the repository.</p>")


def write_site() -> list[Path]:
    """The index step (module docstring): landing page, claims page, stylesheet, and the
    chrome of every run page; files are rewritten only when their content changes."""
    version = data_version()
    all_runs = runs()
    level = _level()
    from .claims import register_page

    every = read_csv(paths.REPORTS / "tables" / "claims.csv")
    texts = list(dict.fromkeys(r.get("register", "") for r in every))
    main = texts[0] if texts else ""
    rows = [r for r in every if r.get("register", "") == main]
    registers = {t: [r for r in every if r.get("register", "") == t] for t in texts}
    written = [write_stylesheet(paths.REPORTS)]
    pages = [("index.html", landing_page(all_runs, rows, version, level, registers))]
    pages += [(register_page(t, main), claims_page(part, version, level, t))
              for t, part in registers.items()] or [("claims.html",
                                                     claims_page([], version, level))]
    for old in paths.REPORTS.glob("claims-*.html"):  # a removed register's page goes too
        if old.name not in {name for name, _ in pages}:
            old.unlink()
    for name, text in pages:
        target = paths.REPORTS / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            _write(target, text)
        written.append(target)
    for run in all_runs:
        page = paths.REPORTS / f"{run.name}.html"
        if page.exists():
            refresh_chrome(page, all_runs, version)
    return written
