"""One forward and backward pass over many rows at once, stopping at the first non-finite number.

Columns are samples (X.T is k×N): z[l] = W[l] a[l−1] + b[l], a[l] = σ(z[l]),
δ at the output from the cost, δ[l] = σ′(z[l]) ⊙ W[l+1]ᵀ δ[l+1] below, and
∂C/∂W[l] = δ[l] a[l−1]ᵀ / N, the mean gradient of the rows. The network's own
caches are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..structs import Network
from ..types import Array
from .finding import Finding


@dataclass
class Caches:
    """z, a, δ and the mean weight gradient of every layer, over the sampled rows."""

    z: list[Array] = field(default_factory=list)
    a: list[Array] = field(default_factory=list)
    delta: list[Array] = field(default_factory=list)
    grad: list[Array] = field(default_factory=list)


def _not_finite(l: int, what: str, values: Array, why: str) -> Finding | None:
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    kinds = "NaN" if np.isnan(values).any() else "inf"
    return Finding(
        "not_finite",
        l,
        "error",
        f"{what} holds {int(bad.sum())} non-finite value{'s' if bad.sum() > 1 else ''} ({kinds}) "
        f"of {values.size}, the first place in the network where one appears; {why}",
    )


FIX_PARAMS = (
    "every output computed through it is NaN and no step can repair it: re-initialise "
    "the network (a diverged run left it so: lower the learning rate)"
)
FIX_FORWARD = (
    "the weights are finite, so the numbers overflowed on the way: scale the inputs and "
    "lower the learning rate or the initial weights"
)


def forward(net: Network, X: Array, caches: Caches) -> Finding | None:
    """Fill z and a layer by layer; the first non-finite weight, bias, z or a, if any."""
    a = X.T
    for l, layer in enumerate(net.layers):
        for what, values in (("weights", layer.weights), ("bias", layer.bias)):
            name = f"W[{l}]" if what == "weights" else f"b[{l}]"
            found = _not_finite(l, name, values, FIX_PARAMS)
            if found:
                return found
        with np.errstate(all="ignore"):
            z = layer.weights @ a + layer.bias
            a = layer.activation.f(z)
        for what, values in ((f"z[{l}]", z), (f"a[{l}]", a)):
            found = _not_finite(l, what, values, FIX_FORWARD)
            if found:
                return found
        caches.z.append(z)
        caches.a.append(a)
    return None


def backward(net: Network, X: Array, Y: Array, caches: Caches) -> Finding | None:
    """Fill δ and the mean weight gradients from the output down; the first non-finite one."""
    L, n = len(net.layers), X.shape[0]
    caches.delta = [np.empty(0)] * L
    caches.grad = [np.empty(0)] * L
    last = net.layers[-1]
    with np.errstate(all="ignore"):
        delta = net.cost.delta(caches.z[-1], caches.a[-1], Y, last.activation)
    for l in range(L - 1, -1, -1):
        a_prev = caches.a[l - 1] if l > 0 else X.T
        with np.errstate(all="ignore"):
            grad = delta @ a_prev.T / n
        for what, values in ((f"δ[{l}]", delta), (f"∂C/∂W[{l}]", grad)):
            found = _not_finite(l, what, values, FIX_FORWARD)
            if found:
                return found
        caches.delta[l], caches.grad[l] = delta, grad
        if l > 0:
            below = net.layers[l - 1]
            with np.errstate(all="ignore"):
                delta = below.activation.backward(
                    caches.z[l - 1], caches.a[l - 1], net.layers[l].weights.T @ delta
                )
    return None
