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
# # 03 · Waves: what changed between two waves (by default March 2024 and April 2025)?
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's sampling-error table
# `data/raw/levada_error_table.csv`, the analysis plan `data/plan.yaml`, the Rosstat population
# and approval series (subgroup sizes for the power table) and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per comparison) and the figure
# `reports/figures/<run>-changes`.
#
# The essay reads a fall in "traitors" from 43% to 37%, and in "do not believe in Russia's
# future" from 40% to 36%. Is a change of a few points larger than what two samples of about
# 1,600 interviews would show by chance? Each change is tested on effective sample sizes
# (score test and interval, `chasm.stats.twosample.compare_waves`) with the figures' rounding as
# ordinary uncertainty, adjusted within the family the analysis plan (`data/plan.yaml`) declares
# for it, and with an equivalence test at the plan's margin: "no significant change" is not the
# same as "stable". The least favourable rounding is kept beside, as robustness.

# %% tags=["parameters"]
run = "03_waves"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05 gives 95% intervals)
margin = None  # equivalence margin in points; None: the plan's (data/plan.yaml), with its reason
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
wave1 = "2024-03"  # the earlier wave (the essay's choice)
wave2 = "2025-04"  # the later wave (the essay's choice)

# %%
from chasm import formats, plots, report
from chasm.analysis import plan, waves
from chasm.data import figures, load
from chasm.stats import design

report.check_params(wave=[wave1, wave2], deff=deff, alpha=alpha, n=n)
analysis = plan.load_plan()
margin = analysis.margin if margin is None else margin
if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin < 100:
    raise report.ParameterError(f"margin={margin!r} must be a number of points in (0, 100)")
level = formats.fmt_level(alpha)  # e.g. "95%"
WAVE1, WAVE2 = str(wave1), str(wave2)

# %% [markdown]
# ## Load inputs

# %%
tidy = figures.load()
meta = load.load_metadata()
waves.check_waves(tidy, meta, WAVE1, WAVE2)
est = design.deff_from_error_table(load.load_error_table())
deff_used = est.deff if deff is None else float(deff)
n1 = int(n if n is not None else meta["waves"][WAVE1]["n"])
n2 = int(n if n is not None else meta["waves"][WAVE2]["n"])
assumed = [w for w in (WAVE1, WAVE2) if meta["waves"][w]["n_assumed"] or n is not None]
labels = {opt: o["label"] for q in meta["questions"].values() for opt, o in q["options"].items()}
report.say("Waves compared: **{w1}** ({l1}, N = {n1}) and **{w2}** ({l2}, N = {n2}); N is an "
           "assumption for {assumed}. Design effect **{d}** ({choice}) for both waves, so each "
           "wave counts as about {ne} simple random interviews.",
           w1=WAVE1, l1=meta["waves"][WAVE1]["label"], n1=n1, w2=WAVE2,
           l2=meta["waves"][WAVE2]["label"], n2=n2,
           assumed=" and ".join(assumed) if assumed else "neither",
           d=formats.fmt(deff_used, 2),
           choice=("least squares from Levada's error table" if deff is None
                   else report.say("set by the `deff` parameter")),
           ne=formats.fmt(n1 / deff_used, 0))

# %% [markdown]
# ## The pairs: every option both waves have, from every source
# One comparison per option for which both waves have a figure for the whole sample. Where a
# wave has figures from several sources for the same option (April 2025 "traitors": the
# essay's 37% and a secondary summary's "a third"), every combination is compared, so the
# reader sees whether the conclusion depends on the source. The figure each cell would use by
# default (`chasm.data.figures.best`: a number before words, Levada's releases before the essay
# before the secondary summary) is marked `best`.

# %%
pairs = waves.wave_pairs(tidy, WAVE1, WAVE2)
pairs["label"] = pairs["option"].map(labels)
report.show(pairs[["question", "option", "figure_1", "kind_1", "text_1", "figure_2", "kind_2",
                   "text_2", "best"]])

