"""The rendered pages open offline in a real browser, read well at 1280 and 400 px, and link up.

One headless Chromium session (Debian's ``chromium`` + ``chromedriver``) with the network
switched off opens every ``reports/*.html`` (``index.html``, ``claims.html`` and one page per
run) from ``file://`` URLs and checks, per page: no failed request (CDP
``Network.loadingFailed`` in the performance log), no console error (browser log SEVERE), every
``<svg>`` and ``<img>`` drawn with a non-zero size and every image decoded, and every local
link pointing at an existing file. At 1280 and at 400 CSS pixels (a phone, with the viewport
tag honoured): the page does not scroll sideways (wide tables scroll inside their own box),
every image has alt text and not nbconvert's default, Russian text is marked ``lang="ru"``,
every page has a real title and a link home, and the landing page shows its findings above the
fold at 1280 px. A screenshot of each page's first screen at both widths is written to
``.screenshots/<width>/`` (not committed) for a reviewer to look at; ``make screenshots``
(``CHASM_SCREENSHOTS=full``) writes whole pages instead. From the landing page
every finding's evidence and its sources' addresses are two clicks away, and so is a source's
address from every block of the landing page that carries numbers (findings, registers,
findings from the runs, the key chart, whose source line links each outlet). Pages are measured
once their images have decoded. A static check reads the quantities issue 22 found with
different ranges on different pages: each range is labelled by its kind wherever it appears,
and so is every claim's range (by the register's ``range_kind``) on every page; two groups are
compared side by side ("47.0% vs 19.0%"), never with a change's arrow; the built
``claims.html`` embeds ClaimReview JSON-LD (the objects of ``claims.jsonld``) that validates,
one per claim. Every run page opens with its findings box in the first screen at both widths;
no chart text is under 11 px at 400 px (measured from each SVG's own font sizes and its drawn
width); a table wider than its box at 1280 px still shows a number column; axe-core (vendored
from npm in ``tests/e2e/fixtures/axe-core``, injected with the network off) finds no serious or
critical violation at either width. Every link of every page is clicked: same-page links must
land on an element, links to other files must reach an existing file and fragment; a control
page proves the pages' Content-Security-Policy stops a ``javascript:`` link and an inline
handler from running. A control page with a remote image, a missing image and an empty SVG
proves the checks catch what they look for. A static test needs no browser: no page loads a
script or stylesheet from the network.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html as html_lib
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from chasm import paths
from chasm.site import base, render
from tests.e2e._chromium import offline_chromium

PAGES = sorted(paths.REPORTS.glob("*.html"))
WIDTHS = (1280, 400)
HEIGHT = 900
SHOTS = paths.ROOT / ".screenshots"
#: What nbconvert writes when a figure has no description.
DEFAULT_ALT = "No description has been provided for this image"

#: Every outermost <svg> and every <img>: its drawn size, and for images whether they decoded.
FIGURES_JS = """
const out = [];
for (const el of document.querySelectorAll('svg, img')) {
  if (el.tagName.toLowerCase() === 'svg' && el.parentElement && el.parentElement.closest('svg'))
    continue;
  const r = el.getBoundingClientRect();
  out.push({tag: el.tagName.toLowerCase(), width: r.width, height: r.height,
            complete: el.tagName.toLowerCase() === 'img' ? el.complete : true,
            natural: el.tagName.toLowerCase() === 'img' ? el.naturalWidth : 1,
            what: (el.getAttribute('src') || el.id || el.outerHTML).slice(0, 80)});
}
return out;
"""
LINKS_JS = "return [...document.querySelectorAll('a[href]')].map(a => a.href);"


# --------------------------------------------------------------------------------------------
# Static: nothing is fetched from the network (no browser needed).
# --------------------------------------------------------------------------------------------
REMOTE = [
    ("script src", re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:)?//",
                              re.IGNORECASE)),
    ("link href", re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:)?//",
                             re.IGNORECASE)),
    ("css url()", re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)),
    ("css @import", re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)),
]


def test_there_are_reports_to_check():
    assert paths.REPORTS / "index.html" in PAGES
    assert len(PAGES) >= 3


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_remote_script_or_stylesheet(page):
    html = page.read_text(encoding="utf-8")
    for what, pattern in REMOTE:
        found = pattern.search(html)
        assert found is None, f"{page.name} loads a {what} from the network: {found.group(0)!r}"


def _reader_text(page: Path) -> str:
    """What a reader reads on a page: its text without folded code, tags or scripts."""
    text = re.sub(r'<details class="code".*?</details>|<script\b.*?</script>', " ",
                  page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", text)))


def _ranges_written(low: float, high: float) -> re.Pattern:
    """A range as the pages write it ("18.2 to 35.8", "18.2–35.8", "[18.2–35.8]")."""
    from chasm import formats

    lo, hi = (re.escape(formats.fmt(v)) for v in (low, high))
    return re.compile(rf"{lo}(?: to |–){hi}")


def test_one_range_per_quantity_across_pages():
    """The quantities issue 22 found with different ranges on different pages read the same
    range of the same kind everywhere, each labelled by kind: the disapprovers' share of the
    'traitors' answers (its rounding range and its CI, from the register), and the gap between
    approvers and disapprovers (the register's CI with rounding as noise; 05's from sampling
    error alone, from 05's table, labelled as such wherever it appears)."""
    claims = {r["claim_id"]: r for r in csv.DictReader(
        (paths.REPORTS / "tables" / "claims.csv").open(encoding="utf-8"))}
    gap = claims["C18"]
    ids = gap["figure_ids"].split()
    own = next(r for r in csv.DictReader(
        (paths.REPORTS / "tables" / "05_subgroups.csv").open(encoding="utf-8"))
        if set(r["figure_ids"].split(";")) < set(ids) and r["check"].endswith("(point)"))
    kinds = [  # (range, what must stand just before or after it, what must not)
        (_ranges_written(float(gap["bayes_range_low"]), float(gap["bayes_range_high"])),
         "rounding", None),
        (_ranges_written(float(gap["bayes_low"]), float(gap["bayes_high"])), "CI", None),
        (_ranges_written(float(gap["low"]), float(gap["high"])), "CI", "sampling error alone"),
        (_ranges_written(float(own["low"]), float(own["high"])), "sampling error alone", None)]
    seen = {k: 0 for k in range(len(kinds))}
    for page in PAGES:
        text = _reader_text(page)
        for k, (pattern, label, wrong) in enumerate(kinds):
            for m in pattern.finditer(text):
                seen[k] += 1
                before, after = text[max(0, m.start() - 70):m.start()], text[m.end():m.end() + 90]
                assert label in before + after, (
                    f"{page.name}: “{m.group(0)}” is not labelled as {label}: …{before}|{after}…")
                if wrong:
                    assert wrong not in before, f"{page.name}: “{m.group(0)}” labelled {wrong}"
    assert all(seen.values()), f"a range was found on no page: {seen}"


#: The word a range of each kind (the register's ``range_kind``) is labelled with on a page.
KIND_WORDS = {"95% CI": ("CI", "interval"), "rounding range": ("rounding",),
              "identification range": ("identification", "bounds", "between")}


def test_every_claims_range_is_labelled_by_its_kind_on_every_page():
    """Each claim's range (``low``/``high``, of the register's ``range_kind``; a group's share
    of an answer, ``bayes_low``/``bayes_high`` a CI and ``bayes_range_low``/``_high`` a
    rounding range) is labelled by its kind wherever a page writes it: in the sentence just
    before it (a list of ranges may label its first) or just after."""
    claims = list(csv.DictReader(
        (paths.REPORTS / "tables" / "claims.csv").open(encoding="utf-8")))
    texts = {page.name: _reader_text(page) for page in PAGES}
    seen, unlabelled = 0, []
    for row in claims:
        for low, high, kind in (("low", "high", row.get("range_kind") or "95% CI"),
                                ("bayes_low", "bayes_high", "95% CI"),
                                ("bayes_range_low", "bayes_range_high", "rounding range")):
            if not row.get(low) or not row.get(high):
                continue
            pattern = _ranges_written(float(row[low]), float(row[high]))
            for name, text in texts.items():
                for m in pattern.finditer(text):
                    seen += 1
                    before = text[max(0, m.start() - 130):m.start()].split(". ")[-1]
                    near = before + text[m.end():m.end() + 40]
                    if not any(word in near for word in KIND_WORDS[kind]):
                        unlabelled.append(f"{name}: {row['claim_id']}'s {kind} "
                                          f"“{m.group(0)}” unlabelled: …{before}|{m.group(0)}…")
    assert seen, "no claim's range was found on any page: the check reads nothing"
    assert unlabelled == [], "\n".join(unlabelled)


def test_two_groups_are_compared_side_by_side_not_as_a_change():
    """A claim comparing two groups (the register's shares of each, ``share_1``/``share_2``)
    reads "47.0% vs 19.0%" on the landing and claims pages, never "19.0% → 47.0%", the arrow
    of a change between waves."""
    from chasm import formats

    rows = [r for r in csv.DictReader(
        (paths.REPORTS / "tables" / "claims.csv").open(encoding="utf-8"))
        if r.get("share_1") and r.get("share_2")]
    groups = [r for r in rows if "group" in r["measure"] or "rest" in r["measure"]]
    assert groups and len(groups) < len(rows), "no group comparison (or no wave change) to read"
    text = " ".join(_reader_text(paths.REPORTS / n) for n in ("index.html", "claims.html"))
    for row in groups:
        one, two = (formats.fmt(float(row[k])) for k in ("share_1", "share_2"))
        assert f"{one}% → {two}%" not in text, f"{row['claim_id']} shown as a change"
        assert f"{two}% vs {one}%" in text, f"{row['claim_id']}'s two groups are not shown"


def test_the_built_claims_page_carries_claimreview_json_ld_that_validates():
    """``claims.html`` as built embeds one schema.org ClaimReview per claim of the register
    (the same objects as ``claims.jsonld``), each valid against the ClaimReview fields the
    issue names, its verdict a word of the vocabulary and its url a card of the page."""
    import jsonschema

    from chasm.register.claims import VOCABULARY

    page = (paths.REPORTS / "claims.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1, "claims.html should embed exactly one JSON-LD block"
    embedded = json.loads(blocks[0])
    assert embedded == json.loads((paths.REPORTS / "claims.jsonld").read_text(encoding="utf-8"))
    claims = list(csv.DictReader((paths.REPORTS / "tables" / "claims.csv").open(
        encoding="utf-8")))
    text = {"type": "string", "minLength": 1}
    named = {"type": "object", "required": ["@type", "name"], "properties": {"name": text}}
    schema = {"type": "array", "minItems": len(claims), "maxItems": len(claims), "items": {
        "type": "object",
        "required": ["@context", "@type", "url", "claimReviewed", "itemReviewed",
                     "reviewRating", "author", "datePublished"],
        "properties": {
            "@context": {"const": "https://schema.org"}, "@type": {"const": "ClaimReview"},
            "url": {"type": "string", "pattern": r"^claims\.html#C\d+$"},
            "claimReviewed": text,
            "datePublished": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "author": {"type": "array", "minItems": 1, "items": named},
            "itemReviewed": {"type": "object", "required": ["@type", "appearance", "author"],
                             "properties": {"@type": {"const": "Claim"}, "author": named,
                                            "appearance": {
                                                "type": "object",
                                                "required": ["@type", "headline",
                                                             "datePublished"],
                                                "properties": {"headline": text}}}},
            "reviewRating": {"type": "object", "required": ["@type", "alternateName"],
                             "properties": {"@type": {"const": "Rating"}, "alternateName": {
                                 "enum": [v for v, _ in VOCABULARY]}}}}}}
    jsonschema.validate(embedded, schema)
    assert [o["claimReviewed"] for o in embedded] == [r["paraphrase"] for r in claims]
    assert [o["reviewRating"]["alternateName"] for o in embedded] == [
        r["verdict"] for r in claims]
    for o in embedded:
        assert f'id="{o["url"].split("#")[1]}"' in page, f"{o['url']}: no such card"


# --------------------------------------------------------------------------------------------
# In the browser
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from offline_chromium(tmp_path_factory.mktemp("chromium-profile"), logs=True)


def visit(driver, url: str) -> dict:
    """Load ``url`` and collect failed requests, console errors, figures and links."""
    driver.get_log("performance")  # drain what earlier pages left
    driver.get_log("browser")
    driver.get(url)
    driver.execute_script("return document.readyState")  # load event has fired: get() waits
    requests, failed = {}, []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            requests[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            failed.append((requests.get(params["requestId"], "?"), params.get("errorText"),
                           params.get("blockedReason")))
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return {"failed": failed, "errors": errors, "requests": list(requests.values()),
            "figures": driver.execute_script(FIGURES_JS), "links": driver.execute_script(LINKS_JS)}


def not_rendered(figures: list[dict]) -> list[dict]:
    return [f for f in figures if not (f["width"] > 0 and f["height"] > 0 and f["complete"]
                                       and f["natural"] > 0)]


def missing_local_links(links: list[str]) -> list[str]:
    missing = []
    for link in links:
        url = urlparse(link)
        if url.scheme == "file" and not Path(unquote(url.path)).exists():
            missing.append(link)
    return missing


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_report_opens_offline(browser, page):
    seen = visit(browser, page.as_uri())
    assert page.as_uri() in seen["requests"], "the network log did not see the page load"
    assert seen["failed"] == [], f"{page.name}: failed requests {seen['failed']}"
    assert seen["errors"] == [], f"{page.name}: console errors {seen['errors']}"
    # chrome:// requests are the browser's own new-tab page racing the first load, never network
    remote = [u for u in seen["requests"]
              if not u.startswith(("file:", "data:", "blob:", "chrome:", "chrome-untrusted:"))]
    assert remote == [], f"{page.name} requested {remote}"
    assert not_rendered(seen["figures"]) == [], f"{page.name}: figures not drawn"
    assert missing_local_links(seen["links"]) == [], f"{page.name}: links to missing files"


def test_every_index_link_resolves_to_a_file(browser):
    """Local links open files in reports/; the only links off the project are the sources'
    published addresses (``data/raw/sources.csv``)."""
    seen = visit(browser, (paths.REPORTS / "index.html").as_uri())
    links = [urlparse(link) for link in seen["links"]]
    assert links, "index.html links to nothing"
    with (paths.DATA / "raw" / "sources.csv").open(encoding="utf-8") as handle:
        addresses = {row["url"] for row in csv.DictReader(handle) if row["url"]}
    remote = {link.geturl() for link in links if link.scheme != "file"}
    assert remote <= addresses, f"index.html links off the project: {remote - addresses}"
    targets = {Path(unquote(link.path)) for link in links if link.scheme == "file"}
    for target in sorted(targets):
        assert target.is_file(), f"index.html links to missing {target}"
        assert target.resolve().is_relative_to(paths.REPORTS.resolve())
    runs = {p.stem for p in paths.REPORTS.glob("*.ipynb")}
    for run in runs:  # every report is reachable from the index, as one page per run
        assert paths.REPORTS / f"{run}.html" in targets
        assert not (paths.REPORTS / f"{run}.reader.html").exists()
    assert paths.REPORTS / "claims.html" in targets


# --------------------------------------------------------------------------------------------
# Reading at 1280 and 400 px
# --------------------------------------------------------------------------------------------
#: What a reader meets: sideways scrolling (and what causes it), images, title, home link.
LAYOUT_JS = """
const doc = document.documentElement;
const wide = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.right > doc.clientWidth + 1 && !el.closest('.table-box, pre'))
    wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' '
              + Math.round(r.right));
}
const findings = document.getElementById('findings');
const charts = [...document.querySelectorAll('figure.chart img')].map(i => ({
  src: i.currentSrc, width: i.getBoundingClientRect().width}));
const hidden = [];
for (const box of document.querySelectorAll('.table-box')) {
  const nums = [...box.querySelectorAll('td.num')];
  if (!nums.length || box.scrollWidth <= box.clientWidth + 1) continue;
  const right = box.getBoundingClientRect().right;
  if (!nums.some(td => td.getBoundingClientRect().left < right - 20))
    hidden.push((box.querySelector('caption') || box).textContent.slice(0, 60));
}
return {scroll: doc.scrollWidth, client: doc.clientWidth, inner: window.innerWidth,
        wide: wide.slice(0, 5), title: document.title,
        home: [...document.querySelectorAll('a[href]')].some(
          a => a.getAttribute('href') === 'index.html' || a.getAttribute('href') === '#top'),
        images: [...document.querySelectorAll('img')].map(i => i.getAttribute('alt')),
        bare_svgs: [...document.querySelectorAll('svg')].filter(
          s => !s.closest('[role=img][aria-label]') && !s.parentElement.closest('svg')).length,
        findings_top: findings ? findings.getBoundingClientRect().top : null,
        charts: charts, hidden_numbers: hidden,
        unmarked_russian: (() => {
          const out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const letters = n.data.match(/\\p{L}/gu) || [];
            const cyrillic = letters.filter(c => /[\u0400-\u04FF]/.test(c)).length;
            const lang = n.parentElement.closest('[lang]');
            if (cyrillic > 2 && cyrillic * 2 > letters.length && !(lang && lang.lang === 'ru'))
              out.push(n.data.trim().slice(0, 50));
          }
          return out; })(),
        scrolling_charts: [...document.querySelectorAll('.chart-box')].filter(
          b => b.scrollWidth > b.clientWidth + 1).map(
          b => (b.querySelector('img') || b).getAttribute('src')),
        scrolling_tables: [...document.querySelectorAll('.table-box')].filter(
          b => b.scrollWidth > b.clientWidth + 1).map(
          b => (b.querySelector('caption') || b).textContent.slice(0, 60))};
"""


def at_width(driver, width: int) -> None:
    """Emulate a screen ``width`` CSS pixels wide (a phone below 600: viewport tag honoured)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": width < 600})


#: Resolves once every image of the page has decoded (or failed) and two frames were laid out:
#: a page is measured as a reader sees it, not while a chart is still loading (on a loaded
#: machine the phone SVG a <picture> picks can arrive after the load event's layout).
SETTLE_JS = """
const done = arguments[arguments.length - 1];
const images = [...document.images].map(i => i.decode().catch(() => null));
Promise.all([document.fonts ? document.fonts.ready : null, ...images]).then(
  () => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
"""


def settled(driver) -> None:
    """Wait until the page is laid out with every image decoded (:data:`SETTLE_JS`)."""
    driver.execute_async_script(SETTLE_JS)


#: Whole-page screenshots (``make screenshots``): about 2 s each of Chromium's rasterising a page
#: up to 15,000 px tall, 42 s of the 130 s this module took for 40 of them (2026-12-05); the
#: first screen, what a reader meets first, takes under 0.1 s and is the default.
FULL_SHOTS = os.environ.get("CHASM_SCREENSHOTS") == "full"


def screenshot(driver, path: Path) -> None:
    """The page as a PNG: its first screen, or (:data:`FULL_SHOTS`) the whole page up to
    12,000 px tall (``optimizeForSpeed``: Chromium's faster PNG encoder, a larger file of the
    same pixels)."""
    params = {"format": "png", "optimizeForSpeed": True}
    if FULL_SHOTS:
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        params.update(captureBeyondViewport=True, clip={
            "x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000),
            "scale": 1})
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", params)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture(scope="module")
def at_widths(browser):
    """Every page loaded once at each width: what LAYOUT_JS saw and axe-core's violations
    (:func:`axe_in_every_document`: nothing is fetched); screenshots as a side effect. One
    load serves the layout, the screenshot and the accessibility checks."""
    browser.set_script_timeout(60)
    seen = {}
    try:
        with axe_in_every_document(browser):
            for width in WIDTHS:
                at_width(browser, width)
                for page in PAGES:
                    browser.get(page.as_uri())
                    settled(browser)
                    layout = browser.execute_script(LAYOUT_JS)
                    screenshot(browser, SHOTS / str(width) / f"{page.stem}.png")
                    seen[(page.name, width)] = {"layout": layout,
                                                "axe": browser.execute_async_script(AXE_RUN_JS)}
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return seen


@pytest.fixture(scope="module")
def layouts(at_widths):
    return {key: value["layout"] for key, value in at_widths.items()}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_reads_at_width(layouts, page, width):
    seen = layouts[(page.name, width)]
    assert seen["inner"] == width, seen
    assert seen["scroll"] <= seen["client"], (
        f"{page.name} scrolls sideways at {width} px: {seen['scroll']} > {seen['client']}; "
        f"too wide: {seen['wide']}")
    assert seen["title"].strip() and seen["title"] != "Notebook", seen["title"]
    assert seen["home"], f"{page.name} has no link home"
    assert all(alt and alt.strip() and DEFAULT_ALT not in alt for alt in seen["images"]), (
        f"{page.name}: images without real alt text: {seen['images']}")
    assert seen["bare_svgs"] == 0, f"{page.name}: inline SVG without a text alternative"
    assert seen["unmarked_russian"] == [], (
        f"{page.name}: Russian text without lang=\"ru\": {seen['unmarked_russian'][:3]}")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_run_pages_open_with_their_findings_and_legible_charts(layouts, page, width):
    seen = layouts[(page.name, width)]
    if page.name not in ("index.html", "claims.html"):
        assert seen["findings_top"] is not None, f"{page.name} has no findings box"
        assert seen["findings_top"] < HEIGHT, (
            f"{page.name} at {width} px: the findings start at {seen['findings_top']} px")
    for chart in seen["charts"]:  # the SVG the browser chose (a phone layout below 600 px)
        drawn = Path(unquote(urlparse(chart["src"]).path))
        sizes = render.chart_text_sizes(drawn.read_text(encoding="utf-8"))
        assert sizes is not None, f"{chart['src']}: its text is not text"
        shown = sizes[1] * chart["width"] / sizes[0]
        assert shown >= render.MIN_CHART_TEXT_PX - 0.05, (
            f"{page.name} at {width} px: {drawn.name} text drawn at {shown:.1f} px")
    if width < 600:  # a phone: charts in their phone layout, table rows stacked: no scrolling
        assert seen["scrolling_charts"] == [], (
            f"{page.name} at {width} px: charts scrolling in their box: {seen['scrolling_charts']}")
        assert seen["scrolling_tables"] == [], (
            f"{page.name} at {width} px: tables still scrolling: {seen['scrolling_tables']}")
    if width >= 1280:
        assert seen["hidden_numbers"] == [], (
            f"{page.name}: tables whose numbers are all out of view: {seen['hidden_numbers']}")


def test_findings_are_above_the_fold_on_the_landing_page(layouts):
    top = layouts[("index.html", 1280)]["findings_top"]
    assert top is not None, "index.html has no #findings section"
    assert top < HEIGHT * 0.6, f"the findings start at {top} px, below the fold"


def test_screenshots_are_written_for_a_reviewer(layouts):
    for width in WIDTHS:
        for page in PAGES:
            shot = SHOTS / str(width) / f"{page.stem}.png"
            assert shot.stat().st_size > 1000, shot


def test_a_findings_evidence_and_its_sources_are_two_clicks_from_the_landing_page(browser):
    """Click 1: a finding's evidence link on index.html opens its card in claims.html;
    click 2: a source link in that card opens the source (its address, or its entry)."""
    at_width(browser, 1280)
    browser.get((paths.REPORTS / "index.html").as_uri())
    evidence = browser.execute_script(
        "return [...document.querySelectorAll('#findings a[href]')].map(a => a.href);")
    assert evidence, "the landing page links no finding to its evidence"
    for link in evidence:
        url = urlparse(link)
        assert Path(unquote(url.path)).name == "claims.html" and url.fragment, link
        browser.get(link)
        card = browser.execute_script(
            "const c = document.getElementById(arguments[0]); if (!c) return null;"
            "return [...c.querySelectorAll('a[href]')].map(a => a.href);", url.fragment)
        assert card is not None, f"claims.html has no card {url.fragment}"
        sources = [s for s in card if s.startswith("http") or "#src-" in s]
        assert sources, f"card {url.fragment} links no source"
        for source in sources:
            if "#src-" in source:
                entry = urlparse(source)
                browser.get(source)
                assert browser.execute_script(
                    "return !!document.getElementById(arguments[0]);", entry.fragment), source


#: The landing page's blocks that carry numbers: each headline finding, each register's row,
#: each finding that travelled from a run, the key chart.
NUMBER_BLOCKS_JS = """
const blocks = '#findings li, #registers li, ul.travel li, #key-chart figure';
return [...document.querySelectorAll(blocks)].map(b => ({what: b.textContent.trim().slice(0, 70),
              links: [...b.querySelectorAll('a[href]')].map(a => a.href)}));
"""
#: The links inside one element (by id; the whole main part of the page without one).
LINKS_IN_JS = """
const box = arguments[0] ? document.getElementById(arguments[0]) : document.querySelector('main');
return box ? [...box.querySelectorAll('a[href]')].map(a => a.href) : null;
"""


def _source_address(browser, links: list[str], addresses: set[str]) -> list[str]:
    """The links among ``links`` that reach a source's address: its published URL, or its
    entry in the landing page's sources (which says that none is recorded)."""
    found = [link for link in links if link in addresses]
    for link in links:
        url = urlparse(link)
        if url.scheme == "file" and Path(unquote(url.path)).name == "index.html" \
                and url.fragment.startswith("src-"):
            browser.get(link)
            assert browser.execute_script(
                "return !!document.getElementById(arguments[0]);", url.fragment), link
            found.append(link)
    return found


def test_every_number_on_the_landing_page_is_two_clicks_from_its_sources_address(browser):
    """Each block of the landing page that carries numbers (headline findings, registers,
    findings that travelled from a run, the key chart) links a source's address directly, or
    a page part (a claim's card, a register) that does: at most two clicks."""
    with (paths.DATA / "raw" / "sources.csv").open(encoding="utf-8") as handle:
        addresses = {row["url"] for row in csv.DictReader(handle) if row["url"]}
    at_width(browser, 1280)
    browser.get((paths.REPORTS / "index.html").as_uri())
    blocks = browser.execute_script(NUMBER_BLOCKS_JS)
    assert blocks, "the landing page has no block with numbers"
    for block in blocks:
        if _source_address(browser, block["links"], addresses):
            continue  # one click
        second = []
        for link in block["links"]:
            url = urlparse(link)
            if url.scheme != "file" or not link.split("#")[0].endswith(".html"):
                continue
            browser.get(link)
            second += browser.execute_script(LINKS_IN_JS, unquote(url.fragment)) or []
        assert _source_address(browser, second, addresses), (
            f"no source's address within two clicks of “{block['what']}”")


def test_the_checks_catch_what_they_look_for(browser, tmp_path):
    """A control page: a remote image (offline), a missing file, an empty SVG, a broken link."""
    page = tmp_path / "control.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>control</title></head><body>"
        "<img id='remote' src='http://127.0.0.1:9/remote.png' width='10' height='10'>"
        "<img id='missing' src='missing.png'>"
        "<svg id='empty' width='0' height='0'></svg>"
        "<svg id='drawn' width='20' height='20'><rect width='20' height='20'/></svg>"
        "<a href='nowhere.html'>broken</a><a href='control.html'>self</a>"
        "</body></html>", encoding="utf-8")
    seen = visit(browser, page.as_uri())
    failed = {url.rsplit("/", 1)[-1]: error for url, error, _ in seen["failed"]}
    assert failed.get("remote.png") == "net::ERR_INTERNET_DISCONNECTED", seen["failed"]
    assert "missing.png" in failed, seen["failed"]
    assert seen["errors"], "a failed load must show as a console error"
    bad = {f["what"][:60] for f in not_rendered(seen["figures"])}
    assert any("remote.png" in w for w in bad) and any("missing.png" in w for w in bad), bad
    assert any("empty" in w for w in bad) and not any("drawn" in w for w in bad), bad
    assert [link.rsplit("/", 1)[-1] for link in missing_local_links(seen["links"])] == [
        "nowhere.html"]


def test_the_layout_checks_catch_what_they_look_for(browser, tmp_path):
    """A control page at 400 px: a wide block outside a table box scrolls the page, an image
    without alt and one with nbconvert's default alt are seen, no title and no home link,
    Russian text without ``lang="ru"``."""
    page = tmp_path / "wide.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'></head><body>"
        "<div class='table-box' style='overflow-x:auto'><div style='width:900px'>ok</div></div>"
        "<div id='wide' style='width:900px'>too wide</div>"
        f"<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' alt='{DEFAULT_ALT}'>"
        "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
        "<svg width='10' height='10'><rect width='10' height='10'/></svg>"
        "<p>Эмиграционные настроения</p><p lang='ru'>апрель 2025</p>"
        "</body></html>", encoding="utf-8")
    at_width(browser, 400)
    try:
        browser.get(page.as_uri())
        seen = browser.execute_script(LAYOUT_JS)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert seen["scroll"] > seen["client"], seen  # (a phone zooms out: innerWidth grows)
    assert any(w.startswith("div ") for w in seen["wide"]), seen["wide"]
    assert seen["images"] == [DEFAULT_ALT, None]
    assert seen["title"] == "" and not seen["home"] and seen["bare_svgs"] == 1
    assert seen["unmarked_russian"] == ["Эмиграционные настроения"]


# --------------------------------------------------------------------------------------------
# Accessibility (axe-core, offline) and every link clicked
# --------------------------------------------------------------------------------------------
AXE = Path(__file__).parent / "fixtures" / "axe-core" / "axe.min.js"
#: Impacts that fail the test (axe-core's scale: minor, moderate, serious, critical).
BLOCKING = ("serious", "critical")
AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                     where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))),
  e => done([{id: 'axe-error', impact: 'critical', nodes: 0, where: [String(e)]}]));
