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
# # 03 · Waves: what changed between two waves of the same poll?
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's sampling-error table
# `data/raw/levada_error_table.csv`, the analysis plan `data/plan.yaml`, the Rosstat population
# and approval series (subgroup sizes for the power table) and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per comparison) and the figure
# `reports/figures/<run>-changes`.
#
# The essay reads two falls between March 2024 and April 2025: "traitors" from 43% to 37%, and
# "do not believe in Russia's future" from 40% to 36%. Is a change of a few points more than
# two samples of about 1,600 interviews would show by chance, once the rounding of the
# published figures and the number of comparisons made at once are counted? And where nothing
# seems to change, can the figures show that the share stayed put? This page answers for every
# answer two waves share (the waves are named below; another run of this page compares others).

# %% tags=["parameters"]
run = "03_waves"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05 gives 95% intervals)
margin = None  # equivalence margin in points; None: the plan's (data/plan.yaml), with its reason
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
wave1 = "2024-03"  # the earlier wave (the essay's choice)
wave2 = "2025-04"  # the later wave (the essay's choice)

# %%
import re
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import formats, plots, report
from chasm import svg as chart_file
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

tidy = figures.load()
meta = load.load_metadata()
waves.check_waves(tidy, meta, WAVE1, WAVE2)
est = design.deff_from_error_table(load.load_error_table())
deff_used = est.deff if deff is None else float(deff)
n1 = int(n if n is not None else meta["waves"][WAVE1]["n"])
n2 = int(n if n is not None else meta["waves"][WAVE2]["n"])
assumed = [w for w in (WAVE1, WAVE2) if meta["waves"][w]["n_assumed"] or n is not None]
labels = {opt: o["label"] for q in meta["questions"].values() for opt, o in q["options"].items()}

# every test of this page, from the package: the pairs of figures, the plan's families, the
# comparison engine (rounding as noise, adjustment, equivalence, tipping points), Holm's losses
pairs = waves.wave_pairs(tidy, WAVE1, WAVE2)
pairs["label"] = pairs["option"].map(labels)
family = plan.wave_family(analysis, WAVE1, WAVE2, pairs)
res = waves.compare_pairs(pairs, n1, n2, deff_used, alpha, margin, family)
best = res[res["best"]]
lost = waves.holm_lost(res, alpha)
reach = waves.margin_reach(n1, n2, deff_used, alpha, margin)
mdc = waves.minimum_detectable(best, n1, deff_used, alpha)
at = mdc.set_index("option")
families = plan.family_table(analysis)

# %%
# How this page writes what it found: waves by their month, sources and families by name,
# every number from the tables computed above.
signed = formats.fmt_signed
# each figure's source by its outlet (sources.csv), the essay as "the essay"
OUTLET = {s.source_id: s.publisher for s in load.load_sources().itertuples()}
SOURCE_OF = dict(zip(tidy["figure_id"], tidy["source_id"], strict=True))
KIND = {"essay": "the essay's", "derived": "a derived"}


def whose(figure_id, kind):
    """Whose figure a sentence quotes: "the essay's", or its outlet's ("Levada Center's")."""
    return KIND.get(kind) or f"{OUTLET.get(SOURCE_OF.get(figure_id), kind)}'s"



def family_name(row):
    """A family of tests by what it is (its role, or its claim), never its id in the plan."""
    if row.family == plan.POST_HOC:
        return "the post-hoc screen, not in the plan"
    if row.family in analysis.claim_families:
        return f"claim {row.family}"
    return "the essay's changes" if row.role == "confirmatory" else f"the {row.role} screen"


FAMILY = {r.family: family_name(r) for r in families.itertuples()}
FAMILY_METHOD = {r.family: f"{FAMILY[r.family]}: {formats.fmt_method(r.method)}"
                 for r in families.itertuples()}
MEMBER = dict(zip(analysis.comparisons["comparison_id"],
                  analysis.comparisons["option"].map(labels), strict=True))
W1, W2 = formats.fmt_month(WAVE1), formats.fmt_month(WAVE2)


def plain(text):
    """Text from the plan with its codes in words: families by name, pages by title."""
    text = re.sub(r"\b\d\d_([a-z]+)\b", r"the \1 report", str(text))
    for code, name in FAMILY.items():
        text = text.replace(f"({code})", f"({name})")
    return re.sub(r"\b[a-z]+(?:_[a-z0-9]+)+\b", lambda m: m.group(0).replace("_", " "), text)


