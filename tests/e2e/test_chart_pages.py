"""The charts of 02_uncertainty, 03_waves, 04_multiresponse and 08_series follow their saved
numbers, on every run.

These charts are drawn in their notebooks (issue 20: the presentation of one notebook lives in
it); this reads what each run built, as a reader gets it: the chart's SVG, the CSV of its
plotted numbers, the figure on the page (title, alt text), beside the tables the same run saved
and the tidy figures. Each chart must plot its table's numbers in its table's order and carry a
title that states what those numbers find (issue 22), the same in the file and on the page.
"""

from __future__ import annotations

import html
import re
import textwrap

import pandas as pd
import pytest

from chasm import formats, paths
from chasm.data import load

REPORTS = paths.REPORTS


def runs(notebook: str) -> list[str]:
    return sorted(p.stem for p in paths.PARAMS.glob(f"{notebook}*.yaml"))


def saved(run: str) -> pd.DataFrame:
    return pd.read_csv(REPORTS / "tables" / f"{run}.csv", keep_default_na=False, na_values=[""])


def plotted(run: str, name: str) -> pd.DataFrame:
    return pd.read_csv(REPORTS / "figures" / f"{run}-{name}.csv", keep_default_na=False,
                       na_values=[""])


def chart(run: str, name: str) -> dict:
    """What a reader gets of one chart: the title in the SVG's metadata, and on the page the
    title, subtitle and alt text of its figure."""
    svg = (REPORTS / "figures" / f"{run}-{name}.svg").read_text(encoding="utf-8")
    page = (REPORTS / f"{run}.html").read_text(encoding="utf-8")
    figure = re.search(rf'<figure class="chart" id="fig-{re.escape(run)}-{name}">(.*?)</figure>',
                       page, re.S)
    assert figure, (run, name, "no figure on the page")
    caption = re.search(r'<figcaption class="chart-title">(.*?)'
                        r'(?:<span class="chart-subtitle">(.*?)</span>)?</figcaption>',
                        figure.group(1), re.S)
    return {"svg": svg, "svg_title": html.unescape(re.search(r"<dc:title>(.*?)</dc:title>", svg,
                                                             re.S).group(1)),
            "title": html.unescape(caption.group(1)),
            "subtitle": html.unescape(caption.group(2) or ""),
            "alt": html.unescape(re.search(r' alt="([^"]*)"', figure.group(1)).group(1))}


#: A wave as the data write it ("2024-03"), not a date ("2024-06-21") nor a range of years.
WAVE_CODE = re.compile(r"(?<![\d-])\d{4}-\d{2}(?![\d-])")


def month(wave: str) -> str:
    return pd.Timestamp(f"{wave}-01").strftime("%B %Y")


def tidy() -> pd.DataFrame:
    return pd.read_csv(paths.PROCESSED / "figures.csv").set_index("figure_id")


def assert_waves_by_month(shown: dict) -> None:
    """No wave code in what a reader gets of the chart: its title and subtitle on the page, its
    alt text, and the text the SVG draws (the metadata, with the source's dates, left out)."""
    drawn = re.sub(r"<metadata>.*?</metadata>|<style.*?</style>", "", shown["svg"], flags=re.S)
    drawn = html.unescape(re.sub(r"<[^>]+>", " ", drawn))
    for where, text in (("title", shown["title"]), ("subtitle", shown["subtitle"]),
                        ("alt", shown["alt"]), ("svg", drawn)):
        assert not WAVE_CODE.search(text), (where, WAVE_CODE.search(text).group(0))


def same(a, b) -> bool:
    """Numbers as the CSVs write them (6 significant digits in a chart's CSV)."""
    return (pd.isna(a) and pd.isna(b)) or a == pytest.approx(b, rel=1e-5, abs=1e-9)


def test_every_chart_run_is_checked():
    assert {"02_uncertainty--emigration", "03_waves--2022", "04_multiresponse--2024-03",
            "08_series--approval"} <= set(runs("0"))


