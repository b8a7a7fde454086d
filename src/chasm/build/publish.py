"""All or nothing: a run's outputs published together, a whole make's outputs put back together.

* :func:`publish` moves one run's staged outputs (``reports/.staging/<run>/``) into place, the
  make target last; if any move fails, every file already moved is put back.
* :func:`transaction` (``python -m chasm.build reports -- make build-reports``, what ``make
  reports`` and ``make report`` run) is the driver around a whole make: it holds the build
  lock, counts the runs to build (progress ``[n/N]`` with the time left, :func:`progress`),
  keeps the tree it started from, and publishes all or nothing: when any run or the index
  fails, or make is interrupted, every file of ``reports/`` and ``data/processed/`` is put back
  as it was (one line says so); when all succeed, it lists the outputs that changed.

What no library gives: a transaction over a whole make's file tree that leaves make's own
dependency logic in charge (DESIGN.md, "Nothing half-written").
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from chasm import paths
from chasm.build.guard import BuildError, acquire, check_checkout, release
from chasm.build.stamps import console


def _staged_files(src: Path, dst: Path) -> list[tuple[Path, Path]]:
    """(staged file, its final place) for every file under ``src``, placed under ``dst``."""
    return [(path, dst / path.relative_to(src))
            for path in sorted(p for p in src.rglob("*") if p.is_file())]


def publish(run: str, stage: Path) -> None:
    """Move every file staged for ``run`` into place, all or nothing.

    ``stage`` holds the run's ``data/`` (to ``data/``), ``reports/`` (to ``reports/``) and its
    report ``<run>.ipynb``, the make target, moved last so that make never sees a
    half-published run as done. Staging is under ``reports/`` (same filesystem), so each move
    is an atomic rename. Each file it replaces is first hard-linked into ``stage/backup``; if
    any move fails (a folder that is not writable, a name taken by a folder), every file
    already moved is put back as it was and one :class:`BuildError` names the file and the
    reason."""
    moves = (_staged_files(stage / "data", paths.DATA)
             + _staged_files(stage / "reports", paths.REPORTS)
             + [(stage / f"{run}.ipynb", paths.REPORTS / f"{run}.ipynb")])
    backup = stage / "backup"
    done: list[tuple[Path, Path | None]] = []
    dst = paths.REPORTS
    # an interrupt (make's Ctrl-C, a kill) waits until every file is in place or put back
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        backup.mkdir(parents=True, exist_ok=True)
        for number, (src, dst) in enumerate(moves):
            dst.parent.mkdir(parents=True, exist_ok=True)
            saved = None
            if dst.is_file():
                saved = backup / str(number)
                try:
                    os.link(dst, saved)
                except OSError:
                    shutil.copy2(dst, saved)
            os.replace(src, dst)
            done.append((dst, saved))
    except OSError as err:
        failed = dst
        for moved, saved in reversed(done):
            if saved is not None:
                os.replace(saved, moved)
            else:
                moved.unlink(missing_ok=True)
        raise BuildError(f"{run}: could not publish {paths.relative(failed)}: "
                         f"{err.strerror or err}; every "
                         "output was put back as it was") from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def progress(event: str) -> str:
    """``[n/N]`` and the time left (on the line that starts a run), counted across the runs of
    one ``make reports``.

    The driver (:func:`transaction`) names a counter file (``CHASM_PROGRESS``) and the number of
    runs to build (``CHASM_PROGRESS_TOTAL``); runs (also parallel ones) count themselves in it
    under a file lock. Without a driver: no counter."""
    counter, total = os.environ.get("CHASM_PROGRESS"), os.environ.get("CHASM_PROGRESS_TOTAL")
    if not counter or not total:
        return ""
    with open(counter, "a+", encoding="ascii") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        words = f.read().split()
        started, finished, t0 = (int(words[0]), int(words[1]), float(words[2])) if words \
            else (0, 0, time.time())
        if event == "start":
            started += 1
        else:
            finished += 1
        f.seek(0)
        f.truncate()
        f.write(f"{started} {finished} {t0!r}\n")
    left = ""
    if finished and int(total) > finished:  # the pace so far (wall clock: make -j counts)
        seconds = (time.time() - t0) / finished * (int(total) - finished)
        left = f", about {seconds:.0f} s left"
    return f"[{started}/{total}{left}] "

#: make's own lines about a failed or interrupted recipe (the build already said why, once).
_MAKE_NOISE = re.compile(r"^g?make(\[\d+\])?: (\*\*\* |Leaving|Entering)")


def _tree() -> dict[str, tuple[bytes, float]]:
    """Every published file (``reports/`` but its staging folder, ``data/processed/``): its
    content and date."""
    out = {}
    for folder in (paths.REPORTS, paths.PROCESSED):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.relative_to(paths.ROOT).as_posix().startswith(
                    "reports/.staging/"):
                out[paths.relative(path)] = (path.read_bytes(), path.stat().st_mtime)
    return out


def restore(before: dict[str, tuple[bytes, float]]) -> list[str]:
    """Put the published tree back as ``before`` holds it (content and date); return what
    was put back or removed."""
    now = _tree()
    touched = []
    for name in sorted(set(now) - set(before)):
        (paths.ROOT / name).unlink(missing_ok=True)
        touched.append(name)
    for name, (content, mtime) in before.items():
        path = paths.ROOT / name
        if name not in now or now[name][0] != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".restore")
            tmp.write_bytes(content)
            os.replace(tmp, path)
            touched.append(name)
        os.utime(path, (mtime, mtime))
    return touched


def changed(before: dict[str, tuple[bytes, float]]) -> list[str]:
    """Outputs whose content differs from ``before`` (``+`` new, ``-`` removed, ``~`` changed)."""
    now = _tree()
    return ([f"+ {n}" for n in sorted(set(now) - set(before))]
            + [f"- {n}" for n in sorted(set(before) - set(now))]
            + [f"~ {n}" for n in sorted(set(now) & set(before)) if now[n][0] != before[n][0]])


def _dry(command: list[str]) -> bool:
    """Whether make was asked only to show or question (``-n``, ``-q``, ``-t``)."""
    flags = os.environ.get("MAKEFLAGS", "").split(" ")[0]
    return not flags.startswith("-") and any(c in flags for c in "nqt")


def _jobserver_fds() -> tuple[int, ...]:
    """The pipe of the calling make's jobserver (``--jobserver-auth=R,W`` in ``MAKEFLAGS``),
    to hand to the make this driver starts: Python closes every other descriptor in a child,
    so without it ``make -j2 reports`` ran its runs one at a time ("jobserver unavailable")."""
    found = re.search(r"--jobserver-(?:auth|fds)=(\d+),(\d+)", os.environ.get("MAKEFLAGS", ""))
    fds = tuple(int(fd) for fd in found.groups()) if found else ()
    try:
        for fd in fds:
            os.fstat(fd)
    except OSError:
        return ()
    return fds


def transaction(command: list[str], after: Callable[[], object] | None = None) -> int:
    """Run ``command`` (a make of some reports) all or nothing; see the module docstring.
    ``after``: a step run when the make succeeded (the index of ``make report RUN=...``), part
    of the transaction: a :class:`BuildError` it raises fails it."""
    mark = console()
    if _dry(command):
        return subprocess.call(command)
    check_checkout()
    acquire()
    start = time.time()
    plan = subprocess.run([*command, "-n"], capture_output=True, text=True)
    total = sum(1 for line in plan.stdout.splitlines() if " -m chasm.build run " in line)
    if plan.returncode == 0 and " -m chasm.build " not in plan.stdout:
        return 0  # nothing to build: the plan's make already refreshed the content stamps
    before = _tree()
    counter = paths.ROOT / ".build" / "progress"
    counter.parent.mkdir(parents=True, exist_ok=True)
    counter.unlink(missing_ok=True)
    env = {**os.environ, "CHASM_TRANSACTION": "1", "CHASM_PROGRESS": str(counter),
           "CHASM_PROGRESS_TOTAL": str(total)}
    interrupted: list[int] = []
    # the make of the runs has its own process group, so that the driver decides what reaches
    # it: Ctrl-C or a kill of this driver, or the end of the make that started it
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True,
                            errors="backslashreplace", process_group=0,
                            pass_fds=_jobserver_fds())

    def stop(signum, frame=None):  # noqa: ARG001 - the signal handler's signature
        interrupted.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)

    handlers = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    parent = os.getppid()

    def watch():  # the make that started this driver was killed: stop, put everything back
        while proc.poll() is None:
            if os.getppid() != parent and not interrupted:
                stop(signal.SIGTERM)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    failed = []
    try:
        for line in proc.stderr:
            if _MAKE_NOISE.match(line):
                continue
            if line.startswith(("✗ ", "x ")) and not failed:
                failed.append(line[2:].split(":")[0].strip())
            sys.stderr.write(line)
            sys.stderr.flush()
        code = proc.wait()
        if code == 0 and not interrupted and after is not None:
            try:
                after()
            except BuildError as err:
                print(f"{mark('✗')} {err}", file=sys.stderr)
                code = 1
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        counter.unlink(missing_ok=True)
    if code != 0 or interrupted:
        put_back = restore(before)
        release()
        why = "interrupted" if interrupted or code in (130, -2, 143, -15) else "failed"
        if put_back or not failed or why == "interrupted":  # else the run's line said it all
            at = f" ({failed[0]})" if failed else ""
            back = f"; {len(put_back)} output(s) of earlier runs put back" if put_back else ""
            print(f"{mark('✗')} make {why}{at}: reports/ and data/processed/ are unchanged"
                  f"{back}", file=sys.stderr)
        return 130 if why == "interrupted" else (code or 1)
    outputs = changed(before)
    built = f"{total} run(s) built" if total else "nothing to build"
    if outputs:
        print(f"{mark('✓')} {built} in {time.time() - start:.0f} s; {len(outputs)} output(s) "
              "changed:")
        for line in outputs[:25]:
            print(f"  {line}")
        if len(outputs) > 25:
            print(f"  {mark('…')} and {len(outputs) - 25} more (git status lists them all)")
    elif total:
        print(f"{mark('✓')} {built} in {time.time() - start:.0f} s; no output changed")
    return 0


