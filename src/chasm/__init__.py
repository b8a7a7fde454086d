"""chasm: re-examining the survey figures quoted in "The Chasm Between Us" (REM, 2025).

Modules (imported lazily; importing ``chasm`` pulls in neither statsmodels nor seaborn):

- ``paths``         every project path, found from the package location
- ``io``            load and validate the raw files, write processed tables
- ``worded``        turn worded figures ("about a third", "35-40%") into point and interval
- ``design``        design effect from a published error table, effective sample size
- ``intervals``     interval for one published share (Wilson / Korn-Graubard on n_eff)
- ``waves``         two-wave score tests, multiplicity adjustment, equivalence
- ``multiresponse`` Frechet bounds and other pick-all-that-apply arithmetic
- ``subgroups``     population weights, weighted-average identity, subgroup vs rest, Bayes
- ``claims``        the essay's claims register and its verdict rules
- ``plots``         one seaborn theme, deterministic SVG figures with their CSV
- ``report``        notebook parameters, tables and the report index
- ``build``         run one notebook with one params file into reports/ (used by make)

All shares at the package's public interfaces are percentages (0-100), as published.
"""

__version__ = "0.1.0"
