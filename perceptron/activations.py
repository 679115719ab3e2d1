"""Activation functions σ and their derivatives, written plainly.

A layer computes z = W a_prev + b and then a = σ(z). Every function here takes
z as an m×n array whose n columns are samples (n = 1 in the per-sample loop;
a 1-D vector of length m is one sample too) and returns an array of that shape.

Backpropagation needs ∂C/∂z = (∂a/∂z)ᵀ ∂C/∂a. For an element-wise σ the
Jacobian ∂a/∂z is diagonal, so the product is the Hadamard product
σ'(z) ⊙ ∂C/∂a and ``df`` returns σ'(z) itself. Softmax is not element-wise:
every output depends on every input, its ``df`` returns the full m×m Jacobian
of one column, and :meth:`Activation.backward` multiplies by it. (The Julia
article multiplies softmax by an element-wise derivative, which is wrong.)

The training engines run the same functions as in-place kernels on their own
buffers (:mod:`perceptron.engines.kernels`), tested equal to these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .types import Array


@dataclass(frozen=True)
class Activation:
    """An activation σ: its name, σ itself, and its derivative.

    ``f(z)`` maps an m×n array to an m×n array. With ``elementwise=True``,
    ``df(z)`` returns σ'(z) element by element (m×n); otherwise ``df(z)``
    takes one m×1 column and returns its m×m Jacobian J with J[i, j] = ∂a_i/∂z_j.
    ``init`` names the initializer ``add_layer`` uses by default under it
    (He normal suits relu, Glorot normal the others).
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    elementwise: bool = True
    init: str = "glorot_normal"

    def __call__(self, z: Array) -> Array:
        return self.f(z)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        """∂C/∂z = (∂a/∂z)ᵀ ∂C/∂a for the m×n arrays z, a = σ(z) and ∂C/∂a."""
        if self.elementwise:
            return self.df(z) * dC_da  # σ'(z) ⊙ ∂C/∂a
        out = np.empty_like(dC_da)
        for j in range(z.shape[1]):
            jacobian = self.df(z[:, j : j + 1])
            out[:, j : j + 1] = jacobian.T @ dC_da[:, j : j + 1]
        return out

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _sigmoid(z: Array) -> Array:
    # Below z ≈ −709 (−88 in float32) e^{−z} is inf and 1/inf = 0, the right limit.
    with np.errstate(over="ignore", under="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _dsigmoid(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _drelu(z: Array) -> Array:
    return (z > 0).astype(z.dtype)  # 0 at the kink, as in most frameworks


def _tanh(z: Array) -> Array:
    with np.errstate(under="ignore"):
        return np.tanh(z)


def _dtanh(z: Array) -> Array:
    return 1.0 - _tanh(z) ** 2


def _identity(z: Array) -> Array:
    return np.array(z, copy=True)


def _didentity(z: Array) -> Array:
    return np.ones_like(z)


def _softmax(z: Array) -> Array:
    # Shifting each column by its largest entry keeps every exp ≤ 1.
    with np.errstate(under="ignore"):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)


def _softmax_jacobian(z: Array) -> Array:
    """Jacobian of softmax for one m×1 column: diag(s) − s sᵀ."""
    if z.ndim != 2 or z.shape[1] != 1:
        raise ValueError(f"softmax Jacobian: z must be one m×1 column, got shape {z.shape}")
    s = _softmax(z)
    return np.diagflat(s) - s @ s.T


sigmoid = Activation("sigmoid", _sigmoid, _dsigmoid)
"""σ(z) = 1/(1+e^{−z}); σ'(z) = σ(z)(1−σ(z)). Never warns for finite z."""

relu = Activation("relu", _relu, _drelu, init="he_normal")
"""σ(z) = max(0, z); σ'(z) = 1 for z > 0, else 0."""

tanh = Activation("tanh", _tanh, _dtanh)
"""σ(z) = tanh z; σ'(z) = 1 − tanh² z."""

identity = Activation("identity", _identity, _didentity)
"""σ(z) = z; σ'(z) = 1. Layers with it stay affine (see scripts/linear_collapse.py)."""

softmax = Activation("softmax", _softmax, _softmax_jacobian, elementwise=False)
"""softmax(z)_i = e^{z_i} / Σ_j e^{z_j}; its derivative is the Jacobian diag(s) − s sᵀ."""

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (sigmoid, relu, tanh, identity, softmax)}


def get_activation(activation: Activation | str) -> Activation:
    """Return the built-in activation named ``activation``, or ``activation`` itself."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(
                f"activation: expected one of {sorted(ACTIVATIONS)} or an Activation, "
                f"got {activation!r}"
            ) from None
    raise TypeError(
        f"activation: expected an Activation or one of {sorted(ACTIVATIONS)}, "
        f"got {type(activation).__name__}"
    )
