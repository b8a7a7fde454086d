"""No code in what a reader reads on the rendered pages (issue 22, "Done when").

Reads the committed pages (``reports/*.html``: every run page, ``index.html``, ``claims.html``)
as HTML, no browser. *Reader text* is every text node a reader sees or hears: headings,
paragraphs, list items, table cells and headers, captions (table and chart titles), definition
lists, link text, buttons, the page title, and the ``alt``, ``aria-label`` and ``title``
attributes (alt text, chart titles read aloud). It is not: folded code (``<details
class="code">``: the cells' source and output), ``<script>``/``<style>`` (the ClaimReview
JSON-LD, the filter), ``<pre>`` blocks, inline SVG markup, and file paths or URLs within the
text (``reports/tables/03_waves.csv``, ``data/raw/essay_figures.csv:10``). Inline ``<code>``
in prose is reader text too: the notebook rule already keeps snake_case out of markdown
backticks unless it is a path, so a code name there is a code shown to a reader.

In reader text, none of: a ``chasm.*`` name, a snake_case code (``why_people_leave``,
``essay_waves``), a run id (``03_waves``, ``08_series--approval``). A link to a run page is
named by the page's title, never its run id, and a run's title on its page names what it
changes by labels, not by its parameters' codes written as words ("wish to emigrate", "subgroup
vars"). A control page proves the check finds each kind where it hides and passes what it
should.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from string import Template

import pytest

from chasm import paths
from chasm.site.runs import runs

PAGES = sorted(paths.REPORTS.glob("*.html"))

#: Elements whose text is never reader text here (code, data for scripts, drawing markup).
NOT_READER = {"script", "style", "pre", "svg", "template", "math"}
#: Attributes whose value a reader reads or hears.
READ_ATTRS = ("alt", "aria-label", "title")
#: Elements that hold no text and have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}

#: A file path or URL inside a sentence: left alone (a path names a file, not a thing).
PATH = re.compile(r"\S*(?:/|https?:|\.(?:csv|svg|html|ipynb|ya?ml|py|json|jsonld|md|cff|png|txt)"
                  r"\b)\S*")
CODES = [
    ("a chasm.* name", re.compile(r"\bchasm\.[A-Za-z_]")),
    ("a run id", re.compile(r"\b\d\d_[a-z]+(?:--[A-Za-z0-9.]+)?\b")),
    ("a snake_case code", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
]


class ReaderText(HTMLParser):
    """Collects (where, text) for every piece of reader text of one page, and (href, text)
    for every link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its text from the reader)
        self.texts: list[tuple[str, str]] = []
        self.links: list[list[str]] = []  # [href, text so far]
        self.open_links: list[int] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def _where(self) -> str:
        return "/".join(tag for tag, _ in self.stack[-3:]) or "(top)"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        hidden = tag in NOT_READER or (tag == "details" and "code" in classes)
        if not self._hidden() and not hidden:
            for name in READ_ATTRS:
                if a.get(name):
                    self.texts.append((f"{self._where()}/{tag}@{name}", a[name]))
        if tag in VOID:
            return
        self.stack.append((tag, hidden))
        if tag == "a" and not self._hidden():
            self.links.append([a.get("href") or "", ""])
            self.open_links.append(len(self.links) - 1)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                closed = [t for t, _ in self.stack[i:]]
                del self.stack[i:]
                for _ in range(closed.count("a")):
                    if self.open_links:
                        self.open_links.pop()
                return

    def handle_data(self, data):
        if self._hidden() or not data.strip():
            return
        self.texts.append((self._where(), data))
        for i in self.open_links:
            self.links[i][1] += data


def read(html: str) -> ReaderText:
    parser = ReaderText()
    parser.feed(html)
    parser.close()
    return parser


def codes_in(html: str, run_names: list[str]) -> list[str]:
    """Every code in the reader text of ``html``, as "where: what «code» in «text»"."""
    parser = read(html)
    found = []
    for where, text in parser.texts:
        plain = PATH.sub(" ", text)
        for what, pattern in CODES:
            for m in pattern.finditer(plain):
                found.append(f"{where}: {what} «{m.group(0)}» in «{' '.join(text.split())[:120]}»")
    for href, text in parser.links:
        target = href.split("#")[0].removesuffix(".html").rsplit("/", 1)[-1]
        if target in run_names and target in text:
            found.append(f"a link to {href} named by its run id: «{' '.join(text.split())}»")
    return found


def test_there_are_pages_to_read():
    names = {p.name for p in PAGES}
    assert {"index.html", "claims.html"} <= names
    assert any(re.match(r"\d\d_", n) for n in names)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_reader_text_has_no_code(page):
    found = codes_in(page.read_text(encoding="utf-8"), [r.name for r in runs()])
    assert found == [], f"{page.name}: code in reader text:\n" + "\n".join(found)


