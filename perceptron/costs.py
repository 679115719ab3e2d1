"""Cost functions C(a, y) and their gradients ∂C/∂a.

``a`` is the network's output and ``y`` the target, both m×n arrays whose n
columns are samples. ``f`` returns the cost of each column (shape (n,));
``df`` returns ∂C/∂a column by column (m×n).

Three costs appear in the articles, under names that collide, so each has its
own name here:

=================  =========================  ====================
name               C(a, y) for one column     ∂C/∂a
=================  =========================  ====================
``quadratic``      ½ Σ_i (a_i − y_i)²         a − y
``mse``            (1/m) Σ_i (a_i − y_i)²     (2/m)(a − y)
``cross_entropy``  −Σ_i y_i log a_i           −y / a
=================  =========================  ====================

``quadratic`` is what the Julia article calls "MSE" and seed 001 calls the
quadratic cost; ``mse`` is seed 002's mean squared error, whose one-output
derivative is the 2(a − y) of its equations. ``cross_entropy`` is seed 003's
categorical cross-entropy. Its targets must be probability vectors. Under a
softmax output the network never uses ``df``: the product of the softmax
Jacobian and −y/a simplifies to a − y, and the loss is computed from
log-softmax(z), so log 0 never happens (see :func:`cross_entropy_from_logits`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

# Seed 003 clips probabilities to [1e-7, 1 − 1e-7] before the log; we do the same
# when cross-entropy sits on an output that is not softmax.
CLIP = 1e-7


@dataclass(frozen=True)
class Cost:
    """A cost: its name, C(a, y) per column, and ∂C/∂a."""

    name: str
    f: Callable[[Array, Array], Array]
    df: Callable[[Array, Array], Array]

    def __call__(self, a: Array, y: Array) -> Array:
        return self.f(a, y)

    def __repr__(self) -> str:
        return f"Cost({self.name!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A copied or unpickled built-in must stay the very object: training tests
        # ``cost is cross_entropy`` to choose the fused softmax/cross-entropy path.
        if COSTS.get(self.name) is self:
            return (get_cost, (self.name,))
        return super().__reduce_ex__(protocol)


def _quadratic(a: Array, y: Array) -> Array:
    d = a - y
    return 0.5 * np.einsum("ij,ij->j", d, d)


def _dquadratic(a: Array, y: Array) -> Array:
    return a - y


def _mse(a: Array, y: Array) -> Array:
    d = a - y
    return np.einsum("ij,ij->j", d, d) / a.shape[0]


def _dmse(a: Array, y: Array) -> Array:
    return (2.0 / a.shape[0]) * (a - y)


def _cross_entropy(a: Array, y: Array) -> Array:
    return -np.einsum("ij,ij->j", y, np.log(np.clip(a, CLIP, 1.0 - CLIP)))


def _dcross_entropy(a: Array, y: Array) -> Array:
    return -y / np.clip(a, CLIP, 1.0 - CLIP)


def cross_entropy_from_logits(z: Array, y: Array) -> Array:
    """−Σ_i y_i log softmax(z)_i per column, through log-softmax (no log 0)."""
    shifted = z - z.max(axis=0, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return -np.einsum("ij,ij->j", y, log_softmax)


quadratic = Cost("quadratic", _quadratic, _dquadratic)
mse = Cost("mse", _mse, _dmse)
cross_entropy = Cost("cross_entropy", _cross_entropy, _dcross_entropy)

COSTS: dict[str, Cost] = {c.name: c for c in (quadratic, mse, cross_entropy)}


def get_cost(cost: Cost | str) -> Cost:
    """Return the built-in cost named ``cost``, or ``cost`` itself."""
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, str):
        try:
            return COSTS[cost]
        except KeyError:
            raise ValueError(
                f"cost: expected one of {sorted(COSTS)} or a Cost, got {cost!r}"
            ) from None
    raise TypeError(f"cost: expected a Cost or one of {sorted(COSTS)}, got {type(cost).__name__}")
