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
# An interval around every published figure, from what the pollster itself says about its
# precision. A poll's share is an estimate: another sample of the same size would have given a
# somewhat different number. Levada's samples are clustered and weighted, so its interviews
# are worth fewer interviews drawn purely at random; Levada's own table of sampling errors says
# how many fewer. A figure given in words or rounded is, besides, a range of possible values,
# and its interval covers that whole range. What the page finds comes first; how each number
# is computed follows.

# %% tags=["parameters"]
run = "02_uncertainty"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of the intervals (0.05 gives 95% intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
questions = []  # questions whose figures are covered; []: every question in the data
waves = []  # waves covered; []: every wave in the data
focus = "traitors"  # the answer whose figures the design-effect sensitivity table follows

# %% [markdown]
# ## Load inputs
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's sampling-error table
# `data/raw/levada_error_table.csv`, the Rosstat population tables by age
# (`data/raw/rosstat_population_YYYY-MM-DD.csv`), Levada's monthly Putin approval series,
# `data/raw/sources.csv` and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per figure: its interval and where the
# number of interviews behind it comes from) and the figure `reports/figures/<run>-intervals`.

# %%
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import formats, plots, report
from chasm.analysis import uncertainty, weights
from chasm.data import figures, load
from chasm.stats import design
from chasm.tables import code_labels

report.check_params(deff=deff, alpha=alpha, n=n, wave=waves)
level = formats.fmt_level(alpha)  # e.g. "95%"
meta = load.load_metadata()
tidy = uncertainty.select(figures.load(), meta, questions, waves, focus)
errors = load.load_error_table()
populations = load.load_populations()
approval = load.load_approval()
sources = load.load_sources()

# Every number first, so that the page can open with what they find; nothing is shown here.
est = design.deff_from_error_table(errors)  # the design effect Levada's table implies
deff_used = est.deff if deff is None else float(deff)
at_50 = errors.loc[errors["share_near_pct"] == 50, "max_error_pct"]
sizes = uncertainty.subgroup_sizes(tidy, meta, populations, approval, n=n)
table = uncertainty.interval_table(tidy, sizes, deff_used, alpha)
# The grid of design effects (stats.design), with its rounded Levada value replaced by the
# exact least-squares one, plus the design effect this run uses.
deffs = uncertainty.sensitivity_deffs(est.deff, deff_used)
n_ref = float(n if n is not None else sizes.loc[tidy["subgroup_var"] == "all", "n_wave"].mode()
              .iloc[0])
sensitivity = uncertainty.deff_sensitivity(tidy, sizes["n_group"], deffs, est.deff, n_ref, alpha,
                                           option=focus, meta=meta)
column = {d: formats.fmt_deff_column(d, est.deff) for d in (1.0, est.deff, max(deffs))}
widths = uncertainty.range_widths(table, sizes["n_group"], deff_used, alpha)
rounding = uncertainty.rounding_summary(widths)
worded = widths[widths["rule"] != "number"].sort_values("ratio", ascending=False)
bounds = table[table["point"].isna() & table["ci_high"].notna()]
computed = table[table["ci_high"].notna()]


def answer(question, option):
    """An answer by its label in the metadata."""
    return meta["questions"][question]["options"][option].get("label", option)


def group(var, subgroup):
    """A group by its labels ("age group 18-24"); "whole sample" for the whole sample."""
    if var == "all":
        return "whole sample"
    spec = meta["subgroups"][var]
    return f"{spec.get('label', var)}: {spec['groups'].get(subgroup, {}).get('label', subgroup)}"


def figure(fid):
    """A figure as a reader cites it: id, kind of source, wave, answer, group (unless the whole
    sample) and the text as published."""
    row = table.set_index("figure_id").loc[fid]
    who = "" if row["subgroup_var"] == "all" else f", {group(row['subgroup_var'], row['subgroup'])}"
    return (f"{fid} ({row['source_kind']}, {row['wave']}, "
            f"'{answer(row['question'], row['option'])}'{who}, \"{row['value_text']}\")")


def size_note(note, part):
    """The figures one note of the size table concerns, and the note, groups by their labels."""
    var, sub = part["subgroup_var"].iloc[0], part["subgroup"].iloc[0]
    label = meta["subgroups"][var]["groups"].get(sub, {}).get("label", sub)
    return report.say("**{ids}** ({what}): {note}.", ids=", ".join(part["figure_id"]),
                      what="; ".join(f"{r.wave} '{answer(r.question, r.option)}', "
                                     f"{group(r.subgroup_var, r.subgroup)}"
                                     for r in part.itertuples()),
                      note=note.replace(f"'{sub}'", f"'{label}'"))


def widest_focus():
    """The widest interval among the figures of the answer ``focus`` at Levada's design
    effect (the sensitivity table's rows after the reference), or None."""
    half = sensitivity[column[est.deff]].iloc[1:].reset_index(drop=True)
    rows = tidy[(tidy["option"] == focus) & sizes["n_group"].notna()]
    if not len(rows):
        return None
    return rows["figure_id"].iloc[int(half.idxmax())], half.max()


# %% [markdown]
# ## What this page finds

# %%
ref = sensitivity.iloc[0]
found = [report.say(
    "- **Levada's own error table implies a design effect of {ls}** (every row of it is "
    "consistent with {lo} to {hi}): its {n} interviews are worth about **{neff}** drawn purely "
    "at random, so at 50% a whole wave's {level} interval is ±{half} points, not the ±{srs} a "
    "simple random sample would give ([the design effect]"
    "(#the-design-effect-levada-s-own-error-table-implies)).",
    ls=formats.fmt(est.deff, 2), lo=formats.fmt(est.deff_low, 2), hi=formats.fmt(est.deff_high, 2),
    n=formats.fmt(est.n, 0), neff=formats.fmt(est.n_eff, 0), level=level,
    half=formats.fmt(ref[column[est.deff]]), srs=formats.fmt(ref[column[1.0]]))]
found.append(report.say(
    "- **{c} of the {k} figures get a {level} interval, {wlo} to {whi} points wide**{unknown} "
    "([every figure](#how-many-interviews-stand-behind-each-figure-and-its-interval); "
    "[the chart](#fig-{run}-intervals)).",
    c=len(computed), k=len(table), level=level,
    wlo=formats.fmt((computed["ci_high"] - computed["ci_low"]).min()),
    whi=formats.fmt((computed["ci_high"] - computed["ci_low"]).max()), run=run,
    unknown="" if len(computed) == len(table) else report.say(
        "; for the other {u} no source gives the size of the group behind the figure, so none "
        "is computed", u=len(table) - len(computed))))
if rounding["k"]:
    found.append(report.say(
        "- **Rounding adds at most {share}% to an interval's width** ({reading}){more} "
        "([rounding and wording](#where-rounding-and-wording-matter)).",
        share=formats.fmt(rounding["largest_share"], 0),
        reading="sampling error dominates" if rounding["sampling_dominates"]
        else "not negligible",
        more="" if not len(worded) else report.say(
            "; **wording widens more**: {which} as wide as sampling alone would give",
            which=report.say("the {m} figures given as ranges or words have intervals up to "
                             "{r} times", m=len(worded), r=formats.fmt(worded["ratio"].max()))
            if len(worded) > 1 else report.say(
                "the one figure given as a range or in words has an interval {r} times",
                r=formats.fmt(worded["ratio"].max())))))
widest = widest_focus()
if widest is not None:
    found.append(report.say(
        "- **Subgroups divide an already small sample:** the widest interval of the answer the "
        "run follows, {fig}, is ±{x} points at Levada's design effect ([how much the design "
        "effect matters](#how-much-the-design-effect-matters)).",
        x=formats.fmt(widest[1]), fig=figure(widest[0])))
display(*found)

# %% [markdown]
# ## Every whole-sample figure with its interval
# One row per figure of the whole sample (subgroup figures are in the tables below). The thin
# line is the interval, the thick pale bar the range the text itself allows, the dot the
# published point; colours give the kind of source.

# %%
# The chart: each whole-sample figure with an interval, one row each, the later wave on top;
# rows name the wave by its month and the answer by its metadata label (the CSV keeps the wave
# as written in the data), colours give the kind of source. The title states how wide the
# intervals are and which figure's is widest.

KIND_OF_TEXT = {"number": "a rounded number", "range": "a range", "upper bound": "a bound"}
chart = table[(table["subgroup_var"] == "all") & table["ci_low"].notna()].copy()
chart = chart.sort_values(["question", "option", "wave", "figure_id"], ascending=False)
names = pd.Series(code_labels(chart)["option"], index=chart.index).astype(str).map(
    lambda n: textwrap.shorten(n, width=30, placeholder="…"))
chart["label"] = chart["wave"] + " · " + names + " (" + chart["figure_id"] + ")"
rows_shown = chart["wave"].map(formats.fmt_month) + " · " + names + " (" + chart["figure_id"] + ")"
plots.theme()
fig, ax = plt.subplots(figsize=(7.0, 0.3 * len(chart) + 1.4))
y = np.arange(len(chart))
colours = chart["source_kind"].map(plots.SOURCE_PALETTE).tolist()
ax.hlines(y, chart["low"], chart["high"], colors=colours, linewidth=7, alpha=0.3)
ax.hlines(y, chart["ci_low"], chart["ci_high"], colors=colours, linewidth=1.6)
has_point = chart["point"].notna().to_numpy()
ax.scatter(chart["point"][has_point], y[has_point], s=22, zorder=3,
           c=[c for c, keep in zip(colours, has_point, strict=True) if keep])
ax.set_yticks(y, rows_shown)
ax.set_xlim(0, 100)
ax.set_xlabel(f"percent of respondents ({level} interval, deff {formats.fmt(deff_used, 2)})")
plots.kind_legend(ax, set(chart["source_kind"]))
ax.legend(title="source", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
ci_width = chart["ci_high"] - chart["ci_low"]
widest_row = chart.loc[ci_width.idxmax()]
title = (f"The {len(chart)} whole-sample figures' {level} intervals are "
         f"{formats.fmt(ci_width.min(), 1)} to {formats.fmt(ci_width.max(), 1)} points wide; "
         f"the widest, \"{widest_row['value_text']}\" ({widest_row['figure_id']}, "
         f"{formats.fmt_month(widest_row['wave'])}), is "
         f"{KIND_OF_TEXT.get(widest_row['rule'], 'a figure given in words')}")
ax.set_title(textwrap.fill(title, 72), fontsize=10)
plots.save_figure(fig, chart[["figure_id", "label", "source_kind", "value_text", "point", "low",
                              "high", "ci_low", "ci_high", "method"]], run, "intervals",
                  title=title,
                  subtitle=f"Percent of respondents: {level} interval (line), the range the "
                           "published text allows (pale bar), the published point")

# %% [markdown]
# ## The design effect Levada's own error table implies
# Levada prints, with every release, the largest sampling error at N = 1600 and 95% confidence
# for shares near 50%, 25/75%, 10/90% and 5/95%. Dividing each by the error simple random
# sampling would have at the same share, and squaring, gives the design effect the table
# assumes. Errors are printed to 0.1 point, so each row pins the design effect only to a
# range; the values consistent with every row form the feasible range, and one common value
# is fitted by least squares.

# %%
rows = est.rows.rename(columns={"share_near_pct": "share near (%)",
                                "max_error_pct": "published error",
                                "srs_error_pct": "SRS error", "deff": "implied deff",
                                "deff_low": "deff low (rounding)",
                                "deff_high": "deff high (rounding)", "n_eff": "n_eff"})
report.show(rows.drop(columns=["confidence", "ratio"]), digits=3)

# %%
report.say("At 50% Levada's table prints an error of {pub} points, {ratio} times the {srs} "
           "points of a simple random sample of the same size: a design effect of **{ls}** "
           "(least squares over its rows; every row is consistent with any value from {lo} to "
           "{hi}), so its {n} interviews are worth about **{neff}** drawn by simple random "
           "sampling.",
           ls=formats.fmt(est.deff, 2), lo=formats.fmt(est.deff_low, 2),
           hi=formats.fmt(est.deff_high, 2), n=formats.fmt(est.n, 0),
           neff=formats.fmt(est.n_eff, 0), pub=formats.fmt(at_50.iloc[0]),
           ratio=formats.fmt(est.rows.loc[at_50.index[0], "ratio"], 2),
           srs=formats.fmt(est.rows.loc[at_50.index[0], "srs_error_pct"], 2))

# %%
report.say("This page uses a design effect of **{d}** ({choice}), so a wave of {n} interviews "
           "counts as {neff} (its effective sample size), and {level} intervals.",
           d=formats.fmt(deff_used, 2), n=formats.fmt(est.n, 0),
           choice="the least-squares value from Levada's table" if deff is None
           else "set as a parameter of this run", neff=formats.fmt(est.n / deff_used, 0),
           level=level)

# %% [markdown]
# ## How many interviews stand behind each figure, and its interval
# **The whole sample** is the wave's number of interviews from the wave's metadata (where the
# source does not state it, Levada's standard 1600 is assumed and flagged; the last section
# lists which waves). **A subgroup's** number of interviews is never published; it is taken as
# the group's share of the sample times the wave's: for age bands the population share of
# people 18 and older in the Rosstat table nearest to the wave (said below); for approval of
# Putin the share approving, disapproving or not answering in Levada's monthly series for the
# wave's month, **normalised to sum 1** (rounded shares add to 99-101). For other breakdowns
# (direction of the country, trusted source) no source gives the group's size: their interval
# is left empty rather than computed from an invented size.
#
# **The interval** is Wilson's on the effective sample size, exact (Clopper-Pearson, without the
# design degrees of freedom of Korn and Graubard) where the possible values reach 5% or 95%,
# and the union over the range the figure's text allows: ±0.5 for a rounded number, the ends
# ±0.5 for a range like "35-40%", ±5 points for a fraction in words, and for "no more than x%"
# only the upper end. Subgroups get the same design effect as the whole sample: conservative,
# since Levada's table is an upper bound and the weighting part of a design effect does not
# shrink in subgroups.

# %%
whole = tidy["subgroup_var"] == "all"
report.say("{k} published figures ({w} for the whole sample, {s} for subgroups) from {q} and "
           "{v} waves.", k=len(tidy), w=int(whole.sum()), s=int((~whole).sum()),
           q=report.say("{q} questions", q=tidy["question"].nunique())
           if tidy["question"].nunique() > 1
           else report.say("one question ({q})", q=tidy["question"].iloc[0].replace("_", " ")),
           v=tidy["wave"].nunique())

# %%
report.say("{text}", text=weights.population_text(
    populations, meta, tidy.loc[tidy["subgroup_var"] == "age", "wave"].unique()))

# %%
shown = table.assign(**{"w (%)": 100 * table["w"]})
report.show(shown[["figure_id", "source_kind", "wave", "option", "subgroup", "value_text",
                   "point", "w (%)", "n", "n_eff", "ci_low", "ci_high", "method"]],
            digits=1, index="figure_id")

# %%
width = (computed["ci_high"] - computed["ci_low"]).set_axis(computed["figure_id"])
report.say("The {level} intervals of the {c} figures whose group size is known run from {lo} "
           "points wide, for {narrow}, to {hi} points, for {wide}: the fewer the interviews "
           "behind a figure and the vaguer its wording, the wider.", level=level, c=len(width),
           lo=formats.fmt(width.min()), narrow=figure(width.idxmin()),
           hi=formats.fmt(width.max()), wide=figure(width.idxmax()))

# %% [markdown]
# The share of the sample and the interviews of a group are derived (population or approval
# shares times the assumed number of interviews), never published. Where the size of a group
# is unknown or only approximated, the page says so:

# %%
display(*[size_note(note, part)
          for note, part in table[table["note"] != ""].groupby("note", sort=True)])

# %% [markdown]
# ## How much the design effect matters
# Half-width (points) of the interval at 50% for a whole wave, and of every figure of one
# answer (a parameter of the run) whose group size is known, rounding and wording included as
# in the table above, for a range of design effects: 1 is simple random sampling (what a naive
# reading assumes), Levada's table gives the least-squares value, 2.5 is a pessimistic design.

# %%
report.show(sensitivity, digits=1, index="figure")

# %%
report.say("At 50% for a whole wave the {level} interval is ±{srs} points if the sample were "
           "simple random, ±{ls} at Levada's design effect of {d} (the table itself prints {pub}) "
           "and ±{hi} at {dmax}: ignoring the design makes every interval about {shrink}% too "
           "narrow.{sub}",
           level=level, srs=formats.fmt(ref[column[1.0]]), ls=formats.fmt(ref[column[est.deff]]),
           d=formats.fmt(est.deff, 2), pub=formats.fmt(at_50.iloc[0]),
           hi=formats.fmt(ref[column[max(deffs)]]), dmax=formats.fmt(max(deffs), 1),
           shrink=formats.fmt(100 * (1 - ref[column[1.0]] / ref[column[est.deff]]), 0),
           sub="" if widest is None else report.say(
               " In subgroups the design effect divides an already small sample: the widest "
               "interval of this answer, {fig}, is ±{x} points at Levada's design effect.",
               fig=figure(widest[0]), x=formats.fmt(widest[1])))

# %% [markdown]
# ## Where rounding and wording matter
# The same interval computed at the published point alone (sampling error only) and over the
# range the text allows. For whole numbers the difference is the rounding; for "35-40%",
# "about half", "a third", "nine out of ten" it is the wording.

# %%
report.show(worded, digits=1, index="figure_id")

# %%
sentences = [report.say(
    "For the {k} figures published as whole numbers, rounding adds {lo}-{hi} points (median "
    "{med}) to intervals {wlo}-{whi} points wide, at most {share}% of an interval's width: "
    "{reading}.", k=rounding["k"], lo=formats.fmt(rounding["added_low"]),
    hi=formats.fmt(rounding["added_high"]), med=formats.fmt(rounding["added_median"]),
    wlo=formats.fmt(rounding["width_low"]), whi=formats.fmt(rounding["width_high"]),
    share=formats.fmt(rounding["largest_share"], 0),
    reading="sampling error dominates" if rounding["sampling_dominates"]
    else "rounding is not negligible")] if rounding["k"] else []
if len(worded):
    top = worded.iloc[0]
    sentences.append(report.say(
        "Wording is not small: {which} as wide as sampling alone would give. {fig} widens from "
        "{w0} points of sampling error alone to {w1} points once the range its wording allows "
        "is included.",
        which=report.say("the {m} figures given as ranges or words have intervals {rlo}-{rhi} "
                         "times", m=len(worded), rlo=formats.fmt(worded["ratio"].min()),
                         rhi=formats.fmt(worded["ratio"].max())) if len(worded) > 1
        else report.say("the one figure given as a range or in words has an interval {r} times",
                        r=formats.fmt(worded["ratio"].max())),
        fig=figure(top["figure_id"]), w0=formats.fmt(top["width_sampling"]),
        w1=formats.fmt(top["width_with_range"])))
display(*sentences)

# %%
display(*[report.say(
    "**{fig}** is a bound, not a point: with sampling error the share lies between {lo}% and "
    "{hi}% ({level}, {method}).", fig=figure(r.figure_id), lo=formats.fmt(r.ci_low),
    hi=formats.fmt(r.ci_high), level=level,
    method="exact, Clopper-Pearson on the effective sample size" if r.method == "beta"
    else "Wilson") for r in bounds.itertuples()])

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per figure of the tidy table: its id, the kind of source
# (essay, primary or secondary), wave, question, answer, breakdown and group, the text as
# published, its point and the range the text allows (low, high) with the rule that read it,
# the interviews in the wave and whether that number is an assumption, the group's share of
# the sample (derived; empty when unknown) and where it comes from, the group's interviews
# (share times the wave's) and effective interviews (divided by the design effect), the design
# effect, the interval (percent; empty when the group's size is unknown), its method (Wilson,
# "beta" for exact Clopper-Pearson on the effective sample size, or "not computed") and a note.

# %%
print("wrote", report.save_table(table, run))

# %% [markdown]
# ## What these intervals rest on
# Sampling error is only a floor on the total error of a poll in Russia: refusals and
# guarded answers on political questions can shift shares by more than these intervals.

# %%
used_waves = sorted(tidy["wave"].unique())
waves_assumed = [w for w in used_waves if meta["waves"][w]["n_assumed"]]
report.say("{kinds} The number of interviews of {k} of the {m} waves used here ({waves}) is an "
           "assumption{override}.",
           kinds=figures.kind_sentence(tidy, sources), k=len(waves_assumed), m=len(used_waves),
           waves=", ".join(waves_assumed) or "none",
           override="" if n is None else report.say(
               " (every wave's is set to {n} as a parameter of this run)", n=n))

# %%
report.show(load.load_gaps(), index="id")
