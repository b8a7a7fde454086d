"""The builder's side of the analyst's and reviewer's loop (chasm.build, chasm.build.stamps,
chasm.paths): ASCII terminals, one message per failure, all-or-nothing restore, the inputs
digest behind "reports are stale", jupytext pairs, interactive runs kept out of reports/,
and every committed page being what its committed notebook renders to."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import nbformat
import pytest

from chasm import paths
from chasm.build import driver, publish, stamps
from chasm.site import pages

ASCII_ENV = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
             "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""}


def test_an_ascii_terminal_gets_ascii_symbols_and_escaped_text():
    code = ("from chasm.build import stamps; m = stamps.console(); "
            "print(m('\\u25b6'), m('\\u2713'), m('\\u2717'), '\\u043e\\u0442 \\u202e')")
    out = subprocess.run([sys.executable, "-c", code], env=ASCII_ENV, capture_output=True)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("ascii")  # every byte is ASCII
    assert text.startswith("> ok x ") and "\\u043e" in text and "\\u202e" in text


def test_a_utf8_terminal_keeps_the_symbols():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    code = "from chasm.build import stamps; m = stamps.console(); print(m('▶'), m('✓'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         encoding="utf-8")
    assert out.stdout.strip() == "▶ ✓"


def _err(ename, evalue, frames, source="x = f()"):
    """A papermill execution error as the builder sees it (IPython traceback text)."""
    tb = [f"\x1b[31m{ename}\x1b[0m Traceback (most recent call last)", "Cell In[4], line 1"]
    tb += [f"File {path}:{line}, in {func}(a, b)" for path, line, func in frames]
    tb.append(f"{ename}: {evalue}")
    return SimpleNamespace(exec_count=4, ename=ename, evalue=evalue, source=source, traceback=tb)


@pytest.mark.parametrize("path, layer", [
    ("/x/src/chasm/stats/design.py", "the statistics layer"),
    ("/x/src/chasm/analysis/plan.py", "the analysis plan"),
    ("/v/lib/python3.11/site-packages/matplotlib/_mathtext.py", "the chart library (matplotlib)"),
    ("/x/src/chasm/analysis/uncertainty.py", "the chasm package"),
])
def test_errors_below_the_notebook_are_one_message_naming_layer_and_function(tmp_path, path,
                                                                             layer):
    frames = [("/x/src/chasm/analysis/uncertainty.py", 10, "table"), (path, 45, "deepest")]
    err = _err("ValueError", "sample_n must be positive (got 0)", frames)
    message = driver.failure_message("02_uncertainty", err, tmp_path / "run.executed.ipynb")
    lines = message.splitlines()
    assert len(lines) == 2, message
    assert lines[0].startswith(f"02_uncertainty: {layer} refused cell 4's input: ValueError: "
                               "sample_n must be positive (got 0) (in deepest, ")
    assert "line 45" in lines[0] and "x = f()" not in message and "Traceback" not in message
    assert lines[1].endswith("reports/ is unchanged.")


def test_a_clear_error_is_its_message_and_the_notebooks_own_error_shows_the_cell(tmp_path):
    clear = _err("PlanError", "data/plan.yaml, key 'families': unknown method 'x'",
                 [("/x/src/chasm/analysis/plan.py", 3, "load")])
    message = driver.failure_message("03_waves", clear, tmp_path / "e.ipynb")
    assert message.splitlines()[0] == ("03_waves: cell 4 raised PlanError: data/plan.yaml, "
                                       "key 'families': unknown method 'x'")
    own = _err("NameError", "name 'y' is not defined", [], source="z = y + 1")
    message = driver.failure_message("03_waves", own, tmp_path / "e.ipynb")
    assert "| z = y + 1" in message  # the notebook's own code: that is where to look


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A project root with a reports/ and data/processed/ of a few files."""
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "data" / "processed")
    for name, text in {"reports/a.ipynb": "a", "reports/tables/a.csv": "x,y\n1,2\n",
                       "data/processed/figures.csv": "f\n", "reports/.staging/r/t": "s"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    os.utime(tmp_path / "reports/a.ipynb", (1e9, 1e9))
    return tmp_path


def test_restore_puts_content_and_dates_back_and_removes_new_files(tree):
    before = publish._tree()
    assert "reports/.staging/r/t" not in before
    (tree / "reports/a.ipynb").write_text("new")
    (tree / "reports/tables/a.csv").unlink()
    (tree / "reports/b.ipynb").write_text("b")
    assert publish.changed(before) == ["+ reports/b.ipynb", "- reports/tables/a.csv",
                                      "~ reports/a.ipynb"]
    touched = publish.restore(before)
    assert sorted(touched) == ["reports/a.ipynb", "reports/b.ipynb", "reports/tables/a.csv"]
    assert publish._tree() == before and publish.changed(before) == []
    assert (tree / "reports/a.ipynb").stat().st_mtime == 1e9


def test_the_inputs_digest_follows_content_and_the_list(tree):
    (tree / "in.csv").write_text("1\n")
    first = stamps.digest(["in.csv"])
    assert stamps.digest(["in.csv", "in.csv"]) == first  # a set of files
    (tree / "in.csv").write_text("2\n")
    assert stamps.digest(["in.csv"]) != first
    assert stamps.digest(["in.csv", "gone.csv"]) != stamps.digest(["in.csv"])


def test_check_names_reports_built_from_other_inputs(tree):
    (tree / "in.csv").write_text("1\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["chasm"] = {"inputs": stamps.digest(["in.csv"])}
    nbformat.write(nb, tree / "reports" / "r1.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), tree / "reports" / "r2.ipynb")  # records none
    runs = {"r1": ["in.csv"], "r2": ["in.csv"], "r3": ["in.csv"]}  # r3: no report
    assert stamps.check(runs) == ["r2", "r3"]
    (tree / "in.csv").write_text("changed\n")
    assert stamps.check(runs) == ["r1", "r2", "r3"]


def test_reports_of_another_data_version_are_named(tree):
    for run, version in (("a", "v1"), ("b", "v2"), ("c", None)):
        nb = nbformat.v4.new_notebook()
        if version:
            nb.metadata["chasm"] = {"data_version": version}
        nbformat.write(nb, tree / "reports" / f"{run}.ipynb")
    assert driver.read_other_data({"a", "b", "c", "missing"}, "v1") == ["b"]


def test_a_pair_out_of_sync_is_named_with_the_command_that_fixes_it(tree, monkeypatch):
    monkeypatch.setattr(stamps, "PAIRS", tree / ".build" / "pairs")
    (tree / "notebooks").mkdir()
    for suffix in (".ipynb", ".py"):
        source = paths.NOTEBOOKS.parent / "notebooks" / f"03_waves{suffix}"
        (tree / "notebooks" / f"03_waves{suffix}").write_bytes(source.read_bytes())
    files = ["notebooks/03_waves.ipynb", "notebooks/03_waves.py"]
    assert stamps.check_pairs(files) == []
    assert (tree / ".build" / "pairs" / "03_waves.sha").exists()  # agreed: not compared again
    script = tree / "notebooks" / "03_waves.py"
    script.write_text(script.read_text().replace("# %%\n", "# %%\nedited = 1\n", 1))
    problems = stamps.check_pairs(files)
    assert len(problems) == 1 and "out of sync (cell" in problems[0]
    assert "`.venv/bin/jupytext --sync notebooks/03_waves.ipynb`" in problems[0]


def test_outside_make_outputs_go_to_scratch_and_say_where(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CHASM_STAGING"}
    code = ("from chasm import paths; print(paths.tables_dir()); print(paths.figures_dir()); "
            "print(paths.staged(paths.PROCESSED))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    scratch = paths.ROOT / ".build" / "scratch"
    assert out.stdout.split() == [str(scratch / "reports" / "tables"),
                                  str(scratch / "reports" / "figures"),
                                  str(scratch / "data" / "processed")]
    assert out.stderr.count(f"this run's outputs go to {scratch}") == 1  # said once


REPORTS = sorted(paths.REPORTS.glob("*.ipynb"))


@pytest.mark.parametrize("report", REPORTS, ids=lambda p: p.stem)
def test_each_committed_page_is_what_its_committed_notebook_renders_to(report):
    """A hand-edited page (or one left from other outputs) differs from its notebook's
    rendering; the chrome (navigation, footer) is the index step's and is compared apart."""
    page = report.with_suffix(".html")
    assert page.exists(), f"{page.name} is missing"
    nb = nbformat.read(report, as_version=4)
    rendered = pages.render(nb, reader=True).html
    blank = re.compile(r"(<!-- chrome:(\w+) -->).*?(<!-- /chrome:\2 -->)", re.S)
    strip = lambda text: blank.sub(r"\1\3", text)  # noqa: E731
    assert strip(page.read_text(encoding="utf-8")) == strip(rendered), (
        f"{page.name} is not what {report.name} renders to: run make reports")
