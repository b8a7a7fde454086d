"""pytest setup for the whole repository (unit tests and nbval over reports/).

When nbval re-executes a committed report, the notebook would write its tables, figures and
processed data again; CHASM_STAGING sends those writes to a temporary folder so that tests
never touch committed files.
"""

import os
import sys
import tempfile

# Same import shortcut as chasm.build (nbval reads notebooks with nbformat): see build.py.
sys.modules.setdefault("rfc3987_syntax", None)

os.environ.setdefault("CHASM_STAGING", tempfile.mkdtemp(prefix="chasm-nbval-"))
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
