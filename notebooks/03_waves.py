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
# # 03 · Waves: what changed between March 2024 and April 2025?
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's sampling-error table
# `data/raw/levada_error_table.csv` and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per comparison) and the figure
# `reports/figures/<run>-changes`.
#
# The essay reads a fall in "traitors" from 43% to 37%, and in "do not believe in Russia's
# future" from 40% to 36%. Is a change of a few points larger than what two samples of about
# 1,600 interviews would show by chance? Each change is tested on effective sample sizes
# (score test and interval, `chasm.stats.twosample.compare_waves`), once more at the least
# favourable values the figures' rounding or wording allows, with a multiplicity adjustment over
# all the options compared, and, where the change is not significant, with an equivalence test: "no
# significant change" is not the same as "stable".

# %% tags=["parameters"]
run = "03_waves"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05 gives 95% intervals)
margin = 3.0  # equivalence margin in points: "stable" means the change lies within ±margin
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import figures, io, plots, report, waves
from chasm.stats import design, multiplicity, twosample

WAVE1, WAVE2 = "2024-03", "2025-04"  # the two waves the essay compares
KIND_NAME = {"essay": "the essay's", "primary": "Levada's release's",
             "secondary": "the secondary summary's", "derived": "a derived"}
report.check_params(wave=[WAVE1, WAVE2], deff=deff, alpha=alpha, n=n)
if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin < 100:
    raise report.ParameterError(f"margin={margin!r} must be a number of points in (0, 100)")
level = f"{100 * (1 - alpha):g}%"  # e.g. "95%"

# %% [markdown]
# ## Load inputs

# %%
tidy = figures.load()
meta = io.load_metadata()
est = design.deff_from_error_table(io.load_error_table())
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
           d=report.fmt(deff_used, 2),
           choice=("least squares from Levada's error table" if deff is None
                   else "set by the `deff` parameter"),
           ne=report.fmt(n1 / deff_used, 0))

# %% [markdown]
# ## The pairs: every option both waves have, from every source
# One comparison per option for which both waves have a figure for the whole sample. Where a
# wave has figures from several sources for the same option (April 2025 "traitors": the
# essay's 37% and a secondary summary's "a third"), every combination is compared, so the
# reader sees whether the conclusion depends on the source. The figure each cell would use by
# default (`chasm.figures.best`: a number before words, Levada's releases before the essay
# before the secondary summary) is marked `best`.

# %%
pairs = waves.wave_pairs(tidy, WAVE1, WAVE2)
pairs["label"] = pairs["option"].map(labels)
report.show(pairs[["question", "option", "figure_1", "kind_1", "text_1", "figure_2", "kind_2",
                   "text_2", "best"]])

# %% [markdown]
# **The family of tests.** The multiplicity adjustment (Holm) runs over one test per option
# compared, with the `best` figures: the family is declared before looking at the results and
# is every option listed above, whatever its p-value. A comparison with another source for
# the same cell is adjusted in the family where it replaces its option's test. Holm is valid
# whatever the dependence between the tests (there is some: "would" and "would not" like to
# emigrate are answers to one single-choice question).

# %%
family = pairs[pairs["best"]]
report.say("The family has **{m}** tests: {items}.", m=len(family),
           items="; ".join(f"\"{r.label}\" ({r.figure_1} → {r.figure_2})"
                           for r in family.itertuples()))

# %% [markdown]
# ## Compute
# * **Change and interval**: score (Miettinen-Nurminen) test and interval of p2 − p1 on
#   effective counts n_eff = N / deff, the two waves taken as independent samples (if Levada
#   reuses its sampling points the waves are positively correlated and this is conservative).
# * **Least favourable rounding**: the same test with each figure moved, within what its text
#   allows, towards the other (a fall: the earlier figure at its low end, the later at its high
#   end); ±0.5 for a rounded number, ±5 for a fraction in words. The interval widened the same
#   way is `range_ci`.
# * **Holm**: adjusted p-values over the family, for the published values and for the least
#   favourable ones.
# * **Equivalence** (two one-sided score tests): is the change within ±margin points? Used only
#   to read changes that are not significant; at the published values and at the values that
#   make the two figures as far apart as their texts allow.

