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
# # 05 · Subgroups: age, Putin approval, and what the partial tables imply
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table, the
# Rosstat population by age (`data/raw/rosstat_population_2024-01-01.csv`), Levada's monthly
# Putin approval (`data/raw/putin_approval_monthly.csv`) and `data/raw/metadata/`.
# **Writes** `reports/tables/<run>.csv` (one row per check) and the figures
# `reports/figures/<run>-traitors.svg` and `<run>-emigrate.svg` with the CSV of their numbers.
#
# The essay reports the share calling those who left "traitors" by age group (some groups in
# words or as a range) and by approval of Putin. The total is the
# population-weighted mean of any partition into groups, `p_total = Σ w_g p_g`. This identity
# checks the quoted figures, bounds the groups nobody quoted, and gives the rest of the sample
# to compare a group with. A group is compared with **the rest of the sample, never with the
# total** it is part of. Levada's own wish-to-emigrate breakdowns serve as a second,
# independent check.

# %% tags=["parameters"]
run = "05_subgroups"  # report name (set by make)
wave = "2024-03"  # wave whose "traitors" breakdowns are checked
deff = None  # None: the least-squares design effect from Levada's error table; or a number
alpha = 0.05  # error rate of tests and confidence intervals (0.05 for 95%)
n = None  # None: each wave's N from metadata/waves.yaml

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import figures, io, multiresponse, plots, report
from chasm import subgroups as bd
from chasm.stats import design
from chasm.stats.intervals import share_interval
from chasm.stats.multiplicity import adjust_pvalues
from chasm.stats.partitions import bayes_share_of_answer

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n)
meta = io.load_metadata()
deff_used = (design.deff_from_error_table(io.load_error_table()).deff if deff is None
             else float(deff))
confidence = round(100 * (1 - alpha))
QUESTION, FOCUS = "why_people_leave", multiresponse.FOCUS
EMIGRATE, WOULD, WOULD_NOT = "wish_to_emigrate", "would", "would_not"


def n_of(w):
    """Interviews in wave ``w``: the parameter, else metadata/waves.yaml."""
    return meta["waves"][w]["n"] if n is None else n


n_used = n_of(wave)
n_assumed = n is None and meta["waves"][wave]["n_assumed"]
checks = []  # one row per check for the key-numbers table


def add_check(check_wave, check, figure_ids, quantity, low, high, p_value, verdict):
    checks.append({"wave": check_wave, "check": check, "figure_ids": figure_ids,
                   "quantity": quantity, "low": low, "high": high, "p_value": p_value,
                   "verdict": verdict})


report.say("Wave **{wave}**. Design effect {d} ({how}), used for every subgroup too (the "
           "conservative choice: Levada's table is an upper bound and weighting does not "
           "shrink in subgroups); N = {n} ({nhow}); a group of weight w has w × N interviews; "
           "{c}% intervals.", wave=wave, d=report.fmt(deff_used, 2),
           how="least squares from Levada's error table" if deff is None else "set by parameter",
           n=n_used, nhow="assumed: the sources do not state it" if n_assumed else "as given",
           c=confidence)

# %% [markdown]
# ## Load inputs

# %%
tidy = figures.load()
pop = io.load_population()
approval = io.load_approval()

# %% [markdown]
# ## Age weights
# Rosstat's population on 1 January 2024 by single year of age, summed over the age groups of
# `metadata/subgroups.yaml` (`chasm.stats.partitions.population_weights`). Levada weights its
# sample to the population, so these stand in for the sample's group shares (which are not
# published).

# %%
w_age = bd.age_weights(pop, meta)
bands = bd.age_bands(meta)
report.show(pd.DataFrame({"group": list(bands), "min_age": [b[0] for b in bands.values()],
                          "max_age": [b[1] if b[1] is not None else "open"
                                      for b in bands.values()],
                          "weight_pct": w_age.to_numpy() * 100,
                          "interviews_at_N": w_age.to_numpy() * n_used}),
            digits=1, index="group")

# %%
report.say("Adults 18+: " + "; ".join(f"{g} {{w{i}}}%" for i, g in enumerate(w_age.index)) + ".",
           **{f"w{i}": report.fmt(v * 100) for i, v in enumerate(w_age)})

# %% [markdown]
# ## "Traitors" by age
# The figures as quoted, with the range of true values their wording allows (a range "a-b%"
# covers a − 0.5 to b + 0.5; a fraction in words ±5 points) and a confidence interval for each
# group from its w × N interviews.

