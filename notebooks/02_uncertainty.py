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
# # 02 · Uncertainty: how precise is each published figure?
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's sampling-error table
# `data/raw/levada_error_table.csv`, the Rosstat population tables by age
# (`data/raw/rosstat_population_YYYY-MM-DD.csv`), Levada's monthly Putin approval series,
# `data/raw/sources.csv` and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per figure: its interval and where the
# number of interviews behind it comes from) and the figure `reports/figures/<run>-intervals`.
#
# Levada's samples are clustered and weighted, so 1,600 interviews are worth fewer simple
# random ones. How many fewer, Levada's own error table says: the design effect (deff) it
# implies turns N into an effective sample size n_eff = N / deff, and every interval here is
# computed on n_eff (Wilson; exact Clopper-Pearson on n_eff near 0% and 100%, without the
# design degrees-of-freedom factor of Korn and Graubard). A figure given in words or
# rounded is a range of possible values; its interval is the union of the intervals over that
# range.

# %% tags=["parameters"]
run = "02_uncertainty"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of the intervals (0.05 gives 95% intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
questions = []  # questions whose figures are covered; []: every question in the data
waves = []  # waves covered; []: every wave in the data
focus = "traitors"  # the answer whose figures the design-effect sensitivity table follows

# %%

from chasm import formats, plots, report
from chasm.analysis import uncertainty, weights
from chasm.data import figures, load
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n, wave=waves)
level = formats.fmt_level(alpha)  # e.g. "95%"

# %% [markdown]
# ## Load inputs

# %%
meta = load.load_metadata()
tidy = uncertainty.select(figures.load(), meta, questions, waves, focus)
errors = load.load_error_table()
populations = load.load_populations()
approval = load.load_approval()
sources = load.load_sources()
whole_sample = tidy["subgroup_var"] == "all"
report.say("{k} published figures ({w} for the whole sample, {s} for subgroups) from {q} "
           "{qs} and {v} waves.", k=len(tidy), qs="questions" if tidy["question"].nunique() > 1
           else f"question ({tidy['question'].iloc[0]})", w=int(whole_sample.sum()),
           s=int((~whole_sample).sum()), q=tidy["question"].nunique(), v=tidy["wave"].nunique())

# %% [markdown]
# ## The design effect in Levada's own error table
# Levada prints, with every release, the largest sampling error at N = 1600 and 95% confidence
# for shares near 50%, 25/75%, 10/90% and 5/95%. Dividing each by the error simple random
# sampling (SRS) would have at the same share, and squaring, gives the design effect the table
# assumes. Errors are printed to 0.1 point, so each row pins deff only to a range; the deffs
# consistent with every row form the feasible range. One common deff is fitted by least
# squares (`chasm.stats.design.deff_from_error_table`).

# %%
est = design.deff_from_error_table(errors)
rows = est.rows.rename(columns={"share_near_pct": "share near (%)",
                                "max_error_pct": "published error",
                                "srs_error_pct": "SRS error", "deff": "implied deff",
                                "deff_low": "deff low (rounding)",
                                "deff_high": "deff high (rounding)", "n_eff": "n_eff"})
report.show(rows.drop(columns=["confidence", "ratio"]), digits=3)

# %%
deff_used = est.deff if deff is None else float(deff)
n_eff_used = est.n / deff_used
at_50 = errors.loc[errors["share_near_pct"] == 50, "max_error_pct"]
report.say("Levada's table implies a design effect of **{ls}** (least squares over its rows; "
           "every row is consistent with any value from {lo} to {hi}). Its {n} interviews are "
           "therefore worth about **{neff}** interviews drawn by simple random sampling: at 50% "
           "the published error of {pub} points is {ratio} times the SRS error of {srs} points.",
           ls=formats.fmt(est.deff, 2), lo=formats.fmt(est.deff_low, 2),
           hi=formats.fmt(est.deff_high, 2), n=formats.fmt(est.n, 0),
           neff=formats.fmt(est.n_eff, 0), pub=formats.fmt(at_50.iloc[0]),
           ratio=formats.fmt(est.rows.loc[at_50.index[0], "ratio"], 2),
           srs=formats.fmt(est.rows.loc[at_50.index[0], "srs_error_pct"], 2))

# %%
choice = ("the least-squares value from Levada's table" if deff is None
          else report.say("set by the `deff` parameter"))
report.say("This report uses **deff = {d}** ({choice}), so n_eff = {neff} for a wave of {n} "
           "interviews, and {level} intervals.", d=formats.fmt(deff_used, 2), choice=choice,
           neff=formats.fmt(n_eff_used, 0), n=formats.fmt(est.n, 0), level=level)

# %% [markdown]
# ## Compute: every figure with its interval
# **How many interviews stand behind each figure.** The whole sample is the wave's N from
# `metadata/waves.yaml` (where the source does not state it, Levada's standard 1600 is
# assumed, flagged `n_assumed`; the last section lists which waves). A subgroup's N is never
# published; it is taken as w · N, with w the group's share of the sample: for age bands the
# population share of people 18 and older in the Rosstat table nearest to the wave (said
# below); for approval of Putin the share approving / disapproving / not answering in
# Levada's monthly series for the wave's month (`approval_month` in `metadata/waves.yaml`),
# **normalised to sum 1** (`chasm.analysis.weights`: rounded shares add to 99-101). For other
# breakdowns (direction of the country, trusted source) no source gives the group's size: their
# interval is left empty rather than computed from an invented size
# (`chasm.analysis.uncertainty.subgroup_sizes`).
#
# **The interval** (`chasm.stats.intervals.share_interval`) is Wilson on n_eff, exact
# Clopper-Pearson on n_eff (no design degrees of freedom, so not Korn-Graubard) where the
# possible values reach 5% or 95%, and the union over the range the figure's text allows:
# ±0.5 for a rounded number, the ends ±0.5 for a range like "35-40%", ±5 points for a
# fraction in words, and for "no more than x%" only the upper end.
# Subgroups get the same deff as the whole sample: conservative, since Levada's table is an
# upper bound and the weighting part of a design effect does not shrink in subgroups.

