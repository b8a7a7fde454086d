"""Tipping points and preference falsification of the register's verdicts (chasm.sensitivity):
each tipping point plugged back flips the test, and the falsification table follows them."""

import numpy as np
import pandas as pd
import pytest

from chasm import sensitivity
from chasm.stats.twosample import compare_waves


def register_rows():
    base = {"comparison_id": "", "p_value": np.nan, "deff": 1.9, "share_1": np.nan,
            "share_2": np.nan, "n_1": np.nan, "n_2": np.nan, "high": np.nan,
            "estimate": np.nan, "se": np.nan}
    return pd.DataFrame([
        {**base, "claim_id": "C13", "rule": "wave_change", "verdict": "supported",
         "comparison_id": "W-t", "p_value": 0.012, "p_rounding": 0.0133, "p_adjusted": 0.0266,
         "share_1": 43.0, "share_2": 37.0, "n_1": 1600.0, "n_2": 1600.0},
        {**base, "claim_id": "C20", "rule": "below_half", "verdict": "supported",
         "p_rounding": 1e-4, "p_adjusted": 1e-4, "estimate": 43.0, "high": 46.9},
        {**base, "claim_id": "C14", "rule": "wave_change", "verdict": "inconclusive",
         "p_rounding": 0.1, "p_adjusted": 0.1},
        {**base, "claim_id": "C15", "rule": "less_common", "verdict": "supported",
         "p_rounding": 1e-4, "p_adjusted": 2e-4, "estimate": 10.0, "se": 2.95},
        {**base, "claim_id": "C19", "rule": "multiple_response", "verdict": "supported",
         "p_rounding": np.nan, "p_adjusted": np.nan},
    ])


def test_tipping_points_flip_the_test():
    table = sensitivity.tipping_table(register_rows(), 0.05).set_index("claim_id")
    assert table.index.tolist() == ["C13", "C20", "C15", "C19"]  # inconclusive C14 left out
    c13 = table.loc["C13"]
    assert c13["level"] == pytest.approx(0.025)  # Holm's multiplier 2
    at = compare_waves(43, 37, 1600, 1600, c13["tipping_deff"], c13["tipping_deff"])
    assert at["p_value"].iloc[0] == pytest.approx(0.025, abs=1e-8)
    n = 1600 * c13["n_factor"]
    assert compare_waves(43, 37, n, n, 1.9, 1.9)["p_value"].iloc[0] == pytest.approx(0.025,
                                                                                    abs=1e-8)
    shifted = compare_waves(43, 37 + c13["tipping_shift"], 1600, 1600, 1.9, 1.9)
    assert shifted["p_value"].iloc[0] == pytest.approx(0.025, abs=1e-8)
    assert 0 < c13["tipping_shift"] < 6  # answering moving back towards the first wave
    # a level: the bias that closes the gap between the interval and 50
    assert table.loc["C20", "level_margin"] == pytest.approx(50 - 46.9)
    assert abs(table.loc["C20", "tipping_shift"]) == pytest.approx(50 - 46.9)
    # paired options: the normal test at level 0.05 x 1e-4 / 2e-4 = 0.025
    c15 = table.loc["C15"]
    assert "paired" in c15["note"] and c15["level"] == pytest.approx(0.025)
    assert abs(c15["tipping_shift"]) == pytest.approx(10 - 2.2414 * 2.95, abs=1e-3)
    assert np.isnan(table.loc["C19", "tipping_deff"]) and "no sampling test" in \
        table.loc["C19", "note"]


def test_falsification_follows_the_tipping_shift_and_level_margin():
    tipping = sensitivity.tipping_table(register_rows(), 0.05)
    table = sensitivity.falsification_table(tipping, (0.0, 0.5, 4.0)).set_index("claim_id")
    shift = abs(tipping.set_index("claim_id").loc["C13", "tipping_shift"])
    assert shift < 4
    assert table.loc["C13"].tolist()[1:] == ["survives", "survives" if shift > 0.5 else "flips",
                                             "flips"]
    assert table.loc["C20"].tolist()[1:] == ["survives", "survives", "flips"]  # 3.1 points
    assert table.loc["C15"].tolist()[1:] == ["survives", "survives", "flips"]  # 3.4 points
    assert table.loc["C19"].tolist()[1:] == ["–", "–", "–"]
