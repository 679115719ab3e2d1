"""The two training engines compute the same thing, and the same as the public steps.

``sgd(engine="sample")`` feeds one column sample at a time on reused buffers;
``sgd(engine="batch")`` feeds a mini-batch as one matrix. Both must end with
the weights that ``feedforward`` + ``backpropagate`` + ``update`` give by hand,
up to float rounding, for any architecture, activation, cost, optimizer,
batch size (dividing N or not, larger than N), L2 penalty and seed.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import perceptron.engine as engine
from perceptron import (
    SGD,
    Adam,
    Network,
    add_layer,
    backpropagate,
    feedforward,
    network,
    sgd,
    update,
)

HIDDEN = ("sigmoid", "relu", "tanh", "identity")
# (output activation, cost): every built-in pairing the engines special-case,
# including softmax under cross-entropy (fused δ = a − y) and under quadratic (Jacobian).
HEADS = (
    ("sigmoid", "quadratic"),
    ("softmax", "cross_entropy"),
    ("softmax", "quadratic"),
    ("identity", "mse"),
    ("tanh", "quadratic"),
    ("sigmoid", "cross_entropy"),
    ("relu", "mse"),
)


@dataclass
class Case:
    sizes: list[int]
    hidden: str
    head: tuple[str, str]
    X: np.ndarray
    Y: np.ndarray
    batchsize: int
    optimizer: str
    l2: float
    seed: int

    def build(self, dtype: Any = np.float64) -> Network:
        return network(
            self.sizes,
            self.hidden,
            self.head[1],
            output_activation=self.head[0],
            rng=self.seed,
            dtype=dtype,
        )

    def make_optimizer(self) -> SGD | Adam | None:
        return {"none": None, "momentum": SGD(momentum=0.9, decay=0.01), "adam": Adam()}[
            self.optimizer
        ]

    @property
    def lr(self) -> float:
        return 0.01 if self.optimizer == "adam" else 0.1


@st.composite
def cases(draw: Any) -> Case:
    depth = draw(st.integers(1, 3))
    head = draw(st.sampled_from(HEADS))
    inputs = draw(st.integers(1, 5))
    hidden_sizes = [draw(st.integers(1, 6)) for _ in range(depth - 1)]
    outputs = draw(st.integers(2, 4))
    N = draw(st.integers(1, 23))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, inputs))
    labels = rng.integers(0, outputs, size=N)
    Y = np.eye(outputs)[labels]
    if head[1] == "mse":
        Y = rng.normal(size=(N, outputs))
    return Case(
        sizes=[inputs, *hidden_sizes, outputs],
        hidden=draw(st.sampled_from(HIDDEN)),
        head=head,
        X=X,
        Y=Y,
        batchsize=draw(st.sampled_from([1, 2, 3, 5, 8, N, N + 3])),
        optimizer=draw(st.sampled_from(["none", "momentum", "adam"])),
        l2=draw(st.sampled_from([0.0, 0.05])),
        seed=seed,
    )


def _train(case: Case, engine_name: str, epochs: int = 3, dtype: Any = np.float64) -> Network:
    net = case.build(dtype)
    sgd(
        net,
        case.X,
        case.Y,
        case.batchsize,
        epochs,
        case.lr,
        rng=case.seed,
        optimizer=case.make_optimizer(),
        l2=case.l2,
        engine=engine_name,
    )
    return net


def _assert_same_weights(a: Network, b: Network, rtol: float) -> None:
    for la, lb in zip(a.layers, b.layers, strict=True):
        for pa, pb in ((la.weights, lb.weights), (la.bias, lb.bias)):
            scale = max(1.0, float(np.abs(pb).max()))
            np.testing.assert_allclose(pa, pb, rtol=rtol, atol=rtol * scale)


@given(cases())
def test_sample_and_batch_engines_end_with_the_same_weights(case: Case) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither engine may warn
        by_sample = _train(case, "sample")
        by_batch = _train(case, "batch")
    _assert_same_weights(by_sample, by_batch, rtol=1e-10)
    # ...and training did move the weights, so the comparison means something.
    untrained = case.build()
    assert any(
        not np.array_equal(t.weights, u.weights)
        for t, u in zip(by_sample.layers, untrained.layers, strict=True)
    )


@given(cases())
def test_sample_engine_equals_feedforward_backpropagate_update(case: Case) -> None:
    """sgd's engine against the public steps, one column at a time (no L2: update has none)."""
    epochs = 2
    trained = _train(case, "sample", epochs=epochs) if case.l2 == 0 else None
    if trained is None:
        return
    net = case.build()
    optimizer = case.make_optimizer()
    rng = np.random.default_rng(case.seed)
    N = len(case.X)
    for _ in range(epochs):
        order = rng.permutation(N)
        for begin in range(0, N, case.batchsize):
            for i in order[begin : begin + case.batchsize]:
                feedforward(net, case.X[i])
                backpropagate(net, case.X[i], case.Y[i])
            update(net, case.lr, optimizer)
    _assert_same_weights(trained, net, rtol=1e-10)


