# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (chasm)
#     language: python
#     name: chasm
# ---

# %% [markdown]
# # 05 · Subgroups: who gives an answer, and whether the published groups fit their total
#
# Published breakdowns by age, by approval of Putin and by any other variable, checked against their
# totals: what the groups nobody quoted must be, each group against the rest of the sample, and who
# gives an answer. A total is the population-weighted mean of its groups: total = Σ (group's weight
# × group's share). This identity checks the groups the sources quote against their total, bounds
# the groups nobody quoted, and gives the rest of the sample to compare a group with: a group is
# compared with **the rest of the sample, never with the total** it is part of. The answer, wave and
# breakdowns examined are parameters (by default the essay's: "traitors" in March 2024 by age and by
# approval of Putin); a second, single-response question (by default the wish to emigrate) and every
# published breakdown of every wave are checked the same way. What the page finds comes first; how
# each number is computed follows, section by section.

# %% tags=["parameters"]
run = "05_subgroups"  # report name (set by make)
wave = "2024-03"  # wave whose breakdowns of `option` are examined in detail
question = "why_people_leave"  # question of `option` (metadata/questions.yaml)
option = "traitors"  # the answer whose breakdowns are examined in detail
subgroup_vars = ["age", "putin_approval"]  # breakdown variables examined and checked
series = "wish_to_emigrate"  # single-response would / would_not question checked wave by wave
deff = None  # None: the least-squares design effect from Levada's error table; or a number
alpha = 0.05  # error rate of tests and confidence intervals (0.05 for 95%)
n = None  # None: each wave's N from metadata/waves.yaml

# %% [markdown]
# ## Load inputs
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table, the
# Rosstat population tables by age (`data/raw/rosstat_population_YYYY-MM-DD.csv`, one per
# reference date), Levada's monthly Putin approval (`data/raw/putin_approval_monthly.csv`),
# `data/raw/sources.csv` and `data/raw/metadata/`. Group weights follow the project's one
# weighting policy, and the arithmetic of the identity and of the tests lives in the package,
# tested there; this notebook selects, words and draws.

# %%
import re

import numpy as np
import pandas as pd

from chasm import formats, plots, report
from chasm.analysis import subgroup_tests as tests
from chasm.analysis import subgroups as bd
from chasm.analysis import weights
from chasm.data import figures, load
from chasm.stats import design

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n, question=question)
meta = load.load_metadata()
tidy, pops, approval, sources = (figures.load(), load.load_populations(), load.load_approval(),
                                 load.load_sources())
problem = bd.selection_problem(tidy, meta, question, option, subgroup_vars, series)
if problem:
    raise report.ParameterError(problem)
deff_used = (design.deff_from_error_table(load.load_error_table()).deff if deff is None
             else float(deff))
n_used = meta["waves"][wave]["n"] if n is None else n
level = formats.fmt_level(alpha)
age_var = weights.age_variable(meta, subgroup_vars)
examine_approval = weights.APPROVAL_VARIABLE in subgroup_vars
# breakdowns examined whose group sizes no source gives (checked at every size they can have)
other_vars = [v for v in subgroup_vars if v != age_var and v != weights.APPROVAL_VARIABLE]
outlet = figures.outlets(sources)
source_of = dict(zip(tidy["figure_id"], tidy["source_id"], strict=True))
option_label = meta["questions"][question]["options"][option].get("label", option)


def group_label(var, group):
    """A group's label from the metadata (each member of a merged group)."""
    groups = meta["subgroups"][var]["groups"]
    return " + ".join(str((groups.get(g) or {}).get("label", g)) for g in group.split(" + "))


def var_label(var):
    return str(meta["subgroups"][var].get("label", var))


def answer_label(q, o):
    return str(meta["questions"][q]["options"][o].get("label", o))


def outlets_of(ids):
    """The outlets ("Levada Center, 2024-06-21") of ";"-joined figure ids, each once."""
    names = [outlet.get(source_of[i], source_of[i]) for i in ids.split(";") if i in source_of]
    return list(dict.fromkeys(names))


#: every code of the metadata (questions, answers, breakdowns, groups) -> what a reader reads
CODE_LABELS = {**{q: q.replace("_", " ") for q in meta["questions"]},
               **{o: str(v.get("label", o)) for q in meta["questions"].values()
                  for o, v in (q.get("options") or {}).items()},
               **{var: str(v.get("label", var)) for var, v in meta["subgroups"].items()},
               **{g: str(x.get("label", g)) for v in meta["subgroups"].values()
                  for g, x in (v.get("groups") or {}).items()}}


def readable(text):
    """A check's name as a reader reads it: every snake_case code in it by its label."""
    return re.sub(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b",
                  lambda m: CODE_LABELS.get(m[0], m[0].replace("_", " ")), text)


def check_row(wave, check, figure_ids, quantity, low, high, p_value, verdict, shown=None):
    """One row of this run's key numbers (reports/tables/<run>.csv); ``shown``: the check as
    the page's table names it (default: its codes as labels)."""
    return {"wave": wave, "check": check, "figure_ids": figure_ids, "quantity": quantity,
            "low": low, "high": high, "p_value": p_value, "verdict": verdict,
            "shown": readable(check) if shown is None else shown}


def cells_table(cells, var, total=None, point=True):
    """A breakdown's cells as a reader needs them: the group's label, the figure, its source,
    as published, the range the wording allows and the interval."""
    rows = cells if total is None else pd.concat([cells, total.to_frame().T],
                                                 ignore_index=True)
    shown = rows.assign(group=[group_label(var, g) if g != "all" else "all respondents"
                               for g in rows["group"]])
    columns = ["group", "figure_id", "source_kind", "value_text", "point", "low", "high",
               "ci_low", "ci_high"]
    return report.show(shown[[c for c in columns if point or c != "point"]], index="group")


# %%
# Every check first, so that the page can open with what they find; nothing is shown here.
rows = []  # key numbers, in the order of the checks

# ---- the answer by age: identity, its assumption, each group against the rest, trend
total = bd.total_cell(tidy, meta, wave, question, option, n_used, deff_used, alpha)
age_found, w_age, age_cells, age_un, age_ident, between, vs_rest, trend = (False,) + (None,) * 7
age_message = ("No age breakdown is examined in this run (its breakdowns carry no ages)."
               if age_var is None else "")
