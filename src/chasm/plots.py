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