# ---------------------------------------------------------------- 02: every figure's interval
@pytest.mark.parametrize("run", runs("02_uncertainty"))
def test_02_chart_plots_every_whole_sample_figure_with_an_interval(run):
    table = saved(run)
    rows = table[(table["subgroup_var"] == "all") & table["ci_low"].notna()]
    rows = rows.sort_values(["question", "option", "wave", "figure_id"], ascending=False)
    data = plotted(run, "intervals")
    # matplotlib draws row 0 at the bottom: the later wave of an answer is drawn above
    assert data["figure_id"].tolist() == rows["figure_id"].tolist()
    meta = load.load_metadata()["questions"]
    for r, d in zip(rows.itertuples(), data.itertuples(), strict=True):
        for column in ("point", "low", "high", "ci_low", "ci_high"):
            assert same(getattr(d, column), getattr(r, column)), (run, r.figure_id, column)
        assert (d.source_kind, d.value_text, d.method) == (r.source_kind, r.value_text, r.method)
        label = meta[r.question]["options"][r.option]["label"]  # the answer's label, not its code
        assert d.label == (f"{r.wave} · {textwrap.shorten(label, 30, placeholder='…')} "
                           f"({r.figure_id})")


@pytest.mark.parametrize("run", runs("02_uncertainty"))
def test_02_chart_title_states_how_wide_the_intervals_are(run):
    data = plotted(run, "intervals")
    width = data["ci_high"] - data["ci_low"]
    widest = data.loc[width.idxmax()]
    rule = saved(run).set_index("figure_id").at[widest["figure_id"], "rule"]
    kind = {"number": "a rounded number", "range": "a range", "upper bound": "a bound",
            "words": "a figure given in words"}[rule]
    expected = (f"The {len(data)} whole-sample figures' 95% intervals are "
                f"{formats.fmt(width.min(), 1)} to {formats.fmt(width.max(), 1)} points wide; "
                f"the widest, \"{widest['value_text']}\" ({widest['figure_id']}, "
                f"{month(tidy().at[widest['figure_id'], 'wave'])}), is {kind}")
    shown = chart(run, "intervals")
    assert shown["svg_title"] == shown["title"] == expected
    assert shown["alt"].startswith("Chart: ")
    assert_waves_by_month(shown)
    for r in data.itertuples():  # each row drawn with its wave's month
        assert html.escape(month(r.label.split(" · ")[0])) + " · " in shown["svg"], r.figure_id


# ---------------------------------------------------------------- 03: each comparison's change
@pytest.mark.parametrize("run", runs("03_waves"))
def test_03_chart_plots_each_comparison_bottom_up(run):
    table = saved(run).iloc[::-1].reset_index(drop=True)  # the table's first row on top
    data = plotted(run, "changes")
    labels = {o: v["label"] for q in load.load_metadata()["questions"].values()
              for o, v in q["options"].items()}
    assert data["figure_1"].tolist() == table["source_1"].tolist()
    assert data["figure_2"].tolist() == table["source_2"].tolist()
    for r, d in zip(table.itertuples(), data.itertuples(), strict=True):
        # each row: the answer by its label over its two figures
        assert d.row == (f"{textwrap.shorten(labels[r.option], 28, placeholder='…')}\n"
                         f"{r.text_1} → {r.text_2} ({r.source_1} → {r.source_2})")
        for column in ("diff", "ci_low", "ci_high", "ci_low_range", "ci_high_range", "p_value",
                       "p_adjusted"):
            assert same(getattr(d, column), getattr(r, column)), (run, r.comparison_id, column)
        assert (d.kind_1, d.kind_2) == (r.kind_1, r.kind_2)


@pytest.mark.parametrize("run", runs("03_waves"))
def test_03_chart_title_says_which_answers_changed(run):
    table = saved(run)
    best = table[table["best"].astype(bool)]
    labels = {o: v["label"] for q in load.load_metadata()["questions"].values()
              for o, v in q["options"].items()}
    changed = best[best["reading"] == "change"]
    waves = tidy()["wave"]
    w1, w2 = month(waves[best["source_1"].iloc[0]]), month(waves[best["source_2"].iloc[0]])
    shown = chart(run, "changes")
    assert shown["svg_title"] == shown["title"]
    assert shown["title"].startswith(f"{w1} to {w2}: ")
    if len(best) > 1:
        assert (f"{len(changed)} of {best['option'].nunique()} answers changed beyond sampling "
                "error") in shown["title"]
    for r in changed.itertuples():  # each change with its levels, in its direction
        assert (f'"{labels[r.option]}" {"fell" if r.diff < 0 else "rose"} from {r.text_1} to '
                f"{r.text_2}") in shown["title"], (run, r.option)
    if len(best) > 1:  # the others are counted, not named
        unchanged = set(best["option"].map(labels)) - set(changed["option"].map(labels))
        assert not any(f'"{label}"' in shown["title"] for label in unchanged)
    assert f"change {w1} → {w2}, points" in shown["alt"]
    assert_waves_by_month(shown)


