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
# # 08 · Series: one answer over every wave the data have
#
# One share over every wave the data have, each figure with its interval and its outlet, each
# change from one wave to the next adjusted over the whole series, a trend, and the readings
# that depend on which source is believed where two sources give one wave different figures.
# The parameters pick the question, the answer and the group. What the series shows comes
# first; how each number is computed follows.

# %% tags=["parameters"]
run = "08_series"  # report name (set by make)
question = "wish_to_emigrate"  # question id (metadata/questions.yaml), or putin_approval
option = "would"  # option id of that question
subgroup_var = "all"  # breakdown variable (metadata/subgroups.yaml), all: the whole sample
subgroup = "all"  # group of that variable
waves = None  # list of waves (YYYY-MM); None: every wave the data have for this cell
deff = None  # design effect; None: the least-squares value implied by Levada's error table
alpha = 0.05  # error rate of tests and intervals (0.05 gives 95% intervals)
n = None  # interviews per wave; None: each wave's N from metadata/waves.yaml
family_method = "holm"  # multiplicity control over the adjacent changes: holm or fdr_bh
breaks = []  # known breaks (months YYYY-MM): a level shift from each on, in every trend model

# %%
import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from chasm import formats, plots, report, tables
from chasm.analysis import plan, series, subgroups
from chasm.data import figures, load
from chasm.stats import design

report.check_params(deff=deff, alpha=alpha, n=n)
series.check_family_method(family_method)
level = f"{100 * (1 - alpha):g}%"  # e.g. "95%"
method_name = formats.fmt_method(family_method)
e = report.inert  # every piece of text that comes from the data passes through here
share = formats.fmt_pct_compact
LONG_SERIES = 12  # a series with more changes shows only the significant ones in its table

# %% [markdown]
# ## Load inputs
# The tidy figures (01_ingest), Levada's monthly approval series, the sources (each figure's
# outlet), the analysis plan, Levada's error table (design effect and standard N), the
# population (sizes of age groups) and the metadata.

# %%
meta = load.load_metadata()
sources = load.load_sources()
tidy = figures.load()
approval = load.load_approval()
est = design.deff_from_error_table(load.load_error_table())
deff_used = est.deff if deff is None else float(deff)
sel = series.select(tidy, approval, meta, sources, load.load_population(), question=question,
                    option=option, subgroup_var=subgroup_var, subgroup=subgroup, waves=waves,
                    n=n, standard_n=int(est.n))
shares = series.shares(sel, deff_used, alpha)  # intervals: uncertainty.figure_intervals
trend = series.trend_tests(sel, deff_used, alpha, breaks)  # stats.trend
declared = plan.wave_tests(plan.load_plan(meta=meta), tidy, meta, deff_used, n, alpha)
changes = series.adjacent_changes(sel, deff_used, alpha, family_method, declared)
choices = figures.best_choices(sel.figures.drop(columns=["best"], errors="ignore"))
no_best = figures.report_both()  # the declared policy: data/raw/metadata/ranking.yaml
# every published breakdown of these waves against its total (the check of 05_subgroups)
by_vars = [v for v in meta["subgroups"] if v != "all"
           and (subgroup_var == "all" or v == subgroup_var)]
checked = subgroups.breakdown_checks(tidy, meta, load.load_populations(), approval,
                                     by_vars).table
checked = checked[(checked["question"] == sel.question) & (checked["option"] == sel.option)
                  & checked["wave"].isin(sel.waves) & (checked["verdict"] != "not checked")]
inconsistent = checked[checked["verdict"] == "inconsistent"]

# %%
# Readings of the changes: at the figure chosen per wave (the family's test), and, where a
# wave has other sources, with every combination of sources.
fam = changes[changes["best"]]
sig_steps = set(fam.loc[fam["p_adjusted"] < alpha, "step"])
every_source = changes.groupby("step")["p_adjusted"].max() < alpha if len(changes) else \
    pd.Series(dtype=bool)
decided = changes[changes["depends_on_source"]]
if no_best:  # no best figure where sources disagree: a change counts only with every source
    sig_steps = set(every_source[every_source].index)
chosen = shares[shares["best"] & shares["point"].notna()].sort_values("wave")
outlet_of = figures.outlets(sources)
source_of = dict(zip(tidy["figure_id"], tidy["source_id"], strict=True))


def cited(row, side=""):
    """A figure as a reader cites it: outlet, the figure as published, its id (inert text)."""
    return (f"{e(row['outlet' + side])}'s \"{e(row['value_text' + side])}\" "
            f"({e(row['figure_id' + side])})")


