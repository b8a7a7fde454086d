"""Weights and sizes of subgroups: the one home of the policy every report uses.

WHAT. A subgroup's share of the sample ``w_g`` and its number of interviews ``n_g = w_g N``:

* **Age bands** are the groups of ``metadata/subgroups.yaml`` that carry ``min_age`` and
  ``max_age`` (:func:`age_bands`); their **weights** are Rosstat's population shares over
  those bands (:func:`age_weights`, via :func:`chasm.stats.partitions.population_weights`).
  **Which year**: the population tables are keyed by reference date
  (``data/raw/rosstat_population_YYYY-MM-DD.csv``, :func:`chasm.data.load.load_populations`); a wave
  uses the table whose date is nearest to the first day of the wave's month (ties: the earlier
  table), and the next nearest, when there is one, says how much the weights would move
  (:func:`wave_age_weights`, :class:`AgeWeights`).
* **Approval weights** are Levada's Putin approval split of the month a wave names as its
  ``approval_month`` (``metadata/waves.yaml``), see :func:`approval_weights`:

  - *complete month* (approve, disapprove and no answer all published): the three shares
    **divided by their sum**, so that the weights sum to 1 (rounded parts add to 99-101; the
    identity ``p_T = sum_g w_g p_g`` needs weights that sum to 1). This single policy replaces
    the raw shares / 100 that 02_uncertainty used before (87/11/3 in March 2024 gave 0.87 and
    0.11, i.e. 1392 and 176 of 1600 interviews; normalised they are 1378.2 and 174.3);
  - *incomplete month* (some shares not published, e.g. February 2025 gives approval 88%
    only): the published groups keep their share / 100 and the unpublished ones are **merged
    into one group** whose members are carried as a tuple (:attr:`ApprovalWeights.members`)
    and whose weight is the rest, 1 - sum / 100. One member of a merged group is at most the
    whole merged group at the most generous end of the rounding (:func:`group_weight`, an
    upper bound: an interval from it is at least as wide as shown);
  - *month missing*, or no share published: :class:`NoWeights` is raised. The size is then
    unknown and never guessed.

  ``grid`` holds weight vectors over the rounding box of the published shares (each at -0.5,
  0, +0.5), for sensitivity.
* **Recent months** (:func:`no_answer_window`): the range of the no-answer share over the
  last 12 months before a month that publish it; 05_subgroups quotes it when it treats
  "everyone who did not approve" as close to the disapprovers.
* **Given sizes** (:func:`given_sizes`): any other breakdown may give its groups' shares of
  the sample in ``metadata/subgroups.yaml`` (``sizes: {source: <source_id>, groups: {<group>:
  <percent>}}``), with a source as every figure has; the percentages are divided by their sum
  (as complete approval months are). A breakdown without them has no weights: the claims
  register then checks its claims at every size a group can have (``chasm.register.rules``), never
  "not checked".
* **Group sizes** (:func:`group_sizes`): ``n_g = w_g N``.

WHY. The sample shares of subgroups are never published; three places used to rebuild them,
each with its own rule for a missing or incomplete approval month and with raw or normalised
shares. A weight is a policy, so it has one home.

CONVENTION. Shares are percentages (0-100); weights are fractions (0-1).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from chasm import formats, paths
from chasm.data import load, schema
from chasm.data.load import APPROVAL_VARIABLE
from chasm.stats.partitions import population_weights

#: Groups of Levada's approval series (columns of ``chasm.data.load.load_approval()``), in order.
APPROVAL_GROUPS = ("approve", "disapprove", "no_answer")

#: Months before the approval month that :func:`no_answer_window` looks at.
RECENT_MONTHS = 12


class NoWeights(ValueError):
    """No source gives the weights asked for; the message says why."""


def merged_label(members: Sequence[str]) -> str:
    """Display label of a merged group: its members joined by " + " (for reading only)."""
    return " + ".join(members)


# --------------------------------------------------------------------------------------------
# Which weights a breakdown gets: the one place the choice is made
# --------------------------------------------------------------------------------------------
def weight_kind(meta: Mapping, variable: str) -> str | None:
    """Where the group weights of a breakdown ``variable`` come from, in this order:

    ``"whole"`` for ``all`` (weight 1); ``"age"`` when its groups carry ages (:func:`age_bands`:
    Rosstat population shares); ``"approval"`` for :data:`APPROVAL_VARIABLE` (Levada's approval
    split of the wave's month, :func:`wave_approval_weights`); ``"given"`` when
    ``metadata/subgroups.yaml`` gives its sizes (:func:`given_sizes`); None when no source gives
    them (the size is unknown and never guessed). Every report asks here, so a new breakdown
    variable is weighted the same way everywhere.
    """
    if variable == "all":
        return "whole"
    if variable not in meta["subgroups"]:
        return None
    if age_bands(meta, variable) is not None:
        return "age"
    if variable == APPROVAL_VARIABLE:
        return "approval"
    if meta["subgroups"].get(variable, {}).get("sizes") is not None:
        return "given"
    return None


def age_variable(meta: Mapping, variables: Sequence[str]) -> str | None:
    """The first of ``variables`` whose groups carry ages (:func:`weight_kind` "age"), or None."""
    return next((v for v in variables if weight_kind(meta, v) == "age"), None)


class BreakdownWeights(NamedTuple):
    """The weights of one breakdown in one wave (:func:`breakdown_weights`): ``weights``
    (fractions summing to 1 by group label), ``members`` (for approval: each label's groups;
    None otherwise), ``source`` (where they come from, in words), ``other`` (the next nearest
    population table's weights for age, else None) and ``note`` (what a reader must know, or
    "")."""

    weights: pd.Series
    members: dict[str, tuple[str, ...]] | None
    source: str
    other: pd.Series | None
    note: str


def breakdown_weights(meta: Mapping, populations: Mapping[str, pd.DataFrame],
                      approval: pd.DataFrame, wave: str, variable: str) -> BreakdownWeights:
    """The weights of ``variable``'s groups in ``wave`` by :func:`weight_kind`'s choice, for a
    check of every breakdown against its total; :class:`NoWeights` says why there are none.

    Age: the nearest population table (:func:`wave_age_weights`) with the next nearest beside
    it; approval: the wave's approval month (an incomplete month enters with its unpublished
    groups merged, :func:`approval_weights`); given sizes: :func:`given_sizes`.
    """
    kind = weight_kind(meta, variable)
    if kind == "age":
        aw = wave_age_weights(populations, meta, wave, variable)
        return BreakdownWeights(aw.weights, None, f"population {aw.date}", aw.other_weights, "")
    if kind == "approval":
        try:
            split = wave_approval_weights(meta, approval, wave)
        except NoWeights:
            raise NoWeights("no approval split is recorded for the wave's month") from None
        merged = [ms for ms in split.members.values() if len(ms) > 1]
        groups = meta["subgroups"][variable]["groups"]
        names = [str((groups.get(g) or {}).get("label", g)) for g in merged[0]] if merged else []
        note = (f"approval {split.month} gives no separate weight for "
                f"{' and '.join(names)}: they enter as one group" if merged else "")
        return BreakdownWeights(split.weights, split.members, f"approval {split.month}", None,
                                note)
    if kind == "given":
        w, source = given_sizes(meta, variable)
        return BreakdownWeights(w, None, source, None, "")
    raise NoWeights("no source gives the sizes of its groups")


# --------------------------------------------------------------------------------------------
# Age
# --------------------------------------------------------------------------------------------
def age_bands(meta: Mapping, variable: str = "age") -> dict[str, tuple[int, int | None]] | None:
    """``{group: (min_age, max_age)}`` of a breakdown variable whose groups carry their ages.

    ``max_age`` None is an open band ("55 and older"). None when some group of the variable
    has no ``min_age`` (the variable is not an age breakdown).
    """
    groups = meta["subgroups"][variable]["groups"]
    if not all(isinstance(g, Mapping) and "min_age" in g for g in groups.values()):
        return None
    return {str(k): (int(g["min_age"]), None if g.get("max_age") is None else int(g["max_age"]))
            for k, g in groups.items()}


def age_weights(population: pd.DataFrame, meta: Mapping, variable: str = "age") -> pd.Series:
    """Rosstat population shares (fractions summing to 1) of the variable's age bands."""
    bands = age_bands(meta, variable)
    if bands is None:
        raise NoWeights(f"the groups of {variable!r} carry no ages")
    return population_weights(population, bands)


