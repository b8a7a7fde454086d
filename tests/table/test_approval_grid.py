"""``approval_weights`` builds its grid of weight vectors with numpy; every vector, the
weights and the published shares must be the floats the pandas computation per corner gave."""

from __future__ import annotations

import itertools  # noqa: F401 (the reference below)

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm.analysis.weights import (
    APPROVAL_GROUPS,
    ApprovalWeights,
    NoWeights,
    approval_weights,
    merged_label,
)
from chasm.data import load


# The computation before numpy (commit 960bc6a), the reference.
def pandas_grid(approval: pd.DataFrame, month: str | None) -> ApprovalWeights:
    """Approval split of ``month`` from ``load.load_approval()``; :class:`NoWeights` if none."""
    row = approval[approval["month"] == month] if month else approval.iloc[0:0]
    if row.empty:
        raise NoWeights(f"month {month!r} is not in the approval series")
    published = pd.Series(row.iloc[0][list(APPROVAL_GROUPS)].astype(float).to_numpy(),
                          index=list(APPROVAL_GROUPS))
    known = [g for g in APPROVAL_GROUPS if not np.isnan(published[g])]
    if not known:
        raise NoWeights(f"month {month!r} publishes no approval share")
    raw_sum = float(published[known].sum())
    if len(known) == len(APPROVAL_GROUPS):
        members = {g: (g,) for g in APPROVAL_GROUPS}
        grid = []
        for shifts in itertools.product((-0.5, 0.0, 0.5), repeat=len(APPROVAL_GROUPS)):
            shifted = (published + np.array(shifts)).clip(lower=0.0)
            grid.append(shifted / shifted.sum())
        return ApprovalWeights(month, published, raw_sum, True, published / raw_sum, members,
                               grid)
    rest = tuple(g for g in APPROVAL_GROUPS if g not in known)
    members = {g: (g,) for g in known} | {merged_label(rest): rest}

    def split(shares: pd.Series) -> pd.Series:
        return pd.Series({**(shares / 100.0).to_dict(),
                          merged_label(rest): 1.0 - float(shares.sum()) / 100.0})

    grid = [split(published[known] + np.array(shifts))
            for shifts in itertools.product((-0.5, 0.0, 0.5), repeat=len(known))]
    return ApprovalWeights(month, published, raw_sum, False, split(published[known]), members,
                           grid)


def _same(new: ApprovalWeights, old: ApprovalWeights) -> None:
    assert (new.month, new.raw_sum, new.complete, new.members) == (
        old.month, old.raw_sum, old.complete, old.members)
    for a, b in [(new.published, old.published), (new.weights, old.weights),
                 *zip(new.grid, old.grid, strict=True)]:
        pd.testing.assert_series_equal(a, b, check_exact=True)
        assert a.index.dtype == b.index.dtype
    assert len(new.grid) == len(old.grid)


def test_every_month_of_the_series():
    approval = load.load_approval()
    for month in approval["month"]:
        _same(approval_weights(approval, month), pandas_grid(approval, month))


SHARE = st.one_of(st.just(np.nan), st.integers(0, 200).map(lambda k: k / 2),
                  st.floats(0.0, 100.0, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(st.tuples(SHARE, SHARE, SHARE))
def test_any_published_shares(shares):
    approval = pd.DataFrame([{"month": "2024-03", **dict(zip(APPROVAL_GROUPS, shares,
                                                             strict=True))}])
    try:
        old = pandas_grid(approval, "2024-03")
    except NoWeights:
        with pytest.raises(NoWeights):
            approval_weights(approval, "2024-03")
        return
    _same(approval_weights(approval, "2024-03"), old)
