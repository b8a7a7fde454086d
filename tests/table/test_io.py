"""Loading the real raw files, and the tidy table built from them (chasm.data.load,
chasm.data.figures)."""

import pandas as pd
import pytest

from chasm import paths
from chasm.data import cells, figures, load, schema, yamlcache


@pytest.fixture(scope="module")
def tidy():
    return load.tidy_figures(load.load_figures())


def test_every_raw_file_loads():
    assert len(load.load_sources()) >= 10
    assert len(load.load_error_table()) == 7
    assert load.load_population()["age"].tolist() == list(range(101))
    assert load.load_approval()["month"].is_unique
    assert len(load.load_fieldwork()) == 4
    assert set(load.load_metadata()) == {"questions", "waves", "subgroups"}
    assert len(load.load_gaps()) >= 5


def test_raw_figures_are_copied_unchanged_from_shared():
    """data/raw must say exactly what the shared transcriptions say (when they are present)."""
    shared = paths.ROOT.parent / "shared" / "data"
    if not shared.exists():
        pytest.skip("shared/data is not beside this checkout")
    for path in sorted(shared.glob("*.csv")):
        assert (paths.RAW / path.name).read_bytes() == path.read_bytes(), path.name


def test_tidy_table_has_one_row_per_figure(tidy):
    raw = load.load_figures()
    assert len(tidy) == len(raw)
    assert tidy["figure_id"].is_unique
    assert set(tidy["source_kind"]) <= set(load.SOURCE_KINDS)
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