# %%
report.say("{text}", text=weights.population_text(
    populations, meta, tidy.loc[tidy["subgroup_var"] == "age", "wave"].unique()))

# %%
sizes = uncertainty.subgroup_sizes(tidy, meta, populations, approval, n=n)
table = uncertainty.interval_table(tidy, sizes, deff_used, alpha)
shown = table.assign(**{"w (%)": 100 * table["w"]})
report.show(shown[["figure_id", "source_kind", "wave", "option", "subgroup", "value_text",
                   "point", "w (%)", "n", "n_eff", "ci_low", "ci_high", "method"]],
            digits=1, index="figure_id")

# %% [markdown]
# `w` and `n` are derived (population or approval shares times the assumed N), never
# published. Where the size of a group is unknown or only approximated, the table says so:

# %%
display(*uncertainty.size_notes(table))

# %% [markdown]
# ## How much the design effect matters
# Half-width (points) of the interval at 50% for a whole wave, and of every figure of the
# answer `focus` (a parameter; "traitors" by default) whose size is known (rounding and
# wording included, as in the table above), for a range of design effects: 1 is simple random
# sampling (what a naive reading assumes), Levada's table gives the least-squares value, 2.5
# is a pessimistic design.

# %%
# The grid of chasm.stats.design.DEFF_SENSITIVITY, with its rounded Levada value replaced by the
# exact least-squares one, plus the deff this run uses.
deffs = uncertainty.sensitivity_deffs(est.deff, deff_used)
n_ref = float(n if n is not None else sizes.loc[tidy["subgroup_var"] == "all", "n_wave"].mode()
              .iloc[0])
sensitivity = uncertainty.deff_sensitivity(tidy, sizes["n_group"], deffs, est.deff, n_ref, alpha,
                                           option=focus)
report.show(sensitivity, digits=1, index="figure")

# %%
ref_row = sensitivity.iloc[0]
column = {d: formats.fmt_deff_column(d, est.deff) for d in (1.0, est.deff, max(deffs))}
report.say("At 50% for a whole wave the {level} interval is ±{srs} points if the sample were "
           "simple random, ±{ls} at Levada's deff {d} (the table itself prints {pub}) and ±{hi} "
           "at deff {dmax}: ignoring the design makes every interval about {shrink}% too "
           "narrow. {subgroup_text}",
           level=level, srs=formats.fmt(ref_row[column[1.0]]),
           ls=formats.fmt(ref_row[column[est.deff]]), d=formats.fmt(est.deff, 2),
           pub=formats.fmt(at_50.iloc[0]), hi=formats.fmt(ref_row[column[max(deffs)]]),
           dmax=formats.fmt(max(deffs), 1),
           shrink=formats.fmt(100 * (1 - ref_row[column[1.0]] / ref_row[column[est.deff]]), 0),
           subgroup_text=uncertainty.widest_text(tidy, sizes["n_group"], sensitivity, est.deff,
                                                 option=focus))

# %% [markdown]
# ## Where rounding and wording matter
# The same interval computed at the published point alone (sampling error only) and over the
# range the text allows. For whole numbers the difference is the ±0.5 rounding; for "35-40%",
# "about half", "a third", "nine out of ten" it is the wording.

# %%
widths = uncertainty.range_widths(table, sizes["n_group"], deff_used, alpha)
worded = uncertainty.worded_widths(widths)
report.show(worded, digits=1, index="figure_id")

# %%
display(*uncertainty.range_sentences(widths))

# %%
display(*uncertainty.bound_sentences(table, level))

# %% [markdown]
# ## Every whole-sample figure with its interval
# One row per figure (subgroup figures are in the table above). The thin line is the interval,
# the thick pale bar the range the text itself allows, the dot the published point; colours
# give the source kind.

# %%
plots.theme()
plots.intervals_chart(table, level, deff_used, run)

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per figure of the tidy table: `figure_id`,
# `source_kind` (essay / primary / secondary), `wave`, `question`, `option`, `subgroup_var`,
# `subgroup`, `value_text` (as published), `point`, `low`, `high` (the range the text allows),
# `rule` (how the text was read), `n_wave` (interviews in the wave) and `n_assumed` (True: N is
# an assumption), `w` (the group's share of the sample, derived; NaN when unknown),
# `weight_source`, `n` (= w · n_wave, derived), `n_eff` (= n / deff), `deff`, `ci_low`,
# `ci_high` (the interval, percent; NaN when the group's size is unknown), `method` (wilson,
# beta = exact Clopper-Pearson on n_eff, or "not computed") and `note`.

# %%
print("wrote", report.save_table(table, run))

# %% [markdown]
# ## What these intervals rest on
# Sampling error is only a floor on the total error of a poll in Russia: refusals and
# guarded answers on political questions can shift shares by more than these intervals.

# %%
used_waves = sorted(tidy["wave"].unique())
waves_assumed = [w for w in used_waves if meta["waves"][w]["n_assumed"]]
report.say("{kinds} The N of {k} of the {m} "
           "waves used here ({waves}) is an assumption{override}.",
           kinds=figures.kind_sentence(tidy, sources), k=len(waves_assumed), m=len(used_waves),
           waves=", ".join(waves_assumed) or "none",
           override="" if n is None else f" (every wave's N is set to {n} by the `n` parameter)")

# %%
report.show(load.load_gaps(), index="id")
