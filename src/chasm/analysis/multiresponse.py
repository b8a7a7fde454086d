"""The published options of one pick-all-that-apply question, and what their marginals bound.

WHAT. Collects the options of a question (e.g. "why people leave") that a wave published for
the whole sample, one best figure per option with its source and wording; summarises what the
published marginals identify (sum of shares, mean number of mentions as a lower bound, shares
of mentions vs shares of respondents); and defines the joint quantities the essay cares about,
grouped by the options' tone (``metadata/questions.yaml``: negative / neutral / positive):

* ``<focus>``: chose the focus option (e.g. "traitors");
* ``<focus>_and_any_positive``: chose it and at least one positive reason;
* ``<focus>_and_no_positive``: chose it and no positive reason;
* ``any_negative``: chose at least one negative label;
* ``no_negative``: chose no negative label at all.

Each is bounded from the marginals by :mod:`chasm.stats.frechet` (Frechet-Hoeffding), given a
``(low, high)`` range per option: the rounding/wording range of the published figure, or its
confidence interval (Manski-style widening by sampling error).

The last section checks what ``notebooks/04_multiresponse`` reads: that its question is
pick-all-that-apply and its focus an option of it, the mention summary of every wave, and the
"half the country" check (:func:`half_the_country`, :func:`overlap_to_reach`). The notebook
writes what these numbers mean in its own sentences.

WHY. Only some options of the question were published. Every bound here is about the
*published* options; for the full option list only one end survives (an unpublished positive
option can only add respondents to "any positive" and remove them from "no positive"). Each
:class:`Quantity` says which end (``holds_for_all_options``). The tones are this project's
classification, following the essay's split into "positive interpretations" and the rest.

Formulas (percent): "F and any positive" = pair bounds of F with the union U of the positive
options, whose own range is [max a_i, min(100, sum a_i)], i.e.
[max(0, F + U_low - 100), min(F, U_high)]; "F and no positive" =
[max(0, F - sum a_i), min(F, 100 - max a_i)]; "any negative" = union bounds; "no negative" =
100 minus them. With sampling error the option ranges are confidence intervals at level
1 - alpha/k for a quantity built from k options (Bonferroni), so that the widened interval
covers the quantity's identified range with probability at least 1 - alpha.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm import formats
from chasm.data import figures as _figures
from chasm.data.params import ParameterError
from chasm.stats import frechet as mr
from chasm.stats.intervals import share_interval

#: The option the essay's argument is about.
FOCUS = "traitors"
#: Which end of each quantity's bound still holds when unpublished options exist.
BOTH, LOW, HIGH = "both", "low", "high"


class Quantity(NamedTuple):
    """A share defined on the options of a multiple-response question.

    ``key``: identifier; ``label``: what it means in words; ``kind``: one of ``focus``,
    ``focus_and_any``, ``focus_and_none``, ``any``, ``none``; ``focus``: the focus option (or
    None); ``options``: the set it is built on (the positive or negative options);
    ``holds_for_all_options``: which end of the bound stays valid if unpublished options of
    the same tone exist ("both", "low", "high"); ``missing``: why it cannot be bounded (None
    when it can).
    """

    key: str
    label: str
    kind: str
    focus: str | None
    options: tuple[str, ...]
    holds_for_all_options: str
    missing: str | None

    @property
    def uses(self) -> tuple[str, ...]:
        """Every option whose share enters the bound (focus first)."""
        return tuple(dict.fromkeys(([self.focus] if self.focus else []) + list(self.options)))


# --------------------------------------------------------------------------------------------
# The published options
# --------------------------------------------------------------------------------------------
def _form(rule: str) -> str:
    """'number' for a published number, else the wording rule ('words', 'range', ...)."""
    return "number" if rule == "number" else str(rule)


def wave_options(tidy: pd.DataFrame, meta: Mapping, wave: str, question: str) -> pd.DataFrame:
    """The options of ``question`` that ``wave`` published for the whole sample.

    One row per option (the best figure of the cell, see :func:`chasm.data.figures.best`), in the
    order of ``metadata/questions.yaml``, with columns option, label, tone, figure_id,
    source_kind, value_text, form ("number" or the wording rule), point, low, high and
    ``other_figures`` (the cell's other sources, e.g. "S01 secondary: a third"). Empty (same
    columns) when the wave published none.
    """
    q_options = meta["questions"][question]["options"]
    cells = tidy[(tidy["wave"] == wave) & (tidy["question"] == question)
                 & (tidy["subgroup_var"] == "all") & (tidy["subgroup"] == "all")]
    best = _figures.best(cells) if len(cells) else cells
    rows = []
    for option, spec in q_options.items():
        hit = best[best["option"] == option]
        if hit.empty:
            continue
        b = hit.iloc[0]
        others = cells[(cells["option"] == option) & (cells["figure_id"] != b["figure_id"])]
        rows.append({
            "option": option, "label": spec["label"], "tone": spec.get("tone", "unclassified"),
            "figure_id": b["figure_id"], "source_kind": b["source_kind"],
            "value_text": b["value_text"], "form": _form(b["rule"]),
            "point": b["point"], "low": b["low"], "high": b["high"],
            "other_figures": "; ".join(
                f"{o.figure_id} {o.source_kind}: {o.value_text}"
                for o in others.sort_values("figure_id").itertuples()),
        })
    columns = ["option", "label", "tone", "figure_id", "source_kind", "value_text", "form",
               "point", "low", "high", "other_figures"]
    return pd.DataFrame(rows, columns=columns)


def question_waves(tidy: pd.DataFrame, question: str) -> list[str]:
    """The waves (sorted) that published any whole-sample figure of ``question``."""
    return sorted(tidy.loc[(tidy["question"] == question) & (tidy["subgroup_var"] == "all"),
                           "wave"].unique())


# --------------------------------------------------------------------------------------------
# What the marginals identify
# --------------------------------------------------------------------------------------------
class MentionSummary(NamedTuple):
    """Sums over the published options (percent) and what follows from them.

    ``sum_point``/``sum_low``/``sum_high``: sum of the published shares (points, and the
    range their wording allows); ``mean_mentions_low``: sum_low / 100, a lower bound of the
    mean number of answers per respondent (unpublished options and "don't know" would add to
    it); ``multiple_by_points``: :func:`chasm.stats.frechet.must_be_multiple_response` on the
    points (rounding tolerance 0.5 per option); ``multiple_by_ranges``: the sum of the lowest
    true values the wording allows exceeds 100 (proof that holds for worded figures too);
    ``k``: number of published options.
    """

    sum_point: float
    sum_low: float
    sum_high: float
    mean_mentions_low: float
    multiple_by_points: bool
    multiple_by_ranges: bool
    k: int


def mention_summary(options: pd.DataFrame) -> MentionSummary:
    """Sum of shares, mean mentions (lower bound) and the multiple-response test (see class)."""
    if options.empty:
        return MentionSummary(np.nan, np.nan, np.nan, np.nan, False, False, 0)
    points = options["point"].to_numpy(dtype=float)
    lows = options["low"].to_numpy(dtype=float)
    by_points = bool(mr.must_be_multiple_response(points)) if not np.isnan(points).any() else False
    return MentionSummary(
        sum_point=float(np.sum(points)), sum_low=float(lows.sum()),
        sum_high=float(options["high"].sum()),
        mean_mentions_low=float(mr.mean_mentions(lows)),
        multiple_by_points=by_points,
        multiple_by_ranges=bool(mr.must_be_multiple_response(lows, tolerance=0.0)),
        k=len(options),
    )


def mention_shares(options: pd.DataFrame) -> pd.DataFrame:
    """Share of respondents (as published) vs share of the published mentions, per option.

    ``share_of_mentions = a_i / sum(a) * 100`` over the published options only (SPSS "percent
    of responses"): it describes the composition of the published answers and sums to 100,
    whereas the published shares of respondents sum to more when several answers are allowed.
    """
    out = options[["option", "tone", "figure_id", "source_kind", "point"]].rename(
        columns={"point": "share_of_respondents"})
    out["share_of_mentions"] = (
        mr.shares_of_mentions(options["point"].to_numpy(dtype=float)) if len(options) else [])
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Joint quantities and their bounds
# --------------------------------------------------------------------------------------------
def define_quantities(tones: Mapping[str, str], focus: str = FOCUS,
                      focus_label: str | None = None) -> list[Quantity]:
    """The five quantities (module docstring) for the published options and their tones.

    ``tones`` maps each *published* option to its tone. A quantity whose option set is empty,
    or that needs the focus option when it is not published, gets ``missing`` set to the
    reason (and cannot be bounded).
    """
    neg = tuple(o for o, t in tones.items() if t == "negative")
    pos = tuple(o for o, t in tones.items() if t == "positive")
    name = focus_label or focus
    has_focus = focus in tones
    no_focus = f"'{focus}' is not published for this wave"
    no_pos = "no option with a positive tone is published for this wave"
    no_neg = "no option with a negative tone is published for this wave"

    def why(needs_focus: bool, opts: tuple[str, ...], empty: str) -> str | None:
        if needs_focus and not has_focus:
            return no_focus
        return empty if not opts else None

    return [
        Quantity(focus, f"chose '{name}'", "focus", focus, (), BOTH,
                 None if has_focus else no_focus),
        Quantity(f"{focus}_and_any_positive",
                 f"chose '{name}' and at least one positive reason", "focus_and_any", focus,
                 pos, LOW, why(True, pos, no_pos)),
        Quantity(f"{focus}_and_no_positive", f"chose '{name}' and no positive reason",
                 "focus_and_none", focus, pos, HIGH, why(True, pos, no_pos)),
        Quantity("any_negative", "chose at least one negative label", "any", None, neg, LOW,
                 why(False, neg, no_neg)),
        Quantity("no_negative", "chose no negative label at all", "none", None, neg, HIGH,
                 why(False, neg, no_neg)),
    ]


Range = tuple[float, float]


def tones_of(options: pd.DataFrame) -> dict[str, str]:
    """``{option: tone}`` of a :func:`wave_options` table (the input of define_quantities)."""
    return dict(zip(options["option"], options["tone"], strict=True))


def bound(quantity: Quantity, ranges: Mapping[str, Range]) -> mr.Bounds:
    """Sharp bounds (percent) of ``quantity`` given a (low, high) range for each option.

    NaN bounds when the quantity cannot be bounded (``quantity.missing``).
    """
    if quantity.missing:
        return mr.Bounds(np.nan, np.nan)
    sets: Sequence[Range] = [tuple(map(float, ranges[o])) for o in quantity.options]
    if quantity.kind == "focus":
        lo, hi = ranges[quantity.focus]
        return mr.Bounds(float(lo), float(hi))
    focus = tuple(map(float, ranges[quantity.focus])) if quantity.focus else None
    if quantity.kind == "focus_and_any":
        union = mr.union_bounds(list(sets))
        return mr.pair_bounds(focus, (union.low, union.high))
    if quantity.kind == "focus_and_none":
        return mr.a_not_any_bounds(focus, list(sets))
    if quantity.kind == "any":
        return mr.union_bounds(list(sets))
    if quantity.kind == "none":
        return mr.none_bounds(list(sets))
    raise ValueError(f"unknown quantity kind {quantity.kind!r}")


def ranges_of(options: pd.DataFrame, low: str = "low", high: str = "high") -> dict[str, Range]:
    """``{option: (low, high)}`` from two columns of a :func:`wave_options` table."""
    return {r.option: (float(getattr(r, low)), float(getattr(r, high)))
            for r in options.itertuples()}


def sampling_ranges(options: pd.DataFrame, n: float, deff: float,
                    alpha: float) -> dict[str, Range]:
    """``{option: (ci_low, ci_high)}``: each option's confidence interval over its whole
    wording range (:func:`chasm.stats.intervals.share_interval` with ``low_pct``/``high_pct``)."""
    if options.empty:
        return {}
    ci = share_interval(options["point"].to_numpy(dtype=float), n, deff, alpha=alpha,
                        low_pct=options["low"].to_numpy(dtype=float),
                        high_pct=options["high"].to_numpy(dtype=float))
    return {o: (float(lo), float(hi))
            for o, lo, hi in zip(options["option"], ci["ci_low"], ci["ci_high"], strict=True)}


def bounds_table(quantities: Sequence[Quantity], options: pd.DataFrame, n: float,
                 deff: float, alpha: float, bonferroni: bool = True) -> pd.DataFrame:
    """One row per quantity: bounds from the wording ranges and widened by sampling error.

    Columns: quantity, label, low, high (identified range, rounding/wording only),
    low_with_sampling, high_with_sampling (bounds applied to the options' confidence
    intervals; for a quantity built on k options each interval is at level 1 - alpha/k when
    ``bonferroni``), k, alpha_per_option, figure_ids (";"-joined, in option order),
    options, holds_for_all_options, missing.
    """
    wording = ranges_of(options)
    ids = dict(zip(options["option"], options["figure_id"], strict=True))
    rows = []
    for q in quantities:
        k = len(q.uses) if not q.missing else 0
        level = alpha / k if (bonferroni and k) else alpha
        b = bound(q, wording)
        s = bound(q, sampling_ranges(options, n, deff, level)) if not q.missing else b
        rows.append({
            "quantity": q.key, "label": q.label, "low": b.low, "high": b.high,
            "low_with_sampling": s.low, "high_with_sampling": s.high, "k": k,
            "alpha_per_option": level if k else np.nan,
            "figure_ids": ";".join(ids[o] for o in q.uses if o in ids) if not q.missing else "",
            "options": ", ".join(q.uses) if not q.missing else "",
            "holds_for_all_options": q.holds_for_all_options, "missing": q.missing or "",
        })
    return pd.DataFrame(rows)


def versus(low: float, high: float, threshold: float) -> str:
    """Where an interval lies relative to a threshold: 'below', 'above' or 'straddles'."""
    if np.isnan(low) or np.isnan(high):
        return "not bounded"
    if high < threshold:
        return "below"
    if low > threshold:
        return "above"
    return "straddles"


# --------------------------------------------------------------------------------------------
# What the report says: tables and sentences of 04_multiresponse
# --------------------------------------------------------------------------------------------
#: The threshold of the essay's "half the country" (percent of respondents).
HALF = 50.0


def check_question(meta: Mapping, question: str) -> None:
    """Raise :class:`chasm.data.params.ParameterError` unless ``question`` is pick-all-that-apply.

    The bounds of this module are about multiple-response questions only (``response:
    multiple`` in ``metadata/questions.yaml``); a single-response question has no joint
    quantities to bound.
    """
    if meta["questions"][question]["response"] != "multiple":
        raise ParameterError(
            f"question={question!r} is not recorded as multiple response in "
            "metadata/questions.yaml; this notebook bounds pick-all-that-apply questions only")


def check_focus(meta: Mapping, question: str, focus: str) -> None:
    """Raise :class:`chasm.data.params.ParameterError` unless ``focus`` is an option of
    ``question`` in ``metadata/questions.yaml`` (the option the joint quantities are about)."""
    options = meta["questions"][question]["options"]
    if focus not in options:
        raise ParameterError(f"focus={focus!r} is not an option of {question!r}; "
                                    f"options: {', '.join(options)}")


def mention_summaries(tidy: pd.DataFrame, meta: Mapping, question: str) -> pd.DataFrame:
    """One row per wave of ``question`` (:func:`question_waves`): its :class:`MentionSummary`.

    Columns wave and the fields of :class:`MentionSummary`, so that waves can be compared on
    what their published options prove (e.g. which sum proves several answers were allowed).
    """
    rows = [{"wave": w, **mention_summary(wave_options(tidy, meta, w, question))._asdict()}
            for w in question_waves(tidy, question)]
    return pd.DataFrame(rows, columns=["wave", *MentionSummary._fields])


def unpublished_options(options: pd.DataFrame, meta: Mapping, question: str,
                        tone: str) -> list[str]:
    """Options of ``question`` with ``tone`` in the metadata that ``options`` does not publish."""
    published = set(options["option"])
    return [o for o, spec in meta["questions"][question]["options"].items()
            if spec.get("tone") == tone and o not in published]


def half_the_country(options: pd.DataFrame, bounds: pd.DataFrame, n: float, deff: float,
                     alpha: float, focus_label: str, focus: str = FOCUS) -> pd.DataFrame:
    """Does "half the country" hold, for the focus option and for "some negative label"?

    One row per statement (statement, low, high, what, versus_50: where 50% lies,
    :func:`versus`). The focus option's share is a single published figure: its confidence
    interval (rounding and wording included, :func:`chasm.stats.intervals.share_interval`)
    either excludes 50% or not. "Some negative label" is a union the marginals only bound
    (``any_negative`` of ``bounds``): its identified range and its Bonferroni-widened range.
    A statement whose figure is not published is left out (empty table, same columns, when
    neither can be checked); :func:`overlap_to_reach` says how much overlap a union allows.
    """
    level = formats.level_percent(alpha)
    rows = []
    if focus in set(options["option"]):
        f = options.set_index("option").loc[focus]
        ci = share_interval(f["point"], n, deff, alpha=alpha, low_pct=f["low"],
                            high_pct=f["high"]).iloc[0]
        rows.append({"statement": f"half chose '{focus_label}'", "low": ci["ci_low"],
                     "high": ci["ci_high"], "what": f"{level}% interval of {f['figure_id']}",
                     "versus_50": versus(ci["ci_low"], ci["ci_high"], HALF)})
    any_neg = bounds.set_index("quantity").loc["any_negative"]
    if not any_neg["missing"]:
        rows += [{"statement": "half chose some negative label", "low": any_neg["low"],
                  "high": any_neg["high"], "what": "identified range (Fréchet)",
                  "versus_50": versus(any_neg["low"], any_neg["high"], HALF)},
                 {"statement": "half chose some negative label (with sampling)",
                  "low": any_neg["low_with_sampling"], "high": any_neg["high_with_sampling"],
                  "what": f"Bonferroni {level}% widening",
                  "versus_50": versus(any_neg["low_with_sampling"],
                                      any_neg["high_with_sampling"], HALF)}]
    return pd.DataFrame(rows, columns=["statement", "low", "high", "what", "versus_50"])


def overlap_to_reach(options: pd.DataFrame, tone: str = "negative",
                     threshold: float = HALF) -> float:
    """For two published options of ``tone``: the largest share of the sample (percent) that
    may have chosen both for their union to reach ``threshold`` (the union is the two shares
    minus those who chose both, at their highest values); NaN unless exactly two."""
    two = options[options["tone"] == tone]
    return float(two["high"].sum() - threshold) if len(two) == 2 else float("nan")


__all__ = [
    "FOCUS", "Quantity", "MentionSummary", "wave_options", "mention_summary",
    "mention_shares", "define_quantities", "tones_of", "bound", "ranges_of", "sampling_ranges",
    "bounds_table", "versus", "HALF", "check_question", "check_focus", "question_waves",
    "mention_summaries", "unpublished_options", "half_the_country", "overlap_to_reach",
]
