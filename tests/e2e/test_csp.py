"""The pages' Content-Security-Policy stops what might slip past the text policy (chasm.text).

A page written by ``chasm.site`` with a ``javascript:`` link (a tab inside the scheme, as a
browser strips it), an inline event handler and a stray inline script injected into its body is
opened in headless Chromium with the network off: clicking the link, loading the image and
parsing the script change nothing, while the page's own script (folding the code, allowed by
its hash) still works.
"""

from __future__ import annotations

import pytest

from chasm.site import base
from tests.e2e._chromium import offline_chromium

INJECTED = ('<a id="bad" href="java\tscript:document.title=\'pwned-link\'">x</a>'
            '<img id="img" src="missing.png" onerror="document.title=\'pwned-handler\'">'
            "<script>document.title='pwned-script'</script>")
OWN = ('<button id="toggle-code" aria-pressed="false">Show code</button>'
       '<details class="code"><summary>code</summary><pre>x = 1</pre></details>')


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from offline_chromium(tmp_path_factory.mktemp("chromium-csp"))


def _document(title: str, body: str) -> str:
    """A page as ``chasm.site`` heads its pages: the site's policy for the site's own page
    script (``base.csp``, ``base.script``), that script inlined after ``body``."""
    own = base.script("page.js")
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{base.csp([own])}">'
            f"<title>{title}</title></head><body>{body}<script>{own}</script></body></html>")


def test_the_policy_allows_only_the_pages_own_script_by_hash():
    page = _document("t", "")
    policy = page.split('Content-Security-Policy" content="')[1].split('"')[0]
    assert "unsafe-inline'; base-uri" not in policy and "script-src 'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1]


def test_injected_script_links_and_handlers_do_not_run(browser, tmp_path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "page.html"
    page.write_text(_document("safe", OWN + INJECTED), encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.title == "safe"  # neither the stray script nor the handler ran
    browser.find_element(By.ID, "toggle-code").click()  # the page's own script runs
    assert browser.execute_script("return document.querySelector('details.code').open")
    browser.find_element(By.ID, "bad").click()
    assert browser.title == "safe"
