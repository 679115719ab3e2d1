"""In-place kernels: the activations and output deltas, run on the engines' own buffers.

The plain functions of :mod:`perceptron.activations` and :mod:`perceptron.costs`
allocate a new array per call, which is what a reader wants and what the fast
engines cannot afford. Here each built-in is written again as kernels that
write into given buffers (tested equal to the plain functions):

* ``forward(z, out, s)``: out = σ(z);
* ``backward(z, a, g, out, t, s)``: out = (∂a/∂z)ᵀ g (``out`` may be ``g``);
* ``delta(z, a, y, out, t, s)``: the output layer's δ for a cost.

``t`` is scratch shaped like z and ``s`` scratch with one row (per-column
reductions). An activation or cost without a kernel here (one a user made) runs
through its plain functions instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..activations import Activation, identity, relu, sigmoid, softmax, tanh
from ..costs import Cost, cross_entropy, mse, quadratic
from ..types import Array

Forward = Callable[[Array, Array, Array], None]
Backward = Callable[[Array, Array, Array, Array, Array, Array], None]
DeltaInto = Callable[[Array, Array, Array, Array, Array, Array], None]


def _sigmoid(z: Array, out: Array, s: Array) -> None:
    np.negative(z, out=out)  # 1 / (1 + e^{−z}); e^{−z} = inf gives the right limit 0
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.reciprocal(out, out=out)


def _dsigmoid(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    np.subtract(1.0, a, out=t)  # σ'(z) = a(1 − a)
    np.multiply(t, a, out=t)
    np.multiply(t, g, out=out)


def _relu(z: Array, out: Array, s: Array) -> None:
    np.maximum(z, 0.0, out=out)


def _drelu(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    np.greater(z, 0.0, out=t)  # σ'(z) = 1 for z > 0, else 0
    np.multiply(t, g, out=out)


def _tanh(z: Array, out: Array, s: Array) -> None:
    np.tanh(z, out=out)


def _dtanh(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    np.multiply(a, a, out=t)  # σ'(z) = 1 − a²
    np.subtract(1.0, t, out=t)
    np.multiply(t, g, out=out)


def _identity(z: Array, out: Array, s: Array) -> None:
    np.copyto(out, z)


def _didentity(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    if out is not g:
        np.copyto(out, g)


def _softmax(z: Array, out: Array, s: Array) -> None:
    np.maximum.reduce(z, axis=0, keepdims=True, out=s)  # e^{z − max z} / Σ e^{z − max z}
    np.subtract(z, s, out=out)
    np.exp(out, out=out)
    np.add.reduce(out, axis=0, keepdims=True, out=s)
    np.divide(out, s, out=out)


def _dsoftmax(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    # (diag(a) − a aᵀ) g = a ⊙ (g − aᵀg): the Jacobian's product, never the Jacobian.
    np.multiply(a, g, out=t)
    np.add.reduce(t, axis=0, keepdims=True, out=s)
    np.subtract(g, s, out=t)
    np.multiply(a, t, out=out)


ACTIVATION_KERNELS: dict[Activation, tuple[Forward, Backward]] = {
    sigmoid: (_sigmoid, _dsigmoid),
    relu: (_relu, _drelu),
    tanh: (_tanh, _dtanh),
    identity: (_identity, _didentity),
    softmax: (_softmax, _dsoftmax),
}


def _columns(v: Array) -> Array:
    return v if v.ndim == 2 else v.reshape(-1, 1)


def activation_kernels(activation: Activation) -> tuple[Forward, Backward]:
    """(forward, backward) for ``activation``: its kernels, or its plain functions."""
    found = ACTIVATION_KERNELS.get(activation)
    if found is not None:
        return found

    def forward(z: Array, out: Array, s: Array) -> None:
        out[...] = activation.f(_columns(z)).reshape(out.shape)

    def backward(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
        out[...] = activation.backward(_columns(z), _columns(a), _columns(g)).reshape(out.shape)

    return forward, backward


def _quadratic_delta(scale: float, backward: Backward) -> DeltaInto:
    def delta(z: Array, a: Array, y: Array, out: Array, t: Array, s: Array) -> None:
        np.subtract(a, y, out=out)  # ∂C/∂a = a − y (quadratic), (2/m)(a − y) (mse)
        if scale:
            np.multiply(out, scale / a.shape[0], out=out)
        backward(z, a, out, out, t, s)

    return delta


def _cross_entropy_delta(scale: float, backward: Backward) -> DeltaInto:
    # sgd trains cross-entropy only under softmax (Cost.check_output), where δ = a − y.
    def delta(z: Array, a: Array, y: Array, out: Array, t: Array, s: Array) -> None:
        np.subtract(a, y, out=out)

    return delta


# cost: (the delta kernel's maker, c when C(a, y) = c‖a − y‖² for every column, else 0)
COST_KERNELS: dict[Cost, tuple[Callable[[float, Backward], DeltaInto], float, float]] = {
    quadratic: (_quadratic_delta, 0.0, 0.5),
    mse: (_quadratic_delta, 2.0, -1.0),
    cross_entropy: (_cross_entropy_delta, 0.0, 0.0),
}


def delta_kernel(cost: Cost, activation: Activation) -> DeltaInto:
    """The output layer's δ for ``cost`` under ``activation``, written in place."""
    backward = activation_kernels(activation)[1]
    found = COST_KERNELS.get(cost)
    if found is not None and (cost.check_output is None or not cost.check_output(activation)):
        return found[0](found[1], backward)

    def general(z: Array, a: Array, y: Array, out: Array, t: Array, s: Array) -> None:
        d = cost.delta(_columns(z), _columns(a), _columns(y), activation)
        out[...] = d.reshape(out.shape)

    return general


def squares_factor(cost: Cost, outsize: int) -> float:
    """c when C(a, y) = c‖a − y‖² for every column (0 otherwise): the engines then sum
    the losses of a block with one dot product (mse: c = 1/m)."""
    found = COST_KERNELS.get(cost)
    if found is None:
        return 0.0
    return found[2] if found[2] >= 0 else 1.0 / outsize
