# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (chasm)
#     language: python
#     name: chasm
# ---

# %% [markdown]
# # 05 · Subgroups: age, Putin approval, and what the partial tables imply
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table, the
# Rosstat population by age (`data/raw/rosstat_population_2024-01-01.csv`), Levada's monthly
# Putin approval (`data/raw/putin_approval_monthly.csv`) and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per check) and the figures
# `reports/figures/<run>-traitors.svg` and `<run>-emigrate.svg` with the CSV of their numbers.
#
# The essay reports the share calling those who left "traitors" by age group (some groups in
# words or as a range) and by approval of Putin. The total is the
# population-weighted mean of any partition into groups, `p_total = Σ w_g p_g`. This identity
# checks the quoted figures, bounds the groups nobody quoted, and gives the rest of the sample
# to compare a group with. A group is compared with **the rest of the sample, never with the
# total** it is part of. Levada's own wish-to-emigrate breakdowns serve as a second,
# independent check.

# %% tags=["parameters"]
run = "05_subgroups"  # report name (set by make)
wave = "2024-03"  # wave whose "traitors" breakdowns are checked
deff = None  # None: the least-squares design effect from Levada's error table; or a number
alpha = 0.05  # error rate of tests and confidence intervals (0.05 for 95%)
n = None  # None: each wave's N from metadata/waves.yaml

# %%
from chasm import figures, io, multiresponse, plots, report, weights
from chasm import subgroups as bd
from chasm.stats import design

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n)
meta = io.load_metadata()
deff_used = (design.deff_from_error_table(io.load_error_table()).deff if deff is None
             else float(deff))
QUESTION, FOCUS = "why_people_leave", multiresponse.FOCUS
n_used = bd.wave_n(meta, wave, n)

report.say("Wave **{wave}**. Design effect {d} ({how}), used for every subgroup too (the "
           "conservative choice: Levada's table is an upper bound and weighting does not "
           "shrink in subgroups); N = {n} ({nhow}); a group of weight w has w × N interviews; "
           "{c}% intervals.", wave=wave, d=report.fmt(deff_used, 2),
           how="least squares from Levada's error table" if deff is None else "set by parameter",
           n=n_used, c=round(100 * (1 - alpha)),
           nhow="assumed: the sources do not state it"
           if n is None and meta["waves"][wave]["n_assumed"] else "as given")

# %% [markdown]
# ## Load inputs

# %%
tidy, pop, approval = figures.load(), io.load_population(), io.load_approval()

# %% [markdown]
# ## Age weights
# Rosstat's population on 1 January 2024 by single year of age, summed over the age groups of
# `metadata/subgroups.yaml` (`chasm.stats.partitions.population_weights`). Levada weights its
# sample to the population, so these stand in for the sample's group shares (which are not
# published).

# %%
w_age = weights.age_weights(pop, meta)
report.show(bd.age_weight_table(meta, w_age, n_used), digits=1, index="group")

# %%
report.say("Adults 18+: " + "; ".join(f"{g} {{w{i}}}%" for i, g in enumerate(w_age.index)) + ".",
           **{f"w{i}": report.fmt(v * 100) for i, v in enumerate(w_age)})

# %% [markdown]
# ## "Traitors" by age
# The figures as quoted, with the range of true values their wording allows (a range "a-b%"
# covers a − 0.5 to b + 0.5; a fraction in words ±5 points) and a confidence interval for each
# group from its w × N interviews.

# %%
age = bd.age_checks(tidy, meta, wave, QUESTION, FOCUS, w_age, n_used, deff_used, alpha)
if age.found:
    display(report.show(bd.shown(age.cells, age.total), index="group"))
else:
    display(report.say("No breakdown of '{f}' by age is published for {wave} (with a total): "
                       "this section has nothing to check.", f=FOCUS, wave=wave))

# %% [markdown]
# **Is each quoted figure consistent with the total?** With the unpublished group(s) left
# free anywhere in 0-100, the weighted identity asks whether some value of them reconciles the
# quoted groups with the total (`chasm.stats.partitions.identity_check` on the intervals). The range
# they must then lie in comes from `solve_missing_subgroup` with the interval inputs.

