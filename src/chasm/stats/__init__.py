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
- ``trend``         a share over waves: logistic trend, heterogeneity across waves
- ``sensitivity``   smallest equivalence margin, tipping points, power, Bayes share interval
- ``rounding``      rounding as uniform noise on the variance; a normal test's tipping points
"""
