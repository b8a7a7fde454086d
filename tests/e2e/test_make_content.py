"""End to end: make follows content, not dates, and forgets removed runs (chasm.build.stamps).

On a copy of the project whose reports are up to date (``tests/e2e/_project.py``): a params
file changed but dated in the past (``cp -p``, rsync, an unpacked archive) still rebuilds its
run and only that run; a removed params file removes its run's report, HTML, table and index
line; a params file name make cannot express stops make with one message.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e._project import MAKE, T0, VENV, make, stamped_project

pytestmark = [
    pytest.mark.skipif(MAKE is None, reason="GNU make is not installed"),
    pytest.mark.skipif(not (VENV / "bin" / "python").exists(), reason="not running in a venv"),
]

RUN = "03_waves--deff1"


@pytest.fixture
def project(tmp_path):
    return stamped_project(tmp_path)  # content stamps written; nothing was out of date


def test_an_old_dated_change_rebuilds_its_run_and_only_it(project):
    params = project / "notebooks" / "params" / f"{RUN}.yaml"
    params.write_text(params.read_text().replace("deff: 1.0", "deff: 1.2"))
    os.utime(params, (T0, T0))  # older than every report, as cp -p would leave it
    out = make(project)
    assert out.returncode == 0, out.stderr
    built = [m[1] for m in re.finditer(r"^▶ (?:\[[^]]*\] )?([^:]+):", out.stdout, re.M)]
    assert built == [RUN]
    assert f"▶ [1/1] {RUN}:" in out.stdout  # the counter
    assert f"1 output(s) changed:\n  ~ reports/{RUN}.ipynb" not in out.stdout  # more changed
    assert f"~ reports/{RUN}.ipynb" in out.stdout and f"~ reports/{RUN}.html" in out.stdout
    report = (project / "reports" / f"{RUN}.ipynb").read_text()
    assert '"deff": 1.2' in report
    again = make(project)
    assert "▶" not in again.stdout and "index" not in again.stdout, "a second make did work"
    assert make(project, "-q").returncode == 0, "make -q: still out of date after a no-op"


def test_a_removed_run_leaves_no_outputs_and_no_index_line(project):
    (project / "notebooks" / "params" / f"{RUN}.yaml").unlink()
    listed = [project / "reports" / f"{RUN}{suffix}" for suffix in (".ipynb", ".html")]
    listed.append(project / "reports" / "tables" / f"{RUN}.csv")
    assert all(p.exists() for p in listed)
    out = make(project)
    assert out.returncode == 0, out.stderr
    assert not [p.name for p in listed if p.exists()]
    assert not list((project / "reports" / "figures").glob(f"{RUN}-*"))
    assert RUN not in (project / "reports" / "index.html").read_text()
    assert "▶" not in out.stdout  # nothing else was rebuilt


@pytest.mark.parametrize("name", ["03_waves--bad name.yaml", "03_waves--#1.yaml",
                                  "03_waves--a:b.yaml"])
def test_a_params_name_make_cannot_express_is_refused(project, name):
    (project / "notebooks" / "params" / name).write_text("deff: 1.5\n")
    for target in ("reports", "test-unit"):
        out = make(project, target=target)
        assert out.returncode != 0
        assert "params file name(s) make cannot use" in out.stderr
        assert "rename" in out.stderr
    out = make(project, target="help")  # help still lists the targets, and names the file
    assert out.returncode == 0, out.stderr
    assert "make report " in out.stdout and "make test-unit" in out.stdout
    assert "params file name(s) make cannot use" in out.stderr and name in out.stderr


def test_params_for_a_missing_notebook_are_refused(project):
    (project / "notebooks" / "params" / "09_gone--x.yaml").write_text("{}\n")
    out = make(project)
    assert out.returncode != 0
    assert ("params file(s) for notebooks that do not exist: notebooks/params/09_gone--x.yaml"
            in out.stderr)
