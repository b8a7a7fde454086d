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
# # 01 · Ingest: the published figures, validated and tidied
#
# **Reads** every `data/raw/*_figures.csv`, `data/raw/sources.csv` and `data/raw/metadata/`.
# **Writes** `data/processed/figures.csv`: one row per source and cell, with the figure as
# published, its point and the interval of true values its wording allows.
#
# Nothing here changes a published figure. Worded figures ("about a third", "35-40%") are read
# by one documented rule (`chasm.data.worded`): a number carries ±0.5 point of rounding, a range
# covers its ends ±0.5, a fraction in words covers ±5 points around the fraction.

# %% tags=["parameters"]
run = "01_ingest"  # report name (set by make)

# %%
from chasm import report
from chasm.data import figures, load, write

# %% [markdown]
# ## Load inputs
# Loading validates: every figure has a known source, wave, question, option and subgroup;
# shares lie in 0-100; ids are unique; where both a number and words are given they agree.

# %%
raw = load.load_figures()
sources = load.load_sources()
meta = load.load_metadata()
print(f"{len(raw)} figures from {raw['file'].nunique()} files, {len(sources)} sources: all valid")

# %% [markdown]
# ## Compute: the tidy table

# %%
tidy = load.tidy_figures(raw)
report.show(tidy.drop(columns=["note"]), digits=1, index="figure_id")

# %% [markdown]
# ## Save outputs

# %%
print("wrote", write.write_processed(tidy, "figures"))

# %% [markdown]
# ## Where the figures come from
# Each source's kind (*essay*, *primary*: the pollster's own publication, *secondary*: someone
# else's report of it) and outlet are in `data/raw/sources.csv`.

# %%
report.say("{text}", text=figures.kind_sentence(tidy, sources))

# %%
report.show(sources[["source_id", "kind", "publisher", "published", "title"]], index="source_id")

# %%
report.show(figures.by_kind(tidy), index="question")

# %% [markdown]
# ## Cells where two sources speak
# Two sources agree when the intervals their wording allows overlap: both can then be right.

# %%
shared = figures.shared_cells(tidy)
report.show(shared[["wave", "option", "figure_a", "kind_a", "text_a", "figure_b", "kind_b",
                    "text_b", "point_diff", "gap", "agree"]])

# %%
display(*figures.shared_cell_sentences(shared, sources))

# %% [markdown]
# Where a report needs one figure per cell it takes one by a fixed rule (`chasm.data.figures.best`):
# a published number before words, then the pollster's own releases before the essay before
# secondary sources, then the lower figure id. Where that choice matters (the figures cannot
# all be right, or nothing but the id decided):

# %%
display(*(figures.best_sentences(tidy, sources)
          or [report.say("In no cell does the choice matter: where sources share a cell they can "
                        "all be right, and a number or the kind of source decides.")]))

# %% [markdown]
# ## What is missing
# These gaps stay visible in every report that draws conclusions.

# %%
report.show(load.load_gaps(), index="id")
