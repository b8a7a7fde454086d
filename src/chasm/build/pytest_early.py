"""A pytest plugin loaded before the installed ones (``-p chasm.build.pytest_early`` in
pyproject's addopts): pytest imports ``-p`` plugins before its entry-point plugins, and nbval,
one of those, imports nbformat. Importing it imports :mod:`chasm.build`, which skips the
rfc3987_syntax import first (see there), so no pytest process or worker pays for that grammar.
conftest.py comes too late for this: it is read after every installed plugin."""
