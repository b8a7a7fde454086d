"""Design effect implied by a published table of sampling errors, and effective sample size.

WHAT. Levada publishes, with every release, the maximum sampling error at N=1600 and 95%
confidence for shares near 50%, 25/75%, 10/90% and 5/95% (3.4, 2.9, 2.0, 1.5 points). Dividing
each by the simple-random-sampling (SRS) error at the same share gives the design effect the
table assumes.

WHY. Statsmodels has no design-effect argument. Every interval and test in ``chasm`` therefore
works on effective counts (n_eff = n / deff; Kish 1965, Survey Sampling, sec. 8.2), and deff
has to come from somewhere published rather than from our own guess.

FORMULA. SRS margin of error in points: ``MOE_srs(p) = z * sqrt(p (1 - p) / n) * 100`` with
``z = Phi^-1(1 - (1 - confidence) / 2)``. Per row ``deff = (MOE_pub / MOE_srs)^2``. One common
deff: least squares of ``MOE_pub = k * MOE_srs`` through the origin,
``k = sum(MOE_pub * MOE_srs) / sum(MOE_srs^2)`` and ``deff = k^2``. Published errors are rounded
to 0.1 point, so each row only pins deff to ``[(e - 0.05)^2, (e + 0.05)^2] / MOE_srs^2``; the
deffs consistent with every row form the intersection of those intervals.

References: Kish, L. (1965) Survey Sampling, Wiley, sec. 8.2 (design effect, effective n);
Levada Center methodology note ("statistical error at N=1600 ... does not exceed 3.4% / 2.9% /
2.0% / 1.5%"), data/raw/levada_error_table.csv. For that table: deff ~ 1.90, feasible range
1.87-1.93, n_eff ~ 843.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chasm.stats._validate import (
    ArrayLike,
    broadcast,
    check_fraction,
    check_pct,
    check_positive,
    scalar_or_array,
)

#: The deff values to show in every sensitivity table: SRS, moderate, Levada's table, high.
DEFF_SENSITIVITY: tuple[float, ...] = (1.0, 1.5, 1.9, 2.5)

_TABLE_COLUMNS = ("share_near_pct", "max_error_pct", "sample_n", "confidence")


@dataclass(frozen=True)
class DeffEstimate:
    """Design effect backed out of a published error table.

    Attributes: ``deff`` (least squares), ``deff_low``/``deff_high`` (range consistent with
    every row after rounding), ``n`` (the table's sample size), ``n_eff`` (= n / deff) and
    ``rows`` (one row per table line: SRS error, ratio, per-row deff and its rounding range).
    """

    deff: float
    deff_low: float
    deff_high: float
    n: float
    n_eff: float
    rows: pd.DataFrame


def srs_error(pct: ArrayLike, n: ArrayLike, confidence: ArrayLike = 0.95) -> float | np.ndarray:
    """Margin of error (points) of a share under simple random sampling.

    ``z * sqrt(p (1 - p) / n) * 100`` with ``z`` the two-sided normal quantile for
    ``confidence``; e.g. 50% at n=1600 and 95% gives 2.45 points.
    """
    from scipy.stats import norm

    p = check_pct("pct", pct) / 100.0
    n_arr = check_positive("n", n)
    conf = check_fraction("confidence", confidence, open_interval=True)
    p, n_arr, conf = broadcast(pct=p, n=n_arr, confidence=conf)
    z = norm.ppf(1.0 - (1.0 - conf) / 2.0)
    return scalar_or_array(z * np.sqrt(p * (1.0 - p) / n_arr) * 100.0)


def effective_n(n: ArrayLike, deff: ArrayLike) -> float | np.ndarray:
    """Kish's effective sample size ``n / deff`` (vectorised; floats for scalar input)."""
    n_arr = check_positive("n", n)
    deff_arr = check_positive("deff", deff)
    n_arr, deff_arr = broadcast(n=n_arr, deff=deff_arr)
    return scalar_or_array(n_arr / deff_arr)


def deff_from_error_table(table: pd.DataFrame, rounding: float = 0.05) -> DeffEstimate:
    """Design effect implied by a published error table (see the module docstring).

    ``table`` needs columns share_near_pct, max_error_pct, sample_n, confidence (one sample
    size for the whole table). ``rounding`` is the half-width of the rounding of the
    published errors (0.05 for errors printed to one decimal).

    Rows that state the same thing twice (shares p and 100 - p have the same SRS error, and
    Levada prints "25%/75%" as one line) are counted once in the least-squares fit, so a table
    written with or without the mirror rows gives the same deff. The feasible range is
    unaffected by duplicates.

    Raises ValueError if a column is missing or invalid, if the table mixes sample sizes, or if
    no single deff is consistent with every row.
    """
    missing = [c for c in _TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"table is missing columns {missing}")
    if len(table) == 0:
        raise ValueError("table has no rows")
    if not rounding >= 0:
        raise ValueError(f"rounding must be >= 0, got {rounding}")
    share = check_pct("share_near_pct", table["share_near_pct"])
    error = check_positive("max_error_pct", table["max_error_pct"])
    n = check_positive("sample_n", table["sample_n"])
    conf = check_fraction("confidence", table["confidence"], open_interval=True)
    if np.unique(n).size != 1:
        raise ValueError(f"sample_n must be the same on every row, got {sorted(set(n))}")
    if ((share == 0) | (share == 100)).any():
        raise ValueError("share_near_pct must be strictly between 0 and 100 (SRS error is 0)")

    srs = np.asarray(srs_error(share, n, conf))
    rows = pd.DataFrame(
        {
            "share_near_pct": share,
            "max_error_pct": error,
            "sample_n": n,
            "confidence": conf,
            "srs_error_pct": srs,
            "ratio": error / srs,
            "deff": (error / srs) ** 2,
            "deff_low": (np.maximum(error - rounding, 0.0) / srs) ** 2,
            "deff_high": ((error + rounding) / srs) ** 2,
        },
        index=table.index,
    )
    rows["n_eff"] = n / rows["deff"]

    folded = np.minimum(share, 100.0 - share)
    unique = ~pd.DataFrame({"s": folded, "e": error, "c": conf}).duplicated().to_numpy()
    k = np.sum(error[unique] * srs[unique]) / np.sum(srs[unique] ** 2)
    deff = float(k**2)

    low, high = float(rows["deff_low"].max()), float(rows["deff_high"].min())
    if low > high:
        raise ValueError(
            f"no single deff fits every row of the error table: the rounding ranges do not "
            f"overlap (largest lower end {low:.3f} > smallest upper end {high:.3f})"
        )
    return DeffEstimate(
        deff=deff, deff_low=low, deff_high=high, n=float(n[0]), n_eff=float(n[0]) / deff, rows=rows
    )
