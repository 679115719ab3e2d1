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
anything changes if a step, a new weight or the new state would not be finite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import all_finite, check_real
from .errors import TrainingDiverged
from .types import Array

if TYPE_CHECKING:
    from .structs import Network

KEEPS = (
    "the network keeps its last finite weights. Try a smaller lr, another cost or "
    "initializer, or scale the inputs"
)
DIVERGED = "the gradient, the step or the optimizer's state is not finite; " + KEEPS
State = dict[str, list[Array]]


class Optimizer:
    """Base class: t, the decay, the state and its network, and the all-or-nothing step.

    A subclass gives :meth:`deltas`: the steps Δ for the mean gradients g and
    the new state, computed without changing the current one.
    """

    #: Names of the per-parameter state arrays (one set per parameter θ_i).
    moments: tuple[str, ...] = ()
    #: The state arrays :meth:`step` checks beside θ − Δ (None: every moment). Only those
    #: whose non-finite value could leave Δ finite need it: SGD's velocity is −Δ and
    #: Adam's m enters Δ as m/(√v + ε), so theirs shows in θ − Δ; Adam's v does not (m/∞ = 0).
    checked: tuple[str, ...] | None = None
    #: Whether Δ(k·g, η/k) = Δ(g, η) for every k > 0: then the engines hand over the
    #: sums Σ with η/n instead of forming the means Σ/n (one pass over θ fewer).
    linear = False

    def __init__(self, decay: float = 0.0) -> None:
        self.decay = check_real(decay, "decay", nonnegative=True)
        self.t = 0
        self.state: State = {}
        # Arrays shaped like the state, for deltas to write the next state into: the
        # state before last, reused (a new array of this size costs page faults a step).
        self.spare: State = {}
        self.network: Network | None = None  # whose parameters the state belongs to

    def check_network(self, net: Network) -> None:
        """Refuse a network other than the one this optimizer's state belongs to."""
        if self.network is not None and self.network is not net:
            raise ValueError(
                "optimizer: this optimizer already holds the state of another network; "
                "create a new optimizer for each network"
            )
        shapes = [p.shape for layer in net.layers for p in (layer.weights, layer.bias)]
        for arrays in self.state.values():
            if [a.shape for a in arrays] != shapes:
                raise ValueError(
                    "optimizer: the network's layers changed shape since this optimizer was "
                    "first used; create a new optimizer"
                )

    def own(self, net: Network) -> None:
        """Make ``net`` the owner of the state (checked); its moments start at zero."""
        self.check_network(net)
        if self.network is None:
            self.network = net
            params = [p for layer in net.layers for p in (layer.weights, layer.bias)]
            self.state = {name: [np.zeros_like(p) for p in params] for name in self.moments}
            self.spare = {}

    def rate(self, lr: float) -> float:
        """ηₜ = η / (1 + decay·t)."""
        return lr / (1.0 + self.decay * self.t)

    def step(
        self,
        params: Sequence[Array],
        grads: Sequence[Array],
        lr: float,
        *,
        flat: Array | None = None,
    ) -> None:
        """θ ← θ − Δ(g) for every parameter, all or nothing; then t ← t + 1.

        ``params`` are the arrays θ to move in place (W₀, b₀, W₁, b₁, …) and
        ``grads`` their mean gradients g, which this call may overwrite.
        ``flat``: one contiguous array of which ``grads`` are consecutive views
        covering it (the engines' buffer), so that one check covers them all.
        Raises :class:`TrainingDiverged`, changing nothing, when a step, a new
        weight or the new state would not be finite.
        """
        if self.moments and not self.state:
            self.state = {name: [np.zeros_like(p) for p in params] for name in self.moments}
            self.spare = {}
        with np.errstate(over="ignore", invalid="ignore"):
            deltas, state = self.deltas(grads, lr)
            # θ − Δ formed in the gradients' buffers (free by now), checked, then written.
            moved = [
                np.subtract(theta, delta, out=g)
                for theta, delta, g in zip(params, deltas, grads, strict=True)
            ]
            checked = self.moments if self.checked is None else self.checked
            finite = all(all_finite(a) for name in checked for a in state[name])
            if flat is not None:  # θ − Δ was written into the views of flat
                finite = finite and all_finite(flat)
            else:
                finite = finite and all(all_finite(a) for a in moved)
        if not finite:
            raise TrainingDiverged(DIVERGED)
        for theta, value in zip(params, moved, strict=True):
            theta[...] = value
        if state is not self.state:
            self.spare, self.state = self.state, state
        self.t += 1

    def buffers(self, name: str) -> list[Array]:
        """Arrays shaped like ``state[name]`` that hold nothing needed: deltas writes
        the new state there, leaving the current one as it is until the step succeeds."""
        if name not in self.spare:
            self.spare[name] = [np.empty_like(a) for a in self.state[name]]
        return self.spare[name]

    def deltas(self, grads: Sequence[Array], lr: float) -> tuple[Sequence[Array], State]:
        """The steps Δ for the mean gradients g, and the state after them."""
        raise NotImplementedError

    # -- persistence ------------------------------------------------------------
    def state_dict(self) -> dict[str, Array]:
        """t and the moments as named arrays (``"t"``, ``"<moment>_<i>"``), copies."""
        out = {"t": np.array([self.t], dtype=np.int64)}
        for name, arrays in self.state.items():
            for i, array in enumerate(arrays):
                out[f"{name}_{i}"] = array.copy()
        return out

    def load_state_dict(self, arrays: dict[str, Array]) -> None:
        """Restore what :meth:`state_dict` gave; the optimizer must own its network already.

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


def check_optimizer(optimizer: object, net: Network) -> None:
    """Refuse anything but None or an :class:`Optimizer` free to update ``net``."""
    if optimizer is None:
        return
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer: expected SGD(...), Adam(...) or None, got {type(optimizer).__name__}"
        )
    optimizer.check_network(net)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and rate decay."""

    linear = True  # Δ = ηₜ g − β v: η and g enter only as their product
    checked = ()

    def __init__(self, momentum: float = 0.0, decay: float = 0.0) -> None:
        super().__init__(decay)
        self.momentum = check_real(momentum, "momentum", nonnegative=True, below=1.0)
        self.moments = ("velocity",) if self.momentum else ()

    def deltas(self, grads: Sequence[Array], lr: float) -> tuple[Sequence[Array], State]:
        eta = self.rate(lr)
        if eta != 1.0:  # (the engines' rate, when they scaled the sums by η already)
            for g in grads:
                g *= eta  # Δ = η g
        if not self.momentum:
            return grads, self.state
        # Δ = η g − β v = −(β v − η g): the new velocity is −Δ.
        velocities = self.buffers("velocity")
        for g, v, new in zip(grads, self.state["velocity"], velocities, strict=True):
            np.multiply(v, self.momentum, out=new)
            g -= new
            np.negative(g, out=new)
        return grads, {"velocity": velocities}

    def config(self) -> dict[str, Any]:
        return {"name": "SGD", "momentum": self.momentum, "decay": self.decay}

    def __repr__(self) -> str:
        return f"SGD(momentum={self.momentum}, decay={self.decay})"