def trend_words(tr):
    """The trend verdict for a heading and the chart title, with the period it covers."""
    period = f"{tr['first']} to {tr['last']}"
    scatter = ("the autocorrelated month-to-month scatter" if tr.get("robust") is not None
               else "the scatter between waves")
    if tr.get("robust_verdict") == "depends on the method":
        return f"whether there is a trend over {period} depends on the time-series model"
    if tr["k"] == 2:
        return f"{period}: two waves, so the trend is their difference"
    if series.trend_p(tr) < alpha:
        direction = "rising" if tr["slope"] > 0 else "falling"
        return f"a {direction} trend over {period} beyond {scatter}"
    return f"no trend over {period} beyond {scatter}"


# %% [markdown]
# ## What the series shows

# %%
found = []
if chosen.empty:
    found.append(f"- **{e(sel.option_label)}** ({e(sel.subgroup_label)}): no published point "
                 "to draw.")
else:
    first, last = chosen.iloc[0], chosen.iloc[-1]
    found.append(
        f"- **{e(sel.option_label[0].upper() + sel.option_label[1:])}** "
        f"({e(sel.subgroup_label)}): {cited(first)} in {e(first['wave'])} ({level} interval "
        f"{formats.fmt(first['ci_low'])}–{formats.fmt(first['ci_high'])}%), {cited(last)} in "
        f"{e(last['wave'])} ({formats.fmt(last['ci_low'])}–{formats.fmt(last['ci_high'])}%); "
        f"{sel.figures['wave'].nunique()} waves from "
        f"{e(', '.join(sorted(set(sel.figures['outlet']))))}.")
if not sel.enough:
    have = sorted(sel.testable["wave"].unique())
    who = f"only {e(', '.join(have))} has" if have else "no wave has"
    found.append(
        f"- **No series to analyse:** {who} a figure with a point and a known number of "
        f"interviews among the selected waves ({e(', '.join(sel.waves))}), so there is no "
        "change, trend or heterogeneity to test.")
if len(fam):
    listed = fam[fam["step"].isin(sig_steps)]
    items = "; ".join(
        f"{e(r.wave_1)} → {e(r.wave_2)} {formats.fmt_signed(r.diff)} points ({level} CI "
        f"{formats.fmt_signed(r.ci_low)} to {formats.fmt_signed(r.ci_high)}, adjusted p "
        f"{formats.fmt_p(r.p_adjusted)})" for r in listed.itertuples()) if len(listed) <= 5 else ""
    found.append(
        f"- **{len(sig_steps)} of {len(fam)}** change{'s' if len(fam) != 1 else ''} from one "
        f"wave to the next {'are' if len(sig_steps) != 1 else 'is'} larger than sampling error "
        f"after the {method_name} adjustment"
        + (" with every source's figure (no best figure is declared where sources disagree)"
           if no_best and len(decided) else "") + (f": {items}." if items else "."))
if trend is not None and trend["k"] > 2:
    verdict_p = series.trend_p(trend)
    found.append(f"- **{e(trend_words(trend)[0].upper() + trend_words(trend)[1:])}** "
                 f"({trend['k']} waves; trend p {formats.fmt_p(verdict_p)}"
                 + (", the largest of the autocorrelation-robust tests"
                    if trend.get("robust") is not None else "") + ").")
for r in choices.itertuples():
    by_id = sel.figures.set_index("figure_id")
    others = " and ".join(cited(by_id.loc[f].to_dict() | {"figure_id": f})
                          for f in r.others.split(";"))
    chosen_text = cited(by_id.loc[r.chosen].to_dict() | {"figure_id": r.chosen})
    if r.decided_by == figures.STEP_NAMES["report_both"]:
        how = "they cannot both be right and no best is declared: both are reported"
    else:
        how = (f"the declared ranking uses {chosen_text} ({e(r.decided_by)})"
               + ("" if r.agree else "; they cannot both be right"))
    found.append(f"- **{e(r.wave)}: two sources** — {chosen_text} and {others}; {how}.")
for _step, g in decided.groupby("step", sort=True):
    found.append(
        f"- **The source decides {e(g['wave_1'].iloc[0])} → {e(g['wave_2'].iloc[0])}:** "
        + "; ".join(f"with {cited(r, '_1')} and {cited(r, '_2')} it is "
                    f"{formats.fmt_signed(r['diff'])} points, {e(r['verdict'])}"
                    for _, r in g.iterrows()) + ".")
if trend is not None and trend["combinations"] > 1 \
        and (trend["p_min"] < alpha) != (trend["p_max"] < alpha):
    found.append(f"- **The trend verdict depends on the source:** over the "
                 f"{trend['combinations']} combinations of sources its p runs from "
                 f"{formats.fmt_p(trend['p_min'])} to {formats.fmt_p(trend['p_max'])}.")