# %%
age = bd.add_intervals(bd.group_cells(tidy, meta, wave, QUESTION, FOCUS, "age"), w_age, n_used,
                       deff_used, alpha)
total = bd.add_intervals(bd.group_cells(tidy, meta, wave, QUESTION, FOCUS, "all"),
                         {"all": 1.0}, n_used, deff_used, alpha).iloc[0]
t_range = (total["low"], total["high"])
has_age = bool(total["published"]) and bool(age["published"].any())
if has_age:
    display(report.show(pd.concat([age, total.to_frame().T], ignore_index=True)[
        ["group", "figure_id", "source_kind", "value_text", "point", "low", "high", "ci_low",
         "ci_high", "how"]], index="group"))
else:
    display(report.say("No breakdown of '{f}' by age is published for {wave} (with a total): "
                       "this section has nothing to check.", f=FOCUS, wave=wave))

# %% [markdown]
# **Is each quoted figure consistent with the total?** With the unpublished group(s) left
# free anywhere in 0-100, the weighted identity asks whether some value of them reconciles the
# quoted groups with the total (`chasm.stats.partitions.identity_check` on the intervals). The range
# they must then lie in comes from `solve_missing_subgroup` with the interval inputs.

# %%
if has_age:
    ids_age = ";".join(age.loc[age["figure_id"] != "", "figure_id"]) + ";" + total["figure_id"]
    rows, free, miss = bd.identity_rows(wave, f"{FOCUS} by age", ids_age, t_range, w_age, age,
                                        f"choosing '{FOCUS}'")
    checks.extend(rows)
    miss_ci = share_interval(np.nan, miss.weight * n_used, deff_used, alpha=alpha,
                             low_pct=miss.low, high_pct=miss.high).iloc[0]
    add_check(wave, f"{FOCUS} by age: unpublished {miss.group} with sampling error", ids_age,
              f"{confidence}% interval over the derived range", miss_ci["ci_low"],
              miss_ci["ci_high"], np.nan, "derived")
    widest = age.loc[age["published"]].assign(width=lambda d: d["high"] - d["low"]) \
        .sort_values(["width", "group"], ascending=[False, True]).iloc[0]
    display(report.say(
        "The quoted age figures are **{cons}** with the total {tot} ({tid}) as long as the "
        "unpublished {g} group can take some value: for the identity to hold, the share of "
        "{g}-year-olds choosing '{f}' must lie between **{lo}% and {hi}%** (derived; "
        "{clo}–{chi}% with sampling error). That range is wide because the quoted figures are "
        "themselves ranges: \"{wtext}\" for {wg} alone spans {wwidth} points over {w55}% of "
        "adults.", wtext=widest["value_text"], wg=widest["group"],
        wwidth=report.fmt(widest["width"], 0),
        cons="consistent" if free["consistent"] else "inconsistent", tot=total["value_text"],
        tid=total["figure_id"], g=miss.group, f=FOCUS, lo=report.fmt(miss.low),
        hi=report.fmt(miss.high), clo=report.fmt(miss_ci["ci_low"]),
        chi=report.fmt(miss_ci["ci_high"]),
        w55=report.fmt(100 * w_age[widest["group"]], 0)))

# %% [markdown]
# An assumption, stated as such: if the unpublished group lies **between its published
# neighbours** (age patterns are usually monotone), the implied total narrows; the check is
# then whether the total still fits.

# %%
if has_age:
    order = list(w_age.index)
    gaps_at = [i for i, g in enumerate(order) if np.isnan(age.set_index("group").at[g, "low"])]
    pub = age.set_index("group")
    if len(gaps_at) == 1 and 0 < gaps_at[0] < len(order) - 1:
        left, right = order[gaps_at[0] - 1], order[gaps_at[0] + 1]
        between = (min(pub.at[left, "low"], pub.at[right, "low"]),
                   max(pub.at[left, "high"], pub.at[right, "high"]))
        mono = bd.identity_free(t_range, w_age, age, free=between)
        add_check(wave, f"{FOCUS} by age: identity if {miss.group} lies between its neighbours",
                  ids_age, "implied total (percent), assumption: between neighbours",
                  mono["implied_low"], mono["implied_high"], np.nan,
                  "consistent" if mono["consistent"] else "inconsistent")
        display(report.say(
            "If {g} lies between {l} and {r} ({blo}–{bhi}%), the implied total is "
            "{ilo}–{ihi}%, which {verb} the published {tot}.", g=miss.group, l=left, r=right,
            blo=report.fmt(between[0]), bhi=report.fmt(between[1]),
            ilo=report.fmt(mono["implied_low"]), ihi=report.fmt(mono["implied_high"]),
            verb="contains" if mono["consistent"] else "misses", tot=total["value_text"]))
    else:
        display(report.say("The unpublished age group has no published neighbour on both sides;"
                           " no monotone assumption is tried."))

