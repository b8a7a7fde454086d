"""pytest setup for the whole repository (unit tests and nbval over reports/).

When nbval re-executes a committed report, the notebook would write its tables, figures and
processed data again; CHASM_STAGING sends those writes to a temporary folder so that tests
never touch committed files.

Kernels (nbval's, and those of the makes the end-to-end tests run in copies of the project)
are forked from warm templates owned by this session (``CHASM_WARM_OWNER``, see
``chasm.build.kernel``): they exit when the session ends. nbval's kernels get the string hash seed
the builder gives its kernels, so they and the copies' builds share one template.
"""

import os
import tempfile

# nbval's nbformat skips the rfc3987_syntax import: chasm.build.pytest_early (pyproject's addopts).

# pytest-xdist (make test runs two workers): the workers inherit the controller's environment,
# so the staging folder this file made there would be shared; each worker gets its own (two
# reports re-executed at once must not write into one folder). The warm-kernel owner stays the
# controller: the workers' kernels share its template (chasm.build.kernel serialises its start).
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("CHASM_STAGING_BY") == "conftest":
    os.environ["CHASM_STAGING"] = tempfile.mkdtemp(prefix="chasm-nbval-")
if "CHASM_STAGING" not in os.environ:
    os.environ["CHASM_STAGING"] = tempfile.mkdtemp(prefix="chasm-nbval-")
    os.environ["CHASM_STAGING_BY"] = "conftest"
# Accepted YAML files are kept between processes (chasm.data.yamlcache.CACHE_ENV): in a test
# session, in a folder of its own that every worker, kernel and copy's make shares, removed
# at the end by the process that made it.
if "CHASM_YAML_CACHE" not in os.environ:
    import atexit
    import shutil

    os.environ["CHASM_YAML_CACHE"] = tempfile.mkdtemp(prefix="chasm-yaml-cache-")
    atexit.register(shutil.rmtree, os.environ["CHASM_YAML_CACHE"], ignore_errors=True)
# The end-to-end tests' stamped copy of the project (tests/e2e/_project.py) is made once per
# session, in a folder the workers share.
if "CHASM_E2E_MASTER" not in os.environ:
    import atexit
    import shutil

    os.environ["CHASM_E2E_MASTER"] = tempfile.mkdtemp(prefix="chasm-e2e-master-")
    atexit.register(shutil.rmtree, os.environ["CHASM_E2E_MASTER"], ignore_errors=True)
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
os.environ.setdefault("PYTHONHASHSEED", "0")
# As the Makefile: one BLAS thread per process (set before numpy is imported; kernels inherit it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("CHASM_WARM_OWNER", str(os.getpid()))


# --------------------------------------------------------------------------------------------
# nbval's report, as the reviewer reads it: the cell named as the notebook shows it ("In [7]",
# its execution count in the committed report, not nbval's count of code cells), what failed
# (an output differs, or the cell raised), and the two sides labelled "committed" and "new"
# (pytest's diff marks the committed side "+", which reads as the new one).
# --------------------------------------------------------------------------------------------
def _prompt(cell, number: int) -> str:
    count = cell.get("execution_count")
    return f"In [{count}]" if count is not None else f"code cell {number + 1}"


def _labelled(traceback: str) -> str:
    import re

    traceback = re.sub(r"(?m)^(\s*)\+ ", r"\1committed | ", traceback)
    traceback = re.sub(r"(?m)^(\s*)- ", r"\1new       | ", traceback)
    return (traceback.replace("assert reference_output == test_output failed:",
                              "the committed report's output (committed) vs this run's (new):")
            .replace("Reference output from ipynb file:", "committed report's output:")
            .replace("disagrees with newly computed (test) output:", "this run's output (new):"))


def _nbval_repr_failure(self, excinfo):
    from nbval.plugin import NbCellError

    exc = excinfo.value
    if not isinstance(exc, NbCellError):
        return f"pytest plugin exception: {exc}"
    where = f"{self.fspath.relto(self.config.rootdir)} {_prompt(self.cell, self.cell_num)}"
    differs = str(exc).startswith("Cell outputs differ")
    head = (f"{where}: the output differs from the committed report (run make reports if the "
            "change is intended)" if differs else f"{where}: {exc}")
    items = [head, "", "Input:", exc.source]
    if exc.inner_traceback:
        items += ["", "Comparison:" if differs else "Traceback:", _labelled(exc.inner_traceback)
                  if differs else exc.inner_traceback]
    return "\n".join(items)


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest's hook signature
    """nbval's failures are headed with the notebook's prompt (``In [7]``); the node id stays
    nbval's (``::Cell 6``), so ``-k`` and ``--deselect`` work as nbval documents."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:
        return
    IPyNbCell.repr_failure = _nbval_repr_failure
    for item in items:
        if isinstance(item, IPyNbCell):
            prompt = _prompt(item.cell, item.cell_num)
            item.reportinfo = (lambda it=item, p=prompt: (
                it.fspath, 0, f"{it.fspath.relto(it.config.rootdir)}::{p}"))