# %%
cmp = twosample.compare_waves(pairs["p1"], pairs["p2"], n1, n2, deff_used, deff_used, alpha)
res = pd.concat([pairs, cmp], axis=1)
res["p_worst_rounding"] = waves.worst_rounding_pvalue(
    pairs["low1"], pairs["high1"], pairs["low2"], pairs["high2"], n1, n2, deff_used, deff_used)
wide = waves.range_ci(pairs["low1"], pairs["high1"], pairs["low2"], pairs["high2"], n1, n2,
                            deff_used, deff_used, alpha)
res["ci_low_range"], res["ci_high_range"] = wide["ci_low"], wide["ci_high"]
key = res["question"] + "/" + res["option"]
res["p_holm"] = waves.holm_in_family(res["p_value"], key, res["best"])
res["p_worst_holm"] = waves.holm_in_family(res["p_worst_rounding"], key, res["best"])
res["equivalence_p"] = twosample.equivalence_test(pairs["p1"], pairs["p2"], n1, n2, deff_used,
                                              deff_used, margin, alpha)["p_value"].to_numpy()
res["equivalence_p_worst"] = waves.worst_equivalence_pvalue(
    pairs["low1"], pairs["high1"], pairs["low2"], pairs["high2"], n1, n2, deff_used, deff_used,
    margin, alpha)
res["verdict"] = [waves.verdict(r.p_value, r.p_holm, r.p_worst_holm, r.equivalence_p,
                                      r.equivalence_p_worst, alpha, margin)
                  for r in res.itertuples()]
report.show(res[["option", "figure_1", "text_1", "figure_2", "kind_2", "text_2", "diff",
                 "ci_low", "ci_high", "z", "p_value", "p_holm", "p_worst_rounding",
                 "p_worst_holm", "equivalence_p", "equivalence_p_worst"]], digits=3)

# %% [markdown]
# ## What changed, in plain words
# One sentence per comparison, written from the numbers above.

# %%
def sentence(r) -> str:
    """The plain reading of one comparison (every number from the table)."""
    text = (f"**\"{r.label}\"** ({r.kind_1} \"{r.text_1}\" → {r.kind_2} \"{r.text_2}\"; "
            f"{r.figure_1} → {r.figure_2}): {report.fmt_signed(r.diff)} points "
            f"({level} CI {report.fmt_signed(r.ci_low)} to "
            f"{report.fmt_signed(r.ci_high)}); p {report.fmt_p(r.p_value, True)}, "
            f"Holm-adjusted {report.fmt_p(r.p_holm)}")
    if r.p_value < alpha:
        text += (f"; at the least favourable values their texts allow p "
                 f"{report.fmt_p(r.p_worst_rounding, True)}, Holm-adjusted "
                 f"{report.fmt_p(r.p_worst_holm)}")
    else:
        text += (f"; equivalence within ±{margin:g} points p "
                 f"{report.fmt_p(r.equivalence_p, True)} "
                 f"({report.fmt_p(r.equivalence_p_worst)} at the least favourable values "
                 "their texts allow)")
    return f"{text}: {r.verdict}."


for r in res.itertuples():
    display(report.say("{s}", s=sentence(r)))

# %% [markdown]
# ## Does the adjustment, or the source, decide?

