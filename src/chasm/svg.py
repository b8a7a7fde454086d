"""A chart as a file: deterministic SVG with its text as text, its metadata, a phone layout.

Every chart is written byte-stable (a fixed ``svg.hashsalt`` for element ids, no date in the
metadata) with its text as text, not paths (``svg.fonttype`` none: it can be read aloud,
searched and measured, :func:`text_sizes`). Its Dublin Core metadata (:func:`svg_metadata`)
says what a downloaded file is: the title stating its finding, what it shows, its source, the
licence, its page. A chart whose text would be under :data:`MIN_TEXT_PX` on a phone gets a
second layout (:func:`phone_svg`: the same marks and numbers, labels wrapped, legends under
the axes, a narrower figure), which the page shows below 600 px.
"""

from __future__ import annotations

import contextlib
import io as _io
import re
import textwrap

from chasm import text

#: How every figure is written: element ids from a fixed salt (byte-stable files) and text
#: as text, not paths (it can be read aloud, searched and measured).
SVG_RC = {"svg.hashsalt": "chasm", "svg.fonttype": "none"}


def save(fig, metadata: dict, folder, stem: str) -> str | None:
    """Write ``fig`` as ``<folder>/<stem>.svg`` and, when it needs one, its phone layout as
    ``<stem>-phone.svg`` (each atomically); return the SVG text and the phone file's name
    (None without one)."""
    import matplotlib as mpl

    with mpl.rc_context(SVG_RC), _measured_once():  # whatever theme the caller set
        svg = _svg_text(fig, metadata)
        phone = phone_svg(fig, metadata, svg)
    for name, content in ((f"{stem}.svg", svg), (f"{stem}-phone.svg", phone)):
        if content is not None:
            tmp = folder / f".{name}.tmp"
            tmp.write_text(content, encoding="utf-8")
            tmp.replace(folder / name)
    return svg, (f"{stem}-phone.svg" if phone is not None else None)


