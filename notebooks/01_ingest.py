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
# # 01 · The published figures: where each comes from, and where two sources meet
#
# Every survey figure this project uses, as the pollster, the essay or another outlet published
# it, checked and kept with its source. The pollster is Levada Center (its own releases); the
# essay is the text this project re-examines; other outlets report the polls second-hand. Each
# figure is read as the range of true values its wording allows (a rounded number, a range, a
# fraction in words); nothing here changes a published figure. What the page finds comes first;
# the tables behind it follow.

# %% tags=["parameters"]
run = "01_ingest"  # report name (set by make)

# %% [markdown]
# ## Load inputs
# **Reads** every `data/raw/*_figures.csv`, `data/raw/sources.csv` and `data/raw/metadata/`.
# **Writes** `data/processed/figures.csv`: one row per source and cell, with the figure as
# published, its point and the interval of true values its wording allows.
#
# Loading validates: every figure has a known source, wave, question, option and subgroup;
# shares lie in 0-100; ids are unique; where both a number and words are given they agree. A
# figure that fails any check stops the build, naming its file and line.

# %%
from chasm import formats, report
from chasm.data import figures, load, worded, write

raw = load.load_figures()
sources = load.load_sources()
meta = load.load_metadata()
tidy = load.tidy_figures(raw)
shared = figures.shared_cells(tidy)
kinds = figures.kind_counts(tidy, sources)
choices = figures.best_texts(tidy, sources, meta)
gaps = load.load_gaps()
outlet = figures.outlets(sources)


def answer(question, option):
    """An answer by its label in the metadata ("traitors and betrayers of the Motherland")."""
    return meta["questions"][question]["options"][option].get("label", option)


def group(var, subgroup):
    """A group by its labels ("age group 18-24"); empty for the whole sample."""
    if var == "all":
        return ""
    spec = meta["subgroups"][var]
    return f"{spec.get('label', var)} {spec['groups'].get(subgroup, {}).get('label', subgroup)}"


def pair_sentence(row):
    """One cell two sources speak to: who says what, whether both can be right, how far apart."""
    verdict = ("can both be right" if row.agree
               else report.say("**cannot both be right** (their ranges are {gap} points apart)",
                               gap=formats.fmt(row.gap)))
    where = group(row.subgroup_var, row.subgroup)
    return report.say(
        "**{wave}, '{answer}'{where}:** {name_a} ({kind_a}, figure {fig_a}) says {text_a}; "
        "{name_b} ({kind_b}, figure {fig_b}) says {text_b}. Under the wording rule they "
        "{verdict}; their points differ by {diff} points.",
        wave=row.wave, answer=answer(row.question, row.option),
        where=f", {where}" if where else "", name_a=outlet.get(row.source_a, row.source_a),
        kind_a=row.kind_a, fig_a=row.figure_a, text_a=row.text_a,
        name_b=outlet.get(row.source_b, row.source_b), kind_b=row.kind_b, fig_b=row.figure_b,
        text_b=row.text_b, verdict=verdict, diff=formats.fmt(abs(row.point_diff)))


# %% [markdown]
# ## What this page finds

# %%
by_kind = dict(zip(kinds["kind"], kinds["figures"], strict=True))
second_hand = int(tidy["source_kind"].isin(["essay", "secondary"]).sum())
found = [report.say(
    "- **{k} published figures** from {s} sources, every one valid: {hand} of them are "
    "second-hand (the essay's quotations and others' reports), {own} come from the pollster's "
    "own releases ([where they come from](#where-the-figures-come-from)).",
    k=len(tidy), s=tidy["source_id"].nunique(), hand=second_hand,
    own=by_kind.get("primary", 0))]
if len(shared):
    agree = int(shared["agree"].sum())
    found.append(report.say(
        "- **Two sources give a figure for the same cell {m} times; in {a} of them both can be "
        "right** under the wording rule, though their points differ by up to {d} points "
        "([the cells](#where-two-sources-give-the-same-cell-can-both-be-right)).",
        m=len(shared), a=agree if agree < len(shared) else f"all {agree}",
        d=formats.fmt(shared["point_diff"].abs().max())))
