"""The package's layout is documented where a newcomer looks: README's layout and ``__init__``.

Both must list exactly the modules that exist (private ``_`` modules excepted), so that adding,
renaming or removing a module without saying where it belongs fails here.
"""

import re

import chasm
import chasm.stats
from chasm import paths

PACKAGE = paths.ROOT / "src" / "chasm"


def _modules(folder) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}


def _readme_line(prefix: str) -> set[str]:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith(prefix + " "))
    return {name.strip() for name in line.split(":", 1)[1].split(",")}


def test_readme_layout_lists_exactly_the_modules():
    assert _readme_line("src/chasm/stats/") == _modules(PACKAGE / "stats")
    assert _readme_line("src/chasm/") == _modules(PACKAGE)


def test_package_docstrings_list_exactly_the_modules():
    listed = set(re.findall(r"^- ``([a-z_.]+)``", chasm.__doc__, flags=re.M))
    expected = _modules(PACKAGE) | {f"stats.{m}" for m in _modules(PACKAGE / "stats")}
    assert listed == expected
    in_stats = set(re.findall(r"^- ``([a-z_]+)``", chasm.stats.__doc__, flags=re.M))
    assert in_stats == _modules(PACKAGE / "stats")


def test_stats_layer_reads_no_files_and_no_metadata():
    """The statistics layer imports nothing from the table layer (paths, io, figures, ...)."""
    table_modules = _modules(PACKAGE)
    for path in (PACKAGE / "stats").glob("*.py"):
        text = path.read_text()
        for module in table_modules:
            assert not re.search(rf"from chasm(\.| import ){module}\b|from \.\.{module}\b", text), (
                f"{path.name} imports the table-layer module {module}")
        assert "open(" not in text and "read_csv" not in text, f"{path.name} reads a file"