@contextlib.contextmanager
def _measured_once():
    """While one figure is saved: each renderer kind measures each text once.

    Every ``savefig`` makes new SVG renderers (two a save), a resized canvas a new Agg one,
    and matplotlib keeps text metrics per renderer, so the wide layout and each narrowing
    step of :func:`phone_svg` measured every label again. A measure depends only on the text,
    its font properties, whether it is math and (Agg) the renderer's dpi: the SVG renderer
    measures by ``TextToPath`` at a fixed size and dpi, Agg by FreeType at its dpi, with fonts
    and hinting as the rc settings say, and those do not change inside :func:`save`. The same
    numbers, so the same files."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.backends.backend_svg import RendererSVG

    kept = {}
    for renderer in (RendererSVG, RendererAgg):
        measure = kept[renderer] = renderer.get_text_width_height_descent
        known: dict = {}  # this save's measures by this kind of renderer

        def measured(self, s, prop, ismath, measure=measure, known=known):
            key = (getattr(self, "dpi", None), s, prop.copy(), ismath)
            found = known.get(key)
            if found is None:
                found = known[key] = measure(self, s, prop, ismath)
            return found

        renderer.get_text_width_height_descent = measured
    try:
        yield
    finally:
        for renderer, measure in kept.items():
            renderer.get_text_width_height_descent = measure


#: A chart's width on a phone, in CSS pixels (a 400 px screen less the page's margins), and
#: the smallest text a reader meets there.
PHONE_WIDTH_PX = 368
MIN_TEXT_PX = 11.0
#: Characters per line of a category label, legend entry or note in the phone layout.
PHONE_WRAP = 24


def text_sizes(svg: str) -> tuple[float, float] | None:
    """(an SVG's width in its own units, its smallest font size in those units); None when
    its text is drawn as paths (no size to read)."""
    width = re.search(r'<svg\b[^>]*\bviewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"', svg)
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px", svg)]
    if not width or not sizes:
        return None
    return float(width.group(1)), min(sizes)


def _wrapped(label: str, width: int = PHONE_WRAP) -> str:
    return "\n".join(textwrap.wrap(label, width)) if len(label) > width else label


def _phone_text(fig) -> None:
    """Long category labels, legend entries, panel titles and notes wrapped; one legend
    column; panels that repeat one legend keep it under the last panel only."""
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    entries = {tuple(t.get_text() for t in legend.get_texts()) for legend in legends}
    if len(legends) > 1 and len(entries) == 1:
        for legend in legends[:-1]:
            legend.remove()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(len(label) > PHONE_WRAP for label in labels):
                axis.set_ticks(axis.get_ticklocs(), [_wrapped(label) for label in labels])
        ax.set_xlabel(_wrapped(ax.get_xlabel().replace("\n", " "), 28))
        ax.set_ylabel(_wrapped(ax.get_ylabel().replace("\n", " "), 28))
        for note in ax.texts:
            note.set_text(_wrapped(note.get_text(), 2 * PHONE_WRAP))
        if ax.get_title():
            ax.set_title(_wrapped(ax.get_title().replace("\n", " "), 2 * PHONE_WRAP))
        legend = ax.get_legend()
        if legend is not None:  # drawn again: a legend's columns are fixed when it is made
            texts = legend.get_texts()
            ax.legend(legend.legend_handles, [_wrapped(t.get_text()) for t in texts], ncols=1,
                      title=legend.get_title().get_text() or None,
                      frameon=legend.get_frame_on(),
                      fontsize=texts[0].get_fontsize() if texts else None)


def legend_below(ax, centred: bool = True, renderer=None) -> None:
    """Place ``ax``'s legend 4 points under everything the axes draw (tick labels, axis
    label), whatever the axes' height: centred under the axes, or from the left edge of its
    tick labels (``centred`` False). ``renderer``: the canvas's renderer, as
    ``canvas.get_renderer()`` gives it (one kept while a figure is resized measures the same
    and keeps its measured text)."""
    legend = ax.get_legend()
    if legend is None:
        return
    renderer = renderer or ax.figure.canvas.get_renderer()
    legend.set_visible(False)
    drawn = ax.get_tightbbox(renderer).transformed(ax.transAxes.inverted())
    legend.set_visible(True)
    gap = 4 * ax.figure.dpi / 72 / ax.get_window_extent(renderer).height
    legend.set_loc("upper center" if centred else "upper left")
    legend.set_bbox_to_anchor((0.5 if centred else drawn.x0, drawn.y0 - gap),
                              transform=ax.transAxes)


def phone_svg(fig, metadata: dict, svg: str) -> str | None:
    """The same chart laid out for a phone: long labels wrapped, legends under the axes, the
    figure narrowed until its smallest text is at least :data:`MIN_TEXT_PX` when the image is
    :data:`PHONE_WIDTH_PX` wide. The same marks and numbers; only the layout differs. None
    when the chart already reads at that width or cannot be narrowed enough (its axes would
    get narrower than an inch): the page then shows the one layout. ``svg``: the chart as
    saved for wide screens.

    Each narrowing step places the legends and takes the width savefig's SVG would have; only
    the last step draws the SVG (:func:`_svg_if_narrow`). The steps assume the smallest text is
    the wide chart's (font sizes do not depend on the width); the drawn SVG must confirm it,
    or the narrowing starts again drawing every step's SVG and reading its smallest text, so
    the file is always the one the step-by-step drawing gives."""
    sizes = text_sizes(svg)
    if sizes is None or sizes[1] * PHONE_WIDTH_PX / sizes[0] >= MIN_TEXT_PX:
        return None
    _phone_text(fig)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + _extra_height(fig))
    start = fig.get_size_inches()
    if _no_layout(fig):  # a layout engine's work might not repeat itself exactly
        found = _narrowed(fig, metadata, sizes[1])
        if found is not _UNSURE:
            return found
        fig.set_size_inches(start)
    return _narrowed(fig, metadata, None)


def _no_layout(fig) -> bool:
    """Whether savefig lays ``fig`` out by nothing: no layout engine, or the placeholder that
    ``tight_layout`` leaves (it does nothing when savefig runs it)."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    return engine is None or type(engine) is PlaceHolderLayoutEngine


