"""The README's key findings quote the committed tables, not numbers typed by hand: every number
there is recomputed from reports/tables/ (claims, tipping, specifications, 03_waves) and must
appear as quoted, and each verdict word must be the register's."""

import pandas as pd

from chasm import paths


def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(paths.REPORTS / "tables" / f"{name}.csv")


def _minus(text: str) -> str:
    return text.replace("-", "−")


def _findings() -> str:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Key findings")
    return " ".join(readme[start:readme.index("\n## ", start + 5)].split())


def test_readme_findings_match_the_tables():
    text = _findings()
    c = _table("claims").set_index("claim_id")
    tip = _table("tipping").set_index("claim_id")
    waves = _table("03_waves").set_index("comparison_id")
    fall, flat = c.loc["C13"], c.loc["C14"]
    spec = _table("specifications")
    fall_spec = spec[spec["claim_id"] == "C13"]
    holds = int((fall_spec["verdict"] == fall["verdict"]).sum())
    figures = c[c["kind"] == "figure"]["quotation"].value_counts()
    quoted = [
        f"[{fall['comparison_id']}]",
        _minus(f"{fall['estimate']:.1f} points, p = {fall['p_value']:.3f} at the published "
               "figures"),
        f"design effect {fall['deff']:.2f} ({fall['p_rounding']:.3f} with the",
        _minus(f"rounding of both integers as noise, 95% CI {fall['low']:.2f} to "
               f"{fall['high']:.2f})"),
        f"adjusted p {fall['p_adjusted']:.3f}, so the fall is *{fall['verdict']}*",
        f"it holds in {holds} of {len(fall_spec)} specifications",
        f"family of {fall_spec['family_size'].min()} to {fall_spec['family_size'].max()} tests",
        f"design effects {fall_spec['deff'].min():.2f} to {fall_spec['deff'].max():.1f}",
        f"{fall_spec['n'].min():.0f} to {fall_spec['n'].max():.0f} interviews",
        f"least favourable rounding p = {fall['p_worst']:.3f} (adjusted "
        f"{fall['p_adjusted_worst']:.3f})",
        f"design effect above {tip.loc['C13', 'tipping_deff']:.2f}",
        f"drift in answering of {abs(tip.loc['C13', 'tipping_shift']):.1f} points",
        f"is *{flat['verdict']}*: adjusted p {flat['p_adjusted']:.3f}",
        f"narrower than ±{waves.loc[flat['comparison_id'], 'margin_smallest']:.1f} points",
        f"(*{c.loc['C15', 'verdict']}*,",
        f"sum to {c.loc['C19', 'estimate']:.0f}%",
        f"anywhere in {c.loc['C16', 'missing_low']:.1f}-{c.loc['C16', 'missing_high']:.1f}%",
        f"is *{c.loc['C17', 'verdict']}*",
        f"establish only ±{c.loc['C17', 'smallest_margin']:.1f} points",
        f"About {c.loc['C18', 'bayes_share']:.1f}% of all \"traitors\" answers (95% CI "
        f"{c.loc['C18', 'bayes_low']:.1f} to {c.loc['C18', 'bayes_high']:.1f}%",
        ("none is contradicted by another source" if figures.get("contradicted", 0) == 0
         else "contradicted"),
        f"{figures.get('consistent', 0)} are consistent with one",
        f"{figures.get('unconfirmed', 0)} have no check at all",
    ]
    missing = [q for q in quoted if q not in text]
    assert not missing, f"README key findings out of date: {missing}"
    assert c.loc["C16", "verdict"] == "not identifiable"
    assert c.loc["C21", "verdict"] == c.loc["C15", "verdict"] == "supported"
    assert c.loc["C15", "method"] == "intersection_union"  # "every pair at its own level"
    # the three rounding treatments the sentence names are those of the table
    assert set(fall_spec["rounding"]) == {"noise", "least favourable", "interval-censored"}
    # "a third" beside 37% is one quantity: the alternative comparison equals the headline one
    assert waves.loc["W-traitors:E06-S01", "diff"] == waves.loc["W-traitors", "diff"]
