"""Registers for any text, by data alone: a second text's register using every general rule,
a breakdown whose group sizes no source gives (and then one that gives them), and a conflict
between two sources decided by the declared ranking policy. Everything is added as files to a
copy of ``data/`` (no code), as an analyst would."""
# ruff: noqa: E501  (the data fixtures are CSV lines as an analyst writes them)

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from chasm import paths
from chasm.data import figures, load, schema
from chasm.register import claims, context

TEXT = "synthetic-daily-2025"
SOURCE_ROWS = (
    f'{TEXT},secondary,Synthetic Daily,"Fewer Russians want to leave",2025-06-01,,'
    '"A synthetic press report (test data)."\n'
    'synthetic-release-b,primary,Synthetic Institute,"Emigration wishes, March 2024",'
    '2024-07-01,,"A synthetic second release for the same wave (test data)."\n'
    'synthetic-release-c,primary,Synthetic Institute,"Emigration wishes, April 2025",'
    '2025-06-01,,"A synthetic breakdown by relatives abroad (test data)."\n')
FIGURES = """figure_id,source_id,wave,question,option,subgroup_var,subgroup,value_pct,value_text
Z01,synthetic-release-c,2025-04,wish_to_emigrate,would,relatives_emigrated,abroad,28,28%
Z02,synthetic-release-c,2025-04,wish_to_emigrate,would,relatives_emigrated,none,7,7%
Z03,synthetic-release-b,2024-03,wish_to_emigrate,would,all,all,11,11%
"""
SUBGROUP = """relatives_emigrated:
  label: has relatives who emigrated
  groups:
    abroad: {label: has relatives abroad}
    none: {label: has none}
"""
# One claim per general rule and side; ids repeat the essay's on purpose (C13: the plan's
# comparison of the essay must not apply to another text's claim of that id).
REGISTER = """claim_id,paragraph,kind,paraphrase,figure_ids,rule,args,notes
C01,1,comparison,"Fewer than one in five want to leave.",L09,share_level,side=below;threshold=20,
C02,1,comparison,"Nine in ten would stay: most.",L01,share_level,side=above;threshold=50,
C03,1,comparison,"About 9% want to leave.",L02,share_level,side=about;threshold=9,
C13,2,comparison,"The wish to leave halved within a month of February 2022.",L03 L04,change,direction=down;by=0.5;as=ratio,
C05,2,comparison,"The wish to leave doubled in a month.",L03 L04,change,direction=up;by=2;as=ratio,
C06,2,comparison,"It fell by 9 points.",L03 L04,change,direction=down;by=9;as=points,
C07,3,comparison,"April 2025 is the lowest since February 2022.",L09,extreme,which=lowest;since=2022-02,
C08,3,comparison,"April 2025 is the highest since February 2022.",L09,extreme,which=highest;since=2022-02,
C09,4,comparison,"Those with relatives abroad want to leave more than everyone.",Z01 L09,group_vs,group=Z01;total=L09;against=total;expect=higher,
C10,4,comparison,"Those with relatives abroad want to leave more than the rest.",Z01 L09,group_vs,group=Z01;total=L09;against=rest;expect=higher,
C11,4,comparison,"The young want to leave more than the old.",L05 L07,ordering,order=L05 L07,
C12,4,comparison,"Those with relatives abroad more than those without.",Z01 Z02,ordering,order=Z01 Z02,
C14,5,figure,"Nine out of ten would not leave.",L01,quoted_words,words=nine out of ten,
C15,5,figure,"About a fifth want to leave.",L09,quoted_words,words=about a fifth,
C16,6,qualitative,"Emigrants are missed.",,not_testable,,"Not asked."
"""


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A copy of data/ with the synthetic text, figures, breakdown and register added."""
    data = tmp_path / "data"
    shutil.copytree(paths.RAW, data / "raw")
    shutil.copytree(paths.DATA / "claims", data / "claims")
    shutil.copy(paths.DATA / "plan.yaml", data / "plan.yaml")
    for p in data.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    with (data / "raw" / "sources.csv").open("a", encoding="utf-8") as fh:
        fh.write(SOURCE_ROWS)
    (data / "raw" / "synthetic_figures.csv").write_text(FIGURES, encoding="utf-8")
    with (data / "raw" / "metadata" / "subgroups.yaml").open("a", encoding="utf-8") as fh:
        fh.write(SUBGROUP)
    (data / "claims" / f"{TEXT}.csv").write_text(REGISTER, encoding="utf-8")
    monkeypatch.setattr(paths, "DATA", data)
    monkeypatch.setattr(paths, "RAW", data / "raw")
    monkeypatch.setattr(paths, "METADATA", data / "raw" / "metadata")
    return data


def evaluate(data: Path) -> tuple[dict, pd.DataFrame]:
    meta = load.load_metadata(data / "raw" / "metadata")
    tidy = load.tidy_figures(load.load_figures(raw=data / "raw"))
    registers = claims.load_registers(data / "claims", tidy, load.load_sources())
    out = claims.evaluate(registers[TEXT], tidy, meta, load.load_population(), load.load_approval(),
                          load.load_error_table())
    return registers, out.set_index("claim_id")


def test_a_second_text_is_a_register_by_data_alone(project):
    registers, out = evaluate(project)
    assert list(registers) == ["essay-chasm-2025", TEXT]  # one per file, by text id
    assert claims.main_register() == "essay-chasm-2025"
    assert claims.register_page(TEXT, "essay-chasm-2025") == f"claims-{TEXT}.html"
    assert set(out["register"]) == {TEXT}
    v = out["verdict"]
    # share against any threshold, each side
    assert v["C01"] == "supported" and v["C02"] == "supported" and v["C03"] == "supported"
    # a change as a ratio or in points: the stated size inside the interval (19% -> 10%)
    assert v["C13"] == "supported" and "inside the interval" in out.loc["C13", "evidence"]
    assert v["C05"] == "contradicted" and v["C06"] == "supported"
    assert "not declared in the plan" in out.loc["C13", "evidence"]  # not the essay's C13
    # highest / lowest of a series since a month
    assert v["C07"] == "inconclusive" and v["C08"] == "contradicted"
    # ordering with known sizes (Rosstat age weights)
    assert v["C11"] == "supported"
    # figures quoted as words
    assert v["C14"] == "supported" and v["C15"] == "contradicted"
    assert v["C16"] == "not testable"
    assert set(v) <= set(claims.VERDICTS)


def test_a_breakdown_with_unknown_sizes_says_what_it_can(project):
    """No source gives the sizes of 'relatives_emigrated': every check is made at every size
    the group can have, with the range where it holds, never "not checked"."""
    _, out = evaluate(project)
    for cid in ("C09", "C10", "C12"):
        evidence = out.loc[cid, "evidence"]
        assert "is not known" in evidence and "not checked" not in evidence
    # 28% against a total of 9%: above whatever the size, significant from some size on
    c09 = out.loc["C09"]
    assert "Whatever the group's size" in c09["evidence"]
    assert c09["verdict"] in ("supported", "not identifiable")
    assert 0 < c09["size_low"] <= c09["size_high"]
    # the largest size the figures allow: total high / group low = 9.5 / 27.5
    grid_top = float(context.size_grid(9.5 / 27.5)[-1])
    assert grid_top == pytest.approx(9.5 / 27.5)
    assert c09["size_high"] == pytest.approx(100 * grid_top)
    # against the total or the rest: one test (group - total = (1 - w)(group - rest))
    assert c09["p_rounding"] == out.loc["C10", "p_rounding"]


def test_given_sizes_make_the_check_one_size(project):
    """Adding the breakdown's sizes (with their source) to the metadata: the check uses them."""
    path = project / "raw" / "metadata" / "subgroups.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "relatives_emigrated:\n  label: has relatives who emigrated\n",
        "relatives_emigrated:\n  label: has relatives who emigrated\n"
        "  sizes: {source: synthetic-release-c, groups: {abroad: 20, none: 80}}\n")
    path.write_text(text, encoding="utf-8")
    _, out = evaluate(project)
    c09 = out.loc["C09"]
    assert "is not known" not in c09["evidence"]
    assert "at a group size of 20.0%" in c09["evidence"]
    assert "Synthetic Institute" in c09["evidence"]
    assert pd.isna(c09["size_low"])