#: :func:`_narrowed`'s answer when the drawn SVG's smallest text is not the one assumed.
_UNSURE = object()


def _narrowed(fig, metadata: dict, smallest: float | None):
    """The narrowing of :func:`phone_svg` from the figure's present width: with ``smallest``
    (the smallest text assumed) only the last step draws its SVG; without, every step does
    and reads its smallest text. :data:`_UNSURE` when the drawn SVG's smallest text is not
    ``smallest``, or when the guess ends without a drawn SVG (it may have narrowed too far)."""
    renderer = fig.canvas.get_renderer()  # text is measured by the dpi, not the canvas size
    for _ in range(12):
        for ax in fig.axes:
            legend_below(ax, centred=False, renderer=renderer)
        if smallest is None:
            svg = _svg_text(fig, metadata)
            drawn, least = text_sizes(svg)
        else:
            least = smallest
            svg, drawn = _svg_if_narrow(fig, metadata, PHONE_WIDTH_PX * least / MIN_TEXT_PX)
            if svg is not None and text_sizes(svg) != (drawn, least):
                return _UNSURE
        target = PHONE_WIDTH_PX * least / MIN_TEXT_PX
        if drawn <= target:
            return svg
        share = min(ax.get_position().width for ax in fig.axes)
        width = fig.get_size_inches()[0] - (drawn - target + 2) / 72 / share
        if width * share < 1.0:
            break
        fig.set_size_inches(width, fig.get_size_inches()[1])
    return None if smallest is None else _UNSURE  # no SVG drawn confirms the guess


class _TooWide(Exception):
    """Stops a save whose SVG would be wider than asked, before it draws anything."""


def _svg_if_narrow(fig, metadata: dict, limit: float) -> tuple[str | None, float]:
    """(the SVG :func:`_svg_text` writes, its width) when that width (its ``viewBox``'s, as
    :func:`text_sizes` reads it) is at most ``limit``; else (None, the width). The width comes
    from savefig itself, which lays the figure out and takes its tight box before it draws the
    SVG: a wider one is stopped at that draw, so nothing is drawn."""
    seen: dict[str, float] = {}
    draw = type(fig).draw

    def gate(renderer):
        if "layout" in seen:  # savefig's second draw: the SVG's own, at its final size
            points = fig.get_size_inches()[0] * 72  # as the SVG backend writes its viewBox
            seen["width"] = float(f"{points:f}".rstrip("0").rstrip("."))
            if seen["width"] > limit:
                raise _TooWide
        seen["layout"] = 1.0  # the first: savefig's layout pass, drawing nothing
        return draw(fig, renderer)

    fig.draw = gate
    try:
        return _svg_text(fig, metadata), seen["width"]
    except _TooWide:
        return None, seen["width"]
    finally:
        del fig.draw


def _extra_height(fig) -> float:
    """Inches the wrapped category labels add (each extra line of each label)."""
    extra = 0.0
    for ax in fig.axes:
        for label in ax.yaxis.get_ticklabels():
            extra += label.get_text().count("\n") * 1.25 * label.get_fontsize() / 72
    return extra


def _svg_text(fig, metadata: dict) -> str:
    buffer = _io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def svg_metadata(meta: dict, run: str) -> dict:
    """What a downloaded SVG says about itself (Dublin Core in its ``<metadata>``): the
    title stating its finding, what it shows (the alt text), its source line, the licence,
    the page it belongs to and the project as creator; no date, so files stay
    byte-identical. Text is drawn as text (``svg.fonttype`` none): it can be read aloud,
    searched and measured."""
    return {"Date": None, "Title": meta["title"] or meta["alt"], "Description": meta["alt"],
            "Source": meta["source"], "Rights": text.LICENCE, "Identifier": f"{run}.html",
            "Creator": text.SITE_TITLE, "Language": "en"}


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
