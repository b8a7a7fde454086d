"""chasm.site: run pages, the landing page, the claims pages, navigation and the data version."""

from __future__ import annotations

import html
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from chasm import paths, plots, tables  # noqa: E402
from chasm.site import base, landing, render, runs
from chasm.text import lang_of  # noqa: E402


def _notebook(run: str = "02_uncertainty") -> nbformat.NotebookNode:
    """A small executed notebook with every kind of cell the renderer must handle."""
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"run": run}}
    table = tables.table(pd.DataFrame({"figure_id": ["E01"], "ci_low": [33.31734],
                                        "rule": ["number"]}), index="figure_id")
    gaps = tables.table(pd.DataFrame({"id": ["a"], "what": ["x"], "consequence": ["y"]}))
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
    page = render.render(_notebook()).html
    assert "<title>02 · Uncertainty: how precise? · " in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<link rel="stylesheet" href="chasm.css">' in page and "<style" not in page
    assert '<a class="home" href="index.html">' in page
    assert '<a rel="prev" href="01_ingest.html">' in page
    assert '<a rel="next" href="03_waves.html">' in page
    assert 'Data version <code>' in page and "MIT" in page


def test_contents_list_every_section_that_readers_see():
    page = render.render(_notebook()).html
    contents = re.search(r'<nav class="contents".*?</nav>', page, flags=re.S).group(0)
    assert 'href="#the-intervals"' in contents and 'id="the-intervals"' in page
    assert "Load inputs" not in contents and "Save outputs" not in contents


def test_plumbing_is_folded_away_from_the_reader_but_kept_for_the_analyst():
    page = render.render(_notebook()).html
    seen = _reader_text(page)
    assert "The intro paragraph" in seen and "Prose with" in seen
    for plumbing in ("Reads", "Writes", "Load inputs", "Save outputs", "wrote reports",
                     "'reports/tables/claims.csv'", "tidy = load()"):
        assert plumbing not in seen, plumbing
        assert plumbing in _text(page), plumbing  # still there, folded
    assert "<details class=\"code\" open>" not in page
    assert "<details class=\"code\" open>" in render.render(_notebook(), reader=False).html


def test_tables_link_their_csv_and_the_gaps_table_links_to_the_landing_page():
    nb = _notebook()
    page = render.render(nb).html
    files = render.table_files(nb)
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
    assert runs.verdict_changes("03_waves--deff2.5", "03_waves") == [
        "traitors: consistent → not significant"]
    page = render.render(_notebook("03_waves--deff2.5")).html
    banner = re.search(r'<aside class="banner".*?</aside>', page, flags=re.S).group(0)
    assert 'href="03_waves.html"' in banner and "design effect 2.5" in banner
    assert "<strong>Sensitivity run.</strong>" in banner
    assert "traitors: consistent → not significant" in banner
    assert runs.verdict_changes("02_uncertainty--deff2.5", "02_uncertainty") is None


def test_a_variant_with_other_rows_is_an_analysis_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPORTS", tmp_path)
    (tmp_path / "tables").mkdir()
    header = "wave,option,diff,verdict\n"
    (tmp_path / "tables" / "03_waves.csv").write_text(header + "2024-03,traitors,-6,x\n")
    (tmp_path / "tables" / "03_waves--deff1.csv").write_text(header + "2024-03,traitors,-5,y\n")
    (tmp_path / "tables" / "03_waves--2022.csv").write_text(header + "2022-02,would,-9,x\n")
    assert runs.run_kind("03_waves--deff1", "03_waves") == "sensitivity"
    assert runs.run_kind("03_waves--2022", "03_waves") == "analysis"
    assert runs.run_kind("03_waves--none", "03_waves") == "analysis"  # no key table
    page = render.render(_notebook("03_waves--2022")).html
    banner = re.search(r'<aside class="banner".*?</aside>', page, flags=re.S).group(0)
    assert "An analysis of its own" in banner and "Sensitivity" not in banner


def test_a_page_is_a_pure_function_of_its_report():
    all_runs, version = runs.runs(), base.data_version()
    first = render.render(_notebook(), all_runs=all_runs, version=version).html
    assert render.render(_notebook(), all_runs=all_runs, version=version).html == first


def test_the_policy_allows_the_pages_scripts_by_hash_only():
    import base64
    import hashlib

    page = render.render(_notebook()).html
    policy = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', page)
                           .group(1))
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert scripts, "the page has its folding script"
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-hashes'" not in script_src
    for text in scripts:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src
    assert "default-src 'none'" in policy and "object-src 'none'" in policy
    assert not re.search(r"\son[a-z]+\s*=", page), "an inline event handler"


