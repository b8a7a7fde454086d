"""How a number is written: the one home of every number, p-value, level and method name in text.

Below the analysis and register layers (both write evidence text) and above nothing but the
standard library and pandas. The styles are kept exactly as the committed reports print them:
prose (``fmt``, ``fmt_signed``, ``fmt_p``, ...) and the claims register's evidence text
(``fmt_evidence_*``: read claim by claim, signs with a true minus, p-values with two decimals
once they are large enough not to matter for a verdict).
"""

from __future__ import annotations

import re

import pandas as pd

#: What every style writes for a missing number (an en dash).
MISSING = "–"


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number for prose: fixed digits, '–' for missing.

    Used by every notebook's sentences (shares, points, design effects): a reader compares
    numbers across sentences, so one fixed number of digits per kind of number. Python's
    rounding (half to even on the binary value) is kept; a negative number has a true minus
    sign (U+2212), as in every table (``chasm.tables``) and :func:`fmt_signed`; a negative
    value that rounds to zero keeps its sign ("−0.0"), so −0.03 is not read as no change.
    """
    if value is None or pd.isna(value):
        return MISSING
    return f"{value:.{digits}f}".replace("-", "−") + unit

def fmt_number(value: float, digits: int = 1) -> str:
    """A number in a table cell or a number line: fixed digits, thousands separated
    ("1,600"), a true minus sign, and a value that rounds to zero shown as plain zero ("0.0",
    never "−0.0": a cell is read alone, without a sentence to carry its sign).

    Used by every shown table (``chasm.tables``, by column kind) and by the landing and claims
    pages' number lines (``chasm.site.landing.claim_numbers``), so one number reads the same
    in a table and on those pages; prose uses :func:`fmt`.
    """
    text = f"{value:,.{digits}f}"
    if float(value) == 0 or text.strip("-0.,") == "":
        text = f"{0:.{digits}f}"
    return text.replace("-", "−")


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

#: The smallest p-value written as a number: below it every style writes "< 0.001" (or
#: "<0.001" in a table cell) rather than a rounded zero, which would read as certainty.
P_FLOOR = 0.001


def fmt_p(value: float, relation: bool = False) -> str:
    """A p-value for prose: "0.012", "< 0.001", "–" if NaN; with ``relation`` "= 0.012".

    Used by 03_waves ("p = 0.012", "Holm-adjusted 0.060") and the landing page's key results:
    three decimals, and "< 0.001" below :data:`P_FLOOR`. ``relation`` adds the "= " a sentence
    needs after "p" (the "<" case carries its own relation).
    """
    if value is None or pd.isna(value):
        return "–"
    if value < P_FLOOR:
        return "< 0.001"
    return f"= {value:.3f}" if relation else f"{value:.3f}"


def fmt_p_table(value: object, missing: str = "–") -> str:
    """A p-value in a table cell (``chasm.tables``, kind ``p``): "<0.001" without the space
    prose puts in (a narrow column), else three decimals; ``missing`` if there is none."""
    if value is None or value == "" or pd.isna(value):
        return missing
    value = float(value)
    return "<0.001" if value < P_FLOOR else f"{value:.3f}"

def fmt_pct_compact(value: float) -> str:
    """A share for a headline without needless digits: "37%", "37.5%" (one decimal at most).

    Used by the 08_series sentences and chart title (fitted and published shares)."""
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"

#: Month names in English, whatever the machine's locale (``strftime("%B")`` follows it).
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def fmt_month(wave: str) -> str:
    """A wave (``YYYY-MM``) as a reader names it, for titles and sentences.

    >>> fmt_month("2024-03")
    'March 2024'
    """
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(wave))
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"a wave is YYYY-MM, got {wave!r}")
    return f"{MONTHS[int(match[2]) - 1]} {match[1]}"


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


def level_percent(alpha: float) -> int:
    """The confidence level in whole percent (95 for ``alpha`` 0.05): the second named style,
    for 04/05/06's prose ("95% interval"), which rounds a level such as 97.5% to 98 where
    :func:`fmt_level` keeps it exact. Both agree at every usual level (90, 95, 99%)."""
    return round(100 * (1 - alpha))


def fmt_level_whole(alpha: float) -> str:
    """:func:`level_percent` with its sign: alpha 0.05 -> "95%"."""
    return f"{level_percent(alpha)}%"

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

#: The name prose gives each multiplicity method data/plan.yaml may name: the adjustments of
#: ``chasm.stats.multiplicity`` and a claim family's intersection-union test.
METHOD_NAMES = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg",
                "intersection_union": "intersection-union"}


def fmt_method(method: str) -> str:
    """A family's multiplicity method for prose: "Holm", "Benjamini-Hochberg",
    "intersection-union" (each test at alpha, no adjustment); the name as given if it has none."""
    return METHOD_NAMES.get(str(method), str(method))
