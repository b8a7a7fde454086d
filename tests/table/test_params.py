"""Params files checked against their notebook before any kernel starts (chasm.data.params)."""

import json

import pytest

from chasm import paths
from chasm.build import driver
from chasm.data import params
from chasm.data.params import ParameterFileError

PARAMETERS = 'run = "x"  # set by make\ndeff = None\nalpha = 0.05\nwave = "2024-03"\nn = None\n'


@pytest.fixture
def notebook(tmp_path):
    """A notebook with a parameters cell like the project's."""
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": PARAMETERS, "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "notebooks" / "99_demo.ipynb"
    (tmp_path / "notebooks" / "params").mkdir(parents=True)
    path.write_text(json.dumps(nb))
    return path


def load(notebook, text, name="99_demo--x.yaml"):
    path = notebook.parent / "params" / name
    path.write_text(text, encoding="utf-8")
    return params.load(path, notebook)


def test_a_list_may_be_given_where_the_default_is_none(notebook):
    """08_series documents ``waves = None  # list of waves``: a params file can set it."""
    assert load(notebook, 'n: ["2024-03", "2025-04"]\n') == {"n": ["2024-03", "2025-04"]}
    path = notebook.parent / "params" / "08_series--waves.yaml"
    path.write_text('waves: ["2024-03", "2025-04"]\n')
    real = paths.NOTEBOOKS / "08_series.ipynb"
    assert params.load(path, real) == {"waves": ["2024-03", "2025-04"]}
    with pytest.raises(ParameterFileError, match="key 'alpha'.*is list"):
        load(notebook, "alpha: [0.1]\n")


def test_declared_reads_names_and_defaults(notebook):
    assert params.declared(notebook) == {"run": "x", "deff": None, "alpha": 0.05,
                                         "wave": "2024-03", "n": None}


def test_good_files(notebook):
    assert load(notebook, "") == {}
    assert load(notebook, "# all defaults\n{}\n") == {}
    assert load(notebook, 'deff: 2.5\nalpha: 0.1\nwave: "2025-04"\nn: 1500\n') == {
        "deff": 2.5, "alpha": 0.1, "wave": "2025-04", "n": 1500}
    assert load(notebook, "wave: 2025-04\ndeff: null\n") == {"wave": "2025-04", "deff": None}


@pytest.mark.parametrize("text, line, key, pattern", [
    ("Deff: 2.5\n", 1, "Deff", r"no such parameter; did you mean 'deff'\?"),
    ("deff: 2.5\nalpha: 0.1\ndeff: 3\n", 3, "deff", "set twice"),
    ('"x = 1; import os": 1\n', 1, "x = 1; import os", "must be a Python identifier"),
    ("class: 1\n", 1, "class", "must be a Python identifier"),
    ("run: other\n", 1, "run", "set by make"),
    ("deff: .inf\n", 1, "deff", r"'\.inf' is not a finite number"),
    ("deff: -.Inf\n", 1, "deff", "not a finite number"),
    ("deff: .nan\n", 1, "deff", "not a finite number"),
    ("alpha: 0.05\nn: yes\n", 2, "n", "'yes' is ambiguous"),
    ("alpha: true\n", 1, "alpha", "is true/false; the notebook's default is number"),
    ("alpha: [0.05, 0.1]\n", 1, "alpha", "is list; the notebook's default is number"),
    ("wave: 5\n", 1, "wave", "is number; the notebook's default is text"),
    ("n: 3_7\n", 1, "n", "'3_7' is not a plain decimal number"),
    ("n: １６００\n", 1, "n", "'１６００' is not a plain decimal number"),
    ("n: ١٦٠٠\n", 1, "n", "not a plain decimal number"),
    ("deff: {a: 1}\n", 1, "deff", "must be a number, text, null"),
])
def test_bad_values_name_file_line_key_and_value(notebook, text, line, key, pattern):
    with pytest.raises(ParameterFileError) as err:
        load(notebook, text)
    message = str(err.value)
    assert message.startswith(f"{paths.relative(notebook.parent / 'params' / '99_demo--x.yaml')}"
                              f", line {line}, key {key!r}: "), message
    assert __import__("re").search(pattern, message), message


def test_aliases_refused_before_anything_is_built(notebook):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    bomb += "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n"
    with pytest.raises(ParameterFileError, match=r"line 1: value 'a': YAML anchors and aliases"):
        load(notebook, bomb)


@pytest.mark.parametrize("text, pattern", [
    ("- deff\n- 2\n", r"line 1: a params file must be a mapping"),
    ("deff: [1, 2\n", r"line 2: is not valid YAML"),
    ("deff: 1\n  alpha: 2\n", r"line 2: is not valid YAML"),
    ("deff: !!python/name:os.system 1\n", r"line 1: value .*: explicit YAML tags are not allowed"),
])
def test_structure_and_syntax(notebook, text, pattern):
    with pytest.raises(ParameterFileError, match=pattern):
        load(notebook, text)


def test_declared_requires_one_literal_parameters_cell(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": "deff = compute()\n", "outputs": []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(ParameterFileError, match="needs a literal default"):
        params.declared(path)
    nb["cells"] = []
    path.write_text(json.dumps(nb))
    with pytest.raises(ParameterFileError, match="exactly one cell tagged 'parameters'"):
        params.declared(path)


def test_build_reports_it_as_one_build_error(notebook):
    path = notebook.parent / "params" / "99_demo.yaml"
    path.write_text("Deff: 2\n")
    with pytest.raises(driver.BuildError, match="did you mean 'deff'"):
        driver.load_params(path)  # the notebook is found from the file name


@pytest.mark.parametrize("params_path", sorted(paths.PARAMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_committed_params_file_loads(params_path):
    driver.load_params(params_path)
