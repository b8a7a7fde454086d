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
# # 04 · Pick-all-that-apply: what the "why people leave" figures can and cannot say
#
# **Reads** `data/processed/figures.csv` (written by 01_ingest), Levada's error table
# `data/raw/levada_error_table.csv`, `data/raw/sources.csv` and `data/raw/metadata/` (options
# and their tone, waves).
# **Writes** `reports/tables/<run>.csv` (one row per quantity) and the figure
# `reports/figures/<run>-bounds.svg` with the CSV of its numbers.
#
# The essay notes that respondents could choose several answers, so one person may have called
# those who left "traitors" *and* given a positive reason. Published tables give only each
# answer's share of respondents. This page works out what those shares pin down exactly, and
# gives the full range of values they allow (Fréchet bounds) for the combinations of answers
# the essay is about.

# %% tags=["parameters"]
run = "04_multiresponse"  # report name (set by make)
wave = "2025-04"  # wave whose published options are analysed
question = "why_people_leave"  # a pick-all-that-apply question of metadata/questions.yaml
focus = "traitors"  # the option the joint quantities are about (an option of `question`)
deff = None  # None: the least-squares design effect from Levada's error table; or a number
alpha = 0.05  # error rate of the confidence intervals (0.05 for 95%)
n = None  # None: the wave's N from metadata/waves.yaml

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from chasm import formats, plots, report
from chasm.analysis import multiresponse
from chasm.data import figures, load
from chasm.stats import design

report.check_params(wave=wave, deff=deff, alpha=alpha, n=n, question=question)
meta = load.load_metadata()
multiresponse.check_question(meta, question)
multiresponse.check_focus(meta, question, focus)
deff_estimate = design.deff_from_error_table(load.load_error_table())
deff_used = deff_estimate.deff if deff is None else float(deff)
n_used = meta["waves"][wave]["n"] if n is None else n
n_assumed = n is None and meta["waves"][wave]["n_assumed"]
level = formats.level_percent(alpha)  # e.g. 95
options_meta = meta["questions"][question]["options"]
focus_label = options_meta[focus]["label"]

# every number of this page, from the package: the published options, what their sum proves,
# the bounds of the combinations the essay is about, and the "half the country" check
tidy = figures.load()
sources = load.load_sources()
opts = multiresponse.wave_options(tidy, meta, wave, question)
published = not opts.empty
summaries = multiresponse.mention_summaries(tidy, meta, question)
s = multiresponse.mention_summary(opts)
shares = multiresponse.mention_shares(opts)
quantities = multiresponse.define_quantities(multiresponse.tones_of(opts), focus)
bounds = multiresponse.bounds_table(quantities, opts, n_used, deff_used, alpha)
half = multiresponse.half_the_country(opts, bounds, n_used, deff_used, alpha, focus_label, focus)


# %%
# How this page writes what it found: waves by their month, answers by their label.

def answer(option):
    return options_meta.get(option, {}).get("label", option)


def pct(value, digits=1):
    return formats.fmt(value, digits)


WAVE = formats.fmt_month(wave)
by_key = {q.key: q for q in quantities}
row = bounds.set_index("quantity")
QUANTITY = {"sum_of_published_shares": "sum of the published shares",
            **{q.key: q.label.replace(f"'{focus}'", f"'{focus_label}'") for q in quantities}}
HOLDS = {"both": "both ends", "low": "the lower end only", "high": "the upper end only"}
SIDE = {"below": "below 50%", "above": "above 50%", "straddles": "includes 50%",
        "not bounded": "not bounded"}

# %% [markdown]
# ## What this page finds

# %%
found = []
for r in half.itertuples():
    if "sampling" not in r.statement:
        found.append(report.say(
            "- **{what}**: {lo}–{hi}% ({how}), so half the country is **{verdict}**.",
            what=r.statement.replace("half chose", "Chose"), lo=pct(r.low), hi=pct(r.high),
            how=f"{level}% interval" if r.statement.startswith("half chose '") else
            "the range the published shares allow", verdict={
                "below": "ruled out", "above": "exceeded",
                "straddles": "possible but not shown"}.get(r.versus_50, "not bounded")))
