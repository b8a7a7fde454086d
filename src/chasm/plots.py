"""One seaborn theme, what each chart draws, and figures saved beside their plotted numbers.

Figures are written as ``<output>/figures/<run>-<name>.svg`` (``chasm.svg``: byte-stable, text
as text, metadata, and a phone layout ``<run>-<name>-phone.svg`` where the chart needs one)
with the CSV of the plotted numbers next to them (``<run>-<name>.csv``), and shown inline as
SVG.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from chasm import formats, paths, text
from chasm import svg as chart_file
from chasm.data import figures, load, write
from chasm.tables import code_labels

#: Colours of source kinds, used by every figure that distinguishes them.
SOURCE_PALETTE = {"essay": "#1b6ca8", "primary": "#2a9d55", "secondary": "#e08a1e",
                  "derived": "#7a7a7a"}


def theme() -> None:
    """Apply the project's seaborn theme and deterministic SVG settings."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    mpl.rcParams.update({**chart_file.SVG_RC, "figure.dpi": 100, "figure.figsize": (7.5, 4.2),
                         **text.CHART_RC})


def save_figure(fig, data: pd.DataFrame, run: str, name: str, *, alt: str | None = None,
                title: str | None = None, source: str | None = None,
                subtitle: str | None = None):
    """Save ``fig`` as SVG and ``data`` as CSV under ``figures/``; return it for display.

    The figure is closed so that the inline backend does not render it a second time. What is
    returned (``chasm.svg.SavedFigure``) shows as the SVG in a notebook and carries, for the report
    page (``chasm.site.render``), the figure's title, alt text, source line and the paths of its SVG
    and CSV. Each defaults to what the figure says (:func:`describe_figure`): ``title`` to the
    figure's title, ``alt`` to a sentence naming the chart's title, axes and rows, ``source``
    to the source kinds of ``data`` and the sample sizes the metadata marks as assumed.
    Chart functions should pass a ``title`` that states the finding (computed from the
    numbers, like a ``report.say`` sentence) and a ``subtitle`` naming the measure.
    """
    import matplotlib.pyplot as plt
    import matplotlib.text

    stem = f"{run}-{name}"
    folder = paths.figures_dir()
    for artist in fig.findobj(matplotlib.text.Text):  # text from data drawn as written
        artist.set_text(text.clean(artist.get_text()))
        artist.set_parse_math(False)
    for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis)):  # category labels
        labels = [t.get_text() for t in axis.get_ticklabels()]
        if any(text.find_invisible(label) for label in labels):
            axis.set_ticks(axis.get_ticklocs(), [text.clean(label) for label in labels])
    described = describe_figure(fig, data)
    _drop_chart_title(fig)
    meta = {"svg": f"figures/{stem}.svg", "csv": f"figures/{stem}.csv",
            "title": text.clean(title if title is not None else described["title"]),
            "alt": text.clean(alt if alt is not None else described["alt"]),
            "source": text.clean(source if source is not None else figure_source(data)),
            "subtitle": text.clean(subtitle or "")}
    svg, phone = chart_file.save(fig, chart_file.svg_metadata(meta, run), folder, stem)
    plt.close(fig)
    if phone is not None:
        meta["phone"] = f"figures/{phone}"
    write.write_csv(data, folder / f"{stem}.csv")
    return chart_file.SavedFigure(svg, meta)


def _drop_chart_title(fig) -> None:
    """Remove the chart's own title from the drawing (the suptitle, or a one-panel chart's
    axes title): the page shows it as HTML above the image and the SVG keeps it in its
    metadata, so drawn again it would only repeat it in smaller type. Panel titles stay."""
    if getattr(fig, "_suptitle", None) is not None:
        fig._suptitle.set_text("")
    axes = [ax for ax in fig.axes if ax.get_visible() and (ax.has_data() or ax.get_title())]
    if len(axes) == 1:
        axes[0].set_title("")
        axes[0].set_title("", loc="left")


