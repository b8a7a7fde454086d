"""How this project writes a table: one float writer and the processed tables.

Every float written (tables, ``text/csv`` outputs, processed data) goes through
:func:`float_text` at :data:`SIGNIFICANT_DIGITS`, and every table through :func:`csv_text`, so
that the committed bytes do not depend on a machine's last bits. Processed tables are written
atomically (temporary file, then rename) and, while ``make`` builds a report, into the staging
folder ``$CHASM_STAGING`` that the build moves into place only when the whole notebook succeeded.
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path

import pandas as pd

from chasm import paths


def processed_out_dir() -> Path:
    """Where processed tables are written: ``paths.staged(data/processed)``, created."""
    out = paths.staged(paths.PROCESSED)
    out.mkdir(parents=True, exist_ok=True)
    return out


#: Every float this project writes (tables, ``text/csv`` outputs, processed data) carries this
#: many significant digits, never more. Why 10: a computed value differs between machines in
#: its last bits (BLAS, libm, summation order) and a root found by ``brentq`` by up to its
#: tolerance (``stats.sensitivity`` asks for 1e-13); at 10 digits such differences change a
#: written value only if it lies within a few ulps of a rounding boundary (odds about 1e-6 per
#: value), whereas full precision (``repr``) made the committed bytes depend on the machine.
#: 10 digits are still more than any page shows (at most 6) and keep counts up to 10^10 exact.
SIGNIFICANT_DIGITS = 10


def _ulp_noise() -> int:
    """``CHASM_FLOAT_NOISE_ULPS`` (a whole number, default 0): the reproducibility check in
    ``.ci/run`` rebuilds every report with each written float moved by that many ulps and
    requires identical bytes, standing in for another machine's last-bit differences."""
    text = os.environ.get("CHASM_FLOAT_NOISE_ULPS", "0")
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"CHASM_FLOAT_NOISE_ULPS={text!r}: expected a whole number of ulps")
    return int(text)


def float_text(value: float, noise: int | None = None) -> str:
    """``value`` at :data:`SIGNIFICANT_DIGITS` significant digits (``%g`` style: no trailing
    zeros, ``1e-07`` for tiny values); exact zeros stay ``0``. With ``noise`` (default: the
    environment's :func:`_ulp_noise`) a non-zero value is first moved that many ulps, up or
    down by its own last bit, so the check exercises both directions."""
    x = float(value)
    noise = _ulp_noise() if noise is None else noise
    if noise and x != 0 and math.isfinite(x):
        direction = math.inf if struct.pack("<d", x)[0] & 1 else -math.inf
        for _ in range(noise):
            x = math.nextafter(x, direction)
    return f"{x:.{SIGNIFICANT_DIGITS}g}"


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index, LF line ends), every float through :func:`float_text`,
    floats inside text columns included: the one way this project writes a table."""
    def cell(v: object) -> object:
        if isinstance(v, float) and not pd.isna(v):
            return float_text(v)
        return v

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(cell)
    noise = _ulp_noise()
    return out.to_csv(index=False, lineterminator="\n",
                      float_format=lambda v: float_text(v, noise))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table deterministically (:func:`csv_text`) and atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(csv_text(frame), encoding="utf-8", newline="")
    os.replace(tmp, path)
    return path


def write_processed(frame: pd.DataFrame, name: str) -> str:
    """Write ``data/processed/<name>.csv`` (via the staging folder during a build).

    Returns the table's project path (where it lands), not the staging path.
    """
    write_csv(frame, processed_out_dir() / f"{name}.csv")
    return paths.relative(paths.PROCESSED / f"{name}.csv")