if published and not by_key[f"{focus}_and_any_positive"].missing:
    both = row.loc[f"{focus}_and_any_positive"]
    found.append(report.say(
        "- **Chose '{f}' and a positive reason**: from {lo}% to {hi}% ({slo}–{shi}% with "
        "sampling error): {what}.", f=focus_label, lo=pct(both["low"]), hi=pct(both["high"]),
        slo=pct(both["low_with_sampling"]), shi=pct(both["high_with_sampling"]),
        what="the published shares cannot say whether anyone combined the two"
        if both["low"] <= 1e-9 else "some respondents must have combined the two"))
if not published:
    found.append(report.say("- **{w} published no answer of this question**: nothing to bound.",
                            w=WAVE))
elif s.multiple_by_ranges:
    found.append(report.say(
        "- **The {k} published answers of {w} sum to {sum}%** ({lo}–{hi}% allowing for rounding "
        "and wording): respondents **must** have been allowed several answers, at least {mm} "
        "each on average.", k=s.k, w=WAVE, sum=pct(s.sum_point, 0), lo=pct(s.sum_low),
        hi=pct(s.sum_high), mm=formats.fmt(s.mean_mentions_low, 2)))
else:
    found.append(report.say(
        "- **The {k} published answers of {w} sum to {sum}%** ({lo}–{hi}% allowing for rounding "
        "and wording): too few answers are published to prove that several answers were "
        "allowed.", k=s.k, w=WAVE, sum=pct(s.sum_point, 0), lo=pct(s.sum_low),
        hi=pct(s.sum_high)))
display(*found)

# %%
report.say("Wave **{w}**, the question \"{q}\". Design effect {d} ({how}); N = {n} ({nhow}); "
           "{c}% intervals.", w=WAVE,
           q=meta["questions"][question]["wording_en"].split(" (")[0],
           d=formats.fmt(deff_used, 2),
           how="least squares from Levada's error table" if deff is None else "set for this run",
           n=n_used, nhow="assumed: the sources do not state it" if n_assumed else "as given",
           c=level)

# %% [markdown]
# ## The published answers, source by source
# One figure per cell is used: a published number before words, then the pollster's own
# releases (*primary*), then the essay, then secondary sources, then the lower figure id; where
# another source speaks to the same cell it is listed beside it, and where the choice matters
# (the figures disagree, or only the id decided) a sentence below the answers says which was
# taken. Each figure carries the range of true values its wording allows (±0.5 point of
# rounding for a number; ±5 points for words).

# %%
def cell_text(o):
    """One answer of one wave as the table shows it: '37% (E01, essay, number); also ...'."""
    also = f"; also {o.other_figures}" if o.other_figures else ""
    return f"{o.value_text} ({o.figure_id}, {o.source_kind}, {o.form}){also}"


waves_table = pd.DataFrame({"option": list(options_meta),
                            "label": [o["label"] for o in options_meta.values()],
                            "tone": [o.get("tone", "unclassified") for o in options_meta.values()]})
for w in multiresponse.question_waves(tidy, question):  # every option of every wave, or "–"
    cells = {o.option: cell_text(o) for o in
             multiresponse.wave_options(tidy, meta, w, question).itertuples()}
    waves_table[w] = [cells.get(o, "–") for o in waves_table["option"]]
report.show(waves_table, index="option", columns={
    "option": None, "tone": None,
    **{w: formats.fmt_month(w) for w in waves_table.columns
       if w not in ("option", "label", "tone")}})

# %% [markdown]
# The tone (negative / neutral / positive) is this project's classification, following the
# essay's split of "positive interpretations" from the rest; it is not Levada's. The answers of
# the wave analysed here (a wave that published none gets no table, figure or bound below):

# %%
report.show(opts[["option", "tone", "figure_id", "source_kind", "value_text", "form", "low",
                  "high", "other_figures"]], index="option") if published else None

