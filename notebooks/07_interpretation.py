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
# **Reads** the tidy figures (`data/processed/figures.csv`), the claims register
# (`data/claims.csv`), the analysis plan (`data/plan.yaml`), Levada's error table, the Rosstat
# population and the approval series.
# **Writes** `reports/tables/07_interpretation.csv` (the findings quoted below).
#
# Every number in this report is computed here from the figures by the package (the claims
# register's rules, `chasm.register.claims`); none is typed. Change a raw figure and the sentences
# change.

# %% tags=["parameters"]
run = "07_interpretation"  # report name (set by make)
deff = None  # design effect (None: least squares from the Levada error table)
alpha = 0.05  # significance level
n = None  # sample size per wave (None: the N of each wave in metadata/waves.yaml)

# %%
from IPython.display import display

from chasm import formats, report
from chasm.analysis import plan
from chasm.data import figures, load
from chasm.register import claims, sensitivity
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)

# %% [markdown]
# ## Load inputs

# %%
tidy = figures.load()
meta = load.load_metadata()
errors = load.load_error_table()
estimate = design.deff_from_error_table(errors)
deff_used = estimate.deff if deff is None else deff
register = claims.evaluate(claims.load_claims(tidy=tidy), tidy, meta, load.load_population(),
                           load.load_approval(), errors, deff=deff, alpha=alpha, n=n)
gaps = load.load_gaps()
analysis = plan.load_plan()

# %% [markdown]
# ## What the evidence supports
# Claims whose test holds in the claimed direction after the analysis plan's adjustment, with
# rounding as ordinary uncertainty (the rules: 06_claims, `chasm.register.verdicts`).

# %%
display(claims.verdict_bullets(register, ("supported",)))

# %%
fall = register.set_index("claim_id").loc["C13"]
display(report.say(
    "The headline change [{cid}], 'traitors' from March 2024 to April 2025, is {diff} points "
    "({conf} CI {lo} to {hi}): p = {p} at the published values, {pr} with rounding as noise; "
    "{method} over the essay's {m} wave comparisons: adjusted p {padj}. Its verdict is "
    "**{verdict}**. At "
    "the least favourable rounding of both integers p = {pw}, adjusted {paw}: a robustness "
    "check, not the verdict.",
    cid=fall["comparison_id"], diff=formats.fmt(fall["estimate"]), conf=formats.fmt_level(alpha),
    lo=formats.fmt(fall["low"]), hi=formats.fmt(fall["high"]),
    p=formats.fmt(fall["p_value"], 3), pr=formats.fmt(fall["p_rounding"], 3),
    method=formats.fmt_method(fall["method"]), m=int(fall["family_size"]),
    padj=formats.fmt(fall["p_adjusted"], 3), verdict=fall["verdict"],
    pw=formats.fmt(fall["p_worst"], 3), paw=formats.fmt(fall["p_adjusted_worst"], 3)))

# %%
display(sensitivity.tipping_sentence(register, "C13", alpha, deff_used))

# %%
spec_summary = sensitivity.specification_summary(sensitivity.specification_table(
    analysis, tidy, meta, (estimate.deff_low, estimate.deff, estimate.deff_high, 2.5), alpha),
    register)
display(sensitivity.specification_sentence(spec_summary, "C13"))
display(report.say("{note} The specification table (06_claims) shows the verdict under the "
                   "alternatives.", note=plan.post_hoc_note(analysis, ("families", "rounding"))))

# %% [markdown]
# ## Inconclusive: the data allow the claim and its negation

# %%
display(claims.verdict_bullets(register, ("inconclusive",)))

# %%
young = register.set_index("claim_id").loc["C17"]
display(report.say(
    "The young are 'not much less' than everyone else (C17) is a similarity claim, so it needs "
    "an equivalence result: within ±{m} points (the plan's margin), the figures establish "
    "only ±{sm} points, so it is **{verdict}**.",
    m=formats.fmt_short(analysis.margin), sm=formats.fmt(young["smallest_margin"]),
    verdict=young["verdict"]))

# %% [markdown]
# ## What the figures cannot say, or contradict

# %%
display(claims.verdict_bullets(register, ("not identifiable", "contradicted")))

# %%
gap = register.set_index("claim_id").loc["C18"]
display(report.say(
    "Of all 'traitors' answers in March 2024, about {b}% come from those who disapprove of "
    "Putin ({conf} CI {lo} to {hi}% with sampling error, Bayes' rule).",
    b=formats.fmt(gap["bayes_share"]), conf=formats.fmt_level(alpha),
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
kinds = tidy["source_kind"].value_counts()
assumed = sorted(w for w, v in meta["waves"].items() if v["n_assumed"])
display(report.say(
    "Of the {total} figures used, {essay} come from the essay's quotation and {secondary} from a "
    "secondary summary; {primary} come from Levada's own (English) releases. The sample size "
    "of every wave ({waves}) is assumed, not published.",
    total=len(tidy), essay=int(kinds.get("essay", 0)), secondary=int(kinds.get("secondary", 0)),
    primary=int(kinds.get("primary", 0)), waves=", ".join(assumed)))

# %%
display(report.say(
    "**Sampling error is a floor, not the total error.** Levada's own error table implies a "
    "design effect of {deff} (feasible range {lo} to {hi}), i.e. about {neff} effective interviews "
    "out of {n}; this report used {used}. Non-response and preference falsification come on top: "
    "list experiments in Russia put direct-question support for Putin and the war roughly 5 to 10 "
    "points above indirect estimates (Frye et al. 2017, 2023; Chapkovski & Schaub 2022). Shares "
    "that track loyalty, like the 'traitors' label, may carry a bias of that order; if it is "
    "stable between waves it largely cancels in the change, but not in the levels.",
    deff=formats.fmt(estimate.deff, 2), lo=formats.fmt(estimate.deff_low, 2),
    hi=formats.fmt(estimate.deff_high, 2), neff=formats.fmt(estimate.n_eff, 0),
    n=int(estimate.n), used=formats.fmt(deff_used, 2)))

# %% [markdown]
# **Approval is an attitude, not a fixed trait.** The approve/disapprove breakdown describes
# association, not effect; age and approval were published as separate one-way breakdowns, so
# their joint distribution (and the age effect net of approval) is not identified. The meaning
# of the word "traitor" to respondents is beyond what any marginal table can show.

# %% [markdown]
# ## Save outputs
# `reports/tables/07_interpretation.csv`: one row per claim with its verdict, provenance and key
# numbers (`comparison_id`, `method`, `measure`, `estimate`, `low`, `high`, `p_value`,
# `p_rounding`, `p_adjusted`, `p_worst`, `p_adjusted_worst`, `deff`; see 06_claims).

# %%
findings = register[["claim_id", "kind", "verdict", "provenance", "comparison_id", "method",
                     "measure", "estimate", "low", "high", "p_value", "p_rounding", "p_adjusted",
                     "p_worst", "p_adjusted_worst", "deff"]]
print("wrote", report.save_table(findings, run))
