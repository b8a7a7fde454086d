"""Table-level logic of notebook 08_series: one share over every wave the data have.

* :func:`approval_figures` - Levada's monthly Putin approval series as rows of the tidy figures
  table (question ``putin_approval``), so that it is one more series to pick;
* :func:`select` - the figures of one question, option and subgroup over the chosen waves,
  each with its source's outlet, its wave's time in years and the interviews behind it;
  parameters the data do not have are rejected with a message that lists what exists;
* :func:`shares` - every figure with its interval (``chasm.analysis.uncertainty.figure_intervals``:
  Wilson on effective counts, exact Clopper-Pearson near 0 and 100, the union over its rounding or
  wording range);
* :func:`adjacent_changes` - the change between each wave and the next, for every combination
  of the two waves' sources, with the multiplicity adjustment over the series;
* :func:`source_conflicts` - the changes whose verdict depends on which source is believed;
* :func:`trend_tests` - the logit-linear trend and the test of equal shares
  (``chasm.stats.trend``) on the figure chosen per wave, and how they move with the sources;
  for a monthly tracker, autocorrelation-robust tests (:func:`robust_trends`), and
  :func:`trend_p`, the one p a trend verdict may rest on.

The sentences, tables and chart title of the report are written in ``notebooks/08_series``
(``09_methods`` reads the approval series through :func:`select` too).

WHY. A series is where a change of a few points is read as a finding. Each adjacent change is
judged by the one comparison engine (``chasm.analysis.compare``: rounding as noise, the least
favourable rounding only as robustness); a change the analysis plan declares keeps the plan's
id, family and adjusted p; the others are one test each of the series' family (every adjacent
pair of waves the selection has, with the figure ``chasm.data.figures.best`` picks per wave),
adjusted together (Holm by default); a
figure from another source for the same wave is an alternative, never averaged in: its test is
adjusted in the family where it replaces the chosen one (``chasm.analysis.waves.holm_in_family``),
so a
reader sees whether the verdict rests on which outlet is believed.

N. Figures of the tidy table take each wave's N from ``metadata/waves.yaml`` (and subgroup sizes
from ``chasm.analysis.uncertainty.subgroup_sizes``). The approval series is monthly: a month that
is a
wave in ``metadata/waves.yaml`` takes that wave's N; every other month is not described there,
and Levada's standard design size (the N of its published error table) is assumed and said so.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chasm import formats
from chasm.analysis import uncertainty
from chasm.analysis.compare import compare
from chasm.analysis.waves import holm_in_family
from chasm.data import figures as figures_mod
from chasm.data import worded
from chasm.data.params import ParameterError
from chasm.stats import trend as st
from chasm.stats.multiplicity import ADJUST_METHODS
from chasm.stats.sensitivity import detectable_change

#: The question id under which the monthly approval series is offered.
APPROVAL_QUESTION = "putin_approval"
#: Its options (columns of ``putin_approval_monthly.csv``) and their labels.
APPROVAL_OPTIONS = {"approve": "approve of Putin's activities as President",
                    "disapprove": "disapprove of Putin's activities as President",
                    "no_answer": "no answer (approval of Putin)"}
#: How the approval question is described (Levada's ratings page names it so).
APPROVAL_WORDING = ("Do you approve of Vladimir Putin's activities as President of Russia? "
                    "(Levada's monthly rating)")
#: Multiplicity methods a series may declare (``chasm.stats.multiplicity.adjust_pvalues``).
FAMILY_METHODS = {m: formats.fmt_method(m) for m in ADJUST_METHODS}
#: At most this many combinations of sources are tried for the trend test.
MAX_TREND_COMBINATIONS = 256
#: A series with at least this many waves, spaced one month apart at the closest, is a monthly
#: tracker: its trend is judged by autocorrelation-robust tests (``chasm.stats.trend``).
MONTHLY_MIN_WAVES = 24
#: Newey-West lags (months) reported for a monthly tracker: the answer moves with the lag.
HAC_LAGS = (6, 12, 24, 36)

_TIDY = ["figure_id", "source_id", "source_kind", "wave", "question", "option", "subgroup_var",
         "subgroup", "value_pct", "value_text", "point", "low", "high", "rule", "where", "note"]


@dataclass(frozen=True)
class Selection:
    """One series: its cell, labels, and one row per figure (``figures``).

    ``figures`` columns: the tidy columns, ``best`` (the figure used for the wave in the
    family and the trend), ``outlet`` (the source's publisher) and ``outlet_title``
    (publisher and title), ``years`` (the wave's time in years), ``wave_label``, ``n``
    (interviews behind the figure; NaN when unknown), ``n_assumed`` and ``n_source`` (where
    N comes from: the ``n`` parameter, the metadata, a group's weights, or Levada's standard
    design, assumed, for approval months that are no wave). ``missing`` lists the selected
    months of the approval series that do not publish the option's share; ``enough`` is True
    when at least two waves have a testable figure (a point and a known N).
    """

    question: str
    option: str
    subgroup_var: str
    subgroup: str
    question_label: str
    option_label: str
    subgroup_label: str
    figures: pd.DataFrame
    missing: tuple[str, ...] = ()

    @property
    def testable(self) -> pd.DataFrame:
        f = self.figures
        return f[f["point"].notna() & f["n"].notna()]

    @property
    def waves(self) -> list[str]:
        return sorted(self.figures["wave"].unique())

    @property
    def enough(self) -> bool:
        return self.testable["wave"].nunique() >= 2


# --------------------------------------------------------------------------------------------
# The approval series as figures
# --------------------------------------------------------------------------------------------
def approval_figures(approval: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Levada's monthly approval (``chasm.data.load.load_approval()``) as rows of the tidy table.

    One row per month and published share (approve, disapprove, no_answer; a month that
    lacks a share has no row for it), read by the one wording rule (``chasm.data.worded``: a whole
    number is ±0.5). A month whose note starts with "derived" was not published but computed
    from two published whole numbers (2025-02: a November figure plus the fall the release
    states, 84 + 4): the sum of two roundings can be off by up to 1, so its range is ±1
    (rule ``derived sum``). ``figure_id`` is ``A<month>-<option>``; the source kind comes
    from ``sources`` (``chasm.data.load.load_sources()``).
    """
    kinds = sources.set_index("source_id")["kind"]
    rows = []
    for record in approval.to_dict("records"):
        for option in APPROVAL_OPTIONS:
            value = record.get(option)
            if value is None or pd.isna(value):
                continue
            text = f"{value:g}%"
            reading = worded.read(text)
            low, high, rule = reading.low, reading.high, reading.rule
            if str(record.get("note") or "").startswith("derived"):
                low, high = max(0.0, reading.point - 1.0), min(100.0, reading.point + 1.0)
                rule = "derived sum of two rounded figures (±1)"
            rows.append({"figure_id": f"A{record['month']}-{option}",
                         "source_id": record["source_id"],
                         "source_kind": kinds.get(record["source_id"], "primary"),
                         "wave": record["month"], "question": APPROVAL_QUESTION,
                         "option": option, "subgroup_var": "all", "subgroup": "all",
                         "value_pct": float(value), "value_text": text, "point": reading.point,
                         "low": low, "high": high, "rule": rule,
                         "where": "data/raw/putin_approval_monthly.csv",
                         "note": record.get("note") or ""})
    return pd.DataFrame(rows, columns=_TIDY)


# --------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------
def wave_years(wave: pd.Series | list[str]) -> np.ndarray:
    """Time of each wave in years: the middle of its month (``2024-03`` -> 2024.208)."""
    parts = pd.Series(list(wave), dtype=str).str.split("-", expand=True).astype(int)
    return (parts[0] + (parts[1] - 0.5) / 12.0).to_numpy(dtype=float)


def _listing(values) -> str:
    return ", ".join(sorted({str(v) for v in values}))


def check_family_method(family_method: str) -> None:
    """ParameterError unless ``family_method`` is one of :data:`FAMILY_METHODS`."""
    if family_method not in FAMILY_METHODS:
        raise ParameterError(f"family_method={family_method!r} must be one of "
                                    f"{', '.join(FAMILY_METHODS)}")


def select(tidy: pd.DataFrame, approval: pd.DataFrame, meta: dict, sources: pd.DataFrame,
           population: pd.DataFrame, *, question: str, option: str, subgroup_var: str = "all",
           subgroup: str = "all", waves=None, n: int | None = None,
           standard_n: int = 1600) -> Selection:
    """The series of one question/option/subgroup, every figure of every chosen wave.

    ``tidy`` is the processed figures table (worded figures read as identification intervals,
    ``chasm.data.worded.identify``); the approval series (``chasm.data.load.load_approval()``)
    is offered as question :data:`APPROVAL_QUESTION`. ``waves`` (a list of wave ids, one id, or
    None for every wave the data have for the cell) narrows the series. ``n`` overrides every
    wave's N; ``standard_n`` is the N assumed for approval months that are not waves of
    ``metadata/waves.yaml`` (the N of Levada's error table).

    Raises :class:`chasm.data.params.ParameterError` naming the parameter and listing what the
    data have when the question, option, subgroup or a wave is not in the data.
    """
    tidy = worded.identify(tidy)  # words as identification intervals, as in every comparison

    if not isinstance(question, str) or not isinstance(option, str):
        raise ParameterError(f"question and option must be names, got {question!r} and "
                                    f"{option!r}")
    pool = pd.concat([tidy[_TIDY], approval_figures(approval, sources)], ignore_index=True)
    if question not in set(pool["question"]):
        raise ParameterError(f"question={question!r} has no figures; questions with "
                                    f"figures: {_listing(pool['question'])}")
    pool = pool[pool["question"] == question]
    if option not in set(pool["option"]):
        raise ParameterError(f"option={option!r} has no figures for question "
                                    f"{question!r}; options with figures: "
                                    f"{_listing(pool['option'])}")
    pool = pool[pool["option"] == option]
    cell = (pool["subgroup_var"] == subgroup_var) & (pool["subgroup"] == subgroup)
    if not cell.any():
        groups = pool["subgroup_var"] + "/" + pool["subgroup"]
        raise ParameterError(f"subgroup_var/subgroup={subgroup_var}/{subgroup} has no "
                                    f"figures for {question}/{option}; groups with figures: "
                                    f"{_listing(groups)}")
    pool = pool[cell]
    if waves is not None:
        chosen = [waves] if isinstance(waves, str) else list(waves)
        missing = [str(w) for w in chosen if str(w) not in set(pool["wave"])]
        if missing or not chosen:
            raise ParameterError(
                f"waves={chosen!r}: {', '.join(missing) or 'no wave given'} not in the data for "
                f"{question}/{option}, {subgroup_var}/{subgroup}; waves the data have: "
                f"{_listing(pool['wave'])}")
        pool = pool[pool["wave"].isin([str(w) for w in chosen])]
    pool = pool.sort_values(["wave", "figure_id"]).reset_index(drop=True)

    chosen_ids = set(figures_mod.best(pool)["figure_id"])
    src = sources.set_index("source_id")
    rows = pool.assign(
        best=pool["figure_id"].isin(chosen_ids),
        outlet=pool["source_id"].map(src["publisher"]).fillna(pool["source_id"]),
        outlet_title=(pool["source_id"].map(src["publisher"]) + ", \""
                      + pool["source_id"].map(src["title"]) + "\"").fillna(pool["source_id"]),
        years=wave_years(pool["wave"]),
        wave_label=[meta["waves"].get(w, {}).get("label", f"Levada monthly survey, {w}")
                    for w in pool["wave"]])
    if question == APPROVAL_QUESTION:
        in_meta = rows["wave"].isin(list(meta["waves"]))
        rows["n"] = [float(n if n is not None else meta["waves"][w]["n"] if m else standard_n)
                     for w, m in zip(rows["wave"], in_meta, strict=True)]
        rows["n_assumed"] = [n is not None or (bool(meta["waves"][w]["n_assumed"]) if m else True)
                             for w, m in zip(rows["wave"], in_meta, strict=True)]
        rows["n_source"] = np.where(n is not None, "the n parameter",
                                    np.where(in_meta, "metadata/waves.yaml",
                                             "Levada's standard design (assumed)"))
    else:
        sizes = uncertainty.subgroup_sizes(rows, meta, population, approval, n=n)
        rows["n"] = sizes["n_group"].to_numpy()
        rows["n_assumed"] = sizes["n_assumed"].to_numpy()
        rows["n_source"] = sizes["weight_source"].to_numpy()
    q_label = (APPROVAL_WORDING if question == APPROVAL_QUESTION
               else meta["questions"][question]["wording_en"].strip())
    o_label = (APPROVAL_OPTIONS[option] if question == APPROVAL_QUESTION
               else meta["questions"][question]["options"][option]["label"])
    g_label = (meta["subgroups"].get(subgroup_var, {}).get("groups", {}).get(subgroup, {})
               .get("label", subgroup))
    missing: tuple[str, ...] = ()
    if question == APPROVAL_QUESTION:
        months = set(approval["month"]) if waves is None else {str(w) for w in chosen}
        missing = tuple(sorted(months - set(rows["wave"])))
    return Selection(question, option, subgroup_var, subgroup, q_label, o_label, str(g_label),
                     rows, missing)


# --------------------------------------------------------------------------------------------
# Shares, changes, trend
# --------------------------------------------------------------------------------------------
def shares(sel: Selection, deff: float, alpha: float = 0.05) -> pd.DataFrame:
    """Every figure of the series with its interval (percent) at design effect ``deff``.

    ``chasm.analysis.uncertainty.figure_intervals`` with ranges: the union over what the text
    allows.
    Adds ci_low, ci_high, method, n_eff and ``testable`` (a point and a known N).
    """
    f = sel.figures
    ci = uncertainty.figure_intervals(f, f["n"], deff, alpha)
    out = pd.concat([f, ci[["ci_low", "ci_high", "method", "n_eff"]]], axis=1)
    out["testable"] = f["point"].notna() & f["n"].notna()
    return out


_SIDE = ["wave", "figure_id", "source_id", "source_kind", "outlet", "outlet_title",
         "value_text", "point", "low", "high", "n", "best"]


def verdict(p_rounding: float, p_adjusted: float, alpha: float, method: str = "holm") -> str:
    """Plain reading of one adjacent change from the verdict's p (rounding as noise) and its
    family's adjustment. The least favourable rounding is a robustness column beside it, never
    part of the reading (DESIGN.md, "Rounding as ordinary uncertainty")."""
    name = FAMILY_METHODS.get(method, method)
    if pd.isna(p_rounding) or pd.isna(p_adjusted):
        return "no test possible"
    if p_adjusted < alpha:
        return "larger than sampling error"
    if p_rounding < alpha:
        return f"larger than sampling error on its own, but not after the {name} adjustment"
    return "within sampling error"


#: Columns a declared comparison brings from the plan (``chasm.analysis.plan.wave_tests``).
_DECLARED = ["figure_1", "figure_2", "comparison_id", "family", "method", "p_adjusted",
             "p_adjusted_worst"]


def adjacent_changes(sel: Selection, deff: float, alpha: float = 0.05,
                     method: str = "holm", declared: pd.DataFrame | None = None) -> pd.DataFrame:
    """The change from each wave to the next, for every combination of their sources.

    Waves are those with a testable figure, in time order; one row per (step, figure of the
    earlier wave, figure of the later wave), judged by the one comparison engine
    (``chasm.analysis.compare.compare``): ``diff`` = p2 - p1 (points), ``p_value`` the score test at
    the published values, ``p_rounding`` the verdict's test (rounding as noise) and
    ``ci_low``/``ci_high`` its interval, ``p_worst`` the least favourable rounding
    (robustness). ``declared``: the plan's wave comparisons (``chasm.analysis.plan.wave_tests`` at
    the
    same design effect); a step that is one of them takes its comparison id, family and
    adjusted p from there, so a change has one adjusted p in every report. The other steps form
    the series' own family (``series``), adjusted by ``method`` over one test per step (the
    ``best`` pair; an alternative pair in the family where it replaces its step's test,
    ``chasm.analysis.waves.holm_in_family``), with ids ``S-<option>:<wave_1>:<wave_2>`` (an
    alternative
    pair: ``:<figure_1>-<figure_2>`` added). ``verdict`` (:func:`verdict`);
    ``depends_on_source`` True on every row of a step whose verdict differs between
    combinations of sources. Empty when fewer than two waves.
    """
    check_family_method(method)
    test = sel.testable
    order = sorted(test["wave"].unique())
    # every step's combinations of sources in one merge: wave k's figures (step k) against
    # wave k+1's, stably ordered by step (within a step as a cross join of the two waves)
    rank = test["wave"].map({w: i for i, w in enumerate(order)}).to_numpy()
    a = test[_SIDE].add_suffix("_1").assign(step=rank + 1)
    b = test[_SIDE].add_suffix("_2").assign(step=rank)
    columns = ["step"] + [f"{c}_{s}" for s in "12" for c in _SIDE]
    if len(order) < 2:
        return pd.DataFrame(columns=columns + ["months", "comparison_id", "family", "method",
                                               "diff", "ci_low", "ci_high", "z", "p_value",
                                               "noise_var", "p_rounding", "p_worst",
                                               "p_adjusted", "p_worst_adjusted", "verdict",
                                               "depends_on_source", "best"])
    pairs = a.merge(b, on="step").sort_values("step", kind="stable",
                                              ignore_index=True)[columns]
    pairs["months"] = np.rint((wave_years(pairs["wave_2"]) - wave_years(pairs["wave_1"])) * 12)
    pairs["months"] = pairs["months"].astype(int)
    rec = compare(pairs["point_1"], pairs["point_2"], pairs["low_1"], pairs["high_1"],
                  pairs["low_2"], pairs["high_2"], pairs["n_1"], pairs["n_2"], deff, alpha)
    res = pd.concat([pairs, rec], axis=1)
    best = res["best_1"] & res["best_2"]
    res["comparison_id"] = ("S-" + sel.option + ":" + res["wave_1"] + ":" + res["wave_2"]
                            + np.where(best, "", ":" + res["figure_id_1"] + "-"
                                       + res["figure_id_2"]))
    res["family"], res["method"] = "series", method
    res["p_adjusted"], res["p_worst_adjusted"] = np.nan, np.nan
    plan_rows = pd.DataFrame(columns=_DECLARED) if declared is None else declared[_DECLARED]
    hit = res[["figure_id_1", "figure_id_2"]].merge(
        plan_rows, left_on=["figure_id_1", "figure_id_2"], right_on=["figure_1", "figure_2"],
        how="left").set_index(res.index)
    in_plan = hit["comparison_id"].notna()
    steps_in_plan = set(res.loc[in_plan, "step"])
    in_plan = res["step"].isin(steps_in_plan) & in_plan
    if in_plan.any():
        for col in ("comparison_id", "family", "method", "p_adjusted"):
            res.loc[in_plan, col] = hit.loc[in_plan, col]
        res.loc[in_plan, "p_worst_adjusted"] = hit.loc[in_plan, "p_adjusted_worst"]
    own = ~res["step"].isin(steps_in_plan)
    if own.any():
        part = res[own]
        res.loc[own, "p_adjusted"] = holm_in_family(part["p_rounding"], part["step"],
                                                    best[own], method)
        res.loc[own, "p_worst_adjusted"] = holm_in_family(part["p_worst"], part["step"],
                                                          best[own], method)
    res["p_adjusted"] = res["p_adjusted"].astype(float)
    res["p_worst_adjusted"] = res["p_worst_adjusted"].astype(float)
    res["verdict"] = [verdict(p, pa, alpha, m) for p, pa, m in
                      zip(res["p_rounding"], res["p_adjusted"], res["method"], strict=True)]
    res["depends_on_source"] = res.groupby("step")["verdict"].transform("nunique") > 1
    res["best"] = best
    return res.sort_values(["step", "best", "figure_id_1", "figure_id_2"],
                           ascending=[True, False, True, True]).reset_index(drop=True)


def source_conflicts(changes: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``changes`` whose step has more than one combination of sources.

    Keeps every combination of such a step; ``depends_on_source`` says whether the verdict
    differs between them (the source conflict decides the finding).
    """
    if changes.empty:
        return changes
    several = changes.groupby("step")["step"].transform("size") > 1
    return changes[several].reset_index(drop=True)


def check_breaks(sel: Selection, breaks) -> list[str]:
    """The known breaks of the series (``breaks`` parameter: months ``YYYY-MM``), checked.

    A break at month ``m`` is a level shift from ``m`` on (the February -> March 2022 change of
    the wish to emigrate is ``["2022-03"]``). ParameterError unless each is a month after the
    series' first testable wave and at or before its last, with waves on both sides.
    """
    chosen = [breaks] if isinstance(breaks, str) else list(breaks or [])
    waves = sorted(sel.testable["wave"].unique())
    out = []
    for b in chosen:
        if not isinstance(b, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", b):
            raise ParameterError(f"breaks: {b!r} is not a month YYYY-MM")
        if not waves or not waves[0] < b <= waves[-1]:
            raise ParameterError(
                f"breaks: {b!r} is not inside the series ({', '.join(waves[:1] + waves[-1:])}): "
                "a break needs waves before and from it")
        out.append(b)
    if len(set(out)) != len(out):
        raise ParameterError(f"breaks: {chosen!r} names a month twice")
    return sorted(out)


def _steps(waves: pd.Series, breaks: list[str]) -> np.ndarray | None:
    """0/1 level-shift columns, one per break (1 from the break's month on)."""
    if not breaks:
        return None
    return np.column_stack([(waves.to_numpy() >= b).astype(float) for b in breaks])


def is_monthly(chosen: pd.DataFrame) -> bool:
    """A monthly tracker: at least :data:`MONTHLY_MIN_WAVES` waves, the closest one month apart."""
    if len(chosen) < MONTHLY_MIN_WAVES:
        return False
    gaps = np.diff(np.sort(chosen["years"].to_numpy())) * 12
    return bool(np.isclose(gaps.min(), 1.0))


def robust_trends(chosen: pd.DataFrame, breaks: list[str], alpha: float) -> pd.DataFrame:
    """Autocorrelation-robust trend tests of a monthly series, on two scales.

    For the share in points and its logit: OLS with Newey-West errors at each of
    :data:`HAC_LAGS`, a regression with AR(1) errors by maximum likelihood (missing months
    left missing) and two-step Cochrane-Orcutt (``chasm.stats.trend``); slopes per year, with
    the breaks as level shifts. One row per scale and method.
    """
    y_pct = chosen["point"].to_numpy(dtype=float)
    t = chosen["years"].to_numpy(dtype=float)
    steps = _steps(chosen["wave"], breaks)
    rows = []
    with np.errstate(divide="ignore"):
        scales = {"points": y_pct, "log-odds": np.log(y_pct / (100.0 - y_pct))}
    for scale, y in scales.items():
        if not np.isfinite(y).all():  # a share of 0% or 100% has no logit
            continue
        fits = [st.newey_west_trend(y, t, lags, steps, alpha) for lags in HAC_LAGS]
        fits += [st.ar1_trend(y, t, steps, alpha, step=1 / 12),
                 st.cochrane_orcutt_trend(y, t, steps, alpha)]
        rows += [{"scale": scale, **f.__dict__} for f in fits]
    return pd.DataFrame(rows)


def robust_verdict(robust: pd.DataFrame | None, alpha: float) -> str | None:
    """``established`` if every autocorrelation-robust test finds the trend, ``not established``
    if none does, ``depends on the method`` otherwise; None without robust tests. Requiring
    all of them is deliberate: picking the one method that shows a trend would be a choice
    made after seeing the results."""
    if robust is None or robust.empty:
        return None
    sig = robust["p_value"] < alpha
    return "established" if sig.all() else "not established" if not sig.any() else \
        "depends on the method"


def trend_tests(sel: Selection, deff: float, alpha: float = 0.05,
                breaks: list[str] | tuple[str, ...] = ()) -> dict | None:
    """Trend and heterogeneity of the series on the figure chosen per wave; None if < 2 waves.

    Returns a dict: the :class:`chasm.stats.trend.Trend` fields, the odds ratio's interval
    (``odds_ratio_low``, ``odds_ratio_high``: the slope's, exponentiated), ``heterogeneity`` (a
    :class:`chasm.stats.trend.Heterogeneity`), ``k`` waves, ``first``/``last`` wave, and for
    waves with several sources, the smallest and largest trend p-value over every combination
    of sources (``p_min``, ``p_max``, ``combinations``; up to :data:`MAX_TREND_COMBINATIONS`);
    ``breaks`` (checked months, level shifts in every model), and for a monthly tracker
    (:func:`is_monthly`) ``robust`` (:func:`robust_trends`) and ``robust_verdict``.
    """
    if not sel.enough:
        return None
    breaks = check_breaks(sel, breaks)
    test = sel.testable
    chosen = test[test["best"]].sort_values("wave")
    if chosen["wave"].nunique() != len(chosen):  # every wave has exactly one best figure
        raise ValueError("the series has more than one chosen figure for a wave")
    if breaks and len(chosen) < len(breaks) + 3:
        raise ParameterError(
            f"breaks: {breaks!r} leave{'s' if len(breaks) == 1 else ''} too few of the "
            f"{len(chosen)} waves to fit a trend beside the level shifts (need "
            f"{len(breaks) + 3})")
    fit = st.logistic_trend(chosen["point"], chosen["n"], deff, chosen["years"], alpha,
                         _steps(chosen["wave"], breaks))
    het = st.heterogeneity(chosen["point"], chosen["n"], deff)
    options = [g.index.tolist() for _, g in test.groupby("wave", sort=True)]
    total = int(np.prod([len(o) for o in options]))
    ps = [fit.p_value]
    if 1 < total <= MAX_TREND_COMBINATIONS:
        ps = [st.logistic_trend(test.loc[list(c), "point"], test.loc[list(c), "n"], deff,
                             test.loc[list(c), "years"], alpha,
                             _steps(test.loc[list(c), "wave"], breaks)).p_value
              for c in itertools.product(*options)]
    robust = robust_trends(chosen, breaks, alpha) if is_monthly(chosen) else None
    return {**fit.__dict__, "odds_ratio_low": float(np.exp(fit.ci_low)),
            "odds_ratio_high": float(np.exp(fit.ci_high)), "heterogeneity": het,
            "first": chosen["wave"].iloc[0],
            "last": chosen["wave"].iloc[-1], "combinations": total if len(ps) > 1 else 1,
            "p_min": float(min(ps)), "p_max": float(max(ps)), "breaks": breaks,
            "robust": robust, "robust_verdict": robust_verdict(robust, alpha)}


def trend_p(tr: dict) -> float:
    """The trend p-value a headline may rest on: for a monthly tracker the largest p of the
    autocorrelation-robust tests (the trend holds only if every one of them finds it, see
    :func:`robust_verdict`); else the quasi-binomial one when there are more than two waves
    (it allows for the waves scattering more than sampling error), else the binomial
    likelihood-ratio one."""
    if tr.get("robust") is not None and not tr["robust"].empty:
        return float(tr["robust"]["p_value"].max())
    return tr["p_value_overdispersed"] if np.isfinite(tr["p_value_overdispersed"]) \
        else tr["p_value"]


def median_detectable(chosen: pd.DataFrame, deff: float, alpha: float) -> dict[str, float]:
    """The smallest change found with 80% power between two waves at the series' median share
    and median N: tested alone (``one``, at ``alpha``) and as the first step of Holm over every
    adjacent change (``holm``, at ``alpha / steps``). Why the per-step tests of a long monthly
    series have almost no power (08_series)."""
    share, n = float(chosen["point"].median()), float(chosen["n"].median())
    steps = len(chosen) - 1
    return {"share": share, "n": n, "steps": steps,
            "one": detectable_change(share, n, n, deff, deff, alpha),
            "holm": detectable_change(share, n, n, deff, deff, alpha / steps)}

