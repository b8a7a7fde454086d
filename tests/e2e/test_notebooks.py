"""Notebook hygiene: paired jupytext scripts in sync, no stored outputs, one parameters cell,
a params file per notebook, and every params file naming only parameters its notebook has."""

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


@pytest.mark.parametrize("script", sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.py")),
                         ids=lambda p: p.stem)
def test_notebook_is_thin(script):
    """Narrative, one call per table, a figure, say() sentences: no definitions, no loops, at
    most MAX_CODE_LINES lines of code outside say() (tools/notebook_size.py; DESIGN.md)."""
    from tools.notebook_size import MAX_CODE_LINES, measure

    size = measure(script)
    assert not size["logic"], f"{script.name} defines or loops: {size['logic']}"
    assert size["code_lines"] <= MAX_CODE_LINES, (
        f"{script.name}: {size['code_lines']} lines of code outside say() "
        f"(at most {MAX_CODE_LINES})")
