"""Optimizers: how a mean gradient g becomes a step Δ, with θ ← θ − Δ.

The formulas are seed 003's. With t the number of updates already made
(t = 0 at the first) and the decayed rate ηₜ = η / (1 + decay·t):

Plain SGD (``optimizer=None``)::

    Δ = η g

``SGD(momentum=β, decay=d)``::

    v ← β v − ηₜ g          (v starts at zero)
    Δ = −v

``Adam(beta1=β₁, beta2=β₂, epsilon=ε, decay=d)``::

    m ← β₁ m + (1 − β₁) g                   v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁^(t+1))                  v̂ = v / (1 − β₂^(t+1))
    Δ = ηₜ m̂ / (√v̂ + ε)

An optimizer's state (t and the per-layer arrays) belongs to the first network
it updates; passing it another network raises ``ValueError``. Its state
carries over when the same object is passed to a later ``sgd`` call.

:meth:`Optimizer.steps` only computes; :meth:`Optimizer.commit` makes the new
state current. ``update`` applies the steps and commits together, so that an
interrupt never leaves the state and the weights out of step.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._checks import check_real

if TYPE_CHECKING:
    from .network import Network

Array = NDArray[Any]
# One entry per layer: (array for the weights, array for the bias).
Pairs = list[tuple[Array, Array]]


class Optimizer:
    """Base class: holds t, the decay and the network the state belongs to."""

    def __init__(self, decay: float = 0.0) -> None:
        self.decay = check_real(decay, "decay", nonnegative=True)
        self.t = 0
        self._network: weakref.ReferenceType[Network] | None = None
        self._shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] | None = None

    # -- ownership ------------------------------------------------------------
    def check_network(self, net: Network) -> None:
        """Refuse a network other than the one this optimizer's state belongs to."""
        owner = self._network() if self._network is not None else None
        shapes = [(layer.weights.shape, layer.bias.shape) for layer in net.layers]
        if self._network is not None and owner is not net:
            raise ValueError(
                "optimizer: this optimizer already holds the state of another network; "
                "create a new optimizer for each network"
            )
        if self._shapes is not None and shapes != self._shapes:
            raise ValueError(
                "optimizer: the network's layers changed shape since this optimizer was "
                "first used; create a new optimizer"
            )

    def bind(self, net: Network) -> None:
        if self._network is None:
            self._network = weakref.ref(net)
            self._shapes = [(layer.weights.shape, layer.bias.shape) for layer in net.layers]

    def rate(self, lr: float) -> float:
        """ηₜ = η / (1 + decay·t)."""
        return lr / (1.0 + self.decay * self.t)

    # -- the step ---------------------------------------------------------------
    def steps(self, grads: Pairs, lr: float) -> tuple[Pairs, Any]:
        """The steps Δ for each layer's (g_W, g_b), and the state after them."""
        raise NotImplementedError

    def commit(self, state: Any) -> None:
        """Make ``state`` (from :meth:`steps`) current and count one update."""
        self._set_state(state)
        self.t += 1

    def _set_state(self, state: Any) -> None:
        raise NotImplementedError

    # -- persistence ------------------------------------------------------------
    def state_arrays(self) -> dict[str, Array]:
        """The per-layer state as named arrays (for checkpoints)."""
        return {}

    def load_state_arrays(self, arrays: dict[str, Array], t: int) -> None:
        self.t = t

    def config(self) -> dict[str, Any]:
        """Name and hyper-parameters (for checkpoints and the command line)."""
        raise NotImplementedError


