"""The one text policy (chasm.text): refused where text enters, removed where it leaves, URLs
only http(s), chart text drawn literally. Mutations are made on a copy of the data as they are,
rows found by content."""

from __future__ import annotations

import csv
import io as _io
import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chasm import paths, text
from chasm.data import load, schema

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c"]
FORMAT = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]


def copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    for path in raw.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return raw


def set_cell(path: Path, column: str, value: str, row: int = 0) -> int:
    """Set ``column`` of the ``row``-th data row; return the line it starts on."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames), list(reader)
    rows[row][column] = value
    buffer = _io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return 2 + row  # the committed files have one-line rows before the first


# --------------------------------------------------------------------------------------------
# the policy itself
# --------------------------------------------------------------------------------------------
def test_every_bidi_control_is_a_format_character():
    assert set(BIDI) <= set(FORMAT)


@pytest.mark.parametrize("ch", BIDI + ["\u200b", "\u200d", "\ufeff", "\x07", "\x1b", "\x85"])
def test_invisible_characters_are_refused_and_named(ch):
    with pytest.raises(ValueError, match=f"U\\+{ord(ch):04X}.* at character 4"):
        text.check(f"99%{ch}x")
    assert text.clean(f"99%{ch}x") == "99%x"


@given(st.text())
def test_clean_text_passes_unchanged_and_clean_removes_exactly_the_refused(s):
    refused = [c for c in s if unicodedata.category(c) == "Cf"
               or (unicodedata.category(c) == "Cc" and c not in "\t\n\r")]
    if refused:
        with pytest.raises(ValueError):
            text.check(s)
    else:
        assert text.check(s) == s
    cleaned = text.clean(s)
    assert text.check(cleaned) == cleaned
    assert cleaned == "".join(c for c in s if c not in refused)


@pytest.mark.parametrize("url", ["https://www.levada.ru/en/", "http://example.org/a?b=c#d",
                                 "HTTPS://EXAMPLE.ORG/"])
def test_http_urls_pass(url):
    assert text.check_url(url) == url
    assert text.safe_url(url) == url


@pytest.mark.parametrize("url", [
    "java\tscript:alert(document.domain)", "java\nscript:alert(1)", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "ftp://example.org/",
    "//example.org/path", "example.org", "http:///path", "https://exa mple.org/",
    " https://example.org/", "https://example.org/\u202e", "https://exa\x00mple.org",
    "file:///etc/passwd", "http://[::1", ""])
def test_other_urls_are_refused_at_entry_and_not_linked_at_exit(url):
    with pytest.raises(ValueError):
        text.check_url(url)
    assert text.safe_url(url) is None


# --------------------------------------------------------------------------------------------
# at entry: the loaders
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ch", ["\u202e", "\u2067", "\u200d"])
@pytest.mark.parametrize("column", ["publisher", "title", "note"])
def test_an_invisible_character_in_sources_is_refused_with_line_and_column(tmp_path, ch,
                                                                           column):
    raw = copy_raw(tmp_path)
    path = raw / "sources.csv"
    line = set_cell(path, column, f"Levada{ch} Center")
    with pytest.raises(schema.RawDataError) as info:
        load.load_sources(path)
    # the value is quoted with the invisible character made visible (Python's repr: \u202e)
    assert (f"sources.csv, line {line}, column '{column}': value {f'Levada{ch} Center'!r}"
            in str(info.value))
    assert ch not in str(info.value)
    assert f"U+{ord(ch):04X}" in str(info.value)


def test_a_tab_inside_a_url_scheme_is_refused(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "sources.csv"
    line = set_cell(path, "url", "java\tscript:alert(document.domain)", row=1)
    with pytest.raises(schema.RawDataError, match=rf"line {line}, column 'url': value "
                       r"'java\\tscript:alert\(document.domain\)': a URL may not contain "
                       "whitespace"):
        load.load_sources(path)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "//example.org/x"])
def test_a_url_that_is_not_http_is_refused(tmp_path, url):
    raw = copy_raw(tmp_path)
    path = raw / "sources.csv"
    line = set_cell(path, "url", url, row=1)
    with pytest.raises(schema.RawDataError, match=rf"line {line}, column 'url'"):
        load.load_sources(path)


def test_an_invisible_character_in_a_figure_is_refused(tmp_path):
    raw = copy_raw(tmp_path)
    path = load.figure_files(raw)[0]
    with open(path, encoding="utf-8", newline="") as fh:
        value = list(csv.DictReader(fh))[0]["value_text"]
    line = set_cell(path, "value_text", "\u202e" + value)
    with pytest.raises(schema.RawDataError, match=rf"line {line}, column 'value_text'.*U\+202E"):
        load.load_figures(raw)


def test_an_invisible_character_in_a_yaml_label_is_refused_with_its_key(tmp_path):
    raw = copy_raw(tmp_path)
    path = raw / "metadata" / "questions.yaml"
    meta = load.load_metadata(paths.METADATA)
    question, spec = next(iter(meta["questions"].items()))
    option, opt = next(iter(spec["options"].items()))
    source = path.read_text(encoding="utf-8")
    assert source.count(opt["label"]) >= 1
    path.write_text(source.replace(opt["label"], "\u202e" + opt["label"], 1), encoding="utf-8")
    with pytest.raises(schema.RawDataError) as info:
        load.load_metadata(raw / "metadata")
    assert f"key '{question}.options.{option}.label'" in str(info.value)
    assert "U+202E" in str(info.value)


def test_plan_and_other_strict_yaml_refuse_invisible_characters(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("note: fine\nother: \"bad\u2066 text\"\n", encoding="utf-8")
    with pytest.raises(schema.RawDataError, match=r"line 2, key 'other'.*U\+2066"):
        schema.read_yaml(path)


# --------------------------------------------------------------------------------------------
# at exit: tables, charts, pages
# --------------------------------------------------------------------------------------------
def test_table_cells_drop_invisible_characters():
    import pandas as pd

    from chasm import tables

    cells = tables.format_column(pd.Series(["traitors \u202e%99", "plain"]), None)
    assert cells == ["traitors %99", "plain"]


def test_chart_text_is_drawn_literally_and_cleaned(tmp_path, monkeypatch):
    """A label with ``$...$`` (here invalid mathtext, which would raise if parsed) is drawn as
    written; a bidi control in it reaches neither the title nor the alt text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from chasm import plots

    monkeypatch.setattr(paths, "figures_dir", lambda: tmp_path)
    plots.theme()
    fig, ax = plt.subplots()
    ax.barh(["$\\frac{1$ share", "other\u202e"], [1, 2])
    ax.set_title("traitors \u202e%99 $x^{2$")
    saved = plots.save_figure(fig, pd.DataFrame({"x": [1, 2]}), "test", "literal")
    assert saved.meta["title"] == "traitors %99 $x^{2$"
    assert "\u202e" not in saved.meta["alt"] and "$x^{2$" in saved.meta["alt"]
    assert (tmp_path / "test-literal.svg").exists()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["$\\frac{1$ share", "other"]


