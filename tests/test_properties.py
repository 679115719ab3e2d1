"""Properties of the core over random small architectures, activations, costs and data.

Each example draws an architecture and a seed with hypothesis; the weights and
the data come from a numpy Generator seeded with it, so every case is
reproducible from hypothesis' report.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron.activations import Activation
from perceptron.gradcheck import numerical_gradients
from perceptron.types import Array

HIDDEN = ["sigmoid", "relu", "tanh", "identity"]
OUTPUT = ["sigmoid", "relu", "tanh", "identity", "softmax"]
# Cross-entropy needs outputs that are probabilities: softmax, or sigmoid units.
COSTS_FOR = {
    "sigmoid": ["quadratic", "mse", "cross_entropy"],
    "softmax": ["quadratic", "mse", "cross_entropy"],
    "relu": ["quadratic", "mse"],
    "tanh": ["quadratic", "mse"],
    "identity": ["quadratic", "mse"],
}


@dataclass
class Case:
    net: pc.Network
    X: Array  # N×k, one sample a row
    Y: Array  # N×m
    rng: np.random.Generator


@st.composite
def cases(draw: Any, max_samples: int = 4, output: list[str] | None = None) -> Case:
    """A random network (1-3 layers of 1-4 units), with N samples of data."""
    seed = draw(st.integers(0, 2**32 - 1))
    inputdim = draw(st.integers(1, 4))
    nlayers = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=nlayers - 1, max_size=nlayers - 1))
    out_act = draw(st.sampled_from(output or OUTPUT))
    cost = draw(st.sampled_from(COSTS_FOR[out_act]))
    sizes = draw(st.lists(st.integers(1, 4), min_size=nlayers, max_size=nlayers))
    if out_act == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    n = draw(st.integers(1, max_samples))
    rng = np.random.default_rng(seed)
    net = pc.Network(inputdim, cost)
    for size, act in zip(sizes, [*hidden, out_act], strict=True):
        # N(0, 1) weights and biases (seed 001's init): no zero biases, varied regimes.
        pc.add_layer(net, size, act, init="standard_normal", rng=rng)
    X = rng.uniform(-1.0, 1.0, (n, inputdim))
    m = net.outputdim
    if cost == "cross_entropy":
        Y = rng.dirichlet(np.ones(m), size=n)  # probability vectors, not only one-hot
    else:
        Y = rng.uniform(0.0, 1.0, (n, m))
    return Case(net, X, Y, rng)


def trainable(net: pc.Network) -> bool:
    """Whether sgd accepts the pairing of cost and output (cross-entropy needs softmax)."""
    check = net.cost.check_output
    return check is None or check(net.layers[-1].activation) is None


def clone(net: pc.Network) -> pc.Network:
    return copy.deepcopy(net)


def params(net: pc.Network) -> list[Array]:
    return [a.copy() for layer in net.layers for a in (layer.weights, layer.bias)]


def sums(net: pc.Network) -> list[Array]:
    return [a.copy() for layer in net.layers for a in (layer.dC_dweights, layer.dC_dbias)]


def away_from_kinks(net: pc.Network, x: Array) -> bool:
    """relu's z not within 1e-3 of 0; sigmoid outputs under cross-entropy not clipped."""
    pc.feedforward(net, x)
    for layer in net.layers:
        if layer.activation == pc.relu and np.abs(layer.linear_out).min() < 1e-3:
            return False
    last = net.layers[-1]
    if net.cost == pc.cross_entropy and last.activation == pc.sigmoid:
        a = last.activated_out
        return bool((a > 1e-5).all() and (a < 1 - 1e-5).all())
    return True


def backprop_one(net: pc.Network, x: Array, y: Array) -> list[Array]:
    """One sample's gradients through the public feedforward + backpropagate, on a copy."""
    probe = clone(net)
    pc.feedforward(probe, x)
    pc.backpropagate(probe, x, y)
    return sums(probe)


