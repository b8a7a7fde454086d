"""Every float the project writes carries ``write.SIGNIFICANT_DIGITS`` significant digits, so the
committed bytes do not depend on a machine's last-bit differences (chasm.data.write.float_text,
csv_text, write_csv; tables.table's ``text/csv``).

The rebuild with perturbed floats (``CHASM_FLOAT_NOISE_ULPS``) runs in ``.ci/run`` on every
report; here: the formatter's properties, and a scan of every committed table and notebook
output for a float written with more digits than the declared precision.
"""

import json
import math
import re
import struct

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chasm import paths, tables
from chasm.data import write

DIGITS = write.SIGNIFICANT_DIGITS
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def _near_boundary(x: float, ulps: int) -> bool:
    """True if some value within ``ulps`` ulps of x is written differently (x sits that close
    to a rounding boundary at the declared precision; such values are rare, see io)."""
    texts = set()
    for direction in (math.inf, -math.inf):
        y = x
        for _ in range(ulps):
            y = math.nextafter(y, direction)
            texts.add(f"{y:.{DIGITS}g}")
    return len(texts | {f"{x:.{DIGITS}g}"}) > 1


@settings(max_examples=500, deadline=None)
@given(finite)
def test_written_value_is_within_half_a_unit_of_the_last_digit(x):
    text = write.float_text(x, noise=0)
    assert len(re.sub(r"e.*$|[-.]", "", text).lstrip("0")) <= DIGITS
    back = float(text)
    if x == 0:
        assert back == 0
    else:
        unit = 10 ** (math.floor(math.log10(abs(x))) - DIGITS + 1)
        assert abs(back - x) <= 0.5 * unit * (1 + 1e-9)


@settings(max_examples=500, deadline=None)
@given(finite, st.integers(min_value=1, max_value=8))
def test_a_few_ulps_change_nothing_written_away_from_a_boundary(x, ulps):
    assume(not _near_boundary(x, ulps))
    assert write.float_text(x, noise=ulps) == write.float_text(x, noise=0)


def test_noise_moves_values_both_ways_and_leaves_zero_alone():
    """The CI check is no no-op: next to a boundary the noise changes what is written, upwards
    for one last bit and downwards for the other; exact zeros are written as 0 regardless."""
    half = 1.0000000005  # half-way between two 10-digit values, give or take an ulp
    ups = downs = 0
    for x in (half, math.nextafter(half, math.inf), math.nextafter(half, -math.inf)):
        before, after = float(write.float_text(x, noise=0)), float(write.float_text(x, noise=4))
        ups, downs = ups + (after > before), downs + (after < before)
        assert struct.pack("<d", x)[0] & 1 == (after >= before) or after == before
    assert ups + downs >= 1
    assert write.float_text(0.0, noise=5) == "0"


def test_noise_must_be_a_whole_number(monkeypatch):
    monkeypatch.setenv("CHASM_FLOAT_NOISE_ULPS", "2.5")
    with pytest.raises(ValueError, match="CHASM_FLOAT_NOISE_ULPS='2.5'"):
        write.float_text(1.0)


def test_csv_text_formats_floats_in_text_columns_too():
    frame = pd.DataFrame({"a": [29.074336145878533, np.nan], "b": [3.006787209744285, "x"],
                          "n": [1600, 1601]})
    text = write.csv_text(frame)
    assert text == "a,b,n\n29.07433615,3.00678721,1600\n,x,1601\n"


def test_display_table_csv_is_the_declared_writer():
    frame = pd.DataFrame({"share": [1 / 3]})
    assert tables.table(frame).csv == write.csv_text(frame)


_FLOAT = re.compile(r"(?<![\w.])-?(\d+)\.(\d+)(?:e[-+]?\d+)?(?![\w.])")


def _too_long(text: str) -> list[str]:
    out = []
    for m in _FLOAT.finditer(text):
        digits = (m.group(1) + m.group(2)).lstrip("0")
        if len(digits) > DIGITS:
            out.append(m.group(0))
    return out


def _committed_csv_texts():
    for path in sorted((paths.ROOT / "reports" / "tables").rglob("*.csv")):
        yield paths.relative(path), path.read_text(encoding="utf-8")
    for path in sorted(paths.PROCESSED.glob("*.csv")):
        yield paths.relative(path), path.read_text(encoding="utf-8")
    for path in sorted((paths.ROOT / "reports").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for k, cell in enumerate(nb["cells"]):
            for output in cell.get("outputs", []):
                csv = output.get("data", {}).get("text/csv")
                if csv is not None:
                    yield f"{paths.relative(path)} cell {k}", "".join(csv)


def test_no_committed_table_writes_more_digits_than_declared():
    found = {where: bad[:3] for where, text in _committed_csv_texts() if (bad := _too_long(text))}
    assert not found, f"floats over {DIGITS} significant digits: {found}"