for r in inconsistent.itertuples():
    cells = [f for f in r.figure_ids.split(";") if f]
    outlets = sorted({outlet_of.get(source_of.get(f, ""), source_of.get(f, "")) for f in cells})
    found.append(
        f"- **{e(r.wave)}: the published breakdown by "
        f"{e(meta['subgroups'][r.by].get('label', r.by))} is inconsistent with this total** "
        f"({e(r.total)}): its {e(r.groups)} groups imply {formats.fmt(r.implied_low)}–"
        f"{formats.fmt(r.implied_high)}%, a gap of {formats.fmt(r.gap)} points (figures "
        f"{e(', '.join(cells))}, from {e('; '.join(outlets))}).")
if len(checked) and inconsistent.empty:
    found.append(f"- Every published breakdown of these waves ({len(checked)}) is consistent "
                 "with its total.")
report.markup("\n".join(found))

# %%
marks = pd.DataFrame(
    [{"wave": w, "label": "change the source decides (to this wave)"}
     for w in sorted(set(decided["wave_2"]))]
    + [{"wave": w, "label": "sources disagree: " + ("both reported" if no_best
                                                    else "the declared ranking chose")}
       for w in sorted(set(choices.loc[~choices["agree"].astype(bool), "wave"]))]
    + [{"wave": w, "label": "breakdown inconsistent with this total"}
       for w in sorted(set(inconsistent["wave"]))], columns=["wave", "label"])



title = f"{sel.option_label}: no published point to draw"
if not chosen.empty:
    title = (f"{sel.option_label[0].upper()}{sel.option_label[1:]}: "
             f"{share(chosen['point'].iloc[0])} ({formats.fmt_month(chosen['wave'].iloc[0])}) → "
             f"{share(chosen['point'].iloc[-1])} ({formats.fmt_month(chosen['wave'].iloc[-1])})")
    if trend is not None:  # its period by month too
        in_months = trend | {"first": formats.fmt_month(trend["first"]),
                             "last": formats.fmt_month(trend["last"])}
        title += (f"; {trend_words(in_months)}" if trend["k"] > 2 else "")
        title += (f"; {len(sig_steps)} of {len(fam)} wave-to-wave changes significant"
                  if len(fam) != 1 else "; a significant change" if len(sig_steps)
                  else "; the change is not significant")
        n_decided = decided["step"].nunique()
        if n_decided:
            title += ("; the verdict on it depends on the source" if len(fam) == 1 else
                      f"; {n_decided} verdict{'s depend' if n_decided != 1 else ' depends'} "
                      "on the source")

# %%
# The chart: the share over time, one colour per kind of source and one marker per outlet (each
# in the legend), sized for a phone; the line joins the figure chosen per wave. A short series
# shows every figure as a dot with its interval (thin line) and the range its text allows (pale
# thick bar), other sources for the same wave beside it as hollow dots (alternatives, never
# averaged); a long one (over DOTS_MAX waves) the chosen figures as a line inside their
# interval band, each month a small marker of its outlet. Rings: the findings in ``marks``.
DOTS_MAX = 24
plots.theme()
pts = shares.assign(date=pd.to_datetime(shares["wave"] + "-15"))
drawn = pts[pts["point"].notna() | pts["low"].notna()]
line = drawn[drawn["best"] & drawn["point"].notna()].sort_values("date")
long_series = pts["wave"].nunique() > DOTS_MAX
kinds = line["source_kind"].unique()
fig, ax = plt.subplots(figsize=(6.0, 4.0))
ax.plot(line["date"], line["point"], linewidth=1.2, zorder=2,
        color=plots.SOURCE_PALETTE.get(kinds[0], "0.35") if long_series and len(kinds) == 1
        else "0.35")
if long_series:
    ax.fill_between(line["date"], line["ci_low"], line["ci_high"], color="0.6", alpha=0.3,
                    linewidth=0, label=f"{level} interval", zorder=1)
others = drawn[~drawn["best"]] if long_series else drawn
span = (pts["date"].max() - pts["date"].min()) or pd.Timedelta(days=365)
rank = others.groupby("wave").cumcount()
size = others.groupby("wave")["wave"].transform("size")
shift = (rank - (size - 1) / 2.0) * span * 0.018  # sources of one wave side by side
outlets = list(drawn.groupby(["source_kind", "outlet"], sort=True).groups)
shapes = {key: "osD^vP<>"[i % 8] for i, key in enumerate(outlets)}
if long_series:  # the chosen months, small, so that each outlet's months show on the line
    for (kind, outlet), rows in line.groupby(["source_kind", "outlet"], sort=True):
        ax.scatter(rows["date"], rows["point"], s=9, marker=shapes[(kind, outlet)],
                   color=plots.SOURCE_PALETTE.get(kind, "0.3"), zorder=3, linewidths=0)
