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
# # 06 · Claims: what the essay says and what the figures allow
#
# Each claim of a text that quotes these polls is checked against the published figures: a
# verdict from a fixed vocabulary, the numbers behind it and the sources of every figure used.

# %% tags=["parameters"]
run = "06_claims"  # report name (set by make)
deff = None  # design effect; None: the least-squares value from Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05: 95%)
n = None  # interviews per wave; None: each wave's n from metadata/waves.yaml

# %%
import pandas as pd
from IPython.display import display

from chasm import formats, report, tables
from chasm.analysis import plan, verdicts
from chasm.data import figures, load, worded
from chasm.register import claims, sensitivity
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
error_table = load.load_error_table()
deff_used = deff if deff is not None else design.deff_from_error_table(error_table).deff
pd.set_option("display.max_colwidth", None)
tidy = figures.load()
meta = load.load_metadata()
population = load.load_population()
approval = load.load_approval()
sources = load.load_sources()
outlets = figures.outlets(sources)
registers = claims.load_registers(tidy=tidy, sources=sources)
main_text = claims.main_register(sources)
register_in = registers[main_text]
register = claims.evaluate(register_in, tidy, meta, population, approval, error_table,
                           deff=deff, alpha=alpha, n=n)


def claim_lines(rows: pd.DataFrame):
    """One Markdown bullet per claim: id, verdict, paraphrase, its number and range."""
    if rows.empty:
        return report.say("*None.*")
    lines, values = [], {}
    for i, (_, row) in enumerate(rows.iterrows()):
        number = claims.key_number(row)
        lines.append(f"- **{{id{i}}}** ({{v{i}}}): {{p{i}}}" + (f" {{x{i}}}." if number else ""))
        values.update({f"id{i}": row["claim_id"], f"v{i}": row["verdict"],
                       f"p{i}": row["paraphrase"], f"x{i}": number})
    return report.say("\n".join(lines), **values)


# %% [markdown]
# ## What the register finds

# %%
report.say("**{name}**: {sentence} {quotes}", name=outlets.get(main_text, main_text),
           sentence=claims.summary_sentence(register),
           quotes=claims.quotation_sentence(register))

# %%
firm = claims.claims_only(register)
firm = firm[firm["verdict"].isin(["supported", "contradicted", "not identifiable"])]
claim_lines(firm)

# %%
report.show(claims.verdict_counts(claims.claims_only(register)), index=None)

# %% [markdown]
# ## The register, claim by claim
# Grouped by kind: the figures as quoted, the comparisons, the interpretations, and
# qualitative statements no survey figure can test. Each claim's evidence is generated from the
# computed numbers; its sources name every figure a verdict used, including the figures it was
# checked against. A quoted figure has two axes: its verdict as a claim (supported only by a
# check that could fail) and its **quotation** status, whether a source of its own bears the
# quoted number out.

# %%
shown = ["claim_id", "verdict", "quotation", "provenance", "paraphrase", "evidence", "sources"]
kind_titles = {"figure": "Figures quoted", "comparison": "Comparisons",
               "interpretation": "Interpretations", "qualitative": "Qualitative statements"}


def by_outlet(text: str) -> str:
    """A claim's sources ("<source id> (<kind>): <figure ids>; ...") with each source named by
    its outlet."""
    return "; ".join(outlets.get(sid, sid) + " " + rest for sid, _, rest in
                     (part.strip().partition(" ") for part in text.split(";") if part.strip()))


def register_sections(frame: pd.DataFrame) -> list:
    """The register grouped by kind: a heading with the count, then that kind's rows (the
    quotation status only for quoted figures, sources by outlet)."""
    out = []
    for kind in claims.KINDS:
        part = frame[frame["kind"] == kind].assign(sources=lambda f: f["sources"].map(by_outlet))
        columns = [c for c in shown if c != "quotation" or kind == "figure"]
        if len(part):
            out += [report.say("### {title} ({k})", title=kind_titles.get(kind, kind),
                               k=len(part)),
                    report.show(part[columns], index="claim_id")]
    return out


display(*register_sections(register))

# %% [markdown]
# ## How the verdicts depend on the design effect
# Levada's error table implies a design effect near 1.9; the values below run from simple
# random sampling (1.0) to a heavier design (2.5). Only claims whose verdict changes with the
# design effect are listed.

# %%
by_deff = claims.deff_sensitivity(register_in, tidy, meta, population, approval,
                                  error_table, design.DEFF_SENSITIVITY, alpha=alpha, n=n)
