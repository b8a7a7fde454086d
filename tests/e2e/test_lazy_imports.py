"""Importing the light part of chasm must not import the heavy plotting and statistics stacks.

Notebooks and the build import ``chasm`` first; seaborn, matplotlib and statsmodels each cost
hundreds of milliseconds per process, so only the modules that use them (plots, the statistics
modules) may import them. Each check runs in a fresh interpreter, importing the modules one after
another and noting which heavy packages each one adds, so a failure names the culprit.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("seaborn", "matplotlib", "statsmodels")

PROBE = """
import importlib, json, sys
heavy = {heavy!r}
pulled = {{}}
for name in {modules!r}:
    before = {{m for m in heavy if m in sys.modules}}
    importlib.import_module(name)
    added = sorted(m for m in heavy if m in sys.modules and m not in before)
    if added:
        pulled[name] = added
print(json.dumps(pulled))
"""


def heavy_imports(modules: list[str]) -> dict[str, list[str]]:
    """Which heavy packages each of ``modules`` pulled in, imported in order in a new process."""
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, modules=modules)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("modules", [
    ["chasm", "chasm.paths", "chasm.data.cells", "chasm.data.schema", "chasm.data.load",
     "chasm.data.write", "chasm.data.worded", "chasm.report"],
    ["chasm.build"],
    ["chasm.stats", "chasm.stats._validate"],
], ids=["package-core", "build", "stats-core"])
def test_light_modules_do_not_import_plotting_or_statsmodels(modules):
    pulled = heavy_imports(modules)
    assert not pulled, "; ".join(f"{m} imports {', '.join(p)}" for m, p in pulled.items())


def test_probe_sees_heavy_imports():
    """The probe itself works: importing matplotlib is noticed and attributed."""
    assert heavy_imports(["chasm.paths", "matplotlib"]) == {"matplotlib": ["matplotlib"]}
