"""Notebook parameter checks, the builder's run lookup, and HTML-safe sentences (chasm.report)."""

from __future__ import annotations

import re

import pytest

from chasm import build, io, paths, report

META = io.load_metadata()
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


def test_parameter_error_is_a_value_error():
    assert issubclass(report.ParameterError, ValueError)


def test_split_run_missing_params_file():
    with pytest.raises(build.BuildError, match=r"params file notebooks/params/"
                                               r"01_ingest--nonexistent\.yaml is missing"):
        build.split_run("01_ingest--nonexistent")
    with pytest.raises(build.BuildError, match=r"params file .*99_nothing\.yaml is missing"):
        build.split_run("99_nothing")


def test_split_run_missing_notebook(tmp_path, monkeypatch):
    (tmp_path / "99_orphan.yaml").write_text("{}\n")
    monkeypatch.setattr(paths, "PARAMS", tmp_path)
    with pytest.raises(build.BuildError, match=r"notebook notebooks/99_orphan\.ipynb "
                                               r"\(named by run '99_orphan'\) is missing"):
        build.split_run("99_orphan")


def test_load_params_rejects_a_list_and_bad_yaml(tmp_path):
    listed = tmp_path / "listed.yaml"
    listed.write_text("- deff\n- 2\n")
    with pytest.raises(build.BuildError, match="must be a mapping of parameters"):
        build.load_params(listed)
    broken = tmp_path / "broken.yaml"
    broken.write_text("deff: [1, 2\n")
    with pytest.raises(build.BuildError, match="is not valid YAML"):
        build.load_params(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# all defaults\n")
    assert build.load_params(empty) == {}


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
