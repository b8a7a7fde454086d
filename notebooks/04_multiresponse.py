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
# # 04 · Pick-all-that-apply: what the "why people leave" figures can and cannot say
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table
# `data/raw/levada_error_table.csv` and `data/raw/metadata/` (options and their tone, waves).
# **Writes** `reports/tables/<run>.csv` (one row per quantity) and the figure
# `reports/figures/<run>-bounds.svg` with the CSV of its numbers.
#
# The essay notes that respondents could choose several answers, so one person may have called
# those who left "traitors" *and* given a positive reason. Published tables give only each
# option's share (its *marginal*). This notebook works out what those marginals pin down
# exactly, and gives sharp ranges (Fréchet bounds) for the joint statements the essay is about.

# %% tags=["parameters"]
run = "04_multiresponse"  # report name (set by make)
wave = "2025-04"  # wave whose published options are analysed
question = "why_people_leave"  # a pick-all-that-apply question of metadata/questions.yaml
deff = None  # None: the least-squares design effect from Levada's error table; or a number
alpha = 0.05  # error rate of the confidence intervals (0.05 for 95%)
n = None  # None: the wave's N from metadata/waves.yaml

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import figures, io, multiresponse, plots, report
from chasm.stats import design
from chasm.stats.intervals import share_interval

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n, question=question)
meta = io.load_metadata()
if meta["questions"][question]["response"] != "multiple":
    raise report.ParameterError(
        f"question={question!r} is not recorded as multiple response in "
        "metadata/questions.yaml; this notebook bounds pick-all-that-apply questions only")
deff_estimate = design.deff_from_error_table(io.load_error_table())
deff_used = deff_estimate.deff if deff is None else float(deff)
n_used = meta["waves"][wave]["n"] if n is None else n
n_assumed = n is None and meta["waves"][wave]["n_assumed"]
confidence = round(100 * (1 - alpha))
focus = multiresponse.FOCUS
report.say("Wave **{wave}**, question `{q}`. Design effect {d} ({how}); N = {n} ({nhow}); "
           "{c}% intervals.", wave=wave, q=question, d=report.fmt(deff_used, 2),
           how="least squares from Levada's error table" if deff is None else "set by parameter",
           n=n_used, nhow="assumed: the sources do not state it" if n_assumed else "as given",
           c=confidence)

# %% [markdown]
# ## Load inputs
# One figure per cell is used: a published number before words, then Levada's own releases
# (*primary*), then the essay, then the secondary summary (`chasm.figures.best`); where another
# source speaks to the same cell it is listed beside it. Each figure carries the range of true
# values its wording allows (±0.5 point of rounding for a number; ±5 points for words).

# %%
tidy = figures.load()
focus_label = meta["questions"][question]["options"][focus]["label"]
report.show(multiresponse.options_table(tidy, meta, question), index="option")

# %% [markdown]
# The tone (negative / neutral / positive) is this project's classification, following the
# essay's split of "positive interpretations" from the rest; it is not Levada's. The options of
# the wave analysed here:

# %%
opts = multiresponse.wave_options(tidy, meta, wave, question)
report.show(opts[["option", "tone", "figure_id", "source_kind", "value_text", "form", "low",
                  "high", "other_figures"]], index="option")

# %%
kinds = opts["source_kind"].value_counts()
report.say("{wave} has {k} published options of the {total} the metadata lists: {ess} quoted "
           "by the essay, {sec} from the secondary summary, {pri} from Levada's own releases. "
           "The full option list of the question is not known, so options nobody quoted may "
           "exist.", wave=wave, k=len(opts), total=len(meta["questions"][question]["options"]),
           ess=kinds.get("essay", 0), sec=kinds.get("secondary", 0),
           pri=kinds.get("primary", 0))

