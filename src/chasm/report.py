"""Helpers notebooks use to check parameters and show or save what they computed.

* :func:`check_params` validates a notebook's parameters at its top, with a clear error.
* :func:`say` renders a sentence whose numbers come from computed values (never typed), with
  every value escaped for Markdown and HTML, so text from data can never inject markup
  into a report.
* :func:`save_table` writes ``reports/tables/<run>.csv``, the key numbers of a report.
* :func:`show` returns a table as a reader reads it (``chasm.tables``).

How a number is written has its own home, ``chasm.formats`` (below the analysis and register
layers, which write evidence text too)."""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterable

import pandas as pd

from chasm import paths
from chasm.data import load, write
from chasm.data.params import ParameterError  # noqa: F401 (one home, re-exported)
from chasm.tables import table


def _is_number(value: object) -> bool:
    """A real number, not a bool (YAML reads `yes` as True, which Python counts as 1)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_params(wave: str | Iterable[str] | None = None, deff: float | None = None,
                 alpha: float | None = None, n: int | None = None,
                 question: str | None = None) -> None:
    """Validate the usual notebook parameters; raise :class:`ParameterError` on the first bad one.

    ``wave`` may be one wave id or several; waves and questions must exist in the metadata.
    """
    meta = load.load_metadata()
    if wave is not None:
        waves = list(wave) if isinstance(wave, Iterable) and not isinstance(wave, str) else [wave]
        for w in waves:
            if str(w) not in meta["waves"]:
                raise ParameterError(f"wave={w!r} is not a known wave; known: "
                                     f"{', '.join(sorted(meta['waves']))}")
    if deff is not None and not (_is_number(deff) and deff > 0):
        raise ParameterError(f"deff={deff!r} must be a number > 0")
    if alpha is not None and not (_is_number(alpha) and 0 < alpha < 1):
        raise ParameterError(f"alpha={alpha!r} must lie strictly between 0 and 1")
    if n is not None and not (isinstance(n, int) and not isinstance(n, bool) and n > 0):
        raise ParameterError(f"n={n!r} must be a whole number > 0")
    if question is not None and question not in meta["questions"]:
        raise ParameterError(f"question={question!r} is not a known question; known: "
                             f"{', '.join(sorted(meta['questions']))}")


#: Markdown punctuation that is special anywhere in a line: escapes, code, emphasis, link and
#: image brackets, table cells, strikethrough, math. ``<``, ``>``, ``&``, ``"`` and ``'`` are
#: left to ``html.escape``, whose entities Markdown shows as the characters.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~$])")
#: What starts a block at the start of a line: a heading ``#``, a list item ``-``/``+``/``1.``/
#: ``1)``, a setext underline ``=``/``-``; and leading spaces (four make a code block).
_MD_BLOCK_START = re.compile(r"^(\s*)(#|[-+=](?=\s|$|[-=])|[0-9]{1,9}(?=[.)](?:\s|$)))?")
#: The colon of ``scheme://``: the renderer turns a bare URL into a live link.
_MD_URL = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]+")


def _inert(value: object, line_start: bool, code: bool) -> str:
    """A value as inert text inside Markdown that renders as the same characters.

    Line breaks become spaces (a blank line would start a new block). Inside a code span of
    the template (``code``) the text is kept as it is (the renderer escapes it; a backtick
    would end the span and is refused). Elsewhere Markdown punctuation is backslash-escaped
    (CommonMark renders ``\\_`` as ``_``), so is the colon of a bare URL and, where the value
    starts a line (``line_start``), a block marker, leading spaces shrinking to one; then
    HTML special characters become entities (``&lt;`` renders as ``<``). A sentence that
    :func:`say` made is already inert and is kept as it is.
    """
    if getattr(value, "_said", False):
        return value.data
    text = _LINE_BREAKS.sub(" ", str(value))
    if code:
        if "`" in text:
            raise ValueError(f"value {text!r} inside a code span may not contain a backtick")
        return text
    text = _MD_URL.sub(r"\\\1", _MD_INLINE.sub(r"\\\1", text))
    if line_start:
        m = _MD_BLOCK_START.match(text)
        space, marker = (" " if m[1] else ""), m[2] or ""
        if marker:
            marker = marker + "\\" if marker[0].isdigit() else "\\" + marker
        text = space + marker + text[m.end():]
    return html.escape(text)


def say(template: str, **values: object):
    """A Markdown sentence built from computed values, each made inert text (:func:`_inert`).

    The template's own Markdown is kept; a value can add no markup, link, image or block,
    and renders as its own characters. A sentence ``say`` returned may itself be a value.

    >>> say("The share is {p}.", p="<b>37%</b>").data
    'The share is &lt;b&gt;37%&lt;/b&gt;.'
    >>> print(say("{x}", x="![x](http://a/b.png)").data)
    !\\[x\\](http\\://a/b.png)
    >>> print(say("option `{o}`: {o}", o="no_answer").data)
    option `no_answer`: no\\_answer
    """
    text, ticks = "", 0
    for literal, field, spec, conversion in string.Formatter().parse(template):
        text += literal
        ticks += literal.count("`")
        if field is None:
            continue
        value = string.Formatter().get_field(field, (), values)[0]
        if conversion or spec:
            value = format(string.Formatter().convert_field(value, conversion), spec)
        line_start = re.search(r"(?:^|\n)[ \t]*$", text) is not None
        text += _inert(value, line_start, ticks % 2 == 1)
    return markup(text)


def inert(value: object) -> str:
    """A value from data as inert Markdown text, exactly what :func:`say` makes of a value.

    For code that assembles a sentence from many optional pieces (``chasm.analysis.series``): every
    piece that comes from data passes through here, and the assembled text through
    :func:`markup`. Computed numbers and the package's own words need no escaping."""
    return _inert(value, False, False)


def markup(text: str):
    """A sentence the package assembled from its own words and :func:`inert` pieces, as a
    Markdown object that :func:`say` keeps as it is (like a sentence ``say`` returned)."""
    from IPython.display import Markdown

    out = Markdown("")  # then set: Markdown(text) would fetch a text that looks like a URL
    out.data = text  # or read a file whose path it is
    out._said = True
    return out


def save_table(frame: pd.DataFrame, run: str) -> str:
    """Write ``reports/tables/<run>.csv`` (key numbers of a report); return its project path."""
    path = write.write_csv(frame, paths.tables_dir() / f"{run}.csv")
    return paths.relative(paths.REPORTS / "tables" / path.name)


def show(frame: pd.DataFrame, digits: int = 1, index: str | None = None,
         columns: list | None = None, labels: dict | None = None):
    """``frame`` as a report shows it (``chasm.tables.table``): plain-language headers,
    rounded by column kind (``digits`` for columns the display layer does not know), no pandas
    index (``index`` names the row-header column), technical columns left to the table's CSV.
    ``columns`` picks the columns shown and ``labels`` (column -> ``{code: label}`` or one
    label per row) what their cells say; the table's CSV keeps every column of ``frame`` and
    its codes.

    Deterministic HTML with every value escaped (no random ids, no Styler).
    """
    return table(frame, digits=digits, index=index, columns=columns, labels=labels)
