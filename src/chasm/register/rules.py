"""The rules of the claims register: one function per kind of claim, collected in :data:`RULES`.

Each rule takes a parsed :class:`chasm.register.model.Claim` and a
:class:`chasm.register.context.Context` (the tidy figures, metadata, design effect and the
analysis plan) and returns a :class:`chasm.register.model.Result`: a verdict from
:data:`chasm.analysis.verdicts.VOCABULARY` (decided by the one rule of
``chasm.analysis.verdicts`` that applies), evidence text built from computed numbers only, the
key numbers and the figures used. Tests are read at the published values with rounding as
ordinary uncertainty (``chasm.stats.rounding``) and adjusted within the family
``data/plan.yaml`` declares (``chasm.analysis.plan``); a wave comparison's numbers are the
plan's own rows (``plan.wave_tests``), so 03_waves and the register cannot differ. The least
favourable rounding is kept beside them (``p_worst``, ``p_adjusted_worst``).

The rules live by kind of claim: :mod:`chasm.register.levels` (a quoted figure, a share
against a threshold, a figure quoted as words), :mod:`chasm.register.changes` (a change
between waves, the highest or lowest wave of a series), :mod:`chasm.register.groups` (groups
of a breakdown against each other, the total or the rest), :mod:`chasm.register.options`
(the options of one pick-all-that-apply question). :mod:`chasm.register.claims` loads the
registers and applies :data:`RULES`.
"""

from __future__ import annotations

from collections.abc import Callable

from chasm.register.changes import rule_change, rule_extreme, rule_wave_change
from chasm.register.context import Context
from chasm.register.groups import (
                                   rule_group_gap,
                                   rule_group_vs,
                                   rule_highest_group,
                                   rule_ordering,
                                   rule_vs_rest,
)
from chasm.register.levels import (
                                   rule_below_half,
                                   rule_figure,
                                   rule_not_testable,
                                   rule_quoted_words,
                                   rule_share_level,
)
from chasm.register.model import Claim, Result
from chasm.register.options import rule_less_common, rule_multiple_response, rule_negative_majority

#: Rule name -> function(claim, context) -> Result; a rule's name is its function's without
#: ``rule_`` (one home for the name).
RULES: dict[str, Callable[[Claim, Context], Result]] = {
    rule.__name__.removeprefix("rule_"): rule for rule in (
        rule_figure, rule_wave_change, rule_less_common, rule_highest_group, rule_vs_rest,
        rule_group_gap, rule_multiple_response, rule_below_half, rule_negative_majority,
        rule_not_testable, rule_share_level, rule_change, rule_extreme, rule_group_vs,
        rule_ordering, rule_quoted_words)}
