"""The sentences of 03_waves and 04_multiresponse follow their saved numbers, on every run.

The notebooks write their own sentences (issue 20); this reads the committed pages as a reader
sees them (code folded away) beside the tables the same runs saved, and checks that each
sentence says what its row says: the change, its interval, the adjusted p and the reading of
every comparison; the sum, every bound and the second-hand count of every wave. It also checks
that the reader text names no comparison or plan id (issue 22): labels, not codes.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from chasm import formats, paths
from chasm.data import load

REPORTS = paths.REPORTS
WAVES_RUNS = sorted(p.stem for p in paths.PARAMS.glob("03_waves*.yaml"))
OPTION_RUNS = sorted(p.stem for p in paths.PARAMS.glob("04_multiresponse*.yaml"))


def reader_text(run: str) -> str:
    """The page as a reader reads it: folded code, scripts and tags removed, one line."""
    page = (REPORTS / f"{run}.html").read_text(encoding="utf-8")
    page = re.sub(r"<details.*?</details>|<script.*?</script>|<style.*?</style>", " ", page,
                  flags=re.S)
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))
    return re.sub(r"reports/\S+\.html", " ", text)  # the page's own address, in its citation


def saved(run: str, table: str | None = None) -> pd.DataFrame:
    path = REPORTS / "tables" / (f"{run}.csv" if table is None else f"{run}/{table}.csv")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def test_every_run_is_checked():
    assert "03_waves--2022" in WAVES_RUNS and len(OPTION_RUNS) >= 2


@pytest.mark.parametrize("run", WAVES_RUNS)
def test_each_comparison_sentence_says_its_row(run):
    text = reader_text(run)
    rows = saved(run)
    words = {"change": "a change beyond sampling error", "stable": "stable within",
             "inconclusive": "inconclusive: neither a change nor stability is shown"}
    for r in rows.itertuples():
        sentence = (f'"{r.text_1}" → ', f'"{r.text_2}" ({r.source_1} → {r.source_2}): '
                    f"{formats.fmt_signed(r.diff)} points ({formats.fmt_level(0.05)} CI "
                    f"{formats.fmt_signed(r.ci_low)} to {formats.fmt_signed(r.ci_high)}); p "
                    f"{formats.fmt_p(r.p_value, True)} at the published values, "
                    f"{formats.fmt_p(r.p_rounding)} with rounding as noise; "
                    f"{formats.fmt_method(r.method)} within ")
        assert sentence[0] in text and sentence[1] in text, (run, r.comparison_id)
        at = text.index(sentence[1])
        rest = text[at:at + 700]
        assert f"adjusted p {formats.fmt_p(r.p_adjusted)} (at the least favourable rounding " \
               f"{formats.fmt_p(r.p_adjusted_worst)})" in rest, (run, r.comparison_id)
        assert f": {words[r.reading]}" in rest, (run, r.comparison_id, r.reading)


@pytest.mark.parametrize("run", WAVES_RUNS)
def test_the_findings_give_each_tested_change_and_no_code(run):
    text = reader_text(run)
    findings = text[text.index("What this page finds"):text.index("Waves compared:")]
    family = saved(run)
    family = family[family["best"].astype(bool)]
    for r in family.itertuples():
        assert (f"a change of {formats.fmt_signed(r.diff)} points (95% CI "
                f"{formats.fmt_signed(r.ci_low)} to {formats.fmt_signed(r.ci_high)}); adjusted p "
                f"{formats.fmt_p(r.p_adjusted)}") in findings, (run, r.comparison_id)
    for code in set(family["comparison_id"]) | set(family["family"]) | {"post_hoc", "_"}:
        assert code not in text, (run, code)
    # the changes the Holm adjustment decides are named, and only those
    lost = family[(family["method"] == "holm") & (family["p_rounding"] < 0.05)
                  & (family["p_adjusted"] >= 0.05)]
    assert findings.count("significant on its own but not after Holm") == len(lost)


@pytest.mark.parametrize("run", OPTION_RUNS)
def test_the_sum_row_and_the_bounds_follow_the_options(run):
    key = saved(run)
    options = saved(run, "table-2")  # the wave's published options, as the page shows them
    first = key.iloc[0]
    assert first["quantity"] == "sum_of_published_shares"
    assert (first["low"], first["high"]) == pytest.approx((options["low"].sum(),
                                                           options["high"].sum()))
    assert first["figure_ids"] == ";".join(options["figure_id"])
    bounds = saved(run, "table-5").set_index("quantity")
    for r in key.iloc[1:].itertuples():
        assert (r.low, r.high) == pytest.approx((bounds.at[r.quantity, "low"],
                                                 bounds.at[r.quantity, "high"]), nan_ok=True)


@pytest.mark.parametrize("run", OPTION_RUNS)
def test_the_sentences_give_the_saved_numbers(run):
    text = reader_text(run)
    key = saved(run).set_index("quantity")
    options = saved(run, "table-2")
    wave = str(key["wave"].iloc[0])
    summary = saved(run, "table-3").astype({"wave": str}).set_index("wave").loc[wave]
    total = key.loc["sum_of_published_shares"]
    assert (total["low"], total["high"]) == pytest.approx((summary["sum_low"],
                                                           summary["sum_high"]))
    assert (f"The {len(options)} published answers of {pd.Timestamp(wave + '-01'):%B %Y} sum "
            f"to {formats.fmt(summary['sum_point'], 0)}% ({formats.fmt(total['low'])}–"
            f"{formats.fmt(total['high'])}% allowing for rounding and wording), so respondents "
            f"gave on average at least {formats.fmt(summary['mean_mentions_low'], 2)} "
            "answers") in text
    for quantity, r in key.drop("sum_of_published_shares").iterrows():
        if pd.isna(r["low"]):
            continue
        wide = f"{formats.fmt(r['low_with_sampling'])}–{formats.fmt(r['high_with_sampling'])}%"
        assert wide in text, (run, quantity)
    hand = options[options["source_kind"].isin(["essay", "secondary"])]
    assert f"{len(hand)} of the {len(options)} figures used here are second-hand (" in text
    # each second-hand figure next to its source's outlet, as sources.csv names it
    source = pd.read_csv(paths.PROCESSED / "figures.csv").set_index("figure_id")["source_id"]
    outlet = load.load_sources().set_index("source_id")["publisher"]
    said = text.split(" figures used here are second-hand (", 1)[1].split("), not the", 1)[0]
    for group in said.split("; "):
        ids, name = group.split(" from ", 1)
        assert {outlet[source[f]] for f in ids.split(", ")} == {name}, group
    assert sorted(f for g in said.split("; ") for f in g.split(" from ")[0].split(", ")) == \
        sorted(hand["figure_id"])
    for code in ("why_people_leave", "sum_of_published_shares", "traitors_and", "any_negative",
                 "holds_for_all_options"):
        assert code not in text, (run, code)


@pytest.mark.parametrize("run", WAVES_RUNS)
def test_the_saved_comparisons_and_the_figures_they_rest_on(run):
    rows = saved(run)
    assert rows.columns[:2].tolist() == ["comparison_id", "family"] and \
        rows.columns[-1] == "reading"
    assert {"source_1", "source_2", "n1", "n2", "deff", "margin"} <= set(rows.columns)
    assert not {"figure_1", "figure_2", "label"} & set(rows.columns)
    used = pd.concat([rows[["source_1", "kind_1"]].set_axis(["figure", "kind"], axis=1),
                      rows[["source_2", "kind_2"]].set_axis(["figure", "kind"], axis=1)]
                     ).drop_duplicates("figure")
    second = sorted(used.loc[used["kind"].isin(["essay", "secondary"]), "figure"])
    text = reader_text(run)
    if second:
        assert f"{len(second)} of the {len(used)} figures compared " in text
        # each second-hand figure named with its source's outlet (sources.csv)
        source = pd.read_csv(paths.PROCESSED / "figures.csv").set_index("figure_id")["source_id"]
        outlet = load.load_sources().set_index("source_id")["publisher"]
        groups: dict[str, list[str]] = {}
        for figure in second:
            groups.setdefault(outlet[source[figure]], []).append(figure)
        assert "(" + "; ".join(f"{', '.join(ids)} from {name}" for name, ids in groups.items()) \
            + ")" in text
    else:
        assert f"None of the {len(used)} figures compared is second-hand; all come" in text


@pytest.mark.parametrize("run", OPTION_RUNS)
def test_the_answers_by_wave_show_each_waves_chosen_figure(run):
    by_wave = saved(run, "table-1").set_index("option")
    options = saved(run, "table-2").set_index("option")
    wave = str(saved(run)["wave"].iloc[0])
    assert list(by_wave.columns[:2]) == ["label", "tone"] and wave in by_wave.columns
    for option, cell in by_wave[wave].items():
        if option not in options.index:
            assert cell == "–", (run, option)
            continue
        o = options.loc[option]
        assert cell.startswith(f"{o['value_text']} ({o['figure_id']}, {o['source_kind']}, "
                               f"{o['form']})"), (run, option)
        assert ("; also " in cell) == isinstance(o["other_figures"], str), (run, option)
