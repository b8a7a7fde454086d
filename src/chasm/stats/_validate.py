"""Shared argument checks and the effective-count conversion for the statistics modules.

Every public statistics function in ``chasm`` takes shares as published percentages (0-100).
These helpers turn arguments into float arrays, reject bad values with a ``ValueError`` that
names the argument and the offending value, and do the one conversion all inference rests on:
effective counts (Kish 1965): ``n_eff = n / deff`` and ``x_eff = p * n_eff`` with ``p`` a
fraction. Kept free of statsmodels/scipy so that importing it is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

ArrayLike = Any  # scalar, sequence, numpy array or pandas Series


def _show(values: np.ndarray) -> str:
    """A short, readable rendering of the offending values for error messages."""
    flat = np.atleast_1d(values).ravel()
    shown = ", ".join(f"{v:g}" for v in flat[:5])
    return shown + (", ..." if flat.size > 5 else "")


def as_float(name: str, value: ArrayLike) -> np.ndarray:
    """Convert ``value`` to a float array; ValueError naming ``name`` if that is impossible."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {value!r}") from exc


def check_pct(name: str, value: ArrayLike, allow_nan: bool = False) -> np.ndarray:
    """Return ``value`` as a float array of percentages, checking 0 <= value <= 100."""
    arr = as_float(name, value)
    nan = np.isnan(arr)
    if nan.any() and not allow_nan:
        raise ValueError(f"{name} must not be NaN, got {_show(arr)}")
    bad = ~nan & ((arr < 0) | (arr > 100))
    if bad.any():
        raise ValueError(f"{name} must be a percentage between 0 and 100, got {_show(arr[bad])}")
    return arr


def check_positive(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float array, checking every element is finite and > 0."""
    arr = as_float(name, value)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ValueError(f"{name} must be finite and > 0, got {_show(arr[bad])}")
    return arr


def check_fraction(name: str, value: ArrayLike, open_interval: bool = False) -> np.ndarray:
    """Return ``value`` as floats in [0, 1] (or (0, 1) when ``open_interval``)."""
    arr = as_float(name, value)
    if open_interval:
        bad = ~((arr > 0) & (arr < 1))
        if bad.any():
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {_show(arr[bad])}")
    else:
        bad = ~((arr >= 0) & (arr <= 1))
        if bad.any():
            raise ValueError(f"{name} must lie between 0 and 1, got {_show(arr[bad])}")
    return arr


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` as a float, checking 0 < alpha < 1."""
    return float(check_fraction("alpha", alpha, open_interval=True))


def check_low_high(low_name: str, low: np.ndarray, high_name: str, high: np.ndarray) -> None:
    """ValueError if any low > high (NaN pairs are ignored)."""
    bad = low > high
    if np.any(bad):
        raise ValueError(
            f"{low_name} must not exceed {high_name}: got {low_name}={_show(low[bad])} "
            f"and {high_name}={_show(high[bad])}"
        )


def broadcast(**arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast named arrays to one shape; ValueError naming the arguments if lengths clash."""
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"mismatched lengths: {shapes}") from None


def index_of(*values: ArrayLike) -> pd.Index | None:
    """The index of the first pandas Series among ``values`` (to label tabular output)."""
    for value in values:
        if isinstance(value, pd.Series):
            return value.index
    return None


def frame(columns: Mapping[str, ArrayLike], index: pd.Index | None = None) -> pd.DataFrame:
    """A DataFrame with one row per element of the (broadcast, 1-D) columns."""
    data = {k: np.atleast_1d(v).ravel() for k, v in columns.items()}
    length = max(len(v) for v in data.values())
    if index is not None and len(index) != length:
        index = None
    return pd.DataFrame(data, index=index)


def effective_counts(
    pct: ArrayLike,
    n: ArrayLike,
    deff: ArrayLike,
    names: tuple[str, str, str] = ("pct", "n", "deff"),
) -> tuple[np.ndarray, np.ndarray]:
    """Effective counts ``(x_eff, n_eff)`` for shares ``pct`` (percent) from ``n`` interviews.

    ``n_eff = n / deff`` is Kish's effective sample size and ``x_eff = pct / 100 * n_eff`` the
    number of "effective" respondents giving the answer. Neither needs to be an integer.
    NaN shares are passed through as NaN counts (callers decide whether that is allowed).
    ``names`` are the caller's argument names, used in error messages.
    """
    p = check_pct(names[0], pct, allow_nan=True) / 100.0
    n_arr = check_positive(names[1], n)
    deff_arr = check_positive(names[2], deff)
    p, n_arr, deff_arr = broadcast(**dict(zip(names, (p, n_arr, deff_arr), strict=True)))
    n_eff = n_arr / deff_arr
    return p * n_eff, n_eff


def share_range(
    name: str, value: ArrayLike | tuple[ArrayLike, ArrayLike]
) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` arrays for a share given as a point or as a ``(low, high)`` tuple.

    A *tuple* of length 2 means a range of possible true values (rounding, "35-40%");
    anything else (number, list, array, Series) is a point value or a vector of point values.
    """
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} given as a tuple must be (low, high), got {value!r}")
        low = check_pct(f"{name} low", value[0])
        high = check_pct(f"{name} high", value[1])
        low, high = broadcast(**{f"{name} low": low, f"{name} high": high})
        check_low_high(f"{name} low", low, f"{name} high", high)
        return low, high
    point = check_pct(name, value)
    return point, point


def scalar_or_array(value: np.ndarray) -> float | np.ndarray:
    """A Python float for 0-d results, the array otherwise."""
    return float(value) if np.ndim(value) == 0 else value
