"""Parameters of one run, checked against its notebook before any kernel starts.

WHAT. ``notebooks/params/<run>.yaml`` maps parameter names to values for one run of a
notebook. :func:`declared` reads the notebook's cell tagged ``parameters`` (its names and
default values); :func:`load` reads a params file and checks it against them.

WHY. papermill pastes each pair into the notebook as ``name = value`` code: a name that is not
an identifier would be executed as code, a misspelt name only draws a warning (the run goes on
with the default, and the index would list the typo as applied), and YAML happily reads
``.inf``, duplicate keys or ``yes`` where a number belongs. Each of these is refused here with
one :class:`ParameterFileError` naming the params file, the line, the key and the value as
written, so a run either uses exactly what its file says or does not start.

RULES (one per check, in this order): the file is a YAML mapping read by the one strict YAML
reading of every input (:func:`chasm.data.schema.compose_yaml`: no anchors, aliases or explicit
tags, syntax errors with their line); every key is a Python identifier, not a keyword, not
``run`` (make sets it), appears once and is declared by the notebook; every value is a plain
scalar or a list of scalars; a number is finite; a value's type matches its default (a number
for a number, text for text, a list for a list; a default of None accepts a number, text, a list
or null, as the notebook documents for that parameter (08's ``waves``); a boolean only where the
default is a boolean). The notebook's names and defaults are read by papermill
(:func:`declared`).

A params value is a papermill parameter, pasted into the notebook as Python: its number grammar
(:data:`_NUMBER`) is Python's decimal literal (sign and exponent allowed, ``1e-3``), not the data
files' (:data:`chasm.data.cells.NUMERAL`, which refuses an exponent no source writes).
"""

from __future__ import annotations

import ast
import difflib
import json
import keyword
import math
import re
from pathlib import Path

import yaml

from chasm import paths
from chasm import text as text_policy
from chasm.data.schema import RawDataError, compose_yaml

#: The parameter make sets for every run (the run's name); a params file may not set it.
RUN = "run"
_NULL = {"null", "Null", "NULL", "~", ""}
#: The one number grammar: ASCII digits, an optional sign, decimal point and exponent.
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


class ParameterFileError(ValueError):
    """A params file cannot be used as written; the message names file, line, key and value."""


class ParameterError(ValueError):
    """A notebook parameter the data or the analysis cannot take; the message names it and
    what is allowed. Raised by the analysis layer's selections (so it lives below them) and by
    ``chasm.report.check_params``, which re-exports it."""


def declared(nb_path: Path) -> dict[str, object]:
    """Names and default values of the notebook's ``parameters`` cell, in order.

    papermill reads the cell (its Python translator's ``inspect``, what
    ``papermill.inspect_notebook`` uses, without needing the notebook's kernel);
    every default must be a literal (numbers, text, None, booleans, lists): a default that is
    not one could not be checked against, so it is refused. Exactly one cell is tagged
    ``parameters`` (papermill would silently use the first).
    """
    from papermill.translators import PythonTranslator

    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    where = paths.relative(Path(nb_path))
    if len(cells) != 1:
        raise ParameterFileError(f"{where}: needs exactly one cell tagged 'parameters', "
                                 f"found {len(cells)}")
    out: dict[str, object] = {}
    source = "".join(cells[0]["source"])
    for parameter in PythonTranslator.inspect({"source": source}):
        try:
            out[parameter.name] = ast.literal_eval(parameter.default)
        except (ValueError, SyntaxError):
            raise ParameterFileError(f"{where}: parameter {parameter.name!r} needs a literal "
                                     f"default (it is {parameter.default})") from None
    return out


def _fail(where: str, node: yaml.Node, key: str | None, message: str) -> ParameterFileError:
    line = node.start_mark.line + 1
    text = f"{where}, line {line}" + (f", key {key!r}" if key is not None else "")
    return ParameterFileError(f"{text}: {message}")


def _scalar(where: str, key: str, node: yaml.Node) -> object:
    """The value of a plain scalar node, typed by YAML's core schema but read from its text."""
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(where, node, key, "a value must be a number, text, null or true/false "
                    "(or a list of those)")
    if node.tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int",
                        "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                        "tag:yaml.org,2002:null"):
        raise _fail(where, node, key, f"tags are not allowed (value {node.value!r} tagged "
                    f"{node.tag})")
    try:  # the one text policy (chasm.text): no invisible or control characters
        text_policy.check(node.value)
    except ValueError as err:
        raise _fail(where, node, key, f"value {node.value!r} {err}") from None
    if node.style is not None:  # quoted: text, whatever it looks like
        return node.value
    text = node.value
    if text in _NULL:
        return None
    if text in ("true", "false"):
        return text == "true"
    if text.lower() in ("yes", "no", "on", "off", "y", "n", "true", "false"):
        raise _fail(where, node, key, f"value {text!r} is ambiguous in YAML: write true or false "
                    "for a switch, or quote it for text")
    if text.lower().lstrip("+-") in (".inf", ".nan", "inf", "nan", "infinity"):
        raise _fail(where, node, key, f"value {text!r} is not a finite number")
    if not _NUMBER.fullmatch(text):
        numeric_tag = node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        if numeric_tag or any(c.isdigit() and not c.isascii() for c in text):
            raise _fail(where, node, key, f"value {text!r} is not a plain decimal number "
                        "(ASCII digits, one optional decimal point)")
        return text
    number = float(text) if any(c in text for c in ".eE") else int(text, 10)
    if not math.isfinite(number):
        raise _fail(where, node, key, f"value {text!r} is not a finite number")
    return number


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "list"
    return "text"


def _check_type(where: str, node: yaml.Node, key: str, value: object, default: object) -> None:
    got, want = _kind(value), _kind(default)
    if got == want or (want == "null" and got in ("number", "text", "list")) or got == "null":
        return
    written = node.value if isinstance(node, yaml.ScalarNode) else value
    raise _fail(where, node, key, f"value {written!r} is {got}; the notebook's default is "
                f"{want} ({default!r})")


def load(params_path: Path, nb_path: Path) -> dict[str, object]:
    """The parameters a params file sets, checked against ``nb_path``'s parameters cell.

    Raises :class:`ParameterFileError` on the first problem (see the module docstring). An empty
    file means: every default.
    """
    params_path = Path(params_path)
    where = paths.relative(params_path)
    try:  # the one strict YAML reading (no anchors, aliases or tags; syntax with its line)
        root, _ = compose_yaml(params_path)
    except RawDataError as err:
        raise ParameterFileError(str(err)) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise _fail(where, root, None, "a params file must be a mapping of parameter: value")
    notebook = declared(nb_path)
    out: dict[str, object] = {}
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _fail(where, key_node, None, "a parameter name must be a plain name")
        key = key_node.value
        if not key.isidentifier() or keyword.iskeyword(key) or not key.isascii():
            raise _fail(where, key_node, key, "a parameter name must be a Python identifier")
        if key == RUN:
            raise _fail(where, key_node, key, "'run' is set by make from the file name")
        if key in out:
            raise _fail(where, key_node, key, "the parameter is set twice")
        if key not in notebook:
            near = difflib.get_close_matches(key, notebook, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise _fail(where, key_node, key, f"{paths.relative(Path(nb_path))} has no such "
                        f"parameter; {hint}known: {', '.join(k for k in notebook if k != RUN)}")
        if isinstance(value_node, yaml.SequenceNode):
            value = [_scalar(where, key, item) for item in value_node.value]
        else:
            value = _scalar(where, key, value_node)
        _check_type(where, value_node, key, value, notebook[key])
        out[key] = value
    return out

