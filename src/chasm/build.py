"""Build one report: a notebook run with one params file, rendered, moved into ``reports/``.

Used by ``make`` (``python -m chasm.build run <run> --inputs ...``) and for the index
(``python -m chasm.build index``). A run named ``02_uncertainty--deff2.5`` executes
``notebooks/02_uncertainty.ipynb`` with ``notebooks/params/02_uncertainty--deff2.5.yaml``.

What it guarantees:

* the notebook runs on this project's interpreter (kernel ``chasm`` installed in ``.venv``);
* every output (notebook, HTML, tables, figures, processed data) is first written to
  ``reports/.staging/<run>/`` and moved into place only when everything succeeded, so a
  failing notebook leaves the committed reports untouched and ``make`` retries next time;
* outputs are byte-identical between runs: timestamps, durations, absolute paths and the
  interpreter's patch version are stripped from the notebook;
* the notebook read only files that ``make`` lists as its inputs (else the build fails, so
  the Makefile's dependencies cannot silently drift from what notebooks read).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

if __name__ == "__main__":  # first of all: an interrupt at any point is one line, no traceback
    import signal

    def _interrupted(signum, frame):  # noqa: ARG001 - the signal handler's signature
        os.write(2, f"✗ {' '.join(sys.argv[1:3])}: interrupted; nothing is half-published "
                    "(reports/ keeps each run's previous outputs or its complete new ones)\n"
                    .encode())
        os._exit(130)  # the kernel (its own session) exits when it sees its parent gone

    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)

# nbformat validates with jsonschema, whose optional "iri" format checker imports
# rfc3987_syntax, which builds a grammar at import (about 1 s per build, measured by
# `make bench --profile`). nbformat's schema uses no iri format: skip that import.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402

from . import paths  # noqa: E402

KERNEL = "chasm"
STAGING = paths.REPORTS / ".staging"


class BuildError(RuntimeError):
    """A report could not be built; the message says which and why."""


#: Errors whose message says everything (file, line, column, value; parameter and what is
#: allowed): reported as that one message, without cell source or traceback.
CLEAR_ERRORS = ("RawDataError", "ParameterError", "ClaimError")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def split_run(run: str) -> tuple[str, Path, Path]:
    """Notebook name, notebook path and params path of a run name."""
    notebook = run.split("--", 1)[0]
    nb_path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    params_path = paths.PARAMS / f"{run}.yaml"
    if not params_path.exists():
        raise BuildError(f"params file {paths.relative(params_path)} is missing")
    if not nb_path.exists():
        raise BuildError(f"notebook {paths.relative(nb_path)} (named by run {run!r}) is missing")
    return notebook, nb_path, params_path


def load_params(params_path: Path, nb_path: Path | None = None) -> dict:
    """The params file's parameters, checked against the notebook (``chasm.params.load``)
    before any kernel starts; :class:`BuildError` with the file, line, key and value if not.
    ``nb_path`` defaults to the notebook the file name names (``notebooks/<notebook>.ipynb``
    beside ``notebooks/params/``)."""
    from .params import ParameterFileError, load

    params_path = Path(params_path)
    if nb_path is None:
        nb_path = params_path.parent.parent / f"{params_path.stem.split('--', 1)[0]}.ipynb"
    try:
        return load(params_path, nb_path)
    except ParameterFileError as err:
        raise BuildError(str(err)) from None


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what varies between runs and machines, keep what nbval compares."""
    meta = nb.metadata
    run_meta = meta.get("papermill", {})
    meta["papermill"] = {"parameters": run_meta.get("parameters", {})}
    meta["kernelspec"] = {"name": KERNEL, "display_name": "Python (chasm)", "language": "python"}
    if "language_info" in meta:
        meta["language_info"].pop("version", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def _warm_renderer() -> None:
    """Render a small notebook, so that the page renderer's imports (mistune, the site
    module) happen while the kernel runs, not after it."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# warm"), nbformat.v4.new_code_cell(
        "x = 1", outputs=[nbformat.v4.new_output("display_data", {"text/html": "<b>x</b>"})])]
    render_html(nb, reader=False)


def render_html(nb: nbformat.NotebookNode, reader: bool = True) -> str:
    """The run's one page (``chasm.site.render``; the run is named in the notebook's
    parameters): offline but for the shared stylesheet ``reports/chasm.css``; ``reader``
    folds the code cells (the published page), ``reader=False`` opens them."""
    from .site import render

    return render(nb, reader=reader).html


def _kernel_check() -> None:
    """Fail early unless kernel ``chasm`` resolves to this interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise BuildError(f"kernel {KERNEL!r} is not installed: run `make venv`") from None
    exe = Path(spec.argv[0])
    if exe.resolve() != Path(sys.executable).resolve() and exe != Path(sys.executable):
        raise BuildError(f"kernel {KERNEL!r} runs {exe}, not this project's {sys.executable}")


