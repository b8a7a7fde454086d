"""Warm kernels: every kernel of kernel ``chasm`` forked from a template that imported once.

Importing numpy, pandas, scipy.stats, statsmodels.api, matplotlib, seaborn and ipykernel costs
about 4 s in a fresh interpreter, most of what a report costs (README, Performance). Kernel
``chasm`` names this module's :class:`WarmProvisioner` in its kernelspec
(``metadata.kernel_provisioner``; entry point group ``jupyter_client.kernel_provisioners`` in
pyproject.toml), so papermill (``make reports``), nbval (``make test``) and JupyterLab all
start their kernels through it. It asks a template process (``kernel_template.py``, which
describes what the template does) to fork a fresh ipykernel: a real kernel with its own
connection file and sockets, the requester's working directory and environment, in which
nothing ran but the imports. The template started first pays the imports once; every later
kernel of the same session starts in a few tenths of a second.

Rules:

* **Never stale, never ``chasm``.** The template imports third-party libraries only, so every
  kernel imports ``chasm`` from the source as it is now. A template serves one *session*: its
  key hashes the kernel's interpreter, the owner process (``$CHASM_WARM_OWNER``: the ``make``
  or pytest process, set by the Makefile and conftest.py; else the process asking), the
  environment variables libraries read when they are imported (``PYTHON*`` but
  ``PYTHONPATH``, ``MPL*``, thread counts, locale, ``HOME``, ``XDG_*``), the preload list, the
  template's source and the venv's ``site-packages``: a reinstalled package or a different
  ``PYTHONHASHSEED`` gets a new template. ``PYTHONPATH`` is applied per kernel (``sys.path``
  is rebuilt as Python would build it), unless it holds a pre-imported package, which would
  shadow it: then the kernel starts normally.
* **Isolation.** Each kernel is a new process forked before anything ran in the template:
  module globals, ``matplotlib.rcParams`` and the seaborn theme a notebook changes are its
  own (tests/table/test_build.py runs two notebooks back to back to show it). The one thing
  kernels of a session share is the string hash seed, fixed when the template started; the
  builder fixes it anyway (``PYTHONHASHSEED=0``).
* **Lifetime.** A template exits once no kernel of it runs and its owner is gone, or after
  ``IDLE`` seconds unused, or when its socket is removed; a kernel whose requester vanished is
  killed. Two builds at once (``make -j2``) share one template (a lock file serialises its
  start).
* **Fallback.** Where fork is not safe or not available (not Linux), with
  ``CHASM_WARM=0``, for a command that is not ``python -m ipykernel_launcher``, or when the
  template cannot start or answer, the kernel is started normally (``LocalProvisioner``),
  with a warning in the last case.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from chasm.build.kernel_template import PRELOAD  # stdlib only: cheap

TEMPLATE = Path(__file__).with_name("kernel_template.py")
#: Seconds a template waits unused before it exits.
IDLE = 300.0
#: Seconds to wait for a new template's imports.
START_TIMEOUT = 120.0
#: Environment variables read while the template imports (so they are part of its key).
IMPORT_ENV = re.compile(r"^(PYTHON|MPL|MATPLOTLIB|OMP_|OPENBLAS|MKL_|GOTO|XDG_|LC_|LANG$|TZ$"
                        r"|HOME$)")
_BOOT = ("import runpy, sys; sys.argv = sys.argv[1:]; "
         "runpy.run_path(sys.argv[0], run_name='__main__')")
_HEADER = struct.Struct("!I")


class TemplateError(RuntimeError):
    """The template could not be started or did not answer."""


def fork_available() -> bool:
    """Whether kernels may be forked here (Linux: fork, AF_UNIX, fd passing)."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork")
            and hasattr(socket, "send_fds"))


def preload(env: dict[str, str]) -> list[str]:
    """The modules a template imports (``$CHASM_WARM_PRELOAD`` overrides the default)."""
    if "CHASM_WARM_PRELOAD" in env:
        return [m for m in env["CHASM_WARM_PRELOAD"].split(",") if m]
    return list(PRELOAD)


