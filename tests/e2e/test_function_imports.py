"""The package imports its own modules at the top of each file (issue 20).

An import of ``chasm.*`` inside a function had hidden the claims <-> rules cycle and made a
module's dependencies invisible at its top. One stays only where a cycle with a third-party
import or a measured import cost forces it, and then DESIGN.md ("Layers and what goes where")
lists it with its reason: this test reads that list, fails on any function-level import of
the package that is not in it, and fails on an entry no longer needed.
"""

import ast
import re

from chasm import paths

PACKAGE = paths.ROOT / "src" / "chasm"
#: DESIGN.md's allow-list: ``- `<file>` → `<module>`: <reason>``.
ALLOWED_LINE = re.compile(r"^- `(?P<file>[\w/]+\.py)` → `(?P<module>chasm[\w.]*)`: (?P<why>\S.*)$",
                          re.M)


def _module(node: ast.ImportFrom | ast.Import) -> list[str]:
    """The ``chasm`` modules an import statement imports (``from chasm.x import y`` names
    ``chasm.x.y`` where ``y`` is a module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "chasm"]
    if (node.module or "").split(".")[0] != "chasm" or node.level:
        return []
    out = []
    for alias in node.names:
        sub = PACKAGE.parent.joinpath(*node.module.split("."), alias.name)
        is_module = sub.with_suffix(".py").exists() or (sub / "__init__.py").exists()
        out.append(f"{node.module}.{alias.name}" if is_module else node.module)
    return out


def function_level_imports(path) -> set[str]:
    """The ``chasm`` modules ``path`` imports inside a function (or a class body)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
            found.update(_module(node))
    return found


def allowed() -> dict[tuple[str, str], str]:
    """DESIGN.md's list: (file, module) -> reason."""
    design = (paths.ROOT / "DESIGN.md").read_text(encoding="utf-8")
    return {(m["file"], m["module"]): m["why"] for m in ALLOWED_LINE.finditer(design)}


def test_no_function_level_import_of_the_package_but_those_listed():
    listed = allowed()
    found = {(str(p.relative_to(PACKAGE)), module) for p in sorted(PACKAGE.rglob("*.py"))
             for module in function_level_imports(p)}
    new = sorted(found - set(listed))
    assert not new, ("imports of the package inside functions (move each to the top of its "
                     "file, or list it in DESIGN.md with what forces it):\n"
                     + "\n".join(f"  {f} imports {m}" for f, m in new))
    gone = sorted(set(listed) - found)
    assert not gone, f"listed but no longer imported inside a function, remove: {gone}"


def test_the_allow_list_gives_reasons():
    listed = allowed()
    assert listed, "DESIGN.md lists no function-level import: the pattern no longer matches"
    for (file, module), why in listed.items():
        assert (PACKAGE / file).exists(), file
        assert re.search(r"import cost|cycle", why), f"{file} -> {module}: {why}"


def test_the_check_sees_a_function_level_import(tmp_path):
    """The scanner itself works: imports inside a function are found, top-level ones not."""
    probe = tmp_path / "probe.py"
    probe.write_text("from chasm import paths\n\n\ndef f():\n    from chasm.data import load\n"
                     "    import chasm.text\n    from chasm.stats.design import deff\n")
    assert function_level_imports(probe) == {"chasm.data.load", "chasm.text",
                                             "chasm.stats.design"}