# %%
fam = res[res["best"]]
for r in fam[(fam["p_value"] < alpha) & (fam["p_holm"] >= alpha)].itertuples():
    rank = int((fam["p_value"] < r.p_value).sum()) + 1
    # the largest family, keeping the tests with the smallest p-values, in which it stays below
    # alpha after Holm
    ordered = np.sort(fam["p_value"].to_numpy())
    largest = max([k for k in range(rank, len(fam) + 1)
                   if multiplicity.adjust_pvalues(ordered[:k], method="holm")[rank - 1] < alpha],
                  default=0)
    within = ("only if it were tested alone" if largest <= 1
              else f"only in a family of at most {largest} tests (dropping the others with the "
                   "largest p-values first)")
    nth = {1: "smallest", 2: "second smallest", 3: "third smallest"}.get(rank, f"{rank}th")
    display(report.say("**\"{label}\"** is significant on its own (p {p}) but not after Holm "
                       "over the {m} tests of the family (adjusted {ph}): as the {nth} p-value "
                       "it is multiplied by {mult}, and it would stay below {a} {within}. The "
                       "verdict on this change therefore rests on how many comparisons are made "
                       "at once.",
                       label=r.label, p=report.fmt_p(r.p_value, True),
                       m=len(fam), ph=report.fmt_p(r.p_holm), nth=nth,
                       mult=len(fam) - rank + 1, a=report.fmt(alpha, 2), within=within))

# %%
for (_question, option), group in res.groupby(["question", "option"], sort=True):
    if len(group) < 2:
        continue
    readings = "; ".join(f"with {KIND_NAME[r.kind_2]} \"{r.text_2}\" ({r.figure_2}) the "
                         f"change is {report.fmt_signed(r.diff)} points, {r.verdict}"
                         for r in group.itertuples())
    depends = ("the conclusion depends on which source is believed"
               if group["verdict"].nunique() > 1 else "every source leads to the same reading")
    display(report.say("**\"{label}\"**, {w2}: {readings}. So {depends}.",
                       label=labels[option], w2=WAVE2, readings=readings, depends=depends))

# %% [markdown]
# ## The changes with their intervals
# Each row is one comparison (earlier → later figure). The dot and thin line are the change
# and its interval at the published values; the pale thick bar also lets each figure move
# within what its rounding or wording allows; the grey band is the equivalence margin.
# Intervals are not adjusted for multiplicity.

# %%
plots.theme()
plot = res.iloc[::-1].reset_index(drop=True)
plot["row"] = (plot["option"] + ": " + plot["text_1"] + " → " + plot["text_2"] + " ("
               + plot["figure_1"] + " → " + plot["figure_2"] + ")")
fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(plot) + 1.3))
y = np.arange(len(plot))
colours = plot["kind_2"].map(plots.SOURCE_PALETTE).tolist()
ax.axvspan(-margin, margin, color="0.85", alpha=0.6, zorder=0, label=f"±{margin:g} points")
ax.axvline(0, color="0.3", linewidth=1)
ax.hlines(y, plot["ci_low_range"], plot["ci_high_range"], colors=colours, linewidth=7,
          alpha=0.3)
ax.hlines(y, plot["ci_low"], plot["ci_high"], colors=colours, linewidth=1.8)
ax.scatter(plot["diff"], y, c=colours, s=26, zorder=3)
ax.set_yticks(y, plot["row"])
ax.set_xlabel(f"change {WAVE1} → {WAVE2}, points ({level} interval, deff {deff_used:.2f})")
for kind in [k for k in plots.SOURCE_PALETTE if k in set(plot["kind_2"])]:
    ax.plot([], [], color=plots.SOURCE_PALETTE[kind], marker="o", label=f"{WAVE2}: {kind}")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
ax.set_title("Change between the waves, by option and source")
plots.save_figure(fig, plot[["row", "figure_1", "figure_2", "kind_1", "kind_2", "diff", "ci_low",
                             "ci_high", "ci_low_range", "ci_high_range", "p_value", "p_holm"]],
                  run, "changes")

# %% [markdown]
# ## How large a change these samples can see
# The minimum detectable change (80% power, two-sided test at the chosen alpha) for two waves
# of this size and design, at the level of each option in the earlier wave and at 50%
# (`chasm.stats.twosample.minimum_detectable_change`). A change smaller than this is more likely
# than not to go unnoticed, whatever its reality.

