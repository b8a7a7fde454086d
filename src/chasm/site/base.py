"""What every page shares: the templates, the page's security policy, the project facts.

* :func:`page` fills a template (``templates/*.html``, Jinja2, autoescaped: text from data is
  escaped where it is written) with what every page shows: the site's title, the licence, the
  footer's sources, the page's Content-Security-Policy (:func:`csp`).
* :func:`csp`: nothing loads from outside the page's folder, no inline event handler and no
  ``javascript:`` URL runs (scripts are allowed by their SHA-256 hash only), whatever text
  reaches a page.
* The project facts the pages show: the data version (:func:`data_version`, a short hash of
  the raw inputs: it changes only when ``data/raw/`` or ``data/claims/`` change, so reruns stay
  byte-identical), the sources (:func:`sources`, under the text policy), the citation
  (:func:`citation`, from ``CITATION.cff``).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io as _io
import os
from pathlib import Path

from chasm import paths, text
from chasm.tables import BADGES

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "chasm.css"
SITE_TITLE = text.SITE_TITLE
LICENCE = text.LICENCE
#: Sources every page's footer names (the essay and the releases its figures come from).
FOOTER_SOURCES = ("essay-chasm-2025", "levada-ru-2024-03", "levada-ru-2025-04", "iib-riddle-2025")

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


def macro(name: str):
    """A macro of ``templates/macros.html`` (the pieces several pages share)."""
    return getattr(env().get_template("macros.html").module, name)


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


def page(template: str, *, title: str, page_class: str, version: str, scripts: list[str],
         chrome: dict, **context) -> str:
    """A whole page: ``template`` filled with ``context``, the navigation and citation of
    ``chrome`` (``chasm.site.runs.chrome``) and what every page carries."""
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
    rows = [{k: text.clean(v) for k, v in row.items()}
            for row in read_csv(paths.DATA / "raw" / "sources.csv")]
    return [{**row, "url": safe_url(row.get("url")), "title": row.get("title") or text.NO_TITLE,
             "published": row.get("published") or text.NO_DATE} for row in rows]


def safe_url(url: str | None) -> str:
    """``url`` if the text policy allows it as a link (``chasm.text.safe_url``: http(s) only,
    nothing a browser would strip), else "" (the page then says no address is recorded)."""
    return text.safe_url(url) or ""


def cff() -> dict:
    """``CITATION.cff`` as data (empty when there is none)."""
    import yaml

    path = paths.ROOT / "CITATION.cff"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def citation() -> dict | None:
    """The project's citation from ``CITATION.cff``: its message and one line of text."""
    meta = cff()
    if not meta:
        return None
    authors = ", ".join(a.get("name", "") for a in meta.get("authors", []))
    line = (f"{authors}. {meta.get('title', '')}. Version {meta.get('version', '')}, "
            f"{meta.get('date-released', '')}.")
    return {"text": line, "message": meta.get("message", "")}


def write(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` atomically (a reader never meets half a page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def write_stylesheet(folder: Path) -> Path:
    """Copy the shared stylesheet into ``folder`` (``reports/`` or a run's staging)."""
    target = folder / STYLESHEET
    content = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    if not target.exists() or target.read_text(encoding="utf-8") != content:
        write(target, content)
    return target


def first_heading(nb) -> str | None:
    """The first ``# `` heading of a notebook's markdown cells."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def notebook_title(notebook: str) -> str:
    """The first ``# `` heading of ``notebooks/<notebook>.ipynb`` (else the name)."""
    import nbformat

    path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    if path.exists():
        return first_heading(nbformat.read(path, as_version=4)) or notebook
    return notebook
