"""The landing page (``index.html``) and the claims register pages (``claims.html``, one
``claims-<text>.html`` per other register), with the register as schema.org ClaimReview JSON-LD
(embedded, and written as ``claims.jsonld``).

Both read the register as values (:func:`register`: ``reports/tables/claims.csv`` read once,
its numbers as floats) and write each number once (:func:`claim_numbers`). The interval level
comes from the parameters 06_claims computes the register with (``chasm.site.runs.parameters``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from chasm import formats, paths
from chasm.data import load
from chasm.register.claims import VOCABULARY, register_page
from chasm.register.model import RULE_LABELS
from chasm.site.base import (
    SITE_TITLE,
    cff,
    citation,
    macro,
    page,
    safe_url,
    script,
    sources,
)
from chasm.site.render import chart_context, chart_min_width, split_files_paragraph
from chasm.site.runs import Run, chrome, parameters, verdict_effect
from chasm.site.travel import every_run
from chasm.text import lang_of

#: The run a newcomer should read first, and the figure the landing page shows.
START_HERE = "07_interpretation"
KEY_FIGURE = "figures/03_waves-changes.svg"
#: The run that computes the claims register (its ``alpha`` is the register's interval level).
REGISTER_RUN = "06_claims"
#: Claim kinds the landing page lists as headline findings (the register's tested claims).
HEADLINE_KINDS = ("comparison", "interpretation")
#: The JSON-LD file of the claims register, beside ``claims.html``.
CLAIMS_JSONLD = "claims.jsonld"
#: The register's columns that hold numbers (read as floats; None where empty).
NUMBER_COLUMNS = ("estimate", "low", "high", "p_value", "p_adjusted", "share_1", "share_2")


# --------------------------------------------------------------------------------------------
# The register as values, and its numbers in one sentence
# --------------------------------------------------------------------------------------------
def register(path: Path | None = None) -> list[dict]:
    """Every claim of ``reports/tables/claims.csv`` (the register 06_claims writes), one dict
    per claim: text columns as written, :data:`NUMBER_COLUMNS` as floats (None where empty).
    None of it when the file is missing (the site is still written)."""
    import pandas as pd

    path = path or paths.REPORTS / "tables" / "claims.csv"
    if not path.is_file():
        return []
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = frame.to_dict("records")
    for row in rows:
        for column in NUMBER_COLUMNS:
            if column in row:
                row[column] = _value(row[column])
    return rows


def _value(cell: object) -> float | None:
    """A number cell of the register: its float, None when empty (or not a number)."""
    if cell is None or isinstance(cell, float):
        return None if cell is None or cell != cell else cell
    try:
        value = float(cell)
    except ValueError:
        return None
    return None if value != value else value


def level() -> str:
    """The interval level of the claims register ("95%"): 06_claims's ``alpha``, from the
    parameters it is computed with."""
    return formats.fmt_level(float(parameters(REGISTER_RUN).get("alpha", 0.05)))


def _fmt(value: float | None, digits: int = 1) -> str:
    """A number of the register as its tables write it (``formats.fmt_number``)."""
    return formats.MISSING if value is None else formats.fmt_number(value, digits)


def claim_numbers(row: dict, level: str) -> str:
    """One plain sentence of a claim's numbers (``row`` as :func:`register` reads it): the
    levels compared (two waves in time order, 43% → 37%; two groups side by side, 47% vs
    19%), the estimate (a difference in points signed), its interval labelled by kind (the
    register's ``range_kind``: a CI, a rounding range; bounds where it names none), p. The
    measure is named up to its first ";" (what the number is, not which columns hold it)."""
    est, low, high = (_value(row.get(k)) for k in ("estimate", "low", "high"))
    if est is None and low is None and high is None:
        return ""
    measure = row.get("measure", "").split(";")[0].strip()  # what it is, not its columns
    unit = " points" if "point" in measure else "%"
    one, two = _value(row.get("share_1")), _value(row.get("share_2"))
    levels = ""
    if one is not None and two is not None:  # groups side by side; waves in time order
        between = "group" in measure or "rest" in measure
        levels = (f"{_fmt(two)}% vs {_fmt(one)}%: " if between else
                  f"{_fmt(one)}% → {_fmt(two)}%: ")
    if est is None:
        text = f"Between {_fmt(low)}{unit} and {_fmt(high)}{unit} ({measure})"
    else:
        shown = formats.fmt_signed(est) if unit == " points" else _fmt(est)
        text = f"{levels}{shown}{unit}"
        if low is not None and high is not None:
            bounds = row.get("range_kind") or (
                "identification range" if "bound" in measure else f"{level} CI")
            text += f", {bounds} {_fmt(low)} to {_fmt(high)}"
        text += f" ({measure})"
    p, adjusted = _value(row.get("p_value")), _value(row.get("p_adjusted"))
    if p is not None:
        text += f"; p {formats.fmt_p(p, relation=True)}"
        if adjusted is not None and adjusted != p:
            text += (f" ({formats.fmt_p(adjusted)} allowing "
                     "for rounding and the other tests)")
    return text + "."


def badge(verdict: str) -> str:
    return str(macro("badge")(verdict))


def source_refs(refs: str, by_id: dict[str, dict[str, str]]) -> list[dict]:
    """"essay-chasm-2025 (essay): E01; iib-... (secondary): S01" -> each source by its
    outlet, with its address (or none recorded) and the figures it gives."""
    out = []
    for part in [p.strip() for p in refs.split(";") if p.strip()]:
        sid, _, rest = part.partition(" ")
        row = by_id.get(sid, {})
        outlet = f"{row['publisher']}, {row['published'][:4]}" if row else sid
        figures = rest.split(":", 1)[1].split() if ":" in rest else []
        out.append({"id": sid, "outlet": outlet, "url": safe_url(row.get("url", "")),
                    "figures": figures})
    return out


# --------------------------------------------------------------------------------------------
# The claims pages and their ClaimReview JSON-LD
# --------------------------------------------------------------------------------------------
def _essay() -> dict[str, str]:
    return next((s for s in sources() if s.get("kind") == "essay"), {})


def claims_jsonld(rows: list[dict], version: str, text: dict | None = None,
                  page: str = "claims.html") -> list[dict]:
    """The register as schema.org ClaimReview objects, one per claim: the claim as
    paraphrased, the essay as where it appears, the verdict as the rating's
    ``alternateName`` (a word of the fixed vocabulary, no numeric scale), the evidence as its
    explanation, the review's author and date from ``CITATION.cff``, the data version as its
    version. ``text``: the register's text (a row of ``sources.csv``; default the essay),
    ``page`` its page."""
    meta = cff()
    authors = [{"@type": "Organization", "name": a.get("name", "")}
               for a in meta.get("authors", [])]
    essay = text if text is not None else _essay()
    appearance = {"@type": "CreativeWork", "headline": essay.get("title", ""),
                  "datePublished": essay.get("published", ""),
                  "publisher": {"@type": "Organization", "name": essay.get("publisher", "")}}
    if safe_url(essay.get("url", "")):
        appearance["url"] = essay["url"]
    return [{
        "@context": "https://schema.org", "@type": "ClaimReview",
        "url": f"{page}#{r['claim_id']}", "identifier": r["claim_id"],
        "claimReviewed": r["paraphrase"],
        "itemReviewed": {"@type": "Claim", "appearance": appearance,
                         "author": {"@type": "Organization", "name": essay.get("publisher", "")}},
        "reviewRating": {"@type": "Rating", "alternateName": r["verdict"],
                         "ratingExplanation": r["evidence"]},
        "author": authors, "datePublished": str(meta.get("date-released", "")),
        "version": version} for r in rows]


def jsonld_text(objects: list[dict]) -> str:
    """JSON for a ``<script type="application/ld+json">`` (and the file): "<" escaped, so
    no text from data can close the element."""
    return json.dumps(objects, ensure_ascii=False, indent=1).replace("<", "\\u003c")


def claims_page(rows: list[dict], version: str, level: str, text_id: str | None = None,
                page_name: str = "claims.html") -> str:
    """A register's page (``claims.html`` for the main register, ``claims-<text_id>.html``
    for every other: ``chasm.register.claims.register_page``): every claim of one text as a
    card (id, paraphrase, the text's paragraph, badge, one evidence sentence, its sources by
    outlet, the detail folded), a verdict filter whose count is a live region, and the
    register as ClaimReview JSON-LD."""
    from markupsafe import Markup


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
              "rule_label": RULE_LABELS.get(r.get("rule", ""), r.get("rule", "")),
              "refs": source_refs(r.get("sources", ""), by_id)} for r in rows]
    nav = chrome("claims", [], version)
    nav.pop("me"), nav.pop("version")
    title = ("Claims register" if page_name == "claims.html"
             else f"Claims register: {text['publisher']}")
    return page("claims.html", title=f"{title} · {SITE_TITLE}", page_class="claims",
                version=version, scripts=[script("claims.js")], chrome=nav,
                filters=filters, cards=cards, text=text,
                jsonld_file=CLAIMS_JSONLD if page_name == "claims.html" else "",
                jsonld=Markup(jsonld_text(claims_jsonld(rows, version, text, page_name))))


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
        source, _ = split_files_paragraph(cell.source)
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


def register_rows(registers: dict[str, list[dict]]) -> list[dict]:
    """The landing page's registers: one row per text (its source row, its page, its number
    of claims and the verdict counts in vocabulary order); the first is the main register."""
    by_id = {r["source_id"]: r for r in sources()}
    main = next(iter(registers), "")
    out = []
    for text_id, part in registers.items():
        counts = [(v, sum(r["verdict"] == v for r in part)) for v, _ in VOCABULARY]
        out.append({"text": by_id.get(text_id, {"title": text_id, "publisher": text_id}),
                    "page": register_page(text_id, main), "claims": len(part),
                    "counts": ", ".join(f"{k} {v}" for v, k in counts if k)})
    return out


def landing_page(all_runs: list[Run], rows: list[dict], version: str, level: str,
                 registers: dict[str, list[dict]] | None = None) -> str:
    """``index.html``: what this is, the headline findings (the register's tested claims,
    each with its numbers and a link to its evidence), the registers, the key chart, the
    reading order, the further analyses and the sensitivity runs (each listed as its kind,
    ``chasm.site.runs.run_kind``, with what it found that travels: ``chasm.site.travel``),
    the sources, what the data cannot tell, how to cite.
    ``registers``: every register's rows by text id (the main register first)."""
    by_name = {r.name: r for r in all_runs}
    start = by_name.get(START_HERE) or Run(START_HERE, START_HERE, "the interpretation")
    headline = [{**r, "numbers": claim_numbers(r, level)} for r in rows
                if r.get("kind") in HEADLINE_KINDS]
    meta = _figure_meta(KEY_FIGURE)
    key_figure = (chart_context(meta) if meta and (paths.REPORTS / KEY_FIGURE).exists()
                  else None)
    found = every_run([r.name for r in all_runs])
    mains = [{"name": r.name, "title": r.title, "intro": _intro(r.notebook),
              "found": found[r.name]} for r in all_runs if r.main]
    variants = [{"name": r.name, "label": r.label, "change_text": r.change_text, "run": r,
                 "found": found[r.name]} for r in all_runs if not r.main]
    sens = [{**v, "effect": verdict_effect(v["run"])} for v in variants
            if v["run"].kind == "sensitivity"]
    analyses = [v for v in variants if v["run"].kind != "sensitivity"]
    listed = [{**s, "url": safe_url(s.get("url", "")), "lang": lang_of(s.get("title", ""))}
              for s in sources()]
    nav = chrome("index", [], version)
    nav.pop("me"), nav.pop("version")
    return page("index.html", title=f"{SITE_TITLE}: findings and reports", page_class="landing",
                version=version, scripts=[], chrome=nav,
                start=start, headline=headline, key_figure=key_figure, mains=mains,
                analyses=analyses, sensitivity=sens, sources=listed,
                registers=register_rows(registers or {}),
                gaps=list(load.load_gaps().itertuples()), cff=citation())

