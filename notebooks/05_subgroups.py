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
# # 05 · Subgroups: age, Putin approval, and what the partial tables imply
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table, the
# Rosstat population tables by age (`data/raw/rosstat_population_YYYY-MM-DD.csv`, one per
# reference date), Levada's monthly Putin approval (`data/raw/putin_approval_monthly.csv`),
# `data/raw/sources.csv` and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per check) and the figures
# `reports/figures/<run>-<option>.svg` and `<run>-emigrate.svg` with the CSV of their numbers.
#
# The question, answer, wave and breakdown variables studied are parameters; by default the
# essay's: the share calling those who left "traitors" in March 2024 by age group (some groups
# in words or as a range) and by approval of Putin. The total is the
# population-weighted mean of any partition into groups, `p_total = Σ w_g p_g`. This identity
# checks the quoted figures, bounds the groups nobody quoted, and gives the rest of the sample
# to compare a group with. A group is compared with **the rest of the sample, never with the
# total** it is part of. A single-response question's breakdowns (`series`, by default Levada's
# own wish-to-emigrate figures) serve as a second, independent check, and every published
# breakdown of every wave is checked against its total.

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

# %%
from chasm import formats, plots, report
from chasm.analysis import subgroups as bd
from chasm.analysis import weights
from chasm.data import figures, load
from chasm.stats import design

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n, question=question)
meta = load.load_metadata()
tidy, pops, approval, sources = (figures.load(), load.load_populations(), load.load_approval(),
                                 load.load_sources())
bd.check_selection(tidy, meta, question, option, subgroup_vars, series)
deff_used = (design.deff_from_error_table(load.load_error_table()).deff if deff is None
             else float(deff))
n_used = bd.wave_n(meta, wave, n)
age_var = bd.age_variable(meta, subgroup_vars)

report.say("Wave **{wave}**, question `{q}`, answer '{o}', breakdowns by {vars}. Design "
           "effect {d} ({how}), used for every subgroup too (the "
           "conservative choice: Levada's table is an upper bound and weighting does not "
           "shrink in subgroups); N = {n} ({nhow}); a group of weight w has w × N interviews; "
           "{c}% intervals.", wave=wave, q=question, o=option,
           vars=", ".join(subgroup_vars) or "none", d=formats.fmt(deff_used, 2),
           how="least squares from Levada's error table" if deff is None else "set by parameter",
           n=n_used, c=formats.level_percent(alpha),
           nhow="assumed: the sources do not state it"
           if n is None and meta["waves"][wave]["n_assumed"] else "as given")

# %% [markdown]
# ## Age weights
# Rosstat's population by single year of age, summed over the age groups of
# `metadata/subgroups.yaml` (`chasm.stats.partitions.population_weights`), from the population
# table nearest to the wave (`chasm.analysis.weights.wave_age_weights`). Levada weights its sample
# to
# the population, so these stand in for the sample's group shares (which are not published).

# %%
w_age = weights.wave_age_weights(pops, meta, wave, age_var or "age").weights
report.show(bd.age_weight_table(meta, w_age, n_used), digits=1, index="group")

# %%
report.say("Adults 18+: " + "; ".join(f"{g} {{w{i}}}%" for i, g in enumerate(w_age.index)) + ".",
           **{f"w{i}": formats.fmt(v * 100) for i, v in enumerate(w_age)})

# %%
report.say("{text}", text=weights.population_text(pops, meta, [wave], age_var or "age"))

# %% [markdown]
# ## The answer by age
# The figures as quoted, with the range of true values their wording allows (a range "a-b%"
# covers a − 0.5 to b + 0.5; a fraction in words ±5 points) and a confidence interval for each
# group from its w × N interviews.

# %%
age = bd.age_checks(tidy, meta, wave, question, option, w_age, n_used, deff_used, alpha,
                    var=age_var)
display(*bd.best_sentences(tidy, wave, question, option, sources),
        bd.cells_or_message(age, age.total))

# %% [markdown]
# **Is each quoted figure consistent with the total?** With the unpublished group(s) left
# free anywhere in 0-100, the weighted identity asks whether some value of them reconciles the
# quoted groups with the total (`chasm.stats.partitions.identity_check` on the intervals). The range
# they must then lie in comes from `solve_missing_subgroup` with the interval inputs.

# %%
display(*bd.age_identity_sentences(age, w_age, option))

# %% [markdown]
# An assumption, stated as such: if the unpublished group lies **between its published
# neighbours** (age patterns are usually monotone), the implied total narrows; the check is
# then whether the total still fits.

# %%
display(*bd.between_sentences(age))

# %% [markdown]
# **Each age group against the rest of the sample** (`chasm.stats.partitions.subgroup_vs_rest`): the
# rest's share is `(p_total − w p_g)/(1 − w)` with `(1 − w) N` interviews, and the score test
# compares the two disjoint parts. Every comparison is made twice: at the points (the midpoint
# of a worded range) and at the **least favourable ends** of the wording ranges, i.e. the ends
# that shrink the difference. Holm's adjustment is over the published age groups at the
# points.

