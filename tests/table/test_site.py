"""chasm.site: run pages, the landing page, the claims page, chrome and the data version."""

from __future__ import annotations

import html
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from chasm import display, paths, plots, site  # noqa: E402


def _notebook(run: str = "02_uncertainty") -> nbformat.NotebookNode:
    """A small executed notebook with every kind of cell the renderer must handle."""
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"run": run}}
    table = display.table(pd.DataFrame({"figure_id": ["E01"], "ci_low": [33.31734],
                                        "rule": ["number"]}), index="figure_id")
    gaps = display.table(pd.DataFrame({"id": ["a"], "what": ["x"], "consequence": ["y"]}))
    nb.cells = [
        v4.new_markdown_cell("# 02 · Uncertainty: how precise?\n\n**Reads** `data/x.csv`.\n"
                             "**Writes** `reports/tables/x.csv`.\n\nThe intro paragraph."),
        v4.new_code_cell("run = 'x'", metadata={"tags": ["parameters"]}),
        v4.new_markdown_cell("## Load inputs"),
        v4.new_code_cell("tidy = load()", outputs=[
            v4.new_output("stream", name="stdout", text="wrote reports/tables/x.csv\n")]),
        v4.new_markdown_cell("## The intervals\nProse with <b>markup</b>."),
        v4.new_code_cell("report.show(t)", outputs=[v4.new_output(
            "execute_result", {"text/html": table.html, "text/plain": table.text,
                               "text/csv": table.csv}, execution_count=1)]),
        v4.new_code_cell("report.show(gaps)", outputs=[v4.new_output(
            "execute_result", {"text/html": gaps.html, "text/plain": gaps.text,
                               "text/csv": gaps.csv}, execution_count=2)]),
        v4.new_code_cell("path", outputs=[v4.new_output(
            "execute_result", {"text/plain": "'reports/tables/claims.csv'"}, execution_count=3)]),
        v4.new_markdown_cell("## Save outputs\n`reports/tables/<run>.csv`: `figure_id`, ..."),
    ]
    return nb


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _reader_text(page: str) -> str:
    """What a reader sees with every fold closed."""
    return _text(re.sub(r"<details class=\"code\".*?</details>", "", page, flags=re.S))


def test_a_run_page_has_a_title_viewport_stylesheet_and_home_link():
    page = site.render(_notebook()).html
    assert "<title>02 · Uncertainty: how precise? · " in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<link rel="stylesheet" href="chasm.css">' in page and "<style" not in page
    assert '<a class="home" href="index.html">' in page
    assert '<a rel="prev" href="01_ingest.html">' in page
    assert '<a rel="next" href="03_waves.html">' in page
    assert 'Data version <code>' in page and "MIT" in page


def test_contents_list_every_section_that_readers_see():
    page = site.render(_notebook()).html
    contents = re.search(r'<nav class="contents".*?</nav>', page, flags=re.S).group(0)
    assert 'href="#the-intervals"' in contents and 'id="the-intervals"' in page
    assert "Load inputs" not in contents and "Save outputs" not in contents


def test_plumbing_is_folded_away_from_the_reader_but_kept_for_the_analyst():
    page = site.render(_notebook()).html
    seen = _reader_text(page)
    assert "The intro paragraph" in seen and "Prose with" in seen
    for plumbing in ("Reads", "Writes", "Load inputs", "Save outputs", "wrote reports",
                     "'reports/tables/claims.csv'", "tidy = load()"):
        assert plumbing not in seen, plumbing
        assert plumbing in _text(page), plumbing  # still there, folded
    assert "<details class=\"code\" open>" not in page
    assert "<details class=\"code\" open>" in site.render(_notebook(), reader=False).html


def test_tables_link_their_csv_and_the_gaps_table_links_to_the_landing_page():
    nb = _notebook()
    page = site.render(nb).html
    files = site.table_files(nb)
    assert list(files) == ["tables/02_uncertainty/table-1.csv"]
    assert "33.31734" in files["tables/02_uncertainty/table-1.csv"]  # unrounded, rule kept
    assert 'href="tables/02_uncertainty/table-1.csv"' in page
    assert 'href="index.html#gaps"' in page


