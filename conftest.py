"""pytest setup for the whole repository (unit tests and nbval over reports/).

When nbval re-executes a committed report, the notebook would write its tables, figures and
processed data again; CHASM_STAGING sends those writes to a temporary folder so that tests
never touch committed files.

Kernels (nbval's, and those of the makes the end-to-end tests run in copies of the project)
are forked from warm templates owned by this session (``CHASM_WARM_OWNER``, see
``chasm.kernel``): they exit when the session ends. nbval's kernels get the string hash seed
the builder gives its kernels, so they and the copies' builds share one template.
"""

import os
import sys
import tempfile

# Same import shortcut as chasm.build (nbval reads notebooks with nbformat): see build.py.
sys.modules.setdefault("rfc3987_syntax", None)

# pytest-xdist (make test runs two workers): the workers inherit the controller's environment,
# so the staging folder this file made there would be shared; each worker gets its own (two
# reports re-executed at once must not write into one folder). The warm-kernel owner stays the
# controller: the workers' kernels share its template (chasm.kernel serialises its start).
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("CHASM_STAGING_BY") == "conftest":
    os.environ["CHASM_STAGING"] = tempfile.mkdtemp(prefix="chasm-nbval-")
if "CHASM_STAGING" not in os.environ:
    os.environ["CHASM_STAGING"] = tempfile.mkdtemp(prefix="chasm-nbval-")
    os.environ["CHASM_STAGING_BY"] = "conftest"
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("CHASM_WARM_OWNER", str(os.getpid()))