# %%
if age.found:
    display(report.show(age.vs_rest.table.drop(columns="note"), digits=3))

# %%
if age.found:
    display(*age.vs_rest.sentences)

# %% [markdown]
# **Trend across the ordered age groups** (Cochran–Armitage, `chasm.stats.partitions.trend_test`),
# with the groups scored by their position in the full order so that the unpublished group
# leaves a gap. Caveat: with a group missing and two of three figures given as ranges, this
# is a rough summary; the least favourable reading flattens the trend as far as the wording
# allows.

# %%
if age.found:
    display(report.show(age.trend.table, digits=3, index="reading"))
    display(report.say(
        "At the points ({psh}) the share {dir} with age (z = {z}, p = {p}); at the least "
        "favourable ends ({sh}) z = {lz}, p = {lp}. {end}", psh=age.trend.table.at[0, "shares"],
        dir="rises" if age.trend.table.at[0, "z"] > 0 else "falls",
        z=formats.fmt(age.trend.table.at[0, "z"], 2),
        p=formats.fmt(age.trend.table.at[0, "p_value"], 3), sh=age.trend.table.at[1, "shares"],
        lz=formats.fmt(age.trend.table.at[1, "z"], 2),
        lp=formats.fmt(age.trend.table.at[1, "p_value"], 3),
        end="The trend holds at every reading of the wording." if age.trend.holds else
        "So the trend rests on reading the worded figures at their midpoints (\"about half\" "
        "as 50 rather than 45), which the wording does not guarantee." if age.trend.at_points
        else "No trend can be told apart from noise."))

# %% [markdown]
# ## The answer by approval of Putin
# Group weights are Levada's approval split of the wave's `approval_month`
# (`metadata/waves.yaml`). Its rounded parts need not add to 100, so they are **normalised to
# sum 1**; the rounding box of the three published shares (each ±0.5) is used as a sensitivity
# check.

# %%
aw = bd.approval_split(meta, approval, wave)
report.show(bd.approval_weight_table(aw), digits=2, index="group") if aw else None

# %%
display(bd.approval_weight_sentence(aw, wave))

# %%
appr = bd.approval_checks(tidy, meta, wave, question, option, age.total, aw, n_used, deff_used,
                          alpha, examined=bd.APPROVAL in subgroup_vars)
display(bd.cells_or_message(appr))

# %% [markdown]
# **Identity check.** Approvers and disapprovers are quoted; those who gave no answer on
# approval are not, so their share is bounded by `solve_missing_subgroup`.

# %%
if appr.found:
    display(report.say(
        "With approvers at {a} and disapprovers at {d}, the total {tot} is **{cons}**: the "
        "{w}% who gave no answer on approval must then have chosen '{f}' at {lo}–{hi}% "
        "(derived; {glo}–{ghi}% when the approval shares themselves vary within their "
        "rounding). The quoted groups are {cov}% of the sample, so they nearly determine "
        "the total on their own.", a=appr.comparison.a["value_text"],
        d=appr.comparison.b["value_text"], tot=age.total["value_text"],
        cons="consistent" if appr.unpublished.identity.consistent else "inconsistent",
        w=formats.fmt(100 * appr.unpublished.missing.weight), f=option,
        lo=formats.fmt(appr.unpublished.missing.low), hi=formats.fmt(appr.unpublished.missing.high),
        glo=formats.fmt(appr.unpublished.grid_low), ghi=formats.fmt(appr.unpublished.grid_high),
        cov=formats.fmt(100 * (1 - appr.unpublished.missing.weight))))

# %% [markdown]
# **Approvers vs disapprovers.** Two disjoint groups of one sample: the score test of
# `chasm.stats.twosample.compare_waves` with `n_g = w_g N` interviews each, at the points and at the
# least favourable ends.

# %%
if appr.found:
    display(report.show(appr.comparison.table, digits=4, index="reading"))
    display(report.say(
        "Approvers choose '{f}' {d} points more often than disapprovers (CI {lo} to {hi}); even "
        "at the least favourable ends the gap is {ld} points (p = {lp}). {end}",
        f=option, d=formats.fmt(appr.comparison.table.at[0, "diff"]),
        lo=formats.fmt(appr.comparison.table.at[0, "ci_low"]),
        hi=formats.fmt(appr.comparison.table.at[0, "ci_high"]),
        ld=formats.fmt(appr.comparison.table.at[1, "diff"]),
        lp=f"{appr.comparison.table.at[1, 'p_value']:.1g}",
        end="This gap holds at every reading of the rounding." if appr.comparison.holds
        else "At the least favourable ends it cannot be told apart from noise."))

