"""Content stamps for make: a report is rebuilt when what it reads changes, not only its date.

WHAT. ``python -m chasm.build.stamps --common FILE... --run RUN FILE... [--run RUN FILE...]``
(run by make before it looks at any report) writes, for every run,
``.build/inputs/<run>.sha``: the list of the run's input files (its notebook, params file, the
package and the data it reads) with the SHA-256 of each. A stamp is rewritten only when that
content changes, so its date moves exactly when an input's content, or the list of inputs,
changed. It also writes ``.build/runs.sha``, the list of runs, which moves when a params file
is added or removed. The Makefile makes every report depend on its stamp as well as on the
files themselves.

WHY. make compares dates. A file copied with its old date (``cp -p``, rsync, an unpacked
archive) or a deleted input (a removed figures file, metadata or params file) changes what a
report would say without making any prerequisite newer, and make would keep the stale report
with exit 0. Hashing the inputs on every make costs a few milliseconds; the stamps live in
``.build/`` (not committed).

FIRST RUN. Where no stamp exists yet (a fresh clone), nothing is known about earlier content, so
the new stamp takes the date of the newest input: make then decides by dates exactly as it would
without stamps, and from then on content decides.

PAIRS. The same step refuses a notebook whose jupytext pair (``notebooks/<notebook>.py``)
says something else (:func:`pair_difference`), naming the command that syncs them; a pair is
compared (jupytext costs 2 s to import) only when its content changed since it last agreed
(``.build/pairs/<notebook>.sha``).

CHECK. ``python -m chasm.build.stamps --check --common ... --run ...`` (``make test``'s first step)
compares, for every run, :func:`digest` of everything the run depends on (generated inputs
included) with the digest its committed report records (``metadata.chasm.inputs``, written by
``chasm.build``), and says "reports are stale: run make reports" once, naming the runs, instead
of letting dozens of tests fail over outputs that no longer follow from the data and code.

Also :func:`stale_outputs`: the files in ``reports/`` no build writes any more (those of runs
whose params file was removed, per-table CSVs a report no longer lists), which the index step
removes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from chasm import paths
from chasm.build.guard import GuardError, acquire, check_checkout

BUILD = paths.ROOT / ".build"
INPUTS = BUILD / "inputs"
RUNS = BUILD / "runs.sha"
PAIRS = BUILD / "pairs"


#: The build's symbols and what an ASCII terminal shows instead.
_ASCII = {"▶": ">", "✓": "ok", "✗": "x", "·": "-", "…": "..."}


def console():
    """Make stdout and stderr safe for any terminal; return ``mark(symbol)``, the symbol or its
    ASCII stand-in where the terminal cannot encode it (``LC_ALL=C PYTHONUTF8=0``).

    Text from data in messages is escaped rather than crashing the build. Here, not in
    chasm.build, because every make runs this module first and it must stay light."""
    ascii_only = False
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
        try:
            "▶✓✗·…".encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            ascii_only = True
    return (lambda symbol: _ASCII.get(symbol, symbol)) if ascii_only else (lambda symbol: symbol)


def _digest(path: Path) -> str:
    if not path.exists():
        return "missing"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(files: list[str]) -> str:
    """One line per input file, sorted: ``<sha256>  <path>`` (``missing`` if absent)."""
    return "".join(f"{_digest(paths.ROOT / f)}  {f}\n" for f in sorted(set(files)))


def digest(files: list[str]) -> str:
    """One SHA-256 over :func:`manifest` of ``files``: what a report records as the content of
    everything it was built from, and what :func:`check` compares it with."""
    return hashlib.sha256(manifest(files).encode()).hexdigest()


def pair_difference(nb_path: Path, script: Path) -> str | None:
    """Why a notebook and its jupytext script disagree (cell kinds, sources or tags), or None."""
    import jupytext
    import nbformat

    stored = nbformat.read(nb_path, as_version=4).cells
    text = jupytext.read(script).cells
    if [c.cell_type for c in stored] != [c.cell_type for c in text]:
        return "their cells differ"
    for number, (a, b) in enumerate(zip(stored, text, strict=True), 1):
        if a.source != b.source or a.metadata.get("tags", []) != b.metadata.get("tags", []):
            return f"cell {number} differs"
    return None


def check_pairs(files: list[str]) -> list[str]:
    """Messages for every notebook among ``files`` that disagrees with its ``.py`` pair."""
    problems = []
    for name in sorted({f for f in files if f.startswith("notebooks/") and f.endswith(".ipynb")}):
        nb_path = paths.ROOT / name
        script = nb_path.with_suffix(".py")
        if not (nb_path.exists() and script.exists()):
            continue
        pair = [name, paths.relative(script)]
        content = manifest(pair)
        stamp = PAIRS / f"{nb_path.stem}.sha"
        if stamp.exists() and stamp.read_text(encoding="utf-8") == content:
            continue
        why = pair_difference(nb_path, script)
        if why is None:
            write_stamp(stamp, content, pair)
            continue
        problems.append(f"{name} and {pair[1]} are out of sync ({why}): run "
                        f"`.venv/bin/jupytext --sync {name}` (or `make sync`; the newer file "
                        "wins), then make again")
    return problems


def check(runs: dict[str, list[str]]) -> list[str]:
    """Runs whose committed report was built from other inputs than those now in place (or
    that have no report, or a report that records none)."""
    stale = []
    for run, files in sorted(runs.items()):
        report = paths.REPORTS / f"{run}.ipynb"
        try:
            recorded = json.loads(report.read_text(encoding="utf-8"))["metadata"].get(
                "chasm", {}).get("inputs")
        except (OSError, ValueError, KeyError):
            recorded = None
        if recorded != digest(files):
            stale.append(run)
    return stale


def write_stamp(stamp: Path, content: str, inputs: list[str]) -> bool:
    """Write ``content`` to ``stamp`` only if it differs; True if written.

    A new stamp (none before) is dated like its newest input, so that make's first decision is
    the one dates would give."""
    if stamp.exists() and stamp.read_text(encoding="utf-8") == content:
        return False
    first = not stamp.exists()
    stamp.parent.mkdir(parents=True, exist_ok=True)
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, stamp)
    if first:
        times = [(paths.ROOT / f).stat().st_mtime for f in inputs if (paths.ROOT / f).exists()]
        if times:
            os.utime(stamp, (max(times), max(times)))
    return True


def stale_outputs(runs: set[str]) -> list[Path]:
    """Files in reports/ that no build writes any more.

    For a run that no longer exists (its params file was removed): its notebook, its page and
    the tables and figures its report lists in its metadata (``chasm.outputs``). For a run
    that exists: the per-table CSVs under ``tables/<run>/`` its report no longer lists (the
    page now shows fewer tables)."""
    out: list[Path] = []
    for report in sorted(paths.REPORTS.glob("*.ipynb")):
        run = report.stem
        try:
            listed = json.loads(report.read_text(encoding="utf-8"))["metadata"].get(
                "chasm", {}).get("outputs", [])
        except (ValueError, KeyError):
            listed = []
        if run in runs:
            out += [p for p in sorted((paths.REPORTS / "tables" / run).glob("*.csv"))
                    if p.relative_to(paths.REPORTS).as_posix() not in listed]
            continue
        out.append(report)
        out += [p for p in [paths.REPORTS / f"{run}.html"] if p.exists()]
        out += [paths.REPORTS / o for o in listed
                if o.startswith(("tables/", "figures/")) and (paths.REPORTS / o).exists()]
    return out


def _parse(argv: list[str]) -> tuple[bool, dict[str, list[str]]]:
    """``[--check] --common F... --run R F... --run R F...`` -> (whether to check, {run: its
    files + the common files})."""
    parser = argparse.ArgumentParser(prog="python -m chasm.build.stamps", allow_abbrev=False)
    parser.add_argument("--check", action="store_true", help="compare the reports' digests")
    parser.add_argument("--common", nargs="*", action="extend", default=[])
    parser.add_argument("--run", nargs="+", action="append", default=[], help="RUN FILE...")
    args = parser.parse_args(argv)
    runs: dict[str, list[str]] = {}
    for run, *files in args.run:
        runs.setdefault(run, []).extend(files)
    return args.check, {run: files + args.common for run, files in runs.items()}


def main(argv: list[str]) -> int:
    mark = console()
    checking, runs = _parse(argv)
    if checking:
        stale = check(runs)
        if stale:
            names = ", ".join(stale[:8]) + (f" and {len(stale) - 8} more" if len(stale) > 8
                                            else "")
            print(f"{mark('✗')} reports are stale: run make reports ({len(stale)} of "
                  f"{len(runs)} runs were built from other data or code: {names})",
                  file=sys.stderr)
            return 1
        return 0
    try:
        check_checkout()
        acquire()  # this make builds this checkout until it exits
    except GuardError as err:
        print(f"{mark('✗')} {err}", file=sys.stderr)
        return 1
    problems = check_pairs([f for files in runs.values() for f in files])
    if problems:
        for problem in problems:
            print(f"{mark('✗')} {problem}", file=sys.stderr)
        return 1
    for run, files in runs.items():
        write_stamp(INPUTS / f"{run}.sha", manifest(files), files)
    listing = "".join(f"{run}\n" for run in sorted(runs))
    params = [paths.relative(paths.PARAMS / f"{run}.yaml") for run in runs]
    write_stamp(RUNS, listing, params)
    for old in INPUTS.glob("*.sha"):  # stamps of removed runs
        if old.stem not in runs:
            old.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
