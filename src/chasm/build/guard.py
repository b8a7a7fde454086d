"""Whether a build may run here and now, and may still publish: one checkout, one make.

WHAT.
* :func:`check_checkout` - the ``chasm`` package this build imports belongs to the checkout
  make runs in (``CHASM_MAKE_ROOT``, exported by the Makefile). A checkout copied with its
  ``.venv`` (``cp -a``) imports the *original's* package through the venv's editable install,
  and would read and write the original's data and reports with exit 0.
* :func:`acquire` - one ``make`` at a time per checkout: ``.build/lock`` is an OS file lock
  (``filelock``) held by the process that builds (``make reports``' driver, or a build started
  by hand) for as long as it lives; ``.build/lock.owner`` names that process and its make.
  Processes started under the holder (its make's other steps) or by the same make (``-j2``
  siblings) share it; any other build is refused with one message while the holder lives.
* :func:`still_owner` - called just before a run publishes its outputs: if the make that
  started it has gone (interrupted, killed), the run does not publish after it.

WHY. Two builds in one checkout delete each other's staging folders; a build that outlives
its make publishes outputs nobody asked for and that make's next run will not know about. An OS
lock is released by the kernel when its holder ends however it ends, so a finished or killed
make never leaves a lock behind and a recycled process id cannot block a later build (a pid
written into a file could). Linux ``/proc`` is used to find the make that started a process;
where it is missing, the parent process stands in for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from chasm import paths

LOCK = paths.ROOT / ".build" / "lock"
_HELD: dict[Path, object] = {}  # the lock objects this process holds (kept alive with it)


class BuildError(RuntimeError):
    """A report could not be built (or published); the message says which and why. Here, the
    first module of the build, so that every step of it raises and catches the one class."""


class GuardError(BuildError):
    """The build may not run (or publish); the message says why and what to do."""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None if pid != os.getpid() else os.getppid()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ancestors() -> list[int]:
    """This process's parent, grandparent, ... up to (not including) init."""
    out: list[int] = []
    current: int | None = os.getpid()
    for _ in range(32):
        current = _parent(current) if current is not None else None
        if current is None or current <= 1:
            break
        out.append(current)
    return out


def make_ancestor() -> int:
    """The nearest ancestor process named ``make`` (the build's owner); without one (a build
    started by hand, a test), this process itself."""
    for pid in _ancestors():
        if _name(pid) in ("make", "gmake"):
            return pid
    return os.getpid()


def check_checkout() -> None:
    """Refuse unless the imported package belongs to the checkout make runs in."""
    where = os.environ.get("CHASM_MAKE_ROOT")
    if where and Path(where).resolve() != paths.ROOT:
        raise GuardError(
            f"make runs in {Path(where).resolve()} but the chasm package it imports belongs to "
            f"{paths.ROOT} (a venv copied or shared from another checkout). In "
            f"{Path(where).resolve()} run: rm -rf .venv && make venv")


def _owner_file() -> Path:
    return LOCK.with_name(LOCK.name + ".owner")


def _holder() -> tuple[int, int] | None:
    """(holding process, its make) as written by the holder; None if unreadable."""
    try:
        holder, make = (int(w) for w in _owner_file().read_text().split()[:2])
    except (OSError, ValueError):
        return None
    return holder, make


def _shares(holder: tuple[int, int] | None, make: int) -> bool:
    """Whether the lock's holder builds for this process: an ancestor, or the same make."""
    if holder is None:
        return False
    return holder[0] in (os.getpid(), *_ancestors()) or holder[1] == make


def acquire() -> int:
    """Take ``.build/lock`` for this process's make (or share it, see the module docstring);
    return that make's process id. :class:`GuardError` while another build holds it."""
    from filelock import FileLock, Timeout

    make = make_ancestor()
    if LOCK in _HELD:
        return make
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(LOCK, thread_local=False)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        holder = _holder()
        if _shares(holder, make):
            return make
        who = f"process {holder[0]}, {_name(holder[0]) or 'unknown'}" if holder else "unknown"
        raise GuardError(f"another build is running in this checkout ({who}): wait for it to "
                         "finish, or stop it") from None
    _HELD[LOCK] = lock  # released by the OS when this process ends, however it ends
    tmp = _owner_file().with_suffix(".tmp")
    tmp.write_text(f"{os.getpid()} {make}\n")
    os.replace(tmp, _owner_file())
    return make


def release() -> None:
    """Release the lock this process holds (if any)."""
    lock = _HELD.pop(LOCK, None)
    if lock is not None:
        lock.release()


def still_owner(owner: int) -> None:
    """Refuse to publish if the make that started this build has gone or lost the lock."""
    if not _alive(owner) or make_ancestor() != owner:
        raise GuardError("the make that started this build has stopped: nothing is published")
    if LOCK not in _HELD and not _shares(_holder(), owner):
        raise GuardError("another build took over this checkout: nothing is published")
