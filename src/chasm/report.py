"""Helpers notebooks use to check parameters and show or save what they computed.

* :func:`check_params` validates a notebook's parameters at its top, with a clear error.
* :func:`say` renders a sentence whose numbers come from computed values (never typed), with
  every value escaped for Markdown and HTML, so text from data can never inject markup
  into a report.
* :func:`save_table` writes ``reports/tables/<run>.csv``, the key numbers of a report.
* :func:`show` returns a table as a reader reads it (``chasm.tables``).

NUMBER FORMATTING has one home, this module. The styles are kept exactly as the committed
reports print them; the p-value styles differ and are listed here so that they can be unified
on purpose later (a change of style changes report text, so it is a decision, not a refactor):

==============================  ==========================  ============================="""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import pandas as pd

from chasm import paths
from chasm.data import io


class ParameterError(ValueError):
    """A notebook parameter is invalid; the message names it and what is allowed."""


def _is_number(value: object) -> bool:
    """A real number, not a bool (YAML reads `yes` as True, which Python counts as 1)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_params(wave: str | Iterable[str] | None = None, deff: float | None = None,
                 alpha: float | None = None, n: int | None = None,
                 question: str | None = None) -> None:
    """Validate the usual notebook parameters; raise :class:`ParameterError` on the first bad one.

    ``wave`` may be one wave id or several; waves and questions must exist in the metadata.
    """
    meta = io.load_metadata()
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


# --------------------------------------------------------------------------------------------
# Number formatting (the one home; see the module docstring for which output uses which style)
# --------------------------------------------------------------------------------------------
def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number for prose: fixed digits, '–' for missing.

    Used by every notebook's sentences (shares, points, design effects): a reader compares
    numbers across sentences, so one fixed number of digits per kind of number. Python's
    rounding (half to even on the binary value) is kept; a negative number has a true minus
    sign (U+2212), as in every table (``chasm.tables``) and :func:`fmt_signed`; a negative
    value that rounds to zero keeps its sign ("−0.0"), so −0.03 is not read as no change.
    """
    if value is None or pd.isna(value):
        return "–"
    return f"{value:.{digits}f}".replace("-", "−") + unit


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
    import string

    from IPython.display import Markdown

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
    out = Markdown("")  # then set: Markdown(text) would fetch a text that looks like a URL
    out.data = text  # or read a file whose path it is
    out._said = True
    return out


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

    out = Markdown("")
    out.data = text
    out._said = True
    return out


def save_table(frame: pd.DataFrame, run: str) -> str:
    """Write ``reports/tables/<run>.csv`` (key numbers of a report); return its project path."""
    path = io.write_csv(frame, paths.tables_dir() / f"{run}.csv")
    return paths.relative(paths.REPORTS / "tables" / path.name)


def show(frame: pd.DataFrame, digits: int = 1, index: str | None = None):
    """``frame`` as a report shows it (``chasm.tables.table``): plain-language headers,
    rounded by column kind (``digits`` for columns the display layer does not know), no pandas
    index (``index`` names the row-header column), technical columns left to the table's CSV.

    Deterministic HTML with every value escaped (no random ids, no Styler).
    """
    from chasm.tables import table

    return table(frame, digits=digits, index=index)


def fmt_signed(value: float, digits: int = 1) -> str:
    """A signed number for prose with a true minus sign: "−6.0", "+4.0", "0.0"; "–" if NaN.

    Used by 03_waves for changes between waves, where the sign is the finding: a rise shows
    its "+", and a change that rounds to zero is shown unsigned rather than as "−0.0".
    """
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "−")


def fmt_p(value: float, relation: bool = False) -> str:
    """A p-value for prose: "0.012", "< 0.001", "–" if NaN; with ``relation`` "= 0.012".

    Used by 03_waves ("p = 0.012", "Holm-adjusted 0.060"): three decimals, and "< 0.001" rather
    than a rounded zero, which would read as certainty. ``relation`` adds the "= " a sentence
    needs after "p" (the "<" case carries its own relation).
    """
    if value is None or pd.isna(value):
        return "–"
    if value < 0.001:
        return "< 0.001"
    return f"= {value:.3f}" if relation else f"{value:.3f}"


