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
# # 04 · Pick-all-that-apply: what the "why people leave" figures can and cannot say
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table
# `data/raw/levada_error_table.csv`, `data/raw/sources.csv` and `data/raw/metadata/` (options
# and their tone, waves).
# **Writes** `reports/tables/<run>.csv` (one row per quantity) and the figure
# `reports/figures/<run>-bounds.svg` with the CSV of its numbers.
#
# The essay notes that respondents could choose several answers, so one person may have called
# those who left "traitors" *and* given a positive reason. Published tables give only each
# option's share (its *marginal*). This notebook works out what those marginals pin down
# exactly, and gives sharp ranges (Fréchet bounds) for the joint statements the essay is about.

# %% tags=["parameters"]
run = "04_multiresponse"  # report name (set by make)
wave = "2025-04"  # wave whose published options are analysed
question = "why_people_leave"  # a pick-all-that-apply question of metadata/questions.yaml
focus = "traitors"  # the option the joint quantities are about (an option of `question`)
deff = None  # None: the least-squares design effect from Levada's error table; or a number
alpha = 0.05  # error rate of the confidence intervals (0.05 for 95%)
n = None  # None: the wave's N from metadata/waves.yaml

# %%
from chasm import formats, plots, report
from chasm.analysis import multiresponse
from chasm.data import figures, load
from chasm.stats import design

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n, question=question)
meta = load.load_metadata()
multiresponse.check_question(meta, question)
multiresponse.check_focus(meta, question, focus)
deff_estimate = design.deff_from_error_table(load.load_error_table())
deff_used = deff_estimate.deff if deff is None else float(deff)
n_used = meta["waves"][wave]["n"] if n is None else n
n_assumed = n is None and meta["waves"][wave]["n_assumed"]
report.say("Wave **{wave}**, question `{q}`. Design effect {d} ({how}); N = {n} ({nhow}); "
           "{c}% intervals.", wave=wave, q=question, d=formats.fmt(deff_used, 2),
           how="least squares from Levada's error table" if deff is None else "set by parameter",
           n=n_used, nhow="assumed: the sources do not state it" if n_assumed else "as given",
           c=multiresponse.confidence_level(alpha))

# %% [markdown]
# ## Load inputs
# One figure per cell is used: a published number before words, then the pollster's own
# releases (*primary*), then the essay, then secondary sources, then the lower figure id
# (`chasm.data.figures.best`); where another source speaks to the same cell it is listed beside it,
# and where the choice matters (the figures disagree, or only the id decided) a sentence below
# the options says which was taken. Each figure carries the range of true
# values its wording allows (±0.5 point of rounding for a number; ±5 points for words).

# %%
tidy = figures.load()
sources = load.load_sources()
focus_label = meta["questions"][question]["options"][focus]["label"]
report.show(multiresponse.options_table(tidy, meta, question), index="option")

# %% [markdown]
# The tone (negative / neutral / positive) is this project's classification, following the
# essay's split of "positive interpretations" from the rest; it is not Levada's. The options of
# the wave analysed here (a wave that published none gets no table, figure or bound below):

# %%
opts = multiresponse.wave_options(tidy, meta, wave, question)
published = not opts.empty
report.show(opts[["option", "tone", "figure_id", "source_kind", "value_text", "form", "low",
                  "high", "other_figures"]], index="option") if published else None

# %%
display(multiresponse.options_sentence(opts, meta, wave, question, tidy, sources),
        *figures.best_sentences(tidy[(tidy["wave"] == wave) & (tidy["question"] == question)],
                                sources))

# %% [markdown]
# ## Compute: what the marginals identify
# The published shares are shares of *respondents*. Their sum is the mean number of answers
# per respondent times 100; with unpublished options (and "don't know") the true sum can only
# be larger, so the published sum gives a **lower bound**. A sum above 100% plus the rounding
# allowance (0.5 per option) proves that respondents could choose more than one answer
# (`chasm.stats.frechet.must_be_multiple_response`); a stricter version requires that even the
# lowest values the wording allows add up to more than 100%.

# %%
summaries = multiresponse.mention_summaries(tidy, meta, question)
report.show(summaries, digits=2, index="wave")

# %%
s = multiresponse.mention_summary(opts)
display(*multiresponse.sum_sentences(s, summaries, wave))

