"""Turn a published figure's text ("37%", "35-40%", "about a third") into point and interval.

One rule, applied to every figure, so that numbers and words are compared on equal terms:

* A number ``x%`` was rounded to a whole point by its publisher: the true share lies in
  ``[x - 0.5, x + 0.5]``; the point is ``x``.
* A range ``a-b%`` covers ``[a - 0.5, b + 0.5]`` (both ends rounded); the point is the midpoint.
* A bound ``no more than x%`` covers ``[0, x + 0.5]``; ``at least x%`` covers ``[x - 0.5, 100]``;
  neither has a point.
* A fraction in words ("a third", "about half", "nine out of ten") names a share ``f``; it is
  read as ``[f - 5, f + 5]`` with point ``f``. Writers switch to words when a figure is only
  roughly that fraction; ±5 points is the widest band that stays clear of the centres of the
  neighbouring everyday fractions (a quarter 25, a third 33.3, two fifths 40, half 50).
  "about"/"around"/"roughly" add no width: the word fraction is already approximate.

Numbers are ASCII digits only: "٣٧%" or "３７%" (Arabic-Indic, full-width) match no rule.

Anything else raises :class:`WordedFigureError`: a figure no rule understands must be looked at
by a person, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

#: Half-width, in points, of the band a fraction given in words stands for.
WORD_TOLERANCE = 5.0
#: Half-width, in points, of the rounding of a published whole number.
ROUNDING = 0.5

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_FRACTIONS = {
    "half": 1 / 2, "a half": 1 / 2, "a third": 1 / 3, "one third": 1 / 3,
    "two thirds": 2 / 3, "a quarter": 1 / 4, "one quarter": 1 / 4,
    "three quarters": 3 / 4, "a fifth": 1 / 5, "one fifth": 1 / 5,
}
_HEDGES = r"(?:about|around|roughly|approximately|almost|nearly|some)\s+"

#: A number as publishers print it: ASCII digits only (``\d`` would also take "٣٧" or "３７").
_NUM = r"([0-9]+(?:\.[0-9]+)?)"
_NUMBER = re.compile(rf"^{_NUM}\s*%$", re.ASCII)
_RANGE = re.compile(rf"^{_NUM}\s*(?:-|–|to)\s*{_NUM}\s*%$", re.ASCII)
_AT_MOST = re.compile(r"^(?:no more than|not more than|at most|up to|under|less than)\s+"
                      rf"{_NUM}\s*%$", re.ASCII)
_AT_LEAST = re.compile(rf"^(?:at least|no less than|more than|over)\s+{_NUM}\s*%$", re.ASCII)
_OUT_OF = re.compile(rf"^(?:{_HEDGES})?([a-z0-9]+)\s+(?:out of|in)\s+([a-z0-9]+)$", re.ASCII)
_FRACTION = re.compile(rf"^(?:{_HEDGES})?(.+)$", re.ASCII)


class WordedFigureError(ValueError):
    """A figure's text matches none of the documented rules."""


@dataclass(frozen=True)
class Reading:
    """What a figure's text says: a point (None for bounds) and the interval of true shares."""

    point: float | None
    low: float
    high: float
    rule: str


def _count(word: str) -> int | None:
    return int(word) if re.fullmatch("[0-9]+", word, re.ASCII) else _NUMBER_WORDS.get(word)