# %%
where = (" " + figures.kind_sentence(tidy[tidy["figure_id"].isin(opts["figure_id"])], sources)
         if published else "")
display(report.say(
    "{w} has {k} published answers of the {total} the metadata lists.{where} The full list of "
    "answers to the question is not known, so answers nobody quoted may exist.", w=WAVE,
    k=len(opts), total=len(options_meta), where=where) if published else report.say(
    "{w} published no answer of this question: nothing to bound.", w=WAVE),
    *[report.say("**{cell}:** {what}", cell=cell, what=what) for cell, what in
      figures.best_parts(tidy[(tidy["wave"] == wave) & (tidy["question"] == question)], sources)])

# %% [markdown]
# ## The sum of the shares: were several answers allowed?
# The published shares are shares of *respondents*. Their sum is the mean number of answers
# per respondent times 100; with unpublished answers (and "don't know") the true sum can only
# be larger, so the published sum gives a **lower bound**. A sum above 100% plus the rounding
# allowance (0.5 per answer) proves that respondents could choose more than one answer; a
# stricter version requires that even the lowest values the wording allows add up to more
# than 100%.

# %%
report.show(summaries, digits=2, index="wave", columns={
    "wave": None, "sum_point": None, "sum_low": None, "sum_high": None,
    "mean_mentions_low": None, "multiple_by_points": "several answers proven (points)",
    "multiple_by_ranges": "several answers proven (lowest values)", "k": "answers published"},
    labels={"wave": {w: formats.fmt_month(w) for w in summaries["wave"]}})

# %%
proving = [formats.fmt_month(w)
           for w in summaries.loc[summaries["multiple_by_ranges"].astype(bool), "wave"]]
display(*([report.say(
    "The {k} published answers of {w} sum to {sum}% ({lo}–{hi}% allowing for rounding and "
    "wording), so respondents gave on average **at least {mm} answers** among the published "
    "answers alone; unpublished answers and \"don't know\" would only add to that.", k=s.k,
    w=WAVE, sum=pct(s.sum_point, 0), lo=pct(s.sum_low), hi=pct(s.sum_high),
    mm=formats.fmt(s.mean_mentions_low, 2)), report.say(
    "Even their lowest possible values add up to {lo}%, more than 100%: this table **must** "
    "come from a question that allowed several answers, as the essay says.", lo=pct(s.sum_low))
    if s.multiple_by_ranges else report.say(
    "The sum does not exceed 100% by more than rounding, so this wave's published figures "
    "alone cannot prove that several answers were allowed (too few answers are published); "
    "{other}.", other=f"the sum for {', '.join(proving)} does prove it for the same question"
    if proving else "no wave's published figures prove it either")] if s.k else []))

# %% [markdown]
# ## A share of respondents is not a share of answers
# Dividing each share by the sum gives the composition of the (published) answers, which adds
# to 100%. It is a different quantity: it falls when respondents merely name more answers, so
# it is shown only to make the difference visible, never to compare waves.

# %%
report.show(shares, index="option") if published else None

# %%
f_row = shares.set_index("option").loc[focus] if focus in set(shares["option"]) else None
display(*([] if f_row is None else [report.say(
    "'{label}' is {resp}% of respondents but only {ment}% of the published answers: it is one "
    "label among at least {mm} per person, not a share of people holding one view.",
    label=focus_label, resp=pct(f_row["share_of_respondents"], 0),
    ment=pct(f_row["share_of_mentions"]), mm=formats.fmt(s.mean_mentions_low, 1))
    if s.sum_low > 100 else report.say(
    "With only {k} answers published for {w}, the share of the published answers going to "
    "'{label}' ({ment}%) says nothing about the composition of all answers.", k=s.k, w=WAVE,
    label=focus_label, ment=pct(f_row["share_of_mentions"]))]))

# %% [markdown]
# ## Who chose which combination: ranges, not numbers
# From the shares alone, who chose which *combination* of answers is not known; the bounds
# give every value the published shares allow (how they are computed is explained at the end
# of the page). "With sampling error" widens each range by the answers' confidence intervals.
# If the question had other positive or negative answers that nobody published, only one end
# of some ranges stays valid (the column "holds if options are missing").

