"""nbval's failure report as the reviewer reads it (conftest.py): a changed output is named
with the notebook's prompt, said to differ from the committed report, and the two sides are
labelled committed and new."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat

from chasm import paths

REPORT = paths.REPORTS / "04_multiresponse.ipynb"


def test_a_changed_output_is_named_by_its_prompt_with_labelled_sides():
    folder = paths.ROOT / ".build" / f"nbval-report-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        nb = nbformat.read(REPORT, as_version=4)
        cell = next(c for c in nb.cells if c.cell_type == "code" and any(
            "text/plain" in o.get("data", {}) for o in c.outputs))
        output = next(o for o in cell.outputs if "text/plain" in o.get("data", {}))
        output["data"]["text/plain"] = "committed side only\n" + output["data"]["text/plain"]
        copy = folder / REPORT.name
        nbformat.write(nb, copy)
        out = subprocess.run(
            [sys.executable, "-m", "pytest", str(copy), "--nbval", "--nbval-kernel-name", "chasm",
             "--nbval-sanitize-with", str(paths.TESTS / "nbval_sanitize.cfg"), "-q", "-x",
             "-p", "no:cacheprovider", "--color=no"],
            cwd=paths.ROOT, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert out.returncode == 1, out.stdout + out.stderr
    prompt = f"In [{cell.execution_count}]"
    assert (f"{REPORT.name} {prompt}: the output differs from the committed report"
            in out.stdout), out.stdout
    assert "committed | committed side only" in out.stdout, out.stdout
    assert "Notebook cell execution failed" not in out.stdout
