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
# # 09 · Methods: what a survey methodologist would add
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), the analysis plan
# `data/plan.yaml`, Levada's sampling-error table, its monthly Putin approval series
# `data/raw/putin_approval_monthly.csv`, `data/raw/sources.csv`, the Rosstat population and
# `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (every number below, one row per table row, `part`
# naming the table).
#
# The other reports test each change with sampling error and rounding. Four questions they
# leave open, asked of every comparison the analysis plan gives a role (by default its
# confirmatory ones, read from the plan): **(a)** how probable is the change, and a change as
# large as the essay's, once each published figure is known only to lie in its rounding
# interval? **(b)** how much wave-level error (beyond sampling) would flip each verdict, and
# how much does Levada's own monthly tracker show? **(c)** if the true change is of a
# plausible size, how often would a design like this find it, and by how much would a
# significant estimate overstate it? **(d)** how much of the change could a change in the
# sample's composition by Putin approval explain?

# %% tags=["parameters"]
run = "09_methods"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate (0.05 gives 95% intervals and credible intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
role = "confirmatory"  # which of the plan's comparisons to examine (its role in data/plan.yaml)
plausible_changes = [1.0, 2.0, 3.0, 4.0, 5.0]  # true changes (points) for the design analysis
tracker_option = "approve"  # option of Levada's monthly approval series used to estimate tau
breakdown = "putin_approval"  # breakdown variable of the composition analysis

# %%
from chasm import formats, report
from chasm.analysis import methods, plan
from chasm.data import figures, load
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
level = formats.fmt_level(alpha)  # e.g. "95%"

# %% [markdown]
# ## Load inputs

# %%
analysis = plan.load_plan()
tidy = figures.load()
meta = load.load_metadata()
approval = load.load_approval()
est = design.deff_from_error_table(load.load_error_table())
deff_used = est.deff if deff is None else float(deff)
tests = methods.comparisons(analysis, tidy, meta, deff_used, n, role)
report.say("Comparisons examined: the plan's **{role}** ones ({ids}). Design effect **{d}** "
           "({choice}); {level} intervals.", role=role,
           ids=", ".join(tests.loc[tests["role"] == role, "comparison_id"]),
           d=formats.fmt(deff_used, 2),
           choice=("least squares from Levada's error table" if deff is None
                   else report.say("set by the `deff` parameter")), level=level)

# %% [markdown]
# ## (a) A posterior for each change, rounding as a latent interval
# Each published figure is taken for what its text says: the unrounded sample share lies
# somewhere in its rounding interval (or a worded figure's range), uniformly; given it, the
# true share has the flat-prior posterior on effective counts n / deff
# (`chasm.stats.posterior.change_posterior`, exact quadrature). "The smallest size the figures
# allow" is the least change in the published direction the two ranges admit (43% and 37%:
# 42.5 − 37.5 = 5 points).

# %%
post = methods.posterior_table(tests, role, alpha)
report.say("{s}", s=methods.posterior_sentence(post, level))

# %%
report.show(post, digits=3, index="comparison_id")

# %% [markdown]
# ## (b) Wave-level error: where each verdict flips, and what the tracker shows
# A wave-level error (fieldwork, context, interviewers: anything shared by every answer of one
# wave) of SD τ adds 2τ² to the variance of a change. The tipping τ is where the verdict's own
# test (sampling variance of the score test plus rounding as noise, adjusted within the plan's
# family, every member with the same τ) reaches α (`chasm.stats.nonsampling.tipping_tau`). The
# tracker's month-to-month changes say how much noise its monthly figures carry: with the real
# movement a random walk, the noise variance is minus the lag-1 autocovariance of the changes;
# τ² is what sampling (at the same design effect) and rounding leave of it
# (`tau_from_tracker`). The upper bound counts every real movement as noise.

# %%
taus = methods.tau_table(tests, role, alpha)
monthly = methods.tracker_series(approval, meta, load.load_sources(), load.load_population(),
                                 tracker_option, int(est.n))
tracker = methods.tracker_tau(monthly, deff_used)
report.say("{s}", s=methods.tau_sentence(taus, tracker, tracker_option))

# %%
report.show(taus, digits=3, index="comparison_id")

# %%
report.show(tracker, digits=3, index="window")

# %% [markdown]
# ## (c) Design analysis: power, sign and exaggeration
# For a plausible true change (the `plausible_changes` parameter: sizes chosen from outside
# these data, not the observed change), the chance that a design with this standard error
# finds it significant, the chance a significant estimate has the wrong sign, and how much a
# significant estimate overstates it on average (Gelman & Carlin 2014;
# `chasm.stats.design_analysis.retrodesign`). The standard error is the verdict's: sampling
# and rounding.

# %%
design_rows = methods.design_table(tests, role, plausible_changes, alpha)
report.say("{s}", s=methods.design_sentence(design_rows))

# %%
report.show(design_rows, digits=3)

# %% [markdown]
# ## (d) Composition: how much could a change in the approval split explain?
# Kitagawa's decomposition splits a change of a weighted mean into the part due to the groups'
# weights (composition) and the part due to the groups themselves. Weights: Levada's approval
# split of each wave's approval month (`chasm.analysis.weights`, every corner of its rounding);
# group
# shares: the published breakdown where there is one (its rounding interval), else anything
# from 0 to 100%, tied together by each wave's published total
# (`chasm.stats.decomposition.composition_range`). Every number here is derived.

# %%
decomp = methods.decomposition_table(tests, role, tidy, meta, approval, breakdown)
report.say("{s}", s=methods.decomposition_sentence(
    decomp, meta["subgroups"].get(breakdown, {}).get("label", breakdown)))

# %%
# The numbers right after the answer, so they stay in view beside the long text columns.
numbers = [c for c in decomp.columns if "(points)" in c]
first = ["comparison_id", "answer", *numbers]
report.show(decomp[first + [c for c in decomp.columns if c not in first]],
            digits=2, index="comparison_id")

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`: the four tables one after the other, `part` = posterior, tau,
# tracker, design or composition.

# %%
print("wrote", report.save_table(methods.key_numbers(post, taus, tracker, design_rows, decomp),
                                 run))

# %% [markdown]
# ## What this rests on
# The posterior uses a flat prior and the large-sample normal posterior of each share; the
# tracker's τ assumes its real movement is a random walk and its noise independent from
# month to month, and a monthly tracker is not the omnibus question; the plausible changes
# are assumptions of this analysis; the decomposition uses only the groups both waves' approval
# months publish.

# %%
report.show(load.load_gaps(), index="id")
