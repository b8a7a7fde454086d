"""End to end: the build's loop on copies of the project (tests/e2e/_project.py).

``make reports`` is all or nothing (a run failing after others were published puts them
back), a dead kernel is one line, ``make report RUN=`` builds one run and the index, an ASCII
terminal builds, and ``make test-stale`` names stale reports once.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess

import nbformat
import pytest

from tests.e2e._project import MAKE, VENV, assert_unchanged, make, snapshot, stamped_project

pytestmark = [
    pytest.mark.skipif(MAKE is None, reason="GNU make is not installed"),
    pytest.mark.skipif(not (VENV / "bin" / "python").exists(), reason="not running in a venv"),
]

RUN = "03_waves--deff1"


@pytest.fixture
def project(tmp_path):
    return stamped_project(tmp_path)  # content stamps: later changes are seen


def _notebook(project, name, source):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "chasm", "display_name": "Python (chasm)",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"),
                nbformat.v4.new_code_cell(f'run = "{name}"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, project / "notebooks" / f"{name}.ipynb")
    (project / "notebooks" / "params" / f"{name}.yaml").write_text("{}\n")


def _change_params(project, run=RUN, deff="1.2"):
    params = project / "notebooks" / "params" / f"{run}.yaml"
    params.write_text(f"deff: {deff}\n")


def _errors(err):
    return [line for line in err.splitlines() if line.startswith("✗")]


def test_a_later_failure_puts_back_the_runs_already_published(project):
    _change_params(project)  # 03_waves--deff1 builds (and publishes) first ...
    _notebook(project, "99_fail", "raise RuntimeError('fails after the others')")  # ... then
    before = snapshot(project)
    out = make(project, "INPUTS_99_fail=")
    assert out.returncode != 0
    assert f"✓ {RUN}" in out.stdout, out.stdout  # it was built and published
    errors = _errors(out.stderr)
    assert len(errors) == 2 and errors[0].startswith("✗ 99_fail: cell"), out.stderr
    assert errors[1].startswith("✗ make failed (99_fail): reports/ and data/processed/ are "
                                "unchanged;") and "put back" in errors[1], out.stderr
    assert_unchanged(project, before)


def test_a_dead_kernel_is_one_line_and_changes_nothing(project):
    _notebook(project, "99_dies", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    before = snapshot(project)
    out = make(project, "INPUTS_99_dies=")
    assert out.returncode != 0
    assert _errors(out.stderr) == ["✗ 99_dies: the kernel died while running the notebook "
                                   "(killed, or out of memory); reports/ is unchanged"], out.stderr
    assert "Traceback" not in out.stderr
    assert_unchanged(project, before)


def test_make_report_builds_one_run_and_the_index(project):
    _change_params(project)
    _change_params(project, "03_waves--deff2.5", "2.4")  # stale too, but not asked for
    out = make(project, f"RUN={RUN}", target="report")
    assert out.returncode == 0, out.stderr
    started = [line for line in out.stdout.splitlines() if line.startswith("▶")]
    assert len(started) == 1 and started[0].startswith(f"▶ [1/1] {RUN}:"), out.stdout
    assert "✓ index" in out.stdout
    assert '"deff": 1.2' in (project / "reports" / f"{RUN}.ipynb").read_text()
    bad = make(project, "RUN=nope", target="report")
    assert bad.returncode != 0 and "RUN must be one of:" in bad.stderr


def test_an_ascii_terminal_builds(project):
    _change_params(project)
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CHASM_STAGING", "JUPYTER_PATH",
                        "CHASM_MAKE_ROOT", "PYTHONIOENCODING")}
    env.update({"PYTHONPATH": str(project / "src"), "LC_ALL": "C", "LANG": "C",
                "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"})
    out = subprocess.run([MAKE, "-C", str(project), "reports", f"VENV={VENV}",
                          f"STAMP={project.parent / 'installed'}"], env=env, capture_output=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
    text = out.stdout.decode("ascii")  # fails on any byte that is not ASCII
    assert f"> [1/1] {RUN}:" in text and f"ok {RUN} (" in text


def test_stale_reports_are_named_once(project):
    ok = make(project, target="test-stale")
    assert ok.returncode == 0, ok.stderr
    raw = project / "data" / "raw" / "essay_figures.csv"
    rows = list(csv.DictReader(io.StringIO(raw.read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["value_pct"].isdigit())  # any published figure
    row["value_pct"] = str(int(row["value_pct"]) + 1)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    raw.write_text(buffer.getvalue(), encoding="utf-8")
    out = make(project, target="test-stale")
    assert out.returncode != 0
    assert out.stderr.count("reports are stale: run make reports") == 1, out.stderr
    assert "01_ingest" in out.stderr


def test_make_follows_the_py_of_a_pair_and_refuses_one_out_of_sync(project):
    script = project / "notebooks" / "04_multiresponse.py"
    text = script.read_text(encoding="utf-8")
    assert "\n# %%\n" in text
    script.write_text(text.replace("\n# %%\n", "\n# %%\nedited_in_the_script = 1\n", 1),
                      encoding="utf-8")
    before = snapshot(project)
    out = make(project)
    assert out.returncode != 0
    errors = _errors(out.stderr)
    assert len(errors) == 1, out.stderr
    assert ("notebooks/04_multiresponse.ipynb and notebooks/04_multiresponse.py are out of sync"
            in errors[0] and "jupytext --sync notebooks/04_multiresponse.ipynb" in errors[0])
    assert_unchanged(project, before)
    sync = subprocess.run([str(VENV / "bin" / "jupytext"), "--sync",
                           str(project / "notebooks" / "04_multiresponse.py")],
                          capture_output=True, text=True, timeout=60)
    assert sync.returncode == 0, sync.stderr
    out = make(project)
    assert out.returncode == 0, out.stderr
    started = sorted(line.split(":")[0].split("] ")[-1] for line in out.stdout.splitlines()
                     if line.startswith("▶"))
    assert started == ["04_multiresponse", "04_multiresponse--2024-03"], out.stdout


@pytest.mark.parametrize("name, source, layer, function", [
    ("99_stats", "from chasm.stats import intervals\nintervals.share_interval(50, 0, 1.9)",
     "the statistics layer", "in "),
    ("99_chart", "import matplotlib.pyplot as plt\nfig = plt.figure()\n"
     "fig.suptitle('$\\\\frac{$')\nfig.canvas.draw()",
     "the chart library (matplotlib)", "in "),
])
def test_an_error_below_the_notebook_is_one_message(project, name, source, layer, function):
    """Real kernel tracebacks: the builder names the layer and the function, no frames."""
    _notebook(project, name, source)
    before = snapshot(project)
    out = make(project, f"INPUTS_{name}=")
    assert out.returncode != 0
    errors = _errors(out.stderr)
    assert len(errors) == 1, out.stderr
    assert errors[0].startswith(f"✗ {name}: {layer} refused cell "), out.stderr
    assert f"{function}" in errors[0] and ".py line " in errors[0], out.stderr
    assert "Traceback" not in out.stderr and "| " not in out.stderr, out.stderr
    assert_unchanged(project, before)
