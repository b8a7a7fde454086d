"""Tipping points and preference falsification of the register's verdicts
(chasm.register.sensitivity):
each tipping point plugged back flips the test, and the falsification table follows them."""

import numpy as np
import pandas as pd
import pytest

from chasm.register import sensitivity
from chasm.stats.rounding import with_rounding
from chasm.stats.twosample import compare_waves


def register_rows():
    base = {"comparison_id": "", "p_value": np.nan, "deff": 1.9, "share_1": np.nan,
            "share_2": np.nan, "n_1": np.nan, "n_2": np.nan, "high": np.nan,
            "estimate": np.nan, "se": np.nan, "noise_var": np.nan}
    return pd.DataFrame([
        {**base, "claim_id": "C13", "rule": "wave_change", "verdict": "supported",
         "comparison_id": "W-t", "p_value": 0.012, "p_rounding": 0.0133, "p_adjusted": 0.0266,
         "share_1": 43.0, "share_2": 37.0, "n_1": 1600.0, "n_2": 1600.0, "noise_var": 1 / 6},
        {**base, "claim_id": "C20", "rule": "below_half", "verdict": "supported",
         "p_rounding": 1e-4, "p_adjusted": 1e-4, "estimate": 43.0, "high": 46.9},
        {**base, "claim_id": "C14", "rule": "wave_change", "verdict": "inconclusive",
         "p_rounding": 0.1, "p_adjusted": 0.1},
        {**base, "claim_id": "C15", "rule": "less_common", "verdict": "supported",
         "p_rounding": 1e-4, "p_adjusted": 2e-4, "estimate": 10.0, "se": 2.95,
         "noise_var": 1 / 6},
        {**base, "claim_id": "C19", "rule": "multiple_response", "verdict": "supported",
         "p_rounding": np.nan, "p_adjusted": np.nan},
    ])


def test_tipping_points_flip_the_test():
    table = sensitivity.tipping_table(register_rows(), 0.05).set_index("claim_id")
    assert table.index.tolist() == ["C13", "C20", "C15", "C19"]  # inconclusive C14 left out
    c13 = table.loc["C13"]
    assert c13["level"] == pytest.approx(0.025)  # Holm's multiplier 2
    # the tipping points are the verdict's test's: the score test widened by the rounding
    # noise (both figures' 1/12 point^2) sits exactly at the level there
    def noisy(a, b, n, d):
        row = compare_waves(a, b, n, n, d, d).iloc[0]
        return with_rounding(row["diff"], row["z"], 1 / 6)["p_value"].iloc[0]

    assert noisy(43, 37, 1600, c13["tipping_deff"]) == pytest.approx(0.025, abs=1e-8)
    assert noisy(43, 37, 1600 * c13["n_factor"], 1.9) == pytest.approx(0.025, abs=1e-8)
    assert noisy(43, 37 + c13["tipping_shift"], 1600, 1.9) == pytest.approx(0.025, abs=1e-8)
    assert 0 < c13["tipping_shift"] < 6  # answering moving back towards the first wave
    # the independent recomputation: 2.33 / 0.815 / 0.565 with noise (2.39 / 0.80 /
    # 0.64 without it, the numbers the pages used to show beside a noise verdict)
    assert c13["tipping_deff"] == pytest.approx(2.33, abs=0.005)
    assert c13["n_factor"] == pytest.approx(0.815, abs=0.001)
    assert c13["tipping_shift"] == pytest.approx(0.565, abs=0.002)
    # a level: the bias that closes the gap between the interval and 50
    assert table.loc["C20", "level_margin"] == pytest.approx(50 - 46.9)
    assert abs(table.loc["C20", "tipping_shift"]) == pytest.approx(50 - 46.9)
    # paired options: the normal test at level 0.05 x 1e-4 / 2e-4 = 0.025
    c15 = table.loc["C15"]
    assert "paired" in c15["note"] and c15["level"] == pytest.approx(0.025)
    assert abs(c15["tipping_shift"]) == pytest.approx(10 - 2.2414 * np.sqrt(2.95**2 + 1 / 6),
                                                      abs=1e-3)
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


def test_specification_table_against_its_parts():
    """The multiverse: each row's p is the treatment's own test and its adjusted p Holm over
    the first k of the plan's comparisons; the plan's own specification reproduces 03's row."""
    from chasm.analysis import plan
    from chasm.data import figures, load
    from chasm.stats.multiplicity import adjust_pvalues

    the = plan.load_plan()
    tidy, meta = figures.load(), load.load_metadata()
    spec = sensitivity.specification_table(the, tidy, meta, (1.9, 2.5), ns=(1600.0,))
    assert set(spec["claim_id"]) == {"C13", "C14"}
    assert set(spec["family_size"]) == {2, 3, 4, 5}
    assert set(spec["rounding"]) == set(sensitivity.ROUNDINGS)
    main = spec[(spec["family_size"] == 2) & (spec["rounding"] == "noise") & (spec["deff"] == 1.9)]
    rows = plan.wave_tests(the, tidy, meta, 1.9).set_index("comparison_id")
    for r in main.itertuples():
        assert r.p_adjusted == pytest.approx(rows.loc[r.comparison_id, "p_adjusted"], rel=1e-9)
    # Holm over five: the first two p-values with the three screen ones
    five = spec[(spec["family_size"] == 5) & (spec["rounding"] == "noise")
                & (spec["deff"] == 1.9)].set_index("comparison_id")
    ps = [rows.loc[c, "p_rounding"] for c in ("W-traitors", "W-no_faith", "W-educated_talented",
                                             "W-would", "W-would_not")]
    assert five.loc["W-traitors", "p_adjusted"] == pytest.approx(adjust_pvalues(ps)[0])
    # the verdict follows the adjusted p; a heavier design can only weaken it
    assert ((spec["verdict"] == "supported") == (spec["p_adjusted"] < 0.05)).all()
    t = spec[spec["comparison_id"] == "W-traitors"]
    heavy = t[t["deff"] == 2.5].set_index(["family_size", "rounding"])["p"]
    light = t[t["deff"] == 1.9].set_index(["family_size", "rounding"])["p"]
    assert (heavy >= light).all()
    reg = pd.DataFrame({"claim_id": ["C13", "C14"], "verdict": ["supported", "inconclusive"]})
    summary = sensitivity.specification_summary(spec, reg).set_index("claim_id")
    assert summary.loc["C13", "holds"] == int((t["verdict"] == "supported").sum())
    assert summary.loc["C13", "specifications"] == len(t) == 4 * 3 * 2