if age_var is not None:
    aw_age = weights.wave_age_weights(pops, meta, wave, age_var)
    w_age = aw_age.weights
    age_cells = bd.add_intervals(bd.group_cells(tidy, meta, wave, question, option, age_var),
                                 w_age, n_used, deff_used, alpha)
    age_found = bool(total["published"]) and bool(age_cells["published"].any())
    if not age_found:
        age_message = (f"No breakdown of '{option_label}' by {var_label(age_var)} is published "
                       f"for {wave} (with a total): there is nothing to check by age.")
if age_found:
    label, ids = f"{option} by {age_var}", bd.figure_ids(age_cells, total)
    t_range = (total["low"], total["high"])
    if age_cells["published"].all():
        age_ident = bd.weighted_identity(t_range, w_age, age_cells)
        rows.append(check_row(wave, f"{label}: identity, every group published", ids,
                              "implied total (percent) from every group",
                              age_ident.implied_low, age_ident.implied_high, np.nan,
                              "consistent" if age_ident.consistent else "inconsistent"))
    else:
        age_un = bd.unpublished_range(age_cells, total, w_age, n_used, deff_used, alpha)
        age_ident, miss = age_un.identity, age_un.missing
        several = "groups" if len(miss.members) > 1 else "group"
        rows += [
            check_row(wave, f"{label}: identity with {miss.group} free", ids,
                      f"implied total (percent) with the unpublished {several} anywhere in "
                      "0-100", age_ident.implied_low, age_ident.implied_high, np.nan,
                      "consistent" if age_ident.consistent else "inconsistent"),
            check_row(wave, f"{label}: unpublished {miss.group}", ids,
                      f"share of {miss.group} choosing '{option}' (derived)", miss.low,
                      miss.high, np.nan, "feasible" if miss.feasible else "contradiction"),
            check_row(wave, f"{label}: unpublished {miss.group} with sampling error", ids,
                      f"{formats.fmt_level_whole(alpha)} interval over the derived range",
                      age_un.ci_low, age_un.ci_high, np.nan, "derived")]
    between = bd.between_neighbours(age_cells, total, w_age)
    if between.applies:
        rows.append(check_row(
            wave, f"{label}: identity if {between.group} lies between its neighbours", ids,
            "implied total (percent), assumption: between neighbours", between.implied_low,
            between.implied_high, np.nan,
            "consistent" if between.consistent else "inconsistent"))
    vs_rest = tests.vs_rest_groups(age_cells, total, w_age, n_used, deff_used, alpha)
    for g, res in vs_rest.groupby("group", sort=False):
        p, lf = res.iloc[0], res.iloc[1]
        gids = p["figure_id"] + ";" + total["figure_id"]
        rows += [check_row(wave, f"{option}: {g} vs rest of sample (point)", gids,
                           "difference sub - rest, points", p["ci_low"], p["ci_high"],
                           p["p_value"], p["verdict"]),
                 check_row(wave, f"{option}: {g} vs rest of sample (least favourable)", gids,
                           "difference sub - rest, least favourable ends", lf["ci_low"],
                           lf["ci_high"], lf["p_value"], p["verdict"])]
    trend = tests.trend_by_order(age_cells, w_age, n_used, deff_used, alpha)
    tids = ";".join(age_cells.loc[age_cells["published"], "figure_id"])
    rows += [check_row(wave, f"{option}: trend across published age groups ({r.reading})",
                       tids, f"Cochran-Armitage z = {r.z:.2f} at shares {r.shares}", np.nan,
                       np.nan, r.p_value, "trend" if r.p_value < alpha else "no clear trend")
             for r in trend.table.itertuples()]

# %%
# ---- the answer by approval of Putin: identity, approvers vs disapprovers, who answers
try:
    aw = weights.wave_approval_weights(meta, approval, wave)
except weights.NoWeights:
    aw = None
appr_found, appr_un, appr_cmp, appr_holds, shares = False, None, None, False, None
appr_cells = bd.group_cells(tidy, meta, wave, question, option, weights.APPROVAL_VARIABLE)
published = set(appr_cells.loc[appr_cells["published"], "group"])
if not examine_approval:
    appr_message = ""
elif bool(total["published"]) and published == set(appr_cells["group"]):
    appr_message = (f"Every approval group of '{option_label}' is published for {wave}: its "
                    "identity is checked with every other breakdown below.")
elif not (bool(total["published"]) and {"approve", "disapprove"} <= published
          and aw is not None and aw.complete):
    appr_message = (f"No breakdown of '{option_label}' by approval with complete approval "
                    f"weights is published for {wave}: there is nothing to check by approval.")
else:
    appr_found, appr_message = True, ""
    appr_cells = bd.add_intervals(appr_cells, aw.weights, n_used, deff_used, alpha)
    label, ids = f"{option} by approval", bd.figure_ids(appr_cells, total)
    appr_un = bd.unpublished_range(appr_cells, total, aw.weights, n_used, deff_used, alpha,
                                   grid=aw.grid)
    miss = appr_un.missing
    rows += [
        check_row(wave, f"{label}: identity with {miss.group} free", ids,
                  "implied total (percent) with the unpublished group"
                  f"{'s' if len(miss.members) > 1 else ''} anywhere in 0-100",
                  appr_un.identity.implied_low, appr_un.identity.implied_high, np.nan,
                  "consistent" if appr_un.identity.consistent else "inconsistent"),
        check_row(wave, f"{label}: unpublished {miss.group}", ids,
                  f"share of {miss.group} choosing '{option}' (derived)", miss.low, miss.high,
                  np.nan, "feasible" if miss.feasible else "contradiction")]
    a, b = appr_cells.set_index("group").loc["approve"], appr_cells.set_index("group").loc[
        "disapprove"]
    appr_cmp = tests.compare_groups(a, b, aw.weights["approve"] * n_used,
                                    aw.weights["disapprove"] * n_used, deff_used, alpha)
    appr_holds = bool(appr_cmp.at[1, "p_value"] < alpha)
    rows += [check_row(wave, f"{option}: approve vs disapprove ({r.reading})",
                       f"{a['figure_id']};{b['figure_id']}",
                       "difference approve - disapprove (points)", r.ci_low, r.ci_high,
                       r.p_value, "differ" if r.p_value < alpha else "cannot be told apart")
             for r in appr_cmp.itertuples()]
    shares = tests.answer_shares(appr_cells, total, aw, miss)
    rows += [check_row(wave, f"{option}: share of all '{option}' answers from {r.group}",
                       (r.figure_id if r.figure_id != "derived" else miss.group + " derived")
                       + ";" + total["figure_id"],
                       f"percent of '{option}' answers given by {r.group} (Bayes)", r.low,
                       r.high, np.nan, "derived") for r in shares.itertuples()]
    shares = shares.set_index("group")

