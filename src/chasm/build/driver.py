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
  the Makefile's dependencies cannot silently drift from what notebooks read);
* each report records what it was built from (``metadata.chasm``): ``inputs``, the digest of
  every file the run depends on (``chasm.build.stamps.digest``; ``make test`` compares it with the
  files as they are), and ``data_version``, the data version it read (the build refuses a run
  during which data/raw changed, and the index step refuses pages of another data version);
* every failure ends in one message naming the run and, where there is one, the input; errors
  of the statistics layer, the plan, the chart library and a dead kernel are translated here
  (:func:`failure_message`), the failed notebook with the full traceback is kept for reading.

``python -m chasm.build reports -- make build-reports`` (what ``make reports`` and ``make
report`` run) runs a whole make all or nothing (:func:`chasm.build.publish.transaction`).

Output degrades to ASCII where the terminal cannot show the build's symbols
(:func:`chasm.build.stamps.console`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

# importing chasm.build (the package) skips the rfc3987_syntax import nbformat would pay
from chasm import paths
from chasm.build.guard import BuildError, acquire, check_checkout, still_owner
from chasm.build.publish import progress, publish, transaction
from chasm.build.stamps import console, digest, stale_outputs

if TYPE_CHECKING:
    import nbformat

KERNEL = "chasm"
STAGING = paths.REPORTS / ".staging"


#: Errors whose message says everything (file, line, column, value; parameter and what is
#: allowed): reported as that one message, without cell source or traceback.
CLEAR_ERRORS = ("RawDataError", "ParameterError", "ClaimError", "PlanError", "WaveError",
                "WordedFigureError", "ParameterFileError")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: A frame of an IPython traceback: ``File <path>:<line>, in <function>``.
_FRAME = re.compile(r"File (?:\S*?[\\/])?(?P<path>(?:chasm|matplotlib|seaborn)[\\/][^\s:]*\.py)"
                    r":(?P<line>\d+), in (?P<func>[\w<>.]+)")
#: Where an error was raised -> what to call that layer in the one-line message.
_LAYERS = (("chasm/stats/", "the statistics layer"),
           ("chasm/analysis/plan.py", "the analysis plan"),
           ("matplotlib/", "the chart library (matplotlib)"),
           ("seaborn/", "the chart library (seaborn)"), ("chasm/", "the chasm package"))
_mark = None  # set by main(); before that, symbols print as they are


def mark(symbol: str) -> str:
    """The symbol as this process's terminal can show it (:func:`console`)."""
    return _mark(symbol) if _mark else symbol


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
    """The params file's parameters, checked against the notebook (``chasm.data.params.load``)
    before any kernel starts; :class:`BuildError` with the file, line, key and value if not.
    ``nb_path`` defaults to the notebook the file name names (``notebooks/<notebook>.ipynb``
    beside ``notebooks/params/``)."""
    from chasm.data.params import ParameterFileError, load  # lazy: import cost (DESIGN.md)

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
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# warm"), nbformat.v4.new_code_cell(
        "x = 1", outputs=[nbformat.v4.new_output("display_data", {"text/html": "<b>x</b>"})])]
    render_html(nb, reader=False)


def render_html(nb: nbformat.NotebookNode, reader: bool = True) -> str:
    """The run's one page (``chasm.site.pages.render``; the run is named in the notebook's
    parameters): offline but for the shared stylesheet ``reports/chasm.css``; ``reader``
    folds the code cells (the published page), ``reader=False`` opens them."""
    from chasm.site.pages import render  # lazy: import cost (DESIGN.md)

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
    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL, display_name="Python (chasm)", prefix=sys.prefix))
    spec = json.loads((folder / "kernel.json").read_text())
    spec["argv"] = [a for a in spec["argv"] if not a.startswith("--IPKernelApp.log_level")]
    spec["argv"].append("--IPKernelApp.log_level=CRITICAL")
    # kernels forked from a warm template (chasm.build.kernel; a normal start where that is
    # impossible)
    spec.setdefault("metadata", {})["kernel_provisioner"] = {"provisioner_name": "chasm-warm"}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    print(f"{mark('✓')} kernel {KERNEL!r} installed in {folder}")
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