# %% [markdown]
# **The families of tests come from the plan.** `data/plan.yaml` declares which comparison
# belongs to which family and how the family is adjusted: Holm over the
# essay's two confirmatory wave comparisons, Benjamini-Hochberg over our exploratory screen of
# the other options ("would" and "would not" like to emigrate are complements of one
# single-choice question, so they are one change seen twice). Waves the plan does not pair get
# a post-hoc family, marked as such. A comparison with another source for the same cell is
# adjusted in the family where it replaces its option's test. The same comparison has the same
# id, and the same adjusted p, in every table and page (the claims register reads these rows).
# **The plan was written after the first results** had been computed: its history says for each
# choice whether it was fixed before or after results were seen, with the commit; 06_claims
# shows every confirmatory verdict under the alternatives (the specification table).

# %%
family = plan.wave_family(analysis, WAVE1, WAVE2, pairs)
report.show(family, index="comparison_id")

# %%
report.show(plan.family_table(analysis), index="family")

# %%
report.say("{note}", note=plan.post_hoc_note(analysis, ("families", "rounding")))
report.show(plan.history_table(analysis), index="choice_id")

# %% [markdown]
# ## Compute
# Every comparison comes from the project's one comparison engine (`chasm.analysis.compare`), which
# the
# claims register and 08_series use too.
# * **Change**: score (Miettinen-Nurminen) test of p2 − p1 on effective counts
#   n_eff = N / deff at the published values (`p_value`), the two waves taken as independent
#   samples (if Levada reuses its sampling points the waves are positively correlated and this
#   is conservative).
# * **Rounding as noise** (`p_rounding`, the verdict's p): each figure's rounding or wording
#   error taken as uniform on the range its text allows (variance 1/12 point² for a whole
#   number, `chasm.stats.rounding`), added to the sampling variance. The interval
#   (`ci_low`, `ci_high`) inverts this same test, so it excludes 0 exactly when `p_rounding`
#   is below the level.
# * **Adjustment** (`p_adjusted`): within the plan's family, by the family's method.
# * **Least favourable rounding** (robustness, `p_worst_rounding`, `p_adjusted_worst`): each
#   figure moved, within what its text allows, towards the other. The interval widened the
#   same way is `range_ci`.
# * **Equivalence** (two one-sided tests, rounding as noise): the primary result is the
#   smallest margin these figures establish (`margin_smallest`), beside the smallest any
#   figures could at that share with zero change (`margin_reachable`: a margin below it cannot
#   be met at all) and the reading at the plan's margin.
# * **Tipping points** of the verdict's own test at the level its family's adjustment implies
#   (`level`): the design effect (`tipping_deff`), the factor on the interviews (`n_factor`)
#   and the shift in the later share (`tipping_shift`, points) at which p crosses it.

# %%
res = waves.compare_pairs(pairs, n1, n2, deff_used, alpha, margin, family)
report.show(res[["comparison_id", "family", "figure_1", "text_1", "figure_2", "text_2", "diff",
                 "ci_low", "ci_high", "p_value", "p_rounding", "p_adjusted", "p_worst_rounding",
                 "p_adjusted_worst", "tipping_deff", "n_factor", "tipping_shift",
                 "margin_smallest", "margin_reachable", "reading"]],
            digits=3, index="comparison_id")

# %%
reach = waves.margin_reach(n1, n2, deff_used, alpha, margin)
report.say("Equivalence margin **±{m} points**: {why} With these samples, zero observed change "
           "establishes at best ±{r50} points at 50% (the hardest share), so ±{m} can be met "
           "{where}.", m=formats.fmt_short(margin),
           why=analysis.margin_why if margin == analysis.margin else "set by the `margin` "
           "parameter.", r50=formats.fmt(reach["at_50"]),
           where=("at any share" if reach["share_limit"] >= 50 else
                  f"only for shares below {formats.fmt(reach['share_limit'])}% or above "
                  f"{formats.fmt(100 - reach['share_limit'])}%"))

# %% [markdown]
# ## What changed, in plain words
# One sentence per comparison, written from the numbers above.

# %%
display(*waves.comparison_sentences(res, level, alpha, margin))

# %% [markdown]
# ## Does the adjustment, or the source, decide?

# %%
display(*waves.holm_sentences(res, alpha))

# %%
display(*waves.source_sentences(res, labels, WAVE2))

