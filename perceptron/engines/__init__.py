"""How ``sgd`` runs a mini-batch: the reference loop, or a faster engine beside it.

=============  =========================================================
``reference``  :func:`~perceptron.train.feedforward`, ``backpropagate`` and
               ``update``, called literally, one column sample at a time
``sample``     the same per-sample loop on buffers allocated once
``batch``      the mini-batch as one block of samples (matrix products)
=============  =========================================================

Every engine offers ``gradients(X, Y, rows)`` (forward and backward the rows,
sum their gradients, return the sum of their losses), ``step(lr, optimizer,
l2_scale, guard)`` (the mean gradient to the optimizer, θ ← θ − Δ, sums back
to zero), ``finish()`` and ``valid_for(net)``. The fast engines are tested
equal to the reference one (to 1e-10 in float64).
"""

from __future__ import annotations

from typing import Protocol

from ..interrupts import InterruptGuard
from ..network import Network
from ..optimizers import Optimizer
from ..types import Array
from .batch import BatchEngine
from .reference import ReferenceEngine
from .sample import SampleEngine


class Engine(Protocol):
    name: str

    def gradients(self, X: Array, Y: Array, rows: Array) -> float: ...

    def step(
        self,
        lr: float,
        optimizer: Optimizer,
        l2_scale: float = 0.0,
        guard: InterruptGuard | None = None,
    ) -> None: ...

    def finish(self) -> None: ...

    def valid_for(self, net: Network) -> bool: ...


ENGINES: dict[str, type[Engine]] = {
    "reference": ReferenceEngine,
    "sample": SampleEngine,
    "batch": BatchEngine,
}


def make_engine(name: str, net: Network, batchsize: int) -> Engine:
    """The engine called ``name`` for ``net`` and mini-batches of ``batchsize`` rows."""
    return ENGINES[name](net, batchsize)  # type: ignore[call-arg]


__all__ = ["ENGINES", "BatchEngine", "Engine", "ReferenceEngine", "SampleEngine", "make_engine"]