moving = by_deff[by_deff.nunique(axis=1) > 1]
report.say("{k} of {t} claims change verdict between design effects {lo} and {hi}"
           "{listing}.", k=len(moving), t=len(by_deff),
           lo=formats.fmt(min(design.DEFF_SENSITIVITY), 1),
           hi=formats.fmt(max(design.DEFF_SENSITIVITY), 1),
           listing=(": " + ", ".join(moving.index)) if len(moving) else "")

# %%
report.show(moving.reset_index(), index="claim_id")

# %% [markdown]
# ## Tipping points: how far each firm verdict is from flipping
# For every supported or contradicted claim with a sampling test: the design effect above which
# it would no longer hold, the factor on the interviews below which it would not, and the shift
# in answering, in points, at which it flips (added to the later wave or group of a two-sample
# test; by which a paired difference must shrink; the bias that would bring a level to its
# threshold). Each is the tipping point of the verdict's own test, rounding as noise included;
# the note says which test.

# %%
tipping = sensitivity.tipping_table(register, alpha)
report.save_table(tipping, "tipping")
report.show(tipping.drop(columns=["rule", "comparison_id"]), digits=3, index="claim_id")

# %% [markdown]
# ## The specification table: each confirmatory verdict under the alternatives
# The analysis plan was written after the first results (its history is in `data/plan.yaml`):
# the family of the wave comparisons and the rounding treatment were fixed after the tests had
# been seen. Every confirmatory wave verdict is therefore shown under every specification: Holm
# over a family of the essay's comparisons up to every declared one, rounding as noise, at the
# least favourable ends, or as exact interval-censoring, the design effect across Levada's
# feasible range and up to 2.5, and 1200, 1600 or 2000 interviews per wave; with the smallest
# equivalence margin and the stability readings at ±3 and ±5 points under noise (every row in
# `reports/tables/specifications.csv`).

# %%
analysis = plan.load_plan()
display(report.say("{note}", note=tables.with_family_labels(
    plan.post_hoc_note(analysis, ("families", "rounding")))))
feasible = design.deff_from_error_table(error_table)
spec = sensitivity.specification_table(analysis, tidy, meta, (feasible.deff_low, feasible.deff,
                                                               feasible.deff_high, 2.5), alpha)
report.save_table(spec, "specifications")
spec_summary = sensitivity.specification_summary(spec, register)
report.show(spec_summary.drop(columns=["comparison_id"]), index="claim_id")

# %%
for _, row in spec_summary.iterrows():
    holds = "; ".join(f"{c.split(', ', 1)[1]}: {row[c]}" for c in spec_summary.columns
                      if c.startswith("holds, "))
    display(report.say("Across the specification table, claim {cid} is {v} in {h} of {t} "
                       "specifications ({by}).", cid=row["claim_id"], v=row["verdict"],
                       h=int(row["holds"]), t=int(row["specifications"]), by=holds))

# %% [markdown]
# ## Preference falsification as a parameter
# List experiments in Russia put direct answers on loyalty questions up to about 10 points
# away from indirect estimates. A bias that is the same in both waves cancels in a change; a
# drift between waves (or a bias in a level) of 0-10 points is applied against each verdict:

# %%
report.show(sensitivity.falsification_table(tipping), index="claim_id")

# %% [markdown]
# ## Every other text's register
# Each further register is another text that quotes these polls, checked by the same rules (a
# share against a threshold, a change between waves, the highest or lowest wave of a series, a
# group against the total or the rest, an ordering of groups, a figure quoted as words); a
# group whose size no source gives is checked at every size it can have. Its verdicts are on
# its own page and in the same table.

# %%
others = claims.evaluate_others(registers, main_text, tidy, meta, population, approval,
                                error_table, deff=deff, alpha=alpha, n=n)
report.say("{k} further register{s}{listing}.", k=len(others), s="" if len(others) == 1 else "s",
           listing=(": " + "; ".join(f"{outlets.get(t, t)} ({len(r)} claims)"
                                     for t, r in others.items())) if others else "")

# %%
for text_id, other in others.items():
    display(report.say("**{name}**: {sentence}", name=outlets.get(text_id, text_id),
                       sentence=claims.summary_sentence(other)))
    display(claim_lines(claims.claims_only(other)))
    display(*register_sections(other))