def test_urls_from_data_are_http_or_nothing():
    assert base.safe_url("https://www.levada.ru/x") == "https://www.levada.ru/x"
    for bad in ("javascript:alert(1)", "java\tscript:alert(1)", "JaVaScRiPt:x", " http://x",
                "data:text/html,x", "file:///etc/passwd", "//evil.example/x", "http://a b"):
        assert base.safe_url(bad) == "", bad


def test_russian_titles_are_marked_russian():
    assert lang_of("Эмиграционные настроения: апрель 2025") == "ru"
    assert lang_of("Sentiments about emigration: April 2025") == ""
    assert lang_of("") == ""


def test_the_findings_box_opens_the_page_with_computed_results():
    nb = _notebook()
    nb.cells.insert(5, nbformat.v4.new_code_cell("report.say(...)", outputs=[
        nbformat.v4.new_output("display_data", {
            "text/markdown": "The share is **37%** (95% CI 33.3 to 40.8). More follows."})]))
    page = render.render(nb).html
    box = re.search(r'<section class="found".*?</section>', page, flags=re.S).group(0)
    assert "The share is <strong>37%</strong> (95% CI 33.3 to 40.8)." in box
    assert "More follows" not in box  # its first sentence only
    assert 'href="#the-intervals"' in box and 'id="finding-1"' in box
    assert page.index('class="found"') < page.index('class="contents"')
    assert page.index('class="found"') < page.index("The intro paragraph")
    nb.cells.insert(5, nbformat.v4.new_code_cell("report.say(...)", outputs=[
        nbformat.v4.new_output("display_data", {"text/markdown": "Weights: 18-24 9.0%."})]))
    box = re.search(r'<section class="found".*?</section>', render.render(nb).html,
                    flags=re.S).group(0)
    assert "Weights" not in box and "95% CI 33.3 to 40.8" in box  # the interval wins


def test_tables_are_numbered_with_a_caption_that_labels_their_region():
    page = render.render(_notebook()).html
    assert '<caption id="table-1">Table 1: The intervals</caption>' in page
    assert 'aria-labelledby="table-1"' in page and 'aria-label="table"' not in page


def test_a_chart_keeps_its_text_legible_by_a_minimum_width():
    svg = ('<svg width="460pt" height="300pt" viewBox="0 0 460 300"><text style="font-size: '
           '10px; font-family: DejaVu Sans">a</text><text style="font: 8px \'DejaVu Sans\'">b'
           "</text></svg>")
    assert render.chart_text_sizes(svg) == (460.0, 8.0)
    assert render.chart_min_width(svg) == 633  # 11 px * 460 / 8, rounded up
    assert render.chart_min_width('<svg viewBox="0 0 10 10"><path d="M0 0"/></svg>') is None


