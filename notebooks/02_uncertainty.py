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
# # 02 · Uncertainty: how precise is each published figure?
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's sampling-error table
# `data/raw/levada_error_table.csv`, the Rosstat population by age, Levada's monthly Putin
# approval series and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per figure: its interval and where the
# number of interviews behind it comes from) and the figure `reports/figures/<run>-intervals`.
#
# Levada's samples are clustered and weighted, so 1,600 interviews are worth fewer simple
# random ones. How many fewer, Levada's own error table says: the design effect (deff) it
# implies turns N into an effective sample size n_eff = N / deff, and every interval here is
# computed on n_eff (Wilson; Korn-Graubard near 0% and 100%). A figure given in words or
# rounded is a range of possible values; its interval is the union of the intervals over that
# range.

# %% tags=["parameters"]
run = "02_uncertainty"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of the intervals (0.05 gives 95% intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import figures, io, plots, report, uncertainty
from chasm.stats import design, intervals

report.check_params(deff=deff, alpha=alpha, n=n)
level = f"{100 * (1 - alpha):g}%"  # e.g. "95%"

# %% [markdown]
# ## Load inputs

# %%
tidy = figures.load()
meta = io.load_metadata()
errors = io.load_error_table()
population = io.load_population()
approval = io.load_approval()
whole_sample = tidy["subgroup_var"] == "all"
report.say("{k} published figures ({w} for the whole sample, {s} for subgroups) from {q} "
           "questions and {v} waves.", k=len(tidy), w=int(whole_sample.sum()),
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
           ls=report.fmt(est.deff, 2), lo=report.fmt(est.deff_low, 2),
           hi=report.fmt(est.deff_high, 2), n=report.fmt(est.n, 0),
           neff=report.fmt(est.n_eff, 0), pub=report.fmt(at_50.iloc[0]),
           ratio=report.fmt(np.sqrt(est.rows.loc[at_50.index[0], "deff"]), 2),
           srs=report.fmt(est.rows.loc[at_50.index[0], "srs_error_pct"], 2))

# %%
choice = ("the least-squares value from Levada's table" if deff is None
          else "set by the `deff` parameter")
report.say("This report uses **deff = {d}** ({choice}), so n_eff = {neff} for a wave of {n} "
           "interviews, and {level} intervals.", d=report.fmt(deff_used, 2), choice=choice,
           neff=report.fmt(n_eff_used, 0), n=report.fmt(est.n, 0), level=level)

# %% [markdown]
# ## Compute: every figure with its interval
# **How many interviews stand behind each figure.** The whole sample is the wave's N (1600,
# Levada's standard design, is assumed: the two waves' N are not published). A subgroup's N is
# never published either; it is taken as w · N, with w the group's share of the sample:
# for age bands the population share (Rosstat, 1 January 2024, people 18 and older); for
# approval of Putin the share approving / disapproving / not answering in Levada's monthly
# series for the wave's month (`approval_month` in `metadata/waves.yaml`). For other
# breakdowns (direction of the country, trusted source) no source gives the group's size: their
# interval is left empty rather than computed from an invented size
# (`chasm.uncertainty.subgroup_sizes`).
#
# **The interval** (`chasm.stats.intervals.share_interval`) is Wilson on n_eff, Korn-Graubard
# (exact, on n_eff) where the possible values reach 5% or 95%, and the union over the range the
# figure's text allows: ±0.5 for a rounded number, the ends ±0.5 for a range like "35-40%",
# ±5 points for a fraction in words, and for "no more than x%" only the upper end.
# Subgroups get the same deff as the whole sample: conservative, since Levada's table is an
# upper bound and the weighting part of a design effect does not shrink in subgroups.

# %%
sizes = uncertainty.subgroup_sizes(tidy, meta, population, approval, n=n)
ci = uncertainty.figure_intervals(tidy, sizes["n_group"], deff_used, alpha)
table = pd.concat([
    tidy[["figure_id", "source_kind", "wave", "question", "option", "subgroup_var", "subgroup",
          "value_text", "point", "low", "high", "rule"]],
    sizes[["n_wave", "n_assumed", "w", "weight_source"]],
    sizes[["n_group"]].rename(columns={"n_group": "n"}),
    ci[["n_eff", "ci_low", "ci_high", "method"]],
    sizes[["note"]],
], axis=1)
table.insert(table.columns.get_loc("ci_low"), "deff", deff_used)
shown = table.assign(**{"w (%)": 100 * table["w"]})
report.show(shown[["figure_id", "source_kind", "wave", "option", "subgroup", "value_text",
                   "point", "w (%)", "n", "n_eff", "ci_low", "ci_high", "method"]],
            digits=1, index="figure_id")

# %% [markdown]
# `w` and `n` are derived (population or approval shares times the assumed N), never
# published. Where the size of a group is unknown or only approximated, the table says so:

# %%
notes = table[table["note"] != ""]
for note, group in notes.groupby("note", sort=True):
    display(report.say("**{ids}** ({what}): {note}.",
                       ids=", ".join(group["figure_id"]),
                       what="; ".join(f"{r.wave} {r.option}, {r.subgroup_var} = {r.subgroup}"
                                      for r in group.itertuples()),
                       note=note))

# %% [markdown]
# ## How much the design effect matters
# Half-width (points) of the interval at 50% for a whole wave, and of every "traitors" figure
# whose size is known (rounding and wording included, as in the table above), for a range of
# design effects: 1 is simple random sampling (what a naive reading assumes), Levada's table
# gives the least-squares value, 2.5 is a pessimistic design.

# %%
# The grid of chasm.stats.design.DEFF_SENSITIVITY, with its rounded Levada value replaced by the
# exact least-squares one, plus the deff this run uses.
deffs = [est.deff if abs(d - est.deff) < 0.05 else d for d in design.DEFF_SENSITIVITY]
deffs = sorted(set(deffs) | {deff_used})
n_ref = float(n if n is not None else sizes.loc[tidy["subgroup_var"] == "all", "n_wave"].mode()
              .iloc[0])


def deff_label(d: float) -> str:
    tag = " (Levada LS)" if d == est.deff else ""
    return f"deff {d:.2f}{tag}"


traitors = tidy[(tidy["option"] == "traitors") & sizes["n_group"].notna()]
sens_rows = [{"figure": f"reference: 50% at N = {n_ref:.0f}", "source_kind": "",
              "value_text": "50%"}]
sens_rows += [{"figure": f"{r.figure_id} · {r.wave} · "
                         + ("whole sample" if r.subgroup_var == "all"
                            else f"{r.subgroup_var} = {r.subgroup}"),
               "source_kind": r.source_kind, "value_text": r.value_text}
              for r in traitors.itertuples()]
sensitivity = pd.DataFrame(sens_rows)
for d in deffs:
    ref = intervals.share_interval(50.0, n_ref, d, alpha).iloc[0]
    fig_ci = uncertainty.figure_intervals(traitors, sizes.loc[traitors.index, "n_group"], d,
                                          alpha)
    half = (fig_ci["ci_high"] - fig_ci["ci_low"]) / 2
    sensitivity[deff_label(d)] = [(ref["ci_high"] - ref["ci_low"]) / 2, *half]
report.show(sensitivity, digits=1, index="figure")

# %%
ref_row = sensitivity.iloc[0]
ls_col = deff_label(est.deff)
widest = (traitors.iloc[int(np.argmax(sensitivity[ls_col].iloc[1:].to_numpy()))]
          if len(traitors) else None)
if widest is not None:
    subgroup_text = ("In subgroups the design effect divides an already small n: the widest "
                     f"\"traitors\" interval, {widest['figure_id']} ({widest['subgroup_var']} "
                     f"{widest['subgroup']}, \"{widest['value_text']}\", "
                     f"{widest['source_kind']}), is "
                     f"±{report.fmt(sensitivity.iloc[1:][ls_col].max())} points at Levada's "
                     "deff.")
else:
    subgroup_text = ""
report.say("At 50% for a whole wave the {level} interval is ±{srs} points if the sample were "
           "simple random, ±{ls} at Levada's deff {d} (the table itself prints {pub}) and ±{hi} "
           "at deff {dmax}: ignoring the design makes every interval about {shrink}% too "
           "narrow. {subgroup_text}",
           level=level, srs=report.fmt(ref_row[deff_label(1.0)]),
           ls=report.fmt(ref_row[deff_label(est.deff)]), d=report.fmt(est.deff, 2),
           pub=report.fmt(at_50.iloc[0]), hi=report.fmt(ref_row[deff_label(max(deffs))]),
           dmax=report.fmt(max(deffs), 1),
           shrink=report.fmt(100 * (1 - ref_row[deff_label(1.0)]
                                    / ref_row[deff_label(est.deff)]), 0),
           subgroup_text=subgroup_text)

# %% [markdown]
# ## Where rounding and wording matter
# The same interval computed at the published point alone (sampling error only) and over the
# range the text allows. For whole numbers the difference is the ±0.5 rounding; for "35-40%",
# "about half", "a third", "nine out of ten" it is the wording.

# %%
samp = uncertainty.figure_intervals(tidy, sizes["n_group"], deff_used, alpha, ranges=False)
widths = tidy[["figure_id", "source_kind", "wave", "option", "subgroup", "value_text",
               "rule"]].copy()
widths["width_sampling"] = samp["ci_high"] - samp["ci_low"]
widths["width_with_range"] = ci["ci_high"] - ci["ci_low"]
widths["added_by_range"] = widths["width_with_range"] - widths["width_sampling"]
widths["ratio"] = widths["width_with_range"] / widths["width_sampling"]
widths = widths[widths["width_sampling"].notna()]
worded = widths[widths["rule"] != "number"].sort_values("ratio", ascending=False)
report.show(worded, digits=1, index="figure_id")

# %%
numbers = widths[widths["rule"] == "number"]
rounding_share = 100 * (numbers["added_by_range"] / numbers["width_with_range"]).max()
rounding_text = report.say(
    "For the {k} figures published as whole numbers, rounding adds {lo}-{hi} points (median "
    "{med}) to intervals {wlo}-{whi} points wide, at most {share}% of an interval's width: "
    "{reading}.", k=len(numbers), lo=report.fmt(numbers["added_by_range"].min()),
    hi=report.fmt(numbers["added_by_range"].max()),
    med=report.fmt(numbers["added_by_range"].median()),
    share=report.fmt(rounding_share, 0),
    reading="sampling error dominates" if rounding_share < 25 else "rounding is not negligible",
    wlo=report.fmt(numbers["width_with_range"].min()),
    whi=report.fmt(numbers["width_with_range"].max()))
display(rounding_text)
if len(worded):
    top = worded.iloc[0]
    display(report.say(
        "Wording is not small: the {m} figures given as ranges or words have intervals {rlo}-{rhi} "
        "times as wide as sampling alone would give. {id} ({kind}, {wave} {opt}, \"{text}\") "
        "widens from {w0} points of sampling error alone to {w1} points once the range its "
        "wording allows is included.", m=len(worded), rlo=report.fmt(worded["ratio"].min()),
        rhi=report.fmt(worded["ratio"].max()), id=top["figure_id"], kind=top["source_kind"],
        wave=top["wave"], opt=top["option"], text=top["value_text"],
        w0=report.fmt(top["width_sampling"]), w1=report.fmt(top["width_with_range"])))

# %%
for r in table[table["point"].isna() & table["ci_high"].notna()].itertuples():
    display(report.say("**{id}** ({kind}, {wave} {opt}) says \"{text}\": there is no point, only "
                       "a bound. With sampling error the share lies between {lo}% and {hi}% "
                       "({level}, {method}).", id=r.figure_id, kind=r.source_kind,
                       wave=r.wave, opt=r.option, text=r.value_text,
                       lo=report.fmt(r.ci_low), hi=report.fmt(r.ci_high), level=level,
                       method="Korn-Graubard" if r.method == "beta" else r.method))

# %% [markdown]
# ## Every whole-sample figure with its interval
# One row per figure (subgroup figures are in the table above). The thin line is the interval,
# the thick pale bar the range the text itself allows, the dot the published point; colours
# give the source kind.

# %%
plots.theme()
whole = table[(table["subgroup_var"] == "all") & table["ci_low"].notna()].copy()
whole = whole.sort_values(["question", "option", "wave", "figure_id"], ascending=False)
whole["label"] = whole["wave"] + " · " + whole["option"] + " (" + whole["figure_id"] + ")"
fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(whole) + 1.2))
y = np.arange(len(whole))
colours = whole["source_kind"].map(plots.SOURCE_PALETTE).tolist()
ax.hlines(y, whole["low"], whole["high"], colors=colours, linewidth=7, alpha=0.3)
ax.hlines(y, whole["ci_low"], whole["ci_high"], colors=colours, linewidth=1.6)
has_point = whole["point"].notna().to_numpy()
ax.scatter(whole["point"][has_point], y[has_point], s=22, zorder=3,
           c=[c for c, keep in zip(colours, has_point, strict=True) if keep])