def _days(date: str) -> int:
    return datetime.date.fromisoformat(date).toordinal()


def nearest_dates(dates: Sequence[str], wave: str) -> list[str]:
    """Reference dates ("YYYY-MM-DD") ordered by distance from the first day of ``wave``
    ("YYYY-MM"), nearest first; ties go to the earlier date."""
    start = _days(f"{wave}-01")
    return sorted(dates, key=lambda d: (abs(_days(d) - start), d))


class AgeWeights(NamedTuple):
    """Age weights of one wave from the nearest population table (:func:`wave_age_weights`).

    ``date``: the table's reference date; ``years``: its distance from the wave in years (to
    0.1); ``weights``: fractions summing to 1 by band; ``other_date`` / ``other_weights``: the
    next nearest table and its weights (``""`` / None when only one table exists).
    """

    date: str
    years: float
    weights: pd.Series
    other_date: str
    other_weights: pd.Series | None


def wave_age_weights(populations: Mapping[str, pd.DataFrame], meta: Mapping, wave: str,
                     variable: str = "age") -> AgeWeights:
    """:func:`age_weights` of ``wave`` from the nearest of ``populations`` (``{date: table}``,
    :func:`chasm.data.load.load_populations`), with the next nearest table's weights beside it."""
    if not populations:
        raise NoWeights("no population table")
    order = nearest_dates(list(populations), wave)
    years = round(abs(_days(order[0]) - _days(f"{wave}-01")) / 365.25, 1)
    other = order[1] if len(order) > 1 else ""
    return AgeWeights(order[0], years, age_weights(populations[order[0]], meta, variable),
                      other, age_weights(populations[other], meta, variable) if other else None)