"""


@contextlib.contextmanager
def axe_in_every_document(driver):
    """While inside: axe-core (the vendored file) is evaluated in every document the browser
    opens, before the page's own scripts, by DevTools (``addScriptToEvaluateOnNewDocument``;
    the page's Content-Security-Policy does not apply to it). Sent to the browser once rather
    than 500 kB over WebDriver for each page load."""
    added = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                   {"source": AXE.read_text(encoding="utf-8")})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                               {"identifier": added["identifier"]})


@pytest.fixture(scope="module")
def axe_results(at_widths):
    """axe-core's violations for every page at both widths (:func:`at_widths`)."""
    return {key: value["axe"] for key, value in at_widths.items()}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_accessibility_violation(axe_results, page, width):
    bad = [v for v in axe_results[(page.name, width)] if v["impact"] in BLOCKING]
    assert bad == [], f"{page.name} at {width} px: {bad}"


def test_axe_finds_what_it_looks_for(browser, tmp_path):
    """A control page with white text on #777 (4.48:1) and an image without alt text."""
    page = tmp_path / "axe.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>axe</title></head>"
        "<body><main><p style='color:#fff;background:#777'>low contrast</p>"
        "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='></main></body></html>",
        encoding="utf-8")
    with axe_in_every_document(browser):  # as the pages get it
        browser.get(page.as_uri())
        found = {v["id"]: v["impact"] for v in browser.execute_async_script(AXE_RUN_JS)}
    assert found.get("color-contrast") == "serious" and found.get("image-alt") == "critical"