def test_given_sizes_that_do_not_sum_to_100_stop_the_build(project):
    path = project / "raw" / "metadata" / "subgroups.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  label: has relatives who emigrated\n",
        "  label: has relatives who emigrated\n"
        "  sizes: {source: synthetic-release-c, groups: {abroad: 30, none: 80}}\n"),
        encoding="utf-8")
    with pytest.raises(schema.RawDataError, match=r"subgroups.yaml, key 'relatives_emigrated."
                                               r"sizes.groups': value '110.0'.*sum to 110"):
        evaluate(project)


def test_a_register_for_an_unknown_text_is_refused(project):
    (project / "claims" / "no-such-text.csv").write_text(REGISTER, encoding="utf-8")
    tidy = load.tidy_figures(load.load_figures(raw=project / "raw"))
    with pytest.raises(schema.RawDataError, match="no-such-text.csv: value 'no-such-text'"):
        claims.load_registers(project / "claims", tidy, load.load_sources())


def test_a_conflict_is_decided_by_the_declared_ranking(project):
    """Two primary sources give March 2024 different figures (9% and 11%: they cannot both be
    right). The declared policy (kind, then recency) takes the more recent release; the same
    data under a policy without recency take the lower figure id; every choice names it."""
    tidy = load.tidy_figures(load.load_figures(raw=project / "raw"))
    cell = tidy[(tidy["wave"] == "2024-03") & (tidy["option"] == "would")
                & (tidy["subgroup_var"] == "all")]
    choice = figures.best_choices(cell).iloc[0]
    assert (choice["chosen"], choice["decided_by"], choice["agree"]) == (
        "Z03", "more recent source", False)
    _, out = evaluate(project)
    assert "declared ranking" in out.loc["C07", "evidence"]
    assert "Z03 11% (Synthetic Institute, 2024-07-01) over L02 9% (Levada Center, 2024-06-21)" in out.loc["C07", "evidence"]
    ranking = project / "raw" / "metadata" / "ranking.yaml"
    ranking.write_text(ranking.read_text(encoding="utf-8").replace(
        "[number_before_words, kind, recency, figure_id]",
        "[number_before_words, kind, figure_id]"), encoding="utf-8")
    choice = figures.best_choices(cell).iloc[0]
    assert (choice["chosen"], choice["decided_by"]) == ("L02", "figure id only")
    assert "recency" not in figures.policy_text() and "more recent" not in figures.policy_text()


