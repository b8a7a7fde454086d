"""One seaborn theme for every figure, and deterministic SVG figures saved beside their numbers.

Figures are written as ``<output>/figures/<run>-<name>.svg`` with the CSV of the plotted
numbers next to them (``<run>-<name>.csv``), and shown inline as SVG. SVG output is made
byte-stable: a fixed ``svg.hashsalt`` for element ids and no date in the metadata.
"""

from __future__ import annotations

import io as _io

import pandas as pd

from . import io, paths

#: Colours of source kinds, used by every figure that distinguishes them.
SOURCE_PALETTE = {"essay": "#1b6ca8", "primary": "#2a9d55", "secondary": "#e08a1e",
                  "derived": "#7a7a7a"}


def theme() -> None:
    """Apply the project's seaborn theme and deterministic SVG settings."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    mpl.rcParams.update({"svg.hashsalt": "chasm", "svg.fonttype": "path",
                         "figure.dpi": 100, "figure.figsize": (7.5, 4.2)})


def save_figure(fig, data: pd.DataFrame, run: str, name: str):
    """Save ``fig`` as SVG and ``data`` as CSV under ``figures/``; return it for inline display.

    The figure is closed so that the inline backend does not render it a second time.
    """
    import matplotlib.pyplot as plt
    from IPython.display import SVG

    stem = f"{run}-{name}"
    folder = paths.figures_dir()
    buffer = _io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    tmp = folder / f".{stem}.svg.tmp"
    tmp.write_text(svg, encoding="utf-8")
    tmp.replace(folder / f"{stem}.svg")
    io.write_csv(data, folder / f"{stem}.csv")
    return SVG(svg)


# --------------------------------------------------------------------------------------------
# Series (notebook 08_series): one share over time
# --------------------------------------------------------------------------------------------
#: Above this many waves a series is drawn as a line with a band, without per-figure bars.
SERIES_DOTS_MAX = 24


def series_chart(shares: pd.DataFrame, title: str, ylabel: str, run: str, level: str = "95%",
                 name: str = "series"):
    """A share over time with its intervals, one colour per source kind, sized for a phone.

    ``shares`` is ``chasm.series.shares(...)``: one row per figure with wave, figure_id,
    outlet, source_kind, point, low, high, ci_low, ci_high and best. The line joins the figure
    chosen per wave; a short series shows every figure as a dot with its interval (thin line)
    and the range its text allows (pale thick bar), other sources for the same wave drawn
    beside it as hollow dots (alternatives, not averaged); a long series shows the chosen
    figures as a line inside their interval band. ``title`` states the finding (computed by
    the caller). Returns :func:`save_figure`'s output.
    """
    import textwrap

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
    for kind, colour in SOURCE_PALETTE.items():
        for best, fill in ((True, colour), (False, "white")):
            rows = others[(others["source_kind"] == kind) & (others["best"] == best)]
            if rows.empty:
                continue
            x = rows["date"] + shift[rows.index]
            ax.vlines(x, rows["low"], rows["high"], colors=colour, linewidth=6, alpha=0.25)
            ax.vlines(x, rows["ci_low"], rows["ci_high"], colors=colour, linewidth=1.4)
            ax.scatter(x, rows["point"], s=30, facecolors=fill, edgecolors=colour, zorder=3,
                       linewidths=1.4)
    for (kind, outlet), _ in drawn.groupby(["source_kind", "outlet"], sort=True):
        colour = SOURCE_PALETTE.get(kind, "0.3")
        ax.plot([], [], color=colour, marker="o", linestyle="-" if long else "",
                label=textwrap.shorten(f"{outlet} ({kind})", 60))
    if (~drawn["best"]).any():
        ax.scatter([], [], s=30, facecolors="white", edgecolors="0.3",
                   label="hollow: another source for the same wave")
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel("\n".join(textwrap.wrap(ylabel, 36)))
    ax.set_title("\n".join(textwrap.wrap(title, 58)), fontsize=10.5, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), frameon=False, fontsize=8.5)
    plotted = data[["wave", "figure_id", "outlet", "source_kind", "value_text", "point", "low",
                    "high", "ci_low", "ci_high", "best"]]
    return save_figure(fig, plotted, run, name)
