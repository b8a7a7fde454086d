"""Notebook parameter checks, the builder's run lookup, and HTML-safe sentences (chasm.report)."""

from __future__ import annotations

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
