"""Table-level logic of notebook 09_methods: what a survey methodologist would add.

For every comparison of the analysis plan with a given role (by default the confirmatory ones,
read from ``data/plan.yaml``, never listed here), tested once by ``chasm.analysis.plan.wave_tests``:

* :func:`posterior_table` - a posterior for the change with each published figure's rounding
  (or wording) as a latent interval (``chasm.stats.posterior``): P(change in the published
  direction), P(a change beyond the smallest and beyond the published size), median and
  credible interval;
* :func:`tau_table` - the wave-level non-sampling SD at which each verdict flips
  (``chasm.stats.nonsampling.tipping_tau``, on the verdict's own test: score-test sampling
  variance plus rounding as noise, adjusted within the plan's family), beside
  :func:`tracker_tau`, what a monthly tracker of the same design says that SD is;
* :func:`design_table` - a design analysis of each significant change (power, type S and
  exaggeration ratio for plausible true effects, ``chasm.stats.design_analysis``) on the
  verdict's standard error;
* :func:`decomposition_table` - how much of each change a change in the composition by a
  breakdown variable (Putin approval) could explain (``chasm.stats.decomposition``), with the
  published group shares and approval weights, bounds where they leave values open;

The sentences and the stacked table of ``reports/tables/09_methods.csv`` are written in
``notebooks/09_methods``.

WHY HERE. ``chasm.stats`` holds the formulas (numbers in, numbers out); this module decides
which figures they are applied to: the plan's comparisons, the figure ``wave_tests`` chose for
each wave, the approval weights of ``chasm.analysis.weights``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm.analysis import plan, series
from chasm.analysis import weights as wt
from chasm.data.load import APPROVAL_VARIABLE
from chasm.data.params import ParameterError
from chasm.stats.decomposition import composition_range
from chasm.stats.design_analysis import retrodesign
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.nonsampling import pvalues_with_tau, tau_from_tracker, tipping_tau
from chasm.stats.posterior import change_posterior
from chasm.stats.rounding import rounding_variance

#: Tracker windows for :func:`tracker_tau`: None is the whole series, a number the last months.
TRACKER_WINDOWS = (None, 120, 36)


# --------------------------------------------------------------------------------------------
# The comparisons
# --------------------------------------------------------------------------------------------
def comparisons(analysis, tidy: pd.DataFrame, meta: dict, deff: float, n: int | None,
                role: str = "confirmatory") -> pd.DataFrame:
    """The plan's comparisons of ``role``, each as tested by ``chasm.analysis.plan.wave_tests`` (its
    chosen figures, one row per comparison id), with ``family_rows`` the whole family's rows
    (needed to adjust within it). ParameterError if the plan has none of that role."""
    roles = sorted(set(analysis.comparisons["role"]))
    if role not in roles:
        raise ParameterError(f"role={role!r}: the plan's comparisons have roles "
                                    f"{', '.join(roles)}")
    tests = plan.wave_tests(analysis, tidy, meta, deff, n=n)
    tests = tests[tests["best"]].reset_index(drop=True)
    labels = {(q, o): spec["label"] for q, qs in meta["questions"].items()
              for o, spec in qs["options"].items()}
    tests["label"] = [labels.get((q, o), o) for q, o in zip(tests["question"], tests["option"],
                                                             strict=True)]
    return tests


def _verdict_variance(rows: pd.DataFrame) -> np.ndarray:
    """Variance (points^2) of each change under the verdict's test: the score test's sampling
    variance ``(diff / z)^2`` plus each figure's rounding variance (``chasm.stats.rounding``)."""
    from scipy.stats import norm


    z, diff = rows["z"].to_numpy(dtype=float), rows["diff"].to_numpy(dtype=float)
    # a change of exactly 0 has z = 0: its sampling SD from the interval instead (p is 1
    # whatever it is)
    half = (rows["ci_high"] - rows["ci_low"]).to_numpy(dtype=float) / 2 / norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        sampling = np.where(z != 0, (diff / np.where(z != 0, z, 1.0)) ** 2, half ** 2)
    return np.asarray(sampling + rounding_variance(rows["low1"], rows["high1"])
                      + rounding_variance(rows["low2"], rows["high2"]), dtype=float)


def _of_role(tests: pd.DataFrame, role: str) -> pd.DataFrame:
    return tests[tests["role"] == role].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# (a) posterior with rounding as a latent interval