# %%
# ---- breakdowns whose group sizes no source gives: what holds at every size
any_size = {}
for var in other_vars:
    cells = bd.group_cells(tidy, meta, wave, question, option, var)
    if bool(total["published"]) and cells["published"].any():
        any_size[var] = (cells, bd.any_size_bounds(cells, total))

# %%
# ---- the second, single-response question, wave by wave
emig = []  # one dict per wave: its total, the sum check, age and approval parts
if series:
    series_waves = sorted(tidy.loc[(tidy["question"] == series) & tidy["subgroup_var"].isin(
        [age_var or "age", weights.APPROVAL_VARIABLE]), "wave"].unique())
    for ew in series_waves:
        n_w = meta["waves"][ew]["n"] if n is None else n
        e = {"wave": ew, "total": bd.total_cell(tidy, meta, ew, series, bd.WOULD, n_w,
                                                deff_used, alpha, complement=bd.WOULD_NOT)}
        tot, e_range = e["total"], (e["total"]["low"], e["total"]["high"])
        not_tot = bd.group_cells(tidy, meta, ew, series, bd.WOULD_NOT, "all").iloc[0]
        if not_tot["published"]:
            e["not"], e["sum"] = not_tot, bd.single_response_check(
                e_range, (not_tot["low"], not_tot["high"]))
            rows.append(check_row(ew, "wish to emigrate: would + would not <= 100",
                                  f"{tot['figure_id']};{not_tot['figure_id']}",
                                  "sum of would and would not (percent)", e["sum"].sum_low,
                                  e["sum"].sum_high, np.nan,
                                  "consistent" if e["sum"].consistent else "inconsistent"))
        w_e = weights.wave_age_weights(pops, meta, ew, age_var or "age").weights
        e_age = bd.group_cells(tidy, meta, ew, series, bd.WOULD, age_var or "age",
                               complement=bd.WOULD_NOT)
        e["age_complete"] = bool(e_age["published"].all())
        if e_age["low"].notna().any() and e_age["low"].isna().any():
            e_age = bd.add_intervals(e_age, w_e, n_w, deff_used, alpha)
            un = bd.unpublished_range(e_age, tot, w_e, n_w, deff_used, alpha)
            ids, miss = bd.figure_ids(e_age, tot), un.missing
            rows += [
                check_row(ew, f"wish to emigrate by age: identity with {miss.group} free", ids,
                          "implied total (percent) with the unpublished group"
                          f"{'s' if len(miss.members) > 1 else ''} anywhere in 0-100",
                          un.identity.implied_low, un.identity.implied_high, np.nan,
                          "consistent" if un.identity.consistent else "inconsistent"),
                check_row(ew, f"wish to emigrate by age: unpublished {miss.group}", ids,
                          f"share of {miss.group} who would like to move (derived)", miss.low,
                          miss.high, np.nan, "feasible" if miss.feasible else "contradiction")]
            e["age"], e["age_un"], e["age_order"] = e_age, un, list(w_e.index)
        e_ap = bd.group_cells(tidy, meta, ew, series, bd.WOULD, weights.APPROVAL_VARIABLE,
                              complement=bd.WOULD_NOT)
        if e_ap["low"].notna().any():
            e_aw = weights.wave_approval_weights(meta, approval, ew)
            e_ap = bd.add_intervals(e_ap, e_aw.weights if e_aw.complete
                                    else e_aw.published / 100, n_w, deff_used, alpha)
            ids = bd.figure_ids(e_ap, tot)
            em = bd.missing_group(e_range, e_aw.weights, e_ap, e_aw.members)
            glo, ghi = bd.missing_group_over_grid(e_range, e_aw.grid, e_ap)
            rows.append(check_row(
                ew, f"wish to emigrate by approval: unpublished {em.group}", ids,
                f"share of {em.group} who would like to move (derived, weights {e_aw.month})",
                glo, ghi, np.nan, "feasible" if em.feasible else "contradiction"))
            inside = []
            for r in e_ap[e_ap["published"]].itertuples():
                if r.group in em.members:
                    ok = r.high >= glo and r.low <= ghi
                    inside.append((r, ok))
                    rows.append(check_row(
                        ew, f"wish to emigrate: {r.group} within the derived range of "
                        f"{em.group}", ids,
                        f"published {r.group} share vs derived range {glo:.1f}-{ghi:.1f}",
                        r.low, r.high, np.nan, ("compatible" if ok else "incompatible")
                        + " (weak check; assumes few gave no answer)"))
            e.update(ap=e_ap, ap_weights=e_aw, ap_missing=em, ap_range=(glo, ghi),
                     ap_inside=inside,
                     ap_ci=bd.range_interval(em.weight, glo, ghi, n_w, deff_used, alpha))
        emig.append(e)

# %%
# ---- every published breakdown of every wave against its total
every = bd.breakdown_checks(tidy, meta, pops, approval, subgroup_vars).table
checked = every[every["verdict"] != "not checked"]
for r in checked.itertuples():
    shown = f"every breakdown: '{answer_label(r.question, r.option)}' by {var_label(r.by)}"
    if r.weights == "any sizes (none given)":
        rows.append(check_row(
            r.wave, f"every breakdown: {r.question} '{r.option}' by {r.by} (complete, any "
            "sizes)", r.figure_ids, "implied total (percent), any group sizes", r.implied_low,
            r.implied_high, np.nan, r.verdict, shown + " (complete, any sizes)"))
    else:
        groups = "complete" if r.complete else r.groups + " groups"
        rows.append(check_row(
            r.wave, f"every breakdown: {r.question} '{r.option}' by {r.by} ({groups})",
            r.figure_ids, f"implied total (percent), weights {r.weights}", r.implied_low,
            r.implied_high, np.nan, r.verdict, f"{shown} ({groups})"))
inconsistent = checked[checked["verdict"] == "inconsistent"]


def inconsistency_sentence(r, bullet=""):
    """One inconsistent breakdown in words, naming the outlets its cells come from."""
    names = outlets_of(r.figure_ids)
    where = (f"its figures come from {len(names)} sources ({'; '.join(names)}), so the "
             "groups and the total may not be one table" if len(names) > 1
             else f"its figures come from one source ({names[0]})" if names else "")
    return report.say(
        bullet + "**{wave}, '{o}' by {by}** ({groups} groups published; {fids}): the groups imply "
        "{lo}–{hi}%, the published total is {tot} ({tlo}–{thi}% with its rounding): "
        "**inconsistent**, a gap of {gap} points at the most favourable reading of the "
        "rounding{free}. {where}.", wave=r.wave, o=answer_label(r.question, r.option),
        by=var_label(r.by), groups=r.groups, fids=r.figure_ids.replace(";", ", "),
        lo=formats.fmt(r.implied_low), hi=formats.fmt(r.implied_high), tot=r.total,
        tlo=formats.fmt(r.total_low), thi=formats.fmt(r.total_high), gap=formats.fmt(r.gap),
        free="" if r.complete else " with the unpublished groups anywhere in 0-100",
        where=where[:1].upper() + where[1:] if where else "")


