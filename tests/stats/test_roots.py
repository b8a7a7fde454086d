"""Brent's method over arrays equals scipy's brentq row by row, to the last bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from chasm.stats._roots import brentq_rows

XTOL, RTOL = 1e-13, 4e-15


def _cubic(x, c):
    """A family of monotone-ish functions with curvature (Brent takes interpolation steps)."""
    return (x - c[0]) ** 3 + c[1] * (x - c[0]) + c[2] * np.tanh(x - c[0])


rows = st.lists(st.tuples(st.floats(-5, 5), st.floats(0, 3), st.floats(0, 2),
                          st.floats(0.01, 10), st.floats(0.01, 10)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(rows=rows, tol=st.sampled_from([(XTOL, RTOL), (1e-12, 1e-12), (1e-6, 4e-15)]))
def test_equals_scipy_bitwise(rows, tol):
    coef = np.array([r[:3] for r in rows])
    a = coef[:, 0] - np.array([r[3] for r in rows])
    b = coef[:, 0] + np.array([r[4] for r in rows])

    def f(x, idx):
        return _cubic(x, coef[idx].T)

    want = []
    for i, c in enumerate(coef):
        try:
            want.append(brentq(lambda x, c=c: float(_cubic(np.array([x]), c[:, None])[0]),
                               a[i], b[i], xtol=tol[0], rtol=tol[1]))
        except RuntimeError:  # scipy does not converge in 100 iterations: neither may we
            with pytest.raises(RuntimeError, match="did not converge"):
                brentq_rows(f, a, b, *tol)
            return
    got = brentq_rows(f, a, b, *tol)
    assert got.tolist() == want


def test_root_at_an_end_and_reversed_bracket():
    def f(x, idx):
        return x - np.array([0.0, 2.0, 1.5])[idx]

    got = brentq_rows(f, [0.0, 3.0, 3.0], [1.0, 2.0, 0.0], XTOL, RTOL)
    assert got[0] == 0.0 and got[1] == 2.0
    assert got[2] == brentq(lambda x: x - 1.5, 3.0, 0.0, xtol=XTOL, rtol=RTOL)


def test_no_sign_change_or_nan_stops():
    with pytest.raises(ValueError, match="different signs"):
        brentq_rows(lambda x, idx: x ** 2 + 1, [-1.0], [1.0], XTOL, RTOL)
    with pytest.raises(ValueError, match="NaN"):
        brentq_rows(lambda x, idx: np.where((x > -1) & (x < 1), np.nan, x), [-2.0], [3.0],
                    XTOL, RTOL)


def test_empty():
    assert brentq_rows(lambda x, idx: x, [], [], XTOL, RTOL).size == 0