# --------------------------------------------------------------------------------------------
# 04_multiresponse: the ranges the published marginals allow
# --------------------------------------------------------------------------------------------
def multiresponse_bounds(bounds: pd.DataFrame, options: pd.DataFrame, quantities, run: str,
                         question: str, wave: str):
    """Figure ``<run>-bounds``: each quantity's identified and sampling-widened range.

    One row per quantity of ``bounds`` (:func:`chasm.analysis.multiresponse.bounds_table`, first at
    the
    top): a dark bar for the identified range (rounding and wording; at least 0.4 point wide
    so a point range stays visible), a light bar widened by sampling error, and dots at the
    published shares of the options the quantity is built from (``options``,
    :func:`chasm.analysis.multiresponse.wave_options`), coloured by source; no dots for a ``none``
    quantity (100 minus a union, not on the options' scale). A quantity that cannot be bounded
    gets its reason as text. A dashed line marks half the sample. The CSV holds one row per
    drawn element (quantity, element = identified / with_sampling / point, option, figure_id,
    source_kind, low, high). Returns :func:`save_figure`'s output, or None (nothing drawn or
    saved) when no quantity can be bounded.
    """
    import matplotlib.pyplot as plt

    by_key = {q.key: q for q in quantities}
    if all(by_key[k].missing for k in bounds["quantity"]):
        return None
    theme()
    rows = bounds.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.0, 0.75 * len(rows) + 1.4))
    shown_kinds = set()
    plot_data = []
    for y, row in rows.iterrows():
        q = by_key[row["quantity"]]
        if q.missing:
            ax.text(50, y, "not bounded: " + q.missing, ha="center", va="center", fontsize=9.5,
                    color="#555555")
            continue
        ax.barh(y, row["high_with_sampling"] - row["low_with_sampling"],
                left=row["low_with_sampling"], height=0.55, color="#d9d9d9",
                label="with sampling error" if y == 0 else None)
        ax.barh(y, max(row["high"] - row["low"], 0.4), left=row["low"], height=0.3,
                color="#4d4d4d", label="identified range" if y == 0 else None)
        plot_data += [{"quantity": row["quantity"], "element": "identified", "option": "",
                       "figure_id": "", "source_kind": "", "low": row["low"],
                       "high": row["high"]},
                      {"quantity": row["quantity"], "element": "with_sampling", "option": "",
                       "figure_id": "", "source_kind": "", "low": row["low_with_sampling"],
                       "high": row["high_with_sampling"]}]
        if q.kind == "none":
            continue  # 100 minus a union: the options' own shares are not on this scale
        used = options.set_index("option").loc[list(q.uses)]
        offsets = np.linspace(-0.16, 0.16, len(used)) if len(used) > 1 else [0.0]
        for dy, (option, o) in zip(offsets, used.iterrows(), strict=True):
            kind = o["source_kind"]
            ax.plot(o["point"], y + dy, "o", ms=5, color=SOURCE_PALETTE[kind],
                    markeredgecolor="white", markeredgewidth=0.6,
                    label=f"published share ({kind})" if kind not in shown_kinds else None)
            shown_kinds.add(kind)
            plot_data.append({"quantity": row["quantity"], "element": "point",
                              "option": option, "figure_id": o["figure_id"],
                              "source_kind": kind, "low": o["point"], "high": o["point"]})
    ax.axvline(50, color="#b03a2e", ls="--", lw=1, label="half the sample")
    ax.set_yticks(range(len(rows)), [by_key[k].label for k in rows["quantity"]], fontsize=9.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("percent of respondents")
    title = bounds_title(bounds, wave)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=9.5,
              frameon=False)
    return save_figure(fig, pd.DataFrame(plot_data), run, "bounds", title=title,
                       subtitle=f"Percent of respondents, {wave}: identified range (dark) and "
                                "with sampling error (light); dashed line: half the sample")


def bounds_title(bounds: pd.DataFrame, wave: str) -> str:
    """The bounds chart's title, stating the finding: which of the bounded quantities the
    marginals place entirely below or above half the sample, and how many they leave open."""
    usable = bounds[bounds["low"].notna() & bounds["high"].notna()]
    open_ = usable[(usable["low_with_sampling"] < 50) & (usable["high_with_sampling"] > 50)]
    if open_.empty:
        return f"{wave}: every bounded combination of answers lies clearly below or above half"
    return (f"{wave}: {len(open_)} of {len(usable)} combinations of answers could be a "
            "majority or not: the published shares alone cannot say")


