"""One adjusted p per comparison: no two outputs show different adjusted p-values for the same
comparison (the analysis plan, chasm.analysis.plan, is their one home).

Tables: every reports/tables/*.csv with ``comparison_id`` and ``p_adjusted`` columns, compared
at the same design effect. Pages: in the committed reports and the README, every
"[<comparison id>] ... adjusted p <value>" (or "(<claim id>), ... adjusted p <value>", the claim's
comparison in the register) must quote the tables' value at that page's design effect
(formatted to three decimals, as ``chasm.formats.fmt_p``); the register's evidence quotes its
own row's value."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from chasm import paths

TABLES = paths.REPORTS / "tables"
#: "[W-traitors] ... adjusted p 0.026", "W-traitors): adjusted p = 0.026" or "(C13), ...
#: adjusted p 0.026" (a claim id: its comparison in the register), within one sentence
QUOTE = re.compile(r"\[?(?P<id>W-[a-z_]+(?::[A-Z0-9]+-[A-Z0-9]+)?"
                   r"|C\d\d(?::[A-Z0-9]+-[A-Za-z0-9]+)?)"
                   r"[\]\)][^\n]{0,600}?adjusted(?: p)?(?: =)? (?P<p>< 0\.001|\d\.\d{3})")


def _table_values() -> pd.DataFrame:
    frames = []
    for path in sorted(TABLES.glob("*.csv")):
        table = pd.read_csv(path)
        if {"comparison_id", "p_adjusted", "deff"} <= set(table.columns):
            if "main" in table.columns:  # a specification table: the plan's own rows only
                table = table[table["main"].astype(bool)]
            part = table[["comparison_id", "p_adjusted", "deff"]].dropna()
            frames.append(part.assign(table=path.name))
    return pd.concat(frames, ignore_index=True)


def _fmt(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def test_tables_never_disagree_on_an_adjusted_p():
    values = _table_values()
    assert {"03_waves.csv", "claims.csv", "07_interpretation.csv"} <= set(values["table"])
    values["deff"] = values["deff"].round(9)
    spread = values.groupby(["comparison_id", "deff"])["p_adjusted"].agg(["min", "max"])
    bad = spread[spread["max"] - spread["min"] > 1e-12]
    assert bad.empty, f"different adjusted p for one comparison: {bad}"
    # the essay's headline comparison is in every table that shows it, 08's series included
    shared = values[values["comparison_id"] == "W-traitors"]
    assert set(shared["table"]) >= {"03_waves.csv", "claims.csv", "07_interpretation.csv",
                                    "08_series--traitors.csv"}


def test_every_table_that_shows_a_comparison_carries_its_id():
    """A table with a p-value of a two-share comparison names the comparison."""
    for path in sorted(TABLES.glob("*.csv")):
        table = pd.read_csv(path)
        if "p_adjusted" in table.columns:
            tested = table[table["p_adjusted"].notna()]
            assert "comparison_id" in table.columns, path.name
            assert tested["comparison_id"].notna().all(), path.name


def _page_text(path) -> str:
    if path.suffix == ".md":  # Markdown wraps sentences: one line per paragraph
        return "\n".join(" ".join(p.split()) for p in path.read_text(encoding="utf-8")
                         .split("\n\n"))
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("data", {}).get("text/markdown", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts).replace("&quot;", '"').replace("&#x27;", "'").replace("&lt;", "<")


@pytest.mark.parametrize("page, table", [
    ("reports/03_waves.ipynb", "03_waves.csv"),
    ("reports/07_interpretation.ipynb", "07_interpretation.csv"),
    ("reports/08_series--traitors.ipynb", "08_series--traitors.csv"),
    ("README.md", "claims.csv"),
])
def test_pages_quote_the_one_adjusted_p(page, table):
    deff = float(pd.read_csv(TABLES / table)["deff"].dropna().iloc[0])
    values = _table_values()
    values = values[(values["deff"] - deff).abs() < 1e-9].drop_duplicates("comparison_id")
    expected = dict(zip(values["comparison_id"], values["p_adjusted"], strict=True))
    register = pd.read_csv(TABLES / "claims.csv", keep_default_na=False)
    main = register[register["register"] == register["register"].iloc[0]]
    of_claim = {c: k for c, k in zip(main["claim_id"], main["comparison_id"], strict=True) if k}
    quotes = [(of_claim.get(m["id"], m["id"]), m["p"])
              for m in QUOTE.finditer(_page_text(paths.ROOT / page))]
    assert quotes, f"{page} quotes no adjusted p with its comparison or claim id"
    wrong = [(k, p, _fmt(expected[k])) for k, p in quotes
             if k in expected and p != _fmt(expected[k])]
    unknown = sorted({k for k, _ in quotes} - set(expected))
    assert not wrong, f"{page}: (id, quoted, table) {wrong}"
    assert not unknown, f"{page}: comparison ids in no table: {unknown}"


def test_the_registers_evidence_quotes_its_own_adjusted_p():
    """A wave claim's evidence (06's tables, the claims pages) quotes first, as "adjusted p =
    <value>", its row's ``p_adjusted`` as the table holds it."""
    register = pd.read_csv(TABLES / "claims.csv")
    waves = register[register["rule"] == "wave_change"]
    assert len(waves) >= 2
    for row in waves.itertuples():
        quoted = re.findall(r"adjusted p (?:= )?(< 0\.001|\d\.\d{3})", row.evidence)
        assert quoted and quoted[0] == _fmt(row.p_adjusted), (row.claim_id, quoted)


def test_register_and_03_waves_share_every_number_of_a_wave_comparison():
    """A wave claim's numbers are the plan's row 03_waves shows: change, interval, every p."""
    register = pd.read_csv(TABLES / "claims.csv")
    register = register[register["comparison_id"].fillna("").str.startswith("W-")]
    waves = pd.read_csv(TABLES / "03_waves.csv").set_index("comparison_id")
    assert len(register) >= 2
    pairs = {"estimate": "diff", "low": "ci_low", "high": "ci_high", "p_value": "p_value",
             "p_rounding": "p_rounding", "p_adjusted": "p_adjusted",
             "p_worst": "p_worst_rounding", "p_adjusted_worst": "p_adjusted_worst",
             "deff": "deff"}
    for row in register.itertuples():
        w = waves.loc[row.comparison_id]
        for mine, theirs in pairs.items():
            assert getattr(row, mine) == pytest.approx(w[theirs], rel=1e-9, abs=1e-12), \
                (row.claim_id, mine)


def test_a_groups_share_of_an_answer_has_one_rounding_range():
    """The register's Bayes share of an answer (``bayes_range_low``/``high``: a group's share of
    all who gave it, over the rounding of the figures and the weights) is 05_subgroups' range for
    the same group, figure and total: one range per quantity on every page (issue 22)."""
    register = pd.read_csv(TABLES / "claims.csv")
    checks = pd.read_csv(TABLES / "05_subgroups.csv")
    bayes = checks[checks["quantity"].str.contains(r"\(Bayes\)", regex=True)]
    compared = 0
    for row in register[register["bayes_range_low"].notna()].itertuples():
        lower, total = row.figure_ids.split()[1], row.figure_ids.split()[2]
        same = bayes[bayes["figure_ids"] == f"{lower};{total}"]
        for other in same.itertuples():
            assert (other.low, other.high) == pytest.approx(
                (row.bayes_range_low, row.bayes_range_high), rel=1e-9), row.claim_id
            compared += 1
    assert compared >= 1
