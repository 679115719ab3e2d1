"""Examples for the core's contract: steps, sums, batches, seeds, initializers, fixes
of the articles' slips."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import perceptron as pc
from perceptron.activations import Activation
from perceptron.types import Array


def small_net(cost: str = "quadratic", out: str = "sigmoid", seed: int = 0) -> pc.Network:
    net = pc.Network(3, cost)
    pc.add_layer(net, 4, "tanh", rng=seed)
    pc.add_layer(net, 2, out, rng=seed + 1)
    return net


def data(n: int, seed: int = 0, one_hot: bool = False) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 3))
    Y = pc.one_hot(rng.integers(0, 2, n), 2) if one_hot else rng.uniform(0, 1, (n, 2))
    return X, Y


def params(net: pc.Network) -> list[Array]:
    return [a.copy() for layer in net.layers for a in (layer.weights, layer.bias)]


# --- feedforward -------------------------------------------------------------------
def test_feedforward_fills_caches_and_returns_a_new_column() -> None:
    net = small_net()
    x = np.array([0.1, -0.2, 0.3])
    out = pc.feedforward(net, x)
    hidden, last = net.layers
    np.testing.assert_allclose(hidden.linear_out, hidden.weights @ x[:, None] + hidden.bias)
    np.testing.assert_allclose(hidden.activated_out, np.tanh(hidden.linear_out))
    np.testing.assert_allclose(last.linear_out, last.weights @ hidden.activated_out + last.bias)
    assert out.shape == (2, 1)
    np.testing.assert_array_equal(out, last.activated_out)
    out[...] = 42.0  # the returned array is the caller's, not the cache
    assert not (last.activated_out == 42.0).any()
    np.testing.assert_array_equal(pc.feedforward(net, x[:, None]), last.activated_out)


# --- update ------------------------------------------------------------------------
def test_update_divides_by_the_number_of_samples() -> None:
    X, Y = data(4)
    single = small_net()
    pc.feedforward(single, X[0])
    pc.backpropagate(single, X[0], Y[0])
    repeated = small_net()
    for _ in range(4):  # the same sample four times: the mean is the single gradient
        pc.feedforward(repeated, X[0])
        pc.backpropagate(repeated, X[0], Y[0])
    assert repeated.accumulated == 4
    pc.update(single, 0.5)
    pc.update(repeated, 0.5)
    for a, b in zip(params(single), params(repeated), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_update_resets_sums_and_count() -> None:
    net = small_net()
    X, Y = data(3)
    for x, y in zip(X, Y, strict=True):
        pc.feedforward(net, x)
        pc.backpropagate(net, x, y)
    assert any(layer.dC_dweights.any() for layer in net.layers)
    pc.update(net, 0.1)
    assert net.accumulated == 0
    for layer in net.layers:
        assert not layer.dC_dweights.any() and not layer.dC_dbias.any()
    # After the reset the next sums are that next sample's gradients alone.
    fresh = copy.deepcopy(net)
    for n in (net, fresh):
        pc.feedforward(n, X[0])
        pc.backpropagate(n, X[0], Y[0])
    for a, b in zip(net.layers, fresh.layers, strict=True):
        np.testing.assert_array_equal(a.dC_dweights, b.dC_dweights)


def test_backpropagate_needs_the_input_of_the_last_feedforward() -> None:
    net = small_net()
    with pytest.raises(ValueError, match="^x: call feedforward"):
        pc.backpropagate(net, [0.1, 0.2, 0.3], [0.0, 1.0])
    pc.feedforward(net, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="^x: backpropagate needs the same x"):
        pc.backpropagate(net, [0.1, 0.2, 0.4], [0.0, 1.0])
    assert net.accumulated == 0
    pc.backpropagate(net, np.array([[0.1], [0.2], [0.3]]), [0.0, 1.0])
    assert net.accumulated == 1


# --- sgd: batches and seeds --------------------------------------------------------
@pytest.mark.parametrize(("N", "bs", "updates"), [(7, 3, 3), (6, 3, 2), (5, 1, 5), (4, 10, 1)])
def test_sgd_keeps_the_last_short_batch(N: int, bs: int, updates: int) -> None:
    X, Y = data(N)
    counter = pc.SGD()  # counts its updates in t; with momentum 0 it is plain SGD
    net = small_net()
    plain = small_net()
    pc.sgd(net, X, Y, bs, 2, 0.1, shuffle=False, optimizer=counter)
    pc.sgd(plain, X, Y, bs, 2, 0.1, shuffle=False)
    assert counter.t == 2 * updates
    for a, b in zip(params(net), params(plain), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    # The hand loop with the batches [0:bs], [bs:2bs], ..., the last one short.
    hand = small_net()
    for _ in range(2):
        for begin in range(0, N, bs):
            for i in range(begin, min(begin + bs, N)):
                pc.feedforward(hand, X[i])
                pc.backpropagate(hand, X[i], Y[i])
            pc.update(hand, 0.1)
    for a, b in zip(params(net), params(hand), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_dropping_the_short_batch_would_differ() -> None:
    # Guards the test above: with N = 7, bs = 3 the seventh sample does move the weights.
    X, Y = data(7)
    full, dropped = small_net(), small_net()
    pc.sgd(full, X, Y, 3, 1, 0.1, shuffle=False)
    pc.sgd(dropped, X[:6], Y[:6], 3, 1, 0.1, shuffle=False)
    assert not np.allclose(full.layers[0].weights, dropped.layers[0].weights)


def test_same_seed_gives_bit_identical_layers() -> None:
    for activation in ("sigmoid", "relu", "softmax"):
        a, b = pc.Network(5, "quadratic"), pc.Network(5, "quadratic")
        la = pc.add_layer(a, 7, activation, rng=123)
        lb = pc.add_layer(b, 7, activation, rng=np.random.default_rng(123))
        assert np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
    other = pc.add_layer(pc.Network(5, "quadratic"), 7, "sigmoid", rng=124)
    assert not np.array_equal(other.weights, la.weights)
    n1 = pc.network([4, 6, 3], rng=9, init="standard_normal")
    n2 = pc.network([4, 6, 3], rng=9, init="standard_normal")
    assert all(np.array_equal(p, q) for p, q in zip(params(n1), params(n2), strict=True))


def test_same_seed_gives_bit_identical_sgd_and_another_seed_differs() -> None:
    X, Y = data(9)
    runs = []
    for seed in (5, 5, 6):
        net = small_net()
        pc.sgd(net, X, Y, 2, 3, 0.3, rng=seed)
        runs.append(params(net))
    assert all(np.array_equal(p, q) for p, q in zip(runs[0], runs[1], strict=True))
    assert not all(np.array_equal(p, q) for p, q in zip(runs[0], runs[2], strict=True))


def test_sgd_with_zero_epochs_changes_no_weights() -> None:
    X, Y = data(3)
    net = small_net()
    before = params(net)
    history = pc.sgd(net, X, Y, 2, 0, 0.1)
    assert history.loss == []
    assert all(np.array_equal(p, q) for p, q in zip(before, params(net), strict=True))


# --- the one-layer network (the Julia article reads layers[end-1] there) --------------
def test_one_layer_network_trains() -> None:
    net = pc.Network(3, "quadratic")
    layer = pc.add_layer(net, 2, "sigmoid", rng=0)
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0])
    a = pc.feedforward(net, x)
    pc.backpropagate(net, x, y)
    delta = (a - y[:, None]) * a * (1 - a)
    np.testing.assert_allclose(layer.dC_dlinear, delta, rtol=1e-14)
    np.testing.assert_allclose(layer.dC_dweights, delta @ x[None, :], rtol=1e-14)
    np.testing.assert_allclose(layer.dC_dbias, delta, rtol=1e-14)
    assert pc.gradient_check(net, x, y) < 1e-6
    X, Y = data(8, one_hot=True)
    history = pc.sgd(net, X, Y, 3, 40, 1.0, rng=0)
    assert history.loss[-1] < history.loss[0]


# --- initializers ------------------------------------------------------------------
def test_glorot_std_is_the_square_root_of_2_over_in_plus_out() -> None:
    net = pc.Network(700, "quadratic")
    layer = pc.add_layer(net, 300, "sigmoid", rng=2024)  # 210 000 weights
    std = np.sqrt(2.0 / (700 + 300))
    assert layer.init == "glorot_normal"
    # The sample std of n normal draws is within a few × std/√(2n) ≈ 0.15 % of std.
    assert layer.weights.std() == pytest.approx(std, rel=0.01)
    assert abs(layer.weights.mean()) < 0.01 * std
    assert not layer.bias.any()
    # Not the Julia article's slip (σ² used as the scale): 2/1000 = 0.002 ≪ 0.0447.
    assert layer.weights.std() > 10 * (2.0 / (700 + 300))


def test_default_init_is_he_under_relu_and_standard_normal_on_request() -> None:
    he = pc.add_layer(pc.Network(800, "quadratic"), 200, "relu", rng=1)
    assert he.init == "he_normal"
    assert he.weights.std() == pytest.approx(np.sqrt(2.0 / 800), rel=0.01)
    sn = pc.add_layer(pc.Network(400, "quadratic"), 400, "sigmoid", init="standard_normal", rng=1)
    assert sn.weights.std() == pytest.approx(1.0, rel=0.01)
    assert sn.bias.std() == pytest.approx(1.0, rel=0.2)


# --- softmax and cross-entropy -----------------------------------------------------
def huge_logit_net() -> pc.Network:
    net = pc.Network(2, "cross_entropy")
    layer = pc.add_layer(net, 3, "softmax", rng=0)
    layer.weights[...] = [[1e4, 0.0], [0.0, 1e4], [-1e4, -1e4]]
    layer.bias[...] = 0.0
    return net


def test_cross_entropy_with_softmax_uses_log_softmax_for_huge_logits() -> None:
    net = huge_logit_net()
    X = np.array([[1.0, 0.0], [1.0, 0.0]])
    Y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])  # first target wrong by a 2e4 margin
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = pc.sgd(net, X, Y, 2, 1, 1e-6, shuffle=False)
    # Exact mean of −log softmax(z)_target: z = (1e4, 0, −1e4) → 2e4 for index 2, 0 for 0.
    assert np.isfinite(history.loss[0])
    assert history.loss[0] == pytest.approx((2e4 + 0.0) / 2, rel=1e-12)
    # The clipped probabilities would have capped it at −log(1e-7) ≈ 16.
    assert history.loss[0] > 100


def test_fused_gradient_is_a_minus_y() -> None:
    net = huge_logit_net()
    net.layers[0].weights[...] *= 1e-4  # moderate logits
    x, y = np.array([0.3, -0.2]), np.array([0.2, 0.3, 0.5])
    a = pc.feedforward(net, x)
    pc.backpropagate(net, x, y)
    np.testing.assert_allclose(net.layers[0].dC_dlinear, a - y[:, None], rtol=1e-14)
    assert pc.gradient_check(net, x, y) < 1e-6


def test_copies_keep_the_fused_softmax_cross_entropy_path() -> None:
    # The cost picks the fused path by value (``activation == softmax``): a deep copy
    # or a pickle round trip of the built-ins compares equal and keeps it.
    net = huge_logit_net()
    for twin in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert twin.layers[0].activation == pc.softmax
        assert twin.cost == pc.cross_entropy
        history = pc.sgd(twin, [[1.0, 0.0]], [[0.0, 0.0, 1.0]], 1, 1, 1e-6)
        assert history.loss[0] == pytest.approx(2e4, rel=1e-12)
    custom = Activation("twice", lambda z: 2 * z, lambda z: 2 + 0 * z)
    assert copy.deepcopy(custom) == custom


def test_gradient_check_detects_a_wrong_derivative() -> None:
    wrong = Activation("bad_tanh", np.tanh, lambda z: 1.0 + 0.0 * z)  # derivative of z
    net = pc.Network(3, "quadratic")
    pc.add_layer(net, 4, wrong, rng=0)
    pc.add_layer(net, 2, "sigmoid", rng=1)
    assert pc.gradient_check(net, [0.5, -0.5, 0.9], [1.0, 0.0]) > 1e-2
