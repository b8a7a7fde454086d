"""The report builder: run names, normalisation for byte-identical reports, offline HTML."""

import nbformat
import pytest

from chasm import build, paths


def test_runs_map_to_notebook_and_params():
    notebook, nb_path, params_path = build.split_run("01_ingest")
    assert notebook == "01_ingest"
    assert nb_path == paths.NOTEBOOKS / "01_ingest.ipynb"
    assert params_path == paths.PARAMS / "01_ingest.yaml"


def test_missing_params_file_is_a_clear_error():
    with pytest.raises(build.BuildError, match="params file .* is missing"):
        build.split_run("01_ingest--no-such-variant")


def _executed_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"run": "x"}, "start_time": "2026-01-01T00:00:00",
                                "duration": 1.2, "input_path": "/abs/path.ipynb"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["injected-parameters"],
                                                        "papermill": {"duration": 0.1},
                                                        "execution": {"iopub.status.busy": "t"}})
    cell["id"] = "random1"
    nb.cells.append(cell)
    return nb


def test_normalize_strips_everything_that_varies():
    nb = build.normalize(_executed_notebook())
    assert nb.metadata["papermill"] == {"parameters": {"run": "x"}}
    assert "version" not in nb.metadata["language_info"]
    assert nb.metadata["kernelspec"]["name"] == build.KERNEL
    cell = nb.cells[0]
    assert cell["id"] == "injected-parameters"
    assert "papermill" not in cell.metadata and "execution" not in cell.metadata


def test_html_loads_nothing_from_the_network():
    nb = build.normalize(_executed_notebook())
    for reader in (False, True):
        html = build.render_html(nb, reader=reader)
        assert "<script src=" not in html
        assert "cdnjs" not in html and "unpkg" not in html
    # one page: the code is folded for readers, open in the analyst's view
    assert '<details class="code"><summary>' in build.render_html(nb, reader=True)
    assert '<details class="code" open><summary>' in build.render_html(nb, reader=False)