# --------------------------------------------------------------------------------------------
# Subgroup charts (05_subgroups)
# --------------------------------------------------------------------------------------------
def plot_groups(ax, cells: pd.DataFrame, total, title: str,
                palette: dict[str, str] | None = None) -> pd.DataFrame:
    """Draw one breakdown on ``ax``; return the plotted numbers (one row per group + total).

    ``cells`` rows (top to bottom) need group, low, high, point, ci_low, ci_high,
    source_kind, derived, figure_id. Published groups: a bar over the wording range in the
    source's colour, a dot at the point, a thin line for the confidence interval. Derived
    ranges (unpublished groups bounded by the identity, or a complement): a hatched grey bar
    labelled "derived". ``total`` (keys point, low, high, ci_low, ci_high, figure_id): a
    vertical reference line with a light band for its interval.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    palette = SOURCE_PALETTE if palette is None else palette
    ax.axvspan(total["ci_low"], total["ci_high"], color="#eeeeee", zorder=0)
    ax.axvline(total["point"], color="#333333", lw=1, ls="--", zorder=1)
    rows = cells.reset_index(drop=True)
    ys = np.arange(len(rows))[::-1]
    labels = []
    for y, row in zip(ys, rows.itertuples(), strict=True):
        ax.plot([row.ci_low, row.ci_high], [y, y], color="#333333", lw=1, zorder=2)
        width = max(row.high - row.low, 0.4)
        if row.derived:
            ax.barh(y, width, left=row.low, height=0.42, facecolor="#dddddd",
                    edgecolor="#777777", hatch="///", lw=0.8, zorder=3)
            labels.append(f"{row.group} (derived from {row.figure_id})" if row.figure_id
                          else f"{row.group} (derived)")
        else:
            colour = palette.get(row.source_kind, "#777777")
            ax.barh(y, width, left=row.low, height=0.42, color=colour, alpha=0.45, zorder=3)
            if not np.isnan(row.point):
                ax.plot(row.point, y, "o", color=colour, ms=6, markeredgecolor="white",
                        zorder=4)
            labels.append(f"{row.group} ({row.figure_id})")
    ax.set_yticks(ys, labels, fontsize=9.5)
    ax.set_xlim(0, 100)
    ax.set_title(title, fontsize=9.5)
    ax.set_xlabel("percent")
    kinds = [k for k in dict.fromkeys(rows.loc[~rows["derived"], "source_kind"]) if k]
    handles = [Patch(color=palette.get(k, "#777777"), alpha=0.45, label=k) for k in kinds]
    handles.append(Patch(facecolor="#dddddd", edgecolor="#777777", hatch="///",
                         label="derived (bounds)"))
    handles.append(Line2D([], [], color="#333333", lw=1, ls="--", label="total"))
    ax.legend(handles=handles, fontsize=9.5, loc="upper center", bbox_to_anchor=(0.5, -0.22),
              ncol=2, frameon=False)
    data = rows[["group", "figure_id", "source_kind", "derived", "point", "low", "high",
                 "ci_low", "ci_high"]].copy()
    tot = pd.DataFrame([{"group": "total", "figure_id": total.get("figure_id", ""),
                         "source_kind": total.get("source_kind", ""), "derived": False,
                         "point": total["point"], "low": total["low"], "high": total["high"],
                         "ci_low": total["ci_low"], "ci_high": total["ci_high"]}])
    return pd.concat([data, tot], ignore_index=True)


def draw_group_panels(panels, panel_size: tuple[float, float], fit_x: bool = False):
    """One :func:`plot_groups` panel per ``(title, cells, total)`` side by side.

    ``panel_size`` is (width, height) in inches of one panel. With ``fit_x`` the x axis ends
    at the next multiple of 10 above the highest plotted end + 2 (at most 100), so that small
    shares stay readable. Returns the figure and the plotted numbers (column ``panel`` first).
    """
    import matplotlib.pyplot as plt

    # panels stacked, one above the other: the figure keeps one panel's width (a phone's)
    fig, axes = plt.subplots(len(panels), 1, figsize=(panel_size[0],
                                                      panel_size[1] * len(panels)),
                             squeeze=False)
    data = []
    for ax, (title, cells, total) in zip(axes[:, 0], panels, strict=True):
        d = plot_groups(ax, cells, total, title)
        if fit_x:
            ax.set_xlim(0, min(100.0, 10 * np.ceil((d[["high", "ci_high"]].max().max() + 2)
                                                   / 10)))
        d.insert(0, "panel", title)
        data.append(d)
    fig.tight_layout()
    return fig, pd.concat(data, ignore_index=True)


def group_panels_figure(panels, run: str, name: str, panel_size: tuple[float, float],
                        fit_x: bool = False):
    """:func:`draw_group_panels` saved by :func:`save_figure` (returned for inline display)."""
    fig, data = draw_group_panels(panels, panel_size, fit_x)
    title = groups_title(data)
    fig.suptitle(title, fontsize=10, wrap=True)
    fig.tight_layout()
    return save_figure(fig, data, run, name, title=title,
                       subtitle="Percent of each group: the range its published text allows "
                                "(bar), its interval (line); hatched: derived, not published")


def groups_title(data: pd.DataFrame) -> str:
    """The breakdown figure's title, stating the finding of each panel: its published groups'
    lowest and highest share (at the published points) and how many groups are derived."""
    parts = []
    for panel, rows in data.groupby("panel", sort=False):
        groups = rows[(rows["group"] != "total") & ~rows["derived"].astype(bool)
                      & rows["point"].notna()]
        derived = int(rows["derived"].astype(bool).sum())
        if groups.empty:
            continue
        lo, hi = groups.loc[groups["point"].idxmin()], groups.loc[groups["point"].idxmax()]
        text = (f"{panel}: {lo['group']} {lo['point']:g}% to {hi['group']} {hi['point']:g}%")
        parts.append(text + (f", {derived} group{'s' if derived != 1 else ''} derived"
                             if derived else ""))
    return "; ".join(parts) or "No published group to compare"


# --------------------------------------------------------------------------------------------
# Charts of 02_uncertainty and 03_waves (interval and change charts)
# --------------------------------------------------------------------------------------------
def intervals_chart(table: pd.DataFrame, level: str, deff: float, run: str):
    """02_uncertainty's chart: every whole-sample figure with its interval.

    ``table`` is ``chasm.analysis.uncertainty.interval_table``; rows without an interval are left
    out.
    Thin line: the interval; thick pale bar: the range the text allows; dot: the published
    point; colour: the source kind. Saved as ``<run>-intervals`` with the plotted numbers.
    """
    import matplotlib.pyplot as plt

    whole = table[(table["subgroup_var"] == "all") & table["ci_low"].notna()].copy()
    whole = whole.sort_values(["question", "option", "wave", "figure_id"], ascending=False)
    names = pd.Series(code_labels(whole)["option"], index=whole.index).astype(str)
    whole["label"] = (whole["wave"] + " · " + names.map(
        lambda n: textwrap.shorten(n, width=30, placeholder="…")) + " (" + whole["figure_id"]
        + ")")
    fig, ax = plt.subplots(figsize=(7.0, 0.3 * len(whole) + 1.4))
    y = np.arange(len(whole))
    colours = whole["source_kind"].map(SOURCE_PALETTE).tolist()
    ax.hlines(y, whole["low"], whole["high"], colors=colours, linewidth=7, alpha=0.3)
    ax.hlines(y, whole["ci_low"], whole["ci_high"], colors=colours, linewidth=1.6)
    has_point = whole["point"].notna().to_numpy()
    ax.scatter(whole["point"][has_point], y[has_point], s=22, zorder=3,
               c=[c for c, keep in zip(colours, has_point, strict=True) if keep])
    ax.set_yticks(y, whole["label"])
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"percent of respondents ({level} interval, deff {formats.fmt(deff, 2)})")
    _kind_legend(ax, set(whole["source_kind"]))
    ax.legend(title="source", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    width = whole["ci_high"] - whole["ci_low"]
    widest = whole.loc[width.idxmax()]
    title = (f"{len(whole)} whole-sample figures; their {level} intervals span "
             f"{formats.fmt(width.min(), 1)} to {formats.fmt(width.max(), 1)} points, the widest "
             f"for {widest['figure_id']} (\"{widest['value_text']}\")")
    ax.set_title(textwrap.fill(title, 72), fontsize=10)
    return save_figure(fig, whole[["figure_id", "label", "source_kind", "value_text", "point",
                                   "low", "high", "ci_low", "ci_high", "method"]],
                       run, "intervals", title=title,
                       subtitle=f"Percent of respondents: {level} interval (line), the range "
                                "the published text allows (pale bar), the published point")


def changes_chart(res: pd.DataFrame, margin: float, wave1: str, wave2: str, level: str,
                  deff: float, run: str):
    """03_waves' chart: each comparison's change with its intervals.

    ``res`` is ``chasm.analysis.waves.compare_pairs``. Dot and thin line: the change and its
    interval
    at the published values; pale thick bar: the interval widened by rounding or wording
    (``ci_low_range``, ``ci_high_range``); grey band: ±``margin``; colour: the later figure's
    source kind. Saved as ``<run>-changes`` with the plotted numbers.
    """
    import matplotlib.pyplot as plt

    plot = res.iloc[::-1].reset_index(drop=True)
    names = plot["label"] if "label" in plot else plot["option"]  # metadata labels, not codes
    short = names.map(lambda n: textwrap.shorten(str(n), width=28, placeholder="…"))
    plot["row"] = (short + "\n" + plot["text_1"] + " → " + plot["text_2"]
                   + " (" + plot["figure_1"] + " → " + plot["figure_2"] + ")")
    fig, ax = plt.subplots(figsize=(6.4, 0.6 * len(plot) + 1.6))
    y = np.arange(len(plot))
    colours = plot["kind_2"].map(SOURCE_PALETTE).tolist()
    ax.axvspan(-margin, margin, color="0.85", alpha=0.6, zorder=0,
               label=f"±{formats.fmt_short(margin)} points")
    ax.axvline(0, color="0.3", linewidth=1)
    ax.hlines(y, plot["ci_low_range"], plot["ci_high_range"], colors=colours, linewidth=7,
              alpha=0.3)
    ax.hlines(y, plot["ci_low"], plot["ci_high"], colors=colours, linewidth=1.8)
    ax.scatter(plot["diff"], y, c=colours, s=26, zorder=3)
    ax.set_yticks(y, plot["row"])
    ax.set_xlabel(f"change {wave1} → {wave2}, points ({level} interval, "
                  f"deff {formats.fmt(deff, 2)})")
    _kind_legend(ax, set(plot["kind_2"]), prefix=f"{wave2} figure: ")
    ax.legend(ncol=2, frameon=False, fontsize=9.5)
    chart_file.legend_below(ax)  # clear of the axis label however few rows the chart has
    title = changes_title(res, wave1, wave2)
    ax.set_title(textwrap.fill(title, 70), fontsize=10)
    return save_figure(fig, plot[["row", "figure_1", "figure_2", "kind_1", "kind_2", "diff",
                                  "ci_low", "ci_high", "ci_low_range", "ci_high_range",
                                  "p_value", "p_adjusted"]], run, "changes", title=title,
                       subtitle=f"Change in percentage points, {wave1} to {wave2}, with its "
                                f"{level} interval; grey band: the equivalence margin")


def changes_title(res: pd.DataFrame, wave1: str, wave2: str) -> str:
    """The changes chart's title, stating the finding: how many of the answers compared
    changed beyond sampling error after the plan's adjustment (at the figure chosen per cell,
    ``best``), and which."""
    chosen = res[res["best"]] if "best" in res else res
    changed = chosen[chosen["reading"] == "change"]
    names = (changed["label"] if "label" in changed else changed["option"]).tolist()
    head = (f"{len(changed)} of {chosen['option'].nunique()} answers changed beyond sampling "
            f"error, {wave1} → {wave2}")
    return head + (": " + ", ".join(f'"{n}"' for n in names) if names else "")


def _kind_legend(ax, kinds: set, prefix: str = "") -> None:
    """Empty lines carrying a legend entry for each source kind present, in palette order."""
    for kind in [k for k in SOURCE_PALETTE if k in kinds]:
        ax.plot([], [], color=SOURCE_PALETTE[kind], marker="o", label=f"{prefix}{kind}")


# --------------------------------------------------------------------------------------------
# Series (notebook 08_series): one share over time
# --------------------------------------------------------------------------------------------
#: Above this many waves a series is drawn as a line with a band, without per-figure bars.
SERIES_DOTS_MAX = 24


def series_chart(shares: pd.DataFrame, title: str, ylabel: str, run: str, level: str = "95%",
                 name: str = "series", marks: pd.DataFrame | None = None):
    """A share over time with its intervals, one colour per source kind and one marker per
    outlet (each outlet in the legend), sized for a phone.

    ``shares`` is ``chasm.analysis.series.shares(...)``: one row per figure with wave, figure_id,
    outlet, source_kind, point, low, high, ci_low, ci_high and best. The line joins the figure
    chosen per wave; a short series shows every figure as a dot with its interval (thin line)
    and the range its text allows (pale thick bar), other sources for the same wave drawn
    beside it as hollow dots (alternatives, not averaged); a long series shows the chosen
    figures as a line inside their interval band, each month a small marker of its outlet.
    ``title`` states the finding (computed by the caller). ``marks`` (columns ``wave``,
    ``label``) rings the chosen figure of each listed wave, one style and legend entry per
    label (a finding the caller computed, such as a change the source decides). Returns
    :func:`save_figure`'s output.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    data = shares.copy()
    data["date"] = pd.to_datetime(data["wave"] + "-15")
    drawn = data[data["point"].notna() | data["low"].notna()]
    chosen = drawn[drawn["best"] & drawn["point"].notna()].sort_values("date")
    long = data["wave"].nunique() > SERIES_DOTS_MAX
    kinds = chosen["source_kind"].unique()
    line = SOURCE_PALETTE.get(kinds[0], "0.35") if long and len(kinds) == 1 else "0.35"
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot(chosen["date"], chosen["point"], color=line, linewidth=1.2, zorder=2)
    if long:
        ax.fill_between(chosen["date"], chosen["ci_low"], chosen["ci_high"], color="0.6",
                        alpha=0.3, linewidth=0, label=f"{level} interval", zorder=1)
        others = drawn[~drawn["best"]]
    else:
        others = drawn
    span = (data["date"].max() - data["date"].min()) or pd.Timedelta(days=365)
    rank = others.groupby("wave").cumcount()
    size = others.groupby("wave")["wave"].transform("size")
    shift = (rank - (size - 1) / 2.0) * span * 0.018
    outlets = list(drawn.groupby(["source_kind", "outlet"], sort=True).groups)
    shapes = {key: "osD^vP<>"[i % 8] for i, key in enumerate(outlets)}
    if long:  # the chosen months, small, so that each outlet's months show on the line
        for (kind, outlet), rows in chosen.groupby(["source_kind", "outlet"], sort=True):
            ax.scatter(rows["date"], rows["point"], s=9, marker=shapes[(kind, outlet)],
                       color=SOURCE_PALETTE.get(kind, "0.3"), zorder=3, linewidths=0)
    for (kind, outlet), part in others.groupby(["source_kind", "outlet"], sort=True):
        colour = SOURCE_PALETTE.get(kind, "0.3")
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
        colour = SOURCE_PALETTE.get(kind, "0.3")
        ax.plot([], [], color=colour, marker=shapes[(kind, outlet)],
                linestyle="-" if long else "", label=textwrap.shorten(f"{outlet} ({kind})", 60))
    for (label, rows), (shape, colour) in zip(
            (marks if marks is not None else pd.DataFrame(columns=["wave", "label"]))
            .groupby("label", sort=False), (("o", "0.1"), ("s", "#b2182b"), ("D", "#5e3c99")),
            strict=False):
        at = chosen[chosen["wave"].isin(rows["wave"])]
        ax.scatter(at["date"], at["point"], s=170, marker=shape, facecolors="none",
                   edgecolors=colour, linewidths=1.6, zorder=4,
                   label=textwrap.shorten(str(label), 60))
    if (~drawn["best"]).any():
        ax.scatter([], [], s=30, facecolors="white", edgecolors="0.3",
                   label="hollow: another source for the same wave")
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel("\n".join(textwrap.wrap(ylabel, 36)))
    ax.set_title(title)  # the page's and the file's title and alt text (not drawn)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), frameon=False, fontsize=9.5)
    plotted = data[["wave", "figure_id", "outlet", "source_kind", "value_text", "point", "low",
                    "high", "ci_low", "ci_high", "best"]]
    return save_figure(fig, plotted, run, name, title=title)