def population_text(populations: Mapping[str, pd.DataFrame], meta: Mapping,
                    waves: Sequence[str], variable: str = "age") -> str:
    """Which population table each wave's age weights use, in words (plain text for
    ``report.say``): the table's date and distance from the wave, and, when a second table
    exists, by how many points the next nearest one would move a weight; when only one table
    exists, a sentence saying that this cannot be measured."""

    waves = sorted(waves)
    if not waves:
        return "No wave here needs age weights."
    chosen = {w: wave_age_weights(populations, meta, w, variable) for w in waves}
    by_date: dict[str, list[str]] = {}
    for w, c in chosen.items():
        by_date.setdefault(c.date, []).append(f"{w} ({formats.fmt(c.years)} years away)")
    used = "; ".join(f"Rosstat's table of {d} for "
                     + (" and ".join([", ".join(ws[:-1]), ws[-1]]) if len(ws) > 1 else ws[0])
                     for d, ws in by_date.items())
    if len(populations) < 2:
        return (f"Age weights: {used}. It is the only population table in data/raw, so how "
                "much the weights of another year would move cannot be measured here.")
    moves = {w: 100 * float((c.weights - c.other_weights).abs().max())
             for w, c in chosen.items()}
    widest = max(moves, key=lambda w: (moves[w], w))
    return (f"Age weights: {used}. The next nearest table moves an age weight by at most "
            f"{formats.fmt(moves[widest])} points (wave {widest}, table of "
            f"{chosen[widest].other_date}).")


