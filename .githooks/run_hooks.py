"""Run the local hooks of .pre-commit-config.yaml on the staged files, offline.

Each hook's ``entry`` runs on the staged files its ``files`` pattern and ``types`` select (as
pre-commit would). A hook that fails, or that changes a file (jupytext syncing a pair,
outputs stripped), stops the commit: review the change, ``git add`` it, commit again. The
``pre-commit`` package works with the same file where it is installed and the network allows.
"""

import hashlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

root = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                           text=True, check=True).stdout.strip())
staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"],
                        capture_output=True, text=True, check=True, cwd=root).stdout
files = [f for f in staged.split("\0") if f]
config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
TYPES = {"python": (".py",), "jupyter": (".ipynb",), "yaml": (".yaml", ".yml")}


def digest(names):
    return {n: hashlib.sha256((root / n).read_bytes()).hexdigest()
            for n in names if (root / n).is_file()}


failed = False
for repo in config.get("repos", []):
    for hook in repo.get("hooks", []):
        chosen = [f for f in files if re.search(hook.get("files", ""), f)
                  and all(f.endswith(TYPES.get(t, ("",))) for t in hook.get("types", []))]
        if not chosen:
            continue
        before = digest(chosen)
        code = subprocess.call([*shlex.split(hook["entry"]), *chosen], cwd=root)
        moved = [n for n, h in digest(chosen).items() if before.get(n) != h]
        if code or moved:
            failed = True
            print(f"hook {hook['id']}: " + (f"failed (exit {code})" if code else
                  "changed " + ", ".join(moved) + ": review, git add, commit again"),
                  file=sys.stderr)
sys.exit(1 if failed else 0)