def install_kernel() -> Path:
    """Register kernel ``chasm`` (this interpreter) under the venv's prefix, quietly.

    ``--IPKernelApp.log_level=CRITICAL`` drops ipykernel's start-up warning about unencrypted
    local TCP and its "KeyboardInterrupt caught" note when the kernel is shut down, which would
    otherwise interrupt make's progress lines; cell errors still reach papermill (and the build
    message) through the kernel's messages, not its log.
    """
    import json

    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL, display_name="Python (chasm)", prefix=sys.prefix))
    spec = json.loads((folder / "kernel.json").read_text())
    spec["argv"] = [a for a in spec["argv"] if not a.startswith("--IPKernelApp.log_level")]
    spec["argv"].append("--IPKernelApp.log_level=CRITICAL")
    # kernels forked from a warm template (chasm.kernel; a normal start where that is impossible)
    spec.setdefault("metadata", {})["kernel_provisioner"] = {"provisioner_name": "chasm-warm"}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    print(f"✓ kernel {KERNEL!r} installed in {folder}")
    return folder


def _ipc_kernel_manager(folder: Path):
    """A kernel manager whose kernel talks over Unix sockets in ``folder`` instead of TCP ports.

    Parallel builds (``make -j2``) then share no ports: TCP port selection can race between
    processes (papermill#511), sockets in a per-build folder cannot.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return str(folder / "kernel")

    return IPCKernelManager


def _staged_files(src: Path, dst: Path) -> list[tuple[Path, Path]]:
    """(staged file, its final place) for every file under ``src``, placed under ``dst``."""
    return [(path, dst / path.relative_to(src))
            for path in sorted(p for p in src.rglob("*") if p.is_file())]


def publish(run: str, moves: list[tuple[Path, Path]], backup: Path) -> None:
    """Move every staged file into place, all or nothing.

    Staging is under ``reports/`` (same filesystem), so each move is an atomic rename. Each
    file it replaces is first hard-linked into ``backup``; if any move fails (a folder that is
    not writable, a name taken by a folder), every file already moved is put back as it was
    and one :class:`BuildError` names the file and the reason. The make target (the report
    notebook) is the last move, so make never sees a half-published run as done."""
    import signal

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


def _cell_failure(run: str, err, executed: Path) -> str:
    """What a failing cell says: the error, and (unless its message says it all) the cell."""
    lines = [f"{run}: cell {err.exec_count} raised {err.ename}: {err.evalue}"]
    if err.ename not in CLEAR_ERRORS:
        source = (err.source or "").splitlines()
        lines += ["  the cell:"] + [f"  | {line}" for line in source[:12]]
        lines += ["  | ..."] if len(source) > 12 else []
        frames = _ANSI.sub("", "\n".join((err.traceback or [])[-3:-1])).splitlines()
        lines += ["  where it raised:"] + [f"  {line}" for line in frames if line.strip()]
    lines.append(f"The failed notebook is kept at {paths.relative(executed)}; "
                 "reports/ is unchanged.")
    return "\n".join(lines)


def _guard(check, *args):
    """Run a :mod:`chasm.guard` check, its refusal as a :class:`BuildError`."""
    from .guard import GuardError

    try:
        return check(*args)
    except GuardError as err:
        raise BuildError(str(err)) from None


def build(run: str, inputs: list[str] | None = None) -> None:
    """Execute, normalise, render and publish one run (see module docstring)."""
    import papermill

    from .guard import acquire, check_checkout, still_owner

    start = time.perf_counter()
    _guard(check_checkout)
    owner = _guard(acquire)
    notebook, nb_path, params_path = split_run(run)
    params = load_params(params_path, nb_path)
    _kernel_check()
    stage = STAGING / run
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "reports").mkdir(parents=True)
    read_log = stage / "reads.txt"
    read_log.touch()
    env = {"CHASM_STAGING": str(stage), "CHASM_READ_LOG": str(read_log),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONHASHSEED": "0"}
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    executed = stage / "reports" / f"{run}.executed.ipynb"
    print(f"▶ {run}: {paths.relative(nb_path)} with {paths.relative(params_path)}", flush=True)
    warm = threading.Thread(target=_warm_renderer, daemon=True)
    warm.start()  # the build process only waits on the kernel meanwhile
    sockets = Path(tempfile.mkdtemp(prefix="chasm-kernel-"))  # short: AF_UNIX paths are short
    try:
        papermill.execute_notebook(
            str(nb_path), str(executed), parameters={**params, "run": run}, kernel_name=KERNEL,
            cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False,
            kernel_manager_class=_ipc_kernel_manager(sockets),
            # papermill re-writes (and re-validates) the notebook after every cell by default:
            # 0.4-0.5 s of CPU per report (measured). The notebook is written once at the end,
            # also when a cell fails.
            request_save_on_cell_execute=False, autosave_cell_every=0,
            # every cell has finished and its outputs arrived: stopping the kernel with a
            # signal instead of a shutdown request saves 0.3-0.4 s per report (measured)
            shutdown_kernel="immediate",
        )
    except papermill.PapermillExecutionError as err:
        raise BuildError(_cell_failure(run, err, executed)) from None
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if inputs is not None:
        declared = {Path(p).as_posix() for p in inputs}
        undeclared = sorted(set(read_log.read_text().split()) - declared)
        if undeclared:
            raise BuildError(f"{run} read {', '.join(undeclared)}, which the Makefile does not "
                             f"list as inputs of {notebook}: add them to INPUTS_{notebook}")
    nb = normalize(nbformat.read(executed, as_version=4))
    warm.join()
    executed.unlink()
    read_log.unlink()
    out = stage / "reports"
    from .site import table_files, write_stylesheet

    for name, text in table_files(nb, run).items():  # the CSV of each table the page shows
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    # what the run wrote besides its report (tables, figures, processed data), for the index
    nb.metadata["chasm"] = {"outputs": sorted(
        [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
        + [p.relative_to(stage).as_posix() for p in (stage / "data").rglob("*") if p.is_file()])}
    (out / f"{run}.html").write_text(render_html(nb, reader=True), encoding="utf-8")
    write_stylesheet(out)  # not listed as the run's output: every page shares it
    final = stage / f"{run}.ipynb"
    nbformat.write(nb, final)
    moves = (_staged_files(stage / "data", paths.DATA) + _staged_files(out, paths.REPORTS)
             + [(final, paths.REPORTS / f"{run}.ipynb")])  # the make target goes last
    _guard(still_owner, owner)
    publish(run, moves, stage / "backup")
    shutil.rmtree(stage, ignore_errors=True)
    print(f"✓ {run} ({time.perf_counter() - start:.1f} s)", flush=True)


# --------------------------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------------------------
def write_index() -> Path:
    """``reports/index.html`` and the rest of the site (``chasm.site.write_site``).

    Files no build writes any more are removed first (``chasm.manifest.stale_outputs``: the
    outputs of runs whose params file is gone, per-table CSVs a report no longer lists), so
    the index never lists a removed run."""
    from .guard import acquire, check_checkout
    from .manifest import stale_outputs
    from .site import write_site

    _guard(check_checkout)
    _guard(acquire)
    runs = {p.stem for p in paths.PARAMS.glob("*.yaml")}
    for path in stale_outputs(runs):
        path.unlink()
        print(f"✗ removed {paths.relative(path)} (no build writes it any more)")
    target = write_site()[1]
    print(f"✓ index ({len(runs)} reports)")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chasm.build",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="build one report")
    run.add_argument("run", help="run name: a params file's name without .yaml")
    run.add_argument("--inputs", nargs="*", help="files make lists as this notebook's inputs")
    sub.add_parser("index", help="write reports/index.html")
    sub.add_parser("kernel", help="register kernel 'chasm' (this interpreter) in the venv")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            build(args.run, args.inputs)
        elif args.command == "kernel":
            install_kernel()
        else:
            write_index()
    except BuildError as err:
        print(f"✗ {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"✗ {getattr(args, 'run', args.command)}: interrupted; reports/ keeps its previous "
              "outputs", file=sys.stderr)
        return 130
    except OSError as err:  # a file that cannot be read or written, named with the reason
        where = paths.relative(err.filename) if err.filename else "a file"
        print(f"✗ {getattr(args, 'run', args.command)}: {where}: {err.strerror or err}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip interpreter teardown of the loaded tool stack (measured ~0.3 s)