# %% [markdown]
# **Each age group against the rest of the sample** (`chasm.stats.partitions.subgroup_vs_rest`): the
# rest's share is `(p_total − w p_g)/(1 − w)` with `(1 − w) N` interviews, and the score test
# compares the two disjoint parts. Every comparison is made twice: at the points (the midpoint
# of a worded range) and at the **least favourable ends** of the wording ranges, i.e. the ends
# that shrink the difference. Holm's adjustment is over the published age groups at the
# points.

# %%
if has_age:
    rows = []
    for g in age.loc[age["published"], "group"]:
        cell = age.set_index("group").loc[g]
        res = bd.vs_rest(total, cell, float(w_age[g]), n_used, deff_used, alpha)
        res.insert(0, "group", g)
        res.insert(1, "figure_id", cell["figure_id"])
        rows.append(res)
    rest = pd.concat(rows, ignore_index=True)
    at_point = rest["reading"] == "point"
    rest["p_holm"] = np.nan
    rest.loc[at_point, "p_holm"] = adjust_pvalues(rest.loc[at_point, "p_value"].to_numpy(),
                                                   "holm")
    display(report.show(rest.drop(columns="note"), digits=3))

# %%
if has_age:
    for g, res in rest.groupby("group", sort=False):
        p, lf = res.iloc[0], res.iloc[1]
        robust = p["p_holm"] < alpha and lf["p_value"] < alpha
        verdict = ("differs from the rest even at the least favourable reading" if robust else
                   "differs from the rest at the points but not at the least favourable reading"
                   " of the wording" if p["p_holm"] < alpha else
                   "cannot be told apart from the rest")
        add_check(wave, f"{FOCUS}: {g} vs rest of sample (point)",
                  p["figure_id"] + ";" + total["figure_id"], "difference sub - rest, points",
                  p["ci_low"], p["ci_high"], p["p_value"], verdict)
        add_check(wave, f"{FOCUS}: {g} vs rest of sample (least favourable)",
                  p["figure_id"] + ";" + total["figure_id"],
                  "difference sub - rest, least favourable ends", lf["ci_low"], lf["ci_high"],
                  lf["p_value"], verdict)
        display(report.say(
            "**{g}** ({fid}): at the points {sub}% vs {rest}% in the rest of the sample, a "
            "difference of {d} points (CI {lo} to {hi}; p = {p}, Holm {ph}); at the least "
            "favourable ends {lsub}% vs {lrest}%, {ld} points (p = {lp}). The group {verdict}.",
            g=g, fid=p["figure_id"], sub=report.fmt(p["sub"]), rest=report.fmt(p["rest"]),
            d=report.fmt(p["diff"]), lo=report.fmt(p["ci_low"]),
            hi=report.fmt(p["ci_high"]), p=report.fmt(p["p_value"], 3),
            ph=report.fmt(p["p_holm"], 3), lsub=report.fmt(lf["sub"]),
            lrest=report.fmt(lf["rest"]), ld=report.fmt(lf["diff"]),
            lp=report.fmt(lf["p_value"], 3), verdict=verdict))

# %% [markdown]
# **Trend across the ordered age groups** (Cochran–Armitage, `chasm.stats.partitions.trend_test`),
# with the groups scored by their position in the full order so that the unpublished group
# leaves a gap. Caveat: with a group missing and two of three figures given as ranges, this
# is a rough summary; the least favourable reading flattens the trend as far as the wording
# allows.