CLAIM = dict(zip(family["comparison_id"], family["claim"], strict=True))


def claim_of(r):
    """" (claim C13)" for the family's own test of a claim of the essay, else ""."""
    return f" (claim {CLAIM[r.comparison_id]})" if CLAIM.get(r.comparison_id) else ""


def answers(k):
    """ "1 answer", "5 answers"."""
    return f"{k} answer" + ("" if k == 1 else "s")


def reading(r):
    """The verdict of one comparison in words, with the margin it was read at."""
    return {"change": "a change beyond sampling error",
            "stable": f"stable within ±{formats.fmt_short(margin)} points",
            "inconclusive": "inconclusive: neither a change nor stability is shown",
            "no test": "no test possible"}[r.reading]


# %% [markdown]
# ## What this page finds

# %%
found = [report.say(
    "- **{label}**{claim}: {t1} in {w1}, {t2} in {w2}, a change of **{d} points** ({level} CI "
    "{lo} to {hi}); adjusted p {pa} ({method} within {fam}): **{reading}**.", label=r.label,
    claim=claim_of(r),
    t1=r.text_1, w1=W1, t2=r.text_2, w2=W2, d=signed(r.diff), level=level, lo=signed(r.ci_low),
    hi=signed(r.ci_high), pa=formats.fmt_p(r.p_adjusted), method=formats.fmt_method(r.method),
    fam=FAMILY[r.family], reading=reading(r))
    for r in best.sort_values(["declared", "p_adjusted"], ascending=[False, True]).itertuples()]
found += [report.say(
    "- **{label}** is significant on its own but not after Holm over the {m} tests of its "
    "family: the verdict rests on how many comparisons are made at once.",
    label=r.label, m=r.tests) for r in lost.itertuples()]
several = res.groupby("option").filter(lambda g: len(g) > 1)
for option, group in several.groupby("option", sort=True):
    found.append(report.say(
        "- **{label}** in {w2} has {k} sources ({texts}): {verdict}.", label=labels[option],
        w2=W2, k=len(group), texts=", ".join(f'"{t}"' for t in group["text_2"]),
        verdict="the reading depends on which source is believed"
        if group["reading"].nunique() > 1 else "every source leads to the same reading"))
found.append(report.say(
    "- **How large a change these samples can see**: about {m50} points at a share of 50% "
    "(80% power, design effect {d}); smaller changes are more likely than not to go unseen.",
    m50=formats.fmt(at.loc["(reference)", "mdc_points"]), d=formats.fmt(deff_used, 2)))
display(*found)

# %%
report.say("Waves compared: **{w1}** ({l1}, N = {n1}) and **{w2}** ({l2}, N = {n2}); N is an "
           "assumption for {assumed}. Design effect **{d}** ({choice}) for both waves, so each "
           "wave counts as about {ne} simple random interviews.",
           w1=W1, l1=meta["waves"][WAVE1]["label"], n1=n1, w2=W2,
           l2=meta["waves"][WAVE2]["label"], n2=n2,
           assumed=" and ".join(map(formats.fmt_month, assumed)) if assumed else "neither",
           d=formats.fmt(deff_used, 2),
           choice=("least squares from Levada's error table" if deff is None
                   else "set for this run"),
           ne=formats.fmt(n1 / deff_used, 0))

# %% [markdown]
# ## The figures compared: every answer both waves publish, from every source
# One comparison per answer for which both waves have a figure for the whole sample. Where a
# wave has figures from several sources for the same answer, every combination is compared, so
# a reader sees whether the conclusion depends on the source. The figure used by default (the
# declared source ranking, stated with the figures' sources below) is the one "in the tested
# family".

# %%
report.show(pairs[["question", "option", "figure_1", "kind_1", "text_1", "figure_2", "kind_2",
                   "text_2", "best"]],
            columns=["option", "text_1", "figure_1", "kind_1", "text_2", "figure_2", "kind_2",
                     "best"])

