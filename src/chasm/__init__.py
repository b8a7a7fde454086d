"""chasm: re-examining the survey figures quoted in "The Chasm Between Us" (REM, 2025).

Layers, each importing only those above it in this list (``tests/e2e/test_layout.py``):

- ``paths``     every project path, found from the package location
- ``text``      the one text policy: no invisible characters in, none out; URLs only http(s)
- ``formats``   how a number, p-value, level or method name is written in text: one home
- ``stats``     statistics, numbers in and out: nothing that reads a file or knows the metadata
- ``data``      every input read and checked against its schema; the tidy figures table
- ``analysis``  the statistics applied to the tidy figures: the comparison engine, the plan,
  waves, pick-all-that-apply options, breakdowns and their weights, series, methods
- ``register``  claims registers, one per text: claims, rules, verdicts, their sensitivity
- ``tables``    tables for people: plain headers, formats by column, links, no index
- ``svg``       a chart as a file: byte-stable SVG, text as text, metadata, a phone layout
- ``plots``     one seaborn theme, what each chart draws, saved with its CSV
- ``report``    what notebooks call to check parameters and show or save what they computed
- ``site``      the reader pages from Jinja2 templates
- ``build``     what make runs: one report per run, all or nothing, on warm kernels

Each subpackage's docstring lists its modules. Modules are imported lazily where they are
heavy: importing ``chasm`` pulls in neither statsmodels nor seaborn.

All shares at the package's public interfaces are percentages (0-100), as published.
"""

__version__ = "0.1.0"
