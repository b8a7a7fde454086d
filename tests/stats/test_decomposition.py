"""chasm.stats.decomposition: Kitagawa's identity, a hand example, and the composition range
against a brute-force search of the feasible set and a hand derivation with two groups."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm.stats.decomposition import composition_range, kitagawa


def test_hand_example():
    # two groups; weights 0.5/0.5 -> 0.6/0.4, shares 40/20 -> 30/20
    # composition = 0.1 * (40 + 30)/2 - 0.1 * (20 + 20)/2 = 3.5 - 2 = 1.5
    # rate = (30 - 40) * 0.55 + 0 = -5.5 ; totals 30 and 26: change -4 = 1.5 - 5.5
    k = kitagawa([0.5, 0.5], [0.6, 0.4], [40, 20], [30, 20])
    assert (k.total_1, k.total_2) == (pytest.approx(30), pytest.approx(26))
    assert (k.composition, k.rate) == (pytest.approx(1.5), pytest.approx(-5.5))


share = st.floats(0, 100, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(a=st.floats(0.01, 0.99), b=st.floats(0.01, 0.99), r=st.lists(share, min_size=4,
                                                                     max_size=4))
def test_parts_add_up_to_the_change(a, b, r):
    k = kitagawa([a, 1 - a], [b, 1 - b], r[:2], r[2:])
    assert k.composition + k.rate == pytest.approx(k.change, abs=1e-9)
    same = kitagawa([a, 1 - a], [a, 1 - a], r[:2], r[2:])
    assert same.composition == pytest.approx(0.0, abs=1e-12)  # no change of weights


def test_two_group_range_by_hand():
    # approve 86.1% -> 88%; approvers' share 47 (rounded) in wave 1, unpublished later; totals
    # 43 and 37 (rounded). Wave 1: rest = (T1 - w r_a) / (1 - w); wave 2: r_a between
    # (T2 - 0.12*100)/0.88 and T2/0.88; composition = dw ((r1a + r2a) - (r1r + r2r)) / 2.
    w1, w2 = np.array([0.861, 0.139]), np.array([0.88, 0.12])
    rng = composition_range([w1], [w2], [46.5, 0], [47.5, 100], [0, 0], [100, 100],
                            (42.5, 43.5), (36.5, 37.5))
    dw = 0.88 - 0.861
    best = []
    for t1 in (42.5, 43.5):
        for ra1 in (46.5, 47.5):
            rr1 = (t1 - 0.861 * ra1) / 0.139
            for t2 in (36.5, 37.5):
                for ra2 in (max(0, (t2 - 12) / 0.88), min(100, t2 / 0.88)):
                    rr2 = (t2 - 0.88 * ra2) / 0.12
                    best.append(dw * ((ra1 + ra2) - (rr1 + rr2)) / 2)
    assert rng.low == pytest.approx(min(best), abs=1e-7)
    assert rng.high == pytest.approx(max(best), abs=1e-7)


def test_range_contains_every_feasible_point():
    # brute force: random group shares and weights inside the boxes that match the totals
    rng_ = np.random.default_rng(5)
    w1s = [np.array([0.85, 0.1, 0.05]), np.array([0.86, 0.1, 0.04])]
    w2s = [np.array([0.88, 0.08, 0.04]), np.array([0.87, 0.09, 0.04])]
    lo1, hi1 = np.array([46.5, 18.5, 0]), np.array([47.5, 19.5, 100])
    lo2, hi2 = np.zeros(3), np.full(3, 100.0)
    res = composition_range(w1s, w2s, lo1, hi1, lo2, hi2, (42.5, 43.5), (36.5, 37.5))
    m = 200_000
    i, j = rng_.integers(2, size=m), rng_.integers(2, size=m)
    a1, a2 = np.array(w1s)[i], np.array(w2s)[j]
    r1, r2 = rng_.uniform(lo1, hi1, (m, 3)), rng_.uniform(lo2, hi2, (m, 3))
    t1, t2 = np.sum(a1 * r1, axis=1), np.sum(a2 * r2, axis=1)
    ok = (42.5 <= t1) & (t1 <= 43.5) & (36.5 <= t2) & (t2 <= 37.5)
    # Kitagawa's composition part, written out (checked against kitagawa() on one point)
    comp = np.sum((a2 - a1) * (r1 + r2) / 2, axis=1)
    k = int(np.flatnonzero(ok)[0])
    assert comp[k] == pytest.approx(kitagawa(a1[k], a2[k], r1[k], r2[k]).composition)
    found = comp[ok]
    assert len(found) > 100
    assert res.low - 1e-9 <= min(found) and max(found) <= res.high + 1e-9
    # and the bounds are nearly reached (the search finds points close to them)
    assert max(found) > res.high - 0.3 * (res.high - res.low)


def test_bad_input():
    with pytest.raises(ValueError, match="summing to 1"):
        kitagawa([0.5, 0.6], [0.5, 0.5], [1, 2], [1, 2])
    with pytest.raises(ValueError, match="no weights"):
        composition_range([[0.5, 0.5]], [[0.5, 0.5]], [0, 0], [10, 10], [0, 0], [10, 10],
                          (50, 60), (0, 10))
