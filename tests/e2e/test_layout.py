"""The package's layout: documented where a newcomer looks, and layered as documented.

README's layout and each package docstring must list exactly the modules that exist (private
``_`` modules excepted), so that adding, renaming or removing a module without saying where it
belongs fails here. Each layer imports only the layers above it in ``chasm.__doc__``'s list:
a module imports nothing from a later layer, at the top of the file or inside a function.
"""

import ast
import importlib
import re

import pytest

import chasm
from chasm import paths

PACKAGE = paths.ROOT / "src" / "chasm"
#: the layers in order (chasm.__doc__): a module may import from its own layer or an earlier one
LAYERS = re.findall(r"^- ``(\w+)``", chasm.__doc__, flags=re.M)
SUBPACKAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def _modules(folder) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}


def _readme_line(prefix: str) -> set[str]:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith(prefix + " "))
    return {name.strip() for name in line.split(":", 1)[1].split(",")}


def _layer(module: str) -> str | None:
    """The layer of ``chasm.<layer>[.<module>]`` (None outside the package)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "chasm" and len(parts) > 1 else None


def _imports(path) -> list[tuple[str, int]]:
    """Every ``chasm`` module ``path`` imports, with its line (top level or in a function)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import at line {node.lineno}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chasm"):
            names = [f"{node.module}.{a.name}" for a in node.names] if node.module == "chasm" \
                else [node.module]
            found += [(name, node.lineno) for name in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("chasm")]
    return found


def test_layers_are_the_top_level_modules_and_subpackages():
    assert set(LAYERS) == _modules(PACKAGE) | set(SUBPACKAGES)


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_readme_and_docstring_list_exactly_the_modules(sub):
    assert _readme_line(f"src/chasm/{sub}/") == _modules(PACKAGE / sub)
    doc = importlib.import_module(f"chasm.{sub}").__doc__
    assert set(re.findall(r"^- ``(\w+)``", doc, flags=re.M)) == _modules(PACKAGE / sub)


def test_readme_lists_the_top_level_modules():
    assert _readme_line("src/chasm/") == _modules(PACKAGE)


def test_each_layer_imports_only_earlier_layers():
    upward = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _layer(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for module, line in _imports(path):
            there = _layer(module)
            if there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                upward.add((str(path.relative_to(PACKAGE)), module, line))
    unexpected = sorted(upward)
    assert not unexpected, "imports from a later layer:\n" + "\n".join(
        f"  {p}:{line} imports {m}" for p, m, line in unexpected)


def test_stats_layer_reads_no_files():
    for path in (PACKAGE / "stats").glob("*.py"):
        text = path.read_text()
        assert "open(" not in text and "read_csv" not in text, f"{path.name} reads a file"


def test_the_layer_check_sees_an_upward_import(tmp_path):
    """The check itself works: a stats module importing the data layer is found."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from chasm.data import load\n")
    assert _imports(probe) == [("chasm.data", 2)]
    assert LAYERS.index("data") > LAYERS.index("stats")