# %%
report.show(bounds[["quantity", "label", "low", "high", "low_with_sampling",
                    "high_with_sampling", "k", "figure_ids", "holds_for_all_options",
                    "missing"]], index="quantity", columns={
    "quantity": "combination", "low": None, "high": None, "low_with_sampling": None,
    "high_with_sampling": None, "k": "answers used", "figure_ids": None,
    "holds_for_all_options": None, "missing": "why not bounded"},
    labels={"quantity": QUANTITY, "holds_for_all_options": HOLDS}) if published else None


# %%
def meaning(q, r):
    """What one range says about its group, in words (template and its values)."""
    text = "**{label}**: between {low}% and {high}% ({ls}–{hs}% with sampling error; from {ids})"
    if q.kind == "any":
        return text + ". The lower end is reached if everyone who chose a negative label also " \
                      "chose the most common one, the upper end if nobody chose two.", {}
    if q.kind == "none":
        return text + ", the complement of the line above.", {}
    text += (". From the shares alone this group " + ("could be empty" if r.low <= 1e-9 else
             "must hold at least {low}%") + (" and could include everyone who chose '{focus}'."
             if abs(r.high - row.at[focus, "high"]) <= 1e-9 else " and cannot exceed {high}%."))
    if len(q.options) == 1:
        return text + " Only one positive answer ('{only}') is published for this wave, so " \
                      "\"a positive reason\" here means that answer alone.", \
            {"only": answer(q.options[0])}
    return text, {}


def holds(q, r):
    """Which end of the range survives answers nobody published (template and values)."""
    tone = "positive" if q.kind.startswith("focus_and") else "negative"
    missing = multiresponse.unpublished_options(opts, meta, question, tone)
    end = {"low": "lower", "high": "upper"}.get(q.holds_for_all_options)
    if end is None:
        return "", {}
    if missing:
        return (" The question has {tone} answers no source quotes for this wave "
                "({missing}), so only the {end} end holds for the full question.",
                {"tone": tone, "missing": ", ".join(map(answer, missing)), "end": end})
    return f" If unpublished answers of that tone exist, only the {end} end holds.", {}


# %%
said = []
for r in bounds.itertuples() if published else []:
    q = by_key[r.quantity]
    if q.kind == "focus":
        continue  # the focus answer's own share and interval: in the section on "half" below
    if q.missing:
        said.append(report.say("**{label}** cannot be bounded for {w}: {why}.",
                               label=QUANTITY[q.key], w=WAVE, why=q.missing))
        continue
    (text, extra), (end, more) = meaning(q, r), holds(q, r)
    said.append(report.say(text + end, label=QUANTITY[q.key], low=pct(r.low), high=pct(r.high),
                           ls=pct(r.low_with_sampling), hs=pct(r.high_with_sampling), c=level,
                           ids=r.figure_ids.replace(";", ", "), focus=focus_label, **extra,
                           **more))
display(*said)

# %% [markdown]
# ## "Half the country considers those who left traitors"?
# The essay warns against this reading. Two different statements hide in it: that half chose
# the label "traitors" (a single published share, with a confidence interval), and that half
# chose *some* negative label (a combination, which the shares only bound).

# %%
said = []
for r in half.itertuples():
    if r.statement.startswith("half chose '"):
        f = opts.set_index("option").loc[focus]
        said.append(report.say(
            "'{label}' at {text} ({fid}, {kind}) has a {c}% interval of {lo}–{hi}% (rounding "
            "included): half lies {verdict}.", label=focus_label, text=f["value_text"],
            fid=f["figure_id"], kind=f["source_kind"], c=level, lo=pct(r.low), hi=pct(r.high),
            verdict={"below": f"above it, so \"half chose '{focus_label}'\" is ruled out",
                     "above": "below it", "straddles": "inside it: not ruled out"}[r.versus_50]))
    elif r.statement == "half chose some negative label":
        overlap = multiresponse.overlap_to_reach(opts)
        said.append(report.say(
            "The share choosing at least one negative label lies between {lo}% and {hi}%: \"half "
            "the country chose some negative label\" is **possible but not identified** — the "
            "published shares neither show nor exclude it." + (
                " It would reach half only if at most {both}% of the sample chose both negative "
                "labels (the combination is the two shares minus those who chose both)."
                if pd.notna(overlap) else ""), lo=pct(r.low), hi=pct(r.high), both=pct(overlap))
            if r.versus_50 == "straddles" else report.say(
            "The share choosing at least one negative label lies between {lo}% and {hi}%, "
            "entirely {side} 50%.", lo=pct(r.low), hi=pct(r.high), side=r.versus_50))