for (kind, outlet), part in others.groupby(["source_kind", "outlet"], sort=True):
    colour = plots.SOURCE_PALETTE.get(kind, "0.3")
    for best, fill in ((True, colour), (False, "white")):
        rows = part[part["best"] == best]
        if rows.empty:
            continue
        x = rows["date"] + shift[rows.index]
        ax.vlines(x, rows["low"], rows["high"], colors=colour, linewidth=6, alpha=0.25)
        ax.vlines(x, rows["ci_low"], rows["ci_high"], colors=colour, linewidth=1.4)
        ax.scatter(x, rows["point"], s=30, facecolors=fill, edgecolors=colour, zorder=3,
                   linewidths=1.4, marker=shapes[(kind, outlet)])
for kind, outlet in outlets:
    ax.plot([], [], color=plots.SOURCE_PALETTE.get(kind, "0.3"), marker=shapes[(kind, outlet)],
            linestyle="-" if long_series else "",
            label=textwrap.shorten(f"{outlet} ({kind})", 60))
for (label, rows), (shape, colour) in zip(marks.groupby("label", sort=False),
                                          (("o", "0.1"), ("s", "#b2182b"), ("D", "#5e3c99")),
                                          strict=False):
    at = line[line["wave"].isin(rows["wave"])]
    ax.scatter(at["date"], at["point"], s=170, marker=shape, facecolors="none",
               edgecolors=colour, linewidths=1.6, zorder=4, label=textwrap.shorten(str(label), 60))
if (~drawn["best"]).any():
    ax.scatter([], [], s=30, facecolors="white", edgecolors="0.3",
               label="hollow: another source for the same wave")
locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
ax.xaxis.set_major_locator(locator)
ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
ax.set_ylabel("\n".join(textwrap.wrap(f"% of {sel.subgroup_label}, with {level} interval", 36)))
ax.set_title(title)  # the page's and the file's title and alt text (not drawn)
ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), frameon=False, fontsize=9.5)
plots.save_figure(fig, pts[["wave", "figure_id", "outlet", "source_kind", "value_text", "point",
                            "low", "high", "ci_low", "ci_high", "best"]], run, "series",
                  title=title)

# %% [markdown]
# Dot and thin line: the figure and its interval (not adjusted for multiplicity); pale thick
# bar: the values its text allows; one marker shape per outlet; hollow: another source for the
# same wave, drawn beside the chosen one, never averaged; a ring: a finding listed above.

# %% [markdown]
# ## The figures and their sources

# %%
f = sel.figures
several = f.groupby("wave")["figure_id"].size()
multi = several[several > 1]
k_outlets = f["outlet"].nunique()
text = (f"**{len(f)} figures in {f['wave'].nunique()} waves from {k_outlets} "
        f"outlet{'s' if k_outlets != 1 else ''}**. \"{e(sel.option_label)}\" "
        f"({e(sel.subgroup_label)}; question: {e(sel.question_label)}), {e(f['wave'].min())} "
        f"to {e(f['wave'].max())}, from {e('; '.join(sorted(set(f['outlet']))))}.")
if len(multi):
    text += (f" {len(multi)} wave{'s have' if len(multi) != 1 else ' has'} figures from "
             f"more than one source ({e(', '.join(multi.index))}): they are kept as "
             "alternatives, never averaged.")
noted = f[f["note"].fillna("") != ""] if sel.question == series.APPROVAL_QUESTION else f[:0]
if len(noted):
    text += " Notes of the series: " + "; ".join(
        f"{e(w)}: {e(note)}" for w, note in zip(noted["wave"], noted["note"], strict=True)) + "."
if sel.missing:
    text += f" Months of the series without this share (left out): {e(', '.join(sel.missing))}."
untestable = f[f["point"].isna() | f["n"].isna()]
if len(untestable):
    text += (f" {len(untestable)} figure{'s' if len(untestable) != 1 else ''} "
             f"({e(', '.join(untestable['figure_id']))}) cannot be tested (a bound without a "
             "point, or a group of unknown size).")
# where each wave's N comes from, and which are assumptions
ns = " or ".join(f"{v:,.0f}" for v in sorted(f["n"].dropna().unique())) or "unknown"
by_source = "; ".join(
    f"{e(src.replace('metadata/waves.yaml', 'the wave metadata'))}: {g['wave'].nunique()} "
    f"wave{'s' if g['wave'].nunique() != 1 else ''}" for src, g in f.groupby("n_source",
                                                                           sort=True))
assumed = sorted(set(f.loc[f["n_assumed"].astype(bool), "wave"]))
text += (f" Interviews per wave: N = {ns} ({by_source}); an assumption for "
         + (f"{len(assumed)} of {f['wave'].nunique()} waves." if len(assumed) > 6 else
            f"{e(', '.join(assumed)) or 'no wave'}."))