def fmt_pct_compact(value: float) -> str:
    """A share for a headline without needless digits: "37%", "37.5%" (one decimal at most).

    Used by the 08_series sentences and chart title (fitted and published shares)."""
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def fmt_short(value: float, unit: str = "") -> str:
    """A parameter value as the reader set it, without trailing zeros: 3 -> "3", 1.5 -> "1.5",
    97.5 -> "97.5" (Python's ``:g``, six significant digits).

    Used for settings rather than estimates: the equivalence margin of 03_waves ("±3 points"),
    the design effects naming 06_claims' sensitivity columns ("deff 1.9"), and the level of
    :func:`fmt_level`; an estimate gets :func:`fmt`'s fixed digits instead.
    """
    return f"{value:g}{unit}"


def fmt_level(alpha: float) -> str:
    """The confidence level of an interval: alpha 0.05 -> "95%", 0.1 -> "90%", 0.01 -> "99%".

    Used by 02_uncertainty and 03_waves in sentences ("95% CI") and axis labels; :func:`fmt_short`
    keeps a level such as 97.5% exact instead of rounding it to a whole percent (06_claims
    writes its level with ``fmt(100 * (1 - alpha), 0, "%")``, which would show "98%").
    """
    return fmt_short(100 * (1 - alpha), "%")


def fmt_deff_column(deff: float, levada: float) -> str:
    """A column name of 02_uncertainty's design-effect sensitivity table: "deff 1.90", with
    " (Levada LS)" when ``deff`` is the least-squares value of Levada's table (``levada``), so
    that the reader can find the design effect the report uses among the alternatives."""
    tag = " (Levada LS)" if deff == levada else ""
    return f"deff {deff:.2f}{tag}"


def fmt_rank(rank: int) -> str:
    """The rank of a p-value in words for 03_waves' Holm sentences: 1 -> "smallest",
    2 -> "second smallest", 3 -> "third smallest", then "4th", "5th", ... (Holm multiplies the
    k-th smallest p-value by m - k + 1, so the sentence names the rank)."""
    return {1: "smallest", 2: "second smallest", 3: "third smallest"}.get(rank, f"{rank}th")


# Evidence text of the claims register (``chasm.register.rules``; reports/tables/claims.csv). Its
# styles
# differ from the prose ones above: evidence is read claim by claim, so signs use a true minus
# and p-values keep two decimals once they are large enough not to matter for a verdict.
def fmt_evidence_number(x: float, digits: int = 1) -> str:
    """A number for evidence text: fixed digits, a true minus sign, never '−0.0'; '–' if NaN."""
    if x is not None and not pd.isna(x) and round(float(x), digits) == 0:
        x = 0.0
    return fmt(x, digits).replace("-", "−")


def fmt_evidence_points(x: float) -> str:
    """A signed difference in points for evidence text: '−6.0 points', '+2.0 points'; a
    difference that rounds to zero reads '0.0 points' whatever its sign (a "+" before a shown
    zero, as '+0.0 points' for 0.04, would claim a rise the number does not show)."""
    text = fmt_evidence_number(x)
    return ("+" if x > 0 and text != fmt_evidence_number(0.0) else "") + text + " points"


def fmt_evidence_p(p: float) -> str:
    """A p-value for evidence text: "no test" (NaN), "p < 0.001", "p = 1" (from 0.995),
    three decimals below 0.1 ("p = 0.012"), two from 0.1 ("p = 0.27")."""
    if p is None or pd.isna(p):
        return "no test"
    if p < 0.001:
        return "p < 0.001"
    if p >= 0.995:
        return "p = 1"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def fmt_evidence_range(lo: float, hi: float, digits: int = 1) -> str:
    """An interval for evidence text: '[42.5–43.5]' (en dash, evidence numbers)."""
    return f"[{fmt_evidence_number(lo, digits)}–{fmt_evidence_number(hi, digits)}]"


def fmt_evidence_figure(row: pd.Series, kind: bool = True) -> str:
    """A published figure for evidence text: 'E06 43% [42.5–43.5] (essay)'; words are quoted:
    "S01 'a third' [28.3–38.3] (secondary)"; ``kind=False`` leaves out the source kind.

    ``row`` is a row of the tidy figures table (figure_id, value_text, rule, low, high,
    source_kind): the reader sees the figure as published and the interval it stands for.
    """
    text = row["value_text"] if row["rule"] in ("number", "range") else f"'{row['value_text']}'"
    out = f"{row['figure_id']} {text} {fmt_evidence_range(row['low'], row['high'])}"
    return out + (f" ({row['source_kind']})" if kind else "")


# --------------------------------------------------------------------------------------------
# The analysis plan's words (07_interpretation; chasm.analysis.plan)
# --------------------------------------------------------------------------------------------
def fmt_method(method: str) -> str:
    """A family's multiplicity method for prose: "Holm", "Benjamini-Hochberg"."""
    return {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}.get(str(method), str(method))
