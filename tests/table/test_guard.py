"""One make per checkout, its own package, no publishing after make has gone (chasm.build.guard)."""

import os
import subprocess
import sys

import pytest

from chasm import paths
from chasm.build import guard


@pytest.fixture
def lock(tmp_path, monkeypatch):
    path = tmp_path / ".build" / "lock"
    monkeypatch.setattr(guard, "LOCK", path)
    monkeypatch.setattr(guard, "_HELD", {})
    yield path
    guard.release()


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


HOLDER = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire()
open(sys.argv[1] + ".owner", "w").write(sys.argv[2])
print("held", flush=True); time.sleep(30)
"""


def _holder(lock, owner_line: str) -> subprocess.Popen:
    """Another process that holds the OS lock and names itself (``owner_line``) as owner."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), owner_line],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_acquire_is_reentrant_and_refuses_a_live_other_holder(lock):
    me = guard.acquire()
    assert me == guard.make_ancestor()
    assert lock.with_name("lock.owner").read_text() == f"{os.getpid()} {me}\n"
    assert guard.acquire() == me
    guard.release()
    other = _holder(lock, "999999 999999\n")
    try:
        with pytest.raises(guard.GuardError, match="another build is running.*999999"):
            guard.acquire()
    finally:
        other.kill()
        other.wait()
    assert guard.acquire() == me  # the holder ended: its OS lock ended with it


def test_a_lock_file_left_behind_blocks_nothing(lock):
    """A finished or killed make leaves at most a file; a recycled pid in it changes nothing."""
    lock.parent.mkdir(parents=True)
    lock.write_text("")
    lock.with_name("lock.owner").write_text(f"{_dead_pid()} {os.getpid()}\n")
    assert guard.acquire() == guard.make_ancestor()
    guard.release()
    lock.with_name("lock.owner").write_text(f"{os.getppid()} {os.getppid()}\n")  # alive pid
    assert guard.acquire() == guard.make_ancestor()


def test_a_holder_that_is_this_process_ancestor_or_make_is_shared(lock):
    other = _holder(lock, f"{os.getppid()} 1\n")  # held "by" an ancestor of this process
    try:
        assert guard.acquire() == guard.make_ancestor()
        guard.still_owner(guard.make_ancestor())
    finally:
        other.kill()
        other.wait()
    other = _holder(lock, f"999999 {guard.make_ancestor()}\n")  # a sibling of the same make
    try:
        assert guard.acquire() == guard.make_ancestor()
    finally:
        other.kill()
        other.wait()


def test_still_owner_refuses_when_the_owner_has_gone_or_lost_the_lock(lock):
    owner = guard.acquire()
    guard.still_owner(owner)  # nothing changed: may publish
    with pytest.raises(guard.GuardError, match="has stopped: nothing is published"):
        guard.still_owner(_dead_pid())
    guard.release()
    other = _holder(lock, "999999 999999\n")
    try:
        with pytest.raises(guard.GuardError, match="took over"):
            guard.still_owner(owner)
    finally:
        other.kill()
        other.wait()


def test_check_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv("CHASM_MAKE_ROOT", str(paths.ROOT))
    guard.check_checkout()
    monkeypatch.delenv("CHASM_MAKE_ROOT")
    guard.check_checkout()  # not under make: nothing to compare
    monkeypatch.setenv("CHASM_MAKE_ROOT", str(tmp_path))
    with pytest.raises(guard.GuardError, match=r"belongs to .*rm -rf \.venv && make venv"):
        guard.check_checkout()


def test_the_root_is_not_inherited(monkeypatch):
    """CHASM_ROOT in the caller's environment does not move the project (a fresh import)."""
    env = {**os.environ, "CHASM_ROOT": "/somewhere/else"}
    out = subprocess.run([os.sys.executable, "-c", "from chasm import paths; print(paths.ROOT)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(paths.ROOT)