def test_data_version_follows_the_content_of_the_raw_inputs(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text("x\n1\n")
    (tmp_path / "data" / "claims").mkdir()
    (tmp_path / "data" / "claims" / "text.csv").write_text("c\n")
    first = base.data_version(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{12}", first) and base.data_version(tmp_path) == first
    (tmp_path / "data" / "processed").mkdir()
    (tmp_path / "data" / "processed" / "p.csv").write_text("derived\n")
    assert base.data_version(tmp_path) == first  # derived files do not count
    (raw / "a.csv").write_text("x\n2\n")
    second = base.data_version(tmp_path)
    assert second != first
    (tmp_path / "data" / "claims" / "other.csv").write_text("c\n")  # a new register counts
    assert base.data_version(tmp_path) != second


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
    assert landing.claim_numbers(ROW, "95%") == (
        "−6.0 points, 95% CI −10.6 to −1.3 (change in points (later − earlier wave)); "
        "p = 0.012 (0.072 allowing for rounding and the other tests).")
    assert landing.claim_numbers(UNTESTABLE, "95%") == ""
    bounds = {**UNTESTABLE, "measure": "identification bounds (percent)", "low": "36.5",
              "high": "74"}
    assert landing.claim_numbers(bounds, "95%").startswith("Between 36.5% and 74.0%")


def test_the_claims_page_has_a_card_badge_and_filter_per_verdict():
    page = landing.claims_page([ROW, UNTESTABLE], "abc", "95%")
    assert page.count('<article class="claim"') == 2
    assert '<article class="claim" id="C13" data-verdict="consistent"' in page
    assert '<span class="badge badge-fair">consistent</span>' in page
    assert 'data-verdict="not testable">not testable (1)</button>' in page
    assert '<a href="01_ingest.html#fig-E06">E06</a>' in page
    assert "essay, paragraph 3" in page and "About officials." in page
    assert "<script src" not in page


def test_the_landing_page_lists_findings_runs_sources_and_the_version():
    all_runs = [runs.Run("03_waves", "03_waves", "03 · Waves: what changed?"),
                runs.Run("03_waves--deff1", "03_waves", "03 · Waves: what changed?",
                         {"deff": 1.0}, "sensitivity"),
                runs.Run("03_waves--2022", "03_waves", "03 · Waves: what changed?",
                         {"waves": ["2022-02", "2022-03"]}, "analysis"),
                runs.Run("07_interpretation", "07_interpretation", "07 · Interpretation: x")]
    page = landing.landing_page(all_runs, [ROW, UNTESTABLE], "abc123", "95%")
    findings = re.search(r'<section id="findings".*?</section>', page, flags=re.S).group(0)
    assert "The share fell." in findings and "−10.6 to −1.3" in findings
    assert 'href="claims.html#C13"' in findings and "C22" not in findings
    assert page.index('id="findings"') < page.index('id="reading-order"')
    order = re.search(r'<section id="reading-order".*?</section>', page, flags=re.S).group(0)
    assert "deff1" not in order
    sensitivity = re.search(r'<section id="sensitivity".*?</section>', page, flags=re.S)
    assert "design effect 1.0" in sensitivity.group(0) and "2022" not in sensitivity.group(0)
    analyses = re.search(r'<section id="analyses".*?</section>', page, flags=re.S).group(0)
    assert "waves 2022-02 and 2022-03" in analyses and "[" not in analyses
    assert '<a href="https://www.levada.ru/2025/05/27/' in page and 'lang="ru"' in page
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
    svg = (figures_dir / "03_waves-changes.svg").read_text(encoding="utf-8")
    head, drawn = svg.split("</metadata>", 1)
    assert "<dc:title>The share fell</dc:title>" in head and "MIT" in head
    assert "<dc:identifier>03_waves.html</dc:identifier>" in head
    assert "<dc:source>Source: the essay" in head and "Matplotlib v" not in head
    assert "<text" in drawn and "change (points)" in drawn  # text as text, searchable
    assert "The share fell" not in drawn  # the title is the page's, not drawn twice
    page = render.figure_html(info)
    assert f'alt="{info["alt"]}"' in page and 'href="figures/03_waves-changes.csv"' in page
    fig, _ = plt.subplots()
    given = plots.save_figure(fig, data, "r", "x", alt="A", title="T", source="S",
                              subtitle="share, %").meta
    assert (given["alt"], given["title"], given["source"]) == ("A", "T", "S")
    assert '<span class="chart-subtitle">share, %</span>' in render.figure_html(given)


def _long_label_chart():
    fig, ax = plt.subplots(figsize=(8.0, 3.0))
    labels = [f"answer {k}: those who left are traitors and betrayers of the Motherland"
              for k in range(4)]
    ax.barh(range(4), [37.0, 43.0, 9.0, 90.0], label="published share (essay)")
    ax.set_yticks(range(4), labels)
    ax.set_xlabel("percent of respondents (95% interval, design effect 1.90)")
    ax.legend(title="source", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig, labels


def test_a_chart_too_small_on_a_phone_gets_a_phone_layout(figures_dir):
    """Its phone SVG draws every label and bar again, its smallest text at least 11 px when
    it is 368 px wide, with the same metadata; the page serves it below 600 px."""
    from chasm import svg as chart_file

    fig, labels = _long_label_chart()
    data = pd.DataFrame({"share": [37.0, 43.0, 9.0, 90.0]})
    meta = plots.save_figure(fig, data, "03_waves", "long", title="T", alt="A", source="S").meta
    assert meta["phone"] == "figures/03_waves-long-phone.svg"
    wide = (figures_dir / "03_waves-long.svg").read_text(encoding="utf-8")
    phone = (figures_dir / "03_waves-long-phone.svg").read_text(encoding="utf-8")
    width, smallest = chart_file.text_sizes(wide)
    assert smallest * chart_file.PHONE_WIDTH_PX / width < chart_file.MIN_TEXT_PX
    width, smallest = chart_file.text_sizes(phone)
    assert smallest * chart_file.PHONE_WIDTH_PX / width >= chart_file.MIN_TEXT_PX
    drawn = re.sub(r"\s+", " ", " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", phone)))
    for label in labels:
        assert all(word in drawn for word in label.split()), label
    assert phone.count('id="patch_') == wide.count('id="patch_')  # the same bars
    assert phone.split("</metadata>")[0].split("<metadata>")[1] == (
        wide.split("</metadata>")[0].split("<metadata>")[1])
    page = render.figure_html(meta)
    assert '<source media="(max-width: 600px)" srcset="figures/03_waves-long-phone.svg">' in page


def test_a_chart_that_reads_on_a_phone_keeps_one_layout(figures_dir):
    fig, ax = plt.subplots(figsize=(3.0, 2.0))
    ax.plot([1, 2], [3, 4])
    meta = plots.save_figure(fig, pd.DataFrame({"x": [1]}), "r", "small", title="T").meta
    assert "phone" not in meta and not (figures_dir / "r-small-phone.svg").exists()
    assert "<picture" not in render.figure_html(meta)


def test_ids_in_computed_sentences_link_to_their_card_or_row():
    page = render.link_ids("<p><strong>C15</strong> rests on E06 → E01; <code>E02</code> "
                         '<a href="x">S03</a> and CE123 stay.</p>')
    assert '<strong><a href="claims.html#C15">C15</a></strong>' in page
    assert '<a href="01_ingest.html#fig-E06">E06</a> → <a href="01_ingest.html#fig-E01">' in page
    assert "<code>E02</code>" in page and '<a href="x">S03</a>' in page and "CE123" in page


def test_the_claims_page_carries_one_valid_claimreview_per_claim():
    import json

    import jsonschema

    page = landing.claims_page([ROW, UNTESTABLE], "abc", "95%")
    embedded = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>',
                                    page, flags=re.S).group(1))
    assert embedded == landing.claims_jsonld([ROW, UNTESTABLE], "abc")
    text = {"type": "string", "minLength": 1}
    schema = {"type": "array", "minItems": 2, "maxItems": 2, "items": {
        "type": "object",
        "required": ["@context", "@type", "claimReviewed", "itemReviewed", "reviewRating",
                     "author", "datePublished", "url"],
        "properties": {
            "@context": {"const": "https://schema.org"}, "@type": {"const": "ClaimReview"},
            "claimReviewed": text, "url": text,
            "datePublished": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "author": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["@type", "name"],
                "properties": {"name": text}}},
            "itemReviewed": {"type": "object", "required": ["@type", "appearance"],
                             "properties": {"@type": {"const": "Claim"}, "appearance": {
                                 "type": "object", "required": ["@type", "headline"],
                                 "properties": {"headline": text}}}},
            "reviewRating": {"type": "object", "required": ["@type", "alternateName"],
                             "properties": {"@type": {"const": "Rating"}, "alternateName": {
                                 "enum": [v for v, _ in __import__(
                                     "chasm.register.claims", fromlist=["x"]).VOCABULARY]
                                 + ["consistent"]}}}}}}
    jsonschema.validate(embedded, schema)
    assert [o["reviewRating"]["alternateName"] for o in embedded] == ["consistent",
                                                                      "not testable"]
    assert embedded[0]["claimReviewed"] == "The share fell."
    hostile = {**ROW, "paraphrase": "</script><script>alert(1)</script>"}
    assert "</script><script>" not in landing.claims_page([hostile], "abc", "95%")