text += (f" Design effect **{formats.fmt(deff_used, 2)}** ("
         + ("least squares from Levada's error table" if deff is None else
            "set by the deff parameter") + f"), {level} intervals.")
report.markup(text)

# %%
if len(choices):
    display(report.say("{s}", s=figures.ranking_sentence(choices, sel.figures, sources)))
else:
    display(report.say("Every wave of this series has one figure: no ranking of sources decides "
                       "anything."))

# %%
# The figures for reading: every figure of a short series; the first, last, lowest and highest
# of a long one (every month is in the saved table and in the chart's CSV).
view = shares[["wave", "figure_id", "outlet", "value_text", "low", "high", "ci_low", "ci_high"]]
view = view.rename(columns={"low": "its text allows, from", "high": "its text allows, to"})
if shares["wave"].nunique() > LONG_SERIES + 1:
    picks = {}
    for label, i in (("first", chosen.index[0]), ("last", chosen.index[-1]),
                     ("lowest", chosen["point"].idxmin()),
                     ("highest", chosen["point"].idxmax())):
        picks.setdefault(i, []).append(label)
    view = view.loc[sorted(picks)].assign(shown=[", ".join(picks[i]) for i in sorted(picks)])
report.show(view, digits=1, index="figure_id")

# %% [markdown]
# ## Trend, and are the waves different at all?

# %%
if trend is None:
    display(report.say("**No trend to test:** fewer than two waves have a testable figure."))
else:
    het = trend["heterogeneity"]
    beyond = trend["p_value"] < alpha
    text = (f"**{e(trend_words(trend)[0].upper() + trend_words(trend)[1:])}**. "
            f"**Trend** ({trend['k']} waves, {e(trend['first'])} to {e(trend['last'])}): the "
            f"fitted line goes from {share(round(trend['fitted_first'], 1))} to "
            f"{share(round(trend['fitted_last'], 1))}, odds × {trend['odds_ratio']:.3f} per year "
            f"({level} CI {trend['odds_ratio_low']:.3f} to {trend['odds_ratio_high']:.3f}); "
            f"likelihood-ratio χ² = {trend['lr_stat']:.2f}, p "
            f"{formats.fmt_p(trend['p_value'], True)}: "
            + (f"a {'rising' if trend['slope'] > 0 else 'falling'} trend beyond sampling error"
               if beyond else "no trend beyond sampling error") + ".")
    if trend["breaks"]:
        b = trend["breaks"]
        text += (f" Known break{'s' if len(b) != 1 else ''} at {e(', '.join(b))} (parameter "
                 f"`breaks`) enter{'s' if len(b) == 1 else ''} every trend model as a level "
                 "shift, so the slope is the drift within the segments.")
    if trend["k"] == 2:
        text += (" With two waves the line goes through both, so this is the test of their "
                 "difference, not of a trend.")
    if pd.notna(trend["dispersion"]):
        text += (f" The waves' scatter around the line is {trend['dispersion']:.1f} times the "
                 "variance sampling error allows; allowing for that scatter (quasi-binomial F "
                 f"test) p {formats.fmt_p(trend['p_value_overdispersed'], True)}"
                 + (", so the trend " + ("holds" if trend["p_value_overdispersed"] < alpha
                                         else "is not established")
                    + " beyond the wave-to-wave movements"
                    if trend["dispersion"] > 1 and trend.get("robust") is None else "") + ".")
    text += (f" **Equal shares in every wave?** Pearson χ² = {het.pearson:.2f} on {het.df} df, "
             f"p {formats.fmt_p(het.p_pearson, True)} (likelihood ratio G² = {het.g2:.2f}, p "
             f"{formats.fmt_p(het.p_g2, True)}): the shares "
             + ("differ beyond sampling error" if het.p_pearson < alpha
                else "are consistent with one common share") + ".")
    if trend["combinations"] > 1:
        same = (trend["p_min"] < alpha) == (trend["p_max"] < alpha)
        text += (f" Over the {trend['combinations']} combinations of sources the trend p-value "
                 f"runs from {formats.fmt_p(trend['p_min'])} to {formats.fmt_p(trend['p_max'])}"
                 ": " + ("the trend verdict does not depend on the source." if same
                         else "**the trend verdict depends on which source is believed**."))
    display(report.markup(text))

