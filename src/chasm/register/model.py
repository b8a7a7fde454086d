"""The claim model: what a claim is, what a rule returns, and the register's columns.

WHAT. :class:`Claim` (one parsed row of a register), :class:`Result` (what a rule returns),
:data:`RULE_ARGS` (the arguments each rule takes), :data:`KINDS`, :data:`COLUMNS` and the
verdict vocabulary (from its one home, :mod:`chasm.analysis.verdicts`). The loader
(:mod:`chasm.register.claims`) and the rules (:mod:`chasm.register.rules` and the modules it
collects) import this module and nothing imports back: the register has no cycle.

NUMBERS (:data:`COLUMNS`, the columns of ``chasm.register.claims.evaluate``): ``measure``
names what ``estimate``/``low``/``high``
are (a share and its 95% CI; a difference and its CI; identification bounds), ``range_kind``
which kind of range ``low``/``high`` is ("95% CI", "rounding range", "identification range");
``comparison_id`` the test the numbers belong to (the plan's id, or ``<claim>:<a>-<b>``; the
weakest of several); ``p_value`` the test at the published values, ``p_rounding`` with
rounding as noise, ``p_adjusted`` its adjustment by ``method`` over ``family_size`` tests (the
number the verdict reads), ``p_worst`` and ``p_adjusted_worst`` at the least favourable
rounding; ``share_1``/``share_2``/``n_1``/``n_2`` the two shares and sizes of a two-sample
test, ``se`` a paired test's standard error and ``noise_var`` the rounding noise (points^2)
its verdict's test adds (for the tipping points of ``chasm.register.sensitivity``, on that same
test);
``smallest_margin`` the smallest equivalence margin a similarity claim's figures establish;
``missing_low``/``missing_high`` the range of an unpublished cell; ``bayes_share``,
``bayes_low``/``bayes_high`` a group's share of an answer with its CI,
``bayes_range_low``/``bayes_range_high`` its range from the figures' rounding alone; ``deff``
the design effect used; ``size_low``/``size_high`` the sizes of a group of unknown size
(percent of the sample) at which the claim is supported (``chasm.register.context.over_sizes``);
``register`` the text the claim belongs to. Empty where a rule has no such number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chasm.analysis import verdicts as _verdicts

#: The verdict vocabulary (name, rule), from its one home :mod:`chasm.analysis.verdicts`.
VOCABULARY: tuple[tuple[str, str], ...] = _verdicts.VOCABULARY
VERDICTS: tuple[str, ...] = _verdicts.VERDICTS
#: Kinds of claims in the register, in reading order.
KINDS: tuple[str, ...] = ("figure", "comparison", "interpretation", "qualitative")
#: Output columns of ``chasm.register.claims.evaluate``.
_TEXT_COLUMNS: tuple[str, ...] = (
    "register", "claim_id", "paragraph", "kind", "rule", "paraphrase", "verdict", "provenance",
    "evidence",
    "figure_ids", "sources", "comparison_id", "method", "measure", "range_kind", "quotation")
#: The numeric columns (see NUMBERS in the module docstring).
NUMBER_COLUMNS: tuple[str, ...] = (
    "estimate", "low", "high", "p_value", "p_rounding", "p_adjusted", "p_worst",
    "p_adjusted_worst", "family_size", "smallest_margin", "missing_low", "missing_high",
    "bayes_share", "bayes_low", "bayes_high", "bayes_range_low", "bayes_range_high", "share_1",
    "share_2", "n_1", "n_2", "se", "noise_var",
    "deff", "size_low", "size_high")
COLUMNS: tuple[str, ...] = _TEXT_COLUMNS + NUMBER_COLUMNS

# Argument types: one figure id, one or more figure ids, a name, a number, a wave (YYYY-MM),
# words (the rest of the value, spaces kept), or one of fixed choices.
FIGURE_ARG, FIGURES_ARG, NAME_ARG = "figure", "figures", "name"
NUMBER_ARG, WAVE_ARG, WORDS_ARG = "number", "wave", "words"
#: Arguments each rule takes (no other arguments are allowed), and how many figure_ids. The
#: general rules (share_level, change, extreme, group_vs, ordering, quoted_words) are the kinds
#: of claim any text makes; the essay's rules are instances of them where they are
#: (below_half is share_level below 50; wave_change is change with the plan's comparison).
RULE_ARGS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "figure": {},
    "wave_change": {"direction": ("down", "up")},
    "less_common": {"less": FIGURES_ARG, "more": FIGURES_ARG},
    "highest_group": {"group": FIGURE_ARG, "others": FIGURES_ARG, "total": FIGURE_ARG,
                      "variable": NAME_ARG},
    "vs_rest": {"groups": FIGURES_ARG, "total": FIGURE_ARG,
                "expect": ("lower", "higher", "similar")},
    "group_gap": {"higher": FIGURE_ARG, "lower": FIGURE_ARG, "total": FIGURE_ARG},
    "multiple_response": {},
    "below_half": {},
    "negative_majority": {"negative": FIGURES_ARG, "positive": FIGURES_ARG},
    "not_testable": {},
    "share_level": {"side": ("above", "below", "about"), "threshold": NUMBER_ARG},
    "change": {"direction": ("down", "up"), "by": NUMBER_ARG, "as": ("points", "ratio")},
    "extreme": {"which": ("highest", "lowest"), "since": WAVE_ARG},
    "group_vs": {"group": FIGURE_ARG, "total": FIGURE_ARG, "against": ("total", "rest"),
                 "expect": ("higher", "lower")},
    "ordering": {"order": FIGURES_ARG},
    "quoted_words": {"words": WORDS_ARG},
}
#: What each rule checks, as the claims page names it (a reader never sees the rule's code).
RULE_LABELS: dict[str, str] = {
    "figure": "one published figure against its other sources and its breakdowns",
    "wave_change": "a change between two waves, tested as the plan declares",
    "less_common": "options of one pick-all-that-apply question, less common than others",
    "highest_group": "a group's share, the highest of its breakdown",
    "vs_rest": "groups against the rest of the sample",
    "group_gap": "one group's share above another's",
    "multiple_response": "several answers per respondent: the options' sum",
    "below_half": "each share below half",
    "negative_majority": "most respondents choosing a negative option",
    "not_testable": "not testable with these data",
    "share_level": "a share above, below or about a threshold",
    "change": "a change between two waves",
    "extreme": "a wave's share, the highest or lowest of its series",
    "group_vs": "a group's share against the total's or the rest's",
    "ordering": "groups of one breakdown in a stated order",
    "quoted_words": "a figure quoted in words",
}
#: Arguments a rule may leave out (``change``: the size of the change is optional; given
#: ``by``, ``as`` says whether it is points or a ratio, "halved" = 0.5).
OPTIONAL_ARGS: dict[str, tuple[str, ...]] = {"change": ("by", "as")}
N_FIGURES = {"figure": (1, 1), "wave_change": (2, 2), "not_testable": (0, 0),
              "change": (2, 2), "extreme": (1, 1), "quoted_words": (1, 1), "group_vs": (2, 2),
              "ordering": (2, None)}


class ClaimError(ValueError):
    """A claim cannot be evaluated as written (the message names the claim)."""


@dataclass(frozen=True)
class Claim:
    """One parsed row of the claims register."""

    claim_id: str
    paragraph: int
    kind: str
    paraphrase: str
    figure_ids: tuple[str, ...]
    rule: str
    args: dict[str, tuple[str, ...]]
    notes: str = ""
    register: str = ""

    def arg(self, key: str) -> str:
        """A single-valued argument."""
        return self.args[key][0]

    def fail(self, message: str) -> ClaimError:
        return ClaimError(f"claim {self.claim_id} ({self.rule}): {message}")


@dataclass
class Result:
    """What a rule returns: verdict, evidence text, key numbers, figures used."""

    verdict: str
    evidence: str
    numbers: dict[str, object] = field(default_factory=dict)
    figures: tuple[str, ...] = ()


def parse_args(text: str | None) -> dict[str, tuple[str, ...]]:
    """``key=value;key=v1 v2`` -> {key: (value,), key: (v1, v2)}; ValueError if malformed."""
    out: dict[str, tuple[str, ...]] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"argument {part.strip()!r} is not key=value")
        if key in out:
            raise ValueError(f"argument {key!r} is given twice")
        values = tuple(value.split())
        if not values:
            raise ValueError(f"argument {key!r} has no value")
        out[key] = values
    return out
