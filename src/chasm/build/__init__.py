"""What make runs: one report per run, all or nothing, on warm kernels, followed by content.

- ``driver``          run one notebook with one params file into reports/; the index
- ``publish``         all or nothing: a run's staged outputs, a whole make's outputs
- ``stamps``          content stamps of each run's inputs, so make follows content, not dates
- ``guard``           one make per checkout, the checkout's own package, no late publishing
- ``kernel``          warm kernels: a jupyter_client provisioner that forks them from a template
- ``kernel_template`` the template process: imports the heavy libraries once, forks kernels
- ``pytest_early``    a pytest plugin loaded before the others (``-p`` in pyproject's addopts)

``python -m chasm.build <command>`` runs the driver (``__main__``).

Importing this package skips one import for every process that uses the build or its tests:
nbformat validates with jsonschema, whose optional "iri" format checker imports rfc3987_syntax,
which compiles a grammar at import (1.3 s on the machine of 2026-12-04, 7 s on a slower one,
in every build, every pytest worker and nbval). nbformat's schema uses no iri format.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)