def _codes_of(value: object) -> list[str]:
    """The codes a parameter value holds (a list's items; text with an underscore or a digit
    run into letters, as ``wish_to_emigrate`` or ``wave1``)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(v) for v in values if re.search(r"_|[a-z]\d|\d[a-z]", str(v))]


@pytest.mark.parametrize("run", [r for r in runs() if r.changes], ids=lambda r: r.name)
def test_a_run_is_titled_by_labels_not_by_its_parameters(run):
    """A variant's title (its page's <title> and <h1>, the landing page's link) says what it
    changes in words a reader knows: no parameter name or value code, raw or as words."""
    page = (paths.REPORTS / f"{run.name}.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    shown = " ".join([title, run.label, run.change_text])
    for key, value in run.changes.items():
        for code in [key, *_codes_of(value)]:
            if not re.search(r"_|[a-z]\d|\d[a-z]", code):
                continue  # a plain word ("deff" is spelled out by the labels below)
            for written in {code, code.replace("_", " ")}:
                assert not re.search(rf"\b{re.escape(written)}\b", shown), (
                    f"{run.name}: the title shows the parameter code «{written}»: {shown!r}")


CONTROL = Template("""<!doctype html><html><head><title>Control</title>
<script type="application/ld+json">{"chasm.x": "why_people_leave"}</script></head><body>
<h2>Ages: $h2</h2>
<p>See <a href="03_waves.html">$link</a> and reports/tables/03_waves.csv or
<a href="tables/03_waves.csv">the table</a>, data/raw/essay_figures.csv:10, https://example.org/a_b.</p>
<table><caption>$caption</caption><tr><th>who</th><td>$td</td></tr></table>
<figure><img src="x.svg" alt="$alt"><figcaption>fine</figcaption></figure>
<dl><dt>Rule</dt><dd><code>$code</code></dd></dl>
<details class="code"><summary>Code</summary>
<pre class="src"><code>chasm.report.show(why_people_leave)</code></pre>
<p>essay_waves 03_waves</p></details>
<pre class="out">wrote reports/tables/08_series--approval.csv putin_approval</pre>
</body></html>""")
CLEAN = dict(h2="18-24", link="03 · Waves", caption="Table 1. Changes", td="approve",
             alt="Chart: the fall", code="figure")


def test_the_check_passes_a_clean_page():
    assert codes_in(CONTROL.substitute(CLEAN), ["03_waves"]) == []


@pytest.mark.parametrize("slot, code, what", [
    ("h2", "essay_waves", "a snake_case code"),
    ("link", "03_waves", "named by its run id"),
    ("caption", "08_series--approval", "a run id"),
    ("td", "why_people_leave", "a snake_case code"),
    ("alt", "chasm.plots.chart", "a chasm.* name"),
    ("code", "not_testable", "a snake_case code"),
])
def test_the_check_finds_code_where_a_reader_reads(slot, code, what):
    found = codes_in(CONTROL.substitute({**CLEAN, slot: code}), ["03_waves", "08_series--approval"])
    assert any(what in f and code in f for f in found), found


def test_the_title_check_reads_codes_as_words():
    assert _codes_of(["wish_to_emigrate", "age"]) == ["wish_to_emigrate"]
    assert _codes_of("wave1") == ["wave1"] and _codes_of(2.5) == [] and _codes_of("2022-02") == []


def test_every_rule_of_the_register_has_a_label_a_reader_reads():
    """claims.html names each claim's rule by its label: every rule has one, in words."""
    from chasm.register.model import RULE_LABELS
    from chasm.register.rules import RULES

    assert set(RULE_LABELS) == set(RULES)
    coded = {rule: label for rule, label in RULE_LABELS.items()
             if any(p.search(label) for _, p in CODES)}
    assert coded == {}, f"rule labels that show code: {coded}"


def test_the_plans_history_is_shown_with_family_labels_not_rewritten():
    """07 (and 06) quote the plan's history, which records a family by its code: the page shows
    the family's label, the record keeps its code."""
    from chasm.analysis import plan
    from chasm.tables import _plan, with_family_labels

    families = {k: v["label"] for k, v in _plan()["families"].items()}
    note = plan.post_hoc_note(plan.load_plan(), ("families",))
    quoted = [code for code in families if re.search(rf"\b{code}\b", note)]
    assert quoted, "the history no longer quotes a family code: this test has nothing to check"
    shown = with_family_labels(note)
    assert all(families[c] in shown and not re.search(rf"\b{c}\b", shown) for c in quoted)
    assert with_family_labels("no code here") == "no code here"


#: How a page would hide an outlet the data name (issue 23): every source in sources.csv has a
#: publisher, so a reader is told which one.
UNNAMED_SOURCE = re.compile(r"\b(?:a|the) secondary (?:summary|source)\b", re.I)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_sources_are_named_by_their_outlet(page):
    texts = read(page.read_text(encoding="utf-8")).texts
    found = [" ".join(text.split())[:160] for _, text in texts if UNNAMED_SOURCE.search(text)]
    assert found == [], f"{page.name}: a source not named by its outlet:\n" + "\n".join(found)


def test_the_outlet_check_finds_an_unnamed_source():
    page = "<html><body><p>The essay's 37% vs a secondary summary's “a third”.</p></body></html>"
    assert [t for _, t in read(page).texts if UNNAMED_SOURCE.search(t)]