# %%
if age.found:
    display(report.say(
        "The quoted age figures are **{cons}** with the total {tot} ({tid}) as long as the "
        "unpublished {g} group can take some value: for the identity to hold, the share of "
        "{g}-year-olds choosing '{f}' must lie between **{lo}% and {hi}%** (derived; "
        "{clo}–{chi}% with sampling error). That range is wide because the quoted figures are "
        "themselves ranges: \"{wtext}\" for {wg} alone spans {wwidth} points over {w55}% of "
        "adults.", wtext=age.widest["value_text"], wg=age.widest["group"],
        wwidth=report.fmt(age.widest["width"], 0),
        cons="consistent" if age.unpublished.identity.consistent else "inconsistent",
        tot=age.total["value_text"], tid=age.total["figure_id"], g=age.unpublished.missing.group,
        f=FOCUS, lo=report.fmt(age.unpublished.missing.low),
        hi=report.fmt(age.unpublished.missing.high), clo=report.fmt(age.unpublished.ci_low),
        chi=report.fmt(age.unpublished.ci_high),
        w55=report.fmt(100 * w_age[age.widest["group"]], 0)))

# %% [markdown]
# An assumption, stated as such: if the unpublished group lies **between its published
# neighbours** (age patterns are usually monotone), the implied total narrows; the check is
# then whether the total still fits.

# %%
if age.found:
    display(report.say(
        "If {g} lies between {l} and {r} ({blo}–{bhi}%), the implied total is "
        "{ilo}–{ihi}%, which {verb} the published {tot}." if age.between.applies else
        "The unpublished age group has no published neighbour on both sides; no monotone "
        "assumption is tried.", g=age.between.group, l=age.between.left, r=age.between.right,
        blo=report.fmt(age.between.low), bhi=report.fmt(age.between.high),
        ilo=report.fmt(age.between.implied_low), ihi=report.fmt(age.between.implied_high),
        verb="contains" if age.between.consistent else "misses", tot=age.total["value_text"]))

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
        z=report.fmt(age.trend.table.at[0, "z"], 2),
        p=report.fmt(age.trend.table.at[0, "p_value"], 3), sh=age.trend.table.at[1, "shares"],
        lz=report.fmt(age.trend.table.at[1, "z"], 2),
        lp=report.fmt(age.trend.table.at[1, "p_value"], 3),
        end="The trend holds at every reading of the wording." if age.trend.holds else
        "So the trend rests on reading the worded figures at their midpoints (\"about half\" "
        "as 50 rather than 45), which the wording does not guarantee." if age.trend.at_points
        else "No trend can be told apart from noise."))

# %% [markdown]
# ## "Traitors" by approval of Putin
# Group weights are Levada's approval split of the wave's `approval_month`
# (`metadata/waves.yaml`). Its rounded parts need not add to 100, so they are **normalised to
# sum 1**; the rounding box of the three published shares (each ±0.5) is used as a sensitivity
# check.

# %%
aw = weights.wave_approval_weights(meta, approval, wave)
report.show(bd.approval_weight_table(aw), digits=2, index="group")

# %%
display(report.say(
    "Approval in {m}: {a} approve, {d} disapprove, {na} no answer; these sum to {s} because of "
    "rounding, so the weights are normalised to sum 1: {wa}%, {wd}%, {wn}%." if aw.complete
    else "Approval in {m}: only \"approve\" ({a}%) is published; disapproval and no answer "
    "are not, so only approvers vs everyone else can be weighted.", m=aw.month,
    a=report.fmt(aw.published["approve"], 0), d=report.fmt(aw.published["disapprove"], 0),
    na=report.fmt(aw.published["no_answer"], 0), s=report.fmt(aw.raw_sum, 0),
    wa=report.fmt(100 * aw.weights.get("approve")),
    wd=report.fmt(100 * aw.weights.get("disapprove", float("nan"))),
    wn=report.fmt(100 * aw.weights.get("no_answer", float("nan")))))

# %%
appr = bd.approval_checks(tidy, meta, wave, QUESTION, FOCUS, age.total, aw, n_used, deff_used,
                          alpha)
if appr.found:
    display(report.show(bd.shown(appr.cells), index="group"))
