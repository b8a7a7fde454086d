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
# # 07 · Interpretation: what the figures support, what they cannot say
#
# The essay's claims read together: what the published figures establish, what they leave
# open, and what they cannot say at all. Every number below is computed from the figures.

# %% tags=["parameters"]
run = "07_interpretation"  # report name (set by make)
deff = None  # design effect (None: least squares from the Levada error table)
alpha = 0.05  # significance level
n = None  # sample size per wave (None: the N of each wave in metadata/waves.yaml)

# %%
from IPython.display import display

from chasm import formats, report, tables
from chasm.analysis import plan
from chasm.data import figures, load
from chasm.register import claims, sensitivity
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
tidy = figures.load()
meta = load.load_metadata()
sources = load.load_sources()
outlets = figures.outlets(sources)
errors = load.load_error_table()
estimate = design.deff_from_error_table(errors)
deff_used = estimate.deff if deff is None else deff
register = claims.evaluate(claims.load_claims(tidy=tidy), tidy, meta, load.load_population(),
                           load.load_approval(), errors, deff=deff, alpha=alpha, n=n)
gaps = load.load_gaps()
analysis = plan.load_plan()
by_id = tidy.set_index("figure_id")


def bullets(verdicts: tuple[str, ...]):
    """The claims with one of ``verdicts``, in register order: id, verdict, paraphrase and its
    key number with the range's kind; "*None.*" when no claim has them."""
    rows = register[register["verdict"].isin(verdicts)]
    if rows.empty:
        return report.say("*None.*")
    lines, values = [], {}
    for i, (_, row) in enumerate(rows.iterrows()):
        number = claims.key_number(row)
        lines.append(f"- **{{id{i}}}** ({{v{i}}}): {{p{i}}}" + (f" {{x{i}}}." if number else ""))
        values.update({f"id{i}": row["claim_id"], f"v{i}": row["verdict"],
                       f"p{i}": row["paraphrase"], f"x{i}": number})
    return report.say("\n".join(lines), **values)


def option_label(fid: str) -> str:
    """The answer a figure counts, by its label in the metadata."""
    row = by_id.loc[fid]
    return meta["questions"][row["question"]]["options"][row["option"]]["label"]


def group_label(fid: str) -> str:
    """The group a figure counts and its breakdown, by their labels in the metadata:
    "'disapprove' (approval of Putin's activities)"."""
    row = by_id.loc[fid]
    variable = meta["subgroups"].get(row["subgroup_var"], {})
    group = variable.get("groups", {}).get(row["subgroup"], {}).get("label", row["subgroup"])
    return f"'{group}' ({variable.get('label', row['subgroup_var'])})"


# %% [markdown]
# ## What the evidence supports
# Claims whose test holds in the claimed direction after the analysis plan's adjustment, with
# rounding as ordinary uncertainty (the rules are on the claims page, 06):

# %%
display(bullets(("supported",)))

# %%
changes = register[register["rule"] == "wave_change"]
fall = changes.iloc[0] if len(changes) else None
if fall is not None:
    first, second = sorted(fall["figure_ids"].split(), key=lambda f: by_id.loc[f, "wave"])
    display(report.say(
        "The headline change ({cid}), '{option}' from {w1} to {w2}, is {diff} points "
        "({kind} {lo} to {hi}): p = {p} at the published values, {pr} with rounding as noise; "
        "{method} over the essay's {m} wave comparisons: adjusted p {padj}. Its verdict is "
        "**{verdict}**. At the least favourable rounding of both integers p = {pw}, adjusted "
        "{paw}: a robustness check, not the verdict.",
        cid=fall["claim_id"], option=option_label(first), w1=by_id.loc[first, "wave"],
        w2=by_id.loc[second, "wave"], diff=formats.fmt(fall["estimate"]),
        kind=fall["range_kind"], lo=formats.fmt(fall["low"]), hi=formats.fmt(fall["high"]),
        p=formats.fmt(fall["p_value"], 3), pr=formats.fmt(fall["p_rounding"], 3),
        method=formats.fmt_method(fall["method"]), m=int(fall["family_size"]),
        padj=formats.fmt(fall["p_adjusted"], 3), verdict=fall["verdict"],
        pw=formats.fmt(fall["p_worst"], 3), paw=formats.fmt(fall["p_adjusted_worst"], 3)))

# %%
if fall is not None:
    tips = sensitivity.tipping_table(register, alpha).set_index("claim_id")
    if fall["claim_id"] in tips.index and tips["tipping_deff"].notna()[fall["claim_id"]]:
        tip = tips.loc[fall["claim_id"]]
        display(report.say(
            "How firm that is: it stays {v} for design effects up to {d} (Levada's table "
            "implies {used}), with as few as {nf} times the assumed interviews, and it would flip "
            "if answering drifted by {s} points between the waves for reasons other than "
            "opinion.", v=tip["verdict"], d=formats.fmt(tip["tipping_deff"], 2),
            used=formats.fmt(deff_used, 2), nf=formats.fmt(tip["n_factor"], 2),
            s=formats.fmt(abs(tip["tipping_shift"]), 1)))
    else:
        display(report.say("This verdict ({v}) is not a firm one, so it has no tipping point.",
                           v=fall["verdict"]))

# %%
spec_summary = sensitivity.specification_summary(sensitivity.specification_table(
    analysis, tidy, meta, (estimate.deff_low, estimate.deff, estimate.deff_high, 2.5), alpha),
    register).set_index("claim_id")