def _zeros_like(grads: Pairs) -> Pairs:
    return [(np.zeros_like(gw), np.zeros_like(gb)) for gw, gb in grads]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and rate decay (seed 003)."""

    def __init__(self, momentum: float = 0.0, decay: float = 0.0) -> None:
        super().__init__(decay)
        self.momentum = check_real(momentum, "momentum", nonnegative=True, below=1.0)
        self.velocity: Pairs | None = None

    def steps(self, grads: Pairs, lr: float) -> tuple[Pairs, Any]:
        eta = self.rate(lr)
        if not self.momentum:
            return [(eta * gw, eta * gb) for gw, gb in grads], None
        velocity = self.velocity if self.velocity is not None else _zeros_like(grads)
        new_velocity = [
            (self.momentum * vw - eta * gw, self.momentum * vb - eta * gb)
            for (vw, vb), (gw, gb) in zip(velocity, grads, strict=True)
        ]
        return [(-vw, -vb) for vw, vb in new_velocity], new_velocity

    def _set_state(self, state: Any) -> None:
        if state is not None:
            self.velocity = state

    def state_arrays(self) -> dict[str, Array]:
        if self.velocity is None:
            return {}
        out = {}
        for i, (vw, vb) in enumerate(self.velocity):
            out[f"velocity_w{i}"], out[f"velocity_b{i}"] = vw, vb
        return out

    def load_state_arrays(self, arrays: dict[str, Array], t: int) -> None:
        n = sum(1 for key in arrays if key.startswith("velocity_w"))
        self.velocity = (
            [(arrays[f"velocity_w{i}"].copy(), arrays[f"velocity_b{i}"].copy()) for i in range(n)]
            if n
            else None
        )
        self.t = t

    def config(self) -> dict[str, Any]:
        return {"name": "SGD", "momentum": self.momentum, "decay": self.decay}

    def __repr__(self) -> str:
        return f"SGD(momentum={self.momentum}, decay={self.decay})"


class Adam(Optimizer):
    """Adam with bias correction (seed 003)."""

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
        self.moments: Pairs | None = None
        self.cache: Pairs | None = None

    def steps(self, grads: Pairs, lr: float) -> tuple[Pairs, Any]:
        eta = self.rate(lr)
        b1, b2 = self.beta1, self.beta2
        moments = self.moments if self.moments is not None else _zeros_like(grads)
        cache = self.cache if self.cache is not None else _zeros_like(grads)
        correction1 = 1.0 - b1 ** (self.t + 1)
        correction2 = 1.0 - b2 ** (self.t + 1)
        new_moments: Pairs = []
        new_cache: Pairs = []
        steps: Pairs = []
        for (mw, mb), (cw, cb), (gw, gb) in zip(moments, cache, grads, strict=True):
            pair_m, pair_c, pair_s = [], [], []
            for m, c, g in ((mw, cw, gw), (mb, cb, gb)):
                m_new = b1 * m + (1.0 - b1) * g
                c_new = b2 * c + (1.0 - b2) * g * g
                m_hat = m_new / correction1
                c_hat = c_new / correction2
                pair_m.append(m_new)
                pair_c.append(c_new)
                pair_s.append(eta * m_hat / (np.sqrt(c_hat) + self.epsilon))
            new_moments.append((pair_m[0], pair_m[1]))
            new_cache.append((pair_c[0], pair_c[1]))
            steps.append((pair_s[0], pair_s[1]))
        return steps, (new_moments, new_cache)

    def _set_state(self, state: Any) -> None:
        self.moments, self.cache = state

    def state_arrays(self) -> dict[str, Array]:
        if self.moments is None or self.cache is None:
            return {}
        out = {}
        for i, ((mw, mb), (cw, cb)) in enumerate(zip(self.moments, self.cache, strict=True)):
            out[f"moment_w{i}"], out[f"moment_b{i}"] = mw, mb
            out[f"cache_w{i}"], out[f"cache_b{i}"] = cw, cb
        return out

    def load_state_arrays(self, arrays: dict[str, Array], t: int) -> None:
        n = sum(1 for key in arrays if key.startswith("moment_w"))
        if n:
            self.moments = [
                (arrays[f"moment_w{i}"].copy(), arrays[f"moment_b{i}"].copy()) for i in range(n)
            ]
            self.cache = [
                (arrays[f"cache_w{i}"].copy(), arrays[f"cache_b{i}"].copy()) for i in range(n)
            ]
        else:
            self.moments = self.cache = None
        self.t = t

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


def optimizer_from_config(config: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from :meth:`Optimizer.config`."""
    kwargs = {k: v for k, v in config.items() if k != "name"}
    if config.get("name") == "SGD":
        return SGD(**kwargs)
    if config.get("name") == "Adam":
        return Adam(**kwargs)
    raise ValueError(f"optimizer: unknown optimizer config {config!r}")