# %% [markdown]
# **Shares of respondents vs shares of mentions.** Dividing each share by the sum gives the
# composition of the (published) answers, which adds to 100%. It is a different quantity: it
# falls when respondents merely name more options, so it is shown only to make the difference
# visible, never to compare waves.

# %%
shares = multiresponse.mention_shares(opts)
report.show(shares, index="option") if published else None

# %%
display(*multiresponse.focus_mention_sentences(shares, s, wave, focus_label, focus))

# %% [markdown]
# ## Compute: joint quantities the essay is about
# From marginals alone, who chose which *combination* of answers is not identified; the sharp
# (Fréchet–Hoeffding) bounds give every value the published shares allow. With F the share
# choosing "traitors" and U the union of the positive options (U lies in
# [largest positive share, min(100, sum of positive shares)]):
#
# * F and at least one positive reason: [max(0, F + U_low − 100), min(F, U_high)];
# * F and no positive reason: [max(0, F − sum of positives), min(F, 100 − largest positive)];
# * at least one negative label: [largest negative share, min(100, sum of negatives)];
#   no negative label at all: 100 minus that.
#
# Each option's share is entered as its range of true values (rounding or wording), so the
# bounds cover every reading of the published text. **With sampling** the same bounds are
# applied to the options' confidence intervals (Manski style); for a quantity built on k
# options each interval is at level 1 − α/k (Bonferroni), so the widened range covers the
# quantity's identified range with probability at least 1 − α. Design effect as above; N as
# above.
#
# **Unpublished options.** The bounds are about the *published* options. If the question had
# other positive or negative options, only one end stays valid: the lower end of "any
# positive" / "any negative" and the upper end of "no positive" / "no negative" (column
# `holds_for_all_options`).

# %%
quantities = multiresponse.define_quantities(multiresponse.tones_of(opts), focus)
bounds = multiresponse.bounds_table(quantities, opts, n_used, deff_used, alpha)
report.show(bounds[["quantity", "label", "low", "high", "low_with_sampling",
                    "high_with_sampling", "k", "figure_ids", "holds_for_all_options",
                    "missing"]], index="quantity") if published else None

# %%
display(*multiresponse.quantity_sentences(bounds, quantities, opts, meta, question, wave, alpha))

# %% [markdown]
# ## "Half the country considers those who left traitors"?
# The essay warns against this reading. Two different statements hide in it: that half chose
# the label "traitors" (a single published share, with a confidence interval), and that half
# chose *some* negative label (a union, which the marginals only bound).

# %%
half = multiresponse.half_the_country(opts, bounds, n_used, deff_used, alpha, focus_label, focus)
display(*half.sentences)
report.show(half.table, index="statement") if published else None

# %% [markdown]
# ## Figure: the ranges the published marginals allow
# Dark bars: the identified range (rounding and wording only). Light bars: widened by sampling
# error. Dots: the published shares of the options each quantity is built from, coloured by
# source (not drawn for "no negative label", which is 100 minus a union). The dashed line
# marks half the sample.

# %%
plots.multiresponse_bounds(bounds, opts, quantities, run, question, wave)

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per quantity: `wave`; `quantity` (`sum_of_published_shares`
# = sum of the published options' shares, a lower bound of 100 × the mean number of answers;
# `traitors`; `traitors_and_any_positive`; `traitors_and_no_positive`; `any_negative`;
# `no_negative`); `low`, `high` (percent: identified range from rounding and wording);
# `low_with_sampling`, `high_with_sampling` (Bonferroni-widened by sampling error; empty for the
# sum); `figure_ids` (";"-separated figures used); `holds_for_all_options` (which end stays
# valid if unpublished options exist); `note` (why a quantity could not be bounded).

# %%
key_numbers = multiresponse.key_numbers(s, opts, bounds, wave)
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers, index="quantity") if published else None

# %% [markdown]
# ## What this rests on
# Which figures are second-hand, what is assumed, and what is missing.

# %%
hand = multiresponse.second_hand(opts)
report.say("{m} of the {k} figures used here are second-hand ({ids}): quoted by the essay or "
           "by a secondary source, not the pollster's tables themselves. N = {n} is "
           "{nass}. The tone of each option is our classification.",
           m=hand.count, k=hand.total, ids=hand.figure_ids, n=n_used,
           nass="an assumption (Levada's standard design)" if n_assumed else "given"
           ) if published else None

# %%
report.show(load.load_gaps(), index="id")
