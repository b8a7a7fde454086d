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
import functools
import html
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

# nbformat validates with jsonschema, whose optional "iri" format checker imports
# rfc3987_syntax, which builds a grammar at import (about 1 s per build, measured by
# `make bench --profile`). nbformat's schema uses no iri format: skip that import.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
import yaml  # noqa: E402

from . import paths  # noqa: E402

KERNEL = "chasm"
STAGING = paths.REPORTS / ".staging"
TEMPLATES = Path(__file__).parent / "templates"


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


def load_params(params_path: Path) -> dict:
    """The params file as a mapping (an empty file means: all defaults)."""
    try:
        params = yaml.safe_load(params_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise BuildError(f"{paths.relative(params_path)} is not valid YAML: {err}") from None
    if not isinstance(params, dict):
        raise BuildError(f"{paths.relative(params_path)} must be a mapping of parameters")
    return params


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


@functools.cache
def _exporter():
    """One HTML exporter per process: building it (templates, CSS) costs more than a render.

    Its ``clean_html`` filter (bleach over every highlighted code cell, markdown cell, SVG and
    HTML output: about two thirds of a full render, measured with cProfile) remembers its
    results: a pure function of its input, so the output is the same, but the reader render
    reuses the full render's work and the code and markdown cells are cleaned while the kernel
    runs (``_warm_renderer``).
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)],
                            template_file="offline.html.j2")
    filters = exporter.environment.filters
    filters["clean_html"] = functools.lru_cache(maxsize=None)(filters["clean_html"])
    return exporter


def _warm_renderer(nb_path: Path | None = None) -> None:
    """Build the exporter and render the notebook as it is before it runs (or a small one),
    so that nbconvert's lazy imports (bleach, BeautifulSoup, pygments lexers) and the cleaning
    of every code and markdown cell happen while the kernel runs, not after it."""
    if nb_path is not None:
        nb = nbformat.read(nb_path, as_version=4)
    else:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("# warm"), nbformat.v4.new_code_cell(
            "x = 1", outputs=[nbformat.v4.new_output("display_data", {"text/html": "<b>x</b>"})])]
    render_html(nb, reader=False)


def render_html(nb: nbformat.NotebookNode, reader: bool) -> str:
    """Self-contained HTML (no CDN); ``reader`` hides code cells and prompts."""
    exporter = _exporter()
    exporter.exclude_input = reader
    exporter.exclude_input_prompt = reader
    exporter.exclude_output_prompt = reader
    body, _ = exporter.from_notebook_node(nb)
    return body


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


def _move_tree(src: Path, dst: Path) -> list[Path]:
    moved = []
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    return moved


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


def build(run: str, inputs: list[str] | None = None) -> None:
    """Execute, normalise, render and publish one run (see module docstring)."""
    import papermill

    start = time.perf_counter()
    notebook, nb_path, params_path = split_run(run)
    params = load_params(params_path)
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
    warm = threading.Thread(target=_warm_renderer, args=(nb_path,), daemon=True)
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
    # what the run wrote besides its report (tables, figures, processed data), for the index
    nb.metadata["chasm"] = {"outputs": sorted(
        [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
        + [p.relative_to(stage).as_posix() for p in (stage / "data").rglob("*") if p.is_file()])}
    (out / f"{run}.html").write_text(render_html(nb, reader=False), encoding="utf-8")
    (out / f"{run}.reader.html").write_text(render_html(nb, reader=True), encoding="utf-8")
    final = stage / f"{run}.ipynb"
    nbformat.write(nb, final)
    _move_tree(stage / "data", paths.DATA)
    _move_tree(out, paths.REPORTS)
    os.replace(final, paths.REPORTS / f"{run}.ipynb")  # the make target goes last
    shutil.rmtree(stage, ignore_errors=True)
    print(f"✓ {run} ({time.perf_counter() - start:.1f} s)", flush=True)


# --------------------------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------------------------
def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


#: How the index labels a run's outputs, by folder and suffix.
_OUTPUT_LABELS = {("tables", ".csv"): "table", ("figures", ".svg"): "figure",
                  ("figures", ".csv"): "its numbers"}


def write_index() -> Path:
    """``reports/index.html``: one line per report with links to its outputs."""
    rows = []
    # reading order: by notebook, its default run first, then the variants
    for nb_path in sorted(paths.REPORTS.glob("*.ipynb"),
                          key=lambda p: (p.stem.split("--")[0], "--" in p.stem, p.stem)):
        run = nb_path.stem
        nb = nbformat.read(nb_path, as_version=4)
        params = nb.metadata.get("papermill", {}).get("parameters", {})
        shown = ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "run")
        links = [f'<a href="{html.escape(run)}.reader.html">report</a>',
                 f'<a href="{html.escape(run)}.html">with code</a>',
                 f'<a href="{html.escape(run)}.ipynb">notebook</a>']
        for output in nb.metadata.get("chasm", {}).get("outputs", []):
            label = _OUTPUT_LABELS.get((output.split("/")[0], Path(output).suffix))
            if label and (paths.REPORTS / output).exists():  # reports/ stays self-contained
                links.append(f'<a href="{html.escape(output)}">{label}: '
                             f'{html.escape(Path(output).name)}</a>')
        rows.append(
            f"<tr><td><code>{html.escape(run)}</code></td>"
            f"<td>{html.escape(_title(nb, run))}</td>"
            f"<td>{html.escape(shown) or 'defaults'}</td><td>{' · '.join(links)}</td></tr>"
        )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Chasm Between Us: reports</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left;
          vertical-align: top; }}
</style>
</head>
<body>
<h1>Re-examining the survey figures in "The Chasm Between Us"</h1>
<p>Every report below is a notebook executed by <code>make reports</code> from the raw figures in
<code>data/raw/</code>. Read them in order. Levada's full tables for March 2024 and April 2025
were not retrievable: most figures come second-hand (the essay, a secondary summary) and the
sample size N = 1600 is an assumption.</p>
<table>
<thead><tr><th>run</th><th>title</th><th>parameters</th><th>outputs</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""
    target = paths.REPORTS / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    print(f"✓ index ({len(rows)} reports)")
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
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip interpreter teardown of the loaded tool stack (measured ~0.3 s)
