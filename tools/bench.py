"""Measured performance: the notebooks as plain scripts vs ``make reports`` and ``make test``.

``make bench`` (``python tools/bench.py``) measures, in one run on this machine:

a. the floor: every run's notebook converted to a plain Python script (its params injected the
   way papermill injects them, IPython magics neutralised, ``display`` a no-op) and run in its own
   ``python`` process, one after another;
a'. the one-process floor: the same scripts run by one ``python`` process that imports the
   libraries once (what the warm kernel template imports, ``chasm.build.kernel_template.PRELOAD``
   without ipykernel) and runs each script in a fork of itself, one after another. Each script
   thus starts from the same imported, untouched state, as a warm kernel does; running them in
   the process itself would let ``chasm``'s caches and matplotlib's state carry over from one
   script to the next, a floor no isolated build could reach. It is the physical limit of
   sharing imports on this machine;
b. ``make reports`` from clean, serial;
c. ``make -j2 reports`` from clean;
d. a no-op ``make reports`` right after (c);
e. ``make test``.

Nothing in the project changes: all six run in a throwaway copy of the project (every file
``git ls-files`` lists, tracked or new but not ignored, with mtimes kept), built with
``CHASM_ROOT=<copy>``, ``PYTHONPATH=<copy>/src`` and ``VENV=<this venv>``. "From clean" removes
the copy's ``reports/*.ipynb``, ``reports/*.html``, ``reports/tables/``, ``reports/figures/``
and ``data/processed/``. The copy's ``requirements.lock`` and ``pyproject.toml`` are dated
2000-01-01 so that make never reinstalls the venv.

It prints each time, the ratios b/a, c/a, b/a', c/b and (b - a')/runs and PASS/MISS against
issue 24's targets (a' <= 12 s, b <= a' + 0.3 s x runs, c <= 0.65 b, no-op < 0.5 s, make test
<= 60 s) with the machine and date, and writes
``.bench/results.json`` and ``.bench/results.md`` (a snippet the README can quote; ``.bench/``
is not committed). Kernels start warm (``chasm.build.kernel``) unless ``CHASM_WARM=0`` is set, which
measures the normal kernel start for comparison. ``--repeat N`` measures a-d N times and keeps
the fastest (a machine shared with other work is noisy). ``--profile`` then breaks each report
build into interpreter start, tool imports (nbformat, papermill, nbconvert), kernel start/stop,
the notebook's own imports, its execution and HTML rendering, and says what dominates;
``--profile-only`` skips a-e.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from chasm import paths

#: This script, for the subprocesses that profile one step in a fresh interpreter.
SELF = Path(__file__).resolve()

KERNEL = "chasm"
#: mtime given to the copy's requirements.lock and pyproject.toml (2000-01-01): make's venv
#: stamp is always newer, so benchmarking never reinstalls the venv.
OLD_MTIME = 946684800
#: Inherited variables that must not reach the benchmarked makes: ``make bench`` exports its
#: flags (``make -j4 bench`` would turn the "serial" build parallel) and a build's staging.
DROPPED_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT",
               "MAKE_TERMERR", "CHASM_STAGING", "CHASM_OUTPUT_DIR", "CHASM_READ_LOG",
               # each benchmarked make owns its warm-kernel template (none shared between steps)
               "CHASM_WARM_OWNER")
STEPS = {
    "floor": "a. notebooks as plain Python scripts (the floor)",
    "floor1": "a'. the scripts in one process that imports once",
    "serial": "b. make reports from clean (serial)",
    "parallel": "c. make -j2 reports from clean",
    "noop": "d. no-op make reports",
    "test": "e. make test",
    "scale": "f. make reports from clean, the project ten times larger (serial)",
}
#: How many times larger the scaled project is (``scale_project``): issue 24's 10x project.
SCALE = 10


@dataclass(frozen=True)
class Target:
    """A performance target: ``value <= limit`` (or ``<`` when ``strict``)."""

    key: str
    label: str
    limit: float
    unit: str  # "x" for a ratio to the floor a, "x'" to the one-process floor a', "s" seconds
    strict: bool = False

    def text(self) -> str:
        op = "<" if self.strict else "≤"
        return f"{op} {self.limit:g}" + {"s": " s", "x": "× a", "x'": "× a'", "xb": "× b",
                                          "s/run": " s per run"}[self.unit]


#: Issue 24's targets: a' <= 12 s; b <= a' + 0.3 s x runs (the build's cost per report beyond
#: its code); c <= 0.65 b; make test <= 60 s; no-op < 0.5 s.
TARGETS = (
    Target("floor1", "one process (a')", 12.0, "s"),
    Target("serial_overhead", "make reports beyond a' ((b - a')/runs)", 0.3, "s/run"),
    Target("parallel_serial_ratio", "make -j2 ÷ make (c/b)", 0.65, "xb"),
    Target("noop", "no-op make reports (d)", 0.5, "s", strict=True),
    Target("test", "make test (e)", 60.0, "s"),
    Target("scale_serial_ratio", "10× project's make (f/b)", float(SCALE), "xb"),
)
#: Which steps a target's value depends on (a failed step makes the target an ERROR).
TARGET_STEPS = {"floor1": ("floor1",), "serial_overhead": ("floor1", "serial"),
                "parallel_serial_ratio": ("serial", "parallel"), "noop": ("noop",),
                "test": ("test",), "scale_serial_ratio": ("serial", "scale")}


# --------------------------------------------------------------------------------------------
# Pure parts: ratios, targets, machine, notebook -> script, reporting
# --------------------------------------------------------------------------------------------
def ratios(seconds: dict[str, float | None]) -> dict[str, float | None]:
    """b/a, c/a, b/a', c/b and (b - a')/runs from the measured seconds (``None`` where a time
    is missing or its floor is 0; ``runs``: the number of report runs)."""

    def ratio(key: str, floor_key: str = "floor") -> float | None:
        value, floor = seconds.get(key), seconds.get(floor_key)
        if value is None or not floor:
            return None
        return value / floor

    serial, floor1, runs = seconds.get("serial"), seconds.get("floor1"), seconds.get("runs")
    overhead = ((serial - floor1) / runs if None not in (serial, floor1) and runs else None)
    return {"serial_ratio": ratio("serial"), "parallel_ratio": ratio("parallel"),
            "serial_floor1_ratio": ratio("serial", "floor1"),
            "parallel_serial_ratio": ratio("parallel", "serial"), "serial_overhead": overhead,
            "scale_serial_ratio": ratio("scale", "serial")}


def evaluate(seconds: dict[str, float | None],
             ok: dict[str, bool] | None = None) -> list[dict]:
    """Each target with its value and status: PASS, MISS, or ERROR (a step failed or is missing)."""
    ok = ok or {}
    values = {**ratios(seconds), "floor1": seconds.get("floor1"), "noop": seconds.get("noop"),
              "test": seconds.get("test")}
    out = []
    for target in TARGETS:
        if target.key == "scale_serial_ratio" and "scale" not in seconds:
            continue  # step f not run (--no-scale)
        value = values[target.key]
        failed = any(not ok.get(step, True) for step in TARGET_STEPS[target.key])
        if value is None or failed:
            status = "ERROR"
        elif value < target.limit or (not target.strict and value == target.limit):
            status = "PASS"
        else:
            status = "MISS"
        out.append({"key": target.key, "label": target.label, "value": value,
                    "limit": target.limit, "unit": target.unit, "target": target.text(),
                    "status": status})
    return out


def cpu_model(cpuinfo: str) -> str:
    """The CPU model from the text of ``/proc/cpuinfo`` (x86 ``model name``, ARM fallbacks)."""
    for key in ("model name", "Model", "Hardware", "Processor", "cpu model"):
        match = re.search(rf"^{key}\s*:\s*(.+)$", cpuinfo, flags=re.MULTILINE)
        if match and match.group(1).strip():
            return match.group(1).strip()
    return platform.processor() or "unknown"


def machine_info() -> dict:
    """CPU count and model, memory, OS, Python and make versions of this machine."""
    try:
        model = cpu_model(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        model = platform.processor() or "unknown"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    memory = None
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(),
                          flags=re.MULTILINE)
        memory = round(int(match.group(1)) / 1024**2, 1) if match else None
    except OSError:
        pass
    try:
        make = subprocess.run(["make", "--version"], capture_output=True, text=True,
                              check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        make = "unknown"
    return {"cpus": os.cpu_count(), "cpus_usable": usable, "cpu_model": model,
            "memory_gib": memory, "os": platform.platform(),
            "python": platform.python_version(), "make": make}


#: The reference workload: this many additions in a pure-Python loop (about 0.7 s on a
#: current desktop core). Machines this project is measured on differ several-fold in speed,
#: and one machine's speed can change within a session (3.5 s at 12:56 and 0.95 s at 14:16 on
#: 2026-12-05): every result carries the reference time, so runs can be compared.
REFERENCE_ADDITIONS = 10**7


def reference_seconds(additions: int = REFERENCE_ADDITIONS, rounds: int = 3) -> float:
    """The fastest of ``rounds`` timings of a pure-Python loop of ``additions`` additions (the
    interpreter's speed, which is what the builds and tests mostly spend)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        total = 0
        for i in range(additions):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def runs_in(params_dir: Path) -> list[str]:
    """Run names (params files without ``.yaml``), sorted as make sorts them."""
    return sorted(p.stem for p in Path(params_dir).glob("*.yaml"))


#: Stand-ins for what a kernel provides, prepended to every script: ``display`` does nothing,
#: ``get_ipython()`` answers the calls IPython turns magics into (``%time``/``%%capture``
#: bodies still run, everything else - shell commands, ``%matplotlib`` - is skipped).
PRELUDE = '''\
# Generated by tools/bench.py: a notebook run as a plain script (the floor of `make bench`).
import sys as _sys


def display(*objs, **kwargs):
    return None


class _NoShell:
    _RUN = ("time", "timeit", "capture", "prun")

    def run_line_magic(self, name, line, *args, **kwargs):
        if name in self._RUN:
            exec(line, _sys._getframe(1).f_globals)

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        if name in self._RUN:
            exec(cell, _sys._getframe(1).f_globals)

    def system(self, *args, **kwargs):
        return None

    getoutput = system

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def get_ipython():
    return _NoShell()
'''


def strip_magics(source: str) -> str:
    """Cell source as plain Python: IPython syntax (``%``, ``%%``, ``!``, ``?``) becomes
    ``get_ipython()`` calls, exactly as IPython itself transforms it."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def notebook_to_script(nb, parameters: dict) -> str:
    """A notebook (node or path) with ``parameters`` injected as papermill does, as one script.

    The injected cell follows the cell tagged ``parameters`` (papermill's own
    ``parameterize_notebook``), markdown cells are dropped and each code cell is marked with a
    ``# %% cell <n>`` comment so a traceback points to the notebook cell.
    """
    import copy

    import nbformat
    from papermill.parameterize import parameterize_notebook

    if isinstance(nb, (str, os.PathLike)):
        nb = nbformat.read(nb, as_version=4)
    else:
        nb = copy.deepcopy(nb)
    nb.metadata.setdefault("papermill", {})
    for cell in nb.cells:  # as papermill's own preparation of a notebook does
        cell.metadata.setdefault("tags", [])
    nb = parameterize_notebook(nb, dict(parameters), kernel_name=KERNEL, language="python")
    parts = [PRELUDE]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        parts.append(f"# %% cell {index}" + (f" [{', '.join(tags)}]" if tags else ""))
        parts.append(strip_magics(cell.source).rstrip("\n"))
    return "\n\n".join(parts) + "\n"


def classify_cell(source: str) -> str:
    """``imports`` if a code cell is only import statements, else ``execution``."""
    import ast

    try:
        body = ast.parse(strip_magics(source)).body
    except SyntaxError:
        return "execution"
    if body and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in body):
        return "imports"
    return "execution"


def fmt_seconds(value: float | None) -> str:
    """Seconds for reading: ms under 0.1 s, 2 decimals under 10 s, 1 above, '–' if missing."""
    if value is None:
        return "–"
    if value < 0.1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def fmt_value(row: dict) -> str:
    """A target's value: seconds, or a ratio to a floor."""
    if row["value"] is None:
        return "–"
    if row["unit"] in ("s", "s/run"):
        return fmt_seconds(row["value"])
    return f"{row['value']:.2f}×"


#: The floor a ratio target divides by, as the tables name it.
FLOOR_NAME = {"x": "a", "x'": "a'", "xb": "b"}


def markdown(results: dict) -> str:
    """The README snippet: machine, date, the five times, ratios and target statuses."""
    m = results["machine"]
    steps = results["steps"]
    status = {t["key"]: t for t in results["targets"]}
    runs = results["runs"]
    notebooks = sorted({r.split("--", 1)[0] for r in runs})
    rounds = max((len(s.get("samples", [])) for s in steps.values()), default=1)

    def row(key: str, target_key: str | None = None) -> str:
        step = steps.get(key, {})
        time_text = fmt_seconds(step.get("seconds")) if step.get("ok", False) else "failed"
        if target_key is None:
            return f"| {STEPS[key]} | {time_text} | | |"
        shown, targets, marks = time_text, [], []
        if step.get("ok") and step.get("cpu") is not None:
            shown += f", {fmt_seconds(step['cpu'])} CPU"
        for tk in target_key.split(","):
            t = status[tk]
            if t["unit"] in FLOOR_NAME:
                shown += f" ({fmt_value(t)} {FLOOR_NAME[t['unit']]})"
            elif t["unit"] == "s/run":
                shown += f" ({fmt_value(t)} a run beyond a')"
            targets.append(t["target"])
            marks.append(f"**{t['status']}**")
        return f"| {STEPS[key]} | {shown} | {'; '.join(targets)} | {'; '.join(marks)} |"

    lines = [
        "### Measured performance (`make bench`)",
        "",
        f"{results['date'][:10]}, commit `{results['commit']}`; {len(notebooks)} notebooks, "
        f"{len(runs)} report runs; {m['cpus_usable']} CPUs ({m['cpu_model']}), "
        f"{m['memory_gib']} GiB, Python {m['python']}, {m['os']}"
        + (f"; a-d best of {rounds} rounds." if rounds > 1 else ".")
        + (f" The machine's speed: {m['reference_s']:.2f} s for {REFERENCE_ADDITIONS:,} "
           "additions in a Python loop (a current desktop core: about 0.7 s)."
           if m.get("reference_s") else ""),
        "",
        "| step | time | target | |",
        "|---|---:|---|---|",
        row("floor"),
        row("floor1", "floor1"),
        row("serial", "serial_overhead"),
        row("parallel", "parallel_serial_ratio"),
        row("noop", "noop"),
        row("test", "test"),
        *([row("scale", "scale_serial_ratio")] if "scale" in steps else []),
        "",
        "The floor runs each report's code as a plain script in its own `python` process "
        "(parameters injected, no kernel, no rendering); a' runs the same scripts from one "
        "process that imported the libraries once (a fork per script); `make` builds run in a "
        "throwaway copy of the project, so committed reports never change.",
    ]
    if steps.get("scale", {}).get("ok") and steps.get("serial", {}).get("ok"):
        sizes = steps["scale"].get("sizes", {})
        lines += ["", f"How the cost grows with the data (step b vs step f, the same runs on the "
                  f"project {SCALE} times larger: " + ", ".join(
                      f"{k} {a} → {b}" for k, (a, b) in sizes.items()) + "):", "",
                  "| run | 1× | 10× | ratio |", "|---|---:|---:|---:|"]
        for g in growth(steps["serial"], steps["scale"]):
            ratio = "–" if g["ratio"] is None else f"{g['ratio']:.2f}×"
            lines.append(f"| {g['run']} | {fmt_seconds(g['one'])} | {fmt_seconds(g['scaled'])}"
                         f" | {ratio} |")
    profile = results.get("profile")
    if profile and profile.get("shares"):
        top = ", ".join(f"{s['label']} {s['share']:.0%}" for s in profile["shares"][:3])
        lines += ["", f"Where a report build's time goes (`--profile`): {top}."]
    return "\n".join(lines) + "\n"


def build_env(base: dict[str, str], root: Path, venv: Path) -> dict[str, str]:
    """Environment for a benchmarked command in the copy ``root``: its own package and data,
    this venv's kernels, and none of the calling make's flags or a build's staging."""
    env = {k: v for k, v in base.items() if k not in DROPPED_ENV}
    env["CHASM_ROOT"] = str(root)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root / "src")] + ([base["PYTHONPATH"]] if base.get("PYTHONPATH") else []))
    env["JUPYTER_PATH"] = str(venv / "share" / "jupyter")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def clean_outputs(root: Path) -> list[Path]:
    """Remove every built output of the project at ``root`` so make rebuilds everything."""
    reports = root / "reports"
    removed = sorted(reports.glob("*.ipynb")) + sorted(reports.glob("*.html"))
    for path in removed:
        path.unlink()
    for folder in (reports / "tables", reports / "figures", reports / ".staging",
                   root / "data" / "processed"):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