class Adam(Optimizer):
    """Adam with bias correction."""

    moments = ("moment", "cache")
    checked = ("cache",)

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

    def deltas(self, grads: Sequence[Array], lr: float) -> tuple[Sequence[Array], State]:
        b1, b2 = self.beta1, self.beta2
        correction1 = 1.0 - b1 ** (self.t + 1)
        root2 = math.sqrt(1.0 - b2 ** (self.t + 1))
        # m̂ / (√v̂ + ε) = (√(1 − β₂ᵗ) / (1 − β₁ᵗ)) · m / (√v + ε √(1 − β₂ᵗ)): the two
        # corrections become numbers, so no pass over the arrays divides by them.
        size, epsilon = self.rate(lr) * root2 / correction1, self.epsilon * root2
        moments, caches = self.buffers("moment"), self.buffers("cache")
        state = self.state
        for g, m_old, v_old, m, v in zip(
            grads, state["moment"], state["cache"], moments, caches, strict=True
        ):
            # The new moments go to the spare buffers; g, once used, is the scratch.
            np.square(g, out=v)  # (one input: faster than g·g)
            v *= 1.0 - b2
            np.multiply(g, 1.0 - b1, out=m)
            np.multiply(m_old, b1, out=g)
            m += g  # m ← β₁ m + (1 − β₁) g
            np.multiply(v_old, b2, out=g)
            v += g  # v ← β₂ v + (1 − β₂) g²
            np.sqrt(v, out=g)
            g += epsilon
            np.divide(m, g, out=g)
            g *= size  # Δ = ηₜ m̂ / (√v̂ + ε)
        return grads, {"moment": moments, "cache": caches}

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
