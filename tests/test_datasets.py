"""spiral, xor, one_hot, stratified_split and train_test_split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perceptron import one_hot, spiral, stratified_split, train_test_split, xor

# ---------------------------------------------------------------------------
# spiral
# ---------------------------------------------------------------------------


def spiral_by_the_formula(
    n: int, classes: int, noise: float, gen: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The contract's formula, written out again, point by point."""
    points, labels = [], []
    for j in range(classes):
        draws = gen.standard_normal(n)  # one N(0, 1) per point, class after class
        for i in range(n):
            r = i / (n - 1) if n > 1 else 0.0
            t0 = 4 * j + (4 * (j + 1) - 4 * j) * (i / (n - 1) if n > 1 else 0.0)
            t = t0 + noise * draws[i]
            points.append((r * np.sin(2.5 * t), r * np.cos(2.5 * t)))
            labels.append(j)
    return np.array(points), np.array(labels)


@settings(max_examples=30)
@given(
    n=st.integers(1, 40),
    classes=st.integers(1, 5),
    noise=st.sampled_from([0.0, 0.05, 0.2, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_spiral_is_the_contract_formula(n: int, classes: int, noise: float, seed: int) -> None:
    X, labels = spiral(n, classes, noise=noise, rng=np.random.default_rng(seed))
    want_X, want_labels = spiral_by_the_formula(n, classes, noise, np.random.default_rng(seed))
    assert X.shape == (n * classes, 2) and labels.shape == (n * classes,)
    assert X.dtype == np.float64 and np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_allclose(X, want_X, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(labels, want_labels)


def test_spiral_default_noise_is_0_2_and_int_seeds_repeat() -> None:
    a, la = spiral(50, 3, rng=7)
    b, lb = spiral(50, 3, noise=0.2, rng=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    c, _ = spiral(50, 3, rng=8)
    assert not np.allclose(a, c)


def test_spiral_radius_grows_from_the_centre_to_one() -> None:
    X, labels = spiral(25, 4, rng=0)
    for j in range(4):
        radius = np.hypot(*X[labels == j].T)
        np.testing.assert_allclose(radius, np.linspace(0, 1, 25), atol=1e-12)


def test_spiral_without_noise_needs_no_randomness() -> None:
    a, _ = spiral(20, 3, noise=0.0, rng=1)
    b, _ = spiral(20, 3, noise=0.0, rng=2)
    np.testing.assert_array_equal(a, b)


def test_spiral_uses_the_callers_generator() -> None:
    gen = np.random.default_rng(3)
    first, _ = spiral(10, 2, rng=gen)
    second, _ = spiral(10, 2, rng=gen)  # the generator moved on
    assert not np.allclose(first, second)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"samples_per_class": 0, "classes": 3}, ValueError, "samples_per_class"),
        ({"samples_per_class": 10, "classes": 0}, ValueError, "classes"),
        ({"samples_per_class": 2.5, "classes": 3}, TypeError, "samples_per_class"),
        ({"samples_per_class": 10, "classes": 3, "noise": -0.1}, ValueError, "noise"),
        ({"samples_per_class": 10, "classes": 3, "rng": "seed"}, TypeError, "rng"),
    ],
)
def test_spiral_refuses_bad_arguments(kwargs: dict, error: type, name: str) -> None:
    with pytest.raises(error, match=name):
        spiral(**kwargs)


# ---------------------------------------------------------------------------
# xor and one_hot
# ---------------------------------------------------------------------------


def test_xor() -> None:
    X, Y = xor()
    assert X.shape == (4, 2) and Y.shape == (4, 1)
    np.testing.assert_array_equal(Y[:, 0], np.logical_xor(X[:, 0], X[:, 1]).astype(float))


@settings(max_examples=30)
@given(labels=st.lists(st.integers(0, 6), min_size=0, max_size=30), extra=st.integers(0, 3))
def test_one_hot_round_trips(labels: list[int], extra: int) -> None:
    classes = (max(labels) + 1 if labels else 1) + extra
    Y = one_hot(labels, classes)
    assert Y.shape == (len(labels), classes)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), labels)
    assert set(np.unique(Y)) <= {0.0, 1.0}


def test_one_hot_accepts_whole_floats() -> None:
    np.testing.assert_array_equal(one_hot([0.0, 2.0], 3), [[1, 0, 0], [0, 0, 1]])


@pytest.mark.parametrize(
    "labels, classes, error",
    [
        ([0, 3], 3, ValueError),
        ([-1], 3, ValueError),
        ([0.5], 3, ValueError),
        ([[0, 1]], 3, ValueError),
        ([0, 1], 0, ValueError),
        ([0, 1], 2.0, TypeError),
    ],
)
def test_one_hot_refuses_bad_input(labels: object, classes: object, error: type) -> None:
    with pytest.raises(error):
        one_hot(labels, classes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# stratified split
# ---------------------------------------------------------------------------


@settings(max_examples=30)
@given(
    counts=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    fraction=st.sampled_from([0.1, 0.25, 0.5, 0.8, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_keeps_each_class_proportion(
    counts: list[int], fraction: float, seed: int
) -> None:
    labels = np.repeat(np.arange(len(counts)), counts)
    np.random.default_rng(seed).shuffle(labels)
    train, test = stratified_split(labels, fraction, rng=seed)
    # a partition of the indices, each part sorted
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(len(labels)))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    for c, count in enumerate(counts):
        assert np.sum(labels[train] == c) == int(round(fraction * count))
        assert np.sum(labels[test] == c) == count - int(round(fraction * count))
    again = stratified_split(labels, fraction, rng=seed)
    np.testing.assert_array_equal(train, again[0])
    np.testing.assert_array_equal(test, again[1])


def test_stratified_split_depends_on_the_seed() -> None:
    labels = np.repeat([0, 1, 2], 40)
    a, _ = stratified_split(labels, 0.5, rng=1)
    b, _ = stratified_split(labels, 0.5, rng=2)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5])
def test_stratified_split_refuses_bad_fractions(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        stratified_split([0, 1, 0, 1], fraction, rng=0)


def test_stratified_split_refuses_empty_or_2d_labels() -> None:
    with pytest.raises(ValueError, match="labels"):
        stratified_split([], 0.5, rng=0)
    with pytest.raises(ValueError, match="labels"):
        stratified_split(np.eye(3), 0.5, rng=0)


@pytest.mark.parametrize("as_one_hot", [False, True])
def test_train_test_split_keeps_rows_together(as_one_hot: bool) -> None:
    labels = np.random.default_rng(0).permutation(np.repeat([0, 1, 2], 20))
    X = np.column_stack([np.arange(60.0), labels])  # column 0: the original row
    Y = one_hot(labels, 3) if as_one_hot else labels
    X_train, Y_train, X_test, Y_test = train_test_split(X, Y, 0.75, rng=4)
    assert len(X_train) == len(Y_train) == 45 and len(X_test) == len(Y_test) == 15
    # every row keeps its own target
    for Xs, Ys in ((X_train, Y_train), (X_test, Y_test)):
        np.testing.assert_array_equal(Ys, Y[Xs[:, 0].astype(int)])
    got = Y_train.argmax(axis=1) if as_one_hot else Y_train
    assert np.bincount(got).tolist() == [15, 15, 15]
    again = train_test_split(X, Y, 0.75, rng=4)
    np.testing.assert_array_equal(again[0], X_train)


def test_train_test_split_refuses_mismatched_rows() -> None:
    with pytest.raises(ValueError, match="X and Y"):
        train_test_split(np.zeros((5, 2)), np.zeros(4), 0.5, rng=0)