#: Folders that are never part of a project copy (a venv, git, build scratch, caches).
NOT_PROJECT = frozenset({".venv", ".git", ".build", ".staging", ".bench", "__pycache__",
                         ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"})


def project_files(root: Path, tracked_only: bool = False) -> list[str]:
    """The project's files: ``git ls-files`` (plus new files not ignored, unless
    ``tracked_only``), skipping files deleted from the work tree. A project that is not a git
    checkout (the bench's own throwaway copy, where ``make test`` runs this module's tests):
    every file but those of :data:`NOT_PROJECT` folders."""
    cmd = ["git", "-C", str(root), "ls-files", "-z", "--cached"]
    if not tracked_only:
        cmd += ["--others", "--exclude-standard"]
    out = subprocess.run(cmd, capture_output=True)
    if out.returncode != 0:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                      if p.is_file() and not any(part in NOT_PROJECT or part.endswith(".egg-info")
                                                 for part in p.relative_to(root).parts))
    listed = out.stdout.decode().split("\0")
    return sorted({f for f in listed if f and (root / f).is_file()})


def snapshot(root: Path, dest: Path, tracked_only: bool = False) -> int:
    """Copy the project's files from ``root`` to ``dest`` keeping mtimes; return the count."""
    files = project_files(root, tracked_only)
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    for name in ("requirements.lock", "pyproject.toml"):
        if (dest / name).exists():
            os.utime(dest / name, (OLD_MTIME, OLD_MTIME))
    return len(files)


# --------------------------------------------------------------------------------------------
# Running and timing
# --------------------------------------------------------------------------------------------
class Runner:
    """Runs commands with a wall clock, echoing their output and keeping a log."""

    def __init__(self, log_path: Path, echo: bool = True):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = log_path.open("w", encoding="utf-8")
        self.echo = echo

    def say(self, text: str) -> None:
        print(text, flush=True)
        self.log.write(text + "\n")
        self.log.flush()

    def run(self, cmd: list[str], env: dict, cwd: Path, label: str = "") -> tuple[float, int, str]:
        """Run ``cmd``; return (wall seconds, return code, its output)."""
        self.log.write(f"$ (cd {cwd} && {' '.join(cmd)})\n")
        lines: collections.deque[str] = collections.deque(maxlen=2000)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            self.log.write(line)
            if self.echo:
                print(f"    │ {label}{line.rstrip()}", flush=True)
        rc = proc.wait()
        seconds = time.perf_counter() - start
        self.log.flush()
        return seconds, rc, "".join(lines)

    def close(self) -> None:
        self.log.close()


BUILT = re.compile(r"✓ (\S+) \((\d+(?:\.\d+)?) s\)")


def built_runs(output: str) -> dict[str, float]:
    """Per-run seconds that ``chasm.build`` printed (``✓ <run> (<s> s)``) in make's output."""
    return {m.group(1): float(m.group(2)) for m in BUILT.finditer(output)}


def warm_up(runner: Runner, copy: Path, env: dict, python: str) -> None:
    """Compile the copy's package and read the libraries once, so the first timed step does
    not pay for cold caches that later steps would not."""
    runner.say("▶ warm-up (untimed): compile the copy's package, import the libraries once")
    subprocess.run([python, "-m", "compileall", "-q", str(copy / "src")], env=env, check=False,
                   capture_output=True)
    code = ("import importlib, pkgutil, chasm\n"
            "for m in pkgutil.iter_modules(chasm.__path__):\n"
            "    if m.name != 'bench':\n"
            "        importlib.import_module('chasm.' + m.name)\n"
            "import numpy, pandas, scipy.stats, statsmodels.api, matplotlib.pyplot, seaborn\n"
            "import papermill, nbconvert, nbclient, ipykernel\n")
    proc = subprocess.run([python, "-c", code], env={**env, "MPLBACKEND": "Agg"},
                          cwd=copy, capture_output=True, text=True, check=False)
    if proc.returncode:
        runner.say(f"  (warm-up import failed, continuing: {proc.stderr.strip()[-300:]})")
    with tempfile.TemporaryDirectory() as tmp:  # one kernel start: its first one is slower
        subprocess.run([python, str(SELF), "--profile-kernel", str(Path(tmp) / "k")],
                       env=env, cwd=copy, capture_output=True, check=False)


def measure_floor(runner: Runner, copy: Path, env: dict, python: str, runs: list[str],
                  scratch: Path, run_scripts: bool = True) -> dict:
    """Step a: each run's notebook as a plain script, one ``python`` process per run
    (``run_scripts`` False: only write the scripts, for step a' alone)."""
    from chasm.build.driver import load_params

    if run_scripts:
        runner.say(f"▶ {STEPS['floor']}: {len(runs)} runs, one python process each")
    scripts = scratch / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    per_run: dict[str, float] = {}
    ok = True
    errors = []
    for run in runs:
        notebook = copy / "notebooks" / f"{run.split('--', 1)[0]}.ipynb"
        params_path = copy / "notebooks" / "params" / f"{run}.yaml"
        if not notebook.exists():
            ok = False
            errors.append(f"{run}: notebook {notebook.name} is missing")
            runner.say(f"  ✗ {errors[-1]}")
            continue
        try:
            params = load_params(params_path)
        except Exception as err:  # noqa: BLE001 - reported, the step is marked failed
            ok = False
            errors.append(f"{run}: {err}")
            runner.say(f"  ✗ {errors[-1]}")
            continue
        script = scripts / f"{run}.py"
        script.write_text(notebook_to_script(notebook, {**params, "run": run}), encoding="utf-8")
        if not run_scripts:
            continue
        stage = scratch / "staging" / run
        (stage / "reports").mkdir(parents=True, exist_ok=True)
        (stage / "reads.txt").touch()
        run_env = {**env, "CHASM_STAGING": str(stage),
                   "CHASM_READ_LOG": str(stage / "reads.txt"), "MPLBACKEND": "Agg",
                   "PYTHONHASHSEED": "0"}
        seconds, rc, output = runner.run([python, str(script)], run_env, copy / "notebooks",
                                         label=f"{run}: ")
        per_run[run] = seconds
        if rc:
            ok = False
            errors.append(f"{run}: script exited with {rc}: {output.strip()[-400:]}")
            runner.say(f"  ✗ {run} failed (script kept at {script})")
        else:
            runner.say(f"  ✓ {run}: {fmt_seconds(seconds)}")
    total = sum(per_run.values())
    runner.say(f"  = {fmt_seconds(total)}{'' if ok else ' (with failures)'}")
    return {"seconds": total, "ok": ok and bool(per_run), "per_run": per_run, "errors": errors}


# --------------------------------------------------------------------------------------------
# Scale: the project made ``factor`` times larger by data alone
# --------------------------------------------------------------------------------------------
#: Characters that continue an identifier (``chasm.data.schema``'s ids): a figure id is replaced
#: where it stands alone (``E01`` but not inside ``XE01`` or ``E010``).
_ID_CHARS = r"A-Za-z0-9_.+\-"


def shift_month(month: str, years: int) -> str:
    """``YYYY-MM`` moved back by ``years`` years."""
    year, mon = month.split("-")
    return f"{int(year) - years:04d}-{mon}"


def _replace_ids(text: str, mapping: dict[str, str]) -> str:
    if not text or not mapping:
        return text
    pattern = re.compile(rf"(?<![{_ID_CHARS}])(" + "|".join(
        re.escape(k) for k in sorted(mapping, key=len, reverse=True)) + rf")(?![{_ID_CHARS}])")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import csv
    import io as _io

    reader = csv.DictReader(_io.StringIO(path.read_text(encoding="utf-8")))
    return list(reader.fieldnames or []), list(reader)


def _csv_text(fields: list[str], rows: list[dict[str, str]]) -> str:
    import csv
    import io as _io

    out = _io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def scale_project(root: Path, factor: int) -> dict[str, tuple[int, int]]:
    """Make the project at ``root`` ``factor`` times larger by data alone: ``factor - 1``
    replicas of every source, figures file, wave, question and claims register, each with its
    own ids (``<id>-x<k>`` for sources and questions, ``X<k><id>`` for figures, waves moved
    back ``3 k`` years: the replicas' waves never meet the originals' or each other's), their
    figures the original figures. The analysis plan and the approval series are not
    replicated (the plan lists the essay's own comparisons; a replica's wave pairs are the
    post-hoc family, and its registers state a wave change with the rule ``change``).
    Returns ``{what: (count before, count after)}``: waves, questions, figures, claims,
    registers."""
    import copy

    import yaml

    raw, meta, claims_dir = root / "data" / "raw", root / "data" / "raw" / "metadata", \
        root / "data" / "claims"
    waves = yaml.safe_load((meta / "waves.yaml").read_text(encoding="utf-8"))
    questions = yaml.safe_load((meta / "questions.yaml").read_text(encoding="utf-8"))
    src_fields, sources = _read_csv(raw / "sources.csv")
    figure_files = sorted(raw.glob("*_figures.csv"))
    registers = sorted(claims_dir.glob("*.csv"))
    figures = {path: _read_csv(path) for path in figure_files}
    claims = {path: _read_csv(path) for path in registers}
    before = {"waves": len(waves), "questions": len(questions),
              "figures": sum(len(rows) for _, rows in figures.values()),
              "claims": sum(len(rows) for _, rows in claims.values()),
              "registers": len(registers)}
    new_waves, new_questions, new_sources = dict(waves), dict(questions), list(sources)
    for k in range(1, factor):
        wave_of = {w: shift_month(w, 3 * k) for w in waves}
        question_of = {q: f"{q}_x{k}" for q in questions}
        source_of = {s["source_id"]: f"{s['source_id']}-x{k}" for s in sources}
        figure_of = {row["figure_id"]: f"X{k}{row['figure_id']}"
                     for _, rows in figures.values() for row in rows}
        new_waves.update({wave_of[w]: {**spec, "label": f"{spec['label']} (replica {k})"}
                          for w, spec in waves.items()})
        new_questions.update({question_of[q]: copy.deepcopy(spec)  # no YAML anchors
                              for q, spec in questions.items()})
        # one essay (the main register's text): its replicas are other texts
        new_sources += [{**s, "source_id": source_of[s["source_id"]],
                         "kind": "secondary" if s["kind"] == "essay" else s["kind"]}
                        for s in sources]
        for path, (fields, rows) in figures.items():
            out = [{**row, "figure_id": figure_of[row["figure_id"]],
                    "source_id": source_of[row["source_id"]], "wave": wave_of[row["wave"]],
                    "question": question_of[row["question"]],
                    **({"cites": source_of.get(row["cites"], row["cites"])}
                       if row.get("cites") else {})} for row in rows]
            (raw / f"x{k}_{path.name}").write_text(_csv_text(fields, out), encoding="utf-8")
        for path, (fields, rows) in claims.items():
            ids = {**figure_of, **wave_of}
            # the plan's comparisons are the main register's: another text states a change
            # between two waves with the rule ``change`` (data/README.md, claims registers)
            out = [{**row, "figure_ids": _replace_ids(row.get("figure_ids") or "", figure_of),
                    "args": _replace_ids(row.get("args") or "", ids),
                    "rule": "change" if row.get("rule") == "wave_change" else row.get("rule")}
                   for row in rows]
            (claims_dir / f"{path.stem}-x{k}.csv").write_text(_csv_text(fields, out),
                                                               encoding="utf-8")
    (meta / "waves.yaml").write_text(yaml.safe_dump(new_waves, allow_unicode=True,
                                                    sort_keys=False), encoding="utf-8")
    (meta / "questions.yaml").write_text(yaml.safe_dump(new_questions, allow_unicode=True,
                                                        sort_keys=False), encoding="utf-8")
    (raw / "sources.csv").write_text(_csv_text(src_fields, new_sources), encoding="utf-8")
    return {key: (value, value * factor) for key, value in before.items()}


#: What the one-process floor (a') imports once: the warm template's list, with IPython's
#: display module in place of ipykernel. A kernel forked from the template has IPython
#: (ipykernel imports it), so the notebooks' ``from IPython.display import ...`` costs a
#: report nothing; a script importing it afresh paid about 0.15 s of CPU per run that no
#: build pays.
def floor1_preload() -> list[str]:
    from chasm.build.kernel_template import PRELOAD

    return [m for m in PRELOAD if not m.startswith("ipykernel")] + ["IPython.display"]


def measure_floor1(runner: Runner, copy: Path, env: dict, python: str, runs: list[str],
                   scratch: Path) -> dict:
    """Step a': the scripts step a wrote, run by one process that imports once (a fork each)."""
    runner.say(f"▶ {STEPS['floor1']}: {len(runs)} runs, one python process")
    plan = []
    for run in runs:
        script = scratch / "scripts" / f"{run}.py"
        if not script.exists():
            return {"seconds": None, "ok": False, "per_run": {},
                    "errors": [f"{run}: no script (step a failed)"]}
        stage = scratch / "staging1" / run
        (stage / "reports").mkdir(parents=True, exist_ok=True)
        (stage / "reads.txt").touch()
        plan.append({"run": run, "script": str(script), "cwd": str(copy / "notebooks"),
                     "env": {"CHASM_STAGING": str(stage),
                             "CHASM_READ_LOG": str(stage / "reads.txt")}})
    plan_path = scratch / "floor1.json"
    plan_path.write_text(json.dumps({"preload": floor1_preload(), "runs": plan}))
    run_env = {**env, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    seconds, rc, output = runner.run([python, str(SELF), "--floor1", str(plan_path)], run_env,
                                     copy / "notebooks", label="a': ")
    done = list(re.finditer(r"^✓ (\S+) \((\d+\.\d+) s, (\d+\.\d+) s CPU\)$", output,
                            flags=re.M))
    per_run = {m.group(1): float(m.group(2)) for m in done}
    per_run_cpu = {m.group(1): float(m.group(3)) for m in done}
    imports = re.search(r"^imports \((\d+\.\d+) s\)$", output, flags=re.M)
    ok = rc == 0 and len(per_run) == len(runs)
    cpu = sum(per_run_cpu.values())
    runner.say(f"  = {fmt_seconds(seconds)} ({fmt_seconds(cpu)} CPU in the scripts)"
               + ("" if ok else " (with failures)"))
    return {"seconds": seconds, "ok": ok, "per_run": per_run, "per_run_cpu": per_run_cpu,
            "cpu": cpu,
            "imports": float(imports.group(1)) if imports else None,
            "errors": [] if ok else [output.strip()[-400:]]}


def _floor1(plan_path: Path) -> int:
    """In one process: import the libraries once, then run each script in a fork of it."""
    import importlib
    import runpy

    plan = json.loads(plan_path.read_text())
    t0 = time.perf_counter()
    for name in plan["preload"]:
        importlib.import_module(name)
    print(f"imports ({time.perf_counter() - t0:.2f} s)", flush=True)
    base_path = sys.path[1:]  # without this tool's folder
    failed = 0
    for item in plan["runs"]:
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.chdir(item["cwd"])
                os.environ.update(item["env"])
                sys.argv = [item["script"]]
                sys.path[:] = [str(Path(item["script"]).parent), *base_path]
                for name in [m for m in sys.modules if m.split(".")[0] == "chasm"]:
                    del sys.modules[name]  # this tool imported chasm.paths: scripts import anew
                runpy.run_path(item["script"], run_name="__main__")
                code = 0
            except SystemExit as err:
                code = err.code if isinstance(err.code, int) else 0
            except BaseException:  # noqa: BLE001 - reported by the exit code
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code:
            failed += 1
            print(f"✗ {item['run']} exited with {code}", flush=True)
        else:  # wall time, and the CPU time of the fork (user + system): the firmer measure
            print(f"✓ {item['run']} ({time.perf_counter() - t0:.2f} s, "
                  f"{usage.ru_utime + usage.ru_stime:.2f} s CPU)", flush=True)
    return 1 if failed else 0


def measure_make(runner: Runner, key: str, copy: Path, env: dict, venv: Path,
                 args: list[str], clean: bool) -> dict:
    """Steps b-e: ``make <args>`` in the copy (after removing every output if ``clean``)."""
    runner.say(f"▶ {STEPS[key]}")
    if clean:
        removed = clean_outputs(copy)
        runner.say(f"  removed {len(removed)} built outputs from the copy")
    cmd = ["make", "--no-print-directory", f"VENV={venv}", *args]
    seconds, rc, output = runner.run(cmd, env, copy)
    result = {"seconds": seconds, "ok": rc == 0, "returncode": rc,
              "command": " ".join(["make", *args]), "per_run": built_runs(output)}
    if rc:
        result["error"] = output.strip()[-1500:]
        runner.say(f"  ✗ {' '.join(['make', *args])} exited with {rc} after "
                   f"{fmt_seconds(seconds)}")
    else:
        runner.say(f"  = {fmt_seconds(seconds)}")
    return result


def measure_scale(runner: Runner, root: Path, dest: Path, env: dict, venv: Path,
                  tracked_only: bool = False) -> dict:
    """Step f: a fresh copy of the project made ``SCALE`` times larger by data alone
    (``scale_project``), then ``make reports`` from clean, serial (as step b)."""
    count = snapshot(root, dest, tracked_only)
    sizes = scale_project(dest, SCALE)
    runner.say(f"▶ copied {count} files to {dest}, made {SCALE}× larger: " + ", ".join(
        f"{k} {a} → {b}" for k, (a, b) in sizes.items()))
    result = measure_make(runner, "scale", dest, {**env, "CHASM_ROOT": str(dest),
                                                  "PYTHONPATH": str(dest / "src")},
                          venv, ["reports"], True)
    return {**result, "sizes": sizes}


def growth(serial: dict, scaled: dict) -> list[dict]:
    """Per run: its build time in step b (1×) and step f (``SCALE``×) and their ratio; the
    index and the whole build last. Runs missing from either side get ``None``."""
    one, big = serial.get("per_run", {}), scaled.get("per_run", {})
    rows = []
    for run in sorted(set(one) | set(big)):
        a, b = one.get(run), big.get(run)
        rows.append({"run": run, "one": a, "scaled": b,
                     "ratio": b / a if a and b is not None else None})
    a, b = serial.get("seconds"), scaled.get("seconds")
    rows.append({"run": "whole build", "one": a, "scaled": b,
                 "ratio": b / a if a and b is not None else None})
    return rows


def best_of(samples: list[dict]) -> dict:
    """The fastest of repeated measurements of a step, with every sample's seconds; the step
    counts as failed if any repetition failed."""
    best = min(samples, key=lambda sample: sample["seconds"])
    return {**best, "ok": all(sample["ok"] for sample in samples),
            "samples": [sample["seconds"] for sample in samples]}


def up_to_date(copy: Path, env: dict, venv: Path) -> bool:
    """True if make has nothing left to do for ``reports`` (``make -q``)."""
    proc = subprocess.run(["make", "-q", f"VENV={venv}", "reports"], cwd=copy, env=env,
                          capture_output=True, check=False)
    return proc.returncode == 0


def venv_ready(copy: Path, env: dict, venv: Path) -> bool:
    """True if make considers the venv installed (so it will not reinstall it)."""
    stamp = venv / ".installed"
    if not stamp.exists():
        return False
    proc = subprocess.run(["make", "-q", f"VENV={venv}", str(stamp)], cwd=copy, env=env,
                          capture_output=True, check=False)
    return proc.returncode == 0


# --------------------------------------------------------------------------------------------
# Profile: where one report build's time goes
# --------------------------------------------------------------------------------------------
BUCKETS = {
    "interpreter": "interpreter start and exit (python -m chasm.build)",
    "tools": "tool imports (nbformat, papermill, nbconvert)",
    "kernel": "kernel start/stop and papermill overhead",
    "nb_imports": "the notebook's import cells",
    "nb_execution": "the notebook's other cells",
    "render": "HTML rendering (full + reader)",
    "other": "checks, normalising, writing, moving",
}
ADVICE = {
    "interpreter": "a new interpreter per run is cheap; nothing to gain here",
    "tools": "each `python -m chasm.build` imports nbformat, papermill and nbconvert again: "
             "make those imports cheaper, or build several runs per process",
    "kernel": "kernels start warm (forked); what remains is ipykernel's own start, the "
              "client's handshake (jupyter_client waits for 0.2 s of IOPub silence) and stop",
    "nb_imports": "library imports in the kernel are paid by the scripts too; import lazily "
                  "what a notebook does not use",
    "nb_execution": "the notebook's own work, paid by the scripts too",
    "render": "two nbconvert renders per run: build one HTMLExporter and reuse it for both, or "
              "derive the reader HTML without a second full render",
    "other": "normalising and writing the notebook; look at chasm.build",
}


#: Imports a build process pays before its work, timed one after the other. rfc3987_syntax
#: comes first because jsonschema (under nbformat) imports it when installed, and it compiles a
#: grammar at import.
TOOL_MODULES = ("rfc3987_syntax", "jsonschema", "nbformat", "papermill", "nbconvert",
                "chasm.build")
#: Above this many seconds, the rfc3987_syntax import is reported as a finding of its own.
RFC3987_NOTICE = 0.3


def _profile_one(run: str, out: Path) -> None:
    """In a fresh process: build ``run`` with chasm.build, timing each phase (JSON to ``out``)."""
    import importlib

    start = time.perf_counter()
    tools: dict[str, float] = {}
    # what chasm.build does before nbformat is imported (skip the IRI grammar): without it the
    # profile would charge every build 1.3 s that a real build never pays
    sys.modules.setdefault("rfc3987_syntax", None)
    for name in TOOL_MODULES:  # in this order, each time is what that import adds
        t0 = time.perf_counter()
        try:
            importlib.import_module(name)
        except ImportError:
            pass
        tools[name] = time.perf_counter() - t0
    import nbformat
    import papermill

    from chasm.build import driver

    timing: dict = {"render": 0.0, "tools_detail": tools}
    real_execute, real_render = papermill.execute_notebook, driver.render_html

    def execute(input_path, output_path, **kwargs):
        t0 = time.perf_counter()
        result = real_execute(input_path, output_path, **kwargs)
        timing["papermill"] = time.perf_counter() - t0
        nb = nbformat.read(output_path, as_version=4)
        cells = {"imports": 0.0, "execution": 0.0}
        for cell in nb.cells:
            if cell.cell_type == "code":
                duration = cell.metadata.get("papermill", {}).get("duration") or 0.0
                cells[classify_cell(cell.source)] += duration
        timing["nb_imports"], timing["nb_execution"] = cells["imports"], cells["execution"]
        return result

    def render(nb, reader):
        t0 = time.perf_counter()
        body = real_render(nb, reader)
        if threading.current_thread() is threading.main_thread():  # not the warm-up render,
            timing["render"] += time.perf_counter() - t0  # which overlaps the kernel
        return body

    papermill.execute_notebook, driver.render_html = execute, render
    t0 = time.perf_counter()
    driver.build(run, inputs=None)
    timing["build"] = time.perf_counter() - t0
    timing["tools"] = sum(tools.values())
    timing["inside"] = time.perf_counter() - start
    out.write_text(json.dumps(timing), encoding="utf-8")


def _profile_kernel(out: Path) -> None:
    """In a fresh process: a one-cell notebook through papermill (kernel start and stop)."""
    import nbformat
    import papermill

    # the import-time environment a build gives its kernel: the same warm template serves both
    os.environ.update({"MPLBACKEND": "module://matplotlib_inline.backend_inline",
                       "PYTHONHASHSEED": "0"})
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("1")]
        nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
        src = Path(tmp) / "trivial.ipynb"
        nbformat.write(nb, src)
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            papermill.execute_notebook(str(src), str(Path(tmp) / "out.ipynb"),
                                       kernel_name=KERNEL, progress_bar=False, log_output=False)
            times.append(time.perf_counter() - t0)
    out.write_text(json.dumps({"trivial_notebook": times}), encoding="utf-8")


def split_build(wall: float, timing: dict) -> dict[str, float]:
    """Buckets (see ``BUCKETS``) of one profiled build from its wall time and inner timings."""
    papermill_wall = timing.get("papermill", 0.0)
    cells = timing.get("nb_imports", 0.0) + timing.get("nb_execution", 0.0)
    buckets = {
        "interpreter": max(wall - timing.get("inside", wall), 0.0),
        "tools": timing.get("tools", 0.0),
        "kernel": max(papermill_wall - cells, 0.0),
        "nb_imports": timing.get("nb_imports", 0.0),
        "nb_execution": timing.get("nb_execution", 0.0),
        "render": timing.get("render", 0.0),
    }
    buckets["other"] = max(timing.get("build", 0.0) - papermill_wall - buckets["render"], 0.0)
    return buckets


def shares(buckets: dict[str, float]) -> list[dict]:
    """Buckets sorted by time, largest first, with their share of the total."""
    total = sum(buckets.values()) or 1.0
    return [{"key": k, "label": BUCKETS.get(k, k), "seconds": v, "share": v / total}
            for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])]


