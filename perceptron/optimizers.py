"""Optimizers: how a mean gradient g becomes a step Δ, with θ ← θ − Δ.

The formulas are those of the article on the spiral. With t the number of
updates already made (t = 0 at the first) and the decayed rate
ηₜ = η / (1 + decay·t):

Plain SGD (``optimizer=None``, or ``SGD()``)::

    Δ = η g

``SGD(momentum=β, decay=d)``::

    v ← β v − ηₜ g          (v starts at zero)
    Δ = −v

``Adam(beta1=β₁, beta2=β₂, epsilon=ε, decay=d)``::

    m ← β₁ m + (1 − β₁) g                   v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁^(t+1))                  v̂ = v / (1 − β₂^(t+1))
    Δ = ηₜ m̂ / (√v̂ + ε)

An optimizer's state (t and one array per parameter for each moment) belongs
to the first network it updates; passing it another network raises
``ValueError``. Its state carries over when the same object is passed to a
later ``sgd`` call, and :meth:`Optimizer.state_dict` /
:meth:`Optimizer.load_state_dict` give it as named arrays.

:meth:`Optimizer.step` is all-or-nothing: it computes every Δ and the new
state first, and raises :class:`~perceptron.errors.TrainingDiverged` before
anything changes if a step or a new weight would not be finite.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import check_real
from .errors import TrainingDiverged
from .types import Array

if TYPE_CHECKING:
    from .network import Network


DIVERGED = (
    "the gradient or the step is not finite; the network keeps its last finite weights. "
    "Try a smaller lr, another cost or initializer, or scale the inputs"
)


def _norm(a: Array) -> float:
    """‖a‖₂ (inf if it overflows or a holds a non-finite number): a bound on every |aᵢ|."""
    flat = a.reshape(-1)
    return math.sqrt(float(flat @ flat))


class Optimizer:
    """Base class: t, the decay, the state's owner and the all-or-nothing step."""

    #: Names of the per-parameter state arrays (one set per parameter θ_i).
    moments: tuple[str, ...] = ()

    def __init__(self, decay: float = 0.0) -> None:
        self.decay = check_real(decay, "decay", nonnegative=True)
        self.t = 0
        self.state: dict[str, list[Array]] = {}
        self._network: weakref.ReferenceType[Network] | None = None
        self._shapes: list[tuple[int, ...]] | None = None
        self._bound: float | None = None  # ≥ every |θᵢ| while only steps move θ

    # -- pickling: the owner travels with the optimizer, as a weak reference again ----
    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_network"] = self._network() if self._network is not None else None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        owner = state.pop("_network")
        self.__dict__.update(state)
        self._network = weakref.ref(owner) if owner is not None else None

    # -- ownership ------------------------------------------------------------
    def check_network(self, net: Network) -> None:
        """Refuse a network other than the one this optimizer's state belongs to."""
        owner = self._network() if self._network is not None else None
        if self._network is not None and owner is not net:
            raise ValueError(
                "optimizer: this optimizer already holds the state of another network; "
                "create a new optimizer for each network"
            )
        shapes = [p.shape for layer in net.layers for p in (layer.weights, layer.bias)]
        if self._shapes is not None and shapes != self._shapes:
            raise ValueError(
                "optimizer: the network's layers changed shape since this optimizer was "
                "first used; create a new optimizer"
            )

    def bind(self, net: Network) -> None:
        """Make ``net`` the owner of the state; its moments start at zero."""
        if self._network is not None and self._network() is net:
            return  # bound already (the shapes were checked before training began)
        self.check_network(net)
        if self._network is None:
            params = [p for layer in net.layers for p in (layer.weights, layer.bias)]
            self._network = weakref.ref(net)
            self._shapes = [p.shape for p in params]
            self.state = {name: [np.zeros_like(p) for p in params] for name in self.moments}

    def rate(self, lr: float) -> float:
        """ηₜ = η / (1 + decay·t)."""
        return lr / (1.0 + self.decay * self.t)

    # -- the step ---------------------------------------------------------------
    def step(self, params: Sequence[Array], grads: Sequence[Array], lr: float) -> None:
        """θ ← θ − Δ(g) for every parameter, all or nothing; then t ← t + 1.

        ``params`` are the arrays θ to move in place (W₀, b₀, W₁, b₁, …) and
        ``grads`` their mean gradients g, which this call may overwrite.
        Raises :class:`TrainingDiverged`, changing nothing, when a step or a
        new weight would not be finite.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            deltas = self.deltas(grads, lr)
            size = max(_norm(delta) for delta in deltas)  # ≥ every |Δᵢ|
            if not math.isfinite(size):
                raise TrainingDiverged(DIVERGED)
            if self._bound is None:
                self._bound = max(_norm(theta) for theta in params)
            limit = float(np.finfo(params[0].dtype).max) / 8
            # |θᵢ − Δᵢ| ≤ bound + size: far below the largest float, no weight can overflow.
            # Only near it are θ − Δ formed and looked at.
            if not self._bound + size < limit:
                if not all(np.isfinite(t - d).all() for t, d in zip(params, deltas, strict=True)):
                    raise TrainingDiverged(DIVERGED)
                self._bound = None
        for theta, delta in zip(params, deltas, strict=True):
            theta -= delta
        if self._bound is not None:
            self._bound = (self._bound + size) * (1 + 1e-6)  # with room for rounding
        self.commit()
        self.t += 1

    def forget_weights(self) -> None:
        """Say the weights may have changed outside :meth:`step` (a callback, a hand edit).

        Between steps the optimizer keeps a bound on every |θᵢ|, grown by each
        step's size, which proves the next step cannot overflow without reading
        θ; code that changes θ must call this so that the bound is measured anew.
        """
        self._bound = None

    def deltas(self, grads: Sequence[Array], lr: float) -> Sequence[Array]:
        """The steps Δ for the gradients (the new state is kept aside until commit)."""
        raise NotImplementedError

    def commit(self) -> None:
        """Make the state computed by the last :meth:`deltas` current."""

    # -- persistence ------------------------------------------------------------
    def state_dict(self) -> dict[str, Array]:
        """t and the moments as named arrays (``"t"``, ``"<moment>_<i>"``)."""
        out = {"t": np.array([self.t], dtype=np.int64)}
        for name, arrays in self.state.items():
            for i, array in enumerate(arrays):
                out[f"{name}_{i}"] = array
        return out

    def load_state_dict(self, arrays: dict[str, Array]) -> None:
        """Restore what :meth:`state_dict` gave; the optimizer must be bound already.

        Every array is checked (names, shapes, finite values) before any is copied.
        """
        expected = self.state_dict()
        if set(arrays) != set(expected):
            raise ValueError(f"state: expected the arrays {sorted(expected)}, got {sorted(arrays)}")
        for name, array in arrays.items():
            if np.shape(array) != expected[name].shape:
                raise ValueError(
                    f"state: {name} has shape {np.shape(array)}, expected {expected[name].shape}"
                )
            if name != "t" and not np.isfinite(array).all():
                raise ValueError(f"state: {name} holds non-finite values")
        t = int(np.asarray(arrays["t"]).reshape(-1)[0])
        if t < 0:
            raise ValueError(f"state: t must be >= 0, got {t}")
        for name, values in self.state.items():
            for i, target in enumerate(values):
                np.copyto(target, arrays[f"{name}_{i}"], casting="same_kind")
        self.t = t

    def config(self) -> dict[str, Any]:
        """Name and hyper-parameters (for checkpoints and the command line)."""
        return {"name": type(self).__name__, "decay": self.decay}


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and rate decay."""

    def __init__(self, momentum: float = 0.0, decay: float = 0.0) -> None:
        super().__init__(decay)
        self.momentum = check_real(momentum, "momentum", nonnegative=True, below=1.0)
        self.moments = ("velocity",) if self.momentum else ()

    def deltas(self, grads: Sequence[Array], lr: float) -> Sequence[Array]:
        eta = self.rate(lr)
        for g in grads:
            np.multiply(g, eta, out=g)  # η g
        if self.momentum:
            # Δ = η g − β v = −(β v − η g): the new velocity is −Δ.
            for g, v in zip(grads, self.state["velocity"], strict=True):
                g -= self.momentum * v
        self._pending = grads
        return grads

    def commit(self) -> None:
        if self.momentum:
            for v, delta in zip(self.state["velocity"], self._pending, strict=True):
                np.negative(delta, out=v)

    def config(self) -> dict[str, Any]:
        return {"name": "SGD", "momentum": self.momentum, "decay": self.decay}

    def __repr__(self) -> str:
        return f"SGD(momentum={self.momentum}, decay={self.decay})"