display(*said)

# %%
report.show(half, index="statement", columns={
    "statement": None, "low": None, "high": None, "what": "range", "versus_50": "against half"},
    labels={"versus_50": SIDE}) if published else None

# %% [markdown]
# ## The ranges the published shares allow
# Dark bars: the range the shares allow (rounding and wording only). Light bars: widened by
# sampling error. Dots: the published shares of the answers each combination is built from,
# coloured by source (not drawn for "no negative label", which is 100 minus a combination).
# The dashed line marks half the sample.

# %%
# The chart, one row per quantity (the table's first at the top): a dark bar for the range the
# shares allow (at least 0.4 point wide, so that a point stays visible), a light bar widened by
# sampling error, dots at the published shares of the answers it is built from; a quantity
# that cannot be bounded gets its reason as text. Its CSV: one row per drawn element. Nothing
# is drawn when no quantity can be bounded.
def draw_quantity(ax, y, r, q):
    """One bounded quantity's bars and dots at height ``y``; returns the rows of its CSV."""
    ax.barh(y, r["high_with_sampling"] - r["low_with_sampling"], left=r["low_with_sampling"],
            height=0.55, color="#d9d9d9", label="with sampling error" if y == 0 else None)
    ax.barh(y, max(r["high"] - r["low"], 0.4), left=r["low"], height=0.3, color="#4d4d4d",
            label="identified range" if y == 0 else None)
    drawn = [{"quantity": r["quantity"], "element": element, "option": "", "figure_id": "",
              "source_kind": "", "low": r[f"low{end}"], "high": r[f"high{end}"]}
             for element, end in (("identified", ""), ("with_sampling", "_with_sampling"))]
    if q.kind == "none":
        return drawn  # 100 minus a union: the options' own shares are not on this scale
    used = opts.set_index("option").loc[list(q.uses)]
    offsets = np.arange(len(used)) * (0.32 / (len(used) - 1)) - 0.16 if len(used) > 1 else [0.0]
    for dy, (option, o) in zip(offsets, used.iterrows(), strict=True):
        kind = o["source_kind"]
        ax.plot(o["point"], y + dy, "o", ms=5, color=plots.SOURCE_PALETTE[kind],
                markeredgecolor="white", markeredgewidth=0.6,
                label=f"published share ({kind})" if kind not in shown_kinds else None)
        shown_kinds.add(kind)
        drawn.append({"quantity": r["quantity"], "element": "point", "option": option,
                      "figure_id": o["figure_id"], "source_kind": kind, "low": o["point"],
                      "high": o["point"]})
    return drawn


usable = bounds[bounds["low"].notna() & bounds["high"].notna()]
undecided = usable[(usable["low_with_sampling"] < 50) & (usable["high_with_sampling"] > 50)]
title = (f"{WAVE}: every bounded combination of answers lies clearly below or above half"
         if undecided.empty else
         f"{WAVE}: {len(undecided)} of {len(usable)} combinations of answers could be a "
         "majority or not, the published shares alone cannot say: "
         + ", ".join(f'"{by_key[k].label}"' for k in undecided["quantity"]))
