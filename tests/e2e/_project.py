"""A throwaway copy of the project for end-to-end ``make`` tests (failure, data-only tables).

The copy holds the project's files (git's list, new unignored files included); its files are
dated so that its committed reports are up to date (as on a freshly built clone). ``make`` runs
there with this interpreter's venv (``VENV=``), the copy's own package first on ``PYTHONPATH``
and ``STAMP=`` naming a fresh file, so the real ``reports/`` and ``data/`` are never touched and
the shared venv is never reinstalled. The environment keeps ``CHASM_WARM_OWNER`` (conftest.py):
the copy's builds fork their kernels from this test session's warm template instead of starting
their own.

:func:`stamped_project` is the copy after its first ``make`` (the content stamps written,
nothing rebuilt): that copy is made once per test session (the first pytest-xdist worker to need
it makes it, the others wait) and each test gets its own copy of it (mtimes kept), so no test
pays for the first ``make`` or sees another test's writes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import bench

from chasm import paths

VENV = Path(sys.prefix)
MAKE = shutil.which("make")
T0 = time.time() - 86400  # inputs: a day ago; outputs a minute later, so they are up to date


def copy_project(tmp_path: Path) -> Path:
    """A copy of the project whose reports are up to date: the files ``make bench`` copies
    (:func:`tools.bench.project_files`, the one home of what belongs to the project)."""
    copy = tmp_path / "project"
    for rel in bench.project_files(paths.ROOT):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(paths.ROOT / rel, copy / rel)
    for path in copy.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
        outputs = path.is_relative_to(copy / "reports") or path.is_relative_to(
            copy / "data" / "processed")
        stamp = T0 + 60 if outputs else T0
        os.utime(path, (stamp, stamp))
    (tmp_path / "installed").touch()  # the venv stamp: newer than requirements.lock
    return copy


_STAMPED: dict[int, Path] = {}
#: The folder (made by conftest.py for the session) where the one stamped copy of a test
#: session is made, shared by its pytest-xdist workers; without it, one per process.
MASTER_ENV = "CHASM_E2E_MASTER"


def _stamped_master() -> Path:
    """The session's copy after its first ``make``: made by the first worker that needs it
    (under a lock: the others wait for it), then only read."""
    import fcntl

    shared = os.environ.get(MASTER_ENV)
    if shared:
        home = Path(shared)
    else:
        home = Path(tempfile.mkdtemp(prefix="chasm-e2e-master-"))
        atexit.register(shutil.rmtree, home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "made").exists():
            shutil.rmtree(home / "project", ignore_errors=True)  # a half-made one
            master = copy_project(home)
            first = make(master)
            assert first.returncode == 0, f"the first make of a fresh copy failed:\n{first.stderr}"
            assert "▶" not in first.stdout, f"the copy was not up to date:\n{first.stdout}"
            (home / "made").touch()
    return home / "project"


def stamped_project(tmp_path: Path) -> Path:
    """A copy of the project after its first ``make`` (content stamps written: later changes
    are seen by content), copied from one such copy made once per test session."""
    master = _STAMPED.get(os.getpid())
    if master is None:
        master = _STAMPED[os.getpid()] = _stamped_master()
    copy = tmp_path / "project"
    shutil.copytree(master, copy, copy_function=shutil.copy2, symlinks=True)
    (tmp_path / "installed").touch()  # the venv stamp: newer than requirements.lock
    return copy


def make(project: Path, *args: str, dry_run: bool = False, target: str = "reports",
         pythonpath: str | None = "src") -> subprocess.CompletedProcess:
    """``make -C project target`` with this venv; the copy's own package comes first on
    ``PYTHONPATH`` (``pythonpath=None``: the venv's editable install, i.e. the original's)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CHASM_STAGING",
                        "CHASM_OUTPUT_DIR", "CHASM_READ_LOG", "JUPYTER_PATH", "PYTHONPATH",
                        "CHASM_MAKE_ROOT", MASTER_ENV)}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(project / pythonpath)
    cmd = [MAKE, "-C", str(project), *(["-n"] if dry_run else []), target, f"VENV={VENV}",
           f"STAMP={project.parent / 'installed'}", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=50)


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file under reports/ (but the build's scratch folder) and data/processed/."""
    files = {}
    for folder in (project / "reports", project / "data" / "processed"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".staging" not in path.relative_to(project).parts:
                files[path.relative_to(project).as_posix()] = path.read_bytes()
    return files


def assert_unchanged(project: Path, before: dict[str, bytes]) -> None:
    after = snapshot(project)
    assert sorted(after) == sorted(before), "files appeared or disappeared in reports/ or data/"
    changed = [name for name in before if after[name] != before[name]]
    assert not changed, f"changed by a failed make: {changed}"
