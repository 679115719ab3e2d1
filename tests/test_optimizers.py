"""SGD (momentum, decay) and Adam against seed 003's formulas, computed by hand in numpy."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron
from perceptron import (
    SGD,
    Adam,
    Network,
    add_layer,
    backpropagate,
    feedforward,
    network,
    one_hot,
    sgd,
    spiral,
    update,
)
from perceptron.checks import all_finite

# ---------------------------------------------------------------------------
# a tiny 2-3-2 network (tanh, identity, quadratic cost) and its gradient by hand
# ---------------------------------------------------------------------------


def tiny(seed: int) -> tuple[Network, list[dict[str, np.ndarray]]]:
    """The network, and the same parameters as plain dicts for the hand computation."""
    rng = np.random.default_rng(seed)
    net = Network(2, "quadratic")
    add_layer(net, 3, "tanh")
    add_layer(net, 2, "identity")
    layers = []
    for layer in net.layers:
        layer.weights[...] = rng.normal(0.0, 0.8, layer.weights.shape)
        layer.bias[...] = rng.normal(0.0, 0.5, layer.bias.shape)
        layers.append({"weights": layer.weights.copy(), "biases": layer.bias.copy()})
    return net, layers


def hand_gradients(layers: list[dict[str, np.ndarray]], X: np.ndarray, Y: np.ndarray) -> None:
    """Mean gradient of ½‖a − y‖² over the rows of X, stored as dweights/dbiases."""
    first, second = layers
    a0 = X.T
    a1 = np.tanh(first["weights"] @ a0 + first["biases"])
    a2 = second["weights"] @ a1 + second["biases"]
    d2 = a2 - Y.T
    d1 = (1.0 - a1**2) * (second["weights"].T @ d2)
    n = len(X)
    second["dweights"], second["dbiases"] = d2 @ a1.T / n, d2.sum(axis=1, keepdims=True) / n
    first["dweights"], first["dbiases"] = d1 @ a0.T / n, d1.sum(axis=1, keepdims=True) / n


class SeedSGD:
    """Seed 003's Optimizer_SGD, line for line (with our W of shape out×in)."""

    def __init__(self, learning_rate: float, decay: float, momentum: float) -> None:
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.momentum, self.iterations = decay, momentum, 0

    def pre_update_params(self) -> None:
        if self.decay:
            self.current_learning_rate = self.learning_rate * (
                1 / (1 + self.decay * self.iterations)
            )

    def update_params(self, layer: dict[str, np.ndarray]) -> None:
        if self.momentum:
            if "weight_momentums" not in layer:
                layer["weight_momentums"] = np.zeros_like(layer["weights"])
                layer["bias_momentums"] = np.zeros_like(layer["biases"])
            weight_updates = (
                self.momentum * layer["weight_momentums"]
                - self.current_learning_rate * layer["dweights"]
            )
            layer["weight_momentums"] = weight_updates
            bias_updates = (
                self.momentum * layer["bias_momentums"]
                - self.current_learning_rate * layer["dbiases"]
            )
            layer["bias_momentums"] = bias_updates
        else:
            weight_updates = -self.current_learning_rate * layer["dweights"]
            bias_updates = -self.current_learning_rate * layer["dbiases"]
        layer["weights"] = layer["weights"] + weight_updates
        layer["biases"] = layer["biases"] + bias_updates

    def post_update_params(self) -> None:
        self.iterations += 1


class SeedAdam:
    """Seed 003's Optimizer_Adam, line for line."""

    def __init__(
        self, learning_rate: float, decay: float, epsilon: float, beta_1: float, beta_2: float
    ) -> None:
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.iterations, self.epsilon = decay, 0, epsilon
        self.beta_1, self.beta_2 = beta_1, beta_2

    def pre_update_params(self) -> None:
        if self.decay:
            self.current_learning_rate = self.learning_rate * (
                1 / (1 + self.decay * self.iterations)
            )

    def update_params(self, layer: dict[str, np.ndarray]) -> None:
        if "weight_momentums" not in layer:
            for key, like in (("weight", "weights"), ("bias", "biases")):
                layer[f"{key}_momentums"] = np.zeros_like(layer[like])
                layer[f"{key}_cache"] = np.zeros_like(layer[like])
        b1, b2, step = self.beta_1, self.beta_2, self.iterations + 1
        for key, param, grad in (("weight", "weights", "dweights"), ("bias", "biases", "dbiases")):
            layer[f"{key}_momentums"] = b1 * layer[f"{key}_momentums"] + (1 - b1) * layer[grad]
            corrected_m = layer[f"{key}_momentums"] / (1 - b1**step)
            layer[f"{key}_cache"] = b2 * layer[f"{key}_cache"] + (1 - b2) * layer[grad] ** 2
            corrected_c = layer[f"{key}_cache"] / (1 - b2**step)
            layer[param] = layer[param] + -self.current_learning_rate * corrected_m / (
                np.sqrt(corrected_c) + self.epsilon
            )

    def post_update_params(self) -> None:
        self.iterations += 1