# %% [markdown]
# ## What this page finds

# %%
found = []
if age_found and age_un is not None:
    found.append(report.say(
        "- **By age**, the quoted figures fit the total {tot} only if the unpublished {g} "
        "group lies between **{lo}% and {hi}%** (the range the identity allows; {clo}–{chi}% "
        "with sampling error, {level} interval)." if age_un.identity.consistent else
        "- **By age**, the quoted figures **do not fit** the total {tot} whatever the "
        "unpublished {g} group is.", tot=total["value_text"], g=group_label(age_var,
        age_un.missing.group), lo=formats.fmt(age_un.missing.low),
        hi=formats.fmt(age_un.missing.high), clo=formats.fmt(age_un.ci_low),
        chi=formats.fmt(age_un.ci_high), level=level))
elif age_found:
    found.append(report.say(
        "- **By age**, every group is published: they imply {lo}–{hi}% against the published "
        "total {tot}, **{cons}**.", lo=formats.fmt(age_ident.implied_low),
        hi=formats.fmt(age_ident.implied_high), tot=total["value_text"],
        cons="consistent" if age_ident.consistent else "inconsistent"))
if age_found:
    found.append(report.say(
        "- **The trend with age** {what} (at the published points p {p}; at the least "
        "favourable reading of the wording p {lp}).", what="holds at every reading of the "
        "wording" if trend.holds else "rests on reading the worded figures at their midpoints"
        if trend.at_points else "cannot be told apart from noise",
        p=formats.fmt_p(trend.table.at[0, "p_value"], relation=True),
        lp=formats.fmt_p(trend.table.at[1, "p_value"], relation=True)))
if appr_found:
    found.append(report.say(
        "- **Disapprovers of Putin give about {d}% of all '{o}' answers** ({dlo}–{dhi}%, the "
        "range the rounding of the figures and of the approval split allows), approvers about "
        "{a}%; approvers choose it {gap} points more often ({level} CI from sampling error "
        "alone, {lo} to {hi}).",
        d=formats.fmt(shares.at["disapprove", "share_of_answers"]), o=option_label,
        dlo=formats.fmt(shares.at["disapprove", "low"]),
        dhi=formats.fmt(shares.at["disapprove", "high"]),
        a=formats.fmt(shares.at["approve", "share_of_answers"]),
        gap=formats.fmt(appr_cmp.at[0, "diff"]), level=level,
        lo=formats.fmt(appr_cmp.at[0, "ci_low"]), hi=formats.fmt(appr_cmp.at[0, "ci_high"])))
for var, (_, bounds) in any_size.items():
    sided = bounds[bounds["side"] != "either side"]
    found.append(report.say(
        "- **By {v}** (no source gives the groups' sizes): {items}.", v=var_label(var),
        items="; ".join(
            f"'{group_label(var, r.group)}' ({r.value_text}) lies {r.side} the total "
            f"{total['value_text']} whatever its size, so {r.side} the rest of the sample too, "
            f"and is at most {formats.fmt(r.largest_size)}% of the sample"
            for r in sided.itertuples())
        or "every published group's range meets the total's, so no side holds at every size"))
found.append(report.say(
    "- **Every published breakdown** by {vars} ({k} in {w} waves): {bad} of the {c} checked "
    "against their total {verb} inconsistent.", vars=", ".join(map(var_label, subgroup_vars))
    or "none", k=len(every), w=every["wave"].nunique(), bad=len(inconsistent), c=len(checked),
    verb="is" if len(inconsistent) == 1 else "are"))
found += [inconsistency_sentence(r, "- ") for r in inconsistent.itertuples()]
display(*found)

# %% [markdown]
# Design effect and sample size, used for every group: the design effect is Levada's (the
# conservative choice: Levada's error table is an upper bound and weighting does not shrink in
# subgroups), and a group of weight w has w × N interviews.

# %%
report.say("Wave **{wave}**, answer '{o}', breakdowns by {vars}. Design effect {d} ({how}); "
           "N = {n} ({nhow}); {level} intervals.", wave=wave, o=option_label,
           vars=", ".join(map(var_label, subgroup_vars)) or "none",
           d=formats.fmt(deff_used, 2), level=level,
           how="least squares from Levada's error table" if deff is None else "set by parameter",
           n=n_used, nhow="assumed: the sources do not state it"
           if n is None and meta["waves"][wave]["n_assumed"] else "as given")

# %% [markdown]
# ## The answer by age
# The figures as quoted, with the range of true values their wording allows (a range "a-b%"
# covers a − 0.5 to b + 0.5; a fraction in words ±5 points) and a confidence interval for each
# group from its w × N interviews. Age weights are Rosstat's population shares of the age
# groups, from the population table nearest to the wave: Levada weights its sample to the
# population, so they stand in for the sample's group shares (which are not published).

# %%
if age_found:
    display(report.say(
        "### The quoted age figures fit the total {tot} only if the unpublished {g} lies at "
        "{lo}–{hi}%" if age_un is not None and age_un.identity.consistent else
        "### The quoted age figures cannot fit the total {tot}, whatever the unpublished {g}"
        if age_un is not None else "### Every age group is published: together they are "
        "{cons} with the total {tot}", tot=total["value_text"],
        g=group_label(age_var, age_un.missing.group) if age_un is not None else "",
        lo=formats.fmt(age_un.missing.low) if age_un is not None else "",
        hi=formats.fmt(age_un.missing.high) if age_un is not None else "",
        cons="consistent" if age_ident.consistent else "inconsistent"))
    display(*[report.say("**{cell}:** {what}", cell=cell, what=what) for cell, what in
              figures.best_parts(tidy[(tidy["wave"] == wave) & (tidy["question"] == question)
                                      & (tidy["option"] == option)], sources)],
            cells_table(age_cells, age_var, total))
    display(report.say("Adults 18+: {w}. {text}", w="; ".join(
        f"{group_label(age_var, g)} {formats.fmt(v * 100)}%" for g, v in w_age.items()),
        text=weights.population_text(pops, meta, [wave], age_var)))