# %% [markdown]
# ## Which tests are judged together: the plan's families
# The analysis plan (`data/plan.yaml`) says which comparison belongs to which family of tests
# and how each family is adjusted for making several tests at once: Holm over the essay's two
# confirmatory wave comparisons, Benjamini-Hochberg over our exploratory screen of the other
# answers ("would" and "would not" like to emigrate are two sides of one single-choice
# question, so they are one change seen twice). Waves the plan does not pair get a post-hoc
# screen, marked as such. A comparison with another source for the same answer is adjusted in
# the family where it replaces that answer's test. The same comparison has the same adjusted p
# in every table and page (the claims register reads these rows).
#
# **The plan was written after the first results** had been computed: its history says for
# each choice whether it was fixed before or after results were seen, with the commit; the
# claims report (06) shows every confirmatory verdict under the alternatives.

# %%
report.show(family, columns={"option": None, "family": None, "claim": None,
                             "declared": "declared in the plan"},
            labels={"family": FAMILY_METHOD}, index="option")

# %%
report.show(families, index="family", columns=["family", "members", "fixed", "why"],
            labels={"family": FAMILY_METHOD, "members": {
                m: ", ".join(MEMBER.get(i, i) for i in m.split(", ")) for m in families["members"]},
                "why": {w: plain(w) for w in families["why"]}})

# %%
history = plan.history_table(analysis)
after = [h for k, h in analysis.history.items() if k in ("families", "rounding")
         and analysis.fixed_after(k)]
report.say("**Post hoc**: {choices}; each was fixed after results were seen (the plan's "
           "history below gives when and what it replaced).",
           choices="; ".join(plain(h["choice"]) for h in after)) if after else None

# %%
report.show(history, index="choice", columns=["choice", "fixed", "was", "effect"],
            labels={c: {t: plain(t) for t in history[c]} for c in ("choice", "was", "effect")})

# %% [markdown]
# ## Which changes go beyond sampling error
# Each row is one comparison, earlier → later. The change and its interval come from one
# test (the score test on effective sample sizes, with each figure's rounding counted as
# noise); "p, adjusted" is that test's p after the family's adjustment, the number every
# verdict reads. A change counts when the adjusted p is below the error rate; the figures show
# stability when the smallest margin they establish is within the plan's margin. How each
# number is computed is explained at the end of the page; the CSV under the table has every
# column (p at the published values, at the least favourable rounding, tipping points).

# %%
counts = best["reading"].value_counts()
one = len(best) == 1  # "the one answer compared changed ...", else "1 changed, 3 are ..."
parts = [("" if one else f"{counts[k]} ") + text for k, text in (
    ("change", "changed beyond sampling error"),
    ("stable", f"{'is' if one or counts.get('stable') == 1 else 'are'} stable within "
               f"±{formats.fmt_short(margin)} points"),
    ("inconclusive", f"{'is' if one or counts.get('inconclusive') == 1 else 'are'} "
                     "inconclusive"),
    ("no test", "cannot be tested")) if counts.get(k)]
report.say("**{what} {parts}** between {w1} and {w2}, after the plan's adjustment.",
           what="The one answer compared" if one else f"Of the {answers(len(best))} compared,",
           w1=W1, w2=W2, parts=", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "")
           + parts[-1])

# %%
report.show(res[["comparison_id", "family", "figure_1", "text_1", "figure_2", "text_2", "diff",
                 "ci_low", "ci_high", "p_value", "p_rounding", "p_adjusted", "p_worst_rounding",
                 "p_adjusted_worst", "tipping_deff", "n_factor", "tipping_shift",
                 "margin_smallest", "margin_reachable", "reading"]],
            digits=3, index="comparison_id",
            columns={"comparison_id": "answer", "text_1": None, "text_2": None,
                     "figure_2": None, "diff": None, "ci_low": None, "ci_high": None,
                     "p_adjusted": None, "margin_smallest": "smallest margin shown (points)",
                     "reading": None},
            labels={"comparison_id": dict(zip(res["comparison_id"], res["label"],
                                              strict=True))})

# %% [markdown]
# **In plain words**, one sentence per comparison, written from the numbers above.

