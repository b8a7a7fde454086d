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
# # 06 · Claims: what the essay says and what the figures allow
#
# **Reads** the claims registers `data/claims/<text_id>.csv` (one per text, the text in
# `data/raw/sources.csv`), the analysis plan `data/plan.yaml`, the tidy figures
# `data/processed/figures.csv`, Levada's error table, the Rosstat population, the approval series
# and `data/raw/metadata/`. **Writes** `reports/tables/claims.csv`: one row per claim of every
# register with its verdict, provenance, evidence, sources and key numbers.
#
# Each claim of a text is one row of its register, paraphrased, with the figures it rests on
# and the rule that checks it (`chasm.register.claims`); the study's own text (the source of kind
# `essay`) is the main register, every other text's register follows with the same rules. A
# rule returns a verdict from a fixed vocabulary and a short evidence text generated from the
# computed numbers: change a published figure in `data/raw/` and the verdicts that depend on it
# change, the others stay.

# %% tags=["parameters"]
run = "06_claims"  # report name (set by make)
deff = None  # design effect; None: the least-squares value from Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05: 95%)
n = None  # interviews per wave; None: each wave's n from metadata/waves.yaml

# %%
import pandas as pd
from IPython.display import display

from chasm import formats, report
from chasm.analysis import plan
from chasm.data import figures, load, worded
from chasm.register import claims, sensitivity, verdicts
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
error_table = load.load_error_table()
deff_used = deff if deff is not None else design.deff_from_error_table(error_table).deff
pd.set_option("display.max_colwidth", None)
report.say("Design effect **{d}** ({how}); {conf} intervals; {size}.",
           d=formats.fmt(deff_used, 2),
           how="set as a parameter" if deff is not None else "least squares fit to Levada's "
           "published error table",
           conf=formats.fmt_level_whole(alpha),
           size=f"n = {n} interviews per wave (parameter)" if n is not None else
           "each wave's n from the metadata")

# %% [markdown]
# ## What a verdict means
# Every published figure stands for an interval of true values: a whole number ±0.5 point of
# rounding, "35-40%" its ends ±0.5, a fraction in words ±5 points (`chasm.data.worded`). Verdicts
# read the published values with that rounding as ordinary uncertainty (a uniform error added to
# the sampling variance), after the multiplicity adjustment the analysis plan declares; the least
# favourable rounding, other design effects and sample sizes are robustness columns. Each word
# of the vocabulary has one rule (`chasm.register.verdicts`):

# %%
report.show(verdicts.RULES_TEXT, index="verdict")

# %% [markdown]
# **Provenance is not inference.** A separate column says how many sources give a claim's
# figures, of which kind, and whether two sources for the same cell agree (their intervals
# overlap). **The plan's families** (`data/plan.yaml`):

# %%
analysis = plan.load_plan()
report.show(plan.family_table(analysis), index="family")

# %% [markdown]
# ## Load inputs
# Loading the register validates it: known rules and kinds, the arguments each rule needs, and
# every figure id present in the tidy table (an error names the line of `data/claims.csv`).

# %%
tidy = figures.load()
meta = load.load_metadata()
population = load.load_population()
approval = load.load_approval()
sources = load.load_sources()
registers = claims.load_registers(tidy=tidy, sources=sources)
main_text = claims.main_register(sources)
register_in = registers[main_text]
report.say("{k} claims from {p} paragraphs of the essay; they rest on {f} published figures.",
           k=len(register_in), p=len({c.paragraph for c in register_in}),
           f=len({f for c in register_in for f in c.figure_ids}))

# %% [markdown]
# ## Compute: one verdict per claim

# %%
register = claims.evaluate(register_in, tidy, meta, population, approval, error_table,
                           deff=deff, alpha=alpha, n=n)
counts = claims.verdict_counts(claims.claims_only(register))
report.show(counts, index=None)

# %%
report.say("{sentence} {quotes}", sentence=claims.summary_sentence(register),
           quotes=claims.quotation_sentence(register))

# %% [markdown]
# ## The register, claim by claim
# Grouped by kind: the essay's figures as quoted, its comparisons, its interpretations, and
# qualitative statements no survey figure can test. `sources` names the source (and its kind)
# of every figure a verdict used, including the figures it was checked against. A quoted figure
# has two axes: its verdict as a claim (supported only by a check that could fail) and its
# **quotation** status, whether a source of its own bears the quoted number out:

