"""The one text policy for text from data: what may enter, and how it leaves.

Text from ``data/`` (CSV cells, YAML values, claims, parameters) is shown on pages, in tables,
in charts, in alt text and in SVG metadata. Characters a reader cannot see must not change what
they read: a right-to-left override (U+202E) displays ``99%`` as ``%99``, a zero-width joiner
makes two ids look alike. So:

- **at entry** (``chasm.data.load``'s loaders and every text they check) :func:`check` refuses any
  invisible character: Unicode category ``Cf`` (format characters: the bidi controls
  U+200E/F, U+202A-202E, U+2066-2069, U+061C, zero-width characters, the BOM inside a text...)
  and the C0/C1 control characters other than tab, line feed and carriage return (line breaks
  are judged by the field's own rule);
- **at exit** (table cells, chart text, alt text, SVG metadata, page text) :func:`clean` drops
  the same characters, in case text reaches an output by another path (defence in depth);
- **URLs** from data (:func:`check_url`) are parsed as written (nothing stripped: a tab,
  newline or control character inside refuses the URL, as browsers would silently drop it and
  ``java<TAB>script:`` would run) and allowed only as ``http``/``https`` with a host;
  :func:`safe_url` applies the same policy where a page writes a link.

Charts draw text literally: :data:`CHART_RC` turns matplotlib's mathtext off, so ``$x$`` in a
label is drawn as the four characters, never parsed (``chasm.plots`` applies it).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

#: Control characters allowed in text from data (line breaks are judged per field).
_ALLOWED_CONTROLS = frozenset("\t\n\r")
#: URL schemes a link from data may use.
URL_SCHEMES = ("http", "https")
#: matplotlib settings under which chart text is drawn as written.
CHART_RC = {"text.parse_math": False, "text.usetex": False}
#: How pages say that a source's publication date or title is not known (an empty cell).
NO_DATE = "n.d."
NO_TITLE = "title not known"


def _invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cf" or (category == "Cc" and ch not in _ALLOWED_CONTROLS)


def _name(ch: str) -> str:
    return f"U+{ord(ch):04X}" + (f" ({unicodedata.name(ch)})" if unicodedata.name(ch, "") else "")


def find_invisible(text: str) -> tuple[int, str] | None:
    """``(position, character)`` of the first character :func:`check` refuses, or None."""
    for i, ch in enumerate(text):
        if _invisible(ch):
            return i, ch
    return None


def check(text: str) -> str:
    """``text`` unchanged, or ValueError naming the first invisible character and where.

    Refused: Unicode format characters (category Cf: bidi controls, zero-width characters,
    soft hyphens, a BOM) and control characters other than tab, line feed and carriage return.
    """
    found = find_invisible(text)
    if found is not None:
        i, ch = found
        raise ValueError(f"contains the invisible character {_name(ch)} at character {i + 1}: "
                         "bidi controls and other format or control characters are not allowed "
                         "(they change how text reads without being seen)")
    return text


def clean(text: object) -> str:
    """``text`` as a string without the characters :func:`check` refuses (used at output)."""
    text = str(text)
    if find_invisible(text) is None:
        return text
    return "".join(ch for ch in text if not _invisible(ch))


def check_url(url: str) -> str:
    """``url`` unchanged if it is an absolute ``http``/``https`` URL, else ValueError.

    Parsed as written (``urllib.parse``): whitespace or any control or format character in it
    refuses it rather than being stripped, since a browser strips tabs and newlines inside a
    scheme (``java<TAB>script:`` is ``javascript:`` to it).
    """
    bad = next((ch for ch in url if ch.isspace() or _invisible(ch)), None)
    if bad is not None:
        raise ValueError(f"a URL may not contain whitespace or control characters "
                         f"({_name(bad)} at character {url.index(bad) + 1})")
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise ValueError(f"is not a valid URL ({err})") from None
    if parts.scheme.lower() not in URL_SCHEMES:
        raise ValueError(f"a URL must start with http:// or https:// (scheme "
                         f"{parts.scheme or 'missing'!r} is not allowed)")
    if not parts.hostname:
        raise ValueError("a URL must name a host (http://host/...)")
    return url


def safe_url(url: object) -> str | None:
    """``url`` if :func:`check_url` allows it, else None: what a page may write as a link."""
    if not isinstance(url, str) or not url:
        return None
    try:
        return check_url(url)
    except ValueError:
        return None
