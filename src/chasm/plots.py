"""What the charts share: one seaborn theme, the source palette, and figures saved beside their
plotted numbers with title, alt text and source line. A chart only one notebook draws is drawn
in that notebook (02, 03, 04, 08); 05's breakdown panels are still here.

Figures are written as ``<output>/figures/<run>-<name>.svg`` (``chasm.svg``: byte-stable, text
as text, metadata, and a phone layout ``<run>-<name>-phone.svg`` where the chart needs one)
with the CSV of the plotted numbers next to them (``<run>-<name>.csv``), and shown inline as
SVG.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chasm import paths, text
from chasm import svg as chart_file
from chasm.data import figures, load, write

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
# Shared by the charts drawn in 02_uncertainty and 03_waves
# --------------------------------------------------------------------------------------------
def kind_legend(ax, kinds: set, prefix: str = "") -> None:
    """Empty lines carrying a legend entry for each source kind present, in palette order (the
    charts of 02_uncertainty and 03_waves)."""
    for kind in [k for k in SOURCE_PALETTE if k in kinds]:
        ax.plot([], [], color=SOURCE_PALETTE[kind], marker="o", label=f"{prefix}{kind}")


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
