"""The pure parts of ``tools/bench.py``: targets, ratios, notebook -> script, snapshot, report.

No benchmark is run here (that takes minutes); scripts built from tiny notebooks are run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from tools import bench

from chasm import paths


# --------------------------------------------------------------------------------------------
# Ratios and targets
# --------------------------------------------------------------------------------------------
def test_ratios_divide_by_the_floor():
    r = bench.ratios({"floor": 2.0, "floor1": 1.0, "serial": 3.0, "parallel": 1.5, "runs": 4})
    assert r == {"serial_ratio": 1.5, "parallel_ratio": 0.75, "serial_floor1_ratio": 3.0,
                 "parallel_serial_ratio": 0.5, "serial_overhead": 0.5,
                 "scale_serial_ratio": None}
    assert bench.ratios({"serial": 3.0, "scale": 24.0})["scale_serial_ratio"] == 8.0


@pytest.mark.parametrize("floor", [None, 0.0])
def test_ratios_without_a_floor_are_missing(floor):
    assert bench.ratios({"floor": floor, "floor1": floor, "serial": 3.0, "parallel": 1.5}) == {
        "serial_ratio": None, "parallel_ratio": None, "serial_floor1_ratio": None,
        "parallel_serial_ratio": 0.5, "serial_overhead": None, "scale_serial_ratio": None}


def statuses(seconds, ok=None):
    return {t["key"]: t["status"] for t in bench.evaluate(seconds, ok)}


def test_targets_pass_and_miss():
    seconds = {"floor": 10.0, "floor1": 2.0, "serial": 5.0, "parallel": 4.5, "noop": 0.1,
               "test": 200.0, "runs": 4}
    assert statuses(seconds) == {"floor1": "PASS", "serial_overhead": "MISS",
                                 "parallel_serial_ratio": "MISS", "noop": "PASS", "test": "MISS"}


def test_target_limits_inclusive_for_ratios_and_make_test_strict_for_the_noop():
    at_limit = {"floor": 10.0, "floor1": 12.0, "serial": 15.0, "parallel": 9.75, "noop": 0.5,
                "test": 60.0, "runs": 10}
    assert statuses(at_limit) == {"floor1": "PASS", "serial_overhead": "PASS",
                                  "parallel_serial_ratio": "PASS", "noop": "MISS", "test": "PASS"}


def test_failed_or_missing_steps_are_errors():
    seconds = {"floor": 10.0, "floor1": 4.0, "serial": 6.0, "parallel": 3.0, "noop": 0.1,
               "runs": 10}
    got = statuses(seconds, ok={"floor": True, "serial": True, "parallel": False, "noop": True})
    assert got == {"floor1": "PASS", "serial_overhead": "PASS",
                   "parallel_serial_ratio": "ERROR", "noop": "PASS", "test": "ERROR"}
    # a failed a' makes a' and the overhead beyond it meaningless, not c/b
    got = statuses(seconds, ok={"floor1": False})
    assert got["floor1"] == got["serial_overhead"] == "ERROR"
    assert got["parallel_serial_ratio"] == "PASS"
    assert statuses(seconds, ok={"serial": False})["parallel_serial_ratio"] == "ERROR"


def test_target_texts():
    texts = {t.key: t.text() for t in bench.TARGETS}
    assert texts == {"floor1": "≤ 12 s", "serial_overhead": "≤ 0.3 s per run",
                     "parallel_serial_ratio": "≤ 0.65× b", "noop": "< 0.5 s", "test": "≤ 60 s",
                     "scale_serial_ratio": "≤ 10× b"}


def test_the_scale_target_is_judged_only_when_step_f_ran():
    seconds = {"floor1": 4.0, "serial": 6.0, "parallel": 3.0, "noop": 0.1, "test": 50.0,
               "runs": 10}
    assert "scale_serial_ratio" not in statuses(seconds)
    assert statuses({**seconds, "scale": 60.0})["scale_serial_ratio"] == "PASS"
    assert statuses({**seconds, "scale": 60.1})["scale_serial_ratio"] == "MISS"
    assert statuses({**seconds, "scale": 30.0}, ok={"scale": False})["scale_serial_ratio"] == \
        "ERROR"


def test_best_of_keeps_the_fastest_and_every_sample():
    samples = [{"seconds": 3.0, "ok": True, "per_run": {"a": 2.0}},
               {"seconds": 2.0, "ok": True, "per_run": {"a": 1.5}}]
    best = bench.best_of(samples)
    assert best["seconds"] == 2.0 and best["per_run"] == {"a": 1.5} and best["ok"]
    assert best["samples"] == [3.0, 2.0]
    assert not bench.best_of([*samples, {"seconds": 9.0, "ok": False}])["ok"]


# --------------------------------------------------------------------------------------------
# Machine and formatting
# --------------------------------------------------------------------------------------------
def test_cpu_model_from_cpuinfo():
    x86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"
    assert bench.cpu_model(x86) == "AMD EPYC 7B13"
    arm = "processor\t: 0\nBogoMIPS\t: 48.00\n\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n"
    assert bench.cpu_model(arm) == "Raspberry Pi 4 Model B Rev 1.4"
    assert isinstance(bench.cpu_model(""), str) and bench.cpu_model("")


def test_machine_info_has_the_essentials():
    info = bench.machine_info()
    assert info["cpus"] >= 1 and info["cpus_usable"] >= 1
    assert info["python"].count(".") == 2 and info["cpu_model"]


def test_the_reference_loop_is_the_fastest_round(monkeypatch):
    ticks = iter([0.0, 3.0, 10.0, 11.5, 20.0, 22.0])  # rounds of 3, 1.5 and 2 s
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(ticks))
    assert bench.reference_seconds(additions=10, rounds=3) == 1.5


@pytest.mark.parametrize("value, text", [(None, "–"), (0.0018, "2 ms"), (0.48, "0.48 s"),
                                         (6.634, "6.63 s"), (128.26, "128.3 s")])
def test_fmt_seconds(value, text):
    assert bench.fmt_seconds(value) == text


def test_built_runs_parses_build_output():
    out = ("▶ 01_ingest: notebooks/01_ingest.ipynb with ...\n✓ 01_ingest (3.4 s)\n"
           "✓ 02_uncertainty--deff2.5 (12 s)\n✓ index (2 reports)\n")
    assert bench.built_runs(out) == {"01_ingest": 3.4, "02_uncertainty--deff2.5": 12.0}


def results(**targets_ok):
    seconds = {"floor": 2.0, "floor1": 1.0, "serial": 3.0, "parallel": 4.0, "noop": 0.01,
               "test": 30.0}
    steps = {k: {"seconds": v, "ok": targets_ok.get(k, True)} for k, v in seconds.items()}
    seconds["runs"] = 2
    return {"date": "2025-12-08T10:00:00+00:00", "commit": "abc1234", "runs": ["01_a", "01_a--b"],
            "machine": {"cpus": 2, "cpus_usable": 2, "cpu_model": "Test CPU", "memory_gib": 8.0,
                        "python": "3.11.7", "os": "Linux", "make": "GNU Make 4.3"},
            "steps": steps, "ratios": bench.ratios(seconds),
            "targets": bench.evaluate(seconds, {k: s["ok"] for k, s in steps.items()}),
            "profile": None}


def test_markdown_snippet():
    md = bench.markdown(results())
    assert md.startswith("### Measured performance (`make bench`)")
    assert "2025-12-08, commit `abc1234`; 1 notebooks, 2 report runs; 2 CPUs (Test CPU)" in md
    assert ("| b. make reports from clean (serial) | 3.00 s (1.00 s a run beyond a') "
            "| ≤ 0.3 s per run | **MISS** |") in md
    assert "| c. make -j2 reports from clean | 4.00 s (1.33× b) | ≤ 0.65× b | **MISS** |" in md
    assert ("| a'. the scripts in one process that imports once | 1.00 s | ≤ 12 s "
            "| **PASS** |") in md
    assert "| d. no-op make reports | 10 ms | < 0.5 s | **PASS** |" in md
    assert "| a. notebooks as plain Python scripts (the floor) | 2.00 s | | |" in md
    assert "machine's speed" not in md  # not measured: not claimed
    measured = results()
    measured["machine"]["reference_s"] = 2.87
    assert "The machine's speed: 2.87 s for 10,000,000 additions" in bench.markdown(measured)


def test_markdown_shows_failed_steps():
    md = bench.markdown(results(test=False))
    assert "| e. make test | failed | ≤ 60 s | **ERROR** |" in md


# --------------------------------------------------------------------------------------------
# Notebook -> script
# --------------------------------------------------------------------------------------------
def tiny_notebook(with_parameters: bool = True) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Title\nprose that is not Python")]
    if with_parameters:
        params = nbformat.v4.new_code_cell("n = 1\nlabel = 'default'")
        params.metadata["tags"] = ["parameters"]
        cells.append(params)
    cells += [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport os"),
        nbformat.v4.new_code_cell("%%capture out\ny = n + 1"),
        nbformat.v4.new_code_cell('msg = ("%s-%d"\n       % (label, y))\ndisplay(msg)\n'
                                  "if True:\n    !echo shell-is-skipped\nprint(msg, n * 2)"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "chasm", "display_name": "Python (chasm)",
                                 "language": "python"}
    return nb


def run_script(text: str, tmp_path) -> str:
    script = tmp_path / "script.py"
    script.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_script_injects_parameters_after_the_parameters_cell(tmp_path):
    nb = tiny_notebook()
    text = bench.notebook_to_script(nb, {"n": 5, "label": "run"})
    # cells are numbered as in the executed notebook (reports/<run>.ipynb), injected cell included
    assert text.index("# %% cell 1 [parameters]") \
        < text.index("# %% cell 2 [injected-parameters]") < text.index("# %% cell 3")
    assert "prose that is not Python" not in text
    assert run_script(text, tmp_path).strip() == "run-6 10"
    assert len(nb.cells) == 5 and "papermill" not in nb.metadata  # input left untouched


def test_script_from_a_path_and_without_parameters_cell(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(tiny_notebook(with_parameters=False), path)
    text = bench.notebook_to_script(path, {"n": 3, "label": "top"})
    assert text.index("# %% cell 0 [injected-parameters]") < text.index("# %% cell 2")
    assert run_script(text, tmp_path).strip() == "top-4 6"


def test_strip_magics_keeps_python_and_rewrites_ipython_syntax():
    modulo = 'x = ("%s"\n     % 3)\n'
    assert bench.strip_magics(modulo) == modulo
    assert bench.strip_magics("%time y = 2\n") == "get_ipython().run_line_magic('time', 'y = 2')\n"
    assert "get_ipython().system('ls')" in bench.strip_magics("!ls\n")


@pytest.mark.parametrize("source, kind", [
    ("from chasm import figures, io, report", "imports"),
    ("import numpy as np\n# a comment\nfrom chasm import (\n    io,\n    report,\n)\n", "imports"),
    ("import os\nx = 1", "execution"),
    ("", "execution"),
    ("%matplotlib inline\nimport os", "execution"),
    ("def f(:", "execution"),
])
def test_classify_cell(source, kind):
    assert bench.classify_cell(source) == kind


def test_the_one_process_floor_imports_once_and_runs_each_script_afresh(tmp_path):
    import json

    one = tmp_path / "one.py"
    one.write_text("import json, os\njson.marker = 'one'\nprint('one', os.environ['X'])\n")
    two = tmp_path / "two.py"
    two.write_text("import json, os, sys\nassert not hasattr(json, 'marker')\n"
                   "assert 'chasm.paths' not in sys.modules\nprint('two', os.getcwd())\n")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"preload": ["json"], "runs": [
        {"run": "one", "script": str(one), "cwd": str(tmp_path), "env": {"X": "1"}},
        {"run": "two", "script": str(two), "cwd": str(tmp_path / "sub"), "env": {}}]}))
    (tmp_path / "sub").mkdir()
    proc = subprocess.run([sys.executable, str(bench.SELF), "--floor1", str(plan)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("imports (") and "one 1" in lines
    assert f"two {tmp_path / 'sub'}" in lines
    assert [line.split()[1] for line in lines if line.startswith("✓")] == ["one", "two"]
    assert all(re.fullmatch(r"✓ \S+ \(\d+\.\d+ s, \d+\.\d+ s CPU\)", line)
               for line in lines if line.startswith("✓"))


def test_runs_in(tmp_path):
    for name in ("02_b.yaml", "01_a--x.yaml", "01_a.yaml", "README.md"):
        (tmp_path / name).write_text("{}\n")
    assert bench.runs_in(tmp_path) == ["01_a", "01_a--x", "02_b"]


# --------------------------------------------------------------------------------------------
# Environment, cleaning and the project copy
# --------------------------------------------------------------------------------------------
def test_build_env_isolates_the_copy(tmp_path):
    base = {"PATH": "/bin", "MAKEFLAGS": "-j4 --jobserver-auth=3,4", "MAKELEVEL": "1",
            "CHASM_STAGING": "/x", "CHASM_OUTPUT_DIR": "/y", "PYTHONPATH": "/other",
            "CHASM_WARM_OWNER": "123"}
    env = bench.build_env(base, tmp_path / "copy", tmp_path / "venv")
    assert env["PATH"] == "/bin" and env["CHASM_ROOT"] == str(tmp_path / "copy")
    assert env["PYTHONPATH"] == os.pathsep.join([str(tmp_path / "copy" / "src"), "/other"])
    assert env["JUPYTER_PATH"] == str(tmp_path / "venv" / "share" / "jupyter")
    assert not {"MAKEFLAGS", "MAKELEVEL", "CHASM_STAGING", "CHASM_OUTPUT_DIR",
                "CHASM_WARM_OWNER"} & set(env)  # each benchmarked make owns its template
    assert "MAKEFLAGS" in base  # the caller's mapping is not modified


def test_clean_outputs_removes_built_files_only(tmp_path):
    built = ["reports/a.ipynb", "reports/a.html", "reports/a.reader.html", "reports/index.html",
             "reports/tables/a.csv", "reports/figures/a-x.svg", "data/processed/figures.csv"]
    kept = ["reports/README.md", "data/raw/sources.csv", "notebooks/a.ipynb"]
    for name in built + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    bench.clean_outputs(tmp_path)
    assert [n for n in built if (tmp_path / n).exists()] == []
    assert all((tmp_path / n).exists() for n in kept)
    assert not (tmp_path / "data" / "processed").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_snapshot_copies_project_files_and_ages_the_lock(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir()
    files = {"requirements.lock": "x==1\n", "pyproject.toml": "[project]\n", "a/tracked.py": "1",
             ".gitignore": "ignored/\n", "gone.txt": "soon deleted"}
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    git = ["git", "-C", str(src), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    (src / "gone.txt").unlink()
    (src / "new.py").write_text("new")
    (src / "ignored").mkdir()
    (src / "ignored" / "big.bin").write_text("no")
    os.utime(src / "a" / "tracked.py", (1_600_000_000, 1_600_000_000))

    assert bench.snapshot(src, dest) == 5
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        ".gitignore", "a/tracked.py", "new.py", "pyproject.toml", "requirements.lock"]
    assert (dest / "a" / "tracked.py").stat().st_mtime == 1_600_000_000  # mtimes kept
    assert (dest / "requirements.lock").stat().st_mtime == bench.OLD_MTIME
    assert (dest / "pyproject.toml").stat().st_mtime == bench.OLD_MTIME

    assert "new.py" not in bench.project_files(src, tracked_only=True)

    # a copy is no git checkout (make test runs in the bench's own copy): its files are the
    # same list, and a snapshot of the copy is the same project again
    assert bench.project_files(dest) == bench.project_files(src)
    for junk in (".venv/bin/python", ".build/inputs/x.sha", "a/__pycache__/t.pyc",
                 "src/chasm.egg-info/PKG-INFO"):
        (dest / junk).parent.mkdir(parents=True, exist_ok=True)
        (dest / junk).write_text("not the project")
    assert bench.snapshot(dest, tmp_path / "again") == 5


# --------------------------------------------------------------------------------------------
# Profile arithmetic
# --------------------------------------------------------------------------------------------
def test_split_build_and_shares():
    timing = {"inside": 5.0, "tools": 1.5, "papermill": 2.5, "nb_imports": 0.5,
              "nb_execution": 1.0, "render": 0.6, "build": 3.3}
    buckets = bench.split_build(5.4, timing)
    assert buckets == pytest.approx({"interpreter": 0.4, "tools": 1.5, "kernel": 1.0,
                                     "nb_imports": 0.5, "nb_execution": 1.0, "render": 0.6,
                                     "other": 0.2})
    ranked = bench.shares(buckets)
    assert ranked[0]["key"] == "tools" and ranked[-1]["key"] == "other"
    assert sum(r["share"] for r in ranked) == pytest.approx(1.0)
    assert ranked[0]["label"] == bench.BUCKETS["tools"]


# --------------------------------------------------------------------------------------------
# Step f: the project ten times larger, by data alone
# --------------------------------------------------------------------------------------------
def test_shift_month_and_replace_ids():
    assert bench.shift_month("2024-03", 3) == "2021-03"
    assert bench.shift_month("2025-04", 27) == "1998-04"
    mapping = {"E01": "X1E01", "E1": "X1E1", "2024-03": "2021-03"}
    assert bench._replace_ids("group=E01;others=E1 XE01 E010;by=2024-03", mapping) == \
        "group=X1E01;others=X1E1 XE01 E010;by=2021-03"
    assert bench._replace_ids("", mapping) == ""


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """A snapshot of the project made ten times larger, and what its loaders read."""
    import json

    root = tmp_path_factory.mktemp("scaled") / "project"
    bench.snapshot(paths.ROOT, root)
    sizes = bench.scale_project(root, 10)
    code = ("import json\nfrom chasm import paths\nfrom chasm.data import load as io\n"
            "from chasm.register import claims\n"
            "meta = io.load_metadata()\nfig = io.load_figures()\nsrc = io.load_sources()\n"
            "folder = paths.ROOT / 'data' / 'claims'\n"
            "regs = {p.stem: len(claims.load_claims(p, fig)) for p in folder.glob('*.csv')}\n"
            "print(json.dumps({'waves': sorted(meta['waves']), 'questions': len(meta['questions']),"
            " 'figures': len(fig), 'ids': len(set(fig['figure_id'])), 'sources': len(src),"
            " 'registers': regs}))")
    env = {**os.environ, "CHASM_ROOT": str(root), "PYTHONPATH": str(root / "src")}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return sizes, json.loads(out.stdout.strip().splitlines()[-1])


def test_the_scaled_project_is_ten_times_larger_and_loads(scaled):
    sizes, read = scaled
    assert all(after == 10 * before for before, after in sizes.values())
    assert len(read["waves"]) == sizes["waves"][1] == len(set(read["waves"]))
    assert read["questions"] == sizes["questions"][1]
    assert read["figures"] == read["ids"] == sizes["figures"][1]  # every id unique
    assert len(read["registers"]) == sizes["registers"][1]
    assert sum(read["registers"].values()) == sizes["claims"][1]
