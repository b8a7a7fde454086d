"""What make runs: one report per run, all or nothing, on warm kernels, followed by content.

- ``driver``          run one notebook with one params file into reports/; the index
- ``publish``         all or nothing: a run's staged outputs, a whole make's outputs
- ``stamps``          content stamps of each run's inputs, so make follows content, not dates
- ``guard``           one make per checkout, the checkout's own package, no late publishing
- ``kernel``          warm kernels: a jupyter_client provisioner that forks them from a template
- ``kernel_template`` the template process: imports the heavy libraries once, forks kernels

``python -m chasm.build <command>`` runs the driver (``__main__``).
"""