if fall is not None and fall["claim_id"] in spec_summary.index:
    row = spec_summary.loc[fall["claim_id"]]
    display(report.say(
        "Across the specification table, claim {cid} is {v} in {h} of {t} specifications "
        "({by}). {note} The specification table (06) shows the verdict under the alternatives.",
        cid=fall["claim_id"], v=row["verdict"], h=int(row["holds"]),
        t=int(row["specifications"]),
        by="; ".join(f"{c.split(', ', 1)[1]}: {row[c]}" for c in spec_summary.columns
                     if c.startswith("holds, ")),
        note=tables.with_family_labels(plan.post_hoc_note(analysis, ("families", "rounding")))))

# %% [markdown]
# ## Inconclusive: the data allow the claim and its negation

# %%
display(bullets(("inconclusive",)))

# %%
similar = register[register["smallest_margin"].notna()]
for _, young in similar.iterrows():
    display(report.say(
        "Claim {cid} is a similarity claim, so it needs an equivalence result: within ±{m} "
        "points (the plan's margin), the figures establish only ±{sm} points, so it is "
        "**{verdict}**.", cid=young["claim_id"], m=formats.fmt_short(analysis.margin),
        sm=formats.fmt(young["smallest_margin"]), verdict=young["verdict"]))

# %% [markdown]
# ## What the figures cannot say, or contradict

# %%
display(bullets(("not identifiable", "contradicted")))

# %%
bayes = register[register["bayes_share"].notna()]
for _, gap in bayes.iterrows():
    higher, lower, total = gap["figure_ids"].split()
    display(report.say(
        "Of all '{option}' answers in {wave}, about {b}% come from the group {group}, by "
        "Bayes' rule: rounding range {rl} to {rh}% (without sampling error), {conf} CI {lo} "
        "to {hi}% (with sampling error).", option=option_label(total),
        wave=by_id.loc[total, "wave"], group=group_label(lower),
        b=formats.fmt(gap["bayes_share"]), rl=formats.fmt(gap["bayes_range_low"]),
        rh=formats.fmt(gap["bayes_range_high"]), conf=formats.fmt_level(alpha),
        lo=formats.fmt(gap["bayes_low"]), hi=formats.fmt(gap["bayes_high"])))

# %% [markdown]
# ## Verdicts at a glance

# %%
report.show(claims.verdict_counts(claims.claims_only(register)).reset_index(), index="kind")

# %%
display(report.say("{summary} {quotes}", summary=claims.summary_sentence(register),
                   quotes=claims.quotation_sentence(register)))

# %% [markdown]
# ## Limitations
#
# **The published record is thin.** These are the gaps, as recorded in
# `data/raw/metadata/gaps.yaml`:

# %%
report.show(gaps, index="id")

# %%
by_source = tidy.groupby("source_id").size()
assumed = sorted(w for w, v in meta["waves"].items() if v["n_assumed"])
display(report.say(
    "Of the {total} figures used, {listing}. The sample size of every wave ({waves}) is "
    "assumed, not published.", total=len(tidy),
    listing="; ".join(f"{k} come from {outlets.get(s, s)}" for s, k in by_source.items()),
    waves=", ".join(assumed)))

# %%
display(report.say(
    "**Sampling error is a floor, not the total error.** Levada's own error table implies a "
    "design effect of {deff} (feasible range {lo} to {hi}), i.e. about {neff} effective interviews "
    "out of {n}; this report used {used}. Non-response and preference falsification come on top: "
    "list experiments in Russia put direct-question support for Putin and the war roughly 5 to 10 "
    "points above indirect estimates (Frye et al. 2017, 2023; Chapkovski & Schaub 2022). Shares "
    "that track loyalty may carry a bias of that order; if it is stable between waves it largely "
    "cancels in a change, but not in the levels.",
    deff=formats.fmt(estimate.deff, 2), lo=formats.fmt(estimate.deff_low, 2),
    hi=formats.fmt(estimate.deff_high, 2), neff=formats.fmt(estimate.n_eff, 0),
    n=int(estimate.n), used=formats.fmt(deff_used, 2)))

# %% [markdown]
# **Approval is an attitude, not a fixed trait.** The approve/disapprove breakdown describes
# association, not effect; age and approval were published as separate one-way breakdowns, so
# their joint distribution (and the age effect net of approval) is not identified. The meaning
# of the word "traitor" to respondents is beyond what any marginal table can show.

# %% [markdown]
# ## How this page was made
# **Reads** the tidy figures (`data/processed/figures.csv`), the essay's claims register (the
# register of the text of kind essay in `data/claims/`), the analysis plan (`data/plan.yaml`),
# Levada's error table, the Rosstat population and the approval series. **Writes**
# `reports/tables/07_interpretation.csv`: one row per claim with its verdict, provenance and
# key numbers (the test, its adjustment, what the numbers measure, the estimate with its range
# and the range's kind, the p-values and the design effect; the claims page, 06, describes
# them).

# %%
findings = register[["claim_id", "kind", "verdict", "provenance", "comparison_id", "method",
                     "measure", "estimate", "low", "high", "p_value", "p_rounding", "p_adjusted",
                     "p_worst", "p_adjusted_worst", "deff"]]
print("wrote", report.save_table(findings, run))
