"""The git hooks `make venv` installs (core.hooksPath = .githooks) run the hooks of
.pre-commit-config.yaml offline with the project's venv: a staged file that breaks a hook stops
the commit, a clean one passes; and `make clean` keeps the venv, `make distclean` removes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from chasm import paths

GIT = shutil.which("git")


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_the_pre_commit_hook_runs_the_configured_hooks_offline(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".githooks").mkdir(parents=True)
    for name in ("pre-commit", "run_hooks.py"):
        shutil.copy2(paths.ROOT / ".githooks" / name, repo / ".githooks" / name)
    shutil.copy(paths.ROOT / ".pre-commit-config.yaml", repo)
    (repo / ".venv").symlink_to(sys.prefix)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}

    def git(*args):
        return subprocess.run([GIT, "-C", str(repo), *args], capture_output=True, text=True,
                              env=env, timeout=60)

    assert git("init", "-q").returncode == 0
    assert git("config", "core.hooksPath", ".githooks").returncode == 0
    (repo / "bad.py").write_text("import os\n")  # an unused import: ruff refuses it
    git("add", "bad.py")
    out = git("commit", "-qm", "bad")
    assert out.returncode != 0 and "hook ruff: failed" in out.stderr, out.stdout + out.stderr
    (repo / "bad.py").write_text("import os\n\nprint(os.sep)\n")
    git("add", "bad.py")
    out = git("commit", "-qm", "good")
    assert out.returncode == 0, out.stdout + out.stderr


def test_clean_keeps_the_venv_and_distclean_removes_it():
    def dry(target):
        out = subprocess.run(["make", "-n", target, "VENV=.venv-x"], cwd=paths.ROOT,
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert ".venv-x" not in dry("clean") and "rm -rf .build" in dry("clean")
    assert "rm -rf .venv-x" in dry("distclean")