# --------------------------------------------------------------------------------------------
# Reader pages: what a saved figure carries to its page (alt text, title, source line)
# --------------------------------------------------------------------------------------------
#: How a source line names each source kind.
SOURCE_NAMES = {"essay": "the essay (REM, 2025)", "primary": "Levada Center releases",
                "secondary": "a secondary summary", "derived": "derived here"}


def describe_figure(fig, data: pd.DataFrame) -> dict:
    """The figure's title (its suptitle or first axes title, centred or left) and an alt text
    built from what the figure draws: title, each panel's axis labels, and the rows of
    plotted numbers."""
    texts = []
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    axes = [ax for ax in fig.axes if ax.get_visible() and (ax.has_data() or ax.get_title())]
    titles = [ax.get_title() or ax.get_title(loc="left") for ax in axes
              if ax.get_title() or ax.get_title(loc="left")]
    # a panel's title names the panel, not the chart, unless the chart has one panel
    title = (suptitle or (titles[0] if len(axes) == 1 and titles else "")).strip()
    if title:
        texts.append(f"Chart: {title}.")
    else:
        texts.append("Chart.")
    if len(axes) > 1:
        texts.append(f"{len(axes)} panels" + (": " + "; ".join(titles) if titles else "") + ".")
    for ax in axes[:1]:
        xlabel, ylabel = ax.get_xlabel().strip(), ax.get_ylabel().strip()
        if xlabel:
            texts.append(f"Horizontal axis: {xlabel}.")
        if ylabel:
            texts.append(f"Vertical axis: {ylabel}.")
        ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        if ticks and not any(ch.isdigit() for ch in "".join(ticks)[:1]):
            shown = ", ".join(ticks[:6]) + (", ..." if len(ticks) > 6 else "")
            texts.append(f"Rows: {shown}.")
    texts.append(f"{len(data)} plotted values, in the CSV beside the chart.")
    return {"title": title, "alt": " ".join(texts)}


