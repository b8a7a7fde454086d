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
# # 08 · Series: one answer over every wave the data have
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's monthly Putin
# approval series `data/raw/putin_approval_monthly.csv`, `data/raw/sources.csv` (to name each
# source by its outlet), the analysis plan `data/plan.yaml`, Levada's sampling-error table,
# the Rosstat population by age (sizes of age groups) and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (the key numbers: every share, every adjacent change,
# the trend and the test of equal shares) and the figure `reports/figures/<run>-series`.
#
# Pick a question, an option and a group (parameters); the report draws the share in every
# wave with its interval, tests each change from one wave to the next with a multiplicity
# adjustment over the whole series, tests for a trend and for any difference at all between
# the waves, and says for each change whether its verdict depends on which source is believed
# when two sources give different figures for the same wave. `question: putin_approval` picks
# Levada's monthly approval series (options `approve`, `disapprove`, `no_answer`).

# %% tags=["parameters"]
run = "08_series"  # report name (set by make)
question = "wish_to_emigrate"  # question id (metadata/questions.yaml), or putin_approval
option = "would"  # option id of that question
subgroup_var = "all"  # breakdown variable (metadata/subgroups.yaml), all: the whole sample
subgroup = "all"  # group of that variable
waves = None  # list of waves (YYYY-MM); None: every wave the data have for this cell
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05 gives 95% intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
family_method = "holm"  # multiplicity control over the adjacent changes: holm or fdr_bh
breaks = []  # known breaks (months YYYY-MM): a level shift from each on, in every trend model

# %%
from chasm import formats, plots, report
from chasm.analysis import plan, series
from chasm.data import figures, load
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
series.check_family_method(family_method)
level = formats.fmt_level(alpha)  # e.g. "95%"

# %% [markdown]
# ## The series
# Every figure the data have for the chosen cell, from every source. The interviews behind
# each figure: the wave's N (`metadata/waves.yaml`); for a subgroup, N times the group's share
# of the sample (`chasm.analysis.uncertainty.subgroup_sizes`); for months of the approval series
# that
# are not waves of the metadata, Levada's standard design size.

# %%
est = design.deff_from_error_table(load.load_error_table())
deff_used = est.deff if deff is None else float(deff)
sel = series.select(figures.load(), load.load_approval(), load.load_metadata(), load.load_sources(),
                    load.load_population(), question=question, option=option,
                    subgroup_var=subgroup_var, subgroup=subgroup, waves=waves, n=n,
                    standard_n=int(est.n))
report.say("{overview} {n_note} Design effect **{d}** ({choice}), {level} intervals, "
           "{method} adjustment over the series.", overview=series.overview_sentence(sel),
           n_note=sel.n_note, d=formats.fmt(deff_used, 2),
           choice=("least squares from Levada's error table" if deff is None
                   else "set by the `deff` parameter"), level=level,
           method=series.FAMILY_METHODS[family_method])

# %%
report.say("{s}", s=series.too_few_sentence(sel))

# %% [markdown]
# ## Every figure with its interval
# Wilson on effective counts n_eff = N / deff (exact Clopper-Pearson near 0% and 100%), the union
# over
# the values each figure's text allows: ±0.5 for a rounded number, ±5 points for a fraction in
# words (`chasm.analysis.uncertainty.figure_intervals`). `best` marks the figure used for the wave
# in the
# family of tests and the trend (`chasm.data.figures.best`, by the source-ranking policy declared in
# `data/raw/metadata/ranking.yaml`, stated below wherever it decides); the others are
# alternatives. A long series shows its first, last, lowest and highest month here; every month
# is in the saved table.

# %%
ranked = figures.best_choices(sel.figures.drop(columns=["best"], errors="ignore"))
report.say("{s}", s=figures.ranking_sentence(ranked, sel.figures, load.load_sources())
           if len(ranked) else
           "Every wave of this series has one figure: no ranking of sources decides anything.")

# %%
shares = series.shares(sel, deff_used, alpha)
series.shares_view(shares)

