"""Cost functions C(a, y), their gradients ∂C/∂a, and the output layer's δ.

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

``quadratic`` is what the Julia article calls "MSE" and Nielsen's book calls
the quadratic cost; ``mse`` is the mean squared error of the article on the
maths of backpropagation, whose one-output derivative is 2(a − y).
``cross_entropy`` is the categorical cross-entropy of the article on the
spiral. Its targets must be probability vectors.

As in Nielsen's ``network2.py``, the cost owns the output layer's error
δ = ∂C/∂z (:meth:`Cost.delta`): by default (∂a/∂z)ᵀ ∂C/∂a, but under a softmax
output cross-entropy's δ is simply a − y (the Jacobian and −y/a cancel), and its
loss is computed from log-softmax(z), so log 0 never happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import Activation, softmax
from .types import Array

# The spiral article clips probabilities to [1e-7, 1 − 1e-7] before the log; so do we
# when cross-entropy sits on an output that is not softmax.
CLIP = 1e-7

Delta = Callable[[Array, Array, Array, Activation], Array]
Loss = Callable[[Array, Array, Array, Activation], Array]


@dataclass(frozen=True)
class Cost:
    """A cost: its name, C(a, y) per column, and ∂C/∂a.

    ``delta(z, a, y, activation)`` and ``loss(z, a, y, activation)`` give the
    output layer's δ (m×n) and per-column cost from that layer's z, a = σ(z) and
    the target y; a cost that does not provide them gets the general forms
    (∂a/∂z)ᵀ df(a, y) and f(a, y). ``check_output(activation)`` may return why
    training cannot learn with that output activation (``sgd`` refuses such a
    network before any work). ``probability_targets``: every target column must
    be a probability vector (``sgd`` and ``backpropagate`` check it). ``fused_with``:
    the name of the output activation under which ``delta`` skips ∂C/∂a (δ = a − y).
    """

    name: str
    f: Callable[[Array, Array], Array]
    df: Callable[[Array, Array], Array]
    delta: Delta = field(default=None, repr=False)  # type: ignore[assignment]
    loss: Loss = field(default=None, repr=False)  # type: ignore[assignment]
    check_output: Callable[[Activation], str | None] | None = field(default=None, repr=False)
    probability_targets: bool = False
    fused_with: str | None = None

    def __post_init__(self) -> None:
        if self.delta is None:
            object.__setattr__(self, "delta", self._chain_rule)
        if self.loss is None:
            object.__setattr__(self, "loss", self._loss_of_output)

    def _chain_rule(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        # δ = (∂a/∂z)ᵀ ∂C/∂a
        return activation.backward(z, a, self.df(a, y))

    def _loss_of_output(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        return self.f(a, y)

    def __call__(self, a: Array, y: Array) -> Array:
        return self.f(a, y)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cost):
            return NotImplemented
        return (self.name, self.f, self.df) == (other.name, other.f, other.df)

    def __hash__(self) -> int:
        return hash((self.name, self.f, self.df))

    def __repr__(self) -> str:
        return f"Cost({self.name!r})"


def _squared_norms(d: Array) -> Array:
    return np.einsum("ij,ij->j", d, d)


def _quadratic(a: Array, y: Array) -> Array:
    return 0.5 * _squared_norms(a - y)


def _dquadratic(a: Array, y: Array) -> Array:
    return a - y


def _mse(a: Array, y: Array) -> Array:
    return _squared_norms(a - y) / a.shape[0]


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


def _cross_entropy_delta(z: Array, a: Array, y: Array, activation: Activation) -> Array:
    if activation == softmax:
        return a - y
    return activation.backward(z, a, _dcross_entropy(a, y))


def _cross_entropy_loss(z: Array, a: Array, y: Array, activation: Activation) -> Array:
    if activation == softmax:
        return cross_entropy_from_logits(z, y)
    return _cross_entropy(a, y)


def _cross_entropy_output(activation: Activation) -> str | None:
    if activation == softmax:
        return None
    return (
        f"cross_entropy needs outputs that sum to one (a softmax output layer), but the "
        f"output layer is {activation.name}: with it the loss falls to 0 while the "
        "predictions stay wrong. Use output_activation='softmax' (network() does so by "
        "default for cross_entropy), or the cost 'quadratic' or 'mse'"
    )


quadratic = Cost("quadratic", _quadratic, _dquadratic)
mse = Cost("mse", _mse, _dmse)
cross_entropy = Cost(
    "cross_entropy",
    _cross_entropy,
    _dcross_entropy,
    delta=_cross_entropy_delta,
    loss=_cross_entropy_loss,
    check_output=_cross_entropy_output,
    probability_targets=True,
    fused_with="softmax",
)

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
