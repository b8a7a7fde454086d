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
# # 09 · Methods: what a survey methodologist would add
#
# The other reports test each change with sampling error and rounding. Four questions they
# leave open, asked of every comparison the analysis plan gives a role (by default its
# confirmatory ones, read from the plan): **(a)** how probable is the change, and a change as
# large as the essay's, once each published figure is known only to lie in its rounding
# interval? **(b)** how much wave-level error (beyond sampling) would flip each verdict, and
# how much does Levada's own monthly tracker show? **(c)** if the true change is of a
# plausible size, how often would a design like this find it, and by how much would a
# significant estimate overstate it? **(d)** how much of the change could a change in the
# sample's composition by Putin approval explain? What they answer comes first.

# %% tags=["parameters"]
run = "09_methods"  # report name (set by make)
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate (0.05 gives 95% intervals and credible intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
role = "confirmatory"  # which of the plan's comparisons to examine (its role in data/plan.yaml)
plausible_changes = [1.0, 2.0, 3.0, 4.0, 5.0]  # true changes (points) for the design analysis
tracker_option = "approve"  # option of Levada's monthly approval series used to estimate tau
breakdown = "putin_approval"  # breakdown variable of the composition analysis

# %%
import pandas as pd

from chasm import formats, report, tables
from chasm.analysis import methods, plan, series
from chasm.data import figures, load
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
level = formats.fmt_level(alpha)  # e.g. "95%"
e = report.inert  # every piece of text that comes from the data passes through here
signed = formats.fmt_signed

# %% [markdown]
# ## Load inputs
# The tidy figures (01_ingest), the analysis plan, Levada's error table (design effect), its
# monthly approval series (the tracker and the approval split), the sources, the population
# and the metadata. Each table below is computed here, by the package's tested functions.

# %%
analysis = plan.load_plan()
tidy = figures.load()
meta = load.load_metadata()
approval = load.load_approval()
est = design.deff_from_error_table(load.load_error_table())
deff_used = est.deff if deff is None else float(deff)
tests = methods.comparisons(analysis, tidy, meta, deff_used, n, role)
post = methods.posterior_table(tests, role, alpha)  # stats.posterior.change_posterior
taus = methods.tau_table(tests, role, alpha)  # stats.nonsampling.tipping_tau
monthly = methods.tracker_series(approval, meta, load.load_sources(), load.load_population(),
                                 tracker_option, int(est.n))
tracker = methods.tracker_tau(monthly, deff_used)  # stats.nonsampling.tau_from_tracker
design_rows = methods.design_table(tests, role, plausible_changes, alpha)  # retrodesign
decomp = methods.decomposition_table(tests, role, tidy, meta, approval, breakdown)
breakdown_label = meta["subgroups"].get(breakdown, {}).get("label", breakdown)
tracker_label = series.APPROVAL_OPTIONS.get(tracker_option, tracker_option)
whole = tracker.iloc[0]  # the tracker's whole series


def direction(row):
    """'fall' or 'rise': the published direction of a change (a change of 0 counts as a rise,
    as the posterior table says)."""
    return row["direction"].split(" ")[0]


def points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def ids_of(frame):
    """The comparisons of a table's rows as the table names them (:func:`shown_id`)."""
    return tables.labels_of("comparison_id", frame["comparison_id"])


def shown_id(cid):
    """A comparison (its id, or a row with one) as the tables below name it: its waves and
    claim, not its plan id."""
    cid = cid["comparison_id"] if isinstance(cid, dict) else cid
    return tables.labels_of("comparison_id", [cid])[0]


# %% [markdown]
# ## What a methodologist adds

# %%
found = []
for r in post.to_dict("records"):
    cid = r["comparison_id"]
    tau = taus.set_index("comparison_id").loc[cid]
    tip = tau["tipping tau (points)"]
    power = design_rows[design_rows["comparison_id"] == cid].iloc[-1]
    comp = decomp[decomp["comparison_id"] == cid]
    text = (f"- **{e(r['answer'])}** ({e(r['text_1'])} → {e(r['text_2'])}, {e(shown_id(cid))}): "
            f"P({direction(r)}) = {r['P(change in that direction)']:.3f}, {level} credible "
            f"interval {signed(r['credible low (points)'], 2)} to "
            f"{signed(r['credible high (points)'], 2)} points; ")
    bound = whole["tau upper bound (points)"]
    text += (f"significant after adjustment only while the wave-level SD stays below "
             f"**{tip:.2f} points** (Levada's tracker: at most {bound:.2f})"
             if tau["significant"] else "not significant after adjustment even without any "
             "wave-level error")
    text += (f"; power {power['power']:.2f} for a true change of "
             f"{points(power['plausible true change (points)'])}")
    if len(comp):
        c = comp.iloc[0]
        change = c["published change (points)"]
        toward = c["composition, low (points)"] if change < 0 else c["composition, high (points)"]
        if change != 0:
            text += (f"; a change in the split by {e(breakdown_label)} could explain at most "
                     f"{100 * max(0.0, toward / change):.0f}% of it")
    found.append(text + ".")
report.markup("\n".join(found) if found else
              f"The plan has no comparison of role {e(role)} with figures to examine.")

# %%
report.say("Comparisons examined: the plan's **{role}** ones ({ids}). Design effect **{d}** "
           "({choice}); {level} intervals.", role=role,
           ids="; ".join(map(shown_id, tests.loc[tests["role"] == role, "comparison_id"])),
           d=formats.fmt(deff_used, 2),
           choice=("least squares from Levada's error table" if deff is None
                   else "set by the deff parameter"), level=level)

# %% [markdown]
# ## (a) How probable is each change, with rounding as a latent interval?

# %%
parts = ["**" + e("; ".join(
    f"P({direction(r)}) = {r['P(change in that direction)']:.3f} for {r['answer']}"
    for r in post.to_dict("records")) or "No change to examine") + "**."]
for r in post.to_dict("records"):
    d = direction(r)
    parts.append(
        f"**{e(r['answer'])}** ({e(r['text_1'])} → {e(r['text_2'])}, {e(shown_id(r))}): "
        f"P({d}) = {r['P(change in that direction)']:.3f}; "
        f"P({d} > {r['smallest size the figures allow (points)']:g} points, the least the "
        f"published figures allow) = {r['P(beyond the smallest size)']:.2f}; "
        f"P({d} > {abs(r['published change (points)']):g} points, the published size) = "
        f"{r['P(beyond the published size)']:.2f}; {level} credible interval "
        f"{signed(r['credible low (points)'], 2)} to {signed(r['credible high (points)'], 2)} "
        "points.")
report.markup(" ".join(parts))

# %%
report.show(post[["comparison_id", "answer", "text_1", "text_2", "published change (points)",
                  "P(change in that direction)", "smallest size the figures allow (points)",
                  "P(beyond the smallest size)", "P(beyond the published size)",
                  "credible low (points)", "credible high (points)"]],
            digits=3, index="comparison_id",
            labels={"comparison_id": ids_of(post)})

# %% [markdown]
# How: each published figure is taken for what its text says: the unrounded sample share lies
# somewhere in its rounding interval (or a worded figure's range), uniformly; given it, the
# true share has the flat-prior posterior on effective counts n / deff (exact quadrature).
# "The smallest size the figures allow" is the least change in the published direction the
# two ranges admit (43% and 37%: 42.5 − 37.5 = 5 points).

# %% [markdown]
# ## (b) Wave-level error: where each verdict flips, and what the tracker shows

# %%
flips = taus[taus["significant"]]
parts = ["**" + e(
    "; ".join(f"The {a} verdict flips at a wave-level SD of {t:.2f} points"
              for a, t in zip(flips["answer"], flips["tipping tau (points)"], strict=True))
    + f"; Levada's tracker shows at most {whole['tau upper bound (points)']:.2f}"
    if len(flips) else "No verdict is significant even without wave-level error") + "**."]
for r in taus.to_dict("records"):
    if r["significant"]:
        parts.append(f"the {e(r['answer'])} change ({e(shown_id(r))}) stays significant "
                     "after adjustment only while the wave-level SD is below "
                     f"**{r['tipping tau (points)']:.2f} points**")
    else:
        parts.append(f"the {e(r['answer'])} change ({e(shown_id(r))}) is not "
                     "significant after adjustment even without any wave-level error")
est_tau = whole["tau estimate (points)"]
noise, samp = whole["noise variance (points²)"], whole["sampling variance (points²)"]
if est_tau == 0:
    est_text = (f"the month-to-month noise (variance {noise:.2f} points²) is no larger than "
                f"sampling and rounding error ({samp + whole['rounding variance (points²)']:.2f} "
                "points² at this design effect), so it shows no wave-level error at all "
                "(estimated τ = 0)"
                + (" and is even smaller than the design effect implies" if noise < samp else ""))
elif pd.notna(est_tau) and est_tau != float("inf"):
    est_text = (f"the month-to-month scatter beyond sampling and rounding error suggests τ ≈ "
                f"{est_tau:.2f} points")
else:
    est_text = "the tracker's differences give no usable estimate"
report.markup(
    parts[0] + " With a wave-level error of SD τ in every figure of a wave, "
    + "; ".join(parts[1:])
    + f". In Levada's own monthly tracker (\"{e(tracker_label)}\", {e(whole['from'])} to "
    f"{e(whole['to'])}), {est_text}; the model-free upper bound, which counts every real "
    f"monthly movement as error, is {whole['tau upper bound (points)']:.2f} points (the other "
    "windows are in the table). The tracker is one question asked every month; an omnibus "
    "question asked once a year may carry more wave-level error than it, never less sampling "
    "error.")

# %%
report.show(taus[["comparison_id", "answer", "family", "p_adjusted", "tipping tau (points)"]],
            digits=3, index="comparison_id",
            labels={"comparison_id": ids_of(taus)})

# %%
report.show(tracker[["window", "from", "to", "monthly changes", "tau estimate (points)",
                     "tau upper bound (points)"]], digits=3, index="window")

# %% [markdown]
# How: a wave-level error (fieldwork, context, interviewers: anything shared by every answer
# of one wave) of SD τ adds 2τ² to the variance of a change. The tipping τ is where the
# verdict's own test (sampling variance of the score test plus rounding as noise, adjusted
# within the plan's family, every member with the same τ) reaches α. The tracker's
# month-to-month changes say how much noise its monthly figures carry: with the real movement
# a random walk, the noise variance is minus the lag-1 autocovariance of the changes; τ² is
# what sampling (at the same design effect) and rounding leave of it. The upper bound counts
# every real movement as noise. The variances behind each window are in the saved table.

# %% [markdown]
# ## (c) Design analysis: power, sign and exaggeration

# %%
largest = design_rows.groupby("comparison_id", sort=False).tail(1)
parts = ["**" + e(
    "Power for a true change of " + points(largest["plausible true change (points)"].iloc[0])
    + ": " + "; ".join(f"{p:.2f} ({a})" for a, p in zip(largest["answer"], largest["power"],
                                                          strict=True))
    if len(largest) else "No design to analyse") + "**."]
for cid, rows in design_rows.groupby("comparison_id", sort=False):
    small, large = rows.iloc[0], rows.iloc[-1]
    parts.append(
        f"For {e(small['answer'])} ({e(shown_id(cid))}; standard error "
        f"{small['standard error (points)']:.2f} points) the design has power "
        f"{small['power']:.2f} if the true change is "
        f"{points(small['plausible true change (points)'])}, and a significant estimate would "
        f"then overstate it {small['exaggeration ratio']:.1f}-fold on average (type S error "
        f"{small['type S error']:.3f}); at {points(large['plausible true change (points)'])}, "
        f"power {large['power']:.2f} and exaggeration {large['exaggeration ratio']:.2f}, so a "
        f"significant estimate is expected to be about "
        f"{large['expected significant size (points)']:.1f} points even then.")
report.markup(" ".join(parts))

# %%
report.show(design_rows[["comparison_id", "answer", "plausible true change (points)", "power",
                         "type S error", "exaggeration ratio",
                         "expected significant size (points)"]], digits=3,
            labels={"comparison_id": ids_of(design_rows)})

# %% [markdown]
# How: for a plausible true change (a parameter of this run: sizes chosen from outside
# these data, not the observed change), the chance that a design with this standard error
# finds it significant, the chance a significant estimate has the wrong sign, and how much a
# significant estimate overstates it on average (Gelman & Carlin 2014). The standard error is
# the verdict's: sampling and rounding.

# %% [markdown]
# ## (d) Composition: how much could a change in the approval split explain?

# %%
shares_of = []
for r in decomp.to_dict("records"):
    change = r["published change (points)"]
    toward = r["composition, low (points)"] if change < 0 else r["composition, high (points)"]
    shares_of.append(None if change == 0 else max(0.0, toward / change))
parts = ["**" + e(
    "; ".join(f"A change in the split by {breakdown_label} could explain at most "
              f"{100 * s:.0f}% of the {a} change"
              for a, s in zip(decomp["answer"], shares_of, strict=True) if s is not None)
    if any(s is not None for s in shares_of) else
    f"No change to explain by the split by {breakdown_label}") + "**."]
for r, share in zip(decomp.to_dict("records"), shares_of, strict=True):
    change = r["published change (points)"]
    lo, hi = r["composition, low (points)"], r["composition, high (points)"]
    if share is None:
        parts.append(
            f"For {e(r['answer'])} ({e(shown_id(r))}) the published change is 0: "
            f"nothing to explain, though the change in the split by {e(breakdown_label)} alone "
            f"could have moved it by {signed(lo, 2)} to {signed(hi, 2)} points (derived).")
        continue
    parts.append(
        f"For {e(r['answer'])} ({e(shown_id(r))}, {signed(change, 1)} points) the change "
        f"in the split by {e(breakdown_label)} between {e(r['wave_1'])} and {e(r['wave_2'])} "
        f"accounts for {signed(lo, 2)} to {signed(hi, 2)} points (derived: bounds over what "
        "the published figures leave open), so composition could explain at most "
        f"**{100 * share:.0f}%** of it; the rest is change within the groups.")
report.markup(" ".join(parts) if len(parts) > 1 else
              f"No comparison has both approval weights and a {e(breakdown_label)} breakdown, "
              "so there is no decomposition.")

# %%
# The groups as words (the saved table keeps the codes)
report.show(decomp[["comparison_id", "answer", "published change (points)",
                    "composition, low (points)", "composition, high (points)", "groups",
                    "weights, earlier (%)", "weights, later (%)",
                    "group shares published, earlier", "group shares published, later"]]
            .assign(groups=decomp["groups"].str.replace("_", " ")),
            digits=2, index="comparison_id", labels={"comparison_id": ids_of(decomp)})

# %% [markdown]
# How: Kitagawa's decomposition splits a change of a weighted mean into the part due to the
# groups' weights (composition) and the part due to the groups themselves. Weights: Levada's
# approval split of each wave's approval month (every corner of its rounding); group shares:
# the published breakdown where there is one (its rounding interval), else anything from 0 to
# 100%, tied together by each wave's published total. Every number here is derived.

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`: the five tables one after the other, column `part` naming each
# (posterior, tau, tracker, design, composition), with every column of each.

# %%
parts = {"posterior": post, "tau": taus, "tracker": tracker, "design": design_rows,
         "composition": decomp}
key_numbers = pd.concat([f.assign(part=name) for name, f in parts.items()], ignore_index=True)
key_numbers = key_numbers[["part"] + [c for c in key_numbers.columns if c != "part"]]
print("wrote", report.save_table(key_numbers, run))

# %% [markdown]
# ## What this rests on
# The posterior uses a flat prior and the large-sample normal posterior of each share; the
# tracker's τ assumes its real movement is a random walk and its noise independent from
# month to month, and a monthly tracker is not the omnibus question; the plausible changes
# are assumptions of this analysis; the decomposition uses only the groups both waves' approval
# months publish.

# %%
report.show(load.load_gaps(), index="id")