@given(cases())
def test_float32_training_follows_float64(case: Case) -> None:
    """Both engines in float32: every buffer float32, weights within 1e-4 of float64."""
    for engine_name in ("sample", "batch"):
        narrow = case.build(np.float32)  # the float64 initial weights, rounded
        wide = case.build()
        for l64, l32 in zip(wide.layers, narrow.layers, strict=True):
            l64.weights[...] = l32.weights  # both start from the same numbers
            l64.bias[...] = l32.bias
        for net in (wide, narrow):
            optimizer = case.make_optimizer()
            sgd(net, case.X, case.Y, case.batchsize, 1, case.lr, rng=case.seed,
                optimizer=optimizer, l2=case.l2, engine=engine_name)  # fmt: skip
        for l32, l64 in zip(narrow.layers, wide.layers, strict=True):
            for p32, p64 in ((l32.weights, l64.weights), (l32.bias, l64.bias)):
                assert p32.dtype == np.float32
                scale = max(1.0, float(np.abs(p64).max()))
                np.testing.assert_allclose(p32, p64, rtol=1e-4, atol=1e-4 * scale)
        _assert_all_float32(narrow)


def _assert_all_float32(net: Network) -> None:
    for layer in net.layers:
        for name in ("weights", "bias", "linear_out", "activated_out", "dC_dlinear"):
            assert getattr(layer, name).dtype == np.float32, name
        for name in ("_sum_weights", "_sum_bias", "_deltas_T", "_inputs_T"):
            assert getattr(layer, name).dtype == np.float32, name
        assert layer.dC_dweights.dtype == np.float32
    ws = net._engine
    assert ws is not None
    assert ws.Y.dtype == np.float32
    for stage in ws.stages:
        for buffer in (stage.Z, stage.A, stage.D, stage.G, stage.T, stage.S):
            assert buffer.dtype == np.float32


def test_float32_mnist_shaped_run_stays_close_to_float64() -> None:
    """A few updates of seed 001's 784-30-10 in float32 and float64, both engines."""
    rng = np.random.default_rng(7)
    X = rng.random((60, 784))
    Y = np.eye(10)[rng.integers(0, 10, 60)]
    for engine_name in ("sample", "batch"):
        nets = {}
        for dtype in (np.float64, np.float32):
            net = network([784, 30, 10], rng=1, dtype=dtype)
            if dtype is np.float64:
                reference = net
            else:
                for l32, l64 in zip(net.layers, reference.layers, strict=True):
                    l32.weights[...] = l64.weights
                for l64, l32 in zip(reference.layers, net.layers, strict=True):
                    l64.weights[...] = l32.weights  # both start from float32-exact numbers
            nets[dtype] = net
        for net in nets.values():
            sgd(net, X, Y, 10, 1, 3.0, rng=3, engine=engine_name)
        for l32, l64 in zip(nets[np.float32].layers, nets[np.float64].layers, strict=True):
            np.testing.assert_allclose(l32.weights, l64.weights, rtol=1e-4, atol=1e-4)
        _assert_all_float32(nets[np.float32])


@pytest.mark.parametrize("engine_name", ["sample", "batch"])
def test_batches_longer_than_the_buffers_are_processed_in_chunks(
    engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(17, 3)), np.eye(2)[rng.integers(0, 2, 17)]
    whole = network([3, 4, 2], "tanh", "cross_entropy", output_activation="softmax", rng=2)
    sgd(whole, X, Y, 17, 2, 0.1, rng=1, engine=engine_name)
    monkeypatch.setattr(engine, "CHUNK", 4)  # 17 = 4 + 4 + 4 + 4 + 1
    chunked = network([3, 4, 2], "tanh", "cross_entropy", output_activation="softmax", rng=2)
    sgd(chunked, X, Y, 17, 2, 0.1, rng=1, engine=engine_name)
    assert chunked._engine.capacity == 4
    _assert_same_weights(whole, chunked, rtol=1e-12)