#: Click each link of the page in turn (a capture listener records where it would go and
#: stops the navigation, so one load serves every link); same-page links are followed.
CLICK_JS = """
const out = [];
const record = e => { const a = e.target.closest('a'); if (!a) return;
  const url = new URL(a.href, location.href);
  const same = url.href.split('#')[0] === location.href.split('#')[0];
  const hash = decodeURIComponent(url.hash.slice(1));
  out.push({href: a.href, protocol: url.protocol, same: same, hash: hash,
            target: same && hash ? !!document.getElementById(hash) : null});
  if (!same || !url.hash) e.preventDefault(); };
document.addEventListener('click', record, true);
for (const d of document.querySelectorAll('details')) d.open = true;
for (const a of document.querySelectorAll('a[href]')) a.click();
document.removeEventListener('click', record, true);
return out;
"""


@pytest.fixture(scope="module")
def clicked(browser):
    at_width(browser, 1280)
    seen = {}
    try:
        for page in PAGES:
            browser.get(page.as_uri())
            seen[page.name] = browser.execute_script(CLICK_JS)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return seen


def _ids(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        text = path.read_text(encoding="utf-8", errors="replace") if path.suffix == ".html" else ""
        cache[path] = set(re.findall(r'\bid="([^"]+)"', text))
    return cache[path]


def test_every_link_of_every_page_clicks_through(clicked):
    with (paths.DATA / "raw" / "sources.csv").open(encoding="utf-8") as handle:
        addresses = {row["url"] for row in csv.DictReader(handle) if row["url"]}
    cache: dict = {}
    total = 0
    for page, links in clicked.items():
        assert links, f"{page} has no link"
        for link in links:
            total += 1
            assert link["protocol"] in ("file:", "http:", "https:"), (page, link["href"])
            if link["protocol"] != "file:":
                assert link["href"] in addresses, f"{page} links off the project: {link}"
            elif link["same"]:
                assert not link["hash"] or link["target"], f"{page}: no element #{link['hash']}"
            else:
                url = urlparse(link["href"])
                target = Path(unquote(url.path))
                assert target.is_file(), f"{page} links to missing {target}"
                if url.fragment and target.suffix == ".html":
                    assert unquote(url.fragment) in _ids(target, cache) or url.fragment == "code", (
                        f"{page}: {target.name} has no #{url.fragment}")
    assert total > 100


def test_every_page_carries_the_site_policy():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
        assert policy, f"{page.name} has no Content-Security-Policy"
        script_src = re.search(r"script-src ([^;]*)", policy.group(1).replace("&#39;", "'"))
        assert "unsafe-inline" not in script_src.group(1), page.name


def test_the_policy_stops_javascript_links_and_inline_handlers(browser, tmp_path):
    """A control page with the site's policy: a ``java<TAB>script:`` link, a plain
    ``javascript:`` link and an ``onclick`` handler, each clicked, run nothing; the same
    page's hashed script does run."""
    allowed = "window.ran = (window.ran || []).concat(['hashed']);"
    policy = base.csp([allowed])
    page = tmp_path / "csp.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{policy}\"><title>csp</title>"
        "</head><body>"
        "<a id='tab' href='java\tscript:window.ran=(window.ran||[]).concat([\"tab\"])'>a</a>"
        "<a id='plain' href='javascript:window.ran=(window.ran||[]).concat([\"plain\"])'>b</a>"
        "<button id='handler' onclick='window.ran=(window.ran||[]).concat([\"handler\"])'>c"
        f"</button><script>{allowed}</script></body></html>", encoding="utf-8")
    browser.get(page.as_uri())
    for element in ("tab", "plain", "handler"):
        browser.execute_script(f"document.getElementById('{element}').click();")
    browser.execute_script("return 1;")
    assert browser.execute_script("return window.ran || [];") == ["hashed"]
