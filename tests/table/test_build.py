"""The report builder: run names, normalisation for byte-identical reports, offline HTML."""

import nbformat
import pytest

from chasm import paths
from chasm.build import driver


def test_runs_map_to_notebook_and_params():
    notebook, nb_path, params_path = driver.split_run("01_ingest")
    assert notebook == "01_ingest"
    assert nb_path == paths.NOTEBOOKS / "01_ingest.ipynb"
    assert params_path == paths.PARAMS / "01_ingest.yaml"


def test_missing_params_file_is_a_clear_error():
    with pytest.raises(driver.BuildError, match="params file .* is missing"):
        driver.split_run("01_ingest--no-such-variant")


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
    nb = driver.normalize(_executed_notebook())
    assert nb.metadata["papermill"] == {"parameters": {"run": "x"}}
    assert "version" not in nb.metadata["language_info"]
    assert nb.metadata["kernelspec"]["name"] == driver.KERNEL
    cell = nb.cells[0]
    assert cell["id"] == "injected-parameters"
    assert "papermill" not in cell.metadata and "execution" not in cell.metadata


def test_html_loads_nothing_from_the_network():
    nb = driver.normalize(_executed_notebook())
    for reader in (False, True):
        html = driver.render_html(nb, reader=reader)
        assert "<script src=" not in html
        assert "cdnjs" not in html and "unpkg" not in html
    # one page: the code is folded for readers, open in the analyst's view
    assert '<details class="code"><summary>' in driver.render_html(nb, reader=True)
    assert '<details class="code" open><summary>' in driver.render_html(nb, reader=False)


# --------------------------------------------------------------------------------------------
# Warm kernels (chasm.build.kernel): isolation, fallback, lifetime
# --------------------------------------------------------------------------------------------
#: What a kernel sees of the state notebooks change: a module global, matplotlib's rcParams,
#: the seaborn theme, pandas options; and whether it started warm (scipy.stats already
#: imported before any cell ran) and whether chasm was imported before the notebook did.
PROBE = """\
import json, os, sys
warm = "scipy.stats" in sys.modules
chasm_before = "chasm" in sys.modules
state = None
"""
STATE = PROBE + """\
import matplotlib, numpy, pandas, seaborn
state = {"marker": getattr(numpy, "chasm_marker", None),
         "rc": {k: repr(v) for k, v in matplotlib.rcParams.items()},
         "style": {k: repr(v) for k, v in seaborn.axes_style().items()},
         "context": {k: repr(v) for k, v in seaborn.plotting_context().items()},
         "max_rows": pandas.get_option("display.max_rows")}
"""
SHOW = """\
print(json.dumps({"warm": warm, "chasm_before": chasm_before, "pid": os.getpid(),
                  "cwd": os.getcwd(), "staging": os.environ.get("CHASM_STAGING"),
                  "state": state}))
"""
CHANGE = """\
import matplotlib, numpy, pandas, seaborn
numpy.chasm_marker = "set by the first notebook"
matplotlib.rcParams["lines.linewidth"] = 7.5
seaborn.set_theme(style="darkgrid", context="poster", palette="pastel")
pandas.set_option("display.max_rows", 3)
"""


def _run_kernel(tmp_path, name, first, *sources, env=None):
    """Execute ``first + SHOW`` and ``sources`` as a notebook on kernel ``chasm``; the JSON
    the first cell prints."""
    import json
    import os

    import papermill

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (first + SHOW, *sources)]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    work = tmp_path / f"{name}-cwd"
    work.mkdir()
    saved = dict(os.environ)
    # warm unless the test says otherwise, also when the session runs with CHASM_WARM=0
    os.environ.update({"CHASM_STAGING": str(work / "staging"), "CHASM_WARM": "1", **(env or {})})
    try:
        papermill.execute_notebook(str(path), str(path), kernel_name=driver.KERNEL,
                                   cwd=str(work), progress_bar=False, log_output=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    out = nbformat.read(path, as_version=4).cells[0].outputs
    return json.loads("".join(o.get("text", "") for o in out if o.output_type == "stream"))


def test_a_warm_kernel_sees_none_of_the_previous_notebooks_changes(tmp_path, monkeypatch):
    from chasm.build import kernel

    first = _run_kernel(tmp_path, "first", STATE, CHANGE)
    second = _run_kernel(tmp_path, "second", STATE)
    assert first["warm"] and second["warm"], "kernel chasm did not start from the template"
    # a kernel started the normal way (what happens where fork is unavailable)
    monkeypatch.setattr(kernel, "fork_available", lambda: False)
    cold = _run_kernel(tmp_path, "cold", STATE)
    assert not cold["warm"]
    assert not first["chasm_before"] and not second["chasm_before"]
    assert first["pid"] != second["pid"]
    assert second["cwd"] == str(tmp_path / "second-cwd")  # the requester's folder
    assert second["staging"] == str(tmp_path / "second-cwd" / "staging")  # and environment
    # what the second notebook sees is what a kernel started the normal way sees
    assert second["state"] == cold["state"] == first["state"]
    assert second["state"]["marker"] is None
    assert second["state"]["rc"]["lines.linewidth"] != "7.5"


def test_a_kernel_starts_normally_where_the_template_fails(tmp_path):
    # the template's import fails: the kernel starts normally and the notebook runs
    broken = _run_kernel(tmp_path, "broken", PROBE, "assert 1 + 1 == 2",
                         env={"CHASM_WARM_PRELOAD": "chasm_no_such_module"})
    assert not broken["warm"]
    assert broken["cwd"] == str(tmp_path / "broken-cwd")


def test_a_template_exits_when_its_owner_is_gone(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from chasm.build import kernel

    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    env = {**os.environ, "CHASM_WARM_PRELOAD": ""}  # imports nothing: starts at once
    python = [sys.executable]
    sock = kernel.ensure_template(python, env, owner.pid)
    assert kernel._connect(sock) is not None
    assert kernel.ensure_template(python, env, owner.pid) == sock  # one per session
    owner.kill()
    owner.wait()
    deadline = time.monotonic() + 10
    while kernel._connect(sock) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kernel._connect(sock) is None and not sock.exists()


def test_only_ipykernel_commands_are_forked():
    from chasm.build import kernel

    assert kernel.split_command(["py", "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                                 "-f", "c.json"]) == (["py", "-Xfrozen_modules=off"],
                                                      ["-f", "c.json"])
    assert kernel.split_command(["py", "-m", "other_kernel", "-f", "c.json"]) is None
    assert kernel.split_command(["py", "-S", "-m", "ipykernel_launcher"]) is None


REQUESTER = """\
import os, sys, time
from jupyter_client.manager import KernelManager
km = KernelManager(kernel_name="chasm")
km.start_kernel(cwd=sys.argv[1], env={**os.environ, "CHASM_WARM_PRELOAD": ""})
print(type(km.provisioner.process).__name__, km.provisioner.pid, flush=True)
time.sleep(120)
"""


def test_a_forked_kernel_dies_with_the_process_that_asked_for_it(tmp_path):
    import os
    import subprocess
    import sys
    import time

    requester = subprocess.Popen([sys.executable, "-c", REQUESTER, str(tmp_path)],
                                 stdout=subprocess.PIPE, text=True,
                                 env={**os.environ, "CHASM_WARM": "1",
                                      "CHASM_WARM_OWNER": ""})  # owner: the requester
    try:
        kind, pid = requester.stdout.readline().split()
        assert kind == "ForkedKernel"
        os.kill(int(pid), 0)  # running
    finally:
        requester.kill()
        requester.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"kernel {pid} outlived the process that started it")