def data(seed: int, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    return rng.normal(size=(n, 2)), rng.normal(size=(n, 2))


def run_both(seed: int, ours: object, seeds: object, lr: float, updates: int = 4) -> None:
    """``updates`` mini-batches of 2 through update(); compare after every one."""
    net, layers = tiny(seed)
    X, Y = data(seed, 2 * updates)
    for k in range(updates):
        rows = slice(2 * k, 2 * k + 2)
        for x, y in zip(X[rows], Y[rows], strict=True):
            feedforward(net, x)
            backpropagate(net, x, y)
        update(net, lr, ours)  # type: ignore[arg-type]
        hand_gradients(layers, X[rows], Y[rows])
        seeds.pre_update_params()  # type: ignore[attr-defined]
        for layer in layers:
            seeds.update_params(layer)  # type: ignore[attr-defined]
        seeds.post_update_params()  # type: ignore[attr-defined]
        for layer, hand in zip(net.layers, layers, strict=True):
            np.testing.assert_allclose(layer.weights, hand["weights"], rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(layer.bias, hand["biases"], rtol=1e-12, atol=1e-14)
    assert ours.t == updates  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# the formulas
# ---------------------------------------------------------------------------


def test_importable_from_the_package() -> None:
    assert perceptron.SGD is SGD and perceptron.Adam is Adam
    assert (SGD().momentum, SGD().decay) == (0.0, 0.0)
    adam = Adam()
    assert (adam.beta1, adam.beta2, adam.epsilon, adam.decay) == (0.9, 0.999, 1e-7, 0.0)


def test_sgd_momentum_and_decay_first_steps_by_hand() -> None:
    run_both(0, SGD(momentum=0.9, decay=0.5), SeedSGD(0.3, decay=0.5, momentum=0.9), 0.3)


def test_adam_first_steps_by_hand() -> None:
    run_both(
        0,
        Adam(beta1=0.8, beta2=0.99, epsilon=1e-7, decay=0.5),
        SeedAdam(0.05, decay=0.5, epsilon=1e-7, beta_1=0.8, beta_2=0.99),
        0.05,
    )


@settings(max_examples=20)
@given(
    seed=st.integers(0, 10_000),
    momentum=st.sampled_from([0.0, 0.1, 0.5, 0.9]),
    decay=st.sampled_from([0.0, 1e-3, 0.1, 1.0]),
    lr=st.floats(0.01, 1.0),
)
def test_sgd_matches_seed_003(seed: int, momentum: float, decay: float, lr: float) -> None:
    run_both(seed, SGD(momentum=momentum, decay=decay), SeedSGD(lr, decay, momentum), lr)


@settings(max_examples=20)
@given(
    seed=st.integers(0, 10_000),
    beta1=st.sampled_from([0.0, 0.5, 0.9]),
    beta2=st.sampled_from([0.9, 0.999]),
    decay=st.sampled_from([0.0, 1e-3, 0.1]),
    lr=st.floats(0.001, 0.1),
)
def test_adam_matches_seed_003(
    seed: int, beta1: float, beta2: float, decay: float, lr: float
) -> None:
    ours = Adam(beta1=beta1, beta2=beta2, decay=decay)
    run_both(seed, ours, SeedAdam(lr, decay, 1e-7, beta1, beta2), lr)


def test_decay_counts_updates_from_zero() -> None:
    """lr_t = lr / (1 + decay·t), t = 0 at the first update: steps lr·g, lr/(1+d)·g, ..."""
    decay, lr = 0.25, 0.5
    for t_expected in range(3):
        opt = SGD(decay=decay)
        opt.t = t_expected
        g = [np.ones((2, 2)), np.ones((2, 1))]
        steps, _ = opt.deltas(g, lr)
        np.testing.assert_array_equal(steps[0], lr / (1 + decay * t_expected))


# ---------------------------------------------------------------------------
# reductions and the first Adam step
# ---------------------------------------------------------------------------


def spiral_net(seed: int, hidden: int = 6) -> Network:
    return network(
        [2, hidden, 3],
        activation="relu",
        cost="cross_entropy",
        output_activation="softmax",
        rng=seed,
    )


SPIRAL_X, SPIRAL_LABELS = spiral(10, 3, rng=5)
SPIRAL_Y = one_hot(SPIRAL_LABELS, 3)


def weights(net: Network) -> list[np.ndarray]:
    return [a.copy() for layer in net.layers for a in (layer.weights, layer.bias)]


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), lr=st.floats(0.01, 2.0), batchsize=st.integers(1, 40))
def test_sgd_without_momentum_or_decay_is_plain_sgd_bitwise(
    seed: int, lr: float, batchsize: int
) -> None:
    trained = []
    for optimizer in (None, SGD(), SGD(momentum=0.0, decay=0.0)):
        net = spiral_net(seed)
        sgd(net, SPIRAL_X, SPIRAL_Y, batchsize, 2, lr, rng=seed, optimizer=optimizer)
        trained.append(weights(net))
    for other in trained[1:]:
        for a, b in zip(trained[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_update_default_is_plain_sgd() -> None:
    net, layers = tiny(3)
    X, Y = data(3, 3)
    for x, y in zip(X, Y, strict=True):
        feedforward(net, x)
        backpropagate(net, x, y)
    grads = [a.copy() / 3 for layer in net.layers for a in (layer.dC_dweights, layer.dC_dbias)]
    before = weights(net)
    update(net, 0.7)
    for g, b, a in zip(grads, before, weights(net), strict=True):
        np.testing.assert_array_equal(a, b - 0.7 * g)


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), lr=st.floats(1e-4, 0.5))
def test_adam_first_step_is_lr_times_sign_of_gradient(seed: int, lr: float) -> None:
    """m̂ = g and v̂ = g² at t = 0, so Δ = lr·g/(|g| + ε) ≈ lr·sign(g)."""
    net = spiral_net(seed, hidden=8)
    for x, y in zip(SPIRAL_X[:7], SPIRAL_Y[:7], strict=True):
        feedforward(net, x)
        backpropagate(net, x, y)
    grads = [a.copy() / 7 for layer in net.layers for a in (layer.dC_dweights, layer.dC_dbias)]
    before = weights(net)
    update(net, lr, Adam())
    after = weights(net)
    checked = 0
    for g, b, a in zip(grads, before, after, strict=True):
        step = b - a
        big = np.abs(g) > 1e-4  # ε = 1e-7 is then below a thousandth of |g|
        np.testing.assert_allclose(step[big], lr * np.sign(g[big]), rtol=1e-3)
        assert np.all(np.abs(step) <= lr * (1 + 1e-12))
        np.testing.assert_array_equal(step[g == 0], 0.0)
        checked += int(big.sum())
    assert checked > 10


