"""Claims registers: what a text says, claim by claim, and what the figures allow.

Imports point one way (model <- context <- the rules by kind <- rules <- claims): no cycle.

- ``model``        the claim model: Claim, Result, the rules' arguments, the register's columns
- ``claims``       the registers' loader and evaluation, one register per text
- ``context``      what the rules share: the figures, weights, plan, and the helpers of every rule
- ``rules``        the registry of verdict rules, one per kind of claim
- ``levels``       rules on one share: a quoted figure, a share against a threshold, words
- ``changes``      rules on change: between two waves, the highest or lowest of a series
- ``groups``       rules on the groups of a breakdown: each other, the total, the rest
- ``options``      rules on the options of one pick-all-that-apply question
- ``sensitivity``  tipping points, preference falsification, the specification table
"""
