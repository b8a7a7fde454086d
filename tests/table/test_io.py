"""Loading the real raw files, and the tidy table built from them (chasm.io, chasm.figures)."""

import pandas as pd
import pytest

from chasm import figures, io, paths


@pytest.fixture(scope="module")
def tidy():
    return io.tidy_figures(io.load_figures())


def test_every_raw_file_loads():
    assert len(io.load_sources()) >= 10
    assert len(io.load_error_table()) == 7
    assert io.load_population()["age"].tolist() == list(range(101))
    assert io.load_approval()["month"].is_unique
    assert len(io.load_fieldwork()) == 4
    assert set(io.load_metadata()) == {"questions", "waves", "subgroups"}
    assert len(io.load_gaps()) >= 5


def test_raw_figures_are_copied_unchanged_from_shared():
    """data/raw must say exactly what the shared transcriptions say (when they are present)."""
    shared = paths.ROOT.parent / "shared" / "data"
    if not shared.exists():
        pytest.skip("shared/data is not beside this checkout")
    for path in sorted(shared.glob("*.csv")):
        assert (paths.RAW / path.name).read_bytes() == path.read_bytes(), path.name


def test_tidy_table_has_one_row_per_figure(tidy):
    raw = io.load_figures()
    assert len(tidy) == len(raw)
    assert tidy["figure_id"].is_unique
    assert set(tidy["source_kind"]) <= set(io.SOURCE_KINDS)
    assert (tidy["low"] <= tidy["high"]).all()
    has_point = tidy["point"].notna()
    assert (tidy.loc[has_point, "low"] <= tidy.loc[has_point, "point"]).all()
    # published numbers are kept exactly as published
    numbers = tidy["value_pct"].notna()
    assert (tidy.loc[numbers, "point"] == tidy.loc[numbers, "value_pct"]).all()


def test_the_essay_figures_are_all_there(tidy):
    essay = tidy[tidy["source_kind"] == "essay"]
    assert sorted(essay["figure_id"]) == [f"E{i:02d}" for i in range(1, 13)]
    e01 = tidy.set_index("figure_id").loc["E01"]
    assert (e01["wave"], e01["option"], e01["point"]) == ("2025-04", "traitors", 37)


def test_processed_table_is_what_ingest_writes(tidy):
    """The committed data/processed/figures.csv equals a fresh tidy table from data/raw."""
    committed = pd.read_csv(paths.PROCESSED / "figures.csv", keep_default_na=False,
                            na_values=[""])
    fresh = tidy.copy()
    for frame in (committed, fresh):
        frame["note"] = frame["note"].fillna("")
    pd.testing.assert_frame_equal(committed, fresh, check_dtype=False, atol=1e-5)


def test_shared_cells_pairs_the_two_disagreements(tidy):
    shared = figures.shared_cells(tidy)
    pairs = {(r.option, r.figure_a, r.figure_b) for r in shared.itertuples()}
    assert ("traitors", "E01", "S01") in pairs
    assert ("fear_mobilization", "E03", "S03") in pairs
    row = shared[shared["figure_a"] == "E01"].iloc[0]
    assert row["point_diff"] == pytest.approx(37 - 100 / 3)


def test_shared_cells_detects_a_real_disagreement(tidy):
    changed = tidy.copy()
    i = changed.index[changed["figure_id"] == "S03"][0]
    changed.loc[i, ["point", "low", "high"]] = [20, 19.5, 20.5]
    row = figures.shared_cells(changed).set_index("figure_b").loc["S03"]
    assert not row["agree"] and row["gap"] == pytest.approx(100 / 3 - 5 - 20.5)


def test_best_prefers_primary_then_essay_then_numbers(tidy):
    best = figures.best(tidy).set_index("figure_id")
    assert "E01" in best.index and "S01" not in best.index  # essay number over secondary words
    assert "S03" in best.index and "E03" not in best.index  # a number over words


def test_population_tables_are_found_by_date_and_checked_like_the_one_we_have(tmp_path):
    real = (io.paths.RAW / "rosstat_population_2024-01-01.csv").read_text(encoding="utf-8")
    (tmp_path / "rosstat_population_2024-01-01.csv").write_text(real, encoding="utf-8")
    (tmp_path / "rosstat_population_2010-01-01.csv").write_text(real, encoding="utf-8")
    assert list(io.population_files(tmp_path)) == ["2010-01-01", "2024-01-01"]
    pops = io.load_populations(tmp_path)
    assert list(pops) == ["2010-01-01", "2024-01-01"]
    assert pops["2010-01-01"]["total"].sum() == 146_150_789
    # the schema checks stay: male + female must add to the total in every table
    bad = real.replace("0,1261279,650025,611254", "0,1261279,650025,611253")
    (tmp_path / "rosstat_population_2010-01-01.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(io.RawDataError, match="2010-01-01.csv, line 2.*male \\+ female"):
        io.load_populations(tmp_path)


@pytest.mark.parametrize("name", ["rosstat_population_2024.csv",
                                  "rosstat_population_2024-13-01.csv",
                                  "rosstat_population_2024-01-01.txt"])
def test_a_population_table_not_named_by_its_date_is_refused(tmp_path, name):
    (tmp_path / name).write_text("age,total,male,female\n", encoding="utf-8")
    with pytest.raises(io.RawDataError, match="must be named rosstat_population_YYYY-MM-DD"):
        io.population_files(tmp_path)
    with pytest.raises(io.RawDataError, match="no population table"):
        io.population_files(tmp_path / "empty")