# %%
report.show(pd.DataFrame(verdicts.QUOTATION, columns=["quotation", "rule"]), index="quotation")

# %% [markdown]
# **Words are coarsened figures, not rounding noise.** A source that writes "a third" says only
# that the share lies in a band around a third (±5 points, `chasm.data.worded`); where a numeric
# figure of the same cell falls in that band, both describe one quantity, which lies in the
# intersection of their ranges, and every comparison uses that intersection
# (`chasm.data.worded.identify`). Only where the ranges cannot overlap do the sources conflict, and
# only there can a conclusion depend on the source believed. The cells this changes
# (`changed`):

# %%
identified = worded.identification_table(tidy)
report.say("{k} of the {t} worded figures overlap a numeric figure of their cell and are read "
           "as the intersection: {ids}.", k=int(identified["changed"].sum()), t=len(identified),
           ids=", ".join(f"{r.figure_id} with {r.identified_with}"
                         for r in identified[identified["changed"]].itertuples()) or "none")
report.show(identified, index="figure_id")

# %%
shown = ["claim_id", "paragraph", "verdict", "quotation", "provenance", "paraphrase",
         "evidence", "sources"]
display(*claims.register_sections(register, shown))

# %% [markdown]
# ## How the verdicts depend on the design effect
# Levada's error table implies a design effect near 1.9; the sensitivity values below run from
# simple random sampling (1.0) to a heavier design (2.5). Only claims whose verdict changes
# with the design effect are listed (the others read the same at every value).

# %%
by_deff = claims.deff_sensitivity(register_in, tidy, meta, population, approval,
                                      error_table, design.DEFF_SENSITIVITY, alpha=alpha, n=n)
moving = by_deff[by_deff.nunique(axis=1) > 1]
report.say("{k} of {t} claims change verdict between design effects {lo} and {hi}"
           "{listing}.", k=len(moving), t=len(by_deff),
           lo=formats.fmt(min(design.DEFF_SENSITIVITY), 1),
           hi=formats.fmt(max(design.DEFF_SENSITIVITY), 1),
           listing=(": " + ", ".join(moving.index)) if len(moving) else "")

# %%
report.show(moving.reset_index(), index="claim_id")

# %% [markdown]
# ## Tipping points: how far each firm verdict is from flipping
# For every supported or contradicted claim with a sampling test: the design effect above which
# it would no longer hold (`tipping_deff`), the factor on the interviews below which it would
# not (`n_factor`), and the shift in answering, in points, at which it flips (`tipping_shift`:
# added to the later wave or group of a two-sample score test; by which a paired difference
# must shrink; the bias that would bring a level to its threshold). Each is the tipping point
# of the verdict's own test, rounding as noise included: two-sample tests the score test
# (`chasm.analysis.compare.robustness`), paired and level tests their normal test
# (`chasm.stats.rounding.normal_tipping`); `note` says which (`chasm.register.sensitivity`).

# %%
tipping = sensitivity.tipping_table(register, alpha)
report.save_table(tipping, "tipping")
report.show(tipping, digits=3, index="claim_id")

# %% [markdown]
# ## The specification table: each confirmatory verdict under the alternatives
# The analysis plan was written after the first results (its history, `data/plan.yaml`): the
# family of the wave comparisons and the rounding treatment were fixed after the tests had been
# seen. Every confirmatory wave verdict is therefore shown under every specification: Holm over
# a family of 2 to 5 declared comparisons (the essay's two, then the screen's), rounding as
# noise, at the least favourable ends, or as exact interval-censoring
# (`chasm.stats.rounding.interval_censored_pvalue`), the design effect across Levada's feasible
# range and up to 2.5, and 1200, 1600 or 2000 interviews per wave; `margin_smallest` and the
# stability readings at ±3 and ±5 points under noise
# (`chasm.register.sensitivity.specification_table`;
# every row in `reports/tables/specifications.csv`).

# %%
report.say("{note}", note=plan.post_hoc_note(analysis, ("families", "rounding")))
feasible = design.deff_from_error_table(error_table)
spec = sensitivity.specification_table(analysis, tidy, meta, (feasible.deff_low, feasible.deff,
                                                               feasible.deff_high, 2.5), alpha)
