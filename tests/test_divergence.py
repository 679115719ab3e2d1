"""Divergence: after any sgd call the weights are finite, or it raised with the last finite ones.

Whatever the rate, dtype, engine and optimizer, training either ends with
finite weights or raises ``TrainingDiverged`` before the step that would have
made a weight non-finite; no numpy warning reaches the user, and the message
prints the loss as ``inf``/``nan`` or in exponent form, never as a 300-digit number.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import perceptron as pc

ENGINES = ("reference", "sample", "batch")


def _data(seed: int, n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * 10.0
    return X, np.eye(2)[rng.integers(0, 2, n)]


def _net(kind: str, dtype: Any, seed: int) -> pc.Network:
    if kind == "softmax":
        return pc.network([3, 5, 2], "relu", "cross_entropy", rng=seed, dtype=dtype)
    if kind == "linear":
        return pc.network([3, 5, 2], "identity", "mse", rng=seed, dtype=dtype)
    return pc.network([3, 5, 2], "sigmoid", "quadratic", rng=seed, dtype=dtype)


def _snapshots(net: pc.Network) -> tuple[list[list[np.ndarray]], Any]:
    """A recorder of the weights after every completed update (via on_batch)."""
    seen: list[list[np.ndarray]] = [[p.copy() for p in _params(net)]]

    def on_batch(epoch: int, batch: int, batches: int) -> None:
        seen.append([p.copy() for p in _params(net)])

    return seen, on_batch


def _params(net: pc.Network) -> list[np.ndarray]:
    return [p for layer in net.layers for p in (layer.weights, layer.bias)]


@pytest.mark.parametrize("engine", ENGINES)
@given(
    kind=st.sampled_from(["softmax", "linear", "sigmoid"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    lr=st.sampled_from([1e-2, 1.0, 1e3, 1e8, 1e20, 1e30]),
    optimizer=st.sampled_from(["plain", "momentum", "adam"]),
    seed=st.integers(0, 1000),
)
def test_weights_stay_finite_or_training_raises_at_the_last_finite_update(
    engine: str, kind: str, dtype: Any, lr: float, optimizer: str, seed: int
) -> None:
    X, Y = _data(seed)
    if kind == "linear":
        Y = Y * 1e3
    net = _net(kind, dtype, seed)
    opt = {"plain": None, "momentum": pc.SGD(momentum=0.9), "adam": pc.Adam()}[optimizer]
    seen, on_batch = _snapshots(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may reach the user
        try:
            pc.sgd(net, X, Y, 4, 5, lr, rng=seed, optimizer=opt, engine=engine, on_batch=on_batch)
        except pc.TrainingDiverged as error:
            message = str(error)
            assert not re.search(r"\d{20,}", message), message  # no 300-digit numbers
            # The weights are those of the last completed update, and finite.
            for now, then in zip(_params(net), seen[-1], strict=True):
                np.testing.assert_array_equal(now, then)
    assert all(np.isfinite(p).all() for p in _params(net))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_engine_diverges_where_the_others_do(dtype: Any) -> None:
    """A rate that overflows the weights: every engine raises, none finishes quietly."""
    X, Y = _data(0)
    outcomes = {}
    for engine in ENGINES:
        net = _net("linear", dtype, 0)
        try:
            pc.sgd(net, X, Y * 1e3, 4, 20, 1e30, rng=0, engine=engine)
            outcomes[engine] = "finished"
        except pc.TrainingDiverged:
            outcomes[engine] = "diverged"
        assert all(np.isfinite(p).all() for p in _params(net))
    assert set(outcomes.values()) == {"diverged"}, outcomes


def test_update_is_all_or_nothing_when_the_step_overflows() -> None:
    """A hand update whose step would overflow float32 raises and moves no layer."""
    net = pc.network([2, 2, 1], "identity", "mse", rng=0, dtype=np.float32)
    x, y = np.array([3e19, -3e19]), np.array([1.0])
    pc.feedforward(net, x)
    pc.backpropagate(net, x, y)
    before = [p.copy() for p in _params(net)]
    sums = [layer.dC_dweights.copy() for layer in net.layers]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(pc.TrainingDiverged):
            pc.update(net, 1e30)
    for now, then in zip(_params(net), before, strict=True):
        np.testing.assert_array_equal(now, then)
    for layer, s in zip(net.layers, sums, strict=True):
        np.testing.assert_array_equal(layer.dC_dweights, s)


def test_a_read_only_weight_array_is_refused_before_any_layer_moves() -> None:
    X, Y = _data(1)
    net = _net("sigmoid", np.float64, 1)
    net.layers[1].weights.flags.writeable = False
    before = [p.copy() for p in _params(net)]
    with pytest.raises(ValueError, match=r"net.layers\[1\].weights: the array is read-only"):
        pc.sgd(net, X, Y, 4, 1, 0.1, rng=0)
    for now, then in zip(_params(net), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_cross_entropy_without_softmax_is_refused_with_what_to_use() -> None:
    X, Y = _data(2)
    net = pc.Network(3, "cross_entropy")
    pc.add_layer(net, 4, "relu", rng=0)
    pc.add_layer(net, 2, "sigmoid", rng=1)
    with pytest.raises(ValueError, match="softmax"):
        pc.sgd(net, X, Y, 4, 1, 0.1)
    # network() picks softmax for the output under cross-entropy unless told otherwise.
    assert pc.network([3, 4, 2], "relu", "cross_entropy").layers[-1].activation == pc.softmax
    told = pc.network([3, 4, 2], "relu", "cross_entropy", output_activation="sigmoid")
    assert told.layers[-1].activation == pc.sigmoid


def test_adam_state_that_overflows_is_divergence() -> None:
    """g² past the largest float makes Adam's second moment inf while the weights stay
    finite: that stalls training silently unless it is called divergence."""
    net = pc.network([1, 1], "identity", "quadratic", rng=0)
    X = np.array([[1e150], [-1e150]])
    Y = np.array([[1.0], [-1.0]])
    before = [layer.weights.copy() for layer in net.layers]
    with pytest.raises(pc.TrainingDiverged, match="state"):
        pc.sgd(net, X, Y, 1, 1, 0.001, rng=0, optimizer=pc.Adam(), engine="reference")
    for layer, then in zip(net.layers, before, strict=True):
        np.testing.assert_array_equal(layer.weights, then)  # the first step was refused
