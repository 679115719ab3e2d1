"""Activation functions σ and their derivatives.

A layer computes z = W a_prev + b and then a = σ(z). Every function here takes
z as an m×n array whose n columns are samples (n = 1 in the per-sample loop)
and returns an array of the same shape.

Backpropagation needs ∂C/∂z = (∂a/∂z)ᵀ ∂C/∂a. For an element-wise σ the
Jacobian ∂a/∂z is diagonal, so the product is the Hadamard product
σ'(z) ⊙ ∂C/∂a and ``df`` returns σ'(z) itself. Softmax is not element-wise:
every output depends on every input, its ``df`` returns the full m×m Jacobian
of one column, and :meth:`Activation.backward` multiplies by it. (The Julia
article multiplies softmax by an element-wise derivative, which is wrong.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Activation:
    """An activation σ: its name, σ itself, and its derivative.

    ``f(z)`` maps an m×n array to an m×n array. With ``elementwise=True``,
    ``df(z)`` returns σ'(z) element by element (m×n); otherwise ``df(z)``
    takes one m×1 column and returns its m×m Jacobian J with J[i, j] = ∂a_i/∂z_j.
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    elementwise: bool = True
    # dC/dz from (z, a, dC/da) without forming the Jacobian; optional speed-up for
    # non-element-wise activations that know their vector-Jacobian product.
    vjp: Callable[[Array, Array, Array], Array] | None = None

    def __call__(self, z: Array) -> Array:
        return self.f(z)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        """∂C/∂z = (∂a/∂z)ᵀ ∂C/∂a for the m×n arrays z, a = σ(z) and ∂C/∂a."""
        if self.elementwise:
            return self.df(z) * dC_da
        if self.vjp is not None:
            return self.vjp(z, a, dC_da)
        out = np.empty_like(dC_da)
        for j in range(z.shape[1]):
            jacobian = self.df(z[:, j : j + 1])
            out[:, j : j + 1] = jacobian.T @ dC_da[:, j : j + 1]
        return out

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A copied or unpickled built-in must stay the very object: training tests
        # ``activation is softmax`` to choose the fused softmax/cross-entropy path.
        if ACTIVATIONS.get(self.name) is self:
            return (get_activation, (self.name,))
        return super().__reduce_ex__(protocol)


def _sigmoid(z: Array) -> Array:
    # 1/(1+e^{-z}) for z >= 0 and e^{z}/(1+e^{z}) for z < 0: both forms only ever
    # exponentiate a non-positive number, so no finite z overflows or warns. e^{-|z|}
    # underflows to 0 for |z| > ~745, which is the right limit: ignore that flag.
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def _dsigmoid(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0).astype(z.dtype, copy=False)


def _drelu(z: Array) -> Array:
    # The derivative at the kink z = 0 is taken as 0, as in most frameworks.
    return (z > 0).astype(z.dtype)


def _tanh(z: Array) -> Array:
    return np.tanh(z)


def _dtanh(z: Array) -> Array:
    t = np.tanh(z)
    return 1.0 - t * t


def _identity(z: Array) -> Array:
    return z.copy()


def _didentity(z: Array) -> Array:
    return np.ones_like(z)


def _softmax(z: Array) -> Array:
    # Subtracting the column maximum changes nothing mathematically and keeps exp ≤ 1.
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _dsoftmax(z: Array) -> Array:
    """Jacobian of softmax for one m×1 column: diag(s) − s sᵀ."""
    if z.ndim != 2 or z.shape[1] != 1:
        raise ValueError(f"softmax Jacobian: z must be one m×1 column, got shape {z.shape}")
    s = _softmax(z)
    return np.diagflat(s) - s @ s.T


def _softmax_vjp(z: Array, a: Array, g: Array) -> Array:
    # (diag(s) − s sᵀ) g = s ⊙ (g − sᵀg), column by column; the Jacobian is symmetric.
    return a * (g - (a * g).sum(axis=0, keepdims=True))


sigmoid = Activation("sigmoid", _sigmoid, _dsigmoid)
"""σ(z) = 1/(1+e^{−z}); σ'(z) = σ(z)(1−σ(z)). Never overflows for finite z."""

relu = Activation("relu", _relu, _drelu)
"""σ(z) = max(0, z); σ'(z) = 1 for z > 0, else 0."""

tanh = Activation("tanh", _tanh, _dtanh)
"""σ(z) = tanh z; σ'(z) = 1 − tanh² z."""

identity = Activation("identity", _identity, _didentity)
"""σ(z) = z; σ'(z) = 1. Layers with it stay affine (see scripts/linear_collapse.py)."""

softmax = Activation("softmax", _softmax, _dsoftmax, elementwise=False, vjp=_softmax_vjp)
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