# ---------------------------------------------------------------------------
# state: one network, carried over between sgd calls
# ---------------------------------------------------------------------------


def optimizer_state(opt: Any) -> dict[str, Any]:
    return copy.deepcopy(opt.state_dict())


def assert_same_state(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize("make", [lambda: SGD(momentum=0.9, decay=0.1), lambda: Adam()])
def test_second_network_is_refused_and_nothing_changes(make: object) -> None:
    opt = make()  # type: ignore[operator]
    first, second = spiral_net(1), spiral_net(2)
    sgd(first, SPIRAL_X, SPIRAL_Y, 10, 1, 0.1, rng=0, optimizer=opt)
    assert opt.t == 3
    state = optimizer_state(opt)

    # update(): the second network's sums and weights stay as they were
    feedforward(second, SPIRAL_X[0])
    backpropagate(second, SPIRAL_X[0], SPIRAL_Y[0])
    before, sums = weights(second), [layer.dC_dweights.copy() for layer in second.layers]
    with pytest.raises(ValueError, match="another network"):
        update(second, 0.1, opt)
    assert second.accumulated == 1
    for a, b in zip(before, weights(second), strict=True):
        np.testing.assert_array_equal(a, b)
    for s, layer in zip(sums, second.layers, strict=True):
        np.testing.assert_array_equal(s, layer.dC_dweights)
    assert_same_state(state, optimizer_state(opt))

    # sgd(): refused before any epoch
    with pytest.raises(ValueError, match="another network"):
        sgd(second, SPIRAL_X, SPIRAL_Y, 10, 2, 0.1, rng=0, optimizer=opt)
    for a, b in zip(before, weights(second), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_same_state(state, optimizer_state(opt))

    # the first network still trains with it
    sgd(first, SPIRAL_X, SPIRAL_Y, 10, 1, 0.1, rng=0, optimizer=opt)
    assert opt.t == 6


def test_a_network_whose_layers_changed_is_refused() -> None:
    opt = Adam()
    net = spiral_net(0)
    sgd(net, SPIRAL_X, SPIRAL_Y, 30, 1, 0.1, rng=0, optimizer=opt)
    add_layer(net, 3, "softmax")
    with pytest.raises(ValueError, match="optimizer"):
        sgd(net, SPIRAL_X, SPIRAL_Y, 30, 1, 0.1, rng=0, optimizer=opt)


@pytest.mark.parametrize(
    "make",
    [lambda: SGD(momentum=0.9, decay=0.1), lambda: Adam(decay=0.05), lambda: SGD()],
    ids=["sgd-momentum-decay", "adam", "plain"],
)
@pytest.mark.parametrize("shuffle", [False, True], ids=["no-shuffle", "shared-generator"])
def test_state_carries_over_between_sgd_calls(make: object, shuffle: bool) -> None:
    """2 epochs then 3 with the same optimizer (and Generator) = 5 epochs in one call."""
    split_opt, whole_opt = make(), make()  # type: ignore[operator]
    split, whole = spiral_net(4), spiral_net(4)
    gen = np.random.default_rng(11)
    h1 = sgd(split, SPIRAL_X, SPIRAL_Y, 7, 2, 0.2, rng=gen, shuffle=shuffle, optimizer=split_opt)
    h2 = sgd(split, SPIRAL_X, SPIRAL_Y, 7, 3, 0.2, rng=gen, shuffle=shuffle, optimizer=split_opt)
    h = sgd(
        whole,
        SPIRAL_X,
        SPIRAL_Y,
        7,
        5,
        0.2,
        rng=np.random.default_rng(11),
        shuffle=shuffle,
        optimizer=whole_opt,
    )
    assert split_opt.t == whole_opt.t == 5 * math.ceil(30 / 7)
    for a, b in zip(weights(split), weights(whole), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h1.loss + h2.loss, h.loss, rtol=1e-12)


def test_a_fresh_optimizer_is_not_a_continued_one() -> None:
    """The carry-over test above can fail: restarting t and the moments changes the result."""
    carried, restarted = spiral_net(4), spiral_net(4)
    opt = Adam(decay=0.05)
    sgd(carried, SPIRAL_X, SPIRAL_Y, 7, 2, 0.2, shuffle=False, optimizer=opt)
    sgd(carried, SPIRAL_X, SPIRAL_Y, 7, 1, 0.2, shuffle=False, optimizer=opt)
    sgd(restarted, SPIRAL_X, SPIRAL_Y, 7, 2, 0.2, shuffle=False, optimizer=Adam(decay=0.05))
    sgd(restarted, SPIRAL_X, SPIRAL_Y, 7, 1, 0.2, shuffle=False, optimizer=Adam(decay=0.05))
    assert not np.allclose(carried.layers[0].weights, restarted.layers[0].weights)


# ---------------------------------------------------------------------------
# bad hyper-parameters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: SGD(momentum=-0.1), "momentum"),
        (lambda: SGD(momentum=1.0), "momentum"),
        (lambda: SGD(decay=-1.0), "decay"),
        (lambda: SGD(decay=float("nan")), "decay"),
        (lambda: Adam(beta1=1.0), "beta1"),
        (lambda: Adam(beta2=-0.5), "beta2"),
        (lambda: Adam(epsilon=0.0), "epsilon"),
        (lambda: Adam(decay=-0.1), "decay"),
    ],
)
def test_bad_hyper_parameters_are_refused(make: object, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        make()  # type: ignore[operator]


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError, match="momentum"):
        SGD(momentum="0.9")  # type: ignore[arg-type]
    net, _ = tiny(0)
    feedforward(net, [1.0, 2.0])
    backpropagate(net, [1.0, 2.0], [0.0, 1.0])
    with pytest.raises(TypeError, match="optimizer"):
        update(net, 0.1, "adam")  # type: ignore[arg-type]
    assert net.accumulated == 1