def test_a_sensitivity_page_names_its_main_run_and_the_verdicts_that_differ(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setattr(paths, "REPORTS", tmp_path)
    (tmp_path / "tables").mkdir()
    header = "question,option,diff,verdict\n"
    (tmp_path / "tables" / "03_waves.csv").write_text(
        header + "q,traitors,-6,consistent\nq,would,0,not significant\n")
    (tmp_path / "tables" / "03_waves--deff2.5.csv").write_text(
        header + "q,traitors,-6,not significant\nq,would,0,not significant\n")
    assert site.verdict_changes("03_waves--deff2.5", "03_waves") == [
        "traitors: consistent → not significant"]
    page = site.render(_notebook("03_waves--deff2.5")).html
    banner = re.search(r'<aside class="banner".*?</aside>', page, flags=re.S).group(0)
    assert 'href="03_waves.html"' in banner and "deff = 2.5" in banner
    assert "traitors: consistent → not significant" in banner
    assert site.verdict_changes("02_uncertainty--deff2.5", "02_uncertainty") is None


def test_chrome_refresh_is_idempotent(tmp_path):
    page = tmp_path / "02_uncertainty.html"
    page.write_text(site.render(_notebook()).html.replace("Uncertainty", "Old"))
    all_runs, version = site.runs(), site.data_version()
    site.refresh_chrome(page, all_runs, version)
    once = page.read_text()
    assert site.refresh_chrome(page, all_runs, version) is False
    assert page.read_text() == once


def test_data_version_follows_the_content_of_the_raw_inputs(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text("x\n1\n")
    (tmp_path / "data" / "claims").mkdir()
    (tmp_path / "data" / "claims" / "text.csv").write_text("c\n")
    first = site.data_version(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{12}", first) and site.data_version(tmp_path) == first
    (tmp_path / "data" / "processed").mkdir()
    (tmp_path / "data" / "processed" / "p.csv").write_text("derived\n")
    assert site.data_version(tmp_path) == first  # derived files do not count
    (raw / "a.csv").write_text("x\n2\n")
    second = site.data_version(tmp_path)
    assert second != first
    (tmp_path / "data" / "claims" / "other.csv").write_text("c\n")  # a new register counts
    assert site.data_version(tmp_path) != second


ROW = {"register": "essay-chasm-2025", "claim_id": "C13", "paragraph": "3", "kind": "comparison",
       "rule": "wave_change",
       "paraphrase": "The share fell.", "verdict": "consistent",
       "evidence": "E06 43% → E01 37%: −6.0", "figure_ids": "E06 E01",
       "sources": "essay-chasm-2025 (essay): E06 E01",
       "measure": "change in points (later − earlier wave)", "estimate": "-6",
       "low": "-10.6418", "high": "-1.32122", "p_value": "0.0119716", "p_worst": "0.0362467",
       "p_adjusted": "0.0724933"}
UNTESTABLE = {**ROW, "claim_id": "C22", "kind": "qualitative", "verdict": "not testable",
              "evidence": "About officials.", "figure_ids": "", "sources": "", "measure": "",
              "estimate": "", "low": "", "high": "", "p_value": "", "p_adjusted": ""}


def test_a_claims_numbers_are_written_from_the_register():
    assert site.claim_numbers(ROW, "95%") == (
        "−6.0 points, 95% interval −10.6 to −1.3 (change in points (later − earlier wave)); "
        "p = 0.012 (0.072 allowing for rounding and the other tests).")
    assert site.claim_numbers(UNTESTABLE, "95%") == ""
    bounds = {**UNTESTABLE, "measure": "identification bounds (percent)", "low": "36.5",
              "high": "74"}
    assert site.claim_numbers(bounds, "95%").startswith("Between 36.5% and 74.0%")


def test_the_claims_page_has_a_card_badge_and_filter_per_verdict():
    page = site.claims_page([ROW, UNTESTABLE], "abc", "95%")
    assert page.count('<article class="claim"') == 2
    assert '<article class="claim" id="C13" data-verdict="consistent">' in page
    assert '<span class="badge badge-fair">consistent</span>' in page
    assert 'data-verdict="not testable">not testable (1)</button>' in page
    assert '<a href="01_ingest.html#fig-E06">E06</a>' in page
    assert "essay, paragraph 3" in page and "About officials." in page
    assert "<script src" not in page


def test_the_landing_page_lists_findings_runs_sources_and_the_version():
    all_runs = [site.Run("03_waves", "03_waves", "03 · Waves: what changed?"),
                site.Run("03_waves--deff1", "03_waves", "03 · Waves: what changed?",
                         {"deff": 1.0}),
                site.Run("07_interpretation", "07_interpretation", "07 · Interpretation: x")]
    page = site.landing_page(all_runs, [ROW, UNTESTABLE], "abc123", "95%")
    findings = re.search(r'<section id="findings".*?</section>', page, flags=re.S).group(0)
    assert "The share fell." in findings and "−10.6 to −1.3" in findings
    assert 'href="claims.html#C13"' in findings and "C22" not in findings
    assert page.index('id="findings"') < page.index('id="reading-order"')
    order = re.search(r'<section id="reading-order".*?</section>', page, flags=re.S).group(0)
    assert "deff1" not in order
    sensitivity = re.search(r'<section id="sensitivity".*?</section>', page, flags=re.S)
    assert "deff = 1.0" in sensitivity.group(0)
    assert 'href="07_interpretation.html">Start here' in page
    assert 'id="src-levada-ru-2025-04"' in page and 'id="gaps"' in page
    assert 'id="cite"' in page and "<code>abc123</code>" in page


@pytest.fixture
def figures_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "figures_dir", lambda: tmp_path)
    return tmp_path


def test_saved_figures_carry_alt_text_title_source_and_links(figures_dir):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_title("The share fell")
    ax.set_xlabel("change (points)")
    data = pd.DataFrame({"source_kind": ["essay", "secondary"], "wave": ["2024-03", "2025-04"]})
    out = plots.save_figure(fig, data, "03_waves", "changes")
    bundle, meta = out._repr_mimebundle_()
    info = meta["chasm"]
    assert info["svg"] == "figures/03_waves-changes.svg" and info["title"] == "The share fell"
    assert info["alt"].startswith("Chart: The share fell.") and "change (points)" in info["alt"]
    assert bundle["text/plain"] == info["alt"]
    assert info["source"].startswith("Source: the essay (REM, 2025); a secondary summary")
    assert "N = 1,600" in info["source"]
    assert (figures_dir / "03_waves-changes.svg").exists()
    page = site.figure_html(info)
    assert f'alt="{info["alt"]}"' in page and 'href="figures/03_waves-changes.csv"' in page
    fig, _ = plt.subplots()
    given = plots.save_figure(fig, data, "r", "x", alt="A", title="T", source="S",
                              subtitle="share, %").meta
    assert (given["alt"], given["title"], given["source"]) == ("A", "T", "S")
    assert '<span class="chart-subtitle">share, %</span>' in site.figure_html(given)


def test_ids_in_computed_sentences_link_to_their_card_or_row():
    page = site.link_ids("<p><strong>C15</strong> rests on E06 → E01; <code>E02</code> "
                         '<a href="x">S03</a> and CE123 stay.</p>')
    assert '<strong><a href="claims.html#C15">C15</a></strong>' in page
    assert '<a href="01_ingest.html#fig-E06">E06</a> → <a href="01_ingest.html#fig-E01">' in page
    assert "<code>E02</code>" in page and '<a href="x">S03</a>' in page and "CE123" in page