else:
    display(report.say("No breakdown of '{f}' by approval with complete approval weights is "
                       "published for {wave}: this section has nothing to check.",
                       f=FOCUS, wave=wave))

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
        w=report.fmt(100 * appr.unpublished.missing.weight), f=FOCUS,
        lo=report.fmt(appr.unpublished.missing.low), hi=report.fmt(appr.unpublished.missing.high),
        glo=report.fmt(appr.unpublished.grid_low), ghi=report.fmt(appr.unpublished.grid_high),
        cov=report.fmt(100 * (1 - appr.unpublished.missing.weight))))

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
        f=FOCUS, d=report.fmt(appr.comparison.table.at[0, "diff"]),
        lo=report.fmt(appr.comparison.table.at[0, "ci_low"]),
        hi=report.fmt(appr.comparison.table.at[0, "ci_high"]),
        ld=report.fmt(appr.comparison.table.at[1, "diff"]),
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
        dw=report.fmt(appr.shares.at["disapprove", "weight_pct"]),
        d=report.fmt(appr.shares.at["disapprove", "share_of_answers"]),
        dlo=report.fmt(appr.shares.at["disapprove", "low"]),
        dhi=report.fmt(appr.shares.at["disapprove", "high"]), f=FOCUS,
        a=report.fmt(appr.shares.at["approve", "share_of_answers"]),
        alo=report.fmt(appr.shares.at["approve", "low"]),
        ahi=report.fmt(appr.shares.at["approve", "high"]),
        nhi=report.fmt(appr.shares.at["no_answer", "high"])))

# %% [markdown]
# ## Figure: "traitors" by group
# Coloured bars: the range each quoted figure's wording allows (colour = source); dots: the
# point; thin lines: confidence intervals; hatched grey: ranges **derived** from the identity
# for groups nobody quoted. Dashed line and grey band: the total and its interval.

# %%
plots.theme()
panels = bd.traitor_panels(wave, FOCUS, age, appr)
if panels:
    figure_out = plots.group_panels_figure(panels, run, "traitors", (5.2, 3.8))
else:
    figure_out = report.say("Nothing to draw for {wave}.", wave=wave)
figure_out

# %% [markdown]
# ## A second, independent check: the wish to emigrate
# Levada's own English releases give the share who would like to move abroad, with a few
# breakdowns (*primary* figures, not the essay's). The question is **single response**: would,
# would not and "don't know" add up to 100, so a group published only as "would not" x% has
# "would" **at most** 100 − (x − 0.5)%, an upper bound and nothing more (the rest may be
# "don't know"). Where more than one age group is unpublished, they are merged and bounded
# together.

# %%
emig = bd.emigrate_section(tidy, meta, approval, w_age, n, deff_used, alpha)
display(*emig.outputs)

# %% [markdown]
# ## Figure: the wish to emigrate by group
# Same conventions as above. Groups published only as "would not" appear as hatched *derived*
# upper bounds, as do groups bounded by the identity. A group whose size is unknown (the
# disapprovers when only approval is published for the month) gets no confidence interval.

# %%
if emig.panels:
    emig_out = plots.group_panels_figure(emig.panels, run, "emigrate", (4.4, 3.6), fit_x=True)
else:
    emig_out = report.say("No wish-to-emigrate breakdowns to draw.")
emig_out

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per check: `wave`; `check`; `figure_ids` (";"-separated
# figures used); `quantity` (what `low`/`high` measure); `low`, `high` (percent or points: an
# implied total, a derived range, a confidence interval of a difference, or empty for a
# trend test); `p_value` (empty where there is no test); `verdict`.

# %%
key_numbers = bd.key_numbers(age.rows + appr.rows + emig.rows)
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers, digits=3, index="check")

# %% [markdown]
# ## What this rests on

# %%
kinds = bd.figures_used(key_numbers, tidy)
report.say("{m} of the {k} figures used are second-hand ({ids}): the essay's quotation of "
           "Levada's tables, whose breakdowns could not be retrieved. The wish-to-emigrate "
           "figures are Levada's own (primary). N = {n} is {nass}. Subgroup sizes are w × N "
           "with Rosstat or approval weights, not Levada's (unpublished) sample counts. "
           "Approval is itself an attitude: differences between approvers and disapprovers "
           "describe who answers what, not effects.", m=len(bd.second_hand(kinds)),
           k=len(kinds), ids=", ".join(bd.second_hand(kinds)) or "none", n=n_used,
           nass="an assumption (Levada's standard design)"
           if n is None and meta["waves"][wave]["n_assumed"] else "given")

# %%
report.show(io.load_gaps(), index="id")
