"""The fast engines compute what the reference engine computes, and it what the article does.

``sgd(engine="reference")`` calls ``feedforward``, ``backpropagate`` and
``update`` literally; ``engine="sample"`` runs the same per-sample loop on
reused buffers and ``engine="batch"`` feeds a mini-batch as one matrix. Both
fast engines must end with the reference's weights, losses and caches, up to
float rounding, for any architecture, activation, cost, optimizer, batch size
(dividing N or not, larger than N), L2 penalty and seed.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import perceptron.engines.batch as batch_engine
import perceptron.engines.sample as sample_engine
from perceptron import (
    SGD,
    Adam,
    Network,
    TrainingDiverged,
    add_layer,
    backpropagate,
    feedforward,
    network,
    sgd,
    update,
)
from perceptron.engines import make_engine

HIDDEN = ("sigmoid", "relu", "tanh", "identity")
# (output activation, cost): every built-in pairing the engines special-case,
# including softmax under cross-entropy (fused δ = a − y) and under quadratic (Jacobian).
HEADS = (
    ("sigmoid", "quadratic"),
    ("softmax", "cross_entropy"),
    ("softmax", "quadratic"),
    ("identity", "mse"),
    ("tanh", "quadratic"),
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


def _run(case: Case, engine_name: str, epochs: int = 3) -> tuple[Network, Any]:
    net = case.build()
    history = sgd(net, case.X, case.Y, case.batchsize, epochs, case.lr, rng=case.seed,
                  optimizer=case.make_optimizer(), l2=case.l2, engine=engine_name)  # fmt: skip
    return net, history


@pytest.mark.parametrize("engine_name", ["sample", "batch"])
@given(case=cases())
def test_each_engine_equals_the_reference_engine(engine_name: str, case: Case) -> None:
    """Weights, per-epoch losses, caches and zeroed sums: as the four functions leave them."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no engine may warn
        fast, fast_history = _run(case, engine_name)
        reference, reference_history = _run(case, "reference")
    _assert_same_weights(fast, reference, rtol=1e-10)
    np.testing.assert_allclose(fast_history.loss, reference_history.loss, rtol=1e-10)
    for f, r in zip(fast.layers, reference.layers, strict=True):
        for name in ("linear_out", "activated_out", "dC_dlinear"):
            np.testing.assert_allclose(getattr(f, name), getattr(r, name), rtol=1e-9, atol=1e-12)
        assert not f.dC_dweights.any() and not f.dC_dbias.any() and f.accumulated == 0
    # ...and training did move the weights, so the comparison means something.
    untrained = case.build()
    assert any(
        not np.array_equal(t.weights, u.weights)
        for t, u in zip(reference.layers, untrained.layers, strict=True)
    )


@given(cases())
def test_the_reference_engine_is_the_hand_written_loop(case: Case) -> None:
    """engine="reference" is feedforward/backpropagate per row, update per batch: bit for bit."""
    epochs = 2
    try:
        trained, _ = _run(case, "reference", epochs=epochs)
    except TrainingDiverged:
        assume(False)  # a diverging run has no final weights to compare
    net = case.build()
    optimizer = case.make_optimizer()
    rng = np.random.default_rng(case.seed)
    N = len(case.X)
    for _ in range(epochs):
        order = rng.permutation(N)
        for begin in range(0, N, case.batchsize):
            for i in order[begin : begin + case.batchsize]:
                feedforward(net, case.X[i : i + 1].T)
                backpropagate(net, case.X[i : i + 1].T, case.Y[i : i + 1].T)
            for layer in net.layers:  # the L2 penalty's gradient, (λ/N)·W per sample
                layer.dC_dweights += (case.l2 / N * layer.accumulated) * layer.weights
            update(net, case.lr, optimizer)
    _assert_same_weights(trained, net, rtol=0.0)


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
        assert layer.dC_dweights.dtype == np.float32 and layer.dC_dbias.dtype == np.float32
    for engine_name in ("sample", "batch"):
        ws: Any = make_engine(engine_name, net, 4)
        assert ws.X.dtype == ws.Y.dtype == np.float32
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
    for module in (sample_engine, batch_engine):
        monkeypatch.setattr(module, "CHUNK", 4)  # 17 = 4 + 4 + 4 + 4 + 1
    chunked = network([3, 4, 2], "tanh", "cross_entropy", output_activation="softmax", rng=2)
    sgd(chunked, X, Y, 17, 2, 0.1, rng=1, engine=engine_name)
    assert make_engine(engine_name, chunked, 17).capacity == 4  # type: ignore[attr-defined]
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


@pytest.mark.parametrize("engine_name", ["sample", "batch"])
def test_caches_hold_the_last_sample_and_the_sums_are_zero(engine_name: str) -> None:
    """After sgd, z, a and δ are the last sample's, as after feedforward + backpropagate."""
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, 6)]
    net = network([3, 4, 2], "relu", "cross_entropy", output_activation="softmax", rng=1)
    probe = copy.deepcopy(net)
    sgd(net, X, Y, 6, 1, 0.1, shuffle=False, engine=engine_name)
    for i in range(6):
        feedforward(probe, X[i])
        backpropagate(probe, X[i], Y[i])
    for layer, twin in zip(net.layers, probe.layers, strict=True):
        for name in ("linear_out", "activated_out", "dC_dlinear"):
            np.testing.assert_allclose(getattr(layer, name), getattr(twin, name), rtol=1e-12)
        assert not layer.dC_dweights.any() and not layer.dC_dbias.any()
    assert net.accumulated == 0


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


@pytest.mark.parametrize("engine_name", ["sample", "batch"])
def test_an_engine_follows_arrays_replaced_during_training(engine_name: str) -> None:
    """on_epoch may give a layer a new array: the engine must train that one."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 2)), np.eye(2)[rng.integers(0, 2, 8)]

    def replace(epoch: int, history: Any, net: Network) -> None:
        net.layers[0].weights = net.layers[0].weights.copy()

    nets = {}
    for name in (engine_name, "reference"):
        nets[name] = network([2, 3, 2], rng=0)
        sgd(nets[name], X, Y, 4, 3, 0.1, rng=0, on_epoch=replace, engine=name)
    _assert_same_weights(nets[engine_name], nets["reference"], rtol=1e-12)
