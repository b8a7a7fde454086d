"""Multiplicity adjustment (Holm, BH): textbook examples, statsmodels, the NaN policy."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm.stats.multiplicity import adjust_pvalues


def test_holm_textbook_example():
    # sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(0.06, 1*0.04)
    np.testing.assert_allclose(adjust_pvalues([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])


def test_bh_textbook_example():
    # m p / rank: 0.03, 0.045, 0.04 -> step-up minimum from the top: 0.03, 0.04, 0.04
    np.testing.assert_allclose(adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh"), [0.03, 0.04, 0.04])


@settings(max_examples=15, deadline=None)  # statsmodels runs gc.collect() per call (~0.15 s)
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=12),
       st.sampled_from(["holm", "fdr_bh"]))
def test_adjustment_matches_statsmodels(p, method):
    """Independent reference: statsmodels' multipletests with the same method."""
    from statsmodels.stats.multitest import multipletests

    np.testing.assert_allclose(adjust_pvalues(p, method), multipletests(p, method=method)[1],
                               rtol=1e-12, atol=1e-12)


def test_adjust_nan_left_out_of_the_family():
    out = adjust_pvalues(pd.Series([0.01, np.nan, 0.03], index=list("abc")))
    assert list(out.index) == list("abc")
    assert (
        out["a"] == pytest.approx(0.02) and np.isnan(out["b"]) and out["c"] == pytest.approx(0.03)
    )


def test_adjust_bad_arguments():
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues([0.01, 0.02], method="hs")
    with pytest.raises(ValueError, match="p must lie between 0 and 1"):
        adjust_pvalues([0.01, 1.2])
