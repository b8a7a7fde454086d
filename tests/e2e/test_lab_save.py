"""JupyterLab keeps the jupytext pairing: a save through the Jupyter server (its contents API,
what JupyterLab calls) from the root ``make lab`` serves writes both files of the pair and
touches no report."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chasm import paths

JUPYTER = Path(sys.prefix) / "bin" / "jupyter"
NOTEBOOK = "03_waves"

pytestmark = pytest.mark.skipif(not JUPYTER.exists(), reason="jupyter is not installed")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read() or b"{}")


def test_make_lab_serves_the_repository_root_and_opens_on_notebooks():
    out = subprocess.run(["make", "-n", "lab", f"VENV={sys.prefix}", "STAMP=/dev/null"],
                         cwd=paths.ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f'--ServerApp.root_dir="{paths.ROOT}"' in out.stdout
    assert "--ServerApp.default_url=/lab/tree/notebooks" in out.stdout
    assert "--notebook-dir" not in out.stdout


def test_a_save_through_the_server_writes_both_files_of_the_pair(tmp_path):
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "reports").mkdir()
    shutil.copy(paths.ROOT / "jupytext.toml", root)
    for suffix in (".ipynb", ".py"):
        shutil.copy(paths.NOTEBOOKS / f"{NOTEBOOK}{suffix}", root / "notebooks")
    (root / "reports" / f"{NOTEBOOK}.ipynb").write_text("committed report\n")
    port, token = _port(), "chasm-test-token"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(
        [str(JUPYTER), "server", f"--ServerApp.root_dir={root}", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         "--ServerApp.open_browser=False", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.time() + 60
        while True:
            try:
                _call(f"{base}/status", token)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.time() < deadline, "the Jupyter server did not start"
                time.sleep(0.3)
        model = _call(f"{base}/contents/notebooks/{NOTEBOOK}.ipynb?content=1", token)
        nb = model["content"]
        cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
        cell["source"] = "".join(cell["source"]) + "\n\nEdited in Lab (test)."
        _call(f"{base}/contents/notebooks/{NOTEBOOK}.ipynb", token, "PUT",
              {"type": "notebook", "format": "json", "content": nb})
    finally:
        server.terminate()
        server.wait(timeout=20)
    script = (root / "notebooks" / f"{NOTEBOOK}.py").read_text(encoding="utf-8")
    stored = (root / "notebooks" / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
    assert "# Edited in Lab (test)." in script, "the .py of the pair was not updated"
    assert "Edited in Lab (test)." in stored
    assert (root / "reports" / f"{NOTEBOOK}.ipynb").read_text() == "committed report\n"
    assert sorted(p.name for p in (root / "reports").iterdir()) == [f"{NOTEBOOK}.ipynb"]