class Adam(Optimizer):
    """Adam with bias correction."""

    moments = ("moment", "cache")

    def __init__(
        self,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-7,
        decay: float = 0.0,
    ) -> None:
        super().__init__(decay)
        self.beta1 = check_real(beta1, "beta1", nonnegative=True, below=1.0)
        self.beta2 = check_real(beta2, "beta2", nonnegative=True, below=1.0)
        self.epsilon = check_real(epsilon, "epsilon", positive=True)
        self._next: dict[str, list[Array]] = {}

    def deltas(self, grads: Sequence[Array], lr: float) -> Sequence[Array]:
        eta = self.rate(lr)
        b1, b2 = self.beta1, self.beta2
        correction1 = 1.0 - b1 ** (self.t + 1)
        correction2 = 1.0 - b2 ** (self.t + 1)
        if not self._next:
            self._next = {
                name: [np.empty_like(a) for a in self.state[name]] for name in self.moments
            }
        for i, g in enumerate(grads):
            m, v = self.state["moment"][i], self.state["cache"][i]
            m_new, v_new = self._next["moment"][i], self._next["cache"][i]
            np.multiply(m, b1, out=m_new)
            m_new += (1.0 - b1) * g  # m ← β₁ m + (1 − β₁) g
            np.multiply(v, b2, out=v_new)
            v_new += (1.0 - b2) * g * g  # v ← β₂ v + (1 − β₂) g²
            denominator = np.sqrt(v_new / correction2)
            denominator += self.epsilon  # √v̂ + ε
            np.divide(m_new, correction1, out=g)
            g *= eta  # ηₜ m̂
            g /= denominator
        return grads

    def commit(self) -> None:
        self.state, self._next = self._next, self.state

    def config(self) -> dict[str, Any]:
        return {
            "name": "Adam",
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "decay": self.decay,
        }

    def __repr__(self) -> str:
        return (
            f"Adam(beta1={self.beta1}, beta2={self.beta2}, epsilon={self.epsilon}, "
            f"decay={self.decay})"
        )
