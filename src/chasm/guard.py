"""Whether a build may run here and now, and may still publish: one checkout, one make.

WHAT.
* :func:`check_checkout` - the ``chasm`` package this build imports belongs to the checkout
  make runs in (``CHASM_MAKE_ROOT``, exported by the Makefile). A checkout copied with its
  ``.venv`` (``cp -a``) imports the *original's* package through the venv's editable install,
  and would read and write the original's data and reports with exit 0.
* :func:`acquire` - one ``make`` at a time per checkout: ``.build/lock`` names the make that
  builds; a second make (or a stray ``python -m chasm.build``) is refused with one message
  while the first is alive. A lock whose make has gone is taken over.
* :func:`still_owner` - called just before a run publishes its outputs: if the make that
  started it has gone (interrupted, killed), the run does not publish after it.

WHY. Two builds in one checkout delete each other's staging folders; a build that outlives
its make publishes outputs nobody asked for and that make's next run will not know about.
Linux ``/proc`` is used to find the make that started a process; where it is missing, the
parent process stands in for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import paths

LOCK = paths.ROOT / ".build" / "lock"


class GuardError(RuntimeError):
    """The build may not run (or publish); the message says why and what to do."""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
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


def make_ancestor() -> int:
    """The nearest ancestor process named ``make`` (the build's owner); without one (a build
    started by hand, a test), this process itself."""
    current: int | None = os.getpid()
    for _ in range(32):
        current = _parent(current) if current is not None else None
        if current is None or current <= 1:
            break
        if _name(current) in ("make", "gmake"):
            return current
    return os.getpid()


def check_checkout() -> None:
    """Refuse unless the imported package belongs to the checkout make runs in."""
    where = os.environ.get("CHASM_MAKE_ROOT")
    if where and Path(where).resolve() != paths.ROOT:
        raise GuardError(
            f"make runs in {Path(where).resolve()} but the chasm package it imports belongs to "
            f"{paths.ROOT} (a venv copied or shared from another checkout). In "
            f"{Path(where).resolve()} run: rm -rf .venv && make venv")


def _holder() -> int | None:
    try:
        return int(LOCK.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def acquire(owner: int | None = None) -> int:
    """Take ``.build/lock`` for ``owner`` (default: this process's make); return the owner.

    Re-entrant for the same owner; a lock whose owner is no longer alive is taken over.
    Raises :class:`GuardError` while another live owner holds it."""
    owner = make_ancestor() if owner is None else owner
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder()
            if holder == owner:
                return owner
            if holder is not None and _alive(holder):
                raise GuardError(
                    f"another build is running in this checkout (process {holder}, "
                    f"{_name(holder) or 'unknown'}): wait for it to finish, or stop it") from None
            try:
                LOCK.unlink()  # its owner has gone
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{owner}\n")
        return owner
    raise GuardError(f"could not take the build lock {paths.relative(LOCK)}")


def still_owner(owner: int) -> None:
    """Refuse to publish if the make that started this build has gone or lost the lock."""
    if not _alive(owner) or make_ancestor() != owner:
        raise GuardError("the make that started this build has stopped: nothing is published")
    if _holder() != owner:
        raise GuardError("another build took over this checkout: nothing is published")