@pytest.mark.parametrize("engine_name", ["sample", "batch"])
def test_extreme_inputs_saturate_without_warnings(engine_name: str) -> None:
    """z of ±1000 (sigmoid, tanh) and huge logits (softmax) train warning-free."""
    X = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [500.0, 0.0]])
    for hidden, head in (("sigmoid", ("sigmoid", "quadratic")), ("tanh", ("softmax", "quadratic"))):
        by_engine = network([2, 3, 2], hidden, head[1], output_activation=head[0], rng=0)
        by_hand = copy.deepcopy(by_engine)
        Y = np.eye(2)[[0, 1, 0]]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sgd(by_engine, X, Y, 3, 1, 0.5, shuffle=False, engine=engine_name)
            for x, y in zip(X, Y, strict=True):
                feedforward(by_hand, x)
                backpropagate(by_hand, x, y)
            update(by_hand, 0.5)
        _assert_same_weights(by_engine, by_hand, rtol=1e-12)
        assert all(np.isfinite(layer.weights).all() for layer in by_engine.layers)


def test_caches_hold_the_last_sample_and_sums_are_exact_when_read() -> None:
    """After a batch, z, a and δ are the last sample's; dC_dweights is Σ δ a_prevᵀ."""
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, 6)]
    net = network([3, 4, 2], "relu", "cross_entropy", output_activation="softmax", rng=1)
    rows = np.arange(6)
    engine.run_sample(net, X, Y, rows)
    probe = copy.deepcopy(net)
    assert probe._engine is None  # a copy makes its own buffers
    for layer in probe.layers:
        layer._reset_sums()
    probe.accumulated = 0
    expected_w = [np.zeros_like(layer.weights) for layer in net.layers]
    expected_b = [np.zeros_like(layer.bias) for layer in net.layers]
    for i in rows:
        feedforward(probe, X[i])
        backpropagate(probe, X[i], Y[i])
        for l, layer in enumerate(probe.layers):
            a_prev = probe.layers[l - 1].activated_out if l else X[i].reshape(-1, 1)
            expected_w[l] += layer.dC_dlinear @ a_prev.T
            expected_b[l] += layer.dC_dlinear
    for l, (layer, twin) in enumerate(zip(net.layers, probe.layers, strict=True)):
        for name in ("linear_out", "activated_out", "dC_dlinear"):
            np.testing.assert_allclose(getattr(layer, name), getattr(twin, name), rtol=1e-12)
        np.testing.assert_allclose(layer.dC_dweights, expected_w[l], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(layer.dC_dbias, expected_b[l], rtol=1e-12, atol=1e-15)
    assert net.accumulated == 6


def test_a_custom_activation_and_cost_take_the_generic_path() -> None:
    from perceptron import Activation, Cost

    softplus = Activation("softplus", lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z)))
    half_abs = Cost("l2half", lambda a, y: 0.5 * ((a - y) ** 2).sum(axis=0), lambda a, y: a - y)
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(9, 2)), rng.normal(size=(9, 2))
    nets = []
    for engine_name in ("sample", "batch"):
        net = Network(2, half_abs)
        add_layer(net, 3, softplus, rng=0)
        add_layer(net, 2, "identity", rng=1)
        sgd(net, X, Y, 4, 2, 0.05, rng=0, engine=engine_name)
        nets.append(net)
    reference = Network(2, half_abs)
    add_layer(reference, 3, softplus, rng=0)
    add_layer(reference, 2, "identity", rng=1)
    order_rng = np.random.default_rng(0)
    for _ in range(2):
        order = order_rng.permutation(9)
        for begin in range(0, 9, 4):
            for i in order[begin : begin + 4]:
                feedforward(reference, X[i])
                backpropagate(reference, X[i], Y[i])
            update(reference, 0.05)
    for net in nets:
        _assert_same_weights(net, reference, rtol=1e-10)


def test_workspace_is_rebuilt_when_a_layer_array_is_replaced() -> None:
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 2)), np.eye(2)[rng.integers(0, 2, 8)]
    net = network([2, 3, 2], rng=0)
    sgd(net, X, Y, 4, 1, 0.1, rng=0)
    first = net._engine
    net.layers[0].weights = net.layers[0].weights.copy()
    twin = copy.deepcopy(net)
    sgd(net, X, Y, 4, 1, 0.1, rng=1)
    assert net._engine is not first
    by_hand_rng = np.random.default_rng(1)
    order = by_hand_rng.permutation(8)
    for begin in (0, 4):
        for i in order[begin : begin + 4]:
            feedforward(twin, X[i])
            backpropagate(twin, X[i], Y[i])
        update(twin, 0.1)
    _assert_same_weights(net, twin, rtol=1e-12)
