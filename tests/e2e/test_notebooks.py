"""Notebook hygiene: paired jupytext scripts in sync, no stored outputs, one parameters cell,
a params file per notebook, every params file naming only parameters its notebook has, and the
notebook rule (no statistics in a notebook, no code names in its reader text:
tools/notebook_size.py)."""

import jupytext
import nbformat
import papermill
import pytest
import yaml

from chasm import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_script_is_in_sync(nb_path):
    script = nb_path.with_suffix(".py")
    assert script.exists(), f"{script.name} (jupytext pair) is missing"
    from_script = jupytext.read(script)
    stored = nbformat.read(nb_path, as_version=4)
    assert [c.cell_type for c in stored.cells] == [c.cell_type for c in from_script.cells]
    for a, b in zip(stored.cells, from_script.cells, strict=True):
        assert a.source == b.source, f"{nb_path.name} and {script.name} differ: run jupytext --sync"
        assert a.metadata.get("tags", []) == b.metadata.get("tags", [])


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_and_a_default_params_file(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert (paths.PARAMS / f"{nb_path.stem}.yaml").exists()


@pytest.mark.parametrize("params_path", sorted(paths.PARAMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_params_files_name_only_declared_parameters(params_path):
    notebook = paths.NOTEBOOKS / f"{params_path.stem.split('--')[0]}.ipynb"
    assert notebook.exists(), f"{params_path.name} names no existing notebook"
    declared = papermill.inspect_notebook(str(notebook))
    given = yaml.safe_load(params_path.read_text()) or {}
    assert "run" in declared
    unknown = set(given) - set(declared)
    assert not unknown, f"{params_path.name} sets {unknown}, not parameters of {notebook.name}"


SCRIPTS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.py"))

@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_computes_no_statistics(script):
    """No statistics in a notebook: no maths library, numpy for presentation only, no
    statistical call, power or typed critical value, only small local helpers
    (tools/notebook_size.py; DESIGN.md, "The rule for a change")."""
    from tools.notebook_size import measure

    found = measure(script)["code"]
    assert not found, f"{script.name}: " + "; ".join(f"line {n}: {w}" for n, w in found)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_reader_text_names_no_code(script):
    """Markdown is reader text: no chasm.* names, no snake_case codes in backticks (file paths
    excepted); code names stay in folded code."""
    from tools.notebook_size import measure

    found = measure(script)["markdown"]
    assert not found, f"{script.name}: " + "; ".join(f"line {n}: {w}" for n, w in found)


@pytest.mark.parametrize("source, what", [
    ("import scipy.stats as st", "imports scipy.stats"),
    ("from statsmodels.stats import proportion", "imports statsmodels.stats"),
    ("import math", "imports math"),
    ("import numpy as np\nx = np.sqrt(2)", "uses numpy.sqrt"),
    ("from numpy import mean", "uses numpy.mean"),
    ("y = df['share'].mean()", "computes a statistic: mean()"),
    ("se = (p * (1 - p) / n) ** 0.5", "computes a power"),
    ("low = p - 1.96 * se", "types a critical value (1.96)"),
    ("class Test:\n    pass", "defines a class"),
    ("def long():\n" + "    x = 1\n" * 30, "helper long() has 31 lines"),
])
def test_rule_check_finds_statistics(source, what):
    """The check can fail: each kind of statistics in a code cell is found and named."""
    from tools.notebook_size import code_findings

    assert any(what in found for _, found in code_findings(source)), code_findings(source)


def test_rule_check_allows_presentation():
    """Loops, small helpers, numpy's missing values and positions, counting: not statistics."""
    from tools.notebook_size import code_findings, markdown_findings

    source = ("import numpy as np\n"
              "def label(x):\n    return 'n/a' if np.isnan(x) else f'{x:.1f}'\n"
              "for i, x in enumerate(np.arange(3)):\n    print(label(x), (df['a'] > 1).sum())\n")
    assert code_findings(source) == []
    assert markdown_findings("Reads `data/processed/figures.csv`; the change in points.") == []
    assert [w for _, w in markdown_findings("by `chasm.stats.design`; see `p_rounding`")] == [
        "code in reader text: `p_rounding`", "names the package in reader text (chasm.*)"]
