"""Checking backpropagation against central finite differences."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .checks import as_column, check_real, check_weights
from .structs import Network
from .training import backpropagate, feedforward, loss
from .types import Array


def _float64_copy(net: Network) -> Network:
    """A copy of ``net`` in float64 (finite differences need the precision)."""
    probe = copy.deepcopy(net)
    probe.dtype = np.dtype(np.float64)
    for layer in probe.layers:
        for name in ("weights", "bias", "dC_dweights", "dC_dbias"):
            setattr(layer, name, getattr(layer, name).astype(np.float64))
        layer.dC_dweights[...] = 0
        layer.dC_dbias[...] = 0
        layer.accumulated = 0
    return probe


def _cost(net: Network, x: Array, y: Array) -> float:
    feedforward(net, x)
    return loss(net, y)


def numerical_gradients(
    net: Network, x: Any, y: Any, eps: float = 1e-6
) -> list[tuple[Array, Array]]:
    """∂C/∂W and ∂C/∂b of every layer by central differences (C(θ+ε) − C(θ−ε)) / 2ε.

    Works on a float64 copy of the network; ``net`` is left unchanged.
    """
    check_weights(net)
    eps = check_real(eps, "eps", positive=True)
    xc = as_column(x, net.inputdim, "x", np.float64)
    yc = as_column(y, net.outputdim, "y", np.float64)
    probe = _float64_copy(net)
    grads = []
    for layer in probe.layers:
        pair = []
        for theta in (layer.weights, layer.bias):
            g = np.zeros_like(theta)
            for index in np.ndindex(theta.shape):
                saved = theta[index]
                theta[index] = saved + eps
                plus = _cost(probe, xc, yc)
                theta[index] = saved - eps
                minus = _cost(probe, xc, yc)
                theta[index] = saved
                g[index] = (plus - minus) / (2 * eps)
            pair.append(g)
        grads.append((pair[0], pair[1]))
    return grads


def backprop_gradients(net: Network, x: Any, y: Any) -> list[tuple[Array, Array]]:
    """One sample's ∂C/∂W and ∂C/∂b from feedforward + backpropagate, on a copy."""
    check_weights(net)
    xc = as_column(x, net.inputdim, "x", np.float64)
    yc = as_column(y, net.outputdim, "y", np.float64)
    probe = _float64_copy(net)
    feedforward(probe, xc)
    backpropagate(probe, xc, yc)
    return [(layer.dC_dweights.copy(), layer.dC_dbias.copy()) for layer in probe.layers]


def gradient_check(net: Network, x: Any, y: Any, eps: float = 1e-6) -> float:
    """Largest relative error between backpropagation and finite differences.

    For each parameter θ: |g_bp − g_fd| / max(|g_bp| + |g_fd|, 1e-8); the
    maximum over all parameters of all layers is returned. Values around 1e-7
    or below mean backpropagation agrees with the cost it differentiates.
    The network is not changed.
    """
    analytic = backprop_gradients(net, x, y)
    numeric = numerical_gradients(net, x, y, eps)
    worst = 0.0
    for (aw, ab), (nw, nb) in zip(analytic, numeric, strict=True):
        for a, n in ((aw, nw), (ab, nb)):
            error = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            worst = max(worst, float(error.max()))
    return worst