else:
    display(report.say("{m}", m=age_message))

# %% [markdown]
# **Is each quoted figure consistent with the total?** With the unpublished group(s) left
# free anywhere in 0-100, the weighted identity asks whether some value of them reconciles the
# quoted groups with the total; the range they must then lie in follows from the same identity.

# %%
if age_found and age_un is None:
    display(report.say(
        "Every age group is published, so the groups alone fix the total: weighted by "
        "population they imply {ilo}–{ihi}% choosing '{f}', against the published total "
        "{tot} ({tid}, {tlo}–{thi}% allowing for rounding). The figures are **{cons}**{gap}.",
        ilo=formats.fmt(age_ident.implied_low), ihi=formats.fmt(age_ident.implied_high),
        f=option_label, tot=total["value_text"], tid=total["figure_id"],
        tlo=formats.fmt(age_ident.total_low), thi=formats.fmt(age_ident.total_high),
        cons="consistent" if age_ident.consistent else "inconsistent",
        gap="" if age_ident.consistent else ": no reading of the rounding reconciles them "
        f"(gap {formats.fmt(age_ident.gap)} points)"))
elif age_found:
    pub = age_cells[age_cells["published"]]
    wid = pub.assign(width=pub["high"] - pub["low"]).sort_values(
        ["width", "group"], ascending=[False, True]).iloc[0]
    wide = (" That range is wide because the quoted figures are themselves ranges: \"{t}\" for "
            "{wg} alone spans {w} points over {s}% of adults." if wid["width"] > 1 + 1e-9 else "")
    display(report.say(
        "The quoted age figures are **{cons}** with the total {tot} ({tid}) as long as the "
        "unpublished {g} group can take some value: for the identity to hold, its share "
        "choosing '{f}' must lie between **{lo}% and {hi}%** (derived; {clo}–{chi}% with "
        "sampling error)." + wide, cons="consistent" if age_un.identity.consistent
        else "inconsistent", tot=total["value_text"], tid=total["figure_id"],
        g=group_label(age_var, age_un.missing.group), f=option_label,
        lo=formats.fmt(age_un.missing.low), hi=formats.fmt(age_un.missing.high),
        clo=formats.fmt(age_un.ci_low), chi=formats.fmt(age_un.ci_high), t=wid["value_text"],
        wg=group_label(age_var, wid["group"]), w=formats.fmt(wid["width"], 0),
        s=formats.fmt(100 * w_age[wid["group"]], 0)))

# %% [markdown]
# An assumption, stated as such: if the unpublished group lies **between its published
# neighbours** (age patterns are usually monotone), the implied total narrows; the check is
# then whether the total still fits.

# %%
if age_found and age_un is not None:
    display(report.say(
        "If {g} lies between {l} and {r} ({blo}–{bhi}%), the implied total is {ilo}–{ihi}%, "
        "which {verb} the published {tot}." if between.applies else
        "The unpublished age group has no published neighbour on both sides; no monotone "
        "assumption is tried.", g=group_label(age_var, between.group or "-"),
        l=group_label(age_var, between.left or "-"), r=group_label(age_var, between.right or "-"),
        blo=formats.fmt(between.low), bhi=formats.fmt(between.high),
        ilo=formats.fmt(between.implied_low), ihi=formats.fmt(between.implied_high),
        verb="contains" if between.consistent else "misses", tot=total["value_text"]))

# %% [markdown]
# **Each age group against the rest of the sample**: the rest's share is
# (total − w × group) / (1 − w) for a group of weight w, with (1 − w) × N interviews, and the
# score test compares the two
# disjoint parts. Every comparison is made twice: at the points (the midpoint of a worded
# range) and at the **least favourable ends** of the wording ranges, the ends that shrink the
# difference. Holm's adjustment is over the published age groups at the points.

# %%
if age_found:
    for g, res in vs_rest.groupby("group", sort=False):
        p, lf = res.iloc[0], res.iloc[1]
        display(report.say(
            "**{g}** ({fid}) {verdict}: at the points {sub}% against {rest}% in the rest of "
            "the sample, a difference of {d} points ({level} CI from sampling error alone, {lo} to "
            "{hi}; p {p}, Holm "
            "{ph}); at the least favourable ends {lsub}% against {lrest}%, {ld} points "
            "(p {lp}).", g=group_label(age_var, g), fid=p["figure_id"], verdict=p["verdict"],
            sub=formats.fmt(p["sub"]), rest=formats.fmt(p["rest"]), d=formats.fmt(p["diff"]),
            level=level, lo=formats.fmt(p["ci_low"]), hi=formats.fmt(p["ci_high"]),
            p=formats.fmt_p(p["p_value"], relation=True), ph=formats.fmt_p(p["p_holm"]),
            lsub=formats.fmt(lf["sub"]), lrest=formats.fmt(lf["rest"]),
            ld=formats.fmt(lf["diff"]), lp=formats.fmt_p(lf["p_value"], relation=True)))
    display(report.show(vs_rest.assign(group=[group_label(age_var, g) for g in vs_rest["group"]])[
        ["group", "figure_id", "reading", "sub", "rest", "diff", "ci_low", "ci_high", "p_value",
         "p_holm"]].rename(columns={"sub": "group (%)"}), digits=1))

# %% [markdown]
# **Trend across the ordered age groups** (Cochran–Armitage), with the groups scored by their
# position in the full order, so that an unpublished group leaves a gap. With a group missing
# and figures given as ranges this is a rough summary; the least favourable reading flattens
# the trend as far as the wording allows.

# %%
if age_found:
    tt = trend.table
    display(report.say(
        "At the points ({psh}) the share {dir} with age (z = {z}, p {p}); at the least "
        "favourable ends ({sh}) z = {lz}, p {lp}. {end}", psh=tt.at[0, "shares"],
        dir="rises" if tt.at[0, "z"] > 0 else "falls", z=formats.fmt(tt.at[0, "z"], 2),
        p=formats.fmt_p(tt.at[0, "p_value"], relation=True), sh=tt.at[1, "shares"],
        lz=formats.fmt(tt.at[1, "z"], 2), lp=formats.fmt_p(tt.at[1, "p_value"], relation=True),
        end="The trend holds at every reading of the wording." if trend.holds else
        "So the trend rests on reading the worded figures at their midpoints, which the "
        "wording does not guarantee." if trend.at_points
        else "No trend can be told apart from noise."))