# %% [markdown]
# ## The changes with their intervals
# Each row is one comparison (earlier → later figure). The dot and thin line are the change
# and its interval at the published values; the pale thick bar also lets each figure move
# within what its rounding or wording allows; the grey band is the equivalence margin.
# Intervals are not adjusted for multiplicity.

# %%
plots.theme()
plots.changes_chart(res, margin, WAVE1, WAVE2, level, deff_used, run)

# %% [markdown]
# ## How large a change these samples can see
# The minimum detectable change (80% power, two-sided test at the chosen alpha) for two waves
# of this size and design, at the level of each option in the earlier wave and at 50%
# (`chasm.stats.twosample.minimum_detectable_change`). A change smaller than this is more likely
# than not to go unnoticed, whatever its reality.

# %%
mdc = waves.minimum_detectable(res[res["best"]], n1, deff_used, alpha)
report.show(mdc.rename(columns={"text_1": f"level in {WAVE1}"}), index="option")

# %%
at = mdc.set_index("option")
naive = ("" if deff_used == 1 else
         f"; a naive reading that ignores the design (deff 1) would put it at "
         f"{formats.fmt(at.loc['(reference)', 'mdc_srs_points'])} points")
report.say("With N = {n} per wave and deff {d}, a change must be about **{m50} points** at 50% "
           "(and {mlo}-{mhi} points at the levels of the options compared) to be detected with "
           "80% power{naive}.",
           n=n1, d=formats.fmt(deff_used, 2), m50=formats.fmt(at.loc["(reference)", "mdc_points"]),
           mlo=formats.fmt(at["mdc_points"].drop("(reference)").min()),
           mhi=formats.fmt(at["mdc_points"].drop("(reference)").max()), naive=naive)

# %% [markdown]
# **Per option and subgroup.** For every cell of the earlier wave with a published share: the
# smallest fall and rise the score test detects with 80% power against a later wave of the same
# size (`fall`, `rise`, points; `chasm.stats.sensitivity.detectable_change`), and the power to
# detect a fall as large as the plan's margin (`power_change`). Subgroup sizes are
# `n_g = w_g N` with the weights of `chasm.analysis.weights`.

# %%
power = waves.power_table(tidy, meta, load.load_population(), load.load_approval(), WAVE1, n1,
                          deff_used, alpha, margin)
report.show(power, digits=2)

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per comparison: `comparison_id`, `family`, `role`,
# `method`, `declared` (from the plan); `question`, `option`; for each wave
# (`_1` = earlier, `_2` = later) `figure`, `kind` (source kind: essay / primary / secondary),
# `text` (as published) and `p1`/`p2`, `low1`/`high1`, `low2`/`high2` (point and the range
# the text allows, percent); `best` (True: the pair in its family); `n1`, `n2`, `deff`;
# `diff` (p2 − p1, points), `ci_low`, `ci_high` (score interval), `ci_low_range`,
# `ci_high_range` (widened by the figures' ranges), `z`, `p_value`, `p_rounding` (rounding as
# noise), `p_adjusted` (the family's adjustment of it), `p_worst_rounding` and
# `p_adjusted_worst` (least favourable values within the ranges), `margin`, `equivalence_p`
# (TOST within ±`margin` at the published values) and `equivalence_p_worst`,
# `margin_smallest`, `margin_reachable`, `reading` (change / stable / inconclusive).

# %%
out = waves.output_table(res, n1, n2, deff_used, margin)
print("wrote", report.save_table(out, run))

# %% [markdown]
# ## What these comparisons rest on
# Sampling error is only a floor on the total error: if guarded answering is about as common
# in both waves it largely cancels in a change, but that is an assumption, not a finding.

# %%
used = waves.figures_used(res)
second = used[used["kind"].isin(["essay", "secondary"])]
report.say("{k} of the {m} figures compared are second-hand ({ids}: the essay's quotation of "
           "tables we could not retrieve, or a secondary summary); the rest come from Levada's "
           "English releases. N = {n} per wave is {assumed}.", k=len(second), m=len(used),
           ids=", ".join(sorted(second["figure"])), n=n1,
           assumed="an assumption" if assumed else "as published")

# %%
report.show(load.load_gaps(), index="id")
