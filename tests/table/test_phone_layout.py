"""The phone layout draws only its last narrowing step, and writes the bytes that drawing every
step gives (the layout as it was before: every step saved the whole chart and read its width
and smallest text from the file)."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from chasm import plots, svg  # noqa: E402

META = {"Date": None, "Title": "T", "Description": "A", "Source": "S", "Rights": "MIT",
        "Identifier": "r.html", "Creator": "C", "Language": "en"}
LABEL = "answer {}: those who left are traitors and betrayers of the Motherland"


@pytest.fixture(autouse=True)
def _theme():
    """The reports' chart theme, for these tests only."""
    with matplotlib.rc_context():
        plots.theme()
        yield


def _every_step_drawn(fig, metadata: dict, wide: str) -> str | None:
    """The phone layout drawing every narrowing step (the reference)."""
    sizes = svg.text_sizes(wide)
    if sizes is None or sizes[1] * svg.PHONE_WIDTH_PX / sizes[0] >= svg.MIN_TEXT_PX:
        return None
    svg._phone_text(fig)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + svg._extra_height(fig))
    for _ in range(12):
        for ax in fig.axes:
            svg.legend_below(ax, centred=False)
        drawn_svg = svg._svg_text(fig, metadata)
        drawn, smallest = svg.text_sizes(drawn_svg)
        target = svg.PHONE_WIDTH_PX * smallest / svg.MIN_TEXT_PX
        if drawn <= target:
            return drawn_svg
        share = min(ax.get_position().width for ax in fig.axes)
        width = fig.get_size_inches()[0] - (drawn - target + 2) / 72 / share
        if width * share < 1.0:
            return None
        fig.set_size_inches(width, fig.get_size_inches()[1])
    return None


def _bars(title_size=None, legend_outside=True, size=(8.0, 3.0)):
    fig, ax = plt.subplots(figsize=size)
    ax.barh(range(4), [37.0, 43.0, 9.0, 90.0], label="published share (essay)")
    ax.barh(range(4), [30.0, 40.0, 12.0, 80.0], label="the other source's share", alpha=0.5)
    ax.set_yticks(range(4), [LABEL.format(k) for k in range(4)])
    ax.set_xlabel("percent of respondents (95% interval, design effect 1.90)")
    where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if legend_outside else {}
    legend = ax.legend(title="source", **where)
    if title_size is not None:
        legend.get_title().set_fontsize(title_size)
    return fig


def _panels():
    fig, axes = plt.subplots(2, 1, figsize=(7.0, 5.0))
    for k, ax in enumerate(axes):
        ax.errorbar([10 + k, 20, 30], [0, 1, 2], xerr=[2, 3, 4], fmt="o", label="interval")
        ax.plot([12, 22, 28], [0, 1, 2], "s", label="published figure")
        ax.set_yticks([0, 1, 2], [LABEL.format(j)[:40] for j in range(3)])
        ax.set_title(f"panel {k}: the share who would leave if they could")
        ax.legend()
    fig.tight_layout()  # leaves the placeholder layout engine
    return fig


def _changes():
    fig, ax = plt.subplots(figsize=(6.4, 5.8))
    for row in range(8):
        ax.errorbar([row - 4], [row], xerr=[[2.0], [3.0]], fmt="o", color="C0",
                    label="change and its interval" if row == 0 else None)
    ax.axvline(0, color="grey")
    ax.set_yticks(range(8), [f"{LABEL.format(k)[:30 + 3 * k]}" for k in range(8)])
    ax.set_xlabel("change (points)")
    ax.legend(title="what is drawn")
    ax.set_title(textwrap.fill("The change between the two waves of every question, with its "
                               "interval: most are within sampling error", 70), fontsize=12)
    svg.legend_below(ax)  # as the changes chart of 03 does; its title keeps it wide
    return fig


CHARTS = {"bars": _bars, "bars, legend inside": lambda: _bars(legend_outside=False),
          "bars, small legend title": lambda: _bars(title_size=6.5), "panels": _panels,
          "changes": _changes, "reads already": lambda: _bars(size=(3.0, 2.0))}


@pytest.mark.parametrize("name", CHARTS)
def test_the_phone_svg_is_the_one_drawing_every_step_gives(name, monkeypatch):
    made = CHARTS[name]
    expected = []
    for fig in (made(), made()):
        with matplotlib.rc_context(svg.SVG_RC):
            wide = svg._svg_text(fig, META)
            expected.append(_every_step_drawn(fig, META, wide) if not expected
                            else svg.phone_svg(fig, META, wide))
        plt.close(fig)
    reference, phone = expected
    assert phone == reference
    if name != "reads already":
        assert phone is not None  # the charts above need, and get, a phone layout


def test_only_the_last_step_is_drawn_and_a_wrong_guess_draws_every_step(monkeypatch):
    """The narrowing draws one SVG when the smallest text is the wide chart's; when the phone
    layout's is not (here: the legend drawn again gives its title the entries' size), it
    starts again drawing every step."""
    drawn = []
    real = svg._svg_text

    def counted(fig, metadata):
        text = real(fig, metadata)
        drawn.append(svg.text_sizes(text))
        return text

    steps = []
    gate = svg._svg_if_narrow
    monkeypatch.setattr(svg, "_svg_text", counted)
    monkeypatch.setattr(svg, "_svg_if_narrow", lambda *args: steps.append(1) or gate(*args))
    for made, wrong in ((_changes, False), (lambda: _bars(title_size=6.5), True)):
        fig = made()
        with matplotlib.rc_context(svg.SVG_RC):
            wide = real(fig, META)
            drawn.clear()
            steps.clear()
            phone = svg.phone_svg(fig, META, wide)
        plt.close(fig)
        sizes = svg.text_sizes(phone)
        if not wrong:  # several steps, one drawn
            assert len(steps) >= 3 and len(drawn) == 1 and drawn[0] == sizes
        else:
            assert sizes[1] != svg.text_sizes(wide)[1]
            assert len(drawn) >= 2 and drawn[-1] == sizes


@pytest.mark.parametrize("name", CHARTS)
def test_measuring_each_text_once_writes_the_same_files(name, monkeypatch, tmp_path):
    """``svg.save`` keeps the renderers' text measures for the figure it saves: the wide and
    the phone file are the bytes that measuring afresh in every renderer writes, and the
    renderers measure as before once the save is done."""
    import contextlib

    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.backends.backend_svg import RendererSVG

    measures = [r.get_text_width_height_descent for r in (RendererSVG, RendererAgg)]
    written = []
    for folder, once in ((tmp_path / "afresh", False), (tmp_path / "once", True)):
        folder.mkdir()
        with monkeypatch.context() as patched:
            if not once:
                patched.setattr(svg, "_measured_once", contextlib.nullcontext)
            fig = CHARTS[name]()
            svg.save(fig, META, folder, "chart")
            plt.close(fig)
        written.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
        assert [r.get_text_width_height_descent for r in (RendererSVG, RendererAgg)] == measures
    afresh, once = written
    assert once == afresh
    assert "chart.svg" in once