# %%
if has_age:
    published = age[age["published"]].reset_index(drop=True)
    scores = [list(w_age.index).index(g) for g in published["group"]]
    n_effs = (w_age[published["group"]].to_numpy() * n_used / deff_used)
    tr = bd.trend(published, scores, n_effs)
    display(report.show(tr, digits=3, index="reading"))
    ids_trend = ";".join(published["figure_id"])
    for r in tr.itertuples():
        add_check(wave, f"{FOCUS}: trend across published age groups ({r.reading})", ids_trend,
                  f"Cochran-Armitage z = {r.z:.2f} at shares {r.shares}", np.nan, np.nan,
                  r.p_value, "trend" if r.p_value < alpha else "no clear trend")
    holds = tr.at[0, "p_value"] < alpha and tr.at[1, "p_value"] < alpha
    display(report.say(
        "At the points ({psh}) the share {dir} with age (z = {z}, p = {p}); at the least "
        "favourable ends ({sh}) z = {lz}, p = {lp}. {end}", psh=tr.at[0, "shares"],
        dir="rises" if tr.at[0, "z"] > 0 else "falls", z=report.fmt(tr.at[0, "z"], 2),
        p=report.fmt(tr.at[0, "p_value"], 3), sh=tr.at[1, "shares"],
        lz=report.fmt(tr.at[1, "z"], 2), lp=report.fmt(tr.at[1, "p_value"], 3),
        end="The trend holds at every reading of the wording." if holds else
        "So the trend rests on reading the worded figures at their midpoints (\"about half\" "
        "as 50 rather than 45), which the wording does not guarantee." if
        tr.at[0, "p_value"] < alpha else "No trend can be told apart from noise."))

# %% [markdown]
# ## "Traitors" by approval of Putin
# Group weights are Levada's approval split of the wave's `approval_month`
# (`metadata/waves.yaml`). Its rounded parts need not add to 100, so they are **normalised to
# sum 1**; the rounding box of the three published shares (each ±0.5) is used as a sensitivity
# check.

# %%
month = meta["waves"][wave]["approval_month"]
aw = bd.approval_weights(approval, month)
report.show(pd.DataFrame({"group": list(aw.published.index), "published_pct": aw.published,
                          "weight_pct": aw.weights.reindex(aw.published.index) * 100}),
            digits=2, index="group")

# %%
if aw.complete:
    display(report.say(
        "Approval in {m}: {a} approve, {d} disapprove, {na} no answer; these sum to {s} "
        "because of rounding, so the weights are normalised to sum 1: {wa}%, {wd}%, {wn}%.",
        m=month, a=report.fmt(aw.published["approve"], 0),
        d=report.fmt(aw.published["disapprove"], 0), na=report.fmt(aw.published["no_answer"], 0),
        s=report.fmt(aw.raw_sum, 0), wa=report.fmt(100 * aw.weights["approve"]),
        wd=report.fmt(100 * aw.weights["disapprove"]),
        wn=report.fmt(100 * aw.weights["no_answer"])))
else:
    display(report.say("Approval in {m}: only \"approve\" ({a}%) is published; disapproval and "
                       "no answer are not, so only approvers vs everyone else can be weighted.",
                       m=month, a=report.fmt(aw.published["approve"], 0)))

# %%
appr = bd.group_cells(tidy, meta, wave, QUESTION, FOCUS, "putin_approval")
has_appr = bool(total["published"]) and bool(appr["published"].any()) and aw.complete
if has_appr:
    appr = bd.add_intervals(appr, aw.weights, n_used, deff_used, alpha)
    display(report.show(appr[["group", "figure_id", "source_kind", "value_text", "point", "low",
                              "high", "ci_low", "ci_high", "how"]], index="group"))
else:
    display(report.say("No breakdown of '{f}' by approval with complete approval weights is "
                       "published for {wave}: this section has nothing to check.",
                       f=FOCUS, wave=wave))

# %% [markdown]
# **Identity check.** Approvers and disapprovers are quoted; those who gave no answer on
# approval are not, so their share is bounded by `solve_missing_subgroup`.

# %%
if has_appr:
    ids_appr = ";".join(appr.loc[appr["published"], "figure_id"]) + ";" + total["figure_id"]
    rows, free_a, miss_a = bd.identity_rows(wave, f"{FOCUS} by approval", ids_appr, t_range,
                                            aw.weights, appr, f"choosing '{FOCUS}'")
    checks.extend(rows)
    grid_lo, grid_hi = bd.missing_group_over_grid(t_range, aw.grid, appr)
    display(report.say(
        "With approvers at {a} and disapprovers at {d}, the total {tot} is **{cons}**: the "
        "{w}% who gave no answer on approval must then have chosen '{f}' at {lo}–{hi}% "
        "(derived; {glo}–{ghi}% when the approval shares themselves vary within their "
        "rounding). The quoted groups are {cov}% of the sample, so they nearly determine "
        "the total on their own.",
        a=appr.set_index("group").at["approve", "value_text"],
        d=appr.set_index("group").at["disapprove", "value_text"], tot=total["value_text"],
        cons="consistent" if free_a["consistent"] else "inconsistent",
        w=report.fmt(100 * miss_a.weight), f=FOCUS, lo=report.fmt(miss_a.low),
        hi=report.fmt(miss_a.high), glo=report.fmt(grid_lo), ghi=report.fmt(grid_hi),
        cov=report.fmt(100 * (1 - miss_a.weight))))

