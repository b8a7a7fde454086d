"""The grammar of one value from a data file: each check takes a cell as written and returns
the typed value or raises ``ValueError`` saying what is wrong (the caller adds file, line and
column: :class:`chasm.data.schema.RawDataError`).

One grammar for every file: a number is ASCII digits with one optional decimal point
(:data:`NUMERAL`); a text carries no markup, line break or invisible character (:func:`text`,
:func:`note`, the policy of :mod:`chasm.text`); a URL is http(s) (:func:`url`). A CSV column is
:class:`Col` (its check, and whether it may be empty); ``data/README.md`` lists every rule.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from chasm import text as text_policy

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]*", re.ASCII)
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)
#: Markup a text from data must not carry: an HTML tag or comment, a Markdown image or link
#: (inline ``[x](u)``, reference ``[x][r]`` or a definition ``[r]: u``), a script or data URL.
_MARKUP = re.compile(r"</?[A-Za-z]|<[!?]"
                     r"|\[[^\]]*\]\s*[(\[]|^\s*\[[^\]]*\]\s*:"
                     r"|\b(?:javascript|vbscript)\s*:|\bdata:(?:[a-z-]+/[\w.+-]+|[;,])",
                     re.IGNORECASE | re.MULTILINE)
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")
_BLANK_LINE = re.compile(r"(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)")
#: The one number grammar of every numeric CSV cell: ASCII digits, one optional decimal point
#: with digits on both sides, a leading minus (columns that allow no negatives say so in their
#: own range check). Python's float() would also take '3_7', '1e3', ' 37', '٣٧' or '３７'.
NUMERAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def text(cell: str) -> str:
    """A one-line text: no markup (HTML, Markdown image/link, script or data URL), no line
    break. Reports show such text through ``report.say``, which escapes it as well."""
    if _MARKUP.search(cell):
        raise ValueError("markup or script is not allowed in a text field")
    if _LINE_BREAK.search(cell):
        raise ValueError("a line break is not allowed in a one-line text field")
    return text_policy.check(cell)


def note(cell: str) -> str:
    """A note that may span lines, but without markup and without a blank line (which would
    start a new block of Markdown)."""
    if _MARKUP.search(cell):
        raise ValueError("markup or script is not allowed in a text field")
    if _BLANK_LINE.search(cell):
        raise ValueError("a blank line is not allowed in a text field")
    return text_policy.check(cell)


def url(cell: str) -> str:
    """A link from data: text under :func:`text`'s rules, and an absolute http(s) URL as
    written (:func:`chasm.text.check_url`)."""
    return text_policy.check_url(text(cell))


def ident(cell: str) -> str:
    if not _ID.fullmatch(cell):
        raise ValueError("is not an identifier (letters, digits, _ . + -)")
    return cell


def number(cell: str) -> float:
    """A number in the one grammar of :data:`NUMERAL` (the cell as written, already stripped)."""
    if not NUMERAL.fullmatch(cell):
        if cell.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError("is not a finite number")
        raise ValueError("is not a number (ASCII digits with at most one decimal point)")
    return float(cell)


def pct(cell: str) -> float:
    value = number(cell)
    if not 0 <= value <= 100:
        raise ValueError("is a share outside 0-100")
    return value


def count(cell: str) -> int:
    value = number(cell)
    if value != int(value) or value < 0:
        raise ValueError("is not a whole number >= 0")
    return int(value)


def positive(cell: str) -> float:
    value = number(cell)
    if value <= 0:
        raise ValueError("must be > 0")
    return value


def probability(cell: str) -> float:
    value = number(cell)
    if not 0 < value < 1:
        raise ValueError("must lie strictly between 0 and 1")
    return value


def month(cell: str) -> str:
    if not MONTH.fullmatch(cell):
        raise ValueError("is not a month YYYY-MM")
    return cell



def published(cell: str) -> str:
    """A publication date as precise as the source gives it: ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD`` (a real date)."""
    if re.fullmatch(r"[0-9]{4}", cell, re.ASCII) or MONTH.fullmatch(cell):
        return cell
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell, re.ASCII):
            datetime.date.fromisoformat(cell)
            return cell
    except ValueError:
        raise ValueError("is not a real date (YYYY-MM-DD)") from None
    raise ValueError("is not a date YYYY, YYYY-MM or YYYY-MM-DD (leave it empty if not known)")



@dataclass(frozen=True)
class Col:
    """One column of a schema: its check and whether an empty cell is allowed."""

    check: Callable[[str], object]
    optional: bool = False