# --------------------------------------------------------------------------------------------
# Approval
# --------------------------------------------------------------------------------------------
class ApprovalWeights(NamedTuple):
    """Levada's approval split of one month as group weights (see the module docstring).

    ``published``: the three shares as published (NaN where not stated); ``raw_sum``: the sum
    of the published shares; ``complete``: all three are published; ``weights``: fractions
    summing to 1, indexed by display label (a merged group's label joins its members);
    ``members``: for each label of ``weights`` the tuple of approval groups it stands for;
    ``grid``: weight vectors over the rounding box of the published shares (27 when complete,
    3 when one share is published), renormalised when complete.
    """

    month: str
    published: pd.Series
    raw_sum: float
    complete: bool
    weights: pd.Series
    members: dict[str, tuple[str, ...]]
    grid: list[pd.Series]


def approval_weights(approval: pd.DataFrame, month: str | None) -> ApprovalWeights:
    """Approval split of ``month`` from ``load.load_approval()``; :class:`NoWeights` if none."""
    row = approval[approval["month"] == month] if month else approval.iloc[0:0]
    if row.empty:
        raise NoWeights(f"month {month!r} is not in the approval series")
    published = pd.Series(row.iloc[0][list(APPROVAL_GROUPS)].astype(float).to_numpy(),
                          index=list(APPROVAL_GROUPS))
    known = [g for g in APPROVAL_GROUPS if not np.isnan(published[g])]
    if not known:
        raise NoWeights(f"month {month!r} publishes no approval share")
    raw_sum = float(published[known].sum())
    # The grid by numpy, one row per corner of the rounding box: the same additions, clipping,
    # sums (each row's 1-D sum, as pandas sums a Series) and divisions as pandas' per corner.
    if len(known) == len(APPROVAL_GROUPS):
        members = {g: (g,) for g in APPROVAL_GROUPS}
        shifted = published.to_numpy() + _corners(len(APPROVAL_GROUPS))
        shifted = np.where(np.isnan(shifted) | (shifted >= 0.0), shifted, 0.0)  # clip(lower=0)
        index = published.index
        with np.errstate(divide="ignore", invalid="ignore"):  # all zero: NaN, as pandas gave
            grid = [pd.Series(row / row.sum(), index=index) for row in shifted]
        return ApprovalWeights(month, published, raw_sum, True, published / raw_sum, members,
                               grid)
    rest = tuple(g for g in APPROVAL_GROUPS if g not in known)
    members = {g: (g,) for g in known} | {merged_label(rest): rest}
    index = pd.Index([*known, merged_label(rest)])

    def split(shares: np.ndarray) -> pd.Series:
        return pd.Series(np.append(shares / 100.0, 1.0 - float(shares.sum()) / 100.0),
                         index=index)

    values = published[known].to_numpy()
    grid = [split(row) for row in values + _corners(len(known))]
    return ApprovalWeights(month, published, raw_sum, False, split(values), members, grid)


def _corners(k: int) -> np.ndarray:
    """The rounding box's corners and mid-points: every vector of -0.5, 0, 0.5 over ``k``
    shares, in ``itertools.product`` order."""
    return np.array(list(itertools.product((-0.5, 0.0, 0.5), repeat=k)), dtype=float)


def wave_approval_weights(meta: Mapping, approval: pd.DataFrame, wave: str) -> ApprovalWeights:
    """:func:`approval_weights` of the wave's ``approval_month`` (``metadata/waves.yaml``)."""
    return approval_weights(approval, meta["waves"][wave].get("approval_month"))


class GroupWeight(NamedTuple):
    """One approval group's weight: ``w``; ``upper_bound`` True when it is only the most the
    group can be (a member of a merged group: the merged group's largest weight on the grid)."""

    w: float
    upper_bound: bool


def group_weight(aw: ApprovalWeights, group: str) -> GroupWeight:
    """The weight of one approval group under :func:`approval_weights`' policy."""
    if group in aw.published.dropna().index:
        return GroupWeight(float(aw.weights[group]), False)
    for label, members in aw.members.items():
        if group in members:
            return GroupWeight(min(1.0, max(float(w[label]) for w in aw.grid)), True)
    raise NoWeights(f"{group!r} is not an approval group")


class NoAnswerWindow(NamedTuple):
    """The no-answer share over recent published months: ``low``, ``high`` (percent) and the
    number of ``months`` (0 with NaN ends when none is published)."""

    low: float
    high: float
    months: int