def test_pages_link_only_http_urls_and_say_unknowns(tmp_path, monkeypatch):
    from chasm.site import pages

    data = tmp_path / "data"
    raw = copy_raw(data)
    path = raw / "sources.csv"
    set_cell(path, "url", "java\tscript:alert(1)", row=1)
    set_cell(path, "publisher", "Levada\u202e Center", row=1)
    set_cell(path, "published", "", row=2)
    set_cell(path, "title", "", row=2)
    monkeypatch.setattr(paths, "DATA", data)
    rows = pages.sources()
    assert rows[1]["url"] == "" and rows[1]["publisher"] == "Levada Center"
    assert rows[2]["published"] == "n.d." and rows[2]["title"] == "title not known"
    assert all(r["url"] == "" or r["url"].startswith("http") for r in rows)


def test_a_params_text_with_an_invisible_character_is_refused(tmp_path):
    from chasm.data import params

    def texts(nb):  # parameters that accept text (a text or a None default)
        return [k for k, v in params.declared(nb).items()
                if (v is None or isinstance(v, str)) and k != params.RUN]

    notebook = next(p for p in sorted(paths.NOTEBOOKS.glob("*.ipynb")) if texts(p))
    key = texts(notebook)[0]
    path = tmp_path / "run.yaml"
    path.write_text(f'{key}: "x\u202ey"\n', encoding="utf-8")
    with pytest.raises(params.ParameterFileError, match=rf"line 1, key '{key}'.*U\+202E"):
        params.load(path, notebook)


def test_an_unknown_publication_date_is_said_as_such():
    import pandas as pd

    from chasm.data import figures

    sources = pd.DataFrame({"source_id": ["a", "b"], "publisher": ["P", "Q"],
                            "published": ["2024-01-02", None]})
    assert figures.outlets(sources) == {"a": "P, 2024-01-02", "b": f"Q, {text.NO_DATE}"}
