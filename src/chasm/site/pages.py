"""The site as ``make`` writes it: what the build calls to publish pages.

nbconvert's pages were a notebook dump (every title "Notebook", no links between pages,
plumbing in the reader's view, the full JupyterLab stylesheet in every file). The site writes
pages a journalist can read, on a phone too, and an analyst can still audit, all opening
offline from ``reports/``.

* After each run the build publishes its page (:func:`render`, ``chasm.site.render``), the
  CSVs of its tables (:func:`table_files`) and the stylesheet (:func:`write_stylesheet`).
* The index step (:func:`write_site`, after every report) writes ``index.html``, every claims
  register page with its ClaimReview JSON-LD (``chasm.site.landing``), the stylesheet, and
  every run page rendered again from its report, since its navigation and banner depend on
  the other runs (``chasm.site.runs.chrome``). A page is a pure function of its report and
  the site; no page is edited in place, and a file is rewritten only when its text changes.
"""

from __future__ import annotations

from pathlib import Path

from chasm import paths
from chasm.register.claims import register_page
from chasm.site.base import data_version, sources, write, write_stylesheet
from chasm.site.landing import (
    CLAIMS_JSONLD,
    claims_jsonld,
    claims_page,
    jsonld_text,
    landing_page,
    level,
    register,
)
from chasm.site.render import render, table_files
from chasm.site.runs import runs

#: What the build imports from here (its entry points into the site).
__all__ = ["data_version", "render", "table_files", "write_site", "write_stylesheet"]


def write_site() -> list[Path]:
    """The index step (module docstring): landing page, claims pages and the JSON-LD,
    stylesheet, and every run page rendered again from its report; files are rewritten only
    when their content changes."""
    import nbformat

    version = data_version()
    all_runs = runs()
    interval = level()
    every = register()
    texts = list(dict.fromkeys(r.get("register", "") for r in every))
    main = texts[0] if texts else ""
    registers = {t: [r for r in every if r.get("register", "") == t] for t in texts}
    rows = registers.get(main, [])
    written = [write_stylesheet(paths.REPORTS)]
    by_id = {r["source_id"]: r for r in sources()}
    pages = [("index.html", landing_page(all_runs, rows, version, interval, registers)),
             (CLAIMS_JSONLD, jsonld_text(claims_jsonld(rows, version, by_id.get(main))) + "\n")]
    pages += [(register_page(t, main), claims_page(part, version, interval, t,
                                                   register_page(t, main)))
              for t, part in registers.items()] or [("claims.html",
                                                     claims_page([], version, interval))]
    for old in paths.REPORTS.glob("claims-*.html"):  # a removed register's page goes too
        if old.name not in {name for name, _ in pages}:
            old.unlink()
    for run in all_runs:
        report = paths.REPORTS / f"{run.name}.ipynb"
        if report.exists():
            nb = nbformat.read(report, as_version=4)
            pages.append((f"{run.name}.html",
                          render(nb, run.name, all_runs=all_runs, version=version).html))
    for name, content in pages:
        target = paths.REPORTS / name
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            write(target, content)
        written.append(target)
    return written

