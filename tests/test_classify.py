"""classify(net, X, classes) gives labels where predict gives outputs; integer labels passed
to sgd where one-hot rows are expected get an error that names one_hot."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc


def _net(outputs: int, seed: int = 0) -> pc.Network:
    return pc.network([2, 5, outputs], "tanh", rng=seed)


@settings(max_examples=30, deadline=None)
@given(outputs=st.integers(2, 6), seed=st.integers(0, 1000), rows=st.integers(1, 20))
def test_labels_are_the_largest_output(outputs: int, seed: int, rows: int) -> None:
    net = _net(outputs, seed)
    X = np.random.default_rng(seed).normal(size=(rows, 2))
    labels = pc.classify(net, X)
    assert labels.shape == (rows,)
    np.testing.assert_array_equal(labels, pc.predict(net, X).argmax(axis=1))
    names = [f"class {j}" for j in range(outputs)]
    assert list(pc.classify(net, X, names)) == [names[j] for j in labels]
    # the labels agree with accuracy's idea of right
    assert pc.accuracy(net, X, labels) == 1.0


def test_one_output_unit_is_a_yes_no_classifier() -> None:
    net = pc.network([1, 1], "identity", rng=0)
    net.layers[0].weights[...] = 1.0
    X = np.array([[-1.0], [0.49], [0.5], [3.0]])
    assert list(pc.classify(net, X)) == [0, 0, 1, 1]
    assert list(pc.classify(net, X, ["no", "yes"])) == ["no", "no", "yes", "yes"]


@pytest.mark.parametrize(
    "classes,error,match",
    [
        ("abc", TypeError, "classes: expected a list of class names, got str"),
        (["a", "b"], ValueError, "classes: expected 3 names"),
        (3, TypeError, "classes: expected a list"),
    ],
)
def test_bad_classes_are_named(classes: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        pc.classify(_net(3), np.zeros((2, 2)), classes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "shape_of", [lambda y: y, lambda y: y.reshape(-1, 1), lambda y: y.astype(float), list]
)
def test_integer_labels_to_sgd_name_one_hot(shape_of: object) -> None:
    X, y = pc.spiral(10, 3, rng=0)
    net = pc.network([2, 8, 3], "relu", "cross_entropy", rng=0)
    before = [layer.weights.copy() for layer in net.layers]
    Y = shape_of(y)  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"^Y: got 30 integer class labels .*one_hot\(labels, 3\)"):
        pc.sgd(net, X, Y, 10, 1, 0.1, rng=0)
    with pytest.raises(ValueError, match=r"^validation Y: .*one_hot\(labels, 3\)"):
        pc.sgd(net, X, pc.one_hot(y, 3), 10, 1, 0.1, rng=0, validation=(X, Y))
    for a, layer in zip(before, net.layers, strict=True):
        assert np.array_equal(a, layer.weights)


def test_targets_that_are_not_labels_keep_their_own_errors() -> None:
    X = np.zeros((4, 2))
    net = pc.network([2, 3, 1], rng=0)  # one output: a column of targets is right
    pc.sgd(net, X, np.array([0, 1, 1, 0]), 2, 1, 0.1, rng=0)
    net3 = pc.network([2, 3, 3], rng=0)
    with pytest.raises(ValueError, match="expected 3 columns") as info:
        pc.sgd(net3, X, np.zeros((4, 2)), 2, 1, 0.1, rng=0)
    assert "one_hot" not in str(info.value)
    with pytest.raises(ValueError) as info:
        pc.sgd(net3, X, np.array([0.5, 1.5, 0.2, 0.1]), 2, 1, 0.1, rng=0)  # fractions
    assert "one_hot" not in str(info.value)