# %% [markdown]
# ## What a verdict means
# Every published figure stands for an interval of true values: a whole number ±0.5 point of
# rounding, "35-40%" its ends ±0.5, a fraction in words ±5 points. Verdicts read the published
# values with that rounding as ordinary uncertainty (a uniform error added to the sampling
# variance), after the multiplicity adjustment the analysis plan declares; the least favourable
# rounding, other design effects and sample sizes are robustness columns. Each word of the
# vocabulary has one rule:

# %%
report.show(verdicts.RULES_TEXT, index="verdict")

# %% [markdown]
# A quoted figure's quotation status has its own rules:

# %%
report.show(pd.DataFrame(verdicts.QUOTATION, columns=["quotation", "rule"]), index="quotation")

# %% [markdown]
# **Provenance is not inference.** A separate column says how many sources give a claim's
# figures, of which kind, and whether two sources for the same cell agree (their intervals
# overlap). **The plan's families** (`data/plan.yaml`), each with its role, its multiplicity
# method, and whether it was fixed before or after the results were seen:

# %%
families = plan.family_table(analysis)
report.show(families.assign(method=families["method"].map(formats.fmt_method))
            [["why", "role", "method", "fixed"]], index="why")

# %% [markdown]
# **Words are coarsened figures, not rounding noise.** A source that writes "a third" says only
# that the share lies in a band around a third (±5 points); where a numeric figure of the same
# cell falls in that band, both describe one quantity, which lies in the intersection of their
# ranges, and every comparison uses that intersection. Only where the ranges cannot overlap do
# the sources conflict, and only there can a conclusion depend on the source believed.

# %%
identified = worded.identification_table(tidy)
report.say("{k} of the {t} worded figures overlap a numeric figure of their cell and are read "
           "as the intersection: {ids}.", k=int(identified["changed"].sum()), t=len(identified),
           ids=", ".join(f"{r.figure_id} with {r.identified_with}"
                         for r in identified[identified["changed"]].itertuples()) or "none")
report.show(identified, index="figure_id")

# %% [markdown]
# ## Where the figures come from, and what is assumed

# %%
used = sorted({f for c in register_in for f in c.figure_ids})
by_source = tidy.set_index("figure_id").loc[used].groupby("source_id").size()
assumed = sorted(w for w, info in meta["waves"].items() if info["n_assumed"]
                 and w in set(tidy.set_index("figure_id").loc[used, "wave"]))
report.say("Design effect **{d}** ({how}); {conf} intervals; {size}. The {t} figures the "
           "claims rest on come from {listing}.{waves}",
           d=formats.fmt(deff_used, 2),
           how="set as a parameter" if deff is not None else "least squares fit to Levada's "
           "published error table",
           conf=formats.fmt_level(alpha),
           size=f"n = {n} interviews per wave (parameter)" if n is not None else
           "each wave's n from the metadata", t=len(used),
           listing="; ".join(f"{outlets.get(s, s)} ({k})" for s, k in by_source.items()),
           waves=(" The sample size of the waves " + " and ".join(assumed) + " is not "
                  "published: N = " + ", ".join(sorted({str(meta["waves"][w]["n"])
                                                         for w in assumed}))
                  + " is assumed.") if assumed else "")

# %%
report.show(load.load_gaps(), index="id")

# %% [markdown]
# ## How this page was made
# **Reads** the claims registers `data/claims/<text_id>.csv` (one per text, the text in
# `data/raw/sources.csv`), the analysis plan `data/plan.yaml`, the tidy figures
# `data/processed/figures.csv`, Levada's error table, the Rosstat population, the approval series
# and `data/raw/metadata/`. **Writes** `reports/tables/claims.csv`: one row per claim of every
# register (the main register first) with its verdict, provenance, evidence, sources and key
# numbers: the test the numbers belong to and its adjustment, what the numbers measure, the
# estimate with its range and the range's kind (a CI, a rounding range or an identification
# range), the p-values at the published values, with rounding as noise, adjusted, and at the
# least favourable rounding, a quoted figure's quotation status, the rounding noise of its test,
# the smallest equivalence margin of a similarity claim, the range of an unpublished cell, a
# group's share of an answer with its CI and its rounding range, a two-sample test's inputs, the
# design effect, and the sizes of a group of unknown size at which the claim is supported;
# empty where a rule has no such number. The tipping points are saved as
# `reports/tables/tipping.csv` and the specification table as
# `reports/tables/specifications.csv`.

# %%
report.save_table(pd.concat([register, *others.values()], ignore_index=True), "claims")