def profile(runner: Runner, copy: Path, env: dict, python: str, runs: list[str],
            scratch: Path, floor: dict | None) -> dict:
    """Profile one ``chasm.build`` per run (in the copy) and say what dominates."""
    runner.say("▶ profile: where a report build's time goes (one profiled build per run)")
    outdir = scratch / "profile"
    outdir.mkdir(parents=True, exist_ok=True)
    # the profiled builds share one warm-kernel template, as the builds of one make do; the
    # one-cell notebooks below start it, so no profiled build pays its imports
    base = {**env, "CHASM_WARM_OWNER": str(os.getpid())}
    startup, _, _ = runner.run([python, "-c", "pass"], base, copy)
    kernel_out = outdir / "kernel.json"
    runner.run([python, str(SELF), "--profile-kernel", str(kernel_out)], base, copy)
    kernel = json.loads(kernel_out.read_text()) if kernel_out.exists() else {}
    per_run: dict[str, dict] = {}
    for run in runs:
        out = outdir / f"{run}.json"
        wall, rc, _ = runner.run([python, str(SELF), "--profile-run", run,
                                  "--profile-out", str(out)], base, copy, label=f"{run}: ")
        if rc or not out.exists():
            runner.say(f"  ✗ profiling {run} failed")
            continue
        timing = json.loads(out.read_text())
        per_run[run] = {"wall": wall, **split_build(wall, timing),
                        "tools_detail": timing.get("tools_detail", {})}
    index_wall, _, _ = runner.run([python, "-m", "chasm.build", "index"], base, copy)
    total: dict[str, float] = {k: sum(r[k] for r in per_run.values()) for k in BUCKETS}
    ranked = shares(total)

    cols = list(BUCKETS)
    head = (f"  {'run':<28}{'total':>7}" + "".join(f"{k[:9]:>10}" for k in cols)
            + f"{'script':>9}{'overhead':>10}")
    runner.say("  seconds per phase of `python -m chasm.build run <run>`:")
    runner.say(head)
    floor_runs = (floor or {}).get("per_run", {})
    for run, row in per_run.items():
        script = floor_runs.get(run)
        runner.say(f"  {run:<28}{row['wall']:>7.2f}" + "".join(f"{row[k]:>10.2f}" for k in cols)
                   + (f"{script:>9.2f}{row['wall'] - script:>10.2f}" if script else ""))
    details = [r["tools_detail"] for r in per_run.values() if r.get("tools_detail")]
    tools = {k: sum(d.get(k, 0.0) for d in details) / len(details) for k in TOOL_MODULES} \
        if details else {}
    if tools:
        runner.say("  tool imports per build, each on top of the previous ones: "
                   + ", ".join(f"{k} {v:.2f} s" for k, v in tools.items()))
    trivial = ", ".join(f"{t:.2f}" for t in kernel.get("trivial_notebook", []))
    runner.say(f"  python -c pass: {startup:.2f} s; index: {index_wall:.2f} s; one-cell notebook "
               f"through papermill (kernel start/stop): {trivial or '–'} s")
    if per_run:
        runner.say("  what dominates (all runs):")
        for item in ranked:
            runner.say(f"    {item['share']:>5.0%}  {item['seconds']:>6.2f} s  {item['label']}")
        overhead = ("kernel", "tools", "render", "other", "interpreter")
        top = max(overhead, key=lambda k: total[k])
        runner.say(f"  largest cost a script does not pay: {BUCKETS[top]} "
                   f"({total[top]:.2f} s) → {ADVICE[top]}")
        if tools.get("rfc3987_syntax", 0.0) > RFC3987_NOTICE:
            runner.say(f"  note: {tools['rfc3987_syntax']:.2f} s of every process that imports "
                       "nbformat (each build, the index, pytest/nbval) is jsonschema importing "
                       "rfc3987_syntax, which compiles an IRI grammar at import; nbformat never "
                       "checks IRIs. `sys.modules.setdefault('rfc3987_syntax', None)` before "
                       "nbformat is imported skips it.")
    return {"per_run": per_run, "totals": total, "shares": ranked, "tool_imports": tools,
            "python_startup": startup,
            "index": index_wall, **kernel}


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def git_commit(root: Path) -> str:
    """Short HEAD, with ``+dirty`` if tracked files differ from it."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def print_summary(runner: Runner, results: dict) -> None:
    m = results["machine"]
    runner.say("")
    runner.say(f"Machine: {m['cpus_usable']}/{m['cpus']} CPUs, {m['cpu_model']}, "
               f"{m['memory_gib']} GiB; Python {m['python']}; {m['os']}; {m['make']}; "
               f"reference loop {m.get('reference_s', float('nan')):.2f} s")
    runner.say(f"Date: {results['date']}; commit {results['commit']}; runs: "
               f"{', '.join(results['runs'])}")
    for key, label in STEPS.items():
        step = results["steps"].get(key, {})
        rounds = step.get("samples", [])
        runner.say(f"  {label:<52} {fmt_seconds(step.get('seconds')):>9}"
                   f"{'' if step.get('ok') else '  (FAILED)'}"
                   + (f"  (best of {', '.join(fmt_seconds(x) for x in rounds)})"
                      if len(rounds) > 1 else ""))
    r = results["ratios"]
    runner.say(f"  b/a = {r['serial_ratio']:.2f}×" if r["serial_ratio"] is not None else
               "  b/a = –")
    runner.say(f"  c/a = {r['parallel_ratio']:.2f}×" if r["parallel_ratio"] is not None else
               "  c/a = –")
    runner.say(f"  b/a' = {r['serial_floor1_ratio']:.2f}×"
               if r["serial_floor1_ratio"] is not None else "  b/a' = –")
    runner.say(f"  c/b = {r['parallel_serial_ratio']:.2f}×"
               if r["parallel_serial_ratio"] is not None else "  c/b = –")
    if results["steps"].get("noop", {}).get("up_to_date") is False:
        runner.say("  ! after the no-op run make still had work to do (make -q reports != 0)")
    runner.say("Targets:")
    for t in results["targets"]:
        runner.say(f"  {t['status']:<5} {t['label']:<36} {fmt_value(t):>9}  (target {t['target']})")


def bench(args: argparse.Namespace) -> int:
    root = paths.ROOT
    venv = Path(sys.prefix).resolve()
    python = str(venv / "bin" / "python") if (venv / "bin" / "python").exists() else sys.executable
    out_dir = Path(args.out or root / ".bench")
    runner = Runner(out_dir / "bench.log", echo=not args.quiet)
    date = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    machine = machine_info()
    machine["reference_s"] = round(reference_seconds(), 2)
    runner.say(f"chasm bench · {date} · {machine['cpus_usable']} CPUs ({machine['cpu_model']}) · "
               f"Python {machine['python']}")
    tmp = Path(tempfile.mkdtemp(prefix="chasm-bench-"))
    copy, scratch = tmp / "project", tmp / "scratch"
    try:
        count = snapshot(root, copy, tracked_only=args.tracked_only)
        runs = runs_in(copy / "notebooks" / "params")
        runner.say(f"▶ copied {count} project files to {copy}; runs: {', '.join(runs) or 'none'}")
        env = build_env(dict(os.environ), copy, venv)
        if not venv_ready(copy, env, venv):
            runner.say(f"✗ {venv} is not an installed project venv (make would reinstall it): "
                       "run `make venv` first")
            return 1
        warm_up(runner, copy, env, python)
        steps: dict[str, dict] = {}
        prof = None
        if args.floor1_only:
            return floor1_only(runner, copy, env, python, runs, scratch, out_dir, args.repeat)
        if not args.profile_only:
            samples: dict[str, list[dict]] = collections.defaultdict(list)
            for i in range(args.repeat):
                if args.repeat > 1:
                    runner.say(f"━━ round {i + 1} of {args.repeat} (a-d; the best round counts)")
                samples["floor"].append(measure_floor(runner, copy, env, python, runs, scratch))
                samples["floor1"].append(
                    measure_floor1(runner, copy, env, python, runs, scratch))
                samples["serial"].append(
                    measure_make(runner, "serial", copy, env, venv, ["reports"], True))
                samples["parallel"].append(
                    measure_make(runner, "parallel", copy, env, venv, ["-j2", "reports"], True))
                samples["noop"].append(
                    measure_make(runner, "noop", copy, env, venv, ["reports"], False))
            steps = {key: best_of(found) for key, found in samples.items()}
            steps["noop"]["up_to_date"] = up_to_date(copy, env, venv)
            steps["test"] = measure_make(runner, "test", copy, env, venv, ["test"], False)
            if not args.no_scale:
                steps["scale"] = measure_scale(runner, root, tmp / "scaled", env, venv,
                                               args.tracked_only)
        if args.profile or args.profile_only:
            prof = profile(runner, copy, env, python, runs, scratch, steps.get("floor"))
        out_dir.mkdir(parents=True, exist_ok=True)
        if args.profile_only:
            (out_dir / "profile.json").write_text(json.dumps(prof, indent=2) + "\n")
            runner.say(f"wrote {out_dir / 'profile.json'}")
            return 0
        seconds = {k: (v.get("seconds") if v.get("ok") else None) for k, v in steps.items()}
        seconds["runs"] = len(runs)
        results = {
            "date": date, "commit": git_commit(root), "machine": machine, "runs": runs,
            "steps": steps, "ratios": ratios(seconds),
            "targets": evaluate(seconds, {k: v.get("ok", False) for k, v in steps.items()}),
            "profile": prof,
        }
        print_summary(runner, results)
        (out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
        (out_dir / "results.md").write_text(markdown(results), encoding="utf-8")
        runner.say(f"wrote {paths.relative(out_dir / 'results.json')}, "
                   f"{paths.relative(out_dir / 'results.md')} (log: "
                   f"{paths.relative(out_dir / 'bench.log')})")
        missed = [t for t in results["targets"] if t["status"] == "MISS"]
        if missed and prof is None:
            runner.say("Targets missed: `.venv/bin/python tools/bench.py --profile-only` shows "
                       "where a report build's time goes.")
        return 0 if all(s.get("ok") for s in steps.values()) else 1
    finally:
        runner.close()
        if args.keep:
            print(f"kept the copy at {copy}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def floor1_only(runner: Runner, copy: Path, env: dict, python: str, runs: list[str],
                scratch: Path, out_dir: Path, repeat: int) -> int:
    """Step a' alone (``--floor1-only``), ``repeat`` times: each run's wall and CPU seconds,
    the fastest round by CPU kept; writes ``floor1.json`` (not the README snippet: the other
    steps were not measured)."""
    measure_floor(runner, copy, env, python, runs, scratch, run_scripts=False)
    rounds = [measure_floor1(runner, copy, env, python, runs, scratch) for _ in range(repeat)]
    if not all(r["ok"] for r in rounds):
        return 1
    best = min(rounds, key=lambda r: r["cpu"])
    runner.say(f"{'run':<32} {'wall':>9} {'CPU':>9}")
    for run in runs:
        runner.say(f"{run:<32} {fmt_seconds(best['per_run'][run]):>9} "
                   f"{fmt_seconds(best['per_run_cpu'][run]):>9}")
    label = "all (a')"
    runner.say(f"{label:<32} {fmt_seconds(best['seconds']):>9} "
               f"{fmt_seconds(best['cpu']):>9}"
               + (f"  (CPU of each round: {', '.join(fmt_seconds(r['cpu']) for r in rounds)})"
                  if repeat > 1 else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "floor1.json").write_text(json.dumps(
        {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
         "load": os.getloadavg(), "rounds": rounds}, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/bench.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="store_true",
                        help="after the benchmark, break each report build into its phases")
    parser.add_argument("--profile-only", action="store_true",
                        help="only the profile (writes .bench/profile.json)")
    parser.add_argument("--floor1-only", action="store_true",
                        help="only step a', each run's wall and CPU seconds (writes "
                             ".bench/floor1.json)")
    parser.add_argument("--tracked-only", action="store_true",
                        help="benchmark only git-tracked files (default: also new, unignored ones)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="measure steps a-d (and a') N times and keep the fastest (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway copy")
    parser.add_argument("--no-scale", action="store_true",
                        help=f"skip step f (the project {SCALE} times larger)")
    parser.add_argument("--quiet", action="store_true", help="do not echo commands' output")
    parser.add_argument("--out", help="results folder (default: .bench/ in the project)")
    parser.add_argument("--profile-run", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("--profile-kernel", help=argparse.SUPPRESS)
    parser.add_argument("--floor1", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.profile_run:
        _profile_one(args.profile_run, Path(args.profile_out))
        return 0
    if args.profile_kernel:
        _profile_kernel(Path(args.profile_kernel))
        return 0
    if args.floor1:
        return _floor1(Path(args.floor1))
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
