"""Design effect from Levada's published error table (independent hand references)."""

import math

import numpy as np
import pandas as pd
import pytest

from chasm.stats.design import DEFF_SENSITIVITY, deff_from_error_table, effective_n, srs_error

Z95 = 1.959963984540054  # Phi^-1(0.975)


def levada_table(mirrors: bool = True) -> pd.DataFrame:
    """Levada's boilerplate: 3.4 / 2.9 / 2.0 / 1.5 points near 50 / 25 / 10 / 5% at N=1600, 95%."""
    rows = [(50, 3.4), (25, 2.9), (10, 2.0), (5, 1.5)]
    if mirrors:
        rows += [(75, 2.9), (90, 2.0), (95, 1.5)]
    share, error = zip(*rows, strict=True)
    return pd.DataFrame(
        {"share_near_pct": share, "max_error_pct": error, "sample_n": 1600, "confidence": 0.95}
    )


def test_levada_deff_least_squares_and_range():
    est = deff_from_error_table(levada_table())
    assert 1.87 <= est.deff <= 1.93
    assert est.deff == pytest.approx(1.90, abs=0.005)
    assert est.deff_low == pytest.approx(1.870, abs=0.001)
    assert est.deff_high == pytest.approx(1.933, abs=0.001)
    assert est.n_eff == pytest.approx(843, abs=1)
    assert est.n == 1600


def test_least_squares_by_hand():
    # k = sum(e * s) / sum(s^2) over the four distinct rows; deff = k^2
    srs = np.array([Z95 * math.sqrt(p * (1 - p) / 1600) * 100 for p in (0.5, 0.25, 0.1, 0.05)])
    err = np.array([3.4, 2.9, 2.0, 1.5])
    k = (err * srs).sum() / (srs**2).sum()
    assert deff_from_error_table(levada_table()).deff == pytest.approx(k**2, rel=1e-12)


def test_mirror_rows_do_not_change_the_fit():
    with_mirrors = deff_from_error_table(levada_table(mirrors=True))
    without = deff_from_error_table(levada_table(mirrors=False))
    assert with_mirrors.deff == pytest.approx(without.deff, rel=1e-12)
    assert with_mirrors.deff_low == without.deff_low
    assert with_mirrors.deff_high == without.deff_high


def test_per_row_deff_matches_hand_values():
    rows = deff_from_error_table(levada_table(mirrors=False)).rows
    # SRS error at 50%: 1.96 * 0.5 / 40 * 100 = 2.450 points; deff = (3.4 / 2.450)^2 = 1.926
    assert rows.loc[0, "srs_error_pct"] == pytest.approx(2.44995, abs=1e-4)
    assert list(rows["deff"].round(3)) == [1.926, 1.868, 1.851, 1.973]
    assert rows.loc[0, "deff_low"] == pytest.approx((3.35 / 2.44995) ** 2, rel=1e-4)
    assert rows.loc[0, "deff_high"] == pytest.approx((3.45 / 2.44995) ** 2, rel=1e-4)


def test_empty_intersection_raises():
    table = levada_table(mirrors=False)
    table.loc[3, "max_error_pct"] = 3.0  # 5% with a 3.0 point error: deff ~ 7.9
    with pytest.raises(ValueError, match="no single deff"):
        deff_from_error_table(table)


@pytest.mark.parametrize(
    ("column", "value"),
    [("share_near_pct", 120), ("share_near_pct", 0), ("max_error_pct", -1), ("sample_n", 0)],
)
def test_bad_table_values_raise(column, value):
    table = levada_table()
    table.loc[0, column] = value
    with pytest.raises(ValueError, match=column):
        deff_from_error_table(table)


def test_bad_table_shape_raises():
    with pytest.raises(ValueError, match="missing columns"):
        deff_from_error_table(levada_table().drop(columns="confidence"))
    mixed = levada_table()
    mixed.loc[0, "sample_n"] = 2000
    with pytest.raises(ValueError, match="sample_n"):
        deff_from_error_table(mixed)


def test_effective_n_and_srs_error():
    assert effective_n(1600, 1.9) == pytest.approx(842.105, abs=1e-3)
    np.testing.assert_allclose(effective_n([1600, 800], [2.0, 1.0]), [800, 800])
    assert srs_error(50, 1600) == pytest.approx(2.45, abs=0.001)
    assert 1.9 in DEFF_SENSITIVITY and 1.0 in DEFF_SENSITIVITY


@pytest.mark.parametrize(("n", "deff"), [(0, 1.9), (-5, 1.9), (1600, 0), (1600, -1.0)])
def test_effective_n_bad_arguments(n, deff):
    with pytest.raises(ValueError, match="must be finite and > 0"):
        effective_n(n, deff)


def test_effective_n_mismatched_lengths():
    with pytest.raises(ValueError, match="mismatched lengths"):
        effective_n([1600, 1600, 800], [1.9, 2.0])