# ---------------------------------------------------------------- 04: the ranges of combinations
@pytest.mark.parametrize("run", runs("04_multiresponse"))
def test_04_chart_plots_each_bounded_quantity_and_its_published_shares(run):
    table = saved(run).set_index("quantity").drop("sum_of_published_shares")
    data = plotted(run, "bounds")
    bounded = table[table["low"].notna() & table["high"].notna()]
    # bottom row first: the table's last quantity comes first; an unbounded one has no bar
    drawn = data.loc[data["element"] == "identified", "quantity"].tolist()
    assert drawn == bounded.index[::-1].tolist()
    for element, suffix in (("identified", ""), ("with_sampling", "_with_sampling")):
        rows = data[data["element"] == element].set_index("quantity")
        for q, r in rows.iterrows():
            assert same(r["low"], table.at[q, f"low{suffix}"]), (run, q, element)
            assert same(r["high"], table.at[q, f"high{suffix}"]), (run, q, element)
    tidy = pd.read_csv(paths.PROCESSED / "figures.csv").set_index("figure_id")
    points = data[data["element"] == "point"]
    assert len(points) and "no_negative" not in set(points["quantity"])  # 100 minus a union
    for r in points.itertuples():
        assert r.figure_id in str(table.at[r.quantity, "figure_ids"]).split(";"), (run, r)
        assert r.low == r.high == tidy.at[r.figure_id, "point"]
        assert r.source_kind == tidy.at[r.figure_id, "source_kind"]


@pytest.mark.parametrize("run", runs("04_multiresponse"))
def test_04_chart_title_counts_the_combinations_that_could_be_a_majority(run):
    table = saved(run).set_index("quantity").drop("sum_of_published_shares")
    usable = table[table["low"].notna() & table["high"].notna()]
    undecided = usable[(usable["low_with_sampling"] < 50) & (usable["high_with_sampling"] > 50)]
    shown = chart(run, "bounds")
    assert shown["svg_title"] == shown["title"]
    expected = (f"{len(undecided)} of {len(usable)} combinations of answers could be a majority "
                "or not" if len(undecided) else "every bounded combination of answers lies")
    assert expected in shown["title"]
    assert shown["title"].startswith(month(saved(run)["wave"].iloc[0]) + ": ")
    assert_waves_by_month(shown)


# ---------------------------------------------------------------- 08: one share over time
@pytest.mark.parametrize("run", runs("08_series"))
def test_08_chart_plots_every_figure_of_the_series_and_its_title_its_ends(run):
    table = saved(run)
    shares = table[table["part"] == "share"].set_index("figure_1")
    data = plotted(run, "series").set_index("figure_id")
    assert set(shares.index) <= set(data.index)
    for fid, r in shares.iterrows():
        d = data.loc[fid]
        assert d["wave"] == r["wave_1"] and bool(d["best"]) == bool(r["best"]), (run, fid)
        for mine, theirs in (("point", "value"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
            assert same(d[mine], r[theirs]), (run, fid, mine)
    line = data[data["best"].astype(bool) & data["point"].notna()].sort_values("wave")
    first, last = line.iloc[0], line.iloc[-1]
    shown = chart(run, "series")
    assert shown["svg_title"] == shown["title"]
    assert (f"{formats.fmt_pct_compact(first['point'])} ({month(first['wave'])}) → "
            f"{formats.fmt_pct_compact(last['point'])} ({month(last['wave'])})") \
        in shown["title"]
    assert_waves_by_month(shown)