# %% [markdown]
# ## Compute: what the marginals identify
# The published shares are shares of *respondents*. Their sum is the mean number of answers
# per respondent times 100; with unpublished options (and "don't know") the true sum can only
# be larger, so the published sum gives a **lower bound**. A sum above 100% plus the rounding
# allowance (0.5 per option) proves that respondents could choose more than one answer
# (`chasm.stats.frechet.must_be_multiple_response`); a stricter version requires that even the
# lowest values the wording allows add up to more than 100%.

# %%
waves_q = sorted(tidy.loc[(tidy["question"] == question) & (tidy["subgroup_var"] == "all"),
                          "wave"].unique())
summaries = pd.DataFrame(
    [{"wave": w, **multiresponse.mention_summary(
        multiresponse.wave_options(tidy, meta, w, question))._asdict()}
     for w in waves_q])
report.show(summaries, digits=2, index="wave")

# %%
s = multiresponse.mention_summary(opts)
proving = summaries.loc[summaries["multiple_by_ranges"], "wave"].tolist()
if s.k == 0:
    display(report.say("{wave} published no option of this question: nothing to bound.",
                       wave=wave))
else:
    display(report.say(
        "The {k} published options of {wave} sum to {sum}% ({lo}–{hi}% allowing for rounding "
        "and wording), so respondents gave on average **at least {mm} answers** among the "
        "published options alone; unpublished options and \"don't know\" would only add to "
        "that.", k=s.k, wave=wave, sum=report.fmt(s.sum_point, 0), lo=report.fmt(s.sum_low),
        hi=report.fmt(s.sum_high), mm=report.fmt(s.mean_mentions_low, 2)))
    if s.multiple_by_ranges:
        display(report.say(
            "Even their lowest possible values add up to {lo}%, more than 100%: this table "
            "**must** come from a question that allowed several answers, as the essay says.",
            lo=report.fmt(s.sum_low)))
    else:
        display(report.say(
            "The sum does not exceed 100% by more than rounding, so this wave's published "
            "figures alone cannot prove that several answers were allowed (too few options are "
            "published); {other}.",
            other=("the sum for " + ", ".join(proving) + " does prove it for the same question")
            if proving else "no wave's published figures prove it either"))

# %% [markdown]
# **Shares of respondents vs shares of mentions.** Dividing each share by the sum gives the
# composition of the (published) answers, which adds to 100%. It is a different quantity: it
# falls when respondents merely name more options, so it is shown only to make the difference
# visible, never to compare waves.

# %%
shares = multiresponse.mention_shares(opts)
report.show(shares, index="option")

# %%
if s.k:
    f_row = shares.set_index("option").loc[focus] if focus in set(shares["option"]) else None
    if f_row is not None and s.sum_low > 100:
        display(report.say(
            "'{label}' is {resp}% of respondents but only {ment}% of the published mentions: "
            "it is one label among at least {mm} per person, not a share of people holding "
            "one view.", label=focus_label, resp=report.fmt(f_row["share_of_respondents"], 0),
            ment=report.fmt(f_row["share_of_mentions"]), mm=report.fmt(s.mean_mentions_low, 1)))
    elif f_row is not None:
        display(report.say(
            "With only {k} options published for {wave}, the share of the published mentions "
            "going to '{label}' ({ment}%) says nothing about the composition of all answers.",
            k=s.k, wave=wave, label=focus_label, ment=report.fmt(f_row["share_of_mentions"])))

# %% [markdown]
# ## Compute: joint quantities the essay is about
# From marginals alone, who chose which *combination* of answers is not identified; the sharp
# (Fréchet–Hoeffding) bounds give every value the published shares allow. With F the share
# choosing "traitors" and U the union of the positive options (U lies in
# [largest positive share, min(100, sum of positive shares)]):
#
# * F and at least one positive reason: [max(0, F + U_low − 100), min(F, U_high)];
# * F and no positive reason: [max(0, F − sum of positives), min(F, 100 − largest positive)];
# * at least one negative label: [largest negative share, min(100, sum of negatives)];
#   no negative label at all: 100 minus that.
#
# Each option's share is entered as its range of true values (rounding or wording), so the
# bounds cover every reading of the published text. **With sampling** the same bounds are
# applied to the options' confidence intervals (Manski style); for a quantity built on k
# options each interval is at level 1 − α/k (Bonferroni), so the widened range covers the
# quantity's identified range with probability at least 1 − α. Design effect as above; N as
# above.
#
# **Unpublished options.** The bounds are about the *published* options. If the question had
# other positive or negative options, only one end stays valid: the lower end of "any
# positive" / "any negative" and the upper end of "no positive" / "no negative" (column
# `holds_for_all_options`).