# %%
robust = None if trend is None else trend.get("robust")
if robust is not None:
    nw, ml = robust[robust["method"] == "newey-west"], robust[robust["method"] == "ar1-ml"]
    co = robust[robust["method"] == "cochrane-orcutt"]
    text = (f"**A monthly series is a time series.** Months are not independent: the lag-1 "
            f"autocorrelation of the residuals around the line is {formats.fmt(nw['rho'].min(), 2)}"
            f" to {formats.fmt(nw['rho'].max(), 2)} (points and log-odds), so the binomial and "
            "quasi-binomial tests above count the same slow drift many times over. With "
            f"Newey-West standard errors (lags {', '.join(str(v) for v in series.HAC_LAGS)} "
            f"months) the trend p runs from {formats.fmt_p(nw['p_value'].min())} to "
            f"{formats.fmt_p(nw['p_value'].max())}; with AR(1) errors (maximum likelihood, ρ "
            f"{formats.fmt(ml['rho'].min(), 2)} to {formats.fmt(ml['rho'].max(), 2)}) p "
            f"{formats.fmt_p(ml['p_value'].min())} to {formats.fmt_p(ml['p_value'].max())}; "
            f"two-step Cochrane-Orcutt p {formats.fmt_p(co['p_value'].min())} to "
            f"{formats.fmt_p(co['p_value'].max())}. ")
    text += {"established": "Every one of these finds the trend, so it holds beyond the "
                            "autocorrelated scatter.",
             "not established": "None of them finds a trend: **no trend is established "
                                "beyond the autocorrelated month-to-month scatter**.",
             "depends on the method": "They disagree, so **whether there is a trend depends "
                                      "on the time-series model**: no trend is claimed."}[
        trend["robust_verdict"]]
    power = series.median_detectable(chosen, deff_used, alpha)
    steps, median_share, median_n = power["steps"], power["share"], power["n"]
    one, holm = power["one"], power["holm"]
    text += (f" Testing each of the {steps} month-to-month changes instead, with Holm over all "
             f"of them, has almost no power: the first step tests at α/{steps}, so at the median "
             f"share ({share(median_share)}, N = {median_n:.0f}) a change must be about "
             f"{abs(holm):.1f} points to be found with 80% power, against {abs(one):.1f} for a "
             "single planned comparison; slow movements are invisible to it by design.")
    display(report.markup(text))

# %%
if robust is not None:
    names = {"newey-west": "OLS, Newey-West errors", "ar1-ml": "AR(1) errors, ML",
             "cochrane-orcutt": "AR(1) errors, Cochrane-Orcutt"}
    lags = robust["lags"].where(robust["method"] == "newey-west").astype("Int64")
    display(report.show(pd.DataFrame({
        "scale": robust["scale"], "test": robust["method"].map(names), "lags (months)": lags,
        "slope per year": robust["slope"], "slope, interval low": robust["ci_low"],
        "slope, interval high": robust["ci_high"], "p_value": robust["p_value"]}), digits=4))

# %% [markdown]
# ## Change from each wave to the next

# %%
if fam.empty:
    display(report.say("**No change to test:** fewer than two waves have a testable figure."))
else:
    robust_sig = fam[(fam["p_adjusted"] < alpha) & (fam["p_worst_adjusted"] < alpha)]
    planned = fam[fam["family"] != "series"]
    plan_text = ("" if planned.empty else
                 f"; {len(planned)} of them {'are' if len(planned) != 1 else 'is'} declared in "
                 "the analysis plan and adjusted in the plan's family ("
                 + ", ".join(f"{e(c)}: {e(f)}" for c, f in zip(
                     tables.labels_of("comparison_id", planned["comparison_id"]),
                     tables.labels_of("family", planned["family"]), strict=True)) + ")")
    text = (f"**{len(sig_steps)} of {len(fam)} change{'s' if len(fam) != 1 else ''} from one "
            f"wave to the next {'are' if len(sig_steps) != 1 else 'is'} larger than sampling "
            "error" + (" with every source's figure" if no_best and len(decided) else "")
            + f"**. At the figure chosen per wave, **{int((fam['p_adjusted'] < alpha).sum())} of "
            f"{len(fam)}** adjacent change{'s' if len(fam) != 1 else ''} "
            f"{'are' if (fam['p_adjusted'] < alpha).sum() != 1 else 'is'} larger than sampling "
            f"error after the adjustment (rounding as noise; {method_name} over the series"
            f"{plan_text}). Robustness: {len(robust_sig)} also at the least favourable values "
            "the figures' rounding or wording allows; "
            f"{int((fam['p_rounding'] < alpha).sum())} before adjustment.")
    if changes["step"].nunique() > LONG_SERIES:
        shown = int(((changes["p_adjusted"] < alpha) | changes["depends_on_source"]).sum())
        text += (f" The series has {changes['step'].nunique()} adjacent changes; the table "
                 f"shows the {shown} larger than sampling error after adjustment (or whose "
                 f"verdict depends on the source) and leaves out the other "
                 f"{len(changes) - shown}. Every change is in the saved table.")
    display(report.markup(text))