def failure_message(run: str, err, executed: Path) -> str:
    """What a failing cell says, in one message.

    An error whose message says it all (:data:`CLEAR_ERRORS`: file, line, key, value) is that
    message. An error raised inside the statistics layer, the plan, the chart library or the
    package is named with that layer and the function that raised it, without cell source or
    frames. An error of the notebook's own code shows the cell (that is where to look).
    The failed notebook, with the whole traceback, is kept for reading."""
    kept = (f"The failed notebook is kept at {paths.relative(executed)}; "
            "reports/ is unchanged.")
    head = f"{run}: cell {err.exec_count} raised {err.ename}: {err.evalue}"
    if err.ename in CLEAR_ERRORS:
        return f"{head}\n{kept}"
    text = _ANSI.sub("", "\n".join(err.traceback or []))
    frames = [m for m in _FRAME.finditer(text)]
    if frames:
        last = frames[-1]
        where = last["path"].replace("\\", "/")
        layer = next(name for prefix, name in _LAYERS if where.startswith(prefix))
        evalue = " ".join(str(err.evalue).split())  # one line (a parser's caret diagram)
        return (f"{run}: {layer} refused cell {err.exec_count}'s input: {err.ename}: "
                f"{evalue} (in {last['func']}, {where} line {last['line']})\n{kept}")
    lines = [head]
    source = (err.source or "").splitlines()
    lines += ["  the cell:"] + [f"  | {line}" for line in source[:12]]
    lines += ["  | ..."] if len(source) > 12 else []
    shown = _ANSI.sub("", "\n".join((err.traceback or [])[-3:-1])).splitlines()
    lines += ["  where it raised:"] + [f"  {line}" for line in shown if line.strip()]
    lines.append(kept)
    return "\n".join(lines)