else:
    found.append(report.say("- **No cell has figures from two sources.**"))
found.append(report.say(
    "- **Where a page needs one figure per cell, the declared choice {what}** "
    "([the rule](#one-figure-per-cell-which-one-the-declared-rule-takes)).",
    what=report.say("matters in {n} cell{s}", n=len(choices), s="s" if len(choices) != 1
                    else "") if choices else "never has to pick between figures that disagree"))
found.append(report.say(
    "- **{g} things these data cannot tell** are listed once for every page "
    "([what is missing](#what-these-data-cannot-tell)).", g=len(gaps)))
display(*found)

# %% [markdown]
# ## Every figure passed the checks
# One row per source and cell: the figure as published, its point and the range of true values
# its wording allows (low to high), and where in the raw files it stands.

# %%
report.say(
    "{k} figures in {f} files passed every check, and so did the list of {s} sources (of the "
    "figures and of the project's other inputs). Worded figures are read by "
    "one rule: a published number carries ±{r} point of rounding, a range such as \"35-40%\" "
    "covers its ends ±{r}, a fraction in words (\"about a third\") covers ±{w} points around "
    "the fraction, and \"no more than\" a share is a bound with no point.",
    k=len(raw), f=raw["file"].nunique(), s=len(sources), r=formats.fmt(worded.ROUNDING),
    w=formats.fmt(worded.WORD_TOLERANCE, 0))

# %%
report.show(tidy.drop(columns=["note"]), digits=1, index="figure_id")

# %% [markdown]
# ## Save outputs

# %%
print("wrote", write.write_processed(tidy, "figures"))

# %% [markdown]
# ## Where the figures come from
# Each source is of one kind: *primary* (the pollster's own publication), *essay* (the text
# this project re-examines) or *secondary* (someone else's report of a poll); each is named by
# its outlet and publication date. The second table counts the figures of each question by
# kind of source.

# %%
report.say("{text}", text=figures.kind_sentence(tidy, sources))

# %%
report.show(sources[["source_id", "kind", "publisher", "published", "title"]], index="source_id")

# %%
report.show(tidy.pivot_table(index="question", columns="source_kind", values="figure_id",
                             aggfunc="count", fill_value=0)
            .rename_axis(columns=None).reset_index(), index="question")

# %% [markdown]
# ## Where two sources give the same cell, can both be right?
# Two sources agree when the ranges of true values their wording allows overlap: both can then
# be right. The wording rule can make two figures compatible that differ by several points, so
# each pair is shown with both figures as published.

# %%
if len(shared):
    apart = shared["point_diff"].abs()
    display(report.say(
        "In {which} cells two sources share, both figures can be right{but}; their points "
        "differ by {lo} to {hi} points.",
        which=report.say("all {m}", m=len(shared)) if shared["agree"].all() else report.say(
            "{a} of the {m}", a=int(shared["agree"].sum()), m=len(shared)),
        but="" if shared["agree"].all() else report.say(
            ", in {k} they cannot", k=int((~shared["agree"]).sum())),
        lo=formats.fmt(apart.min()), hi=formats.fmt(apart.max())))

# %%
report.show(shared[["wave", "option", "figure_a", "kind_a", "text_a", "figure_b", "kind_b",
                    "text_b", "point_diff", "gap", "agree"]])

# %%
display(*[pair_sentence(row) for row in shared.itertuples()])

# %% [markdown]
# ## One figure per cell: which one the declared rule takes
# Where a page needs one figure per cell it takes one by a declared rule; the other figures of
# the cell stay in the table above and are shown beside it wherever they matter.

# %%
report.say("The rule: {policy}. The last step only makes the choice reproducible; it ranks "
           "no figure by merit.", policy=figures.policy_text())

# %%
display(*([report.say("{text}", text=t) for t in choices]
          or [report.say("In no cell does the choice matter: where sources share a cell they can "
                         "all be right, and a number or the kind of source decides.")]))

# %% [markdown]
# ## What these data cannot tell
# These gaps stay visible in every report that draws conclusions.

# %%
report.show(gaps, index="id")
