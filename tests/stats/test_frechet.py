"""Pick-all-that-apply arithmetic: Frechet bounds checked against respondent-level data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chasm.stats.frechet import (
    Bounds,
    a_not_any_bounds,
    a_not_b_bounds,
    intersection_bounds,
    mean_mentions,
    must_be_multiple_response,
    none_bounds,
    pair_bounds,
    shares_of_mentions,
    union_bounds,
)

EPS = 1e-9

respondents = st.integers(1, 40).flatmap(
    lambda n: st.integers(2, 4).flatmap(lambda k: arrays(np.bool_, (n, k), elements=st.booleans()))
)


def pct(column: np.ndarray) -> float:
    return float(column.mean() * 100)


def inside(value: float, bounds: Bounds) -> bool:
    return bounds.low - EPS <= value <= bounds.high + EPS


@settings(max_examples=60, deadline=None)
@given(data=respondents)
def test_true_joint_shares_lie_inside_the_bounds(data):
    shares = [pct(data[:, j]) for j in range(data.shape[1])]
    a, b = data[:, 0], data[:, 1]
    assert inside(pct(a & b), pair_bounds(shares[0], shares[1]))
    assert inside(pct(a & ~b), a_not_b_bounds(shares[0], shares[1]))
    assert inside(pct(data.all(axis=1)), intersection_bounds(shares))
    picks = data.sum(axis=1)
    any_pick = pct(picks > 0)
    assert inside(any_pick, union_bounds(shares))
    assert inside(any_pick, union_bounds(shares, max_picks=max(int(picks.max()), 1)))
    assert inside(100 - any_pick, none_bounds(shares))
    assert inside(pct(a & ~data[:, 1:].any(axis=1)), a_not_any_bounds(shares[0], shares[1:]))


@settings(max_examples=40, deadline=None)
@given(data=respondents, flag=st.data())
def test_exclusive_dont_know_bound_holds(data, flag):
    # an exclusive DK can only be given by respondents who chose no substantive option
    nobody = ~data.any(axis=1)
    dk = nobody & np.array(flag.draw(arrays(np.bool_, nobody.shape, elements=st.booleans())))
    shares = [pct(data[:, j]) for j in range(data.shape[1])]
    bounds = union_bounds(shares, exclusive_dk=pct(dk))
    assert inside(pct(data.any(axis=1)), bounds)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), data=st.data())
def test_pair_bounds_are_attained(n, data):
    a_cnt = data.draw(st.integers(0, n))
    b_cnt = data.draw(st.integers(0, n))
    rows = np.arange(n)
    a = rows < a_cnt
    b_co = rows < b_cnt  # comonotone: B nested in A or A in B
    b_counter = rows >= n - b_cnt  # countermonotone: B as far from A as possible
    a_pct, b_pct = 100 * a_cnt / n, 100 * b_cnt / n
    both = pair_bounds(a_pct, b_pct)
    assert pct(a & b_co) == pytest.approx(both.high, abs=EPS)
    assert pct(a & b_counter) == pytest.approx(both.low, abs=EPS)
    only_a = a_not_b_bounds(a_pct, b_pct)
    assert pct(a & ~b_co) == pytest.approx(only_a.low, abs=EPS)
    assert pct(a & ~b_counter) == pytest.approx(only_a.high, abs=EPS)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 50), counts=st.lists(st.integers(0, 1000), min_size=2, max_size=5))
def test_k_way_bounds_are_attained(n, counts):
    counts = [c % (n + 1) for c in counts]
    shares = [100 * c / n for c in counts]
    rows = np.arange(n)
    nested = np.column_stack([rows < c for c in counts])  # all start at the first respondent
    # consecutive arcs around a circle: options as spread out as possible
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    spread = np.column_stack([((rows - s) % n) < c for s, c in zip(starts, counts, strict=True)])
    # complements laid end to end: the intersection as small as possible
    comp_starts = np.concatenate([[0], np.cumsum([n - c for c in counts])[:-1]])
    thin = np.column_stack(
        [((rows - s) % n) >= n - c for s, c in zip(comp_starts, counts, strict=True)]
    )
    assert pct(nested.all(axis=1)) == pytest.approx(intersection_bounds(shares).high, abs=EPS)
    assert pct(thin.all(axis=1)) == pytest.approx(intersection_bounds(shares).low, abs=EPS)
    assert pct(nested.any(axis=1)) == pytest.approx(union_bounds(shares).low, abs=EPS)
    assert pct(spread.any(axis=1)) == pytest.approx(union_bounds(shares).high, abs=EPS)
    assert [pct(c) for c in thin.T] == pytest.approx(shares)


def test_hand_examples():
    assert pair_bounds(41, 33) == (0.0, 33.0)
    assert pair_bounds(70, 60) == (30.0, 60.0)
    assert a_not_b_bounds(70, 60) == (10.0, 40.0)
    assert union_bounds([41, 33, 20]) == (41.0, 94.0)
    assert union_bounds([41, 33, 20], max_picks=2, exclusive_dk=10) == (47.0, 90.0)
    assert none_bounds([41, 33, 20]) == pytest.approx((6.0, 59.0))
    assert intersection_bounds([60, 70, 80]) == (10.0, 60.0)
    assert a_not_any_bounds(50, [20, 10]) == (20.0, 50.0)
    assert a_not_any_bounds(50, [80, 10]) == (0.0, 20.0)


@settings(max_examples=40, deadline=None)
@given(
    a=st.tuples(st.floats(0, 100), st.floats(0, 10)),
    b=st.tuples(st.floats(0, 100), st.floats(0, 10)),
)
def test_range_inputs_give_the_outer_bounds(a, b):
    a_rng = (a[0], min(a[0] + a[1], 100.0))
    b_rng = (b[0], min(b[0] + b[1], 100.0))
    grid_a = np.linspace(*a_rng, 21)
    grid_b = np.linspace(*b_rng, 21)
    for fn in (pair_bounds, a_not_b_bounds):
        points = [fn(x, y) for x in grid_a for y in grid_b]
        outer = fn(a_rng, b_rng)
        assert outer.low == pytest.approx(min(p.low for p in points), abs=EPS)
        assert outer.high == pytest.approx(max(p.high for p in points), abs=EPS)


def test_vectorised_rows():
    out = pair_bounds(np.array([10.0, 60.0]), 50)
    np.testing.assert_allclose(out.low, [0, 10])
    np.testing.assert_allclose(out.high, [10, 50])
    out = union_bounds([np.array([10.0, 60.0]), 50, (40, 45)])
    np.testing.assert_allclose(out.low, [50, 60])
    np.testing.assert_allclose(out.high, [100, 100])


def test_mentions():
    assert mean_mentions([41, 33, 20, 10]) == pytest.approx(1.04)
    mentions = shares_of_mentions([41, 33, 20, 10])
    assert mentions.sum() == pytest.approx(100)
    assert mentions[0] == pytest.approx(41 / 104 * 100)


def test_must_be_multiple_response():
    assert must_be_multiple_response([41, 33, 30])  # 104 > 100 + 1.5
    assert not must_be_multiple_response([34, 33, 34])  # 101: rounding can do that
    assert must_be_multiple_response([34, 33, 34], tolerance=0.0)  # 101 > 100


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 500), min_size=2, max_size=10))
def test_single_response_never_flagged(counts):
    total = sum(counts)
    if total == 0:
        return
    published = np.round(np.array(counts) / total * 100)  # rounded single-response shares
    assert not must_be_multiple_response(published)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: pair_bounds(101, 20), "a must be a percentage"),
        (lambda: pair_bounds(50, -1), "b must be a percentage"),
        (lambda: pair_bounds((60, 50), 20), "must not exceed"),
        (lambda: pair_bounds((40, 50, 60), 20), r"\(low, high\)"),
        (lambda: pair_bounds(np.array([10, 20]), np.array([1, 2, 3])), "mismatched lengths"),
        (lambda: union_bounds((41, 33)), "list"),
        (lambda: union_bounds([]), "at least one"),
        (lambda: union_bounds([41, 33], max_picks=0), "max_picks"),
        (lambda: union_bounds([60, 50], max_picks=1, exclusive_dk=20), "inconsistent"),
        (lambda: mean_mentions([50, 120]), "shares must be a percentage"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
