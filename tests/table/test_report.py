"""Notebook parameter checks, the builder's run lookup, HTML-safe sentences and the number
formatters (chasm.report)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from chasm import formats, paths, report
from chasm.build import driver
from chasm.data import load

META = load.load_metadata()
WAVE = sorted(META["waves"])[-1]
QUESTION = sorted(META["questions"])[0]


def test_valid_parameters_pass():
    report.check_params(wave=WAVE, deff=1.9, alpha=0.05, n=1600, question=QUESTION)
    report.check_params(wave=list(META["waves"]), deff=1, alpha=0.5, n=1)
    report.check_params()  # nothing given, nothing checked


BAD = [
    # (id, keyword arguments, the message must match)
    ("unknown_wave", {"wave": "2025-05"}, r"wave='2025-05' is not a known wave; known: .*2025-04"),
    ("unknown_wave_in_list", {"wave": [WAVE, "1999-01"]}, r"wave='1999-01' is not a known wave"),
    ("wave_not_a_string", {"wave": 202504}, r"wave=202504 is not a known wave"),
    ("deff_zero", {"deff": 0}, r"deff=0 must be a number > 0"),
    ("deff_negative", {"deff": -1.5}, r"deff=-1.5 must be a number > 0"),
    ("deff_text", {"deff": "2"}, r"deff='2' must be a number > 0"),
    ("deff_yes", {"deff": True}, r"deff=True must be a number > 0"),  # YAML `deff: yes`
    ("alpha_zero", {"alpha": 0}, r"alpha=0 must lie strictly between 0 and 1"),
    ("alpha_one", {"alpha": 1}, r"alpha=1 must lie strictly between 0 and 1"),
    ("alpha_percent", {"alpha": 5}, r"alpha=5 must lie strictly between 0 and 1"),
    ("alpha_negative", {"alpha": -0.05}, r"alpha=-0.05 must lie strictly between 0 and 1"),
    ("n_zero", {"n": 0}, r"n=0 must be a whole number > 0"),
    ("n_negative", {"n": -1600}, r"n=-1600 must be a whole number > 0"),
    ("n_fractional", {"n": 1600.5}, r"n=1600.5 must be a whole number > 0"),
    ("n_yes", {"n": True}, r"n=True must be a whole number > 0"),
    ("unknown_question", {"question": "why_people_stay"},
     r"question='why_people_stay' is not a known question; known: .*why_people_leave"),
]


@pytest.mark.parametrize(("kwargs", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_parameter_is_named(kwargs, message):
    good = {"wave": WAVE, "deff": 1.9, "alpha": 0.05, "n": 1600, "question": QUESTION}
    with pytest.raises(report.ParameterError, match=message):
        report.check_params(**{**good, **kwargs})


def test_split_run_missing_params_file():
    with pytest.raises(driver.BuildError, match=r"params file notebooks/params/"
                                               r"01_ingest--nonexistent\.yaml is missing"):
        driver.split_run("01_ingest--nonexistent")
    with pytest.raises(driver.BuildError, match=r"params file .*99_nothing\.yaml is missing"):
        driver.split_run("99_nothing")


def test_split_run_missing_notebook(tmp_path, monkeypatch):
    (tmp_path / "99_orphan.yaml").write_text("{}\n")
    monkeypatch.setattr(paths, "PARAMS", tmp_path)
    with pytest.raises(driver.BuildError, match=r"notebook notebooks/99_orphan\.ipynb "
                                               r"\(named by run '99_orphan'\) is missing"):
        driver.split_run("99_orphan")


@pytest.mark.parametrize(("value", "shown"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
    ("Tom & Jerry's", "Tom &amp; Jerry&#x27;s"),
    ("37%", "37%"),
    (37.5, "37.5"),
])
def test_say_escapes_html_in_values(value, shown):
    out = report.say("The share is {p}.", p=value)
    assert out.data == f"The share is {shown}."
    assert "<script" not in out.data and "<img" not in out.data


def test_say_keeps_the_template_markdown():
    out = report.say("**{wave}:** {text}", wave="2025-04", text="<b>a third</b>")
    assert out.data == "**2025-04:** &lt;b&gt;a third&lt;/b&gt;"


# ---------------------------------------------------------------- number formatters
# Expected strings are written out by hand from each formatter's documented style.
NAN = float("nan")


@pytest.mark.parametrize(("args", "shown"), [
    ((37.0,), "37.0"), ((1.8967, 2), "1.90"), ((1600.0, 0), "1600"), ((95.0, 0, "%"), "95%"),
    ((None,), "–"), ((NAN,), "–"), ((np.nan, 2, "%"), "–"), ((pd.NA,), "–"),
    ((-6.04,), "−6.0"),  # a true minus sign, as in the tables
    ((-0.0,), "−0.0"), ((-0.04,), "−0.0"),  # a negative that rounds to zero keeps its sign
    ((0.25,), "0.2"), ((0.35,), "0.3"), ((2.675, 2), "2.67"),  # the binary value decides
    ((0.05, 1), "0.1"),
])
def test_fmt(args, shown):
    assert formats.fmt(*args) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (-6.0, "−6.0"), (4, "+4.0"), (0.0, "0.0"), (-0.0, "0.0"), (-0.04, "0.0"), (0.04, "0.0"),
    (-0.05, "−0.1"), (0.06, "+0.1"), (NAN, "–"), (None, "–"),
])
def test_fmt_signed(value, shown):
    assert formats.fmt_signed(value) == shown


def test_fmt_signed_digits():
    assert formats.fmt_signed(-0.004, 2) == "0.00"
    assert formats.fmt_signed(1.234, 2) == "+1.23"


@pytest.mark.parametrize(("value", "relation", "shown"), [
    (0.01197, False, "0.012"), (0.01197, True, "= 0.012"),
    (0.0002, False, "< 0.001"), (0.0002, True, "< 0.001"), (1e-300, True, "< 0.001"),
    (0.0, False, "< 0.001"), (0.000999, False, "< 0.001"), (0.001, False, "0.001"),
    (0.0015, False, "0.002"),  # 0.0015 is stored just above 0.0015
    (0.9996, False, "1.000"), (1.0, True, "= 1.000"), (NAN, True, "–"), (None, False, "–"),
])
def test_fmt_p(value, relation, shown):
    assert formats.fmt_p(value, relation) == shown


@pytest.mark.parametrize(("alpha", "shown"), [
    (0.05, "95%"), (0.1, "90%"), (0.01, "99%"), (0.025, "97.5%"), (0.07, "93%"), (0.5, "50%"),
])
def test_fmt_level(alpha, shown):
    assert formats.fmt_level(alpha) == shown


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (3, "", "3"), (3.0, "", "3"), (1.5, "", "1.5"), (2.50, " points", "2.5 points"),
    (0.1 + 0.2, "", "0.3"), (1234567.0, "", "1.23457e+06"), (-0.0, "", "-0"),
])
def test_fmt_short(value, unit, shown):
    assert formats.fmt_short(value, unit) == shown


def test_fmt_deff_column_marks_only_the_levada_value():
    levada = 1.8967
    assert formats.fmt_deff_column(levada, levada) == "deff 1.90 (Levada LS)"
    assert formats.fmt_deff_column(1.9, levada) == "deff 1.90"  # same digits, not the same value
    assert formats.fmt_deff_column(1.0, levada) == "deff 1.00"
    assert formats.fmt_deff_column(2.5, 2.5) == "deff 2.50 (Levada LS)"


@pytest.mark.parametrize(("rank", "shown"), [
    (1, "smallest"), (2, "second smallest"), (3, "third smallest"), (4, "4th"), (11, "11th"),
])
def test_fmt_rank(rank, shown):
    assert formats.fmt_rank(rank) == shown


@pytest.mark.parametrize(("args", "shown"), [
    ((-6.0,), "−6.0"), ((43.0,), "43.0"), ((-0.0,), "0.0"), ((-0.04,), "0.0"),
    ((-0.05,), "−0.1"), ((-0.004, 2), "0.00"), ((-0.006, 2), "−0.01"), ((12.5, 0), "12"),
    ((NAN,), "–"), ((None,), "–"),
])
def test_fmt_evidence_number(args, shown):
    assert formats.fmt_evidence_number(*args) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (-6.0, "−6.0 points"), (2.0, "+2.0 points"), (0.0, "0.0 points"), (-0.04, "0.0 points"),
    (0.04, "0.0 points"), (0.05, "+0.1 points"), (NAN, "– points"),
])
def test_fmt_evidence_points(value, shown):
    assert formats.fmt_evidence_points(value) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (None, "no test"), (NAN, "no test"), (0.0, "p < 0.001"), (0.000999, "p < 0.001"),
    (0.001, "p = 0.001"), (0.0119, "p = 0.012"), (0.0999, "p = 0.100"), (0.1, "p = 0.10"),
    (0.274, "p = 0.27"), (0.9949, "p = 0.99"), (0.995, "p = 1"), (1.0, "p = 1"),
])
def test_fmt_evidence_p(value, shown):
    assert formats.fmt_evidence_p(value) == shown


def test_fmt_evidence_range():
    assert formats.fmt_evidence_range(42.5, 43.5) == "[42.5–43.5]"
    assert formats.fmt_evidence_range(-0.01, 5) == "[0.0–5.0]"
    assert formats.fmt_evidence_range(-1.26, 0.5, 2) == "[−1.26–0.50]"
    assert formats.fmt_evidence_range(NAN, 3) == "[––3.0]"


def test_fmt_evidence_figure_quotes_words_only():
    number = pd.Series({"figure_id": "E06", "value_text": "43%", "rule": "number", "low": 42.5,
                        "high": 43.5, "source_kind": "essay"})
    assert formats.fmt_evidence_figure(number) == "E06 43% [42.5–43.5] (essay)"
    assert formats.fmt_evidence_figure(number, kind=False) == "E06 43% [42.5–43.5]"
    span = number.copy()
    span[["value_text", "rule", "low", "high"]] = ["35-40%", "range", 34.5, 40.5]
    assert formats.fmt_evidence_figure(span) == "E06 35-40% [34.5–40.5] (essay)"
    words = pd.Series({"figure_id": "S01", "value_text": "a third", "rule": "words",
                       "low": 100 / 3 - 5, "high": 100 / 3 + 5, "source_kind": "secondary"})
    assert formats.fmt_evidence_figure(words) == "S01 'a third' [28.3–38.3] (secondary)"
# --------------------------------------------------------------------------------------------
# Text from data is inert: Markdown escaping in say(), checked with the renderer the reports
# use (nbconvert's mistune-based markdown2html).
# --------------------------------------------------------------------------------------------
def _rendered(markdown: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(markdown)


def _visible(html_text: str) -> str:
    import html as _html
    import re

    return _html.unescape(re.sub(r"<[^>]+>", "", html_text)).strip()


@pytest.mark.parametrize("value", [
    "![x](http://a/b.png)",
    "[click](javascript:alert(1))",
    "[x](data:text/html;base64,PGI+)",
    "<img src=http://a/b.png>",
    "http://a/b.png",
    "no_faith_in_future",
    "*not emphasis* and **not bold**",
    "`not code`",
    "a | b | c",
    "~~not struck~~",
    "$x$ is not math",
    "back\\slash \\_",
    "Tom & Jerry's \"quote\"",
])
def test_say_renders_a_value_as_its_own_characters(value):
    """No tag but the paragraph: no image, link, emphasis or code; the text reads the same."""
    html_text = _rendered(report.say("Label: {v}", v=value).data)
    assert re.fullmatch(r"<p>[^<]*</p>\s*", html_text), html_text
    assert _visible(html_text) == f"Label: {value}"


@pytest.mark.parametrize("value", ["# Forged heading", "- item", "+ item", "1. item", "12) item",
                                   "===", "---", "    indented code", "> quote"])
def test_a_value_at_the_start_of_a_line_starts_no_block(value):
    html_text = _rendered(report.say("{v}", v=value).data)
    assert re.fullmatch(r"<p>[^<]*</p>\s*", html_text), html_text
    assert _visible(html_text) == value.strip()


def test_a_blank_line_in_a_value_starts_no_block():
    value = "a paraphrase\n\n# Forged heading\n\n![x](y)"
    html_text = _rendered(report.say("Claim: {v}", v=value).data)
    assert re.fullmatch(r"<p>[^<]*</p>\s*", html_text), html_text
    assert _visible(html_text) == "Claim: a paraphrase # Forged heading ![x](y)"


def test_markdown_image_value_is_literal_text():
    out = report.say("{v}", v="![x](http://a/b.png)")
    assert "<img" not in _rendered(out.data) and "href" not in _rendered(out.data)
    assert _visible(_rendered(out.data)) == "![x](http://a/b.png)"


def test_values_mid_line_keep_their_block_markers_unescaped():
    """Escaping only where it matters: '= 0.02' mid-line is no setext underline."""
    assert report.say("p {p}", p="= 0.020").data == "p = 0.020"
    assert report.say("{p}", p="= 0.020").data == "\\= 0.020"


def test_a_value_inside_a_code_span_is_kept_and_reads_the_same():
    out = report.say("question `{q}`", q="why_people_leave")
    assert out.data == "question `why_people_leave`"
    assert _visible(_rendered(out.data)) == "question why_people_leave"
    with pytest.raises(ValueError, match="backtick"):
        report.say("question `{q}`", q="a`b")


def test_a_said_sentence_can_be_a_value():
    inner = report.say("**{b}**", b="x_y")
    assert report.say("{s}.", s=inner).data == "**x\\_y**."
    assert "<strong>x_y</strong>" in _rendered(report.say("{s}", s=inner).data)


def test_say_never_fetches_a_url_or_reads_a_file():
    """IPython's Markdown(text) would fetch a text starting 'http' or read an existing path."""
    assert report.say("{u}", u="http://localhost:1/x").data == "http\\://localhost:1/x"
    assert report.say("{p}", p=__file__).data == __file__.replace("_", "\\_")
