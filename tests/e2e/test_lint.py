"""The code, tests and notebook scripts pass ruff (the same check the pre-commit hook runs)."""

import subprocess
import sys

from chasm import paths


def test_ruff_is_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                         cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