# ---------------------------------------------------------------------------
# the step's shortcuts: sums with η/n, reused state buffers, fewer checks
# ---------------------------------------------------------------------------

OPTIMIZERS = {
    "sgd": SGD,
    "momentum": lambda: SGD(momentum=0.9, decay=0.1),
    "adam": lambda: Adam(decay=0.01),
}


def small_params(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in ((3, 4), (3, 1), (2, 3), (2, 1))]


def small_grads(seed: int, steps: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed + 1)
    return [[rng.normal(size=p.shape) for p in small_params(seed)] for _ in range(steps)]


@given(
    seed=st.integers(0, 1000),
    k=st.floats(1.0, 500.0),
    momentum=st.sampled_from([0.0, 0.9]),
    decay=st.sampled_from([0.0, 0.1]),
)
@settings(deadline=None, max_examples=40)
def test_sgd_given_sums_and_a_rate_over_k_steps_as_with_means(
    seed: int, k: float, momentum: float, decay: float
) -> None:
    """SGD.linear is the promise the engines rely on: Δ(k·g, η/k) = Δ(g, η)."""
    assert SGD.linear and not Adam.linear
    means, sums = SGD(momentum, decay), SGD(momentum, decay)
    a, b = small_params(seed), small_params(seed)
    for grads in small_grads(seed, 3):
        means.step(a, [g.copy() for g in grads], 0.5)
        sums.step(b, [g * k for g in grads], 0.5 / k)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@given(
    seed=st.integers(0, 1000),
    before=st.integers(0, 3),
    where=st.integers(0, 30),
    bad=st.sampled_from([np.inf, -np.inf, np.nan, 1e308]),
    flat=st.booleans(),
)
@settings(deadline=None, max_examples=40)
def test_a_step_that_would_not_be_finite_changes_nothing(
    name: str, seed: int, before: int, where: int, bad: float, flat: bool
) -> None:
    """Whatever the optimizer and however many steps came before (so that the new state
    is written into the buffers of the state before last), a gradient holding a value
    that makes the step, a new weight or the state non-finite raises and leaves the
    weights, the state and t as they were."""
    opt = OPTIMIZERS[name]()
    params = small_params(seed)
    for grads in small_grads(seed, before):
        opt.step(params, grads, 0.1)
    weights, state, t = [p.copy() for p in params], optimizer_state(opt), opt.t
    # the gradients as consecutive views of one buffer, as the engines hand them over
    buffer = np.concatenate([g.reshape(-1) for g in small_grads(seed + 7, 1)[0]])
    buffer[where % buffer.size] = bad
    grads, begin = [], 0
    for p in params:
        grads.append(buffer[begin : begin + p.size].reshape(p.shape))
        begin += p.size
    # 1e308 is finite, but its step (SGD: 0.1·1e308... times 1e10) or its square (Adam's v)
    # is not: the lr below makes SGD's step overflow too. flat=: the engines' one check.
    with pytest.raises(perceptron.TrainingDiverged):
        opt.step(params, grads, 1e10 if bad == 1e308 else 0.1, flat=buffer if flat else None)
    assert opt.t == t
    for a, b in zip(weights, params, strict=True):
        np.testing.assert_array_equal(a, b)
    if before == 0:  # the refused first step leaves the moments as they start: zero
        assert not any(a.any() for a in optimizer_state(opt).values())
    else:
        assert_same_state(state, optimizer_state(opt))