# --------------------------------------------------------------------------------------------
# Metadata schemas (data/schema/*.schema.json) and the strict readers behind them.
# --------------------------------------------------------------------------------------------
SCHEMA_NAMES = ("questions", "waves", "subgroups", "gaps")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_metadata_file_has_a_valid_schema_that_its_file_meets(name):
    import json

    import jsonschema
    import yaml

    spec = json.loads((schema.SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(spec).check_schema(spec)
    data = yaml.safe_load((paths.METADATA / f"{name}.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, spec)  # the committed file, read by plain YAML, also passes


def test_schema_integers_exclude_booleans():
    import json

    import jsonschema

    spec = json.loads((schema.SCHEMAS / "waves.schema.json").read_text(encoding="utf-8"))
    wave = {"label": "x", "fieldwork": None, "n": 1600, "n_assumed": True,
            "approval_month": "2024-03"}
    jsonschema.validate({"2024-03": wave}, spec)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"2024-03": {**wave, "n": True}}, spec)


def test_metadata_values_keep_their_written_text_and_types():
    meta = load.load_metadata()
    wave = meta["waves"]["2024-03"]
    assert type(wave["n"]) is int and wave["n_assumed"] is True
    assert wave["approval_month"] == "2024-03" and wave["fieldwork"] is None
    ages = meta["subgroups"]["age"]["groups"]
    assert list(ages) == ["18-24", "25-39", "40-54", "55+"]
    assert (ages["55+"]["min_age"], ages["55+"]["max_age"]) == (55, None)


def test_every_wave_approval_month_is_in_the_series():
    months = set(load.load_approval()["month"])
    assert all(w["approval_month"] in months for w in load.load_metadata()["waves"].values())


@pytest.mark.parametrize("cell", ["37", "0", "37.5", "-3", "100.0"])
def test_number_grammar_accepts_plain_decimals(cell):
    assert cells.number(cell) == float(cell)


@pytest.mark.parametrize("cell", ["3_7", "٣٧", "３７", "1e3", "+5", ".5", "5.", "0x10", "1,5",
                                  "3 7", "37%", "١٠٠"])
def test_number_grammar_refuses_what_float_would_take(cell):
    with pytest.raises(ValueError, match="is not a number"):
        cells.number(cell)


@pytest.mark.parametrize("cell", ["a <b>bold</b> move", "![x](http://a/b.png)", "[x](y)",
                                  "[x][ref]", "javascript:alert(1)", "see data:text/html,x",
                                  "data:image/png;base64,AAAA", "<!-- comment -->"])
def test_markup_is_refused_in_text(cell):
    with pytest.raises(ValueError, match="markup or script"):
        cells.text(cell)
    with pytest.raises(ValueError, match="markup or script"):
        cells.note(cell)


@pytest.mark.parametrize("cell", ["37% (a third, in words)", "derived data: 84% in November",
                                  "40-54 [sic]", "a < b", "paragraph 3; see note"])
def test_plain_text_passes(cell):
    assert cells.text(cell) == cell


def test_line_breaks_refused_in_one_line_fields_blank_lines_in_notes():
    with pytest.raises(ValueError, match="line break"):
        cells.text("two\nlines")
    with pytest.raises(ValueError, match="line break"):
        cells.text("two\u2028lines")
    assert cells.note("two\nlines") == "two\nlines"
    with pytest.raises(ValueError, match="blank line"):
        cells.note("two\n\n# heading")


def _mutations(name: str, data):
    """The committed metadata file and broken variants of it, each breaking one keyword."""
    import copy

    yield data
    first = next(iter(data)) if isinstance(data, dict) else 0
    for key, value in [("n", True), ("n", 0), ("n", "1600"), ("n", 1600.5), ("label", ""),
                       ("label", ["a"]), ("approval_month", "2025-13"), ("aproval_month", "x"),
                       ("n_assumed", "yes"), ("fieldwork", 3), ("wording_ru", ""),
                       ("response", "several"), ("options", {}), ("groups", {"x y": {}}),
                       ("what", None), ("id", "a b"), ("extra", 1)]:
        broken = copy.deepcopy(data)
        broken[first][key] = value
        yield broken
    for drop in ("label", "n", "approval_month", "options", "groups", "consequence"):
        broken = copy.deepcopy(data)
        broken[first].pop(drop, None)
        yield broken
    if name == "subgroups":
        broken = copy.deepcopy(data)
        del broken["age"]["groups"]["55+"]["max_age"]
        yield broken
        broken = copy.deepcopy(data)
        broken["age"]["groups"]["18-24"]["min_age"] = -1
        yield broken
    if name == "questions":
        broken = copy.deepcopy(data)
        broken["why_people_leave"]["options"]["traitors"]["tone"] = "hostile"
        yield broken
    yield {} if isinstance(data, dict) else []
    yield {"not-a-month key!": {}} if isinstance(data, dict) else [{}]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_the_compiled_validator_agrees_with_jsonschema(name):
    """chasm.data.schema validates with fastjsonschema, node by node to report every problem; on the
    real file and on each broken variant it must give jsonschema's verdict (an independent
    implementation), and name at least one problem exactly when jsonschema finds one."""
    import jsonschema
    import yaml

    spec = schema._schema(name)
    validator = jsonschema.validators.validator_for(spec)(spec)
    data = yaml.safe_load((paths.METADATA / f"{name}.yaml").read_text(encoding="utf-8"))
    verdicts = []
    import fastjsonschema

    for doc in _mutations(name, data):
        ours = not schema._node_problems(spec, spec, doc, ())
        assert ours == validator.is_valid(doc), doc
        try:  # the whole-schema validator that lets a valid file skip the walk agrees too
            schema._whole(name)(doc)
            whole = True
        except fastjsonschema.JsonSchemaException:
            whole = False
        assert whole == ours, doc
        verdicts.append(ours)
    assert verdicts[0] and verdicts.count(False) >= 10  # the file passes, breakages are caught


def test_loading_metadata_compiles_schemas_without_importing_jsonschema():
    """The schema library stays off the build's path: fastjsonschema (milliseconds), never
    jsonschema (seconds to import)."""
    import os
    import subprocess
    import sys

    probe = ("import sys; from chasm.data import load; load.load_metadata(); load.load_gaps(); "
             "print('jsonschema' in sys.modules, 'fastjsonschema' in sys.modules)")
    env = {**os.environ, yamlcache.CACHE_ENV: ""}  # validated here, not taken from the cache
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["False", "True"]


def test_population_tables_are_found_by_date_and_checked_like_the_one_we_have(tmp_path):
    real = (load.paths.RAW / "rosstat_population_2024-01-01.csv").read_text(encoding="utf-8")
    (tmp_path / "rosstat_population_2024-01-01.csv").write_text(real, encoding="utf-8")
    (tmp_path / "rosstat_population_2010-01-01.csv").write_text(real, encoding="utf-8")
    assert list(load.population_files(tmp_path)) == ["2010-01-01", "2024-01-01"]
    pops = load.load_populations(tmp_path)
    assert list(pops) == ["2010-01-01", "2024-01-01"]
    assert pops["2010-01-01"]["total"].sum() == 146_150_789
    # the schema checks stay: male + female must add to the total in every table
    bad = real.replace("0,1261279,650025,611254", "0,1261279,650025,611253")
    (tmp_path / "rosstat_population_2010-01-01.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(schema.RawDataError, match="2010-01-01.csv, line 2.*male \\+ female"):
        load.load_populations(tmp_path)


@pytest.mark.parametrize("name", ["rosstat_population_2024.csv",
                                  "rosstat_population_2024-13-01.csv",
                                  "rosstat_population_2024-01-01.txt"])
def test_a_population_table_not_named_by_its_date_is_refused(tmp_path, name):
    (tmp_path / name).write_text("age,total,male,female\n", encoding="utf-8")
    with pytest.raises(schema.RawDataError, match="must be named rosstat_population_YYYY-MM-DD"):
        load.population_files(tmp_path)
    with pytest.raises(schema.RawDataError, match="no population table"):
        load.population_files(tmp_path / "empty")


def _waves_problems(tmp_path, text: str) -> list[schema.RawDataError]:
    path = tmp_path / "waves.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(schema.RawDataError) as info:
        schema.read_yaml(path, "waves")
    return info.value.problems


def test_a_misspelt_key_is_named_with_the_nearest_key_before_the_key_it_lacks(tmp_path):
    problems = _waves_problems(tmp_path, "2024-03:\n  label: x\n  fieldwork: null\n  n: 1600\n"
                               "  n_asumed: true\n")
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "value 'n_asumed': unknown key (did you mean 'n_assumed'?)"]
    assert problems[0].line == 5 and problems[0].key == "2024-03.n_asumed"


def test_schema_problems_of_several_entries_come_in_file_order(tmp_path):
    problems = _waves_problems(tmp_path, "2024-03:\n  label: x\n  fieldwork: null\n  n: 0\n"
                               "  n_assumed: true\nMarch:\n  label: y\n  fieldwork: null\n"
                               "  n: 1600\n  n_assumed: maybe\n")
    assert [(p.line, p.key) for p in problems] == [(4, "2024-03.n"), (6, "March"),
                                                   (10, "March.n_assumed")]


def test_an_age_without_its_pair_is_a_missing_key(tmp_path):
    path = tmp_path / "subgroups.yaml"
    path.write_text("age:\n  label: age\n  groups:\n    young: {label: young, min_age: 18}\n",
                    encoding="utf-8")
    with pytest.raises(schema.RawDataError, match=r"line 4, key 'age.groups.young.max_age': "
                       r"required key is missing$"):
        schema.read_yaml(path, "subgroups")


def test_a_tables_cells_as_written_are_shared_not_deep_copied_by_pandas():
    """pandas deep-copies ``attrs`` on every operation: the written cells must survive as the
    same mapping (a deep copy per filter made the approval series most of a build's time)."""
    frame = load.load_approval()
    written = frame.attrs["written"]
    assert frame[frame["approve"] > 0].attrs["written"] is written
    assert frame["approve"].attrs["written"] is written
    assert written[next(iter(written))]["approve"]  # still the text as written


def test_a_yaml_file_read_again_is_the_same_copy_and_a_changed_one_is_read_afresh(tmp_path):
    """read_yaml keeps what it accepted by file, schema and bytes: read again it returns an
    equal copy (changing one does not change the next), the read is logged each time, a file
    whose bytes changed is parsed again, and a refused file is refused with the same problems
    every time."""
    path = tmp_path / "waves.yaml"
    good = "2024-03:\n  label: x\n  fieldwork: null\n  n: 1600\n  n_assumed: true\n"
    path.write_text(good, encoding="utf-8")
    first, where = schema.read_yaml(path, "waves")
    first["2024-03"]["n"] = 1
    where.clear()
    again, where_again = schema.read_yaml(path, "waves")
    assert again == {"2024-03": {"label": "x", "fieldwork": None, "n": 1600, "n_assumed": True}}
    assert where_again[("2024-03", "n")] == schema.Where(4, "1600")
    path.write_text(good.replace("1600", "1500"), encoding="utf-8")
    assert schema.read_yaml(path, "waves")[0]["2024-03"]["n"] == 1500
    bad = good.replace("n_assumed", "n_asumed")
    messages = [[str(p) for p in _waves_problems(tmp_path, bad)] for _ in range(2)]
    assert messages[0] == messages[1] and "did you mean 'n_assumed'" in messages[0][0]


def test_every_read_of_a_yaml_file_is_logged(tmp_path, monkeypatch):
    """make checks the read log against each run's declared inputs: a second read of the
    same file (answered from what the first accepted) is logged too."""
    log = tmp_path / "reads.txt"
    monkeypatch.setenv("CHASM_READ_LOG", str(log))
    for _ in range(2):
        schema.read_yaml(paths.METADATA / "waves.yaml", "waves")
    assert log.read_text(encoding="utf-8").splitlines() == ["data/raw/metadata/waves.yaml"] * 2


def test_an_accepted_yaml_file_is_kept_for_other_processes(tmp_path, monkeypatch):
    """What read_yaml accepted is kept on disk by bytes, schema and code: another process
    (here: this one, its memory cleared) gets an equal copy without parsing; changed bytes or
    another schema are parsed again, and a refused file is never kept."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(yamlcache.CACHE_ENV, str(cache))
    monkeypatch.setattr(yamlcache, "ACCEPTED", {})
    path = tmp_path / "waves.yaml"
    path.write_text("2024-03:\n  label: x\n  fieldwork: null\n  n: 1600\n  n_assumed: true\n",
                    encoding="utf-8")
    first = schema.read_yaml(path, "waves")
    assert len(list(cache.glob("*.pickle"))) == 1
    monkeypatch.setattr(yamlcache, "ACCEPTED", {})
    real = schema._parse_yaml

    def refuse(*args):
        raise AssertionError("parsed again")

    monkeypatch.setattr(schema, "_parse_yaml", refuse)
    assert schema.read_yaml(path, "waves") == first
    with pytest.raises(AssertionError, match="parsed again"):
        schema.read_yaml(path, None)  # another schema (none): another key
    path.write_text(path.read_text(encoding="utf-8").replace("1600", "1500"), encoding="utf-8")
    with pytest.raises(AssertionError, match="parsed again"):
        schema.read_yaml(path, "waves")
    monkeypatch.setattr(schema, "_parse_yaml", real)
    path.write_text("2024-03:\n  label: x\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(schema.RawDataError, match="required key is missing"):
            schema.read_yaml(path, "waves")
    assert len(list(cache.glob("*.pickle"))) == 1  # the one accepted reading only
    monkeypatch.setenv(yamlcache.CACHE_ENV, "")
    monkeypatch.setattr(yamlcache, "ACCEPTED", {})
    path.write_text(path.read_text(encoding="utf-8") + "  fieldwork: null\n  n: 1\n"
                    "  n_assumed: true\n", encoding="utf-8")
    schema.read_yaml(path, "waves")
    assert len(list(cache.glob("*.pickle"))) == 1  # no cache between processes: none written