# %% [markdown]
# ## The answer by approval of Putin
# Group weights are Levada's approval split of the wave's approval month. Its rounded parts
# need not add to 100, so they are **normalised to sum 1**; the rounding box of the three
# published shares (each ±0.5) is carried as a sensitivity range.

# %%
if appr_found:
    display(report.say(
        "### Disapprovers of Putin give about {d}% of the '{o}' answers, approvers {a}%",
        d=formats.fmt(shares.at["disapprove", "share_of_answers"]), o=option_label,
        a=formats.fmt(shares.at["approve", "share_of_answers"])))
    display(report.say(
        "Approval in {m}: {a}% approve, {d}% disapprove, {na}% no answer; these sum to {s} "
        "because of rounding, so the weights are {wa}%, {wd}% and {wn}%.", m=aw.month,
        a=formats.fmt(aw.published["approve"], 0), d=formats.fmt(aw.published["disapprove"], 0),
        na=formats.fmt(aw.published["no_answer"], 0), s=formats.fmt(aw.raw_sum, 0),
        wa=formats.fmt(100 * aw.weights["approve"]),
        wd=formats.fmt(100 * aw.weights["disapprove"]),
        wn=formats.fmt(100 * aw.weights["no_answer"])),
        cells_table(appr_cells, weights.APPROVAL_VARIABLE))
elif examine_approval:
    display(report.say("{m}", m=appr_message))
else:
    display(report.say("The breakdown by approval of Putin is not examined in this run."))

# %% [markdown]
# **Identity check.** Approvers and disapprovers are quoted; those who gave no answer on
# approval are not, so their share is bounded by the identity.

# %%
if appr_found:
    display(report.say(
        "With approvers at {a} and disapprovers at {d}, the total {tot} is **{cons}**: the "
        "{w}% who gave no answer on approval must then have chosen '{f}' at {lo}–{hi}% "
        "(derived; {glo}–{ghi}% when the approval shares themselves vary within their "
        "rounding). The quoted groups are {cov}% of the sample, so they nearly determine "
        "the total on their own.", a=a["value_text"], d=b["value_text"],
        tot=total["value_text"],
        cons="consistent" if appr_un.identity.consistent else "inconsistent",
        w=formats.fmt(100 * appr_un.missing.weight), f=option_label,
        lo=formats.fmt(appr_un.missing.low), hi=formats.fmt(appr_un.missing.high),
        glo=formats.fmt(appr_un.grid_low), ghi=formats.fmt(appr_un.grid_high),
        cov=formats.fmt(100 * (1 - appr_un.missing.weight))))

# %% [markdown]
# **Approvers against disapprovers.** Two disjoint groups of one sample: the score test with
# w × N interviews each (w: the group's weight), at the points and at the least favourable
# ends.

# %%
if appr_found:
    display(report.say(
        "Approvers choose '{f}' {d} points more often than disapprovers ({level} CI from "
        "sampling error alone, {lo} to {hi}); even at the least favourable ends the gap is "
        "{ld} points (p {lp}). {end}",
        f=option_label, d=formats.fmt(appr_cmp.at[0, "diff"]), level=level,
        lo=formats.fmt(appr_cmp.at[0, "ci_low"]), hi=formats.fmt(appr_cmp.at[0, "ci_high"]),
        ld=formats.fmt(appr_cmp.at[1, "diff"]),
        lp=formats.fmt_p(appr_cmp.at[1, "p_value"], relation=True),
        end="This gap holds at every reading of the rounding." if appr_holds
        else "At the least favourable ends it cannot be told apart from noise."),
        report.show(appr_cmp.rename(columns={"a": "approve (%)", "b": "disapprove (%)"})[
            ["reading", "approve (%)", "disapprove (%)", "diff", "ci_low", "ci_high",
             "p_value"]], digits=1, index="reading"))

# %% [markdown]
# **Who gives the answer (Bayes inversion).** The share of the answer's givers in a group is
# its weight × its share choosing the answer / the total:
# of everyone who chose it, what share approves or disapproves of Putin? Ranges combine the
# rounding of the figures and of the approval weights (outer bounds).

# %%
if appr_found:
    display(report.say(
        "The {dtext} among disapprovers ({did}) is a share of a small group ({dw}% of the "
        "sample): disapprovers give only about **{d}%** of all '{f}' answers ({dlo}–{dhi}%, "
        "the range the rounding allows), approvers about **{a}%** ({alo}–{ahi}%), and those "
        "without an approval answer at most {nhi}%.", dtext=b["value_text"],
        did=b["figure_id"], dw=formats.fmt(shares.at["disapprove", "weight_pct"]),
        d=formats.fmt(shares.at["disapprove", "share_of_answers"]),
        dlo=formats.fmt(shares.at["disapprove", "low"]),
        dhi=formats.fmt(shares.at["disapprove", "high"]), f=option_label,
        a=formats.fmt(shares.at["approve", "share_of_answers"]),
        alo=formats.fmt(shares.at["approve", "low"]),
        ahi=formats.fmt(shares.at["approve", "high"]),
        nhi=formats.fmt(shares.at["no_answer", "high"])),
        report.show(shares.rename(index=lambda g: group_label(weights.APPROVAL_VARIABLE, g))
                    .rename(columns={"low": "share of answers, low (%)",
                                     "high": "share of answers, high (%)"}), digits=1))

# %% [markdown]
# ## Breakdowns whose group sizes no source gives
# A breakdown by another variable (not age, not approval) has no weights unless
# the metadata give its sizes with a source. Without them, what holds at every
# size is still said: a group whose range lies above the total's lies above the rest of the
# sample too, whatever its size, and it can be at most total / group of the sample (below:
# (100 − total) / (100 − group)), or the rest would need a share below 0 or above 100.

# %%
if any_size:
    for var, (_, bounds) in any_size.items():
        display(report.show(bounds.assign(group=[group_label(var, g) for g in bounds["group"]])
                            .rename(columns={"largest_size": "at most (% of the sample)"}),
                            index="group"))
else:
    display(report.say("Every breakdown examined here has group weights (or none is "
                       "published for {wave})." if subgroup_vars else
                       "No breakdown is examined in this run.", wave=wave))

# %% [markdown]
# ## Figure: the answer by group
# Coloured bars: the range each quoted figure's wording allows (colour = source); dots: the
# point; thin lines: confidence intervals; hatched grey: ranges **derived** from the identity
# for groups nobody quoted. Dashed line and grey band: the total and its interval. A group
# whose size is unknown has no interval of its own.