saved = None
if not all(by_key[k].missing for k in bounds["quantity"]):
    plots.theme()
    rows = bounds.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.0, 0.75 * len(rows) + 1.4))
    shown_kinds, plot_data = set(), []
    for y, r in rows.iterrows():
        if by_key[r["quantity"]].missing:
            ax.text(50, y, "not bounded: " + by_key[r["quantity"]].missing, ha="center",
                    va="center", fontsize=9.5, color="#555555")
        else:
            plot_data += draw_quantity(ax, y, r, by_key[r["quantity"]])
    ax.axvline(50, color="#b03a2e", ls="--", lw=1, label="half the sample")
    ax.set_yticks(range(len(rows)), [by_key[k].label for k in rows["quantity"]], fontsize=9.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("percent of respondents")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=9.5,
              frameon=False)
    saved = plots.save_figure(
        fig, pd.DataFrame(plot_data), run, "bounds", title=title,
        subtitle=f"Percent of respondents, {WAVE}: identified range (dark) and with sampling "
                 "error (light); dashed line: half the sample")
saved

# %% [markdown]
# ## How the ranges are computed
# With F the share choosing "traitors" and U the share choosing at least one positive answer
# (U lies between the largest positive share and the smaller of 100 and the sum of the
# positive shares), the sharp (Fréchet–Hoeffding) bounds are:
#
# * F and at least one positive reason: from the larger of 0 and F + lowest U − 100, to the
#   smaller of F and highest U;
# * F and no positive reason: from the larger of 0 and F − the sum of the positive shares, to
#   the smaller of F and 100 − the largest positive share;
# * at least one negative label: from the largest negative share to the smaller of 100 and the
#   sum of the negative shares; no negative label at all: 100 minus that.
#
# Each answer's share is entered as its range of true values (rounding or wording), so the
# bounds cover every reading of the published text. **With sampling** the same bounds are
# applied to the answers' confidence intervals (Manski style); for a combination built on k
# answers each interval is at level 1 − α/k (Bonferroni), so the widened range covers the
# combination's range with probability at least 1 − α. Design effect and N as above.

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per quantity: the wave; the quantity (the sum of the
# published answers' shares, a lower bound of 100 × the mean number of answers; the focus
# answer; it with any positive reason; it with no positive reason; any negative label; no
# negative label); low and high (percent: the range from rounding and wording); the same
# widened by sampling error (Bonferroni; empty for the sum); the figures used (";"-separated);
# which end stays valid if unpublished answers exist; a note on why a quantity could not be
# bounded.

# %%
key_numbers = pd.concat([pd.DataFrame([{
    "quantity": "sum_of_published_shares", "low": s.sum_low, "high": s.sum_high,
    "low_with_sampling": float("nan"), "high_with_sampling": float("nan"),
    "figure_ids": ";".join(opts["figure_id"]), "holds_for_all_options": multiresponse.LOW,
    "missing": "" if s.k else "no option published"}]),
    bounds[["quantity", "low", "high", "low_with_sampling", "high_with_sampling", "figure_ids",
            "holds_for_all_options", "missing"]]], ignore_index=True).rename(
    columns={"missing": "note"})
key_numbers.insert(0, "wave", wave)
print("wrote", report.save_table(key_numbers, run))
report.show(key_numbers, index="quantity", columns={
    "quantity": None, "low": None, "high": None, "low_with_sampling": None,
    "high_with_sampling": None, "figure_ids": None, "holds_for_all_options": None,
    "note": None}, labels={"quantity": QUANTITY, "holds_for_all_options": HOLDS}
    ) if published else None

# %% [markdown]
# ## What this rests on
# Which figures are second-hand, what is assumed, and what is missing.

# %%
hand = opts[opts["source_kind"].isin(["essay", "secondary"])]
report.say("{m} of the {k} figures used here are second-hand ({ids}), not the pollster's "
           "tables themselves. N = {n} is {nass}. The tone of each answer is our "
           "classification.", m=len(hand), k=len(opts),
           ids=figures.by_outlet(hand["figure_id"], tidy, sources) or "none", n=n_used,
           nass="an assumption (Levada's standard design)" if n_assumed else "given"
           ) if published else None

# %%
report.show(load.load_gaps(), index="id")
