"""The steps of training, one column sample at a time: feedforward, backpropagate, update.

This is the Julia article's algorithm, written once. Notation (layers
l = 0 … L−1, a₋₁ = x the input, one sample a column)::

    z_l = W_l a_{l−1} + b_l                 linear_out
    a_l = σ_l(z_l)                          activated_out
    δ_{L−1} = (∂a/∂z)ᵀ ∂C/∂a                dC_dlinear of the last layer (the cost's delta)
    δ_l = (∂a_l/∂z_l)ᵀ W_{l+1}ᵀ δ_{l+1}      dC_dlinear, backwards
    dC_dweights += δ_l a_{l−1}ᵀ
    dC_dbias    += δ_l

For an element-wise σ, (∂a/∂z)ᵀ v is σ'(z) ⊙ v. With softmax and
cross-entropy together, δ_{L−1} = a − y (the Jacobian and −y/a cancel).

``update`` divides the sums by the number n of samples behind them, so the
step uses the mean gradient g = (1/n) Σ ∂C/∂θ, as Nielsen averages over the
mini-batch (the Julia article steps by the plain sum); an optimizer turns g
into a step Δ (Δ = η g for plain SGD), θ ← θ − Δ, and the sums are zeroed.
``sgd`` (in :mod:`perceptron.fit`) loops over these; its ``engine="reference"``
calls exactly these functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import as_column, check_probability_columns, check_real
from .costs import cross_entropy
from .interrupts import InterruptGuard, sigint_held
from .network import Network, check_weights
from .optimizers import SGD, Optimizer
from .types import Array


def feedforward(net: Network, x: Any) -> Array:
    """Push one sample through the network and return its output a_{L−1} (m×1).

    ``x`` is a k×1 column (a 1-D vector of length k is accepted). Fills every
    layer's ``linear_out`` z and ``activated_out`` a; returns a new array.
    """
    check_weights(net)
    a = as_column(x, net.inputdim, "x", net.dtype)
    for layer in net.layers:
        layer.linear_out = layer.weights @ a + layer.bias  # z = W a_prev + b
        layer.activated_out = layer.activation.f(layer.linear_out)  # a = σ(z)
        a = layer.activated_out
    return a.copy()


def _same_input(net: Network, x: Array) -> bool:
    """Whether the caches are those of x: W₀x + b₀ reproduces the first layer's z."""
    first = net.layers[0]
    z = first.weights @ x + first.bias
    scale = float(np.abs(z).max(initial=1.0))
    tolerance = 64 * np.finfo(net.dtype).eps * scale
    return first.linear_out.shape == z.shape and bool(
        np.all(np.abs(z - first.linear_out) <= tolerance)
    )


def backpropagate(net: Network, x: Any, y: Any) -> None:
    """Add one sample's ∂C/∂W and ∂C/∂b to every layer's sums.

    ``x`` must be the input of the last ``feedforward``, whose caches are
    used; ``y`` is the m×1 target (or a vector of length m). Afterwards every
    layer's ``dC_dlinear`` holds δ and ``accumulated`` has grown by one.
    """
    check_weights(net)
    x = as_column(x, net.inputdim, "x", net.dtype)
    y = as_column(y, net.outputdim, "y", net.dtype)
    if net.cost == cross_entropy:
        check_probability_columns(y, "y")
    if not any(layer.linear_out.any() or layer.activated_out.any() for layer in net.layers):
        raise ValueError("x: call feedforward(net, x) before backpropagate(net, x, y)")
    if not _same_input(net, x):
        raise ValueError(
            "x: backpropagate needs the same x as the last feedforward (its caches are "
            "used, and the weights must not have moved since); call feedforward(net, x) first"
        )
    layers = net.layers
    last = layers[-1]
    delta = net.cost.delta(last.linear_out, last.activated_out, y, last.activation)
    for l in range(len(layers) - 1, -1, -1):
        layer = layers[l]
        layer.dC_dlinear = delta
        # The first layer's input is x itself (the Julia article reads layers[end-1]
        # here, which fails for a one-layer network).
        a_prev = layers[l - 1].activated_out if l > 0 else x
        layer.dC_dweights += delta @ a_prev.T
        layer.dC_dbias += delta
        layer.accumulated += 1
        if l > 0:
            below = layers[l - 1]
            dC_da = layer.weights.T @ delta
            delta = below.activation.backward(below.linear_out, below.activated_out, dC_da)


def loss(net: Network, y: Any) -> float:
    """The cost C(a, y) of the last ``feedforward``'s output for the target y (m×1)."""
    check_weights(net)
    y = as_column(y, net.outputdim, "y", net.dtype)
    last = net.layers[-1]
    return float(net.cost.loss(last.linear_out, last.activated_out, y, last.activation)[0])


def check_optimizer(net: Network, optimizer: Any) -> None:
    """Refuse anything but None or an :class:`Optimizer` free to update ``net``."""
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer: expected SGD(...), Adam(...) or None, got {type(optimizer).__name__}"
            )
        optimizer.check_network(net)


def zero_sums(net: Network) -> None:
    """Reset every layer's ``dC_dweights``, ``dC_dbias`` and ``accumulated``."""
    for layer in net.layers:
        layer.dC_dweights[...] = 0
        layer.dC_dbias[...] = 0
        layer.accumulated = 0


def update(
    net: Network,
    lr: float,
    optimizer: Optimizer | None = None,
    *,
    l2_scale: float = 0.0,
    guard: InterruptGuard | None = None,
) -> None:
    """One gradient step from the sums, then zero them.

    The sums are divided by the number n of samples accumulated since the last
    update, g_W = dC_dweights / n + l2_scale·W and g_b = dC_dbias / n (``sgd``
    passes l2_scale = λ/N); the optimizer (plain SGD, Δ = lr·g, when None)
    turns g into a step Δ and every layer moves θ ← θ − Δ. All or nothing: a
    non-finite step raises :class:`~perceptron.errors.TrainingDiverged` and
    changes nothing, and Ctrl-C waits until every layer has moved.
    """
    check_weights(net)
    lr = check_real(lr, "lr", positive=True)
    l2_scale = check_real(l2_scale, "l2_scale", nonnegative=True)
    check_optimizer(net, optimizer)
    n = net.accumulated
    if n == 0:
        raise ValueError("net: nothing accumulated since the last update; call backpropagate first")
    params, grads = [], []
    for layer in net.layers:
        g_weights = layer.dC_dweights / n
        if l2_scale:
            g_weights += l2_scale * layer.weights
        params += [layer.weights, layer.bias]
        grads += [g_weights, layer.dC_dbias / n]
    solver = optimizer if optimizer is not None else SGD()
    with sigint_held(guard):
        solver.bind(net)
        solver.forget_weights()  # a hand update: the weights may have been edited since
        solver.step(params, grads, lr)
        zero_sums(net)