# --------------------------------------------------------------------------------------------
def posterior_table(tests: pd.DataFrame, role: str, alpha: float) -> pd.DataFrame:
    """One row per comparison of ``role``: the posterior of its change (see module)."""
    rows = []
    for r in _of_role(tests, role).itertuples(index=False):
        direction = -1 if r.diff < 0 else 1
        published = abs(float(r.diff))
        # the smallest change in the published direction the two ranges allow
        floor = max(0.0, (r.low1 - r.high2) if direction < 0 else (r.low2 - r.high1))
        post = change_posterior(r.low1, r.high1, r.low2, r.high2, r.n1, r.n2, r.deff, r.deff,
                                sizes=[floor, published], direction=direction, alpha=alpha)
        rows.append({"comparison_id": r.comparison_id, "answer": r.label,
                     "wave_1": r.wave1, "wave_2": r.wave2, "text_1": r.text_1,
                     "text_2": r.text_2, "published change (points)": float(r.diff),
                     "direction": ("fall" if direction < 0 else "rise" if r.diff > 0
                                   else "rise (none published)"),
                     "P(change in that direction)": post.p_direction,
                     "smallest size the figures allow (points)": floor,
                     "P(beyond the smallest size)": post.p_beyond[0],
                     "P(beyond the published size)": post.p_beyond[1],
                     "posterior median (points)": post.median,
                     "credible low (points)": post.ci_low,
                     "credible high (points)": post.ci_high,
                     "posterior SD (points)": post.sd})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# (b) wave-level non-sampling variance
# --------------------------------------------------------------------------------------------
def tracker_series(approval: pd.DataFrame, meta: dict, sources: pd.DataFrame,
                   population: pd.DataFrame, option: str, standard_n: int) -> pd.DataFrame:
    """The monthly tracker (``chasm.analysis.series`` approval series, option ``option``) on a full
    monthly grid: ``month``, ``point`` (NaN where the month is missing) and ``n``."""
    empty = pd.DataFrame(columns=series._TIDY)
    sel = series.select(empty, approval, meta, sources, population,
                        question=series.APPROVAL_QUESTION, option=option,
                        standard_n=standard_n)
    rows = sel.testable[sel.testable["best"]].sort_values("wave")
    grid = pd.period_range(rows["wave"].iloc[0], rows["wave"].iloc[-1], freq="M").astype(str)
    return (rows.set_index("wave")[["point", "n"]].reindex(grid)
            .rename_axis("month").reset_index())


def tracker_tau(monthly: pd.DataFrame, deff: float,
                windows: tuple[int | None, ...] = TRACKER_WINDOWS) -> pd.DataFrame:
    """What the tracker's month-to-month scatter says about the wave-level SD ``tau``, for
    each window (None: whole series; k: the last k months) (``tau_from_tracker``)."""
    rows = []
    for w in windows:
        part = monthly if w is None else monthly.iloc[-int(w):]
        y = part["point"].to_numpy(dtype=float)
        sv = y * (100 - y) / (part["n"].to_numpy(dtype=float) / deff)
        t = tau_from_tracker(y, sv)
        rows.append({"window": "whole series" if w is None else f"last {w} months",
                     "from": part["month"].iloc[0], "to": part["month"].iloc[-1],
                     "monthly changes": t.months,
                     "noise variance (points²)": t.noise_var,
                     "sampling variance (points²)": t.sampling_var,
                     "rounding variance (points²)": t.rounding_var,
                     "tau estimate (points)": t.tau, "tau upper bound (points)": t.tau_upper})
    return pd.DataFrame(rows)


def tau_table(tests: pd.DataFrame, role: str, alpha: float) -> pd.DataFrame:
    """For each comparison of ``role``: its adjusted p on the verdict's test, and the
    wave-level SD ``tau`` at which that adjusted p reaches ``alpha`` (0 if it already does);
    the family is the plan's, every member with the same extra ``2 tau^2``."""
    out = []
    for fam, rows in tests.groupby("family", sort=True):
        rows = rows.reset_index(drop=True)
        if not (rows["role"] == role).any():
            continue
        method = str(rows["method"].iloc[0])
        var = _verdict_variance(rows)
        adjusted = adjust_pvalues(pvalues_with_tau(rows["diff"], var, 0.0), method)
        for i, r in rows.iterrows():
            if r["role"] != role:
                continue
            out.append({"comparison_id": r["comparison_id"], "answer": r["label"],
                        "family": fam, "method": method,
                        "p_adjusted": float(np.asarray(adjusted)[i]),
                        "significant": bool(np.asarray(adjusted)[i] < alpha),
                        "tipping tau (points)": tipping_tau(rows["diff"], var, i, method,
                                                            alpha)})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# (c) design analysis