def test_a_ranking_that_is_not_reproducible_is_refused(project):
    ranking = project / "raw" / "metadata" / "ranking.yaml"
    ranking.write_text(ranking.read_text(encoding="utf-8").replace(
        "[number_before_words, kind, recency, figure_id]", "[kind, recency]"), encoding="utf-8")
    with pytest.raises(schema.RawDataError, match=r"ranking.yaml, line \d+, key 'steps'.*end with "
                                               "figure_id"):
        figures.ranking()


@pytest.mark.parametrize("no_share, verdict, gap", [(7, "consistent", 0.0),
                                                     (12, "inconsistent", 2.0)])
def test_a_complete_breakdown_without_sizes_is_checked_for_any_sizes(project, no_share, verdict,
                                                                       gap):
    """05's every-breakdown check: with no sizes, the total of a complete breakdown must lie
    between its lowest and highest group (a weighted mean, whatever the weights): 7% and 28%
    allow a total of 9%; 12% and 28% do not (11.5 - 9.5 = 2 points at the nearest ends)."""
    from chasm.analysis import subgroups

    path = project / "raw" / "synthetic_figures.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",7,7%", f",{no_share},{no_share}%"),
                    encoding="utf-8")
    meta = load.load_metadata(project / "raw" / "metadata")
    tidy = load.tidy_figures(load.load_figures(raw=project / "raw"))
    checks = subgroups.breakdown_checks(tidy, meta, load.load_populations(), load.load_approval(),
                                        ["relatives_emigrated"])
    row = checks.table.set_index("wave").loc["2025-04"]
    assert (row["verdict"], row["weights"]) == (verdict, "any sizes (none given)")
    assert row["gap"] == pytest.approx(gap)
    assert "checked for every size" in row["note"]