def read(text: str) -> Reading:
    """Read one published figure's text into a :class:`Reading` (percentages, 0-100).

    >>> read("37%")
    Reading(point=37.0, low=36.5, high=37.5, rule='number')
    >>> read("about a third").rule
    'words'
    """
    clean = " ".join(str(text).strip().lower().split())
    if m := _NUMBER.match(clean):
        x = float(m[1])
        return Reading(x, max(0.0, x - ROUNDING), min(100.0, x + ROUNDING), "number")
    if m := _RANGE.match(clean):
        a, b = float(m[1]), float(m[2])
        if a > b:
            raise WordedFigureError(f"range {text!r} runs backwards")
        return Reading((a + b) / 2, max(0.0, a - ROUNDING), min(100.0, b + ROUNDING), "range")
    if m := _AT_MOST.match(clean):
        return Reading(None, 0.0, min(100.0, float(m[1]) + ROUNDING), "upper bound")
    if m := _AT_LEAST.match(clean):
        return Reading(None, max(0.0, float(m[1]) - ROUNDING), 100.0, "lower bound")
    share: float | None = None
    if m := _OUT_OF.match(clean):
        k, n = _count(m[1]), _count(m[2])
        if k is not None and n and k <= n:
            share = 100 * k / n
    elif m := _FRACTION.match(clean):
        if m[1] in _FRACTIONS:
            share = 100 * _FRACTIONS[m[1]]
    if share is None:
        raise WordedFigureError(
            f"no rule reads {text!r}: use a number ('37%'), a range ('35-40%'), a bound "
            "('no more than 10%') or a fraction in words ('about a third', 'nine out of ten')"
        )
    return Reading(share, max(0.0, share - WORD_TOLERANCE), min(100.0, share + WORD_TOLERANCE),
                   "words")


# --------------------------------------------------------------------------------------------
# Words as identification intervals (applied to the tidy table where figures are compared)
# --------------------------------------------------------------------------------------------
#: The cell of a figure (``chasm.data.figures.CELL``).
_CELL = ["wave", "question", "option", "subgroup_var", "subgroup"]


def identify(tidy):
    """Worded figures as identification intervals of the quantity they coarsen.

    Choosing the words "a third" is not random rounding (Mosteller & Youtz 1990): the words
    say only that the share lies within their band, ``[f - 5, f + 5]``. Where a numeric figure
    of the same cell (another source) lies in that band, both describe one quantity, which must
    lie in the intersection of their ranges (Manski 2003): the worded figure takes that range
    (``low``, ``high``) and the numeric figures' point (their mean, kept inside the range),
    and ``identified_with`` names the numeric figures. Where the ranges are disjoint the
    sources conflict and the worded figure keeps its own band: only there can "the source
    decide". A copy of ``tidy`` is returned, with ``identified_with`` ('' where unchanged) and
    ``band_low``/``band_high`` (the words' own band, for the record).
    """
    out = tidy.copy()
    out["band_low"], out["band_high"] = out["low"], out["high"]
    out["identified_with"] = ""
    words = out["rule"] == "words"
    numeric = out[~words & out["point"].notna() & (out["rule"] != "words")]
    for i in out.index[words]:
        row = out.loc[i]
        same = numeric[(numeric[_CELL] == row[_CELL]).all(axis=1)]
        same = same[(same["low"] <= row["high"]) & (same["high"] >= row["low"])]
        if same.empty:
            continue
        low = max(float(row["low"]), float(same["low"].max()))
        high = min(float(row["high"]), float(same["high"].min()))
        if low > high:  # the numeric figures disagree among themselves: nothing to intersect
            continue
        point = min(max(float(same["point"].mean()), low), high)
        out.loc[i, ["low", "high", "point"]] = [low, high, point]
        out.loc[i, "identified_with"] = " ".join(sorted(same["figure_id"]))
    return out


def identification_table(tidy):
    """The worded figures and what :func:`identify` did to each: figure_id, the cell, the
    text, the words' band, the identified range and the numeric figures it was intersected
    with (changed True), or its own band where no numeric figure of the cell overlaps."""
    ided = identify(tidy)
    rows = ided[ided["rule"] == "words"]
    return pd.DataFrame({
        "figure_id": rows["figure_id"], "wave": rows["wave"], "option": rows["option"],
        "subgroup": rows["subgroup"], "value_text": rows["value_text"],
        "band_low": rows["band_low"], "band_high": rows["band_high"], "low": rows["low"],
        "high": rows["high"], "identified_with": rows["identified_with"],
        "changed": rows["identified_with"] != ""}).reset_index(drop=True)
