"""Faults to inject into training: a function that raises on its n-th call, failing optimizers.

And what to compare afterwards: the parameters, the whole observable state of
a network, and whether it sits at a completed update (sums zero).
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from perceptron.activations import Activation
from perceptron.costs import Cost
from perceptron.optimizers import SGD, Adam
from perceptron.structs import Network, network
from perceptron.training import backpropagate, feedforward
from perceptron.types import Array

#: Where :func:`rig` can put a :class:`Bomb`.
PLACES = ("hidden f", "hidden df", "output f", "output df", "cost df")


class Bomb:
    """Calls ``inner``; raises KeyboardInterrupt on call number ``n`` (never when n = 0)."""

    def __init__(self, inner: Callable[..., Any], n: int) -> None:
        self.inner, self.n, self.calls = inner, n, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return self.inner(*args)


class FailingSGD(SGD):
    """SGD whose k-th :meth:`deltas` raises KeyboardInterrupt (k = 0: never)."""

    def __init__(self, k: int = 0, momentum: float = 0.0) -> None:
        super().__init__(momentum=momentum)
        self.k, self.calls = k, 0

    def deltas(self, grads: Sequence[Array], lr: float) -> Any:
        self.calls += 1
        if self.calls == self.k:
            raise KeyboardInterrupt
        return super().deltas(grads, lr)


class FailingAdam(Adam):
    """Adam whose k-th :meth:`deltas` raises KeyboardInterrupt (k = 0: never)."""

    def __init__(self, k: int = 0) -> None:
        super().__init__()
        self.k, self.calls = k, 0

    def deltas(self, grads: Sequence[Array], lr: float) -> Any:
        self.calls += 1
        if self.calls == self.k:
            raise KeyboardInterrupt
        return super().deltas(grads, lr)


def rig(net: Network, place: str, n: int) -> Bomb:
    """Put a Bomb in ``place`` (one of :data:`PLACES`) of a two-layer network; return it.

    The activation or cost is replaced by a custom one around the Bomb, so that
    training takes the general (not the built-in) code path; n = 0 gives a
    harmless Bomb for a reference run on the same path.
    """
    if place == "cost df":
        bomb = Bomb(net.cost.df, n)
        net.cost = Cost(net.cost.name, net.cost.f, bomb)
        return bomb
    layer = net.layers[0 if place.startswith("hidden") else -1]
    act = layer.activation
    bomb = Bomb(act.f if place.endswith(" f") else act.df, n)
    f, df = (bomb, act.df) if place.endswith(" f") else (act.f, bomb)
    layer.activation = Activation(act.name, f, df, act.elementwise)
    return bomb


def params(net: Network) -> list[Array]:
    """The network's own parameter arrays W₀, b₀, W₁, b₁, … (not copies)."""
    return [a for layer in net.layers for a in (layer.weights, layer.bias)]


def identical(a: Network, b: Network) -> bool:
    """Whether two networks have bit-identical weights and biases."""
    return all(np.array_equal(x, y) for x, y in zip(params(a), params(b), strict=True))


def at_completed_update(net: Network) -> bool:
    """Whether the network sits at a completed update: no sample accumulated, sums zero."""
    return net.accumulated == 0 and all(
        not layer.dC_dweights.any() and not layer.dC_dbias.any() for layer in net.layers
    )


def prepared_net() -> Network:
    """A 2-3-3 network in the middle of a batch: caches filled, one sample accumulated."""
    net = network([2, 3, 3], "tanh", "quadratic", output_activation="sigmoid", rng=0)
    feedforward(net, [0.5, -0.25])
    backpropagate(net, [0.5, -0.25], [1.0, 0.0, 0.0])
    return net


def snapshot(net: Network) -> list[Any]:
    """Everything a call could change, copied: sizes, cost, arrays, activations."""
    out: list[Any] = [net.inputdim, net.cost, len(net.layers), net.accumulated]
    for layer in net.layers:
        for name in ("weights", "bias", "linear_out", "activated_out", "dC_dlinear",
                     "dC_dweights", "dC_dbias"):  # fmt: skip
            value = getattr(layer, name)
            out.append(None if value is None else np.array(value, copy=True))
        out.append(layer.activation)
    return out


def same(a: list[Any], b: list[Any]) -> bool:
    """Whether two snapshots are equal (arrays by value, NaN equal to NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
                return False
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
                return False
        elif x is not y and x != y:
            return False
    return True


def terminal_sigint() -> None:
    """For ``subprocess.Popen(preexec_fn=terminal_sigint)``: Ctrl-C as in a terminal.

    A command started in the background (``&``, ``nohup``) has SIGINT ignored, its
    children inherit that, and Python then installs no ``KeyboardInterrupt``
    handler: a test that sends real SIGINTs must not depend on how it was started.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(child: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """``child.communicate(timeout)``, but a child that does not end in time is killed.

    Raises ``subprocess.TimeoutExpired`` after the kill, so a test that fails leaves
    no process training behind it.
    """
    try:
        return child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