# %% [markdown]
# **Approvers vs disapprovers.** Two disjoint groups of one sample: the score test of
# `chasm.stats.twosample.compare_waves` with `n_g = w_g N` interviews each, at the points and at the
# least favourable ends.

# %%
if has_appr:
    a_cell = appr.set_index("group").loc["approve"]
    d_cell = appr.set_index("group").loc["disapprove"]
    cmp = bd.compare_groups(a_cell, d_cell, aw.weights["approve"] * n_used,
                            aw.weights["disapprove"] * n_used, deff_used, alpha)
    display(report.show(cmp, digits=4, index="reading"))
    for r in cmp.itertuples():
        add_check(wave, f"{FOCUS}: approve vs disapprove ({r.reading})",
                  f"{a_cell['figure_id']};{d_cell['figure_id']}",
                  "difference approve - disapprove (points)", r.ci_low, r.ci_high, r.p_value,
                  "differ" if r.p_value < alpha else "cannot be told apart")
    display(report.say(
        "Approvers choose '{f}' {d} points more often than disapprovers (CI {lo} to {hi}); even "
        "at the least favourable ends the gap is {ld} points (p = {lp}). {end}",
        f=FOCUS, d=report.fmt(cmp.at[0, "diff"]), lo=report.fmt(cmp.at[0, "ci_low"]),
        hi=report.fmt(cmp.at[0, "ci_high"]), ld=report.fmt(cmp.at[1, "diff"]),
        lp=f"{cmp.at[1, 'p_value']:.1g}",
        end="This gap holds at every reading of the rounding." if cmp.at[1, "p_value"] < alpha
        else "At the least favourable ends it cannot be told apart from noise."))

# %% [markdown]
# **Who gives the answer (Bayes inversion).** `P(group | chose 'traitors') = w_g p_g / p_total`
# (`chasm.stats.partitions.bayes_share_of_answer`): of everyone who chose the label, what share
# disapproves of Putin? Ranges combine the rounding of the figures and of the approval
# weights (outer bounds).

# %%
if has_appr:
    w_lo = {g: min(v[g] for v in aw.grid) for g in aw.weights.index}
    w_hi = {g: max(v[g] for v in aw.grid) for g in aw.weights.index}
    bayes = []
    for g in aw.weights.index:
        cell = appr.set_index("group").loc[g]
        lo_g, hi_g = ((cell["low"], cell["high"]) if cell["published"]
                      else (miss_a.low, miss_a.high))
        rng = bayes_share_of_answer((w_lo[g], w_hi[g]), (lo_g, hi_g), t_range)
        point = (bayes_share_of_answer(float(aw.weights[g]), cell["point"], total["point"])
                 if cell["published"] else np.nan)
        bayes.append({"group": g, "figure_id": cell["figure_id"] or "derived",
                      "weight_pct": 100 * aw.weights[g], "share_choosing": cell["point"],
                      "share_of_answers": point, "low": rng.low, "high": rng.high})
        add_check(wave, f"{FOCUS}: share of all '{FOCUS}' answers from {g}",
                  (cell["figure_id"] or miss_a.group + " derived") + ";" + total["figure_id"],
                  f"percent of '{FOCUS}' answers given by {g} (Bayes)", rng.low, rng.high,
                  np.nan, "derived")
    bayes = pd.DataFrame(bayes)
    display(report.show(bayes, index="group"))
    b = bayes.set_index("group")
    display(report.say(
        "The {dtext} among disapprovers ({did}) is a share of a small group ({dw}% of the "
        "sample): disapprovers give only about **{d}%** of all '{f}' answers ({dlo}–{dhi}%), "
        "approvers about **{a}%** ({alo}–{ahi}%), and those without an approval answer at "
        "most {nhi}%.", dtext=d_cell["value_text"], did=d_cell["figure_id"],
        dw=report.fmt(b.at["disapprove", "weight_pct"]),
        d=report.fmt(b.at["disapprove", "share_of_answers"]),
        dlo=report.fmt(b.at["disapprove", "low"]), dhi=report.fmt(b.at["disapprove", "high"]),
        f=FOCUS, a=report.fmt(b.at["approve", "share_of_answers"]),
        alo=report.fmt(b.at["approve", "low"]), ahi=report.fmt(b.at["approve", "high"]),
        nhi=report.fmt(b.at["no_answer", "high"])))