# %%
def with_derived(cells, un):
    """``cells`` with each unpublished row given the derived range and its interval."""
    out = cells.copy()
    if un is None:
        return out
    unknown = out["low"].isna()
    out.loc[unknown, ["low", "high", "ci_low", "ci_high"]] = [un.missing.low, un.missing.high,
                                                              un.ci_low, un.ci_high]
    out.loc[unknown, "derived"] = True
    return out


panels = []
if age_found:
    panels.append((f"'{option}' by age, {wave}", with_derived(age_cells, age_un), total))
if appr_found:
    panels.append((f"'{option}' by approval of Putin, {wave}",
                   with_derived(appr_cells, appr_un), total))
for var, (cells, _) in any_size.items():
    drawn = cells[cells["published"]].assign(ci_low=lambda c: c["low"],
                                             ci_high=lambda c: c["high"])
    panels.append((f"'{option}' by {var_label(var)}, {wave} (sizes unknown)", drawn, total))
plots.theme()
(plots.group_panels_figure(panels, run, option, (5.2, 3.8)) if panels
 else report.say("No breakdown of '{o}' is published for {wave}.", o=option_label, wave=wave))

# %% [markdown]
# ## A second, independent check: the wish to emigrate
# The second question (a parameter; by default the wish to emigrate) gives the share who would like
# to move abroad, with a few breakdowns. It is **single response**: would, would not and "don't
# know" add up to 100, so a group published only as "would not" x% has "would" **at most** 100 − (x
# − 0.5)%, an upper bound and nothing more. Where more than one age group is unpublished, they are
# merged and bounded together.

# %%
if not series:
    display(report.say("No second, single-response question is checked in this run."))
for e in emig:
    tot = e["total"]
    display(report.say("### {w}: \"{o}\" {t} ({fid}, {k})", w=e["wave"],
                       o=answer_label(series, bd.WOULD), t=tot["value_text"],
                       fid=tot["figure_id"], k=outlet.get(source_of.get(tot["figure_id"]),
                                                          tot["source_kind"])))
    if "sum" in e:
        sc = e["sum"]
        display(report.say(
            "Would ({a}) and would not ({b}, {bid}) add to {lo}–{hi}%: **{cons}** with a "
            "single-response question, leaving {rlo}–{rhi}% for \"don't know\"; given "
            "\"would\", \"would not\" can be at most {bh}%.", a=tot["value_text"],
            b=e["not"]["value_text"], bid=e["not"]["figure_id"], lo=formats.fmt(sc.sum_low),
            hi=formats.fmt(sc.sum_high), cons="consistent" if sc.consistent else "inconsistent",
            rlo=formats.fmt(sc.rest_low), rhi=formats.fmt(sc.rest_high),
            bh=formats.fmt(sc.b_high_implied)))
    if e["age_complete"]:
        display(report.say("Every age group is published: the groups alone fix the total, "
                           "which the table of every breakdown below checks."))
    if "age" in e:
        em = e["age_un"].missing
        display(report.say(
            "The published age figures are **{cons}** with the total: the unpublished {g} "
            "({w}% of adults) must have {lo}–{hi}% wanting to move (derived).",
            cons="consistent" if e["age_un"].identity.consistent else "inconsistent",
            g=group_label(age_var or "age", em.group), w=formats.fmt(100 * em.weight),
            lo=formats.fmt(em.low), hi=formats.fmt(em.high)),
            cells_table(e["age"], age_var or "age", point=False))
    if "ap" in e:
        e_aw, em, (glo, ghi) = e["ap_weights"], e["ap_missing"], e["ap_range"]
        if e_aw.complete:
            display(report.say(
                "Approval weights from {m}. The unpublished {g} ({w}% of the sample) must "
                "have {lo}–{hi}% wanting to move (derived, allowing the approval shares' "
                "rounding).", m=e_aw.month, g=group_label(weights.APPROVAL_VARIABLE, em.group),
                w=formats.fmt(100 * em.weight), lo=formats.fmt(glo), hi=formats.fmt(ghi)))
        else:
            recent = weights.no_answer_window(approval, e_aw.month)
            by_group = e["ap"].set_index("group")
            display(report.say(
                "Approval weights from {m}: only approve ({a}%) is published. Disapproval is "
                "not, so the disapprovers' figure cannot enter the identity: their weight is "
                "unknown. What can be checked: with approvers at most {ahi}% (from {aid}), "
                "everyone who did not approve ({g}, {w}% of the sample) must have {lo}–{hi}% "
                "wanting to move (derived, allowing the approval share's rounding). If few of "
                "them gave no answer on approval ({nlo}–{nhi}% did in the {k} published months "
                "before {m}), their share is close to the disapprovers' own: {inside}. The "
                "range is wide, so this shows no contradiction, and no more.", m=e_aw.month,
                a=formats.fmt(e_aw.published["approve"], 0),
                ahi=formats.fmt(by_group.at["approve", "high"]),
                aid=by_group.at["approve", "figure_id"],
                g=group_label(weights.APPROVAL_VARIABLE, em.group),
                w=formats.fmt(100 * em.weight), lo=formats.fmt(glo), hi=formats.fmt(ghi),
                nlo=formats.fmt(recent.low, 0), nhi=formats.fmt(recent.high, 0),
                k=recent.months, inside="; ".join(
                    f"{group_label(weights.APPROVAL_VARIABLE, r.group)} {r.value_text} "
                    f"({r.figure_id}) lies {'inside' if ok else 'outside'} that range"
                    for r, ok in e["ap_inside"]) or "no group figure to compare"))
        display(cells_table(e["ap"], weights.APPROVAL_VARIABLE, point=False))

# %% [markdown]
# ## Figure: the wish to emigrate by group
# Same conventions as above. Groups published only as "would not" appear as hatched *derived*
# upper bounds, as do groups bounded by the identity. A group whose size is unknown (the
# disapprovers when only approval is published for the month) gets no confidence interval.


# %%
def merged_panel(cells, missing, low, high, ci, order=None):
    """The cells that have a range, plus one derived row for the (merged) unpublished groups,
    at the place of its first member in ``order`` (last without it)."""
    derived = pd.DataFrame([{"group": missing.group, "figure_id": "", "source_kind": "derived",
                             "point": np.nan, "low": low, "high": high, "ci_low": ci[0],
                             "ci_high": ci[1], "derived": True}])
    out = pd.concat([cells[cells["low"].notna()], derived], ignore_index=True)
    if order is None:
        return out
    members = [missing.members if g == missing.group else (g,) for g in out["group"]]
    rank = [min(order.index(m) for m in ms) for ms in members]
    return out.assign(_order=rank).sort_values("_order").drop(columns="_order")


