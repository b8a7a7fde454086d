"""Numbers in, numbers out: the statistics of published survey shares.

Nothing here reads a file or knows a wave, a question or the metadata; every function takes
shares as published percentages (0-100) and sample sizes, design effects and levels as
numbers, and checks them (``ValueError`` naming the argument and the value).

- ``design``        design effect from a published error table, effective sample size
- ``intervals``     confidence interval for one share (Wilson / exact on effective counts)
- ``twosample``     score test, score interval, equivalence and detectable change for two shares
- ``multiplicity``  Holm and Benjamini-Hochberg adjustment of a family of p-values
- ``frechet``       bounds for pick-all-that-apply combinations from their marginals
- ``partitions``    a total and its subgroups: weights, identity, missing cell, vs rest, Bayes
- ``trend``         a share over waves: logistic trend, heterogeneity; robust trend of a tracker
- ``sensitivity``   smallest equivalence margin, tipping points, power, Bayes share interval
- ``rounding``      rounding as uniform noise on the variance; a normal test's tipping points
- ``posterior``     posterior of a change between two rounded (interval-censored) figures
- ``nonsampling``   wave-level error: where a verdict flips, what a monthly tracker shows
- ``design_analysis`` power, type S and type M (exaggeration) of a design (Gelman & Carlin)
- ``decomposition`` Kitagawa decomposition: composition and within-group parts of a change
"""
