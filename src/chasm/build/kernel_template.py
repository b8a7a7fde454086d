"""The warm-kernel template: a process that imported the heavy libraries once and forks a
fresh ipykernel per request (see ``chasm.build.kernel`` for the client side and the rules).

This file is run as a script (``python -c`` loading it with ``runpy.run_path``), never
imported as ``chasm.build.kernel_template``: the template must not hold the ``chasm`` package (a
kernel forked from it would see the source as it was when the template started), so it uses
the standard library only and pre-imports third-party libraries only.

What the template does, in order:

1. drop the working directory from ``sys.path`` and import ``PRELOAD`` (numpy, pandas,
   scipy.stats, statsmodels.api, matplotlib and pyplot with no backend activated, seaborn,
   ipykernel's application): nothing else runs, so no theme is set, no figure exists, no file
   or socket is open and no Python thread exists (it refuses to serve if one does);
2. bind its Unix socket (the client waits for it: bound means ready) and serve requests one
   at a time: a request is a JSON header (the kernel's arguments, working directory and
   environment) plus the requester's stdout and stderr passed as file descriptors;
3. per request, fork: the child becomes a kernel exactly as ``python -m ipykernel_launcher``
   would (own session, own connection file and sockets, the requester's working directory,
   environment, ``sys.path`` and ``sys.argv``, signal handlers back to their defaults, fresh
   random seeds); the parent answers ``pid <n>`` and later ``exit <code>`` when it reaps the
   child; if the requester's connection closes while the kernel runs, the kernel is killed;
4. exit when its owner process (make or pytest) is gone, after ``idle`` seconds without a
   kernel or request, or when its socket file is removed or replaced, once no kernel runs.

OpenBLAS starts its thread pool when numpy loads; its own ``pthread_atfork`` handler stops
the pool before every fork and the child restarts it on first use, so the child has the same
number of BLAS threads as a kernel started normally.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback

#: What the template imports before serving (overridable with ``CHASM_WARM_PRELOAD``, a
#: comma-separated list, which then takes part in the template's key).
PRELOAD = ("numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib",
           "matplotlib.pyplot", "seaborn", "ipykernel.kernelapp")
HEADER = struct.Struct("!I")  # request length prefix


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 4)
    if not data:
        return {}, list(fds)  # a client checking that the template is up
    if len(data) < HEADER.size:
        raise ValueError("short request")
    (size,) = HEADER.unpack_from(data)
    body = data[HEADER.size:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    return json.loads(body.decode("utf-8")), list(fds)


def _kernel_child(request: dict, fds: list[int], base_path: list[str]) -> None:
    """In the forked child: become the requested kernel and never return."""
    code = 1
    try:
        os.setsid()
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for target, fd in zip((1, 2), fds, strict=False):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        cwd = request["cwd"]
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(request["env"])
        extra = [os.path.abspath(os.path.join(cwd, p))
                 for p in request["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[:] = extra + base_path  # as ipykernel_launcher: cwd is added by the kernel
        args = request["args"]  # what follows `python [-X...] -m ipykernel_launcher`
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *args]
        if "numpy.random" in sys.modules:  # `random` reseeds itself after a fork
            sys.modules["numpy.random"].seed()
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=args)
        code = 0
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    except BaseException:  # noqa: B036 - the child must never return into the template
        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()  # what a normal interpreter exit runs
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_dev


def serve(sock_path: str, owner: int, idle: float, preload: list[str]) -> int:
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    import importlib

    for name in preload:
        importlib.import_module(name)
    if threading.active_count() != 1:
        print(f"chasm warm template: {threading.active_count()} threads after imports; "
              "refusing to fork", file=sys.stderr)
        return 3
    base_path = list(sys.path)

    tmp = f"{sock_path}.{os.getpid()}.tmp"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(tmp)
    listener.listen(8)
    os.replace(tmp, sock_path)  # ready: clients connect only now
    mine = _identity(sock_path)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    # SIGCHLD wakes the loop at once, so a kernel's exit is reported without delay
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    kernels: dict[int, socket.socket] = {}  # pid -> its requester's connection
    last_use = time.monotonic()

    def owner_alive() -> bool:
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    try:
        while True:
            for key, _ in selector.select(timeout=0.5):
                if key.data == "wake":
                    try:
                        wake_r.recv(4096)
                    except BlockingIOError:
                        pass
                elif key.fileobj is listener:
                    conn, _ = listener.accept()
                    conn.settimeout(10)
                    try:
                        request, fds = _recv_request(conn)
                    except (OSError, ValueError) as err:
                        print(f"chasm warm template: bad request: {err}", file=sys.stderr)
                        request, fds = {}, []
                    if not request:
                        for fd in fds:
                            os.close(fd)
                        conn.close()
                        continue
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        signal.set_wakeup_fd(-1)
                        selector.close()
                        wake_r.close()
                        wake_w.close()
                        listener.close()
                        for other in kernels.values():
                            other.close()
                        conn.close()
                        _kernel_child(request, fds, base_path)
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(f"pid {pid}\n".encode())
                    conn.setblocking(False)
                    kernels[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                    last_use = time.monotonic()
                else:  # a requester closed its connection (or sent something: ignored)
                    conn, pid = key.fileobj, key.data
                    try:
                        gone = conn.recv(64) == b""
                    except BlockingIOError:
                        gone = False
                    except OSError:
                        gone = True
                    if gone:
                        selector.unregister(conn)
                        if pid in kernels:  # its kernel still runs: nobody will stop it
                            try:
                                os.killpg(pid, signal.SIGKILL)
                            except OSError:
                                pass
            while kernels:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                conn = kernels.pop(pid, None)
                if conn is not None:
                    try:
                        conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                    except OSError:
                        pass
                    if conn.fileno() >= 0:
                        try:
                            selector.unregister(conn)
                        except (KeyError, ValueError):
                            pass
                    conn.close()
                last_use = time.monotonic()
            if not kernels and (not owner_alive() or _identity(sock_path) != mine
                                or time.monotonic() - last_use > idle):
                return 0
    finally:
        if _identity(sock_path) == mine:
            try:
                os.unlink(sock_path)
            except OSError:
                pass


if __name__ == "__main__":
    raise SystemExit(serve(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                           [m for m in sys.argv[4].split(",") if m]))