# %%
display(*[report.say(
    "**{label}**{claim}, {k1} \"{t1}\" → {k2} \"{t2}\" ({f1} → {f2}): {d} points ({level} CI "
    "{lo} to {hi}); p {p} at the published values, {pr} with rounding as noise; {method} within "
    "{fam}: adjusted p {pa} (at the least favourable rounding {paw}). The smallest "
    "margin of stability these figures establish is ±{ms} points (±{mr} at best, with no "
    "change at all): **{reading}**.", label=r.label, claim=claim_of(r),
    k1=whose(r.figure_1, r.kind_1), t1=r.text_1, k2=whose(r.figure_2, r.kind_2), t2=r.text_2,
    f1=r.figure_1, f2=r.figure_2, d=signed(r.diff),
    level=level, lo=signed(r.ci_low), hi=signed(r.ci_high), p=formats.fmt_p(r.p_value, True),
    pr=formats.fmt_p(r.p_rounding), method=formats.fmt_method(r.method), fam=FAMILY[r.family],
    pa=formats.fmt_p(r.p_adjusted), paw=formats.fmt_p(r.p_adjusted_worst),
    ms=formats.fmt_short(round(r.margin_smallest, 1)),
    mr=formats.fmt_short(round(r.margin_reachable, 1)), reading=reading(r))
    for r in res.itertuples()])

# %% [markdown]
# **Does the adjustment, or the source, decide?** A test significant on its own can lose that
# after Holm's adjustment; an answer with several sources can read differently with each.

# %%
display(*[report.say(
    "**{label}** is significant on its own (p {p}) but not after Holm over the {m} tests of "
    "the family (adjusted {ph}): as the {nth} p-value it is multiplied by {mult}, and it would "
    "stay below {a} {within}. The verdict on this change therefore rests on how many "
    "comparisons are made at once.", label=r.label, p=formats.fmt_p(r.p_rounding, True),
    m=r.tests, ph=formats.fmt_p(r.p_adjusted), nth=formats.fmt_rank(r.rank),
    mult=r.multiplier, a=formats.fmt(alpha, 2),
    within="only if it were tested alone" if r.largest <= 1 else
    f"only in a family of at most {r.largest} tests (dropping the others with the largest "
    "p-values first)") for r in lost.itertuples()]
    or [report.say("No test of a Holm family is significant on its own and lost to the "
                   "adjustment: the number of comparisons decides no verdict here.")])

# %%
display(*[report.say(
    "**{label}**, {w2}: {readings}. So {depends}.", label=labels[option], w2=W2,
    readings="; ".join(f"with {whose(r.figure_2, r.kind_2)} \"{r.text_2}\" ({r.figure_2}) the "
                       f"change is {signed(r.diff)} points, {reading(r)}"
                       for r in group.itertuples()),
    depends="the conclusion depends on which source is believed"
    if group["reading"].nunique() > 1 else "every source leads to the same reading")
    for option, group in several.groupby("option", sort=True)]
    or [report.say("Every answer has one source in each wave: no conclusion depends on the "
                   "source.")])

# %% [markdown]
# ## The changes with their intervals
# Each row is one comparison (earlier → later figure). The dot and thin line are the change
# and its interval at the published values; the pale thick bar also lets each figure move
# within what its rounding or wording allows; the grey band is the equivalence margin.
# Intervals are not adjusted for multiplicity.

# %%
# The chart: one row per comparison, the table's first at the top (matplotlib draws row 0 at
# the bottom); each row names the answer by its label over its two figures; colour: the later
# figure's source kind. The title says which answers changed beyond sampling error, from what
# level to what (at the figure chosen per cell), and how the others read.
chart = res.iloc[::-1].reset_index(drop=True)
short = chart["label"].map(lambda n: textwrap.shorten(str(n), width=28, placeholder="…"))
chart["row"] = (short + "\n" + chart["text_1"] + " → " + chart["text_2"]
                + " (" + chart["figure_1"] + " → " + chart["figure_2"] + ")")
changed = best[best["reading"] == "change"]
moves = ", ".join(f'"{r.label}" {"fell" if r.diff < 0 else "rose"} from {r.text_1} to {r.text_2}'
                  for r in changed.itertuples())
others = ", ".join(f"{k} {word}" for word, k in (
    ("stable", (best["reading"] == "stable").sum()),
    ("inconclusive", (best["reading"] == "inconclusive").sum())) if k)
if len(best) == 1:  # the one answer compared: what it did and how it reads
    only = next(best.itertuples())
    title = f"{W1} to {W2}: " + (moves + ", a change beyond sampling error" if moves else
                                 f'"{only.label}" went from {only.text_1} to {only.text_2}: '
                                 f"{reading(only)}")
