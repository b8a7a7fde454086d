"""Sentences about the tidy figures table (chasm.figures): cells where two sources speak."""

from __future__ import annotations

import pandas as pd

from chasm import figures


def shared_row(**kw) -> dict:
    row = {"wave": "2025-04", "option": "traitors", "kind_a": "essay", "text_a": "37%",
           "kind_b": "secondary", "text_b": "a third", "point_diff": 3.67, "gap": 0.0,
           "agree": True}
    return {**row, **kw}


def test_shared_cell_sentences_agree_and_disagree():
    shared = pd.DataFrame([
        shared_row(),
        # 29% vs "about a third": points 4.33 apart; -4.33 shows as its size
        shared_row(option="afraid", kind_a="secondary", text_a="29%", kind_b="essay",
                   text_b="about a third", point_diff=-4.33, gap=0.0, agree=True),
        shared_row(option="x", text_a="20%", text_b="<b>half</b>", point_diff=-30.0, gap=24.5,
                   agree=False),
    ])
    out = [m.data for m in figures.shared_cell_sentences(shared)]
    assert out == [
        "**2025-04, traitors:** essay says 37%, secondary says a third; under the wording rule "
        "they can both be right, but their points differ by 3.7 points.",
        "**2025-04, afraid:** secondary says 29%, essay says about a third; under the wording "
        "rule they can both be right, but their points differ by 4.3 points.",
        "**2025-04, x:** essay says 20%, secondary says &lt;b&gt;half&lt;/b&gt;; under the "
        "wording rule they cannot both be right (gap 24.5 points), but their points differ by "
        "30.0 points.",
    ]
    assert figures.shared_cell_sentences(shared.iloc[:0]) == []
