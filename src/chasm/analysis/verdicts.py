"""The verdict vocabulary and its rules, in one place; provenance kept apart from inference.

WHAT. Every verdict of the claims register (``chasm.register.claims``, the rules of
``chasm.register.rules``) and every reading of a comparison of the one comparison engine
(``chasm.analysis.compare``; 03_waves through ``chasm.analysis.waves``) is one word of
:data:`VOCABULARY` (or of :func:`change_reading`'s), decided by one of the small functions
below; :data:`RULES_TEXT` states each rule once, and 06_claims / 07 render it.
:func:`provenance` says, separately, where a claim's figures come from (how many sources, of
which kind, whether two sources for the same cell agree): provenance is not inference. It lives
in ``analysis`` beside the engine whose comparisons it reads, so the dependency points down:
the register imports it, nothing here imports the register.

WHY. A reader must be able to tell "the figures establish it" from "only one source gives it"
and from "a cross-check passed". The earlier vocabulary mixed them ("consistent" meant three
things, "single source" was provenance). Verdicts are read at the published values with
rounding as ordinary uncertainty (``chasm.stats.rounding``), after the multiplicity adjustment
the analysis plan declares (``chasm.analysis.plan``); the least favourable rounding, other design
effects and sample sizes are robustness columns (``chasm.register.sensitivity``), not the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from chasm.data import figures

#: The inference vocabulary: (name, the one rule that gives it).
VOCABULARY: tuple[tuple[str, str], ...] = (
    ("supported", "the test the claim names is significant in the claimed direction after the "
     "plan's multiplicity adjustment (rounding as ordinary uncertainty; a claim needing every "
     "part: each part at alpha, intersection-union); a similarity claim: every difference lies "
     "within the plan's equivalence margin (TOST), significant or not; a level: the interval "
     "lies wholly on the claimed side; a figure: a cross-check that could fail (the identity "
     "with every group of its breakdown published) holds"),
    ("contradicted", "significant in the opposite direction after the same adjustment, an "
     "interval wholly on the other side (for similarity: wholly beyond the margin), or an "
     "identity no true shares can satisfy"),
    ("inconclusive", "neither: the data allow the claim and its negation (a figure checked only "
     "by an identity with an unpublished cell left free, which passes for almost any value)"),
    ("not identifiable", "the published marginals cannot decide it even without sampling "
     "error (a joint share, or an unpublished cell that could change the answer)"),
    ("not testable", "qualitative, outside these data, or a figure with no cross-check "
     "(the evidence says why)"),
)
VERDICTS: tuple[str, ...] = tuple(name for name, _ in VOCABULARY)
#: One line per rule, for the pages that document the vocabulary.
RULES_TEXT = pd.DataFrame(VOCABULARY, columns=["verdict", "rule"])


def directional(tests: Iterable[dict], alpha: float) -> str:
    """Verdict of comparisons that should all go the claimed way.

    Each test has ``sign`` (+1 when the estimate goes the claimed way) and ``p_adjusted``
    (the plan's adjustment of its p with rounding as noise). Contradicted if any test is
    significant the wrong way; supported if every test is significant the claimed way;
    otherwise inconclusive.
    """
    tests = list(tests)
    if any(t["sign"] < 0 and t["p_adjusted"] < alpha for t in tests):
        return "contradicted"
    if tests and all(t["sign"] > 0 and t["p_adjusted"] < alpha for t in tests):
        return "supported"
    return "inconclusive"


def similarity(tests: Iterable[dict], alpha: float, margin: float) -> str:
    """Verdict of a similarity claim (an intersection-union of TOSTs): supported when every
    difference is shown to lie within ±``margin`` (each test's ``smallest_margin``, the larger
    absolute end of its (1 - 2 alpha) interval, below it), whether or not the difference is
    also significant: "significant and equivalent" is a legitimate outcome, a real but
    trivial difference (Lakens 2017); contradicted when some difference is shown to lie
    beyond the margin (its (1 - 2 alpha) interval, ``eq_low``/``eq_high``, wholly outside
    ±margin); inconclusive otherwise. ``alpha`` is the level the intervals were built at."""
    tests = list(tests)
    if any(t["eq_low"] > margin or t["eq_high"] < -margin for t in tests):
        return "contradicted"
    if tests and all(t["smallest_margin"] < margin for t in tests):
        return "supported"
    return "inconclusive"


def level(ci_low: float, ci_high: float, threshold: float, below: bool) -> str:
    """A share is below (``below``) or above ``threshold``: supported if its interval lies
    wholly on that side, contradicted if wholly on the other, inconclusive otherwise."""
    if (ci_high < threshold) if below else (ci_low > threshold):
        return "supported"
    if (ci_low > threshold) if below else (ci_high < threshold):
        return "contradicted"
    return "inconclusive"


def bounded(low: float, high: float, low_ci: float, high_ci: float, threshold: float) -> str:
    """A share only bounded by the marginals (identification bounds [low, high], widened for
    sampling error to [low_ci, high_ci]) exceeds ``threshold``: supported if low_ci does,
    contradicted if high_ci is below it, not identifiable if the bounds themselves straddle
    it, inconclusive if only sampling error does."""
    if low_ci > threshold:
        return "supported"
    if high_ci < threshold:
        return "contradicted"
    if low <= threshold <= high:
        return "not identifiable"
    return "inconclusive"


def figure_check(impossible: bool, strong_checks: int, weak_checks: int) -> str:
    """A quoted figure as a claim: contradicted if an identity is impossible; supported if a
    check that could fail at ordinary values held (every group of a breakdown published);
    otherwise not testable: an identity with a free unpublished cell passes for almost any
    value and is no test of the claim. Whether the quotation itself is borne out by the
    sources is the other axis, :func:`quotation_status`."""
    if impossible:
        return "contradicted"
    if strong_checks:
        return "supported"
    return "not testable"


#: The quotation axis of a quoted figure (:func:`quotation_status`), with its rule.
QUOTATION: tuple[tuple[str, str], ...] = (
    ("confirmed", "a source of its own (another document, primary) gives a figure for the same "
     "cell whose range overlaps, or a check that could fail (an identity with every group "
     "published) holds"),
    ("consistent", "only a secondary source's overlapping figure or an identity with an "
     "unpublished cell left free agrees with it: nothing contradicts it, nothing confirms it"),
    ("unconfirmed", "no other source and no identity speaks to it"),
    ("contradicted", "another source for the same cell gives a range that cannot overlap, or an "
     "identity no true shares can satisfy"),
)


def quotation_status(impossible: bool, disagreeing: int, confirming: int, consistent: int) -> str:
    """Whether a quoted figure is borne out (:data:`QUOTATION`): contradicted if a source or an
    identity rules it out; confirmed if a source of its own or a check that could fail bears it
    out; consistent if only weak agreement exists; unconfirmed otherwise. Provenance, not a
    verdict on the essay's argument: counts of claims leave quotations out."""
    if impossible or disagreeing:
        return "contradicted"
    if confirming:
        return "confirmed"
    if consistent:
        return "consistent"
    return "unconfirmed"


def change_reading(p_adjusted: float, smallest_margin: float, margin: float,
                   alpha: float) -> str:
    """How 03_waves reads one comparison: "change" (significant after the plan's adjustment),
    "stable" (within ±margin: TOST, the smallest margin the data establish below it), or
    "inconclusive" (neither); "no test" without a p-value."""
    if pd.isna(p_adjusted):
        return "no test"
    if p_adjusted < alpha:
        return "change"
    if pd.notna(smallest_margin) and smallest_margin < margin:
        return "stable"
    return "inconclusive"


# --------------------------------------------------------------------------------------------
# Provenance: where the figures come from (not inference)
# --------------------------------------------------------------------------------------------
def provenance(tidy: pd.DataFrame, figure_ids: Iterable[str]) -> str:
    """'1 source (essay)'; '2 sources (essay, secondary); E01/S01 agree'; '...; E03/S03
    disagree'; '' for no figures.

    Sources are distinct source documents (``data/raw/sources.csv``) of the figures used;
    agreement is ``chasm.data.figures.shared_cells`` (the intervals of two figures for the same cell
    overlap) over every pair of the used figures that share a cell.
    """
    ids = list(dict.fromkeys(figure_ids))
    if not ids:
        return ""
    used = tidy[tidy["figure_id"].isin(ids)]
    by_source = used.drop_duplicates("source_id")
    kinds = list(dict.fromkeys(by_source["source_kind"]))
    k = len(by_source)
    text = f"{k} source{'s' if k != 1 else ''} ({', '.join(kinds)})"
    shared = figures.shared_cells(used)
    if len(shared):
        pairs = [f"{r.figure_a}/{r.figure_b} {'agree' if r.agree else 'disagree'}"
                 for r in shared.itertuples()]
        text += "; " + ", ".join(pairs)
    return text