# %% [markdown]
# ## Figure: "traitors" by group
# Coloured bars: the range each quoted figure's wording allows (colour = source); dots: the
# point; thin lines: confidence intervals; hatched grey: ranges **derived** from the identity
# for groups nobody quoted. Dashed line and grey band: the total and its interval.

# %%
plots.theme()
panels = [(f"'{FOCUS}' by age, {wave}", age, w_age) if has_age else None,
          (f"'{FOCUS}' by approval of Putin, {wave}", appr, aw.weights) if has_appr else None]
panels = [p for p in panels if p is not None]
if panels:
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    data = []
    for ax, (title, cells, weights) in zip(axes[0], panels, strict=True):
        cells = cells.copy()
        m = bd.missing_group(t_range, weights, cells)
        m_ci = share_interval(np.nan, m.weight * n_used, deff_used, alpha=alpha,
                              low_pct=m.low, high_pct=m.high).iloc[0]
        unknown = cells["low"].isna()
        cells.loc[unknown, ["low", "high", "ci_low", "ci_high"]] = [m.low, m.high,
                                                                    m_ci["ci_low"],
                                                                    m_ci["ci_high"]]
        cells.loc[unknown, "derived"] = True
        d = bd.plot_groups(ax, cells, total, title, plots.SOURCE_PALETTE)
        d.insert(0, "panel", title)
        data.append(d)
    fig.tight_layout()
    figure_out = plots.save_figure(fig, pd.concat(data, ignore_index=True), run, "traitors")
else:
    figure_out = report.say("Nothing to draw for {wave}.", wave=wave)
figure_out

# %% [markdown]
# ## A second, independent check: the wish to emigrate
# Levada's own English releases give the share who would like to move abroad, with a few
# breakdowns (*primary* figures, not the essay's). The question is **single response**: would,
# would not and "don't know" add up to 100, so a group published only as "would not" x% has
# "would" **at most** 100 − (x − 0.5)%, an upper bound and nothing more (the rest may be
# "don't know"). Where more than one age group is unpublished, they are merged and bounded
# together.

# %%
emig_waves = sorted(tidy.loc[(tidy["question"] == EMIGRATE)
                             & tidy["subgroup_var"].isin(["age", "putin_approval"]),
                             "wave"].unique())