def build(run: str, inputs: list[str] | None = None, depends: list[str] | None = None) -> None:
    """Execute, normalise, render and publish one run (see module docstring)."""
    import nbformat
    import papermill
    from nbclient.exceptions import DeadKernelError

    from chasm.site.pages import data_version, table_files, write_stylesheet  # lazy: DESIGN.md

    start = time.perf_counter()
    check_checkout()
    owner = acquire()
    notebook, nb_path, params_path = split_run(run)
    params = load_params(params_path, nb_path)
    _kernel_check()
    recorded = {"inputs": digest(depends)} if depends is not None else {}
    version = data_version()
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
    print(f"{mark('▶')} {progress('start')}{run}: {paths.relative(nb_path)} with "
          f"{paths.relative(params_path)}", flush=True)
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
        raise BuildError(failure_message(run, err, executed)) from None
    except DeadKernelError:
        raise BuildError(f"{run}: the kernel died while running the notebook (killed, or out "
                         "of memory); reports/ is unchanged") from None
    except Exception as err:  # noqa: BLE001 - a kernel that cannot start or answer, a timeout
        raise BuildError(f"{run}: the notebook could not be run ({type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}); reports/ is "
                         "unchanged") from None
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
    if data_version() != version:
        raise BuildError(f"{run}: data/raw changed while the run read it; reports/ is "
                         "unchanged: run make again")
    nb = normalize(nbformat.read(executed, as_version=4))
    warm.join()
    executed.unlink()
    read_log.unlink()
    out = stage / "reports"
    for name, text in table_files(nb, run).items():  # the CSV of each table the page shows
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    # what the run was built from and wrote besides its report (tables, figures, processed
    # data, for the index)
    nb.metadata["chasm"] = {**recorded, "data_version": version, "outputs": sorted(
        [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
        + [p.relative_to(stage).as_posix() for p in (stage / "data").rglob("*") if p.is_file()])}
    (out / f"{run}.html").write_text(render_html(nb, reader=True), encoding="utf-8")
    write_stylesheet(out)  # not listed as the run's output: every page shares it
    final = stage / f"{run}.ipynb"
    nbformat.write(nb, final)
    still_owner(owner)
    publish(run, stage)
    shutil.rmtree(stage, ignore_errors=True)
    progress("finish")
    print(f"{mark('✓')} {run} ({time.perf_counter() - start:.1f} s)", flush=True)


# --------------------------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------------------------
def read_other_data(runs: set[str], version: str) -> list[str]:
    """Runs whose report records that it read another data version than ``version`` (a
    report that records none is not judged)."""
    import nbformat

    other = []
    for run in sorted(runs):
        report = paths.REPORTS / f"{run}.ipynb"
        if report.exists():
            read = nbformat.read(report, as_version=4).metadata.get("chasm", {}).get(
                "data_version")
            if read is not None and read != version:
                other.append(run)
    return other


def write_index(strict: bool = True) -> Path:
    """``reports/index.html`` and the rest of the site (``chasm.site.pages.write_site``).

    Files no build writes any more are removed first (``chasm.build.stamps.stale_outputs``: the
    outputs of runs whose params file is gone, per-table CSVs a report no longer lists), so
    the index never lists a removed run. Every page's footer states the data version: a
    report that read another version than data/raw holds now is refused (``strict``, the
    index of ``make reports``) or named in a warning (``make report RUN=...``, which builds
    one run and leaves the others as they are)."""
    from chasm.site.pages import data_version, write_site  # lazy: import cost (DESIGN.md)

    check_checkout()
    acquire()
    runs = {p.stem for p in paths.PARAMS.glob("*.yaml")}
    version = data_version()
    other = read_other_data(runs, version)
    if other:
        message = (f"{len(other)} report(s) read data version(s) other than data/raw's "
                   f"{version}: {', '.join(other)}; run make reports")
        if strict:
            raise BuildError(f"index: {message}")
        print(f"{mark('✗')} warning: {message}")
    for path in stale_outputs(runs):
        path.unlink()
        print(f"{mark('✗')} removed {paths.relative(path)} (no build writes it any more)")
    target = write_site()[1]
    print(f"{mark('✓')} index ({len(runs)} reports)")
    return target


def main(argv: list[str] | None = None) -> int:
    global _mark
    _mark = console()
    parser = argparse.ArgumentParser(prog="python -m chasm.build",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="build one report")
    run.add_argument("run", help="run name: a params file's name without .yaml")
    run.add_argument("--inputs", nargs="*", help="files make lists as this notebook's inputs")
    run.add_argument("--depends", nargs="*",
                     help="every file the run depends on (its recorded inputs digest)")
    sub.add_parser("index", help="write reports/index.html")
    sub.add_parser("kernel", help="register kernel 'chasm' (this interpreter) in the venv")
    reports = sub.add_parser("reports", help="run a make of reports all or nothing")
    reports.add_argument("--index", action="store_true", help="refresh the index afterwards")
    reports.add_argument("make", nargs=argparse.REMAINDER, help="-- the make command")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            build(args.run, args.inputs, args.depends)
        elif args.command == "kernel":
            install_kernel()
        elif args.command == "reports":
            command = args.make[1:] if args.make[:1] == ["--"] else args.make
            return transaction(command, after=(lambda: write_index(strict=False))
                               if args.index else None)
        else:
            write_index()
    except BuildError as err:
        print(f"{mark('✗')} {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if not os.environ.get("CHASM_TRANSACTION"):
            print(f"{mark('✗')} {getattr(args, 'run', args.command)}: interrupted; reports/ is "
                  "unchanged", file=sys.stderr)
        return 130
    except OSError as err:  # a file that cannot be read or written, named with the reason
        where = paths.relative(err.filename) if err.filename else "a file"
        print(f"{mark('✗')} {getattr(args, 'run', args.command)}: {where}: "
              f"{err.strerror or err}", file=sys.stderr)
        return 1
    return 0


