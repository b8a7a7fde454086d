"""``figures.best`` orders rows by one Python sort; it must take the rows, in the order, with
the dtypes and index that pandas' sort of the ranking keys and ``drop_duplicates`` give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm.data import figures
from chasm.data.figures import CELL

SOURCES = ["essay-chasm-2025", "levada-ru-2025-04", "nowhere"]


def by_pandas(tidy: pd.DataFrame) -> pd.DataFrame:
    """What ``best`` returned before: pandas' stable sort of the keys, first row per cell."""
    return figures._drop_keys(figures._ranked(tidy).drop_duplicates(CELL)).reset_index(drop=True)


def _same(tidy: pd.DataFrame) -> None:
    fast = figures.best(tidy)
    pd.testing.assert_frame_equal(fast, by_pandas(tidy), check_exact=True)
    assert list(fast.dtypes) == list(by_pandas(tidy).dtypes)


def test_every_cell_and_the_whole_table():
    tidy = figures.load()
    assert figures._best_rows(tidy) is not None  # the fast sort, not the fallback
    for frame in (tidy, tidy.iloc[::-1], tidy.sample(frac=1.0, random_state=3), tidy.iloc[:0]):
        _same(frame)
    for _, cell in tidy.groupby(CELL):
        _same(cell)
        _same(cell.iloc[::-1])


def _text(values):
    return st.one_of(st.sampled_from(values), st.just(np.nan))


COLUMNS = {
    "figure_id": _text(["E01", "E02", "L10", "S2", "e01"]),
    "source_id": _text(SOURCES),
    "source_kind": _text(["primary", "essay", "other"]),
    "wave": _text(["2024-03"]), "question": st.just("q1"), "option": _text(["yes", "Yes"]),
    "subgroup_var": st.just("all"), "subgroup": _text(["all"]),
    "point": st.one_of(st.just(np.nan), st.sampled_from([9.0, 37.0, 37.5])),
    "rule": _text(["number", "about", "range"]),
}
ROW = st.fixed_dictionaries(COLUMNS)


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, max_size=12), st.booleans(), st.booleans())
def test_random_tables_with_missing_values(rows, as_strings, extra):
    tidy = pd.DataFrame(rows, columns=list(COLUMNS))
    if tidy.empty:
        tidy = figures.load().iloc[:0]
    if as_strings:  # as the loader types them; else plain object columns
        tidy = tidy.astype({c: "str" for c in tidy.columns if c != "point"})
    if extra:
        tidy = tidy.assign(_private=1, low=tidy["point"] - 1)
    _same(tidy)


def test_other_values_fall_back_to_pandas_order():
    tidy = figures.load().head(6).astype({"option": object})
    tidy.loc[tidy.index[0], "option"] = 7  # not text: pandas' order, whatever it is
    assert figures._best_rows(tidy) is None
    _same(tidy)
