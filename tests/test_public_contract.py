"""The sentences of design.md's "Public contract" that no other test file checks.

Each test names the sentence of design.md's "Public contract" it checks. Tests marked
Two of them exposed package bugs that are now fixed (backpropagate after sgd, and
hand-set weights of another dtype).
"""

from __future__ import annotations

import numpy as np
import pytest

import perceptron as pc

ENGINES = ("sample", "batch")


def data(n: int = 7, k: int = 3, m: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, k)), rng.uniform(size=(n, m))


def same_weights(a: pc.Network, b: pc.Network) -> bool:
    return all(
        np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
        for la, lb in zip(a.layers, b.layers, strict=True)
    )


# "A batch larger than N is one full batch."
@pytest.mark.parametrize("engine", ENGINES)
def test_a_batch_larger_than_n_is_one_full_batch(engine: str) -> None:
    X, Y = data()
    big = pc.network([3, 4, 2], "tanh", rng=3)
    full = pc.network([3, 4, 2], "tanh", rng=3)
    pc.sgd(big, X, Y, 1000, 2, 0.3, rng=0, engine=engine)
    pc.sgd(full, X, Y, len(X), 2, 0.3, rng=0, engine=engine)
    assert same_weights(big, full)
    # and that full batch is one update of the mean gradient over all N samples
    hand = pc.network([3, 4, 2], "tanh", rng=3)
    for x, y in zip(X, Y, strict=True):
        pc.feedforward(hand, x)
        pc.backpropagate(hand, x, y)
    pc.update(hand, 0.3)
    once = pc.network([3, 4, 2], "tanh", rng=3)
    pc.sgd(once, X, Y, 1000, 1, 0.3, shuffle=False, engine=engine)
    for lo, lh in zip(once.layers, hand.layers, strict=True):
        np.testing.assert_allclose(lo.weights, lh.weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(lo.bias, lh.bias, rtol=1e-12, atol=1e-15)


def _softmax_f(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_jacobian(z: np.ndarray) -> np.ndarray:
    s = _softmax_f(z)
    return np.diagflat(s) - s @ s.T


# "Activation(name, f, df, elementwise=True): ... a non-element-wise one returns its
# Jacobian" — a user-defined one must train the same in both engines.
@pytest.mark.parametrize("engine", ENGINES)
def test_a_user_defined_non_elementwise_activation_trains_in_both_engines(engine: str) -> None:
    mine = pc.Activation("my_softmax", _softmax_f, _softmax_jacobian, elementwise=False)
    X, Y = data()
    Y = Y / Y.sum(axis=1, keepdims=True)
    nets = []
    for activation in (mine, pc.softmax):
        net = pc.Network(3, pc.quadratic)
        pc.add_layer(net, 4, "tanh", rng=0)
        pc.add_layer(net, 2, activation, rng=1)
        pc.sgd(net, X, Y, 3, 2, 0.5, rng=0, engine=engine)
        nets.append(net)
    for la, lb in zip(*[n.layers for n in nets], strict=True):
        np.testing.assert_allclose(la.weights, lb.weights, rtol=1e-12, atol=1e-15)
    assert not same_weights(nets[0], pc.network([3, 4, 2], "tanh", rng=0))


# "Cost(name, f, df)": a user-defined cost, checked against central differences.
def test_a_user_defined_cost_gives_the_finite_difference_gradient() -> None:
    quartic = pc.Cost(
        "quartic", lambda a, y: ((a - y) ** 4).sum(axis=0), lambda a, y: 4 * (a - y) ** 3
    )
    net = pc.Network(3, quartic)
    pc.add_layer(net, 4, "sigmoid", rng=0)
    pc.add_layer(net, 2, "tanh", rng=1)
    X, Y = data()
    assert pc.gradient_check(net, X[0], Y[0]) < 1e-5
    history = pc.sgd(net, X, Y, 2, 3, 0.1, rng=0)
    assert history.loss[-1] < history.loss[0]


# "backpropagate(net, x, y) — ... x must equal (by value) the input of the last
# feedforward, else ValueError". After sgd the layers' caches hold sgd's last sample,
# so a backpropagate with the x of an earlier feedforward must not silently use them.
def test_backpropagate_after_sgd_uses_no_stale_caches() -> None:
    X, Y = data()
    net = pc.network([3, 4, 2], "tanh", rng=0)
    pc.feedforward(net, X[0])
    pc.sgd(net, X[1:], Y[1:], 100, 1, 1e-3, shuffle=False)
    try:
        pc.backpropagate(net, X[0], Y[0])
    except ValueError:
        return  # refused: also acceptable
    reference = pc.network([3, 4, 2], "tanh", rng=0)
    for layer, ref in zip(net.layers, reference.layers, strict=True):
        ref.weights[...] = layer.weights
        ref.bias[...] = layer.bias
    pc.feedforward(reference, X[0])
    pc.backpropagate(reference, X[0], Y[0])
    for layer, ref in zip(net.layers, reference.layers, strict=True):
        np.testing.assert_allclose(layer.dC_dweights, ref.dC_dweights, rtol=1e-12)


# "a rejected call leaves the network unchanged" and the update is indivisible:
# weights set by hand with the wrong dtype must not leave a half-stepped network.
def test_hand_set_weights_of_another_dtype_never_half_step_the_network() -> None:
    net = pc.network([2, 2, 1], rng=0)
    net.layers[1].weights = np.array([[1, 2]])  # ints, set by hand
    before = [(layer.weights.copy(), layer.bias.copy()) for layer in net.layers]
    x = np.array([0.5, 0.5])
    for call in (
        lambda: pc.feedforward(net, x),
        lambda: pc.update(net, 0.1),
        lambda: pc.sgd(net, np.ones((3, 2)), np.ones((3, 1)), 2, 1, 0.1),
    ):
        with pytest.raises(TypeError, match=r"net\.layers\[1\]\.weights"):
            call()
        for layer, (w, b) in zip(net.layers, before, strict=True):
            np.testing.assert_array_equal(layer.weights, w)
            np.testing.assert_array_equal(layer.bias, b)


def test_hand_set_weights_of_the_wrong_shape_are_named() -> None:
    net = pc.network([2, 2, 1], rng=0)
    net.layers[0].weights = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"net\.layers\[0\]"):
        pc.feedforward(net, [0.5, 0.5])


# "History — per epoch: loss (mean of the per-sample training losses seen during the
# epoch, without any penalty)": with one full batch and shuffle=False the first
# epoch's loss is the mean cost at the initial weights, whatever l2 is.
@pytest.mark.parametrize("engine", ENGINES)
def test_history_loss_is_the_mean_cost_without_the_penalty(engine: str) -> None:
    X, Y = data()
    net = pc.network([3, 5, 2], "sigmoid", rng=4)
    expected = float(np.mean(pc.quadratic.f(pc.predict(net, X).T, Y.T)))
    history = pc.sgd(net, X, Y, len(X), 1, 0.5, shuffle=False, l2=5.0, engine=engine)
    assert history.loss[0] == pytest.approx(expected, rel=1e-12)


# "An exception that leaves sgd (interrupt, divergence, callback error) carries the
# history so far as exc.history" — divergence included.
def test_divergence_carries_the_history_and_names_the_epoch() -> None:
    X, Y = data(n=8)
    net = pc.network([3, 4, 2], "identity", rng=0)
    seen: list[int] = []
    with pytest.raises(pc.TrainingDiverged) as info:
        pc.sgd(net, X * 1e3, Y, 8, 50, 10.0, rng=0, on_epoch=lambda e, h, n: seen.append(e))
    assert info.value.history.epochs == len(seen)  # type: ignore[attr-defined]
    assert f"epoch {len(seen)}" in str(info.value)
    assert all(np.isfinite(layer.weights).all() for layer in net.layers)


# "optimizers' t starts at 0 and ... a second network: ValueError" — also through
# update(), and the refused update leaves that network's sums in place.
def test_an_optimizer_refuses_a_second_network_in_update_and_changes_nothing() -> None:
    X, Y = data()
    opt = pc.Adam()
    assert opt.t == 0
    first = pc.network([3, 4, 2], rng=0)
    pc.sgd(first, X, Y, 7, 1, 0.01, optimizer=opt, rng=0)
    assert opt.t == 1
    second = pc.network([3, 4, 2], rng=0)
    pc.feedforward(second, X[0])
    pc.backpropagate(second, X[0], Y[0])
    sums = [layer.dC_dweights.copy() for layer in second.layers]
    weights = [layer.weights.copy() for layer in second.layers]
    with pytest.raises(ValueError, match="optimizer"):
        pc.update(second, 0.01, opt)
    assert opt.t == 1 and second.accumulated == 1
    for layer, s, w in zip(second.layers, sums, weights, strict=True):
        np.testing.assert_array_equal(layer.dC_dweights, s)
        np.testing.assert_array_equal(layer.weights, w)


# "standard_normal is seed 001's network: weights and biases N(0, 1)"; the default
# initializers start the biases at zero; the same seed gives bit-identical layers.
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "identity", "softmax"])
def test_default_biases_are_zero_and_standard_normal_draws_them(activation: str) -> None:
    net = pc.Network(50, "quadratic")
    layer = pc.add_layer(net, 300, activation, rng=5)
    assert layer.init == ("he_normal" if activation == "relu" else "glorot_normal")
    assert not layer.bias.any()
    drawn = pc.add_layer(pc.Network(50, "quadratic"), 300, activation, "standard_normal", rng=5)
    assert np.count_nonzero(drawn.bias) == 300
    assert abs(drawn.bias.mean()) < 0.25 and 0.8 < drawn.bias.std() < 1.2
    again = pc.add_layer(pc.Network(50, "quadratic"), 300, activation, "standard_normal", rng=5)
    np.testing.assert_array_equal(drawn.bias, again.bias)
    np.testing.assert_array_equal(drawn.weights, again.weights)