# %%
quantities = multiresponse.define_quantities(multiresponse.tones_of(opts), focus)
bounds = multiresponse.bounds_table(quantities, opts, n_used, deff_used, alpha)
report.show(bounds[["quantity", "label", "low", "high", "low_with_sampling",
                    "high_with_sampling", "k", "figure_ids", "holds_for_all_options",
                    "missing"]], index="quantity")

# %%
by_key = {q.key: q for q in quantities}
tone_sets = {t: opts.loc[opts["tone"] == t, "option"].tolist()
             for t in ("negative", "neutral", "positive")}
focus_range = bounds.set_index("quantity").loc[focus, ["low", "high"]]
end_text = {"both": "", "low": " If unpublished options of that tone exist, only the lower end "
            "holds.", "high": " If unpublished options of that tone exist, only the upper end "
            "holds."}
for row in bounds.itertuples():
    q = by_key[row.quantity]
    if q.missing:
        display(report.say("**{label}** cannot be bounded for {wave}: {why}.", label=q.label,
                           wave=wave, why=q.missing))
        continue
    numbers = dict(label=q.label, low=report.fmt(row.low), high=report.fmt(row.high),
                   ls=report.fmt(row.low_with_sampling), hs=report.fmt(row.high_with_sampling),
                   c=confidence, ids=row.figure_ids.replace(";", ", "))
    if q.kind == "focus":
        text = ("**{label}**: {low}–{high}% allowing for rounding ({ids}); with sampling "
                "error {ls}–{hs}% ({c}% interval).")
    elif q.kind in ("focus_and_any", "focus_and_none"):
        text = ("**{label}**: between {low}% and {high}% ({ls}–{hs}% with sampling error; "
                "from {ids}). From the marginals alone this group "
                + ("could be empty" if row.low <= 1e-9 else "must hold at least {low}%")
                + (" and could include everyone who chose 'traitors'."
                   if abs(row.high - focus_range["high"]) <= 1e-9 else
                   " and cannot exceed {high}%."))
        if len(q.options) == 1:
            text += (" Only one positive option ('" + q.options[0] + "') is published for "
                     "this wave, so \"a positive reason\" here means that option alone.")
    elif q.kind == "any":
        text = ("**{label}**: between {low}% and {high}% ({ls}–{hs}% with sampling error; "
                "from {ids}). The lower end is reached if everyone who chose a negative label "
                "also chose the most common one, the upper end if nobody chose two.")
    else:
        text = ("**{label}**: between {low}% and {high}% ({ls}–{hs}% with sampling error; "
                "from {ids}), the complement of the line above.")
    tone = "positive" if q.kind.startswith("focus_and") else "negative"
    unpublished = [o for o in meta["questions"][question]["options"]
                   if meta["questions"][question]["options"][o].get("tone") == tone
                   and o not in set(opts["option"])]
    if unpublished and q.holds_for_all_options != "both":
        text += (" The question has " + tone + " options no source quotes for this wave ("
                 + ", ".join(unpublished) + "), so only the "
                 + {"low": "lower", "high": "upper"}[q.holds_for_all_options]
                 + " end holds for the full question.")
    else:
        text += end_text[q.holds_for_all_options]
    display(report.say(text, **numbers))

# %% [markdown]
# ## "Half the country considers those who left traitors"?
# The essay warns against this reading. Two different statements hide in it: that half chose
# the label "traitors" (a single published share, with a confidence interval), and that half
# chose *some* negative label (a union, which the marginals only bound).