else:
    title = (f"{W1} to {W2}: {len(changed)} of {best['option'].nunique()} answers changed "
             "beyond sampling error" + (": " + moves if moves else "")
             + (f" ({others})" if others else ""))
plots.theme()
fig, ax = plt.subplots(figsize=(6.4, 0.6 * len(chart) + 1.6))
y = np.arange(len(chart))
colours = chart["kind_2"].map(plots.SOURCE_PALETTE).tolist()
ax.axvspan(-margin, margin, color="0.85", alpha=0.6, zorder=0,
           label=f"±{formats.fmt_short(margin)} points")
ax.axvline(0, color="0.3", linewidth=1)
ax.hlines(y, chart["ci_low_range"], chart["ci_high_range"], colors=colours, linewidth=7,
          alpha=0.3)
ax.hlines(y, chart["ci_low"], chart["ci_high"], colors=colours, linewidth=1.8)
ax.scatter(chart["diff"], y, c=colours, s=26, zorder=3)
ax.set_yticks(y, chart["row"])
ax.set_xlabel(f"change {W1} → {W2}, points ({level} interval, "
              f"deff {formats.fmt(deff_used, 2)})")
plots.kind_legend(ax, set(chart["kind_2"]), prefix=f"{W2} figure: ")
ax.legend(ncol=2, frameon=False, fontsize=9.5)
chart_file.legend_below(ax)  # clear of the axis label however few rows the chart has
ax.set_title(textwrap.fill(title, 70), fontsize=10)
plots.save_figure(fig, chart[["row", "figure_1", "figure_2", "kind_1", "kind_2", "diff", "ci_low",
                              "ci_high", "ci_low_range", "ci_high_range", "p_value",
                              "p_adjusted"]], run, "changes", title=title,
                  subtitle=f"Change in percentage points, {W1} to {W2}, with its {level} "
                           "interval; grey band: the equivalence margin")

# %% [markdown]
# ## A change of a few points is at the edge of what these samples can see
# The smallest change detected with 80% power (two-sided test at the chosen error rate) for two
# waves of this size and design, at the level of each answer in the earlier wave and at 50%.
# A change smaller than this is more likely than not to go unnoticed, whatever its reality.

# %%
report.show(mdc.rename(columns={"text_1": f"level in {WAVE1}"}), index="option",
            columns={"option": None, f"level in {WAVE1}": f"level in {W1} (%)",
                     "mdc_points": None, "mdc_srs_points": None},
            labels={"option": {"(reference)": "any answer at 50% (reference)"}})

# %%
lo, hi = at["mdc_points"].drop("(reference)").min(), at["mdc_points"].drop("(reference)").max()
report.say("With N = {n} per wave and design effect {d}, a change must be about **{m50} "
           "points** at 50% ({span}) to be detected with 80% power{naive}.",
           n=n1, d=formats.fmt(deff_used, 2), m50=formats.fmt(at.loc["(reference)", "mdc_points"]),
           span=(f"{formats.fmt(lo)} points at the level of the answer compared" if
                 formats.fmt(lo) == formats.fmt(hi) else f"{formats.fmt(lo)} to "
                 f"{formats.fmt(hi)} points at the levels of the answers compared"),
           naive="" if deff_used == 1 else "; a reading that ignores the design (design effect "
           f"1) would put it at {formats.fmt(at.loc['(reference)', 'mdc_srs_points'])} points")

# %%
report.say("Equivalence margin **±{m} points**: {why} With these samples, no observed change "
           "at all establishes at best ±{r50} points at 50% (the hardest share), so ±{m} can "
           "be shown {where}.", m=formats.fmt_short(margin),
           why=plain(analysis.margin_why) if margin == analysis.margin else
           "set for this run.", r50=formats.fmt(reach["at_50"]),
           where=("at any share" if reach["share_limit"] >= 50 else
                  f"only for shares below {formats.fmt(reach['share_limit'])}% or above "
                  f"{formats.fmt(100 - reach['share_limit'])}%"))

# %% [markdown]
# **Per answer and group.** For every cell of the earlier wave with a published share: the
# smallest fall and rise the test detects with 80% power against a later wave of the same size
# (points), and the power to detect a fall as large as the plan's margin. A group's number of
# interviews is its weight in the population (Rosstat for age, Levada's approval series for
# approval) times N.