# %%
levels = family[["option", "text_1", "p1"]].drop_duplicates("option")
mdc = pd.concat([levels, pd.DataFrame({"option": ["(reference)"], "text_1": ["50%"],
                                       "p1": [50.0]})], ignore_index=True)
mdc["mdc_points"] = twosample.minimum_detectable_change(mdc["p1"].to_numpy(), n1, deff_used, alpha)
mdc["mdc_srs_points"] = twosample.minimum_detectable_change(mdc["p1"].to_numpy(), n1, 1.0, alpha)
report.show(mdc.rename(columns={"text_1": f"level in {WAVE1}"}), index="option")

# %%
at = mdc.set_index("option")
naive = ("" if deff_used == 1 else
         f"; a naive reading that ignores the design (deff 1) would put it at "
         f"{report.fmt(at.loc['(reference)', 'mdc_srs_points'])} points")
report.say("With N = {n} per wave and deff {d}, a change must be about **{m50} points** at 50% "
           "(and {mlo}-{mhi} points at the levels of the options compared) to be detected with "
           "80% power{naive}.",
           n=n1, d=report.fmt(deff_used, 2), m50=report.fmt(at.loc["(reference)", "mdc_points"]),
           mlo=report.fmt(at["mdc_points"].drop("(reference)").min()),
           mhi=report.fmt(at["mdc_points"].drop("(reference)").max()), naive=naive)

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per comparison: `question`, `option`; for each wave
# (`_1` = earlier, `_2` = later) `figure`, `kind` (source kind: essay / primary / secondary),
# `text` (as published) and `p1`/`p2`, `low1`/`high1`, `low2`/`high2` (point and the range
# the text allows, percent); `best` (True: the pair in the Holm family); `n1`, `n2`, `deff`;
# `diff` (p2 − p1, points), `ci_low`, `ci_high` (score interval), `ci_low_range`,
# `ci_high_range` (widened by the figures' ranges), `z`, `p_value`, `p_holm`,
# `p_worst_rounding` and `p_worst_holm` (least favourable values within the ranges),
# `equivalence_p` (TOST within ±`margin` points at the published values) and
# `equivalence_p_worst`, `margin`, `verdict`.

# %%
out = res.rename(columns={"figure_1": "source_1", "figure_2": "source_2"}).assign(
    n1=n1, n2=n2, deff=deff_used, margin=margin)
out = out[["question", "option", "source_1", "kind_1", "text_1", "p1", "low1", "high1",
           "source_2", "kind_2", "text_2", "p2", "low2", "high2", "best", "n1", "n2", "deff",
           "diff", "ci_low", "ci_high", "ci_low_range", "ci_high_range", "z", "p_value",
           "p_holm", "p_worst_rounding", "p_worst_holm", "equivalence_p", "equivalence_p_worst",
           "margin", "verdict"]]
print("wrote", report.save_table(out, run))

# %% [markdown]
# ## What these comparisons rest on
# Sampling error is only a floor on the total error: if guarded answering is about as common
# in both waves it largely cancels in a change, but that is an assumption, not a finding.

# %%
used = pd.concat([res[["figure_1", "kind_1"]].set_axis(["figure", "kind"], axis=1),
                  res[["figure_2", "kind_2"]].set_axis(["figure", "kind"], axis=1)])
used = used.drop_duplicates("figure")
second = used[used["kind"].isin(["essay", "secondary"])]
report.say("{k} of the {m} figures compared are second-hand ({ids}: the essay's quotation of "
           "tables we could not retrieve, or a secondary summary); the rest come from Levada's "
           "English releases. N = {n} per wave is {assumed}.", k=len(second), m=len(used),
           ids=", ".join(sorted(second["figure"])), n=n1,
           assumed="an assumption" if assumed else "as published")

# %%
report.show(io.load_gaps(), index="id")