def test_the_committed_claimreview_file_matches_the_register():
    import json

    path = paths.REPORTS / landing.CLAIMS_JSONLD
    rows = base.read_csv(paths.REPORTS / "tables" / "claims.csv")
    objects = json.loads(path.read_text(encoding="utf-8"))
    assert [o["identifier"] for o in objects] == [r["claim_id"] for r in rows]
    assert {o["reviewRating"]["alternateName"] for o in objects} <= {r["verdict"] for r in rows}


def test_a_charts_source_line_names_the_outlets_of_its_figures():
    tidy = pd.read_csv(paths.DATA / "processed" / "figures.csv")
    known = pd.read_csv(paths.DATA / "raw" / "sources.csv").set_index("source_id")
    ids = list(tidy["figure_id"][:2]) + [tidy["figure_id"].iloc[-1]]
    expected = []
    for i in ids:
        row = tidy.set_index("figure_id").loc[i]
        src = known.loc[row["source_id"]]
        name = f"{src['publisher']}, {src['published']} ({row['source_kind']})"
        if name not in expected:
            expected.append(name)
    data = pd.DataFrame({"figure_id": ids, "source_kind": ["x"] * 3})
    assert plots.source_outlets(data) == expected
    assert plots.figure_source(data).startswith("Source: " + "; ".join(expected))
    assert "a secondary summary" not in plots.figure_source(data)
    series = pd.DataFrame({"outlet": ["Levada Center", "Levada Center"],
                           "source_kind": ["primary", "primary"]})
    assert plots.source_outlets(series) == ["Levada Center (primary)"]
    derived = pd.DataFrame({"figure_id": [ids[0], None], "source_kind": ["essay", "derived"]})
    assert plots.figure_source(derived).split(". ")[0].endswith("; derived here")


