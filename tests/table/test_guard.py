"""One make per checkout, its own package, no publishing after make has gone (chasm.guard)."""

import os
import subprocess

import pytest

from chasm import guard, paths


@pytest.fixture
def lock(tmp_path, monkeypatch):
    path = tmp_path / ".build" / "lock"
    monkeypatch.setattr(guard, "LOCK", path)
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_acquire_is_reentrant_and_refuses_a_live_other_owner(lock):
    me = guard.acquire()
    assert me == guard.make_ancestor() and lock.read_text() == f"{me}\n"
    assert guard.acquire() == me
    other = subprocess.Popen(["sleep", "30"])
    try:
        lock.write_text(f"{other.pid}\n")
        with pytest.raises(guard.GuardError, match=f"another build is running.*{other.pid}"):
            guard.acquire()
    finally:
        other.kill()
        other.wait()


def test_a_lock_whose_owner_has_gone_is_taken_over(lock):
    lock.parent.mkdir(parents=True)
    lock.write_text(f"{_dead_pid()}\n")
    assert guard.acquire() == guard.make_ancestor()
    lock.write_text("not a pid\n")
    assert guard.acquire() == guard.make_ancestor()


def test_still_owner_refuses_when_the_owner_has_gone_or_lost_the_lock(lock):
    owner = guard.acquire()
    guard.still_owner(owner)  # nothing changed: may publish
    with pytest.raises(guard.GuardError, match="has stopped: nothing is published"):
        guard.still_owner(_dead_pid())
    other = subprocess.Popen(["sleep", "30"])
    try:
        lock.write_text(f"{other.pid}\n")
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
