"""One number, one formatter: chasm.formats.fmt_number writes table cells and the landing
and claims pages' number lines."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize(("value", "digits", "text"), [
    (1600.0, 0, "1,600"), (-0.03, 1, "0.0"), (-6.0, 1, "−6.0"), (42.55, 1, "42.5"),
    (0.0, 2, "0.00"), (-1234.5, 1, "−1,234.5")])
def test_a_number_in_a_table_and_on_the_landing_page_passes_one_formatter(value, digits, text):
    """formats.fmt_number is the one writer of table cells and of the landing and claims
    pages' number lines: the same value reads the same in both places."""
    from chasm import formats, tables
    from chasm.site import landing

    assert formats.fmt_number(value, digits) == text
    shown = tables.format_column(pd.Series([value]), None, digits)
    assert shown == [text if value != round(value) else formats.fmt_number(value, 0)]
    assert landing._fmt(value, digits) == text and landing._fmt(None) == formats.MISSING