# %% [markdown]
# ## Trend, and are the waves different at all?
# * **Trend**: a binomial model with the logit of the share linear in time (years, from the
#   fieldwork month), fitted on effective counts; likelihood-ratio test of a zero slope
#   (`chasm.stats.trend.logistic_trend`). It assumes the waves differ only by sampling error
#   around the line; the quasi-binomial version lets the data say how much more they scatter.
#   A line is a summary of direction, not a model of a series that moves up and down.
# * **Equal shares**: chi-square test that every wave has one common share
#   (`chasm.stats.trend.heterogeneity`), Pearson and likelihood ratio, k − 1 df.
# Both use the figure chosen per wave; where a wave has other sources, the trend is refitted
# for every combination of sources. Known breaks (`breaks`) enter as level shifts.
# * **A monthly tracker** (at least 24 waves a month apart) is a time series: its months are
#   autocorrelated, so its trend is judged by tests that allow for that (OLS with Newey-West
#   errors at several lags; a regression with AR(1) errors by maximum likelihood and by
#   Cochrane-Orcutt; `chasm.stats.trend`), on the share and on its logit, and a trend is
#   claimed only if every one of them finds it.

# %%
trend = series.trend_tests(sel, deff_used, alpha, breaks)
report.say("{s}", s=series.trend_sentence(trend, sel, alpha))

# %%
report.say("{s}", s=series.robust_sentence(trend, sel, deff_used, alpha))

# %%
series.robust_view(trend)

# %% [markdown]
# ## Change from each wave to the next
# Every change is judged by the project's one comparison engine (`chasm.analysis.compare`): the
# score
# test on effective counts, the waves taken as independent samples, with each figure's rounding
# or wording as noise (the p the verdict reads, and the interval of that same test); the least
# favourable values the rounding allows are a robustness column, not the verdict. **Families**:
# a change the analysis plan (`data/plan.yaml`) declares keeps the plan's id, family and
# adjusted p, the same as in 03_waves and the claims register; every other adjacent pair of
# waves is one test of the series' own family, adjusted together (`family_method`); a pair with
# another source for one of its waves is adjusted in the family where it replaces its pair's
# test. Months between the waves are shown: a change over two years is not a change over a
# month.

# %%
meta = load.load_metadata()
declared = plan.wave_tests(plan.load_plan(meta=meta), figures.load(), meta, deff_used, n, alpha)
changes = series.adjacent_changes(sel, deff_used, alpha, family_method, declared)
report.say("{s} {long}", s=series.changes_sentence(changes, alpha, family_method),
           long=series.long_changes_sentence(changes, alpha))

# %%
series.changes_view(changes, alpha)

# %% [markdown]
# ## Does the source decide?
# Where a wave has figures from more than one source, every combination of the two waves'
# sources is tested; a change whose verdict differs between combinations rests on which
# source is believed, and no single reading of it is warranted.

# %%
report.say("{s}", s=series.conflict_sentences(changes))

# %% [markdown]
# ## The series, drawn
# Dot and thin line: the figure and its interval; pale thick bar: the values its text allows;
# hollow dots: other sources for the same wave, drawn beside the chosen one, not averaged.
# Intervals are not adjusted for multiplicity.

# %%
plots.theme()
plots.series_chart(shares, series.headline(sel, shares, changes, trend, alpha),
                   f"% of {sel.subgroup_label}, with {level} interval", run,
                   level)

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per number (`part`): `share` (every figure: `wave_1`,
# `figure_1`, `outlet_1`, `text_1`, `value` = point, `ci_low`, `ci_high`, `n_1`, `best`),
# `change` (every adjacent pair and combination of sources: `comparison_id` and `family` (the
# plan's for a declared comparison), both sides, `value` = change in points, the interval of
# the verdict's test, `statistic` = z, `p_value` at the published values, `p_rounding` with
# rounding as noise, `p_adjusted`, `p_worst` and `p_worst_adjusted` at the least favourable
# rounding, `depends_on_source`, `verdict`),
# `trend` (`value` = slope in log-odds per year, its interval, `statistic` = likelihood-ratio
# χ², `p_value`, and the quasi-binomial p in `p_worst`) and `equal` (`statistic` = Pearson χ²,
# `df`, `p_value`, `value` = pooled share); every row with the cell, `deff` and
# `family_method`.

# %%
print("wrote", report.save_table(series.key_numbers(sel, shares, changes, trend, deff_used,
                                                     family_method), run))

# %% [markdown]
# ## What this rests on
# Sampling error only: the tests take the published figures at face value, the waves as
# independent samples of the stated N, and one design effect for every wave.

# %%
report.show(load.load_gaps(), index="id")