# --- gradients ---------------------------------------------------------------------
@given(cases(max_samples=1))
def test_backpropagate_equals_central_differences(case: Case) -> None:
    net, x, y = case.net, case.X[0], case.Y[0]
    assume(away_from_kinks(net, x))
    analytic = backprop_one(net, x, y)
    numeric = [g for pair in numerical_gradients(net, x, y, eps=1e-6) for g in pair]
    for a, n in zip(analytic, numeric, strict=True):
        # Relative tolerance; the absolute floor covers gradients so small that the
        # central difference (round-off ~1e-16·C/ε) cannot resolve them.
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)
    # gradient_check reports the same agreement wherever a gradient is resolvable.
    big = all((np.abs(a) > 1e-4).all() for a in analytic)
    if big:
        assert pc.gradient_check(net, x, y) < 1e-5


def _softmax_without_vjp() -> Activation:
    # Same maths as pc.softmax but only its Jacobian: backward must form J and use it.
    return Activation("softmax_jacobian", pc.softmax.f, pc.softmax.df, elementwise=False)


@given(cases(max_samples=1, output=["softmax"]))
def test_softmax_jacobian_path_under_quadratic_cost(case: Case) -> None:
    net = case.net
    net.cost = pc.quadratic  # the non-fused path: ∂C/∂z = Jᵀ (a − y)
    x, y = case.X[0], case.Y[0]
    assume(away_from_kinks(net, x))
    jacobian_net = clone(net)
    jacobian_net.layers[-1].activation = _softmax_without_vjp()
    fused_free = backprop_one(net, x, y)
    via_jacobian = backprop_one(jacobian_net, x, y)
    numeric = [g for pair in numerical_gradients(net, x, y) for g in pair]
    for a, j, n in zip(fused_free, via_jacobian, numeric, strict=True):
        np.testing.assert_allclose(j, a, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


@given(st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_softmax_jacobian_equals_finite_differences(m: int, seed: int) -> None:
    z = np.random.default_rng(seed).normal(0.0, 3.0, (m, 1))
    J = pc.softmax.df(z)
    eps = 1e-6
    numeric = np.empty((m, m))
    for j in range(m):
        dz = np.zeros((m, 1))
        dz[j] = eps
        numeric[:, j] = ((pc.softmax.f(z + dz) - pc.softmax.f(z - dz)) / (2 * eps)).ravel()
    np.testing.assert_allclose(J, numeric, rtol=1e-5, atol=1e-9)


@given(
    st.lists(
        st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False), min_size=1, max_size=6
    )
)
def test_softmax_outputs_are_a_probability_vector(values: list[float]) -> None:
    z = np.array(values).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = pc.softmax(z)
    assert np.isfinite(s).all()
    assert (s >= 0).all()
    assert s.sum() == pytest.approx(1.0, abs=1e-12)


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([np.float64, np.float32]),
)
def test_sigmoid_never_overflows_or_warns(z: float, dtype: Any) -> None:
    if dtype is np.float32:
        z = float(np.clip(z, -3e38, 3e38))
    column = np.array([[z]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a = pc.sigmoid(column)
        d = pc.sigmoid.df(column)
    assert a.dtype == dtype
    assert 0.0 <= a[0, 0] <= 1.0
    assert 0.0 <= d[0, 0] <= 0.25
    if z > 40:
        assert a[0, 0] == 1.0
    if z < -800:
        assert a[0, 0] == 0.0


# --- the linear collapse (seed 000) ------------------------------------------------
@given(st.lists(st.integers(1, 5), min_size=2, max_size=6), st.integers(0, 2**32 - 1))
def test_identity_layers_collapse_to_one_affine_map(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = pc.network(sizes, "identity", init="standard_normal", rng=rng)
    A_s = np.eye(sizes[0])
    b_s = np.zeros((sizes[0], 1))
    for layer in net.layers:  # A_s ← W A_s, b_s ← W b_s + b
        A_s = layer.weights @ A_s
        b_s = layer.weights @ b_s + layer.bias
    X = rng.normal(size=(3, sizes[0]))
    for x in X:
        out = pc.feedforward(net, x)
        np.testing.assert_allclose(out, A_s @ x.reshape(-1, 1) + b_s, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pc.predict(net, X), X @ A_s.T + b_s.T, rtol=1e-9, atol=1e-9)


# --- accumulation, update, sgd -----------------------------------------------------
@given(cases(max_samples=6))
def test_batch_sum_equals_sum_of_per_sample_gradients(case: Case) -> None:
    net = case.net
    expected = [np.zeros_like(s) for s in sums(net)]
    for x, y in zip(case.X, case.Y, strict=True):
        for total, g in zip(expected, backprop_one(net, x, y), strict=True):
            total += g
    for x, y in zip(case.X, case.Y, strict=True):
        pc.feedforward(net, x)
        pc.backpropagate(net, x, y)
    assert net.accumulated == len(case.X)
    for got, want in zip(sums(net), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@given(cases(max_samples=5), st.floats(1e-3, 2.0))
def test_update_steps_by_the_mean_and_resets(case: Case, lr: float) -> None:
    net = case.net
    for x, y in zip(case.X, case.Y, strict=True):
        pc.feedforward(net, x)
        pc.backpropagate(net, x, y)
    n = len(case.X)
    before, total = params(net), sums(net)
    pc.update(net, lr)
    for new, old, s in zip(params(net), before, total, strict=True):
        np.testing.assert_allclose(new, old - lr * (s / n), rtol=1e-13, atol=1e-15)
    assert net.accumulated == 0
    assert all(not s.any() for s in sums(net))
    with pytest.raises(ValueError, match="net: nothing accumulated"):
        pc.update(net, lr)


def hand_sgd(net: pc.Network, X: Array, Y: Array, bs: int, epochs: int, lr: float) -> list[float]:
    """The four functions by hand, rows in order, an update after each batch (the last
    one may be short); returns the per-epoch mean loss."""
    losses = []
    for _ in range(epochs):
        total = 0.0
        for begin in range(0, len(X), bs):
            for x, y in zip(X[begin : begin + bs], Y[begin : begin + bs], strict=True):
                a = pc.feedforward(net, x)
                if net.cost is pc.cross_entropy and net.layers[-1].activation is pc.softmax:
                    z = net.layers[-1].linear_out
                    total += float(-(y.reshape(-1, 1) * (z - np.log(np.exp(z).sum()))).sum())
                else:
                    total += float(net.cost(a, y.reshape(-1, 1))[0])
                pc.backpropagate(net, x, y)
            pc.update(net, lr)
        losses.append(total / len(X))
    return losses


@settings(max_examples=25)
@given(cases(max_samples=7), st.integers(1, 9), st.integers(1, 2))
def test_sgd_without_shuffle_equals_the_hand_loop(case: Case, bs: int, epochs: int) -> None:
    assume(trainable(case.net))
    # bs = 1 is the per-sample case; bs not dividing N checks the last, short batch;
    # bs > N is one full batch.
    hand = clone(case.net)
    history = pc.sgd(case.net, case.X, case.Y, bs, epochs, 0.05, shuffle=False)
    hand_losses = hand_sgd(hand, case.X, case.Y, bs, epochs, 0.05)
    for got, want in zip(params(case.net), params(hand), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.loss, hand_losses, rtol=1e-10, atol=1e-12)
    assert case.net.accumulated == 0


@given(cases(max_samples=4), st.integers(0, 2**32 - 1))
def test_same_seed_gives_bit_identical_training(case: Case, seed: int) -> None:
    assume(trainable(case.net))
    a, b = clone(case.net), clone(case.net)
    ha = pc.sgd(a, case.X, case.Y, 2, 2, 0.1, rng=seed)
    hb = pc.sgd(b, case.X, case.Y, 2, 2, 0.1, rng=np.random.default_rng(seed))
    for pa, pb in zip(params(a), params(b), strict=True):
        assert np.array_equal(pa, pb)
    assert ha.loss == hb.loss
