"""End to end: one make per checkout, the checkout's own package, all-or-nothing publishing.

On copies of the project (``tests/e2e/_project.py``): a make whose ``chasm`` package comes
from another checkout (a venv copied with ``cp -a``) is refused; a second make while another
holds the checkout is refused, a lock left by a make that has gone is taken over; a run whose
outputs cannot all be published puts every file back and says so in one message.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.e2e._project import MAKE, T0, VENV, assert_unchanged, make, snapshot, stamped_project

pytestmark = [
    pytest.mark.skipif(MAKE is None, reason="GNU make is not installed"),
    pytest.mark.skipif(not (VENV / "bin" / "python").exists(), reason="not running in a venv"),
]

RUN = "03_waves--deff1"
#: Another build: holds the checkout's OS lock and names itself as owner.
HOLDER = """
import os, sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire()
open(sys.argv[1] + ".owner", "w").write(f"{os.getpid()} {os.getpid()}\\n")
print("held", flush=True); time.sleep(30)
"""


@pytest.fixture
def project(tmp_path):
    return stamped_project(tmp_path)


def test_a_package_from_another_checkout_is_refused(project):
    params = project / "notebooks" / "params" / f"{RUN}.yaml"
    params.write_text("deff: 1.2\n")
    before = snapshot(project)
    # no PYTHONPATH: the venv's editable install imports the original checkout's package
    out = make(project, pythonpath=None)
    assert out.returncode != 0
    assert "belongs to" in out.stderr and "rm -rf .venv && make venv" in out.stderr
    assert "Traceback" not in out.stderr
    assert_unchanged(project, before)


def test_a_second_make_is_refused_while_the_first_is_alive(project):
    params = project / "notebooks" / "params" / f"{RUN}.yaml"
    params.write_text("deff: 1.2\n")
    (project / ".build").mkdir(exist_ok=True)
    lock = project / ".build" / "lock"
    holder = subprocess.Popen([str(VENV / "bin" / "python"), "-c", HOLDER, str(lock)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = snapshot(project)
        out = make(project)
        assert out.returncode != 0
        assert "another build is running in this checkout" in out.stderr
        assert "Traceback" not in out.stderr
        assert_unchanged(project, before)
    finally:
        holder.kill()
        holder.wait()
    out = make(project)  # the holder has gone: its lock went with it (the file stays)
    assert out.returncode == 0, out.stderr
    assert lock.exists()
    assert f"▶ [1/1] {RUN}" in out.stdout


def test_a_run_that_cannot_publish_everything_puts_everything_back(project):
    assert make(project).returncode == 0  # content stamps: the change below is seen
    params = project / "notebooks" / "params" / f"{RUN}.yaml"
    params.write_text("deff: 1.2\n")
    os.utime(params, (T0, T0))
    table = project / "reports" / "tables" / f"{RUN}.csv"
    table.unlink()
    table.mkdir()  # a folder where the run's table must go: that move fails
    before = snapshot(project)
    out = make(project)
    assert out.returncode != 0
    message = [line for line in out.stderr.splitlines() if line.startswith("✗")]
    assert len(message) == 1, out.stderr
    assert f"could not publish reports/tables/{RUN}.csv" in message[0]
    assert "put back" in message[0] and "Traceback" not in out.stderr
    assert_unchanged(project, before)


def test_an_interrupted_make_says_so_in_one_line_and_changes_nothing(project):
    """Ctrl-C (SIGINT to make's process group) while a report runs: no traceback, no output
    changed, and nothing published afterwards."""
    import signal
    import time

    assert make(project).returncode == 0  # content stamps: the change below is seen
    params = project / "notebooks" / "params" / f"{RUN}.yaml"
    params.write_text("deff: 1.2\n")
    before = snapshot(project)
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CHASM_STAGING", "JUPYTER_PATH",
                        "CHASM_MAKE_ROOT")}
    env["PYTHONPATH"] = str(project / "src")
    proc = subprocess.Popen([MAKE, "-C", str(project), "reports", f"VENV={VENV}",
                             f"STAMP={project.parent / 'installed'}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 20
    staging = project / "reports" / ".staging" / RUN
    while not staging.exists() and time.time() < deadline:  # the run has started
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("make")]
    assert len(lines) == 1 and lines[0].startswith("✗ make interrupted"), err  # make's own aside
    assert "reports/ and data/processed/ are unchanged" in lines[0], err
    time.sleep(1)  # nothing may publish after make has gone
    assert_unchanged(project, before)