# %%
half = []
if focus in set(opts["option"]):
    f = opts.set_index("option").loc[focus]
    ci = share_interval(f["point"], n_used, deff_used, alpha=alpha, low_pct=f["low"],
                        high_pct=f["high"]).iloc[0]
    half.append({"statement": f"half chose '{focus_label}'", "low": ci["ci_low"],
                 "high": ci["ci_high"], "what": f"{confidence}% interval of {f['figure_id']}",
                 "versus_50": multiresponse.versus(ci["ci_low"], ci["ci_high"], 50.0)})
    display(report.say(
        "'{label}' at {text} ({fid}, {kind}) has a {c}% interval of {lo}–{hi}% (rounding "
        "included): half (50%) lies {verdict}.", label=focus_label, text=f["value_text"],
        fid=f["figure_id"], kind=f["source_kind"], c=confidence, lo=report.fmt(ci["ci_low"]),
        hi=report.fmt(ci["ci_high"]),
        verdict={"below": "above it, so \"half chose 'traitors'\" is ruled out",
                 "above": "below it", "straddles": "inside it: not ruled out"}[
            multiresponse.versus(ci["ci_low"], ci["ci_high"], 50.0)]))
any_neg = bounds.set_index("quantity").loc["any_negative"]
if not by_key["any_negative"].missing:
    half.append({"statement": "half chose some negative label", "low": any_neg["low"],
                 "high": any_neg["high"], "what": "identified range (Fréchet)",
                 "versus_50": multiresponse.versus(any_neg["low"], any_neg["high"], 50.0)})
    half.append({"statement": "half chose some negative label (with sampling)",
                 "low": any_neg["low_with_sampling"], "high": any_neg["high_with_sampling"],
                 "what": f"Bonferroni {confidence}% widening",
                 "versus_50": multiresponse.versus(any_neg["low_with_sampling"],
                                             any_neg["high_with_sampling"], 50.0)})
    neg = opts[opts["tone"] == "negative"]
    verdict = multiresponse.versus(any_neg["low"], any_neg["high"], 50.0)
    if verdict == "straddles":
        extra = ""
        if len(neg) == 2:
            extra = (" It would reach half only if at most {both}% of the sample chose both "
                     "negative labels (the union is the two shares minus those who chose both).")
        display(report.say(
            "The share choosing at least one negative label lies between {lo}% and {hi}%: "
            "\"half the country chose some negative label\" is **possible but not identified** "
            "— the published marginals neither show nor exclude it." + extra,
            lo=report.fmt(any_neg["low"]), hi=report.fmt(any_neg["high"]),
            both=report.fmt(neg["high"].sum() - 50.0)))
    else:
        display(report.say(
            "The share choosing at least one negative label lies between {lo}% and {hi}%, "
            "entirely {side} 50%.", lo=report.fmt(any_neg["low"]),
            hi=report.fmt(any_neg["high"]), side=verdict))
half = pd.DataFrame(half, columns=["statement", "low", "high", "what", "versus_50"])
report.show(half, index="statement")

# %% [markdown]
# ## Figure: the ranges the published marginals allow
# Dark bars: the identified range (rounding and wording only). Light bars: widened by sampling
# error. Dots: the published shares of the options each quantity is built from, coloured by
# source (not drawn for "no negative label", which is 100 minus a union). The dashed line
# marks half the sample.