def test_the_register_is_read_as_values(tmp_path):
    """Numbers of claims.csv arrive as floats (None where empty), text as written."""
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,verdict,estimate,low,high,share_1,share_2,p_value\n"
                    "C01,supported,-6,-10.5,-1.5,43,37,0.012\n"
                    "C02,not testable,,,,,,\n", encoding="utf-8")
    rows = landing.register(path)
    assert rows[0]["estimate"] == -6.0 and rows[0]["p_value"] == 0.012
    assert rows[0]["verdict"] == "supported" and rows[0]["claim_id"] == "C01"
    assert rows[1]["estimate"] is None and rows[1]["low"] is None
    assert landing.register(tmp_path / "missing.csv") == []
    sentence = landing.claim_numbers({**rows[0], "measure": "difference (points)"}, "95%")
    assert sentence.startswith("43.0% → 37.0%: −6.0 points, 95% CI −10.5 to −1.5"), sentence


def test_the_interval_level_is_the_register_runs_alpha(monkeypatch):
    """The landing and claims pages take the level from the parameters 06_claims runs with,
    not from a report's text."""
    monkeypatch.setattr(landing, "parameters", lambda run: {"alpha": 0.1} if run == (
        landing.REGISTER_RUN) else {})
    assert landing.level() == "90%"
    monkeypatch.setattr(landing, "parameters", lambda run: {"alpha": 0.025})
    assert landing.level() == "97.5%"


def test_a_variant_names_only_what_its_params_file_changes():
    """A run's changes are the keys its params file sets unlike its main run's parameters
    (declared defaults under the main params file)."""
    by_name = {r.name: r for r in runs.runs()}
    for run in by_name.values():
        if run.main:
            assert run.changes == {} and run.kind == "main"
            continue
        base = runs.parameters(run.notebook)
        assert run.changes and all(base.get(k) != v for k, v in run.changes.items()), run
        assert run.kind in ("sensitivity", "analysis")


def test_a_left_aligned_title_is_the_charts_title_and_alt(figures_dir):
    """A chart titled on the left (the series chart) keeps its title on the page and in its
    alt text, though the drawing drops it (the page shows it above the image)."""
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_title("Approval rose from 60% to 87%", loc="left")
    meta = plots.save_figure(fig, pd.DataFrame({"x": [1, 2]}), "08_series", "s").meta
    assert meta["title"] == "Approval rose from 60% to 87%"
    assert meta["alt"].startswith("Chart: Approval rose from 60% to 87%.")
    assert "Approval rose" not in (figures_dir / "08_series-s.svg").read_text(
        encoding="utf-8").split("</metadata>", 1)[1]


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_verdict_has_its_own_badge_colour_with_white_text_at_4_5_to_1():
    """Badges are white on the verdict's colour (``chasm.css``): each verdict word a class
    (``chasm.tables.BADGES``), each class a colour of its own unless the verdicts mean the
    same for a reader (contradicted / sources disagree), every one at WCAG AA contrast."""
    css = (base.TEMPLATES / "chasm.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--(\w+):\s*(#[0-9a-fA-F]{6})", css))
    rule = dict(re.findall(r"\.badge-(\w+) \{ background: var\(--(\w+)\); \}", css))
    assert set(rule) >= set(tables.BADGES.values())
    for cls in set(tables.BADGES.values()):
        contrast = (1.0 + 0.05) / (_luminance(colours[rule[cls]]) + 0.05)
        assert contrast >= 4.5, (cls, colours[rule[cls]], round(contrast, 2))
    shown = {verdict: colours[rule[cls]].lower() for verdict, cls in tables.BADGES.items()}
    assert shown["inconclusive"] != shown["not testable"]
    same = {frozenset(v for v in shown if shown[v] == c) for c in shown.values()}
    assert all(len(group) == 1 or group == {"contradicted", "sources disagree"}
               for group in same), same


def test_russian_text_is_marked_as_russian_in_tables_and_source_lists():
    shown = tables.table(pd.DataFrame({
        "title": ["Эмиграционные настроения: апрель 2025", "Sentiments about emigration"],
        "share": [37.0, 9.0]})).html
    assert '<td lang="ru" data-label="title">Эмиграционные' in shown
    assert shown.count('lang="ru"') == 1