#: Columns of plotted numbers that name the figures they come from.
FIGURE_COLUMNS = ("figure_id", "figure_1", "figure_2", "figure_ids")


def source_outlets(data: pd.DataFrame) -> list[str]:
    """The outlets behind the plotted figures, as a reader can look them up ("REM,
    2025-12-08 (essay)"): a column ``outlet`` if the data carry one, else each figure id's
    source in the tidy table and ``sources.csv`` (``figures.outlets``); in order of first
    appearance, each once. Empty when the data name no figure."""
    if "outlet" in data.columns:
        kinds = data["source_kind"] if "source_kind" in data.columns else [None] * len(data)
        pairs = zip(data["outlet"], kinds, strict=True)
        return list(dict.fromkeys(f"{o} ({k})" if isinstance(k, str) else str(o)
                                  for o, k in pairs if isinstance(o, str) and o))
    ids = [i for column in FIGURE_COLUMNS if column in data.columns
           for cell in data[column].dropna() for i in str(cell).replace(";", " ").split()]
    if not ids:
        return []
    tidy = figures.load()
    source_of = dict(zip(tidy["figure_id"], tidy["source_id"], strict=True))
    kind_of = dict(zip(tidy["figure_id"], tidy["source_kind"], strict=True))
    names = figures.outlets(load.load_sources())
    return list(dict.fromkeys(f"{names.get(source_of[i], source_of[i])} ({kind_of[i]})"
                              for i in ids if i in source_of))


def figure_source(data: pd.DataFrame) -> str:
    """The source line of a chart of ``data``: the outlets of the figures it shows
    (:func:`source_outlets`; source kinds only when it names no figure), "derived here" for
    derived values, and the sample sizes the wave metadata marks as assumed (only the waves
    the data names, if it names any)."""
    kinds = []
    for column in ("source_kind", "kind_1", "kind_2", "kind"):
        if column in data.columns:
            kinds += [str(k) for k in data[column].dropna().unique()]
    names = source_outlets(data)
    if not names:
        names = [SOURCE_NAMES[k] for k in SOURCE_NAMES if k in kinds and k != "derived"]
    if "derived" in kinds:
        names.append(SOURCE_NAMES["derived"])
    line = "Source: " + ("; ".join(names) if names else "the published figures in data/raw")
    waves = load.load_metadata()["waves"]
    named = ({str(w) for w in data["wave"].dropna()} & set(waves)) if "wave" in data else set()
    assumed = sorted({int(w["n"]) for key, w in waves.items()
                      if w.get("n_assumed") and (not named or key in named)})
    if assumed:
        line += (". Interviews per wave assumed: N = " + " or ".join(f"{n:,}" for n in assumed)
                 + " (not published)")
    return line + "."