# %%
plots.theme()
rows = bounds.iloc[::-1].reset_index(drop=True)
fig, ax = plt.subplots(figsize=(8.0, 0.75 * len(rows) + 1.4))
shown_kinds = set()
plot_data = []
for y, row in rows.iterrows():
    q = by_key[row["quantity"]]
    if q.missing:
        ax.text(50, y, "not bounded: " + q.missing, ha="center", va="center", fontsize=8,
                color="#555555")
        continue
    ax.barh(y, row["high_with_sampling"] - row["low_with_sampling"],
            left=row["low_with_sampling"], height=0.55, color="#d9d9d9",
            label="with sampling error" if y == 0 else None)
    ax.barh(y, max(row["high"] - row["low"], 0.4), left=row["low"], height=0.3,
            color="#4d4d4d", label="identified range" if y == 0 else None)
    plot_data += [{"quantity": row["quantity"], "element": "identified", "option": "",
                   "figure_id": "", "source_kind": "", "low": row["low"], "high": row["high"]},
                  {"quantity": row["quantity"], "element": "with_sampling", "option": "",
                   "figure_id": "", "source_kind": "", "low": row["low_with_sampling"],
                   "high": row["high_with_sampling"]}]
    if q.kind == "none":
        continue  # 100 minus a union: the options' own shares are not on this scale
    used = opts.set_index("option").loc[list(q.uses)]
    offsets = np.linspace(-0.16, 0.16, len(used)) if len(used) > 1 else [0.0]
    for dy, (option, o) in zip(offsets, used.iterrows(), strict=True):
        kind = o["source_kind"]
        ax.plot(o["point"], y + dy, "o", ms=5, color=plots.SOURCE_PALETTE[kind],
                markeredgecolor="white", markeredgewidth=0.6,
                label=f"published share ({kind})" if kind not in shown_kinds else None)
        shown_kinds.add(kind)
        plot_data.append({"quantity": row["quantity"], "element": "point", "option": option,
                          "figure_id": o["figure_id"], "source_kind": kind, "low": o["point"],
                          "high": o["point"]})
ax.axvline(50, color="#b03a2e", ls="--", lw=1, label="half the sample")
ax.set_yticks(range(len(rows)), [by_key[k].label for k in rows["quantity"]], fontsize=8.5)
ax.set_xlim(0, 100)
ax.set_xlabel("percent of respondents")
ax.set_title(f"'{question}', {wave}: what the published marginals allow", fontsize=10)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=7.5, frameon=False)
plots.save_figure(fig, pd.DataFrame(plot_data), run, "bounds")

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per quantity: `wave`; `quantity` (`sum_of_published_shares`
# = sum of the published options' shares, a lower bound of 100 × the mean number of answers;
# `traitors`; `traitors_and_any_positive`; `traitors_and_no_positive`; `any_negative`;
# `no_negative`); `low`, `high` (percent: identified range from rounding and wording);
# `low_with_sampling`, `high_with_sampling` (Bonferroni-widened by sampling error; empty for the
# sum); `figure_ids` (";"-separated figures used); `holds_for_all_options` (which end stays
# valid if unpublished options exist); `note` (why a quantity could not be bounded).

# %%
key_numbers = pd.concat([
    pd.DataFrame([{"quantity": "sum_of_published_shares", "low": s.sum_low, "high": s.sum_high,
                   "low_with_sampling": np.nan, "high_with_sampling": np.nan,
                   "figure_ids": ";".join(opts["figure_id"]), "holds_for_all_options": "low",
                   "missing": "" if s.k else "no option published"}]),
    bounds[["quantity", "low", "high", "low_with_sampling", "high_with_sampling", "figure_ids",
            "holds_for_all_options", "missing"]],
], ignore_index=True).rename(columns={"missing": "note"})
key_numbers.insert(0, "wave", wave)
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers, index="quantity")

# %% [markdown]
# ## What this rests on
# Which figures are second-hand, what is assumed, and what is missing.

# %%
second_hand = opts[opts["source_kind"].isin(["essay", "secondary"])]
report.say("{m} of the {k} figures used here are second-hand ({ids}): the essay's quotation of "
           "Levada's tables or a secondary summary, not the tables themselves. N = {n} is "
           "{nass}. The tone of each option is our classification.",
           m=len(second_hand), k=len(opts), ids=", ".join(second_hand["figure_id"]) or "none",
           n=n_used, nass="an assumption (Levada's standard design)" if n_assumed else "given")

# %%
report.show(io.load_gaps(), index="id")