emig_panels = []
for ew in emig_waves:
    n_w = n_of(ew)
    tot = bd.group_cells(tidy, meta, ew, EMIGRATE, WOULD, "all", complement=WOULD_NOT)
    tot = bd.add_intervals(tot, {"all": 1.0}, n_w, deff_used, alpha).iloc[0]
    e_range = (tot["low"], tot["high"])
    display(report.say("### {w}: total \"would like to move\" {t} ({fid}, {k})", w=ew,
                       t=tot["value_text"], fid=tot["figure_id"], k=tot["source_kind"]))
    not_tot = bd.group_cells(tidy, meta, ew, EMIGRATE, WOULD_NOT, "all").iloc[0]
    if not_tot["published"]:
        sc = bd.single_response_check((tot["low"], tot["high"]), (not_tot["low"],
                                                                  not_tot["high"]))
        add_check(ew, "wish to emigrate: would + would not <= 100",
                  f"{tot['figure_id']};{not_tot['figure_id']}",
                  "sum of would and would not (percent)", sc.sum_low, sc.sum_high, np.nan,
                  "consistent" if sc.consistent else "inconsistent")
        display(report.say(
            "Would ({a}) and would not ({b}, {bid}) add to {lo}–{hi}%: **{cons}** with a "
            "single-response question, leaving {rlo}–{rhi}% for \"don't know\"; given "
            "\"would\", \"would not\" can be at most {bh}%.", a=tot["value_text"],
            b=not_tot["value_text"], bid=not_tot["figure_id"], lo=report.fmt(sc.sum_low),
            hi=report.fmt(sc.sum_high), cons="consistent" if sc.consistent else "inconsistent",
            rlo=report.fmt(sc.rest_low), rhi=report.fmt(sc.rest_high),
            bh=report.fmt(sc.b_high_implied)))
    # age
    e_age = bd.group_cells(tidy, meta, ew, EMIGRATE, WOULD, "age", complement=WOULD_NOT)
    if e_age["low"].notna().any() and e_age["low"].isna().any():
        e_age = bd.add_intervals(e_age, w_age, n_w, deff_used, alpha)
        display(report.show(e_age[["group", "figure_id", "source_kind", "value_text", "low",
                                   "high", "ci_low", "ci_high", "how"]], index="group"))
        ids = ";".join(e_age.loc[e_age["figure_id"] != "", "figure_id"]) + ";" + tot["figure_id"]
        rows, ef, em = bd.identity_rows(ew, "wish to emigrate by age", ids, e_range, w_age,
                                        e_age, "who would like to move")
        checks.extend(rows)
        display(report.say(
            "The published age figures are **{cons}** with the total: the unpublished "
            "{g} ({w}% of adults) must have {lo}–{hi}% wanting to move (derived).",
            cons="consistent" if ef["consistent"] else "inconsistent", g=em.group,
            w=report.fmt(100 * em.weight), lo=report.fmt(em.low), hi=report.fmt(em.high)))
        e_age_plot = e_age.copy()
        em_ci = share_interval(np.nan, em.weight * n_w, deff_used, alpha=alpha,
                               low_pct=em.low, high_pct=em.high).iloc[0]
        e_age_plot = e_age_plot[e_age_plot["low"].notna()]
        e_age_plot = pd.concat([e_age_plot, pd.DataFrame([{
            "group": em.group, "figure_id": "", "source_kind": "derived", "point": np.nan,
            "low": em.low, "high": em.high, "ci_low": em_ci["ci_low"],
            "ci_high": em_ci["ci_high"], "derived": True}])], ignore_index=True)
        e_age_plot["_order"] = [min(list(w_age.index).index(p) for p in g.split(" + "))
                                for g in e_age_plot["group"]]
        emig_panels.append((f"would move abroad by age, {ew}",
                            e_age_plot.sort_values("_order").drop(columns="_order"), tot))
    # approval
    e_ap = bd.group_cells(tidy, meta, ew, EMIGRATE, WOULD, "putin_approval",
                          complement=WOULD_NOT)
    if e_ap["low"].notna().any():
        e_month = meta["waves"][ew]["approval_month"]
        e_aw = bd.approval_weights(approval, e_month)
        e_ap_ci = bd.add_intervals(e_ap, e_aw.weights if e_aw.complete else e_aw.published / 100,
                                   n_w, deff_used, alpha)
        display(report.show(e_ap_ci[["group", "figure_id", "source_kind", "value_text", "low",
                                     "high", "ci_low", "ci_high", "how"]], index="group"))
        ids = ";".join(e_ap.loc[e_ap["figure_id"] != "", "figure_id"]) + ";" + tot["figure_id"]
        em = bd.missing_group(e_range, e_aw.weights, e_ap)
        glo, ghi = bd.missing_group_over_grid(e_range, e_aw.grid, e_ap)
        add_check(ew, f"wish to emigrate by approval: unpublished {em.group}", ids,
                  f"share of {em.group} who would like to move (derived, weights {e_month})",
                  glo, ghi, np.nan, "feasible" if em.feasible else "contradiction")
        recent = approval[(approval["month"] < e_month) & approval["no_answer"].notna()].tail(12)
        inside_text = []
        for r in e_ap_ci[e_ap_ci["published"]].itertuples():
            if r.group in em.group.split(" + "):
                inside = r.high >= glo and r.low <= ghi
                inside_text.append(f"{r.group} {r.value_text} ({r.figure_id}) lies "
                                   + ("inside" if inside else "outside") + " that range")
                add_check(ew, f"wish to emigrate: {r.group} within the derived range of "
                          f"{em.group}", ids,
                          f"published {r.group} share vs derived range {glo:.1f}-{ghi:.1f}",
                          r.low, r.high, np.nan,
                          ("compatible" if inside else "incompatible")
                          + " (weak check; assumes few gave no answer)")
        if e_aw.complete:
            display(report.say(
                "Approval weights from {m}. The unpublished {g} ({w}% of the sample) must have "
                "{lo}–{hi}% wanting to move (derived, allowing the approval shares' rounding).",
                m=e_month, g=em.group, w=report.fmt(100 * em.weight), lo=report.fmt(glo),
                hi=report.fmt(ghi)))
        else:
            display(report.say(
                "Approval weights from {m}: only approve ({a}%) is published. Disapproval is "
                "not, so the disapprovers' figure cannot enter the identity: their weight is "
                "unknown. What can be checked: with approvers at most {ahi}% (from {aid}), "
                "everyone who did not approve ({g}, {w}% of the sample) must have {lo}–{hi}% "
                "wanting to move (derived, allowing the approval share's rounding). If few of "
                "them gave no answer on approval ({nlo}–{nhi}% did in the {k} published months "
                "before {m}), their share is close to the disapprovers' own: {inside}. The "
                "range is wide, so this shows no contradiction, and no more.", m=e_month,
                a=report.fmt(e_aw.published["approve"], 0),
                ahi=report.fmt(e_ap.set_index("group").at["approve", "high"]),
                aid=e_ap.set_index("group").at["approve", "figure_id"], g=em.group,
                w=report.fmt(100 * em.weight), lo=report.fmt(glo), hi=report.fmt(ghi),
                nlo=report.fmt(recent["no_answer"].min(), 0),
                nhi=report.fmt(recent["no_answer"].max(), 0), k=len(recent),
                inside="; ".join(inside_text) or "no group figure to compare"))
        em_ci = share_interval(np.nan, em.weight * n_w, deff_used, alpha=alpha, low_pct=glo,
                               high_pct=ghi).iloc[0]
        e_ap_plot = pd.concat([e_ap_ci[e_ap_ci["low"].notna()], pd.DataFrame([{
            "group": em.group, "figure_id": "", "source_kind": "derived", "point": np.nan,
            "low": glo, "high": ghi, "ci_low": em_ci["ci_low"], "ci_high": em_ci["ci_high"],
            "derived": True}])], ignore_index=True)
        emig_panels.append((f"would move abroad by approval, {ew}", e_ap_plot, tot))

