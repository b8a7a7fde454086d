"""The rendered reports open offline in a real browser: nothing fails, every figure shows.

One headless Chromium session (Debian's ``chromium`` + ``chromedriver``) with the network
switched off opens every ``reports/*.html`` (``index.html`` included) from ``file://`` URLs and
checks, per page: no failed request (CDP ``Network.loadingFailed`` in the performance log), no
console error (browser log SEVERE), every ``<svg>`` and ``<img>`` drawn with a non-zero size and
every image decoded, and every local link pointing at an existing file. A control page with a
remote image, a missing image and an empty SVG proves the checks catch what they look for.
A static test needs no browser: no report loads a script or stylesheet from the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from chasm import paths

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--disable-extensions", "--window-size=1280,900")
PAGES = sorted(paths.REPORTS.glob("*.html"))

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


# --------------------------------------------------------------------------------------------
# In the browser
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("chromium/chromedriver not installed "
                    "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    previous = os.environ.get("SE_OFFLINE")
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager download anything
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    finally:
        if previous is None:
            os.environ.pop("SE_OFFLINE", None)
        else:
            os.environ["SE_OFFLINE"] = previous
    try:
        driver.set_page_load_timeout(30)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        yield driver
    finally:
        driver.quit()


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
    remote = [u for u in seen["requests"] if not u.startswith(("file:", "data:", "blob:"))]
    assert remote == [], f"{page.name} requested {remote}"
    assert not_rendered(seen["figures"]) == [], f"{page.name}: figures not drawn"
    assert missing_local_links(seen["links"]) == [], f"{page.name}: links to missing files"


def test_every_index_link_resolves_to_a_file(browser):
    seen = visit(browser, (paths.REPORTS / "index.html").as_uri())
    links = [urlparse(link) for link in seen["links"]]
    assert links, "index.html links to nothing"
    assert {link.scheme for link in links} == {"file"}, "index.html links off the project"
    targets = {Path(unquote(link.path)) for link in links}
    for target in sorted(targets):
        assert target.is_file(), f"index.html links to missing {target}"
        assert target.resolve().is_relative_to(paths.REPORTS.resolve())
    runs = {p.stem for p in paths.REPORTS.glob("*.ipynb")}
    for run in runs:  # every report is reachable from the index
        assert paths.REPORTS / f"{run}.reader.html" in targets
        assert paths.REPORTS / f"{run}.html" in targets


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