def template_env(env: dict[str, str]) -> dict[str, str]:
    """The environment a template starts with: what imports read, and ``PATH``."""
    out = {k: v for k, v in env.items() if IMPORT_ENV.match(k) and k != "PYTHONPATH"}
    if "PATH" in env:
        out["PATH"] = env["PATH"]
    return out


def split_command(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """``python [-X...] -m ipykernel_launcher ARGS`` as (interpreter and its options, ARGS);
    ``None`` for any other command (then the kernel starts normally)."""
    for i in range(1, len(cmd) - 1):
        if cmd[i:i + 2] == ["-m", "ipykernel_launcher"]:
            options = cmd[1:i]
            if all(re.fullmatch(r"-X\w+(=\S*)?", o) for o in options):
                return cmd[:i], cmd[i + 2:]
            return None
    return None


def template_key(python: list[str], env: dict[str, str], owner: int) -> str:
    """What a template's imports depend on, hashed (see the module docstring)."""
    stats = []  # the venv's packages: a reinstall changes the folder's mtime
    for path in glob.glob(str(Path(python[0]).parent.parent / "lib" / "python*"
                              / "site-packages")):
        with contextlib.suppress(OSError):
            st = os.stat(path)
            stats.append([str(path), st.st_mtime_ns])
    # the template's code by content: copies of the project (end-to-end tests) share one
    source = hashlib.sha256(TEMPLATE.read_bytes()).hexdigest()
    text = json.dumps([os.path.abspath(python[0]), *python[1:], owner,
                       sorted(template_env(env).items()), preload(env), stats, source])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def shadowed(env: dict[str, str], cwd: str) -> list[str]:
    """``PYTHONPATH`` entries that hold a package the template pre-imported."""
    tops = {m.split(".")[0] for m in preload(env)}
    found = []
    for entry in filter(None, env.get("PYTHONPATH", "").split(os.pathsep)):
        folder = Path(cwd, entry)
        for top in tops:
            if (folder / top).is_dir() or glob.glob(str(folder / f"{top}.*")):
                found.append(f"{folder}/{top}")
    return found


def socket_dir() -> Path:
    """This user's folder for template sockets, locks and logs (mode 0700)."""
    folder = Path(tempfile.gettempdir()) / f"chasm-warm-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    st = folder.stat()
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise TemplateError(f"{folder} is not private to this user")
    return folder


def _connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def ensure_template(python: list[str], env: dict[str, str], owner: int) -> Path:
    """The socket of this session's template, started (and waited for) if not running."""
    folder = socket_dir()
    key = template_key(python, env, owner)
    sock_path = folder / f"{key}.sock"
    with open(folder / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # make -j2: one build starts it, the other waits
        probe = _connect(sock_path)
        if probe is not None:
            probe.close()
            return sock_path
        log_path = folder / f"{key}.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                [*python, "-c", _BOOT, str(TEMPLATE), str(sock_path), str(owner), str(IDLE),
                 ",".join(preload(env))],
                env=template_env(env), cwd="/", stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            probe = _connect(sock_path)
            if probe is not None:
                probe.close()
                return sock_path
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                raise TemplateError(f"template exited with {proc.returncode}: "
                                    + " | ".join(tail))
            time.sleep(0.02)
        proc.kill()
        raise TemplateError(f"template not ready after {START_TIMEOUT:g} s")


class ForkedKernel:
    """The handle ``LocalProvisioner`` keeps as ``self.process``, for a kernel the template
    forked: its exit code arrives on the request's connection (``exit <code>``)."""

    stdin = stdout = stderr = None

    def __init__(self, conn: socket.socket, pid: int):
        self.conn = conn
        self.pid = pid
        self.returncode: int | None = None
        self._buffer = b""

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        lost = False
        self.conn.setblocking(False)
        try:
            while True:
                chunk = self.conn.recv(256)
                if not chunk:
                    lost = True
                    break
                self._buffer += chunk
        except BlockingIOError:
            pass
        except OSError:
            lost = True
        match = re.search(rb"^exit (-?\d+)$", self._buffer, flags=re.MULTILINE)
        if match:
            self.returncode = int(match.group(1))
        elif lost:  # the template is gone: the kernel was re-parented, ask the system
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
        if self.returncode is not None:
            self.conn.close()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)


