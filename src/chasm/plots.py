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
# Charts of 02_uncertainty and 03_waves (interval and change charts)
# --------------------------------------------------------------------------------------------
def intervals_chart(table: pd.DataFrame, level: str, deff: float, run: str):
    """02_uncertainty's chart: every whole-sample figure with its interval.

    ``table`` is ``chasm.uncertainty.interval_table``; rows without an interval are left out.
    Thin line: the interval; thick pale bar: the range the text allows; dot: the published
    point; colour: the source kind. Saved as ``<run>-intervals`` with the plotted numbers.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from . import report

    whole = table[(table["subgroup_var"] == "all") & table["ci_low"].notna()].copy()
    whole = whole.sort_values(["question", "option", "wave", "figure_id"], ascending=False)
    whole["label"] = whole["wave"] + " · " + whole["option"] + " (" + whole["figure_id"] + ")"
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(whole) + 1.2))
    y = np.arange(len(whole))
    colours = whole["source_kind"].map(SOURCE_PALETTE).tolist()
    ax.hlines(y, whole["low"], whole["high"], colors=colours, linewidth=7, alpha=0.3)
    ax.hlines(y, whole["ci_low"], whole["ci_high"], colors=colours, linewidth=1.6)
    has_point = whole["point"].notna().to_numpy()
    ax.scatter(whole["point"][has_point], y[has_point], s=22, zorder=3,
               c=[c for c, keep in zip(colours, has_point, strict=True) if keep])
    ax.set_yticks(y, whole["label"])
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"percent of respondents ({level} interval, deff {report.fmt(deff, 2)})")
    _kind_legend(ax, set(whole["source_kind"]))
    ax.legend(title="source", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Published figures with their intervals (whole sample)")
    return save_figure(fig, whole[["figure_id", "label", "source_kind", "value_text", "point",
                                   "low", "high", "ci_low", "ci_high", "method"]],
                       run, "intervals")


def changes_chart(res: pd.DataFrame, margin: float, wave1: str, wave2: str, level: str,
                  deff: float, run: str):
    """03_waves' chart: each comparison's change with its intervals.

    ``res`` is ``chasm.waves.compare_pairs``. Dot and thin line: the change and its interval
    at the published values; pale thick bar: the interval widened by rounding or wording
    (``ci_low_range``, ``ci_high_range``); grey band: ±``margin``; colour: the later figure's
    source kind. Saved as ``<run>-changes`` with the plotted numbers.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from . import report

    plot = res.iloc[::-1].reset_index(drop=True)
    plot["row"] = (plot["option"] + ": " + plot["text_1"] + " → " + plot["text_2"] + " ("
                   + plot["figure_1"] + " → " + plot["figure_2"] + ")")
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(plot) + 1.3))
    y = np.arange(len(plot))
    colours = plot["kind_2"].map(SOURCE_PALETTE).tolist()
    ax.axvspan(-margin, margin, color="0.85", alpha=0.6, zorder=0,
               label=f"±{report.fmt_short(margin)} points")
    ax.axvline(0, color="0.3", linewidth=1)
    ax.hlines(y, plot["ci_low_range"], plot["ci_high_range"], colors=colours, linewidth=7,
              alpha=0.3)
    ax.hlines(y, plot["ci_low"], plot["ci_high"], colors=colours, linewidth=1.8)
    ax.scatter(plot["diff"], y, c=colours, s=26, zorder=3)
    ax.set_yticks(y, plot["row"])
    ax.set_xlabel(f"change {wave1} → {wave2}, points ({level} interval, "
                  f"deff {report.fmt(deff, 2)})")
    _kind_legend(ax, set(plot["kind_2"]), prefix=f"{wave2}: ")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Change between the waves, by option and source")
    return save_figure(fig, plot[["row", "figure_1", "figure_2", "kind_1", "kind_2", "diff",
                                  "ci_low", "ci_high", "ci_low_range", "ci_high_range",
                                  "p_value", "p_holm"]], run, "changes")


def _kind_legend(ax, kinds: set, prefix: str = "") -> None:
    """Empty lines carrying a legend entry for each source kind present, in palette order."""
    for kind in [k for k in SOURCE_PALETTE if k in kinds]:
        ax.plot([], [], color=SOURCE_PALETTE[kind], marker="o", label=f"{prefix}{kind}")