emig_panels = []
for e in emig:
    if "age" in e:
        un = e["age_un"]
        emig_panels.append((f"would move abroad by age, {e['wave']}",
                            merged_panel(e["age"], un.missing, un.missing.low,
                                         un.missing.high, (un.ci_low, un.ci_high),
                                         order=e["age_order"]), e["total"]))
    if "ap" in e:
        emig_panels.append((f"would move abroad by approval, {e['wave']}",
                            merged_panel(e["ap"], e["ap_missing"], *e["ap_range"], e["ap_ci"]),
                            e["total"]))
(plots.group_panels_figure(emig_panels, run, "emigrate", (4.4, 3.6), fit_x=True)
 if emig_panels else report.say("No wish-to-emigrate breakdowns to draw."))

# %% [markdown]
# ## Every published breakdown of every wave against its total
# The same weighted identity for every breakdown by the variables of this run, complete (every
# group published: the groups alone fix the total, up to rounding) or partial (unpublished
# groups free in 0-100), in every wave: age weights from the population table nearest to each
# wave, approval weights from its approval month; a complete breakdown whose sizes no source
# gives is checked at every size (its total must lie between its lowest and highest group).

# %%
summary = [report.say(
    "### {bad} of the {c} published breakdowns checked {verb} total", bad=len(inconsistent),
    c=len(checked), verb="contradicts its" if len(inconsistent) == 1
    else "contradict their")] if len(every) else []
summary += [report.say(
    "{k} published breakdowns in {w} waves ({waves}): {c} complete and {p} partial ones "
    "checked against their total, {x} not checkable; {bad} inconsistent.", k=len(every),
    w=every["wave"].nunique(), waves=", ".join(sorted(every["wave"].unique())),
    c=int(checked["complete"].sum()), p=int((~checked["complete"].astype(bool)).sum()),
    x=len(every) - len(checked), bad=len(inconsistent))] if len(every) else [
    report.say("No breakdown by the variables of this run is published.")]
summary += [inconsistency_sentence(r) for r in inconsistent.itertuples()]
age_waves = checked.loc[checked["weights"].str.startswith("population"), "wave"].unique()
if len(age_waves):
    text = weights.population_text(pops, meta, list(age_waves))
    moved = checked["moves"].dropna()
    if len(moved):
        top = checked.loc[moved.idxmax()]
        text += (f" With the next nearest table the implied totals move by at most "
                 f"{formats.fmt(moved.max(), 2)} points ({top['wave']}, "
                 f"'{answer_label(top['question'], top['option'])}' by {var_label(top['by'])}).")
    summary.append(report.say("{text}", text=text))
display(*summary)
report.show(every.assign(by=every["by"].map(var_label))[
    ["wave", "question", "option", "by", "groups", "total", "implied_low", "implied_high",
     "verdict", "figure_ids", "note"]].rename(
    columns={"by": "subgroup_var", "implied_low": "implied total, low (%)",
             "implied_high": "implied total, high (%)"}), digits=1)

# %% [markdown]
# ## Figure: breakdowns that contradict their total
# Drawn only when a breakdown is inconsistent: each group's range as published (colour =
# source), the published total (dashed line, grey band: its rounding range) and, hatched in
# red, the range of totals its groups imply.

# %%
bad_panels, bad_ranges = [], []
for r in inconsistent.itertuples():
    cells = bd.group_cells(tidy, meta, r.wave, r.question, r.option, r.by)
    cells = cells[cells["published"]].assign(ci_low=lambda c: c["low"],
                                             ci_high=lambda c: c["high"])
    tot = bd.group_cells(tidy, meta, r.wave, r.question, r.option, "all").iloc[0].copy()
    tot["ci_low"], tot["ci_high"] = tot["low"], tot["high"]
    bad_panels.append((f"'{r.option}' by {var_label(r.by)}, {r.wave}", cells, tot))
    bad_ranges.append((r.implied_low, r.implied_high))
if bad_panels:
    fig, data = plots.draw_group_panels(bad_panels, (5.2, 3.2))
    for ax, (lo, hi) in zip(fig.axes, bad_ranges, strict=True):
        ax.axvspan(lo, hi, facecolor="none", edgecolor="#b22222", hatch="\\\\", lw=0)
    title = "; ".join(f"{r.wave} by {var_label(r.by)}: the groups imply "
                      f"{formats.fmt(r.implied_low)}–{formats.fmt(r.implied_high)}%, the "
                      f"published total is {r.total}" for r in inconsistent.itertuples())
    fig.suptitle(title, fontsize=10, wrap=True)
    fig.tight_layout()
    display(plots.save_figure(fig, data, run, "inconsistent", title=title,
                              subtitle="Percent of each group as published (bar); dashed: the "
                                       "published total; hatched: the totals the groups imply"))
else:
    display(report.say("No published breakdown contradicts its total."))

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per check: the wave; the check (its codes as in the data,
# where the table below shows their labels); the figures used (";"-separated ids); the quantity
# that low and high measure; low and high (percent or points: an implied total, a derived
# range, a confidence interval of a difference, or empty for a trend test); the p-value (empty
# where there is no test); the verdict. **Writes** also the figures
# `reports/figures/<run>-<option>.svg` and `<run>-emigrate.svg` with the CSV of their numbers.

# %%
key_numbers = pd.DataFrame(rows, columns=["wave", "check", "figure_ids", "quantity", "low",
                                          "high", "p_value", "verdict"])
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers[["check", "wave", "low", "high", "p_value", "verdict"]], digits=1,
            index="check", labels={"check": [r["shown"] for r in rows]})

# %% [markdown]
# ## What this rests on

# %%
used = set(";".join(key_numbers["figure_ids"]).split(";")) - {""}
kinds = tidy[tidy["figure_id"].isin(used)].drop_duplicates("figure_id").set_index(
    "figure_id")["source_kind"]
report.say("{where} Second-hand: {ids}. N = {n} is {nass}. Subgroup sizes are w × N with "
           "Rosstat or approval weights, not Levada's (unpublished) sample counts. Approval is "
           "itself an attitude: differences between approvers and disapprovers describe who "
           "answers what, not effects.",
           ids=", ".join(sorted(kinds[kinds.isin(["essay", "secondary"])].index)) or "none",
           where=figures.kind_sentence(tidy[tidy["figure_id"].isin(kinds.index)], sources),
           n=n_used, nass="an assumption (Levada's standard design)"
           if n is None and meta["waves"][wave]["n_assumed"] else "given")

# %%
report.show(load.load_gaps(), index="id")
