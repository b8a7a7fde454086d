"""chasm: re-examining the survey figures quoted in "The Chasm Between Us" (REM, 2025).

Two layers. ``chasm.stats`` holds the statistics: numbers in, numbers out, nothing that reads a
file or knows the metadata. The modules beside it apply those statistics to the tidy table of
published figures, one module per thing the notebooks do. Modules are imported lazily:
importing ``chasm`` pulls in neither statsmodels nor seaborn.

Statistics (``chasm.stats``):

- ``stats.design``        design effect from a published error table, effective sample size
- ``stats.intervals``     confidence interval for one published share (on effective counts)
- ``stats.twosample``     score test and interval, equivalence, detectable change (two shares)
- ``stats.multiplicity``  Holm and Benjamini-Hochberg adjustment of a family of p-values
- ``stats.frechet``       Frechet bounds and other pick-all-that-apply arithmetic
- ``stats.partitions``    a total and its subgroups: weights, identity, missing cell, vs rest
- ``stats.trend``         a share over waves: logistic trend, heterogeneity, robust trends
- ``stats.sensitivity``   smallest equivalence margin, tipping points, power, Bayes share
- ``stats.rounding``      rounding of published integers as uniform noise on the variance
- ``stats.posterior``     posterior of a change with rounding as a latent interval
- ``stats.nonsampling``   wave-level error: tipping SD of a verdict, estimate from a tracker
- ``stats.design_analysis`` power, type S and exaggeration ratio (Gelman & Carlin 2014)
- ``stats.decomposition`` Kitagawa decomposition into composition and within-group change

Tables and reports:

- ``paths``         every project path, found from the package location
- ``io``            load and validate the raw files, write processed tables
- ``worded``        turn worded figures ("about a third", "35-40%") into point and interval
- ``text``          the one text policy: no invisible characters in, none out; URLs only http(s)
- ``figures``       questions asked of the tidy figures table (cells, sources, best figure)
- ``uncertainty``   02_uncertainty: the size behind and the interval of every figure
- ``waves``         03_waves: every option two waves share, tested and adjusted
- ``multiresponse`` 04_multiresponse: the options of a pick-all-that-apply question, bounded
- ``subgroups``     05_subgroups: published breakdowns against their totals
- ``weights``       the one policy for subgroup weights and sizes (age, approval)
- ``series``        08_series: one share over every published wave, with its sources
- ``methods``       09_methods: posterior, wave-level error, design analysis, decomposition
- ``claims``        claims registers, one per text (the essay's the main one): loading, evaluation
- ``rules``         the registers' verdict rules, one per kind of claim
- ``compare``       the one comparison engine: every two-share comparison as one record
- ``plan``          the analysis plan: each comparison's family and the family's method
- ``verdicts``      the verdict vocabulary, one rule per word; provenance apart
- ``sensitivity``   tipping points and preference falsification of the register's verdicts
- ``report``        notebook parameters, sentences, number formats, tables
- ``plots``         one seaborn theme, deterministic SVG figures with their CSV
- ``display``       tables for people: plain headers, formats by column, links, no index
- ``site``          the reader pages: one page per run, landing page, claims register page
- ``params``        a run's params file, checked against its notebook before any kernel
- ``manifest``      content stamps of each run's inputs, so make follows content, not dates
- ``guard``         one make per checkout, the checkout's own package, no late publishing
- ``kernel``        warm kernels: a jupyter_client provisioner that forks them from a template
- ``kernel_template`` the template process: imports the heavy libraries once, forks kernels
- ``build``         run one notebook with one params file into reports/ (used by make)

All shares at the package's public interfaces are percentages (0-100), as published.
"""

__version__ = "0.1.0"