def _fileno(stream: Any, default: int) -> int | None:
    if stream is None:
        return default
    if isinstance(stream, int):
        return stream if stream >= 0 else None  # PIPE, STDOUT, DEVNULL: not supported
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def fork_kernel(cmd: list[str], env: dict[str, str], cwd: str, fds: list[int],
                owner: int) -> ForkedKernel:
    """Ask this session's template (started if needed) for a kernel running ``cmd``."""
    python, args = split_command(cmd)
    for attempt in (1, 2):
        sock_path = ensure_template(python, env, owner)
        conn = _connect(sock_path)
        if conn is None:
            continue  # it exited just now (idle): start another
        body = json.dumps({"args": args, "cwd": cwd, "env": env}).encode()
        try:
            conn.settimeout(30)
            socket.send_fds(conn, [_HEADER.pack(len(body)) + body[:1024]], fds)
            conn.sendall(body[1024:])
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = conn.recv(64)
                if not chunk:
                    raise TemplateError("the template closed the connection")
                reply += chunk
        except (OSError, TemplateError):
            conn.close()
            if attempt == 2:
                raise
            continue
        match = re.fullmatch(rb"pid (\d+)\n", reply)
        if not match:
            conn.close()
            raise TemplateError(f"unexpected answer {reply!r}")
        return ForkedKernel(conn, int(match.group(1)))
    raise TemplateError("no template answered")


class WarmProvisioner(LocalProvisioner):
    """``LocalProvisioner`` whose kernels are forked from the session's template."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        reason = self._unsuitable(cmd, kwargs)
        if reason:
            self.log.debug("chasm-warm: normal kernel (%s)", reason)
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        fds = [_fileno(kwargs.get("stdout"), 1), _fileno(kwargs.get("stderr"), 2)]
        owner = int(env.get("CHASM_WARM_OWNER") or os.environ.get("CHASM_WARM_OWNER")
                    or os.getpid())
        try:
            loop = asyncio.get_running_loop()  # the first kernel may wait for the imports
            proc = await loop.run_in_executor(None, fork_kernel, cmd, env, cwd, fds, owner)
        except (OSError, TemplateError) as err:
            self.log.warning("chasm-warm: starting a normal kernel, the template failed: %s",
                             err)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = proc
        self.pid = proc.pid
        self.pgid = proc.pid  # the kernel leads its own session, as a normal kernel does
        self.cwd = cwd
        return self.connection_info

    @staticmethod
    def _unsuitable(cmd: list[str], kwargs: dict) -> str:
        env = kwargs.get("env") or os.environ
        cwd = str(kwargs.get("cwd") or os.getcwd())
        if not fork_available():
            return "fork is not available on this platform"
        if env.get("CHASM_WARM", "1") == "0" or os.environ.get("CHASM_WARM", "1") == "0":
            return "CHASM_WARM=0"
        if split_command(cmd) is None:
            return f"not a `python -m ipykernel_launcher` command: {cmd}"
        if kwargs.get("independent"):
            return "independent kernel"
        if (_fileno(kwargs.get("stdout"), 1) is None or _fileno(kwargs.get("stderr"), 2) is None
                or kwargs.get("stdin") not in (None, subprocess.DEVNULL)):
            return "captured standard streams"
        if shadowed(dict(env), cwd):
            return f"PYTHONPATH shadows pre-imported packages: {shadowed(dict(env), cwd)}"
        return ""
