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


def save_figure(fig, data: pd.DataFrame, run: str, name: str, *, alt: str | None = None,
                title: str | None = None, source: str | None = None,
                subtitle: str | None = None):
    """Save ``fig`` as SVG and ``data`` as CSV under ``figures/``; return it for display.

    The figure is closed so that the inline backend does not render it a second time. What is
    returned (:class:`SavedFigure`) shows as the SVG in a notebook and carries, for the report
    page (``chasm.site``), the figure's title, alt text, source line and the paths of its SVG
    and CSV. Each defaults to what the figure says (:func:`describe_figure`): ``title`` to the
    figure's title, ``alt`` to a sentence naming the chart's title, axes and rows, ``source``
    to the source kinds of ``data`` and the sample sizes the metadata marks as assumed.
    Chart functions should pass a ``title`` that states the finding (computed from the
    numbers, like a ``report.say`` sentence) and a ``subtitle`` naming the measure.
    """
    import matplotlib.pyplot as plt

    stem = f"{run}-{name}"
    folder = paths.figures_dir()
    described = describe_figure(fig, data)
    buffer = _io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    tmp = folder / f".{stem}.svg.tmp"
    tmp.write_text(svg, encoding="utf-8")
    tmp.replace(folder / f"{stem}.svg")
    io.write_csv(data, folder / f"{stem}.csv")
    return SavedFigure(svg, {
        "svg": f"figures/{stem}.svg", "csv": f"figures/{stem}.csv",
        "title": title if title is not None else described["title"],
        "alt": alt if alt is not None else described["alt"],
        "source": source if source is not None else figure_source(data),
        "subtitle": subtitle or ""})


# --------------------------------------------------------------------------------------------
# 04_multiresponse: the ranges the published marginals allow
# --------------------------------------------------------------------------------------------
def multiresponse_bounds(bounds: pd.DataFrame, options: pd.DataFrame, quantities, run: str,
                         question: str, wave: str):
    """Figure ``<run>-bounds``: each quantity's identified and sampling-widened range.

    One row per quantity of ``bounds`` (:func:`chasm.multiresponse.bounds_table`, first at the
    top): a dark bar for the identified range (rounding and wording; at least 0.4 point wide
    so a point range stays visible), a light bar widened by sampling error, and dots at the
    published shares of the options the quantity is built from (``options``,
    :func:`chasm.multiresponse.wave_options`), coloured by source; no dots for a ``none``
    quantity (100 minus a union, not on the options' scale). A quantity that cannot be bounded
    gets its reason as text. A dashed line marks half the sample. The CSV holds one row per
    drawn element (quantity, element = identified / with_sampling / point, option, figure_id,
    source_kind, low, high). Returns :func:`save_figure`'s output, or None (nothing drawn or
    saved) when no quantity can be bounded.
    """
    import matplotlib.pyplot as plt
    import numpy as np

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
            ax.text(50, y, "not bounded: " + q.missing, ha="center", va="center", fontsize=8,
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
    ax.set_yticks(range(len(rows)), [by_key[k].label for k in rows["quantity"]], fontsize=8.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("percent of respondents")
    ax.set_title(f"'{question}', {wave}: what the published marginals allow", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=7.5,
              frameon=False)
    return save_figure(fig, pd.DataFrame(plot_data), run, "bounds")


# --------------------------------------------------------------------------------------------
# Reader pages: what a saved figure carries to its page (alt text, title, source line)
# --------------------------------------------------------------------------------------------
#: How a source line names each source kind.
SOURCE_NAMES = {"essay": "the essay (REM, 2025)", "primary": "Levada Center releases",
                "secondary": "a secondary summary", "derived": "derived here"}


class SavedFigure:
    """A saved figure: shown as its SVG in a notebook; its ``meta`` (``svg``, ``csv``,
    ``title``, ``alt``, ``source``) goes into the output's metadata as ``chasm``, where the
    report page finds it."""

    def __init__(self, svg: str, meta: dict):
        self.svg = svg
        self.meta = meta

    @property
    def data(self) -> str:
        """The SVG as a notebook shows it (IPython's ``SVG(...).data``: the <svg> element
        without the XML header), as ``save_figure`` returned before it carried metadata."""
        from IPython.display import SVG

        return SVG(self.svg).data

    def _repr_mimebundle_(self, include=None, exclude=None):
        return ({"image/svg+xml": self.data, "text/plain": self.meta["alt"]},
                {"chasm": dict(self.meta)})


def describe_figure(fig, data: pd.DataFrame) -> dict:
    """The figure's title (its suptitle or first axes title) and an alt text built from what
    the figure draws: title, each panel's axis labels, and the rows of plotted numbers."""
    texts = []
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    axes = [ax for ax in fig.axes if ax.get_visible() and (ax.has_data() or ax.get_title())]
    titles = [ax.get_title() for ax in axes if ax.get_title()]
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


def figure_source(data: pd.DataFrame) -> str:
    """The source line of a chart of ``data``: the source kinds it shows and the sample sizes
    the wave metadata marks as assumed (only the waves the data names, if it names any)."""
    kinds = []
    for column in ("source_kind", "kind_1", "kind_2", "kind"):
        if column in data.columns:
            kinds += [str(k) for k in data[column].dropna().unique()]
    names = [SOURCE_NAMES[k] for k in SOURCE_NAMES if k in kinds]
    line = "Source: " + ("; ".join(names) if names else "the published figures in data/raw")
    waves = io.load_metadata()["waves"]
    named = ({str(w) for w in data["wave"].dropna()} & set(waves)) if "wave" in data else set()
    assumed = sorted({int(w["n"]) for key, w in waves.items()
                      if w.get("n_assumed") and (not named or key in named)})
    if assumed:
        line += (". Interviews per wave assumed: N = " + " or ".join(f"{n:,}" for n in assumed)
                 + " (not published)")
    return line + "."
