"""Helpers notebooks use to check parameters and show or save what they computed.

* :func:`check_params` validates a notebook's parameters at its top, with a clear error.
* :func:`say` renders a sentence whose numbers come from computed values (never typed), with
  every value HTML-escaped, so text from data can never inject markup into a report.
* :func:`save_table` writes ``reports/tables/<run>.csv``, the key numbers of a report.
* :func:`show` returns a table as a reader reads it (``chasm.display``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from . import io, paths


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


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number for prose: fixed digits, '–' for missing."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value:.{digits}f}{unit}"


def say(template: str, **values: object):
    """A Markdown sentence built from computed values, each escaped for HTML.

    >>> say("The share is {p}.", p="<b>37%</b>").data
    'The share is &lt;b&gt;37%&lt;/b&gt;.'
    """
    from IPython.display import Markdown

    return Markdown(template.format(**{k: html.escape(str(v)) for k, v in values.items()}))


def save_table(frame: pd.DataFrame, run: str) -> str:
    """Write ``reports/tables/<run>.csv`` (key numbers of a report); return its project path."""
    path = io.write_csv(frame, paths.tables_dir() / f"{run}.csv")
    return paths.relative(paths.REPORTS / "tables" / path.name)


def show(frame: pd.DataFrame, digits: int = 1, index: str | None = None):
    """``frame`` as a report shows it (``chasm.display.table``): plain-language headers,
    rounded by column kind (``digits`` for columns the display layer does not know), no pandas
    index (``index`` names the row-header column), technical columns left to the table's CSV.

    Deterministic HTML with every value escaped (no random ids, no Styler).
    """
    from .display import table

    return table(frame, digits=digits, index=index)


def fmt_signed(value: float, digits: int = 1) -> str:
    """A signed number for prose with a true minus sign: "−6.0", "+4.0", "0.0"; "–" if NaN."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "−")



def fmt_p(value: float, relation: bool = False) -> str:
    """A p-value for prose: "0.012", "< 0.001", "–" if NaN; with ``relation`` "= 0.012"."""
    if value is None or pd.isna(value):
        return "–"
    if value < 0.001:
        return "< 0.001"
    return f"= {value:.3f}" if relation else f"{value:.3f}"
