"""Multiplicity control for a family of tests: Holm (family-wise error) and Benjamini-Hochberg.

Numbers in, numbers out: knows nothing of waves, questions or metadata. Which tests form a
family, and which method it uses, is the analysis plan's business, not this module's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.stats._validate import ArrayLike, as_float, check_fraction

#: The adjustments :func:`adjust_pvalues` makes: the methods ``data/plan.yaml`` may name.
ADJUST_METHODS = ("holm", "fdr_bh")


def adjust_pvalues(p: ArrayLike, method: str = "holm") -> np.ndarray | pd.Series:
    """Multiplicity-adjusted p-values: Holm (family-wise error) or Benjamini-Hochberg (FDR).

    Computed directly (the same numbers as ``statsmodels.stats.multitest.multipletests`` with
    ``method="holm"`` / ``"fdr_bh"``, which the tests check; statsmodels itself runs a full
    garbage collection per call, about a second each time the claims register is evaluated).
    Holm: sort p ascending, ``adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))`` (Holm 1979).
    BH: ``adj_(i) = min_{j >= i} min(1, m p_(j) / j)`` (Benjamini & Hochberg 1995).

    NaN policy: NaN p-values (tests that could not be computed, e.g. 0% vs 0%) stay NaN and are
    left out of the family, so m counts only the tests actually carried out.
    Returns the same shape as the input (a Series keeps its index).
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"method must be one of {ADJUST_METHODS}, got {method!r}")
    arr = np.atleast_1d(as_float("p", p)).astype(float)
    if arr.ndim != 1:
        raise ValueError(f"p must be one-dimensional, got shape {arr.shape}")
    ok = np.flatnonzero(~np.isnan(arr))
    check_fraction("p", arr[ok])
    adjusted = np.full(arr.shape, np.nan)
    order = ok[np.argsort(arr[ok], kind="stable")]
    m = order.size
    rank = np.arange(1, m + 1)
    if method == "holm":
        adjusted[order] = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * arr[order]))
    else:
        steps = np.minimum(1.0, m * arr[order] / rank)
        adjusted[order] = np.minimum.accumulate(steps[::-1])[::-1]
    if isinstance(p, pd.Series):
        return pd.Series(adjusted, index=p.index, name=p.name)
    return adjusted