def test_state_dict_is_a_copy_that_later_steps_leave_alone() -> None:
    opt, params = Adam(), small_params(0)
    for grads in small_grads(0, 2):
        opt.step(params, grads, 0.1)
    saved = opt.state_dict()
    kept = copy.deepcopy(saved)
    for grads in small_grads(1, 3):
        opt.step(params, grads, 0.1)
    assert_same_state(kept, saved)
    assert not np.array_equal(saved["moment_0"], opt.state["moment"][0])


@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=0, max_size=40
    ),
    dtype=st.sampled_from([np.float64, np.float32]),
    strided=st.booleans(),
)
@settings(deadline=None, max_examples=200)
def test_all_finite_agrees_with_numpy_element_by_element(
    values: list[float], dtype: Any, strided: bool
) -> None:
    """The optimizers' divergence check: one dot product, element by element only when
    that is not finite (huge finite values square to inf) or the array is not contiguous."""
    with np.errstate(over="ignore", invalid="ignore"):
        array = np.array(values, dtype=np.float64).astype(dtype)
    array = np.repeat(array, 2)[::2] if strided else array
    with np.errstate(over="ignore", invalid="ignore"):
        assert all_finite(array) == bool(np.isfinite(array).all())
        assert all_finite(array.reshape(-1, 1)) == bool(np.isfinite(array).all())
