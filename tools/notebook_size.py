"""How much logic a notebook carries: lines of code outside ``report.say(...)`` prose.

A thin notebook is narrative, one call per computed table, a figure, and sentences built from
computed values (DESIGN.md, "Layers and what goes where"). This counts, per notebook script
(``notebooks/NN_*.py``, the jupytext pair), the non-blank, non-comment lines of its code cells
that are not part of a ``report.say(...)`` call, and lists any function definition or loop
(``def``, ``for``, ``while``, comprehensions excepted) it contains. ``tests/e2e/test_notebooks.py``
holds every notebook to :data:`MAX_CODE_LINES` and to no definitions or loops.

Usage: ``python tools/notebook_size.py [notebooks/NN_name.py ...]``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

#: Target of the architecture issue: no notebook above this many lines of code outside say().
MAX_CODE_LINES = 60


def code_cells(text: str) -> list[tuple[int, str]]:
    """(first line number, source) of each code cell of a jupytext percent script."""
    cells, current, start, is_code = [], [], 1, False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            if is_code and current:
                cells.append((start, "\n".join(current)))
            current, start = [], number + 1
            is_code = "[markdown]" not in line
        elif is_code:
            current.append(line)
    if is_code and current:
        cells.append((start, "\n".join(current)))
    return cells


def _is_say(node: ast.AST) -> bool:
    func = getattr(node, "func", None)
    return isinstance(node, ast.Call) and (
        (isinstance(func, ast.Attribute) and func.attr == "say")
        or (isinstance(func, ast.Name) and func.id == "say"))


def measure(path: Path) -> dict:
    """{'code_lines': int, 'logic': [(line, what), ...]} for one notebook script (imports and
    say() sentences are not counted: neither is analysis code)."""
    lines, logic = 0, []
    for start, source in code_cells(path.read_text()):
        if source.lstrip().startswith("# ---"):  # jupytext header
            continue
        tree = ast.parse(source)
        prose: set[int] = set()
        for node in ast.walk(tree):
            if _is_say(node) or isinstance(node, (ast.Import, ast.ImportFrom)):
                prose.update(range(node.lineno, node.end_lineno + 1))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                logic.append((start + node.lineno - 1, "function definition"))
            if isinstance(node, (ast.For, ast.While)):
                logic.append((start + node.lineno - 1, "loop"))
        for number, line in enumerate(source.splitlines(), 1):
            text = line.strip()
            if text and not text.startswith("#") and number not in prose:
                lines += 1
    return {"code_lines": lines, "logic": logic}


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    scripts = [Path(a) for a in argv] or sorted((root / "notebooks").glob("[0-9][0-9]_*.py"))
    worst = 0
    for script in scripts:
        m = measure(script)
        flag = "" if m["code_lines"] <= MAX_CODE_LINES and not m["logic"] else "  <- too much"
        print(f"{script.name:28s} {m['code_lines']:4d} lines of code outside say(){flag}")
        for number, what in m["logic"]:
            print(f"    line {number}: {what}")
        worst = max(worst, m["code_lines"] if not m["logic"] else 10**6)
    return 0 if worst <= MAX_CODE_LINES else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
