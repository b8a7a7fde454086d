"""Brent's method over arrays: one root per row, every row's iterations in one numpy call.

WHAT. :func:`brentq_rows` finds, for each row ``i``, the root of ``f(x, rows)[i]`` in
``[a[i], b[i]]`` by exactly the steps of scipy's ``brentq`` (``scipy/optimize/Zeros/brentq.c``:
the same bracket bookkeeping, inverse quadratic / secant step, bisection fallback, tolerance
``(xtol + rtol |x|) / 2`` and iteration limit), with the function evaluated for all rows still
iterating at once. Given a vectorised ``f`` whose value at a row equals the scalar function's,
each root is the one ``scipy.optimize.brentq`` returns for that row, to the last bit
(``tests/stats/test_roots.py`` checks it against scipy).

WHY. Tipping points, the intervals and margins of the noise-widened test and the series'
hundreds of adjacent changes each need a one-dimensional root; calling ``brentq`` per row
spends nearly all the time in Python-level function calls on single numbers. Doing the same
iterations across rows keeps every published root (found to ``xtol`` 1e-13 / ``rtol`` 4e-15)
unchanged while the arithmetic runs in numpy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: scipy's default iteration limit for ``brentq``.
MAXITER = 100


def brentq_rows(f: Callable[[np.ndarray, np.ndarray], np.ndarray], a, b, xtol: float,
                rtol: float, maxiter: int = MAXITER) -> np.ndarray:
    """Roots of ``f`` in ``[a, b]`` row by row (``a``, ``b`` arrays of one length).

    ``f(x, rows)`` returns the function at ``x[k]`` for row ``rows[k]`` (``rows`` an integer
    index array, ``x`` of the same length). Every row's bracket must change sign (or hold a
    zero at an end), as ``brentq`` requires; a row that does not raises ``ValueError``. A row
    that does not converge in ``maxiter`` iterations raises ``RuntimeError``, as ``brentq``
    does.
    """
    xpre = np.array(a, dtype=float, copy=True).ravel()
    xcur = np.array(b, dtype=float, copy=True).ravel()
    size = xpre.size
    out = np.full(size, np.nan)
    if size == 0:
        return out
    every = np.arange(size)
    fpre = np.asarray(f(xpre, every), dtype=float).copy()
    fcur = np.asarray(f(xcur, every), dtype=float).copy()
    if np.isnan(fpre).any() or np.isnan(fcur).any():  # as scipy's brentq
        raise ValueError("the function is NaN at an end of the bracket")
    at_a, at_b = fpre == 0, (fpre != 0) & (fcur == 0)
    out[at_a], out[at_b] = xpre[at_a], xcur[at_b]
    open_ = ~(at_a | at_b)
    bad = open_ & (np.signbit(fpre) == np.signbit(fcur))
    if bad.any():
        raise ValueError(f"f(a) and f(b) must have different signs (rows {np.flatnonzero(bad)})")
    idx = np.flatnonzero(open_)
    xpre, xcur, fpre, fcur = xpre[idx], xcur[idx], fpre[idx], fcur[idx]
    xblk, fblk = np.zeros_like(xpre), np.zeros_like(xpre)
    spre, scur = np.zeros_like(xpre), np.zeros_like(xpre)
    for _ in range(maxiter):
        if idx.size == 0:
            return out
        new = (fpre != 0) & (fcur != 0) & (np.signbit(fpre) != np.signbit(fcur))
        xblk = np.where(new, xpre, xblk)
        fblk = np.where(new, fpre, fblk)
        spre = np.where(new, xcur - xpre, spre)
        scur = np.where(new, xcur - xpre, scur)

        swap = np.abs(fblk) < np.abs(fcur)
        xpre, xcur, xblk = (np.where(swap, xcur, xpre), np.where(swap, xblk, xcur),
                            np.where(swap, xcur, xblk))
        fpre, fcur, fblk = (np.where(swap, fcur, fpre), np.where(swap, fblk, fcur),
                            np.where(swap, fcur, fblk))

        delta = (xtol + rtol * np.abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        done = (fcur == 0) | (np.abs(sbis) < delta)
        if done.any():
            out[idx[done]] = xcur[done]
            keep = ~done
            idx = idx[keep]
            xpre, xcur, xblk, fpre, fcur, fblk, spre, scur, delta, sbis = (
                v[keep] for v in (xpre, xcur, xblk, fpre, fcur, fblk, spre, scur, delta, sbis))
            if idx.size == 0:
                return out

        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            interp = -fcur * (xcur - xpre) / (fcur - fpre)
            dpre = (fpre - fcur) / (xpre - xcur)
            dblk = (fblk - fcur) / (xblk - xcur)
            extrap = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
        stry = np.where(xpre == xblk, interp, extrap)
        try_step = (np.abs(spre) > delta) & (np.abs(fcur) < np.abs(fpre))
        good = try_step & (2 * np.abs(stry) < np.minimum(np.abs(spre), 3 * np.abs(sbis) - delta))
        spre, scur = np.where(good, scur, sbis), np.where(good, stry, sbis)

        xpre, fpre = xcur, fcur
        xcur = np.where(np.abs(scur) > delta, xcur + scur,
                        xcur + np.where(sbis > 0, delta, -delta))
        fcur = np.asarray(f(xcur, idx), dtype=float).copy()
        if np.isnan(fcur).any():  # as scipy's brentq, which stops on a NaN function value
            raise ValueError(f"the function is NaN at x = {xcur[np.isnan(fcur)]}; "
                             "Brent's method cannot continue")
    if idx.size:
        raise RuntimeError(f"Brent's method did not converge in {maxiter} iterations "
                           f"(rows {idx})")
    return out
