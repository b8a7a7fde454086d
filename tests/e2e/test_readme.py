"""The README's key findings quote the committed claims table, not numbers typed by hand."""

import pandas as pd

from chasm import paths


def _claims() -> pd.DataFrame:
    return pd.read_csv(paths.REPORTS / "tables" / "claims.csv").set_index("claim_id")


def test_readme_findings_match_the_claims_table():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    c = _claims()
    fall = c.loc["C13"]
    quoted = [
        f"{fall['estimate']:.1f} points".replace("-", "−"),
        f"95% CI\n  {fall['low']:.1f} to {fall['high']:.1f}".replace("-", "−"),
        f"p = {fall['p_value']:.3f}",
        f"adjusted p = {fall['p_adjusted']:.3f}",
        f"sum to {c.loc['C19', 'estimate']:.0f}%",
        f"between {c.loc['C21', 'low']:.1f}% and {c.loc['C21', 'high']:.0f}%",
    ]
    missing = [q for q in quoted if q not in readme]
    assert not missing, f"README key findings out of date: {missing}"
    verdicts = {"C13": "consistent", "C14": "not significant", "C21": "not identifiable"}
    for claim_id, verdict in verdicts.items():
        assert c.loc[claim_id, "verdict"] == verdict, f"{claim_id}: README describes {verdict}"