def no_answer_window(approval: pd.DataFrame, month: str,
                     months: int = RECENT_MONTHS) -> NoAnswerWindow:
    """Range of the no-answer share over the last ``months`` months before ``month`` that
    publish it (months are "YYYY-MM" strings, so they sort in time)."""
    recent = approval[(approval["month"] < month) & approval["no_answer"].notna()]
    recent = recent.sort_values("month").tail(months)["no_answer"].astype(float)
    if recent.empty:
        return NoAnswerWindow(np.nan, np.nan, 0)
    return NoAnswerWindow(float(recent.min()), float(recent.max()), len(recent))


# --------------------------------------------------------------------------------------------
# Merging and sizes
# --------------------------------------------------------------------------------------------
def merge_groups(weights: pd.Series, groups: Sequence[str], label: str | None = None
                 ) -> pd.Series:
    """Weights with ``groups`` replaced by one group (their summed weight), placed last.

    ``label`` defaults to :func:`merged_label` of the groups.
    """
    keep = [g for g in weights.index if g not in groups]
    merged = weights[keep].copy()
    merged[label or merged_label(groups)] = float(weights[list(groups)].sum())
    return merged


def group_sizes(weights: pd.Series | Mapping[str, float], n: float) -> pd.Series:
    """Interviews behind each group: ``n_g = w_g N``."""
    return pd.Series(weights, dtype=float) * float(n)


__all__ = [
    "APPROVAL_VARIABLE", "APPROVAL_GROUPS", "RECENT_MONTHS", "NoWeights", "merged_label",
    "weight_kind", "age_variable", "BreakdownWeights", "breakdown_weights", "age_bands",
    "age_weights",
    "nearest_dates", "AgeWeights", "wave_age_weights", "population_text",
    "ApprovalWeights", "approval_weights", "wave_approval_weights", "GroupWeight",
    "group_weight", "NoAnswerWindow", "no_answer_window", "merge_groups", "group_sizes",
    "given_sizes",
]


def given_sizes(meta: Mapping, variable: str, sources: pd.DataFrame | None = None
                ) -> tuple[pd.Series, str] | None:
    """The group shares a breakdown's metadata gives (``sizes`` in ``subgroups.yaml``),
    normalised to sum to 1, and where they come from ("sizes given by <publisher>,
    <published>"); None if the breakdown gives none. Checks (a ``RawDataError`` naming file,
    key and value): every group of the variable has a size and no unknown group is named, the
    sizes sum to 100 within the rounding of their parts (±0.5 each), the source is a row of
    ``sources.csv``."""
    spec = meta["subgroups"].get(variable, {}).get("sizes")
    if spec is None:
        return None
    path = paths.METADATA / "subgroups.yaml"
    groups, given = list(meta["subgroups"][variable]["groups"]), spec["groups"]
    for g in given:
        if g not in groups:
            raise schema.RawDataError(path, f"not a group of {variable!r} (groups: "
                                      f"{', '.join(groups)})", key=f"{variable}.sizes.groups.{g}",
                                      value=g)
    for g in groups:
        if g not in given:
            raise schema.RawDataError(path, f"group {g!r} has no size: give every group's",
                                      key=f"{variable}.sizes.groups")
    total = float(sum(given.values()))
    if abs(total - 100) > 0.5 * len(given):
        raise schema.RawDataError(path, f"sizes sum to {total:g}, not 100 within their rounding",
                                  key=f"{variable}.sizes.groups", value=total)
    sources = load.load_sources() if sources is None else sources
    row = sources[sources["source_id"] == spec["source"]]
    if row.empty:
        raise schema.RawDataError(path, "source not in data/raw/sources.csv",
                                  key=f"{variable}.sizes.source", value=spec["source"])
    r = row.iloc[0]
    w = pd.Series({g: float(given[g]) / total for g in groups}, name="weight")
    return w, f"sizes given by {r['publisher']}, {r['published']}"