# %% [markdown]
# **Who gives the answer (Bayes inversion).** `P(group | chose 'traitors') = w_g p_g / p_total`
# (`chasm.stats.partitions.bayes_share_of_answer`): of everyone who chose the label, what share
# disapproves of Putin? Ranges combine the rounding of the figures and of the approval
# weights (outer bounds).

# %%
if appr.found:
    display(report.show(appr.shares))
    display(report.say(
        "The {dtext} among disapprovers ({did}) is a share of a small group ({dw}% of the "
        "sample): disapprovers give only about **{d}%** of all '{f}' answers ({dlo}–{dhi}%), "
        "approvers about **{a}%** ({alo}–{ahi}%), and those without an approval answer at "
        "most {nhi}%.", dtext=appr.comparison.b["value_text"], did=appr.comparison.b["figure_id"],
        dw=formats.fmt(appr.shares.at["disapprove", "weight_pct"]),
        d=formats.fmt(appr.shares.at["disapprove", "share_of_answers"]),
        dlo=formats.fmt(appr.shares.at["disapprove", "low"]),
        dhi=formats.fmt(appr.shares.at["disapprove", "high"]), f=option,
        a=formats.fmt(appr.shares.at["approve", "share_of_answers"]),
        alo=formats.fmt(appr.shares.at["approve", "low"]),
        ahi=formats.fmt(appr.shares.at["approve", "high"]),
        nhi=formats.fmt(appr.shares.at["no_answer", "high"])))

# %% [markdown]
# ## Figure: the answer by group
# Coloured bars: the range each quoted figure's wording allows (colour = source); dots: the
# point; thin lines: confidence intervals; hatched grey: ranges **derived** from the identity
# for groups nobody quoted. Dashed line and grey band: the total and its interval.

# %%
plots.theme()
panels = bd.traitor_panels(wave, option, age, appr)
(plots.group_panels_figure(panels, run, option, (5.2, 3.8)) if panels
 else report.say("Nothing to draw for {wave}.", wave=wave))

# %% [markdown]
# ## A second, independent check: the wish to emigrate
# The question `series` (by default the wish to emigrate, whose figures the sources table
# below names) gives the share who would like to move abroad, with a few breakdowns. The
# question is **single response**: would,
# would not and "don't know" add up to 100, so a group published only as "would not" x% has
# "would" **at most** 100 − (x − 0.5)%, an upper bound and nothing more (the rest may be
# "don't know"). Where more than one age group is unpublished, they are merged and bounded
# together.

# %%
emig = bd.emigrate_section(tidy, meta, approval, pops, n, deff_used, alpha, series)
display(*emig.outputs)

# %% [markdown]
# ## Figure: the wish to emigrate by group
# Same conventions as above. Groups published only as "would not" appear as hatched *derived*
# upper bounds, as do groups bounded by the identity. A group whose size is unknown (the
# disapprovers when only approval is published for the month) gets no confidence interval.

# %%
(plots.group_panels_figure(emig.panels, run, "emigrate", (4.4, 3.6), fit_x=True) if emig.panels
 else report.say("No wish-to-emigrate breakdowns to draw."))

# %% [markdown]
# ## Every published breakdown of every wave against its total
# The same weighted identity for every breakdown by the variables of this run, complete (every
# group published: the groups alone fix the total, up to rounding) or partial (unpublished
# groups free in 0-100), in every wave: age weights from the population table nearest to each
# wave, approval weights from its approval month. `moves`: how far the implied total moves
# with the next nearest population table (empty when there is only one).

# %%
every = bd.breakdown_checks(tidy, meta, pops, approval, subgroup_vars)
report.show(every.table, digits=1)

# %%
display(*every.sentences)

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per check: `wave`; `check`; `figure_ids` (";"-separated
# figures used); `quantity` (what `low`/`high` measure); `low`, `high` (percent or points: an
# implied total, a derived range, a confidence interval of a difference, or empty for a
# trend test); `p_value` (empty where there is no test); `verdict`.

# %%
key_numbers = bd.key_numbers(age.rows + appr.rows + emig.rows + every.rows)
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers, digits=3, index="check")

# %% [markdown]
# ## What this rests on

# %%
kinds = bd.figures_used(key_numbers, tidy)
report.say("{where} Second-hand: {ids}. N = {n} is {nass}. Subgroup sizes are w × N with "
           "Rosstat or approval weights, not Levada's (unpublished) sample counts. Approval is "
           "itself an attitude: differences between approvers and disapprovers describe who "
           "answers what, not effects.", ids=", ".join(bd.second_hand(kinds)) or "none",
           where=figures.kind_sentence(tidy[tidy["figure_id"].isin(kinds.index)], sources),
           n=n_used,
           nass="an assumption (Levada's standard design)"
           if n is None and meta["waves"][wave]["n_assumed"] else "given")

# %%
report.show(load.load_gaps(), index="id")