report.save_table(spec, "specifications")
spec_summary = sensitivity.specification_summary(spec, register)
report.show(spec_summary, index="claim_id")

# %%
display(*[sensitivity.specification_sentence(spec_summary, c) for c in spec_summary["claim_id"]])

# %% [markdown]
# ## Preference falsification as a parameter
# List experiments in Russia put direct answers on loyalty questions up to about 10 points
# away from indirect estimates. A bias that is the same in both waves cancels in a change; a
# drift between waves (or a bias in a level) of 0-10 points is applied against each verdict:

# %%
report.show(sensitivity.falsification_table(tipping), index="claim_id")

# %% [markdown]
# ## Where the figures come from, and what is assumed
# Levada's full tables for the two waves could not be retrieved: the essay's figures are its
# quotation of them, others come from Levada's English releases (*primary*) or a secondary
# summary. What is missing is listed below.

# %%
used = sorted({f for c in register_in for f in c.figure_ids})
kinds = tidy.set_index("figure_id").loc[used, "source_kind"].value_counts()
assumed = sorted(w for w, info in meta["waves"].items() if info["n_assumed"]
                 and w in set(tidy.set_index("figure_id").loc[used, "wave"]))
report.say("Of the {t} figures the claims rest on, {second} are second-hand ({detail}); "
           "{primary} come from Levada's own releases. The sample size of the waves {waves} "
           "is not published: N = {n} is assumed.",
           t=len(used), second=int(kinds.drop("primary", errors="ignore").sum()),
           primary=int(kinds.get("primary", 0)),
           detail=", ".join(f"{v} {k}" for k, v in kinds.items()),
           waves=" and ".join(assumed),
           n=", ".join(sorted({str(meta["waves"][w]["n"]) for w in assumed})))

# %%
report.show(load.load_gaps(), index="id")

# %% [markdown]
# ## Every other text's register
# Each further file in `data/claims/` is another text that quotes these polls, checked by the
# same rules (the general kinds of claim: a share against a threshold, a change between waves,
# the highest or lowest wave of a series, a group against the total or the rest, an ordering of
# groups, a figure quoted as words); a group whose size no source gives is checked at every size
# it can have. Its verdicts are on its own page and in the same table.

# %%
others = claims.evaluate_others(registers, main_text, tidy, meta, population, approval,
                                error_table, deff=deff, alpha=alpha, n=n)
display(*claims.other_sections(others, sources, shown))

# %% [markdown]
# ## Save outputs
# `reports/tables/claims.csv` (one row per claim, the main register first): `register` (the
# text's source id), `claim_id`, `paragraph`, `kind`, `rule`,
# `paraphrase`, `verdict`, `provenance`, `evidence`, `figure_ids` (the claim's figures),
# `sources` (source id (kind): figure ids, for every figure used), `comparison_id` (the test
# the numbers belong to: the plan's id, or `<claim>:<figure>-<figure>`; the weakest of
# several), `method` (its family's adjustment), `measure` (what the next three numbers are),
# `estimate`, `low`, `high` (a share or difference in points with its confidence interval, or
# identification bounds), `p_value` (at the published values), `p_rounding` (rounding as
# noise), `p_adjusted` (the family's adjustment of it: the number the verdict reads),
# `p_worst` and `p_adjusted_worst` (least favourable rounding, robustness), `family_size`,
# `quotation` (a quoted figure's quotation status), `noise_var` (the rounding noise its test
# adds, points²),
# `smallest_margin` (similarity claims: the smallest equivalence margin established),
# `missing_low`, `missing_high` (the range of an unpublished cell),
# `bayes_share`, `bayes_low`, `bayes_high` (the lower group's share of an answer, with its
# interval), `share_1`, `share_2`, `n_1`, `n_2` (a two-sample test's inputs), `deff`, and
# `size_low`, `size_high` (a group of unknown size: the sizes, percent of the sample, at which
# the claim is supported).
# Empty where a rule has no such number. The tipping points above are saved as
# `reports/tables/tipping.csv` (columns as shown).

# %%
report.save_table(pd.concat([register, *others.values()], ignore_index=True), "claims")