# --------------------------------------------------------------------------------------------
def design_table(tests: pd.DataFrame, role: str, effects, alpha: float) -> pd.DataFrame:
    """Power, type S and exaggeration ratio of each comparison of ``role`` for every plausible
    true effect (points), on the verdict's standard error (sampling and rounding)."""
    rows = []
    mine = _of_role(tests, role)
    se = np.sqrt(_verdict_variance(mine))
    for r, s in zip(mine.itertuples(index=False), se, strict=True):
        for a in effects:
            d = retrodesign(a, s, alpha)
            rows.append({"comparison_id": r.comparison_id, "answer": r.label,
                         "published change (points)": float(r.diff),
                         "standard error (points)": float(s),
                         "plausible true change (points)": float(a), "power": d.power,
                         "type S error": d.type_s, "exaggeration ratio": d.exaggeration,
                         "expected significant size (points)": d.exaggeration * float(a)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# (d) Kitagawa decomposition by approval
# --------------------------------------------------------------------------------------------
def _partition(aw1, aw2) -> dict[str, tuple[str, ...]]:
    """The finest grouping both waves' approval weights can express: merged groups of either
    wave absorb the groups of the other that share a member."""
    groups: list[set[str]] = []
    for members in list(aw1.members.values()) + list(aw2.members.values()):
        s = set(members)
        for g in [g for g in groups if g & s]:
            s |= g
            groups.remove(g)
        groups.append(s)
    ordered = [tuple(m for m in wt.APPROVAL_GROUPS if m in g) for g in groups]
    ordered.sort(key=lambda ms: wt.APPROVAL_GROUPS.index(ms[0]))
    return {wt.merged_label(ms) if len(ms) > 1 else ms[0]: ms for ms in ordered}


def _coarse(weights: pd.Series, members_of: dict, partition: dict) -> np.ndarray:
    """A weight vector of one wave summed into the partition's groups."""
    out = []
    for ms in partition.values():
        total = 0.0
        for label, own in members_of.items():
            if set(own) <= set(ms):
                total += float(weights[label])
        out.append(total)
    return np.array(out)


def decomposition_table(tests: pd.DataFrame, role: str, tidy: pd.DataFrame, meta: dict,
                        approval: pd.DataFrame, variable: str = APPROVAL_VARIABLE) -> pd.DataFrame:
    """For each comparison of ``role``: the composition part of its change by approval group
    (Kitagawa), as a range over what the published figures leave open.

    Groups: the finest partition both waves' approval months publish (``chasm.analysis.weights``; a
    merged group where a month publishes only some shares). Weights: every corner of each
    month's rounding grid. Group shares: a group's published figure for the option (its
    rounding interval) where the breakdown ``variable`` publishes it for that wave and group,
    else anything in 0-100; each wave's published total (its range) ties them together.
    A comparison whose waves have no approval month, or no group figure at all, gets no row.
    """
    if wt.weight_kind(meta, variable) != "approval":
        raise ParameterError(f"breakdown={variable!r}: only putin_approval has group "
                                    "weights for every wave (Levada's approval series)")
    rows = []
    for r in _of_role(tests, role).itertuples(index=False):
        try:
            aw1 = wt.wave_approval_weights(meta, approval, r.wave1)
            aw2 = wt.wave_approval_weights(meta, approval, r.wave2)
        except wt.NoWeights:
            continue
        part = _partition(aw1, aw2)
        box = {}
        for wave in (r.wave1, r.wave2):
            cells = tidy[(tidy["wave"] == wave) & (tidy["question"] == r.question)
                         & (tidy["option"] == r.option) & (tidy["subgroup_var"] == variable)
                         & tidy["point"].notna()]
            lo, hi, known = [], [], []
            for label, ms in part.items():
                c = cells[cells["subgroup"] == ms[0]] if len(ms) == 1 else cells.iloc[0:0]
                if len(c):
                    lo.append(float(c["low"].min()))
                    hi.append(float(c["high"].max()))
                    known.append(f"{label} {', '.join(c['value_text'])}")
                else:
                    lo.append(0.0)
                    hi.append(100.0)
            box[wave] = (np.array(lo), np.array(hi), known)
        if not box[r.wave1][2] and not box[r.wave2][2]:
            continue
        w1 = [_coarse(g, aw1.members, part) for g in aw1.grid]
        w2 = [_coarse(g, aw2.members, part) for g in aw2.grid]
        w1 = [w / w.sum() for w in w1]
        w2 = [w / w.sum() for w in w2]
        rng = composition_range(w1, w2, box[r.wave1][0], box[r.wave1][1], box[r.wave2][0],
                                box[r.wave2][1], (r.low1, r.high1), (r.low2, r.high2))
        central1 = _coarse(aw1.weights, aw1.members, part)
        central2 = _coarse(aw2.weights, aw2.members, part)
        rows.append({
            "comparison_id": r.comparison_id, "answer": r.label, "wave_1": r.wave1,
            "wave_2": r.wave2, "groups": "; ".join(part),
            "weights, earlier (%)": ", ".join(f"{100 * w:.1f}" for w in central1 / central1.sum()),
            "weights, later (%)": ", ".join(f"{100 * w:.1f}" for w in central2 / central2.sum()),
            "group shares published, earlier": "; ".join(box[r.wave1][2]) or "none",
            "group shares published, later": "; ".join(box[r.wave2][2]) or "none",
            "published change (points)": float(r.diff),
            "composition, low (points)": rng.low, "composition, high (points)": rng.high,
            "derived": "yes: bounds over unpublished group shares and rounded weights"})
    return pd.DataFrame(rows)