# %%
power = waves.power_table(tidy, meta, load.load_population(), load.load_approval(), WAVE1, n1,
                          deff_used, alpha, margin)
report.show(power, digits=2, columns={
    "option": None, "subgroup_var": None, "subgroup": None, "figure_id": None, "share": None,
    "n": None, "fall": "smallest fall detected (points)", "rise": "smallest rise detected "
    "(points)", "power_change": f"power against a fall of {formats.fmt_short(margin)} points"})

# %% [markdown]
# ## How each change is tested
# Every comparison comes from the project's one comparison engine, which the claims register
# and the series report (08) use too.
# * **Change**: the score (Miettinen-Nurminen) test of the later share minus the earlier one,
#   on effective sample sizes (interviews divided by the design effect) at the published
#   values, the two waves taken as independent samples (if Levada reuses its sampling points
#   the waves are positively correlated and this is conservative).
# * **Rounding as noise** (the p every verdict reads): each figure's rounding or wording error
#   taken as uniform on the range its text allows (variance 1/12 point² for a whole number),
#   added to the sampling variance. The interval inverts this same test, so it excludes 0
#   exactly when this p is below the error rate.
# * **Adjustment**: within the plan's family, by the family's method.
# * **Least favourable rounding** (robustness): each figure moved, within what its text
#   allows, towards the other; the interval widened the same way is in the table's CSV.
# * **Equivalence** (two one-sided tests, rounding as noise): the primary result is the
#   smallest margin these figures establish, beside the smallest any figures could establish
#   at that share with no change at all (a margin below it cannot be met), and the reading at
#   the plan's margin.
# * **Tipping points** of the verdict's own test at the level its family's adjustment
#   implies: the design effect, the factor on the interviews and the shift in the later share
#   (points) at which p crosses it.

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per comparison: its id, family, role, method and whether
# the plan declares it; the question and answer; for each wave (1 = earlier, 2 = later) the
# figure, the kind of source (essay, primary, secondary), the text as published, its point and
# the range the text allows (percent); whether the pair is the family's own; the interviews
# and design effect; the change (points), its interval and the interval widened by the
# figures' ranges; z and p at the published values, with rounding as noise, adjusted in the
# family, at the least favourable rounding and adjusted so; the equivalence margin, the
# equivalence p at the published values and at the least favourable ends, the smallest margin
# shown and the smallest reachable; the reading (change, stable or inconclusive).

# %%
out = res.rename(columns={"figure_1": "source_1", "figure_2": "source_2"}).assign(
    n1=n1, n2=n2, deff=deff_used, margin=margin)
out = out[["comparison_id", "family", "role", "method", "declared", "question", "option",
           "source_1", "kind_1", "text_1", "p1", "low1", "high1", "source_2", "kind_2", "text_2",
           "p2", "low2", "high2", "best", "n1", "n2", "deff", "diff", "ci_low", "ci_high",
           "ci_low_range", "ci_high_range", "z", "p_value", "noise_var", "p_rounding",
           "p_adjusted", "p_worst_rounding", "p_adjusted_worst", "level", "tipping_deff",
           "n_factor", "tipping_shift", "margin", "equivalence_p", "equivalence_p_worst",
           "margin_smallest", "margin_reachable", "reading"]]
print("wrote", report.save_table(out, run))

# %% [markdown]
# ## What these comparisons rest on
# Sampling error is only a floor on the total error: if guarded answering is about as common
# in both waves it largely cancels in a change, but that is an assumption, not a finding.

# %%
used = pd.concat([res[["figure_1", "kind_1"]].set_axis(["figure", "kind"], axis=1),
                  res[["figure_2", "kind_2"]].set_axis(["figure", "kind"], axis=1)]
                 ).drop_duplicates("figure")  # every figure compared, once
second = used[used["kind"].isin(["essay", "secondary"])]
report.say("{k} of the {m} figures compared {verb} second-hand{ids}; {rest} from Levada's "
           "English releases. N = {n} per wave is {assumed}.",
           k=len(second) if len(second) else "None", m=len(used),
           verb="is" if len(second) <= 1 else "are",
           ids=(f" ({figures.by_outlet(sorted(second['figure']), tidy, load.load_sources())})"
                if len(second) else ""),
           rest="the rest come" if len(second) else "all come", n=n1,
           assumed="an assumption" if assumed else "as published")

# %%
report.show(load.load_gaps(), index="id")