# %% [markdown]
# ## Figure: the wish to emigrate by group
# Same conventions as above. Groups published only as "would not" appear as hatched *derived*
# upper bounds, as do groups bounded by the identity. A group whose size is unknown (the
# disapprovers when only approval is published for the month) gets no confidence interval.

# %%
if emig_panels:
    fig, axes = plt.subplots(1, len(emig_panels), figsize=(4.4 * len(emig_panels), 3.6),
                             squeeze=False)
    data = []
    for ax, (title, cells, tot) in zip(axes[0], emig_panels, strict=True):
        d = bd.plot_groups(ax, cells, tot, title, plots.SOURCE_PALETTE)
        ax.set_xlim(0, min(100.0, 10 * np.ceil((d[["high", "ci_high"]].max().max() + 2) / 10)))
        d.insert(0, "panel", title)
        data.append(d)
    fig.tight_layout()
    emig_out = plots.save_figure(fig, pd.concat(data, ignore_index=True), run, "emigrate")
else:
    emig_out = report.say("No wish-to-emigrate breakdowns to draw.")
emig_out

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per check: `wave`; `check`; `figure_ids` (";"-separated
# figures used); `quantity` (what `low`/`high` measure); `low`, `high` (percent or points: an
# implied total, a derived range, a confidence interval of a difference, or empty for a
# trend test); `p_value` (empty where there is no test); `verdict`.

# %%
key_numbers = pd.DataFrame(checks, columns=["wave", "check", "figure_ids", "quantity", "low",
                                            "high", "p_value", "verdict"])
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers, digits=3, index="check")

# %% [markdown]
# ## What this rests on

# %%
used = set(";".join(key_numbers["figure_ids"]).split(";")) - {""}
kinds = tidy[tidy["figure_id"].isin(used)].drop_duplicates("figure_id") \
    .set_index("figure_id")["source_kind"]
second = sorted(kinds[kinds.isin(["essay", "secondary"])].index)
report.say("{m} of the {k} figures used are second-hand ({ids}): the essay's quotation of "
           "Levada's tables, whose breakdowns could not be retrieved. The wish-to-emigrate "
           "figures are Levada's own (primary). N = {n} is {nass}. Subgroup sizes are w × N "
           "with Rosstat or approval weights, not Levada's (unpublished) sample counts. "
           "Approval is itself an attitude: differences between approvers and disapprovers "
           "describe who answers what, not effects.", m=len(second), k=len(kinds),
           ids=", ".join(second) or "none", n=n_used,
           nass="an assumption (Levada's standard design)" if n_assumed else "given")

# %%
report.show(io.load_gaps(), index="id")
