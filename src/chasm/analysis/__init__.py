"""The analysis layer: the statistics of ``chasm.stats`` applied to the tidy published figures.

- ``uncertainty``   the size behind and the interval of every figure (02_uncertainty)
- ``compare``       the one comparison engine: every two-share comparison as one record
- ``verdicts``      the verdict vocabulary, one rule per word (and a comparison's reading)
- ``plan``          the analysis plan: each comparison's family and the family's method
- ``waves``         every option two waves share, tested and adjusted (03_waves)
- ``multiresponse`` the options of a pick-all-that-apply question, bounded (04_multiresponse)
- ``weights``       the one policy for subgroup weights and sizes
- ``subgroups``     published breakdowns against their totals (05_subgroups)
- ``series``        one share over every published wave, with its sources (08_series)
- ``methods``       posterior, wave-level error, design analysis, decomposition (09_methods)
"""