# %%
if len(fam):
    cols = ["comparison_id", "wave_1", "wave_2", "months", "value_text_1", "value_text_2",
            "outlet_2", "diff", "ci_low", "ci_high", "p_adjusted", "verdict"]
    if changes["depends_on_source"].any() or len(changes) > len(fam):
        cols.insert(-1, "depends_on_source")
    shown_changes = changes
    if changes["step"].nunique() > LONG_SERIES:
        shown_changes = changes[(changes["p_adjusted"] < alpha) | changes["depends_on_source"]]
    display(report.show(shown_changes[cols].rename(columns={
        "wave_1": "from", "wave_2": "to", "value_text_1": "from, as published",
        "value_text_2": "to, as published", "outlet_2": "outlet of the later figure"}),
        digits=3, index="comparison_id",
        labels={"comparison_id": tables.labels_of("comparison_id",
                                                  shown_changes["comparison_id"])}))

# %% [markdown]
# ## Does the source decide?

# %%
conflicts = series.source_conflicts(changes)
k = decided["step"].nunique()
items = [f"**The source decides {k} change{'s' if k != 1 else ''}**." if k else
         "**No change depends on the source**."] if len(conflicts) else []
for _step, g in conflicts.groupby("step", sort=True):
    vary = [s for s in "12" if g[f"figure_id_{s}"].nunique() > 1]
    # a publisher that gives two of the alternatives is named with the title of each
    long = any(g.drop_duplicates(f"figure_id_{s}")[f"outlet_{s}"].duplicated().any()
               for s in vary)

    def side(r, s, long=long):
        who = r[f"outlet_title_{s}"] if long else r[f"outlet_{s}"]
        return f"{e(who)}'s \"{e(r[f'value_text_{s}'])}\" ({e(r[f'figure_id_{s}'])})"

    fixed = [s for s in "12" if s not in vary]
    head = f"**{e(g['wave_1'].iloc[0])} → {e(g['wave_2'].iloc[0])}**"
    if fixed:
        head += f" ({'from' if fixed[0] == '1' else 'to'} {side(g.iloc[0], fixed[0])})"
    readings = "; ".join(
        "with " + " and ".join(side(r, s) for s in vary)
        + f" the change is {formats.fmt_signed(r['diff'])} points "
        f"({e(tables.labels_of('comparison_id', [r['comparison_id']])[0])}; p "
        f"{formats.fmt_p(r['p_rounding'], True)} with rounding as noise, adjusted "
        f"{formats.fmt_p(r['p_adjusted'])}; robustness: least favourable rounding adjusted "
        f"{formats.fmt_p(r['p_worst_adjusted'])}): {e(r['verdict'])}" for _, r in g.iterrows())
    end = ("**the source conflict decides the finding: the verdict depends on which source is "
           "believed**" if g["depends_on_source"].iloc[0]
           else "every combination of sources gives the same verdict")
    items.append(f"- {head}: {readings}. So {end}.")
if items:
    display(report.markup(items[0] + "\n\n" + "\n".join(items[1:])))
elif len(fam):
    display(report.say("**Every wave has one source:** no verdict can depend on the source."))

# %% [markdown]
# ## How these numbers are computed
# * **Intervals**: Wilson on effective counts n / deff (exact Clopper-Pearson near 0% and
#   100%), the union over the values each figure's text allows: ±0.5 for a rounded number, ±5
#   points for a fraction in words. The interviews behind a figure are the wave's N from the
#   wave metadata; for a group, N times the group's share of the sample; for months of the
#   approval series that are no wave of the metadata, Levada's standard design size.
# * **One figure per wave**: where sources give a wave several figures, the declared source
#   ranking (data/raw/metadata/ranking.yaml) picks the figure used in the family of tests and
#   the trend; the others are alternatives, tested beside it and never averaged.
# * **Changes** are judged by the project's one comparison engine: the score test on effective
#   counts, the waves taken as independent samples, with each figure's rounding or wording as
#   noise (the verdict's p, and the interval of that same test); the least favourable values
#   the rounding allows are a robustness column, not the verdict. A change the analysis plan
#   declares keeps the plan's id, family and adjusted p, as in 03 · Waves and the claims
#   register; every other change is one test of the series' own family, adjusted together;
#   a pair with another source for one of its waves is adjusted in the family where it
#   replaces its pair's test. Months between the waves are shown: a change over two years is
#   not a change over a month.
# * **Trend**: a binomial model with the logit of the share linear in time (years, from the
#   fieldwork month), fitted on effective counts, and the likelihood-ratio test of a zero
#   slope; the quasi-binomial version lets the data say how much more the waves scatter.
#   A line is a summary of direction, not a model of a series that moves up and down. Known
#   breaks enter as level shifts; where a wave has other sources, the trend is refitted for
#   every combination of sources.
# * **Equal shares**: the chi-square test that every wave has one common share (Pearson and
#   likelihood ratio, k − 1 df).
# * **A monthly tracker** (at least 24 waves a month apart) is a time series: its months are
#   autocorrelated, so its trend is judged by tests that allow for that (OLS with Newey-West
#   errors at several lags; a regression with AR(1) errors by maximum likelihood and by
#   Cochrane-Orcutt), on the share and on its logit, and a trend is claimed only if every one
#   of them finds it.

