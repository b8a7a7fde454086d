"""Claims registers: what a text says, claim by claim, and what the figures allow.

- ``claims``       the claim model and the registers' loader and evaluation, one per text
- ``rules``        the verdict rules, one per kind of claim
- ``verdicts``     the verdict vocabulary, one rule per word; provenance apart
- ``sensitivity``  tipping points and preference falsification of the register's verdicts
"""