ax.set_yticks(y, whole["label"])
ax.set_xlim(0, 100)
ax.set_xlabel(f"percent of respondents ({level} interval, deff {deff_used:.2f})")
for kind in [k for k in plots.SOURCE_PALETTE if k in set(whole["source_kind"])]:
    ax.plot([], [], color=plots.SOURCE_PALETTE[kind], marker="o", label=kind)
ax.legend(title="source", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
ax.set_title("Published figures with their intervals (whole sample)")
plots.save_figure(fig, whole[["figure_id", "label", "source_kind", "value_text", "point", "low",
                              "high", "ci_low", "ci_high", "method"]], run, "intervals")

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per figure of the tidy table: `figure_id`,
# `source_kind` (essay / primary / secondary), `wave`, `question`, `option`, `subgroup_var`,
# `subgroup`, `value_text` (as published), `point`, `low`, `high` (the range the text allows),
# `rule` (how the text was read), `n_wave` (interviews in the wave) and `n_assumed` (True: N is
# an assumption), `w` (the group's share of the sample, derived; NaN when unknown),
# `weight_source`, `n` (= w · n_wave, derived), `n_eff` (= n / deff), `deff`, `ci_low`,
# `ci_high` (the interval, percent; NaN when the group's size is unknown), `method` (wilson,
# beta = Korn-Graubard, or "not computed") and `note`.

# %%
print("wrote", report.save_table(table, run))

# %% [markdown]
# ## What these intervals rest on
# Sampling error is only a floor on the total error of a poll in Russia: refusals and
# guarded answers on political questions can shift shares by more than these intervals.

# %%
kinds = tidy["source_kind"].value_counts()
waves_assumed = sorted(w for w, m in meta["waves"].items() if m["n_assumed"])
report.say("Of the {total} figures, {essay} are the essay's quotation of Levada tables we could "
           "not retrieve and {secondary} come from a secondary summary: they are second-hand. "
           "{primary} come from Levada's own English releases. The N of every wave used here "
           "({waves}) is an assumption{override}.", total=len(tidy),
           essay=int(kinds.get("essay", 0)), secondary=int(kinds.get("secondary", 0)),
           primary=int(kinds.get("primary", 0)), waves=", ".join(waves_assumed),
           override="" if n is None else f" (set to {n} by the `n` parameter)")

# %%
report.show(io.load_gaps(), index="id")