# %% [markdown]
# ## Save outputs
# `reports/tables/<run>.csv`, one row per number (column `part`): every figure (share), every
# adjacent change and combination of sources (change: both sides, the change in points, the
# interval of the verdict's test, z, p at the published values, with rounding as noise,
# adjusted, at the least favourable rounding, whether the source decides, the verdict), the
# trend (slope in log-odds per year, its interval, likelihood-ratio χ², p, quasi-binomial p),
# for a monthly tracker every robust fit, and the test of equal shares; every row with the
# cell, the design effect and the family method.

# %%
rows = [pd.DataFrame({"part": "share", "wave_1": shares["wave"],
                      "figure_1": shares["figure_id"], "outlet_1": shares["outlet"],
                      "text_1": shares["value_text"], "value": shares["point"],
                      "ci_low": shares["ci_low"], "ci_high": shares["ci_high"],
                      "n_1": shares["n"], "best": shares["best"]})]
if not changes.empty:
    rows.append(pd.DataFrame({
        "part": "change", "comparison_id": changes["comparison_id"],
        "family": changes["family"], "wave_1": changes["wave_1"],
        "figure_1": changes["figure_id_1"], "outlet_1": changes["outlet_1"],
        "text_1": changes["value_text_1"], "wave_2": changes["wave_2"],
        "figure_2": changes["figure_id_2"], "outlet_2": changes["outlet_2"],
        "text_2": changes["value_text_2"], "value": changes["diff"],
        "ci_low": changes["ci_low"], "ci_high": changes["ci_high"], "statistic": changes["z"],
        "p_value": changes["p_value"], "p_rounding": changes["p_rounding"],
        "p_adjusted": changes["p_adjusted"], "p_worst": changes["p_worst"],
        "p_worst_adjusted": changes["p_worst_adjusted"], "n_1": changes["n_1"],
        "n_2": changes["n_2"], "best": changes["best"],
        "depends_on_source": changes["depends_on_source"], "verdict": changes["verdict"]}))
columns = ["part", "comparison_id", "family", "wave_1", "figure_1", "outlet_1", "text_1",
           "wave_2", "figure_2", "outlet_2", "text_2", "value", "ci_low", "ci_high",
           "statistic", "df", "p_value", "p_rounding", "p_adjusted", "p_worst",
           "p_worst_adjusted", "n_1", "n_2", "best", "depends_on_source", "verdict"]
if trend is not None:
    het = trend["heterogeneity"]
    rows.append(pd.DataFrame([
        {"part": "trend", "wave_1": trend["first"], "wave_2": trend["last"],
         "value": trend["slope"], "ci_low": trend["ci_low"], "ci_high": trend["ci_high"],
         "statistic": trend["lr_stat"], "df": 1, "p_value": trend["p_value"],
         "p_worst": trend["p_value_overdispersed"]},
        {"part": "equal", "wave_1": trend["first"], "wave_2": trend["last"],
         "value": het.pooled, "statistic": het.pearson, "df": het.df,
         "p_value": het.p_pearson}]))
if robust is not None:
    rows.append(pd.DataFrame({
        "part": "trend_robust", "wave_1": trend["first"], "wave_2": trend["last"],
        "value": robust["slope"], "ci_low": robust["ci_low"], "ci_high": robust["ci_high"],
        "p_value": robust["p_value"], "method": robust["method"], "scale": robust["scale"],
        "lags": robust["lags"], "rho": robust["rho"]}))
    columns += ["method", "scale", "lags", "rho"]
key_numbers = pd.concat(rows, ignore_index=True).reindex(columns=columns).assign(
    question=sel.question, option=sel.option, subgroup_var=sel.subgroup_var,
    subgroup=sel.subgroup, deff=deff_used, family_method=family_method)
print("wrote", report.save_table(key_numbers, run))

# %% [markdown]
# ## What this rests on
# Sampling error only: the tests take the published figures at face value, the waves as
# independent samples of the stated N, and one design effect for every wave.

# %%
report.show(load.load_gaps(), index="id")
