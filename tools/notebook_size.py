"""The notebook rule: no statistics in a notebook, no code names in its reader text.

A notebook carries its own narrative, selection and presentation (loops and small local helpers
allowed), but every formula, test, bound, interval, weighting policy or adjustment lives in the
package, tested, and the notebook only calls it (DESIGN.md, "The rule for a change"). This
reads each notebook script (``notebooks/NN_*.py``, the jupytext pair) and reports, per cell:

* an import of a maths or statistics library (:data:`FORBIDDEN_MODULES`: scipy, statsmodels,
  math, ...); numpy is allowed for presentation only, so a notebook may use only the numpy names
  in :data:`NUMPY_PRESENTATION` (missing values, positions on an axis, arrays);
* a call of a statistical method on anything (:data:`STAT_CALLS`: ``.mean()``, ``.std()``,
  ``.quantile()``, ``.sqrt()``, ``.ppf()``, ...), a power (``x ** 0.5``), or a critical value
  typed as a number (:data:`CRITICAL_VALUES`: 1.96, ...): each is a statistic being defined;
* a class, or a local helper function longer than :data:`MAX_HELPER_LINES` lines of code (a
  helper that long is a module's work: move it to the package, or split it);
* in markdown (reader text): a ``chasm.*`` name, or a snake_case code in backticks that is not a
  file path (reader text names things by their labels; code stays in folded code cells).

``tests/e2e/test_notebooks.py`` holds every notebook to no finding (markdown: see its list of
notebooks not yet rewritten for readers). Usage: ``python tools/notebook_size.py [script ...]``;
exit status 1 when any notebook has a finding.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

#: Modules a notebook may not import (nor any submodule): the maths lives in chasm.stats.
FORBIDDEN_MODULES = frozenset({
    "scipy", "statsmodels", "math", "cmath", "statistics", "random", "sklearn", "pingouin",
    "numpy.linalg", "numpy.random", "numpy.polynomial", "numpy.fft"})

#: The numpy names presentation needs (missing values, axis positions, arrays, type checks).
NUMPY_PRESENTATION = frozenset({
    "nan", "inf", "isnan", "isfinite", "isinf", "arange", "array", "asarray", "where",
    "ndarray", "integer", "floating", "number", "bool_"})

#: Method or function names that compute a statistic, whatever object they are called on.
STAT_CALLS = frozenset({
    "mean", "nanmean", "average", "std", "nanstd", "var", "nanvar", "sem", "median", "nanmedian",
    "quantile", "percentile", "corr", "cov", "skew", "kurt", "kurtosis", "rolling", "ewm",
    "expanding", "cumprod", "pct_change", "sqrt", "log", "log1p", "log2", "log10", "exp",
    "expm1", "cdf", "ppf", "sf", "isf", "pdf", "pmf", "logit", "expit", "ols", "glm"})

#: Normal quantiles that mean an interval or a power calculation is being typed by hand.
CRITICAL_VALUES = frozenset({1.96, 1.645, 2.576, 2.326, 1.282, 0.8416, 0.842})

#: Longest local helper function (lines of code, comments and blank lines not counted).
MAX_HELPER_LINES = 25

_SNAKE = re.compile(r"`([^`]*)`")
_SNAKE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_CHASM_NAME = re.compile(r"\bchasm\.[A-Za-z_]")


def cells(text: str) -> list[tuple[str, int, str]]:
    """(kind, first line number, source) of each cell of a jupytext percent script; kind is
    "code" or "markdown" (markdown without its leading "# ")."""
    found, current, start, kind = [], [], 1, None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            if kind and current:
                found.append((kind, start, "\n".join(current)))
            current, start = [], number + 1
            kind = "markdown" if "[markdown]" in line else "code"
        elif kind == "markdown":
            current.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif kind == "code":
            current.append(line)
    if kind and current:
        found.append((kind, start, "\n".join(current)))
    return found


def _module_forbidden(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def _code_lines(source: str, first: int, last: int) -> int:
    lines = source.splitlines()[first - 1:last]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def code_findings(source: str, start: int = 1) -> list[tuple[int, str]]:
    """(line, what) for each breach of the rule in one code cell's source."""
    tree = ast.parse(source)
    numpy_names = set()
    found = []

    def at(node):
        return start + node.lineno - 1

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _module_forbidden(alias.name):
                    found.append((at(node), f"imports {alias.name}"))
                elif alias.name == "numpy":
                    numpy_names.add(alias.asname or "numpy")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if _module_forbidden(module):
                found.append((at(node), f"imports {module}"))
            elif module == "numpy":
                for alias in node.names:
                    if alias.name not in NUMPY_PRESENTATION:
                        found.append((at(node), f"uses numpy.{alias.name} (not presentation)"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in numpy_names and node.attr not in NUMPY_PRESENTATION):
            found.append((at(node), f"uses numpy.{node.attr} (not presentation)"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = (func.attr if isinstance(func, ast.Attribute)
                    else func.id if isinstance(func, ast.Name) else None)
            if name in STAT_CALLS:
                found.append((at(node), f"computes a statistic: {name}()"))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Pow):
            found.append((at(node), "computes a power (**)"))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, float)
              and node.value in CRITICAL_VALUES):
            found.append((at(node), f"types a critical value ({node.value})"))
        elif isinstance(node, ast.ClassDef):
            found.append((at(node), f"defines a class ({node.name})"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            size = _code_lines(source, node.lineno, node.end_lineno)
            if size > MAX_HELPER_LINES:
                found.append((at(node), f"helper {node.name}() has {size} lines of code "
                                        f"(at most {MAX_HELPER_LINES})"))
    return sorted(set(found))


def markdown_findings(source: str, start: int = 1) -> list[tuple[int, str]]:
    """(line, what) for each code name in one markdown cell (reader text)."""
    found = []
    for number, line in enumerate(source.splitlines(), start):
        if _CHASM_NAME.search(line):
            found.append((number, "names the package in reader text (chasm.*)"))
        for quoted in _SNAKE.findall(line):
            if "/" in quoted or "." in quoted:
                continue  # a file path
            for word in _SNAKE_WORD.findall(quoted):
                found.append((number, f"code in reader text: `{word}`"))
    return sorted(set(found))


def measure(path: Path) -> dict:
    """{'code': [(line, what), ...], 'markdown': [(line, what), ...], 'code_lines': int} for one
    notebook script (code_lines: non-blank, non-comment lines of code cells, for information)."""
    code, markdown, lines = [], [], 0
    for kind, start, source in cells(path.read_text()):
        if kind == "markdown":
            markdown += markdown_findings(source, start)
        elif not source.lstrip().startswith("# ---"):  # jupytext header
            code += code_findings(source, start)
            lines += _code_lines(source, 1, len(source.splitlines()))
    return {"code": code, "markdown": markdown, "code_lines": lines}


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    scripts = [Path(a) for a in argv] or sorted((root / "notebooks").glob("[0-9][0-9]_*.py"))
    status = 0
    for script in scripts:
        m = measure(script)
        bad = m["code"] + m["markdown"]
        print(f"{script.name:28s} {m['code_lines']:4d} lines of code, "
              f"{len(bad)} finding{'s' * (len(bad) != 1)}")
        for number, what in bad:
            print(f"    line {number}: {what}")
        status = status or bool(bad)
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
