"""Activation functions σ and their derivatives.

A layer computes z = W a_prev + b and then a = σ(z). Every function here takes
z as an m×n array whose n columns are samples (n = 1 in the per-sample loop;
a 1-D vector of length m is one sample too) and returns an array of that shape.

Backpropagation needs ∂C/∂z = (∂a/∂z)ᵀ ∂C/∂a. For an element-wise σ the
Jacobian ∂a/∂z is diagonal, so the product is the Hadamard product
σ'(z) ⊙ ∂C/∂a and ``df`` returns σ'(z) itself. Softmax is not element-wise:
every output depends on every input, its ``df`` returns the full m×m Jacobian
of one column, and :meth:`Activation.backward` multiplies by it. (The Julia
article multiplies softmax by an element-wise derivative, which is wrong.)

Each built-in is written once, as two in-place kernels: ``forward_into(z, out,
s)`` writes σ(z) into ``out``, ``backward_into(z, a, g, out, t, s)`` writes
(∂a/∂z)ᵀ g into ``out`` (``t`` is scratch shaped like z, ``s`` scratch with one
row; ``out`` may be ``g``). ``f``, ``df`` and :meth:`~Activation.backward` call
them; the training engines call them on their own buffers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .types import Array

Forward = Callable[[Array, Array, Array], None]
Backward = Callable[[Array, Array, Array, Array, Array, Array], None]


def _one_row(z: Array) -> Array:
    """Scratch with the shape of one row of z (the per-column reductions land there)."""
    return np.empty((1,) + z.shape[1:], dtype=z.dtype)


def _as_columns(v: Array) -> Array:
    return v if v.ndim == 2 else v.reshape(-1, 1)


@dataclass(frozen=True)
class Activation:
    """An activation σ: its name, σ itself, and its derivative.

    ``f(z)`` maps an m×n array to an m×n array. With ``elementwise=True``,
    ``df(z)`` returns σ'(z) element by element (m×n); otherwise ``df(z)``
    takes one m×1 column and returns its m×m Jacobian J with J[i, j] = ∂a_i/∂z_j.
    ``f_into`` and ``vjp_into`` are optional in-place kernels (see the module
    docstring); an activation without them is run through ``f`` and ``df``.
    Two activations are equal when their name, functions and kernels are.
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    elementwise: bool = True
    f_into: Forward | None = field(default=None, repr=False)
    vjp_into: Backward | None = field(default=None, repr=False)

    def __call__(self, z: Array) -> Array:
        return self.f(z)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        """∂C/∂z = (∂a/∂z)ᵀ ∂C/∂a for the m×n arrays z, a = σ(z) and ∂C/∂a."""
        if self.vjp_into is not None:
            out = np.empty_like(dC_da)
            self.vjp_into(z, a, dC_da, out, np.empty_like(z), _one_row(z))
            return out
        if self.elementwise:
            return self.df(z) * dC_da
        out = np.empty_like(dC_da)
        for j in range(z.shape[1]):
            jacobian = self.df(z[:, j : j + 1])
            out[:, j : j + 1] = jacobian.T @ dC_da[:, j : j + 1]
        return out

    def forward_into(self, z: Array, out: Array, s: Array) -> None:
        """out = σ(z), in place when the activation has a kernel."""
        if self.f_into is not None:
            self.f_into(z, out, s)
        else:
            out[...] = self.f(_as_columns(z)).reshape(out.shape)

    def backward_into(self, z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
        """out = (∂a/∂z)ᵀ g, in place when the activation has a kernel."""
        if self.vjp_into is not None:
            self.vjp_into(z, a, g, out, t, s)
        else:
            dz = self.backward(_as_columns(z), _as_columns(a), _as_columns(g))
            out[...] = dz.reshape(out.shape)

    def kernels(self) -> tuple[Forward, Backward]:
        """(forward_into, backward_into) as plain callables: the kernels themselves
        when the activation has them, else the general methods."""
        return (self.f_into or self.forward_into, self.vjp_into or self.backward_into)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _apply(f_into: Forward, z: Array) -> Array:
    """σ(z) as a new array, from σ's in-place kernel."""
    out = np.empty_like(z)
    with np.errstate(over="ignore", under="ignore"):
        f_into(z, out, _one_row(z))
    return out


def _slope(f_into: Forward, vjp_into: Backward, z: Array) -> Array:
    """σ'(z) of an element-wise σ: its vector-Jacobian kernel applied to ones."""
    out = np.ones_like(z)
    vjp_into(z, _apply(f_into, z), out, out, np.empty_like(z), _one_row(z))
    return out


def _sigmoid_into(z: Array, out: Array, s: Array) -> None:
    # σ(z) = 1/(1 + e^{−z}). Below z ≈ −709 (−88 in float32) e^{−z} is inf and
    # 1/inf = 0, the correctly rounded limit; callers ignore that overflow flag.
    np.negative(z, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.reciprocal(out, out=out)


def _sigmoid_vjp(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    # σ'(z) = σ(z)(1 − σ(z)) = a(1 − a)
    np.subtract(1.0, a, out=t)
    np.multiply(t, a, out=t)
    np.multiply(t, g, out=out)


def _relu_into(z: Array, out: Array, s: Array) -> None:
    np.maximum(z, 0.0, out=out)


def _relu_vjp(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    # σ'(z) = 1 for z > 0, else 0 (0 at the kink, as in most frameworks)
    np.greater(z, 0.0, out=t)
    np.multiply(t, g, out=out)


def _tanh_into(z: Array, out: Array, s: Array) -> None:
    np.tanh(z, out=out)


def _tanh_vjp(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    # σ'(z) = 1 − tanh² z = 1 − a²
    np.multiply(a, a, out=t)
    np.subtract(1.0, t, out=t)
    np.multiply(t, g, out=out)


def _identity_into(z: Array, out: Array, s: Array) -> None:
    np.copyto(out, z)


def _identity_vjp(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    if out is not g:
        np.copyto(out, g)


def _softmax_into(z: Array, out: Array, s: Array) -> None:
    # e^{z − max z} / Σ e^{z − max z}, column by column: the shift keeps exp ≤ 1.
    np.maximum.reduce(z, axis=0, keepdims=True, out=s)
    np.subtract(z, s, out=out)
    np.exp(out, out=out)
    np.add.reduce(out, axis=0, keepdims=True, out=s)
    np.divide(out, s, out=out)


def _softmax_vjp(z: Array, a: Array, g: Array, out: Array, t: Array, s: Array) -> None:
    # (diag(a) − a aᵀ) g = a ⊙ (g − aᵀg): the Jacobian's product, never the Jacobian.
    np.multiply(a, g, out=t)
    np.add.reduce(t, axis=0, keepdims=True, out=s)
    np.subtract(g, s, out=t)
    np.multiply(a, t, out=out)


def _softmax_jacobian(z: Array) -> Array:
    """Jacobian of softmax for one m×1 column: diag(s) − s sᵀ."""
    if z.ndim != 2 or z.shape[1] != 1:
        raise ValueError(f"softmax Jacobian: z must be one m×1 column, got shape {z.shape}")
    s = _softmax(z)
    return np.diagflat(s) - s @ s.T


def _sigmoid(z: Array) -> Array:
    return _apply(_sigmoid_into, z)


def _dsigmoid(z: Array) -> Array:
    return _slope(_sigmoid_into, _sigmoid_vjp, z)


def _relu(z: Array) -> Array:
    return _apply(_relu_into, z)


def _drelu(z: Array) -> Array:
    return _slope(_relu_into, _relu_vjp, z)


def _tanh(z: Array) -> Array:
    return _apply(_tanh_into, z)


def _dtanh(z: Array) -> Array:
    return _slope(_tanh_into, _tanh_vjp, z)


def _identity(z: Array) -> Array:
    return _apply(_identity_into, z)


def _didentity(z: Array) -> Array:
    return _slope(_identity_into, _identity_vjp, z)


def _softmax(z: Array) -> Array:
    return _apply(_softmax_into, z)


sigmoid = Activation("sigmoid", _sigmoid, _dsigmoid, True, _sigmoid_into, _sigmoid_vjp)
"""σ(z) = 1/(1+e^{−z}); σ'(z) = σ(z)(1−σ(z)). Never warns for finite z."""

relu = Activation("relu", _relu, _drelu, True, _relu_into, _relu_vjp)
"""σ(z) = max(0, z); σ'(z) = 1 for z > 0, else 0."""

tanh = Activation("tanh", _tanh, _dtanh, True, _tanh_into, _tanh_vjp)
"""σ(z) = tanh z; σ'(z) = 1 − tanh² z."""

identity = Activation("identity", _identity, _didentity, True, _identity_into, _identity_vjp)
"""σ(z) = z; σ'(z) = 1. Layers with it stay affine (see scripts/linear_collapse.py)."""

softmax = Activation("softmax", _softmax, _softmax_jacobian, False, _softmax_into, _softmax_vjp)
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
