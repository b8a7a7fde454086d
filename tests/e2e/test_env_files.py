"""One source of truth for the environment: pyproject.toml -> requirements.lock -> .venv / conda."""

import re
import sys
import tomllib
from importlib import metadata

import yaml
from packaging.requirements import Requirement

from chasm import paths


def _lock() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", line)
            assert m, f"requirements.lock line is not an exact pin: {line!r}"
            pins[re.sub(r"[-_.]+", "-", m[1]).lower()] = m[2]
    return pins


def _project() -> dict:
    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]


def test_every_dependency_is_pinned_in_the_lock():
    """Runtime dependencies and the dev extra (what make test runs) are all pinned."""
    lock = _lock()
    project = _project()
    assert set(project["optional-dependencies"]) == {"dev"}
    for dep in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name = re.sub(r"[-_.]+", "-", Requirement(dep).name).lower()
        assert name in lock, f"{name} is in pyproject.toml but not pinned in requirements.lock"


def test_environment_yml_installs_the_same_lock_and_python():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-r requirements.lock", "-e ."]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    assert python == "python=3.11"
    assert ">=3.11,<3.12" in _project()["requires-python"]


def test_the_running_environment_matches_the_lock():
    """The venv make built (and that runs the tests) has exactly the locked versions."""
    mismatched = {}
    for name, version in _lock().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            mismatched[name] = (version, None)
            continue
        if installed != version:
            mismatched[name] = (version, installed)
    assert not mismatched, f"installed vs lock differ: {mismatched}"
    assert sys.version_info[:2] == (3, 11)
