"""Faster engines beside the article's loop in :func:`~perceptron.training.sgd`.

=============  =========================================================
``sample``     the per-sample loop on buffers allocated once
``batch``      the mini-batch as one block of samples (matrix products)
=============  =========================================================

``sgd(..., engine="reference")`` calls ``feedforward``, ``backpropagate`` and
``update`` literally; these engines compute the same sums and step. Each offers
``gradients(X, Y, rows)`` (forward and backward the rows of one mini-batch, add
their gradients to its sums, return the sum of their losses), ``step(lr,
optimizer, l2_scale)`` (the mean gradient to the optimizer, θ ← θ − Δ, sums back
to zero; one ``gradients`` call before each),
``finish()`` and ``valid_for(net)``. They are tested equal to the reference
loop (to 1e-10 in float64).
"""

from __future__ import annotations

from typing import Protocol

from ..optimizers import Optimizer
from ..structs import Network
from ..types import Array
from .batch import BatchEngine
from .sample import SampleEngine


class Engine(Protocol):
    name: str

    def gradients(self, X: Array, Y: Array, rows: Array) -> float: ...

    def step(self, lr: float, optimizer: Optimizer, l2_scale: float = 0.0) -> None: ...

    def finish(self) -> None: ...

    def valid_for(self, net: Network) -> bool: ...


ENGINES: dict[str, type[Engine]] = {"sample": SampleEngine, "batch": BatchEngine}
#: Every value of ``sgd(..., engine=)``: the article's loop, then the engines.
ENGINE_NAMES = ("reference", *ENGINES)


def check_engine(engine: object) -> str:
    """``engine`` if it names the reference loop or an engine, else a ValueError."""
    if not isinstance(engine, str) or engine not in ENGINE_NAMES:
        raise ValueError(f"engine: expected one of {ENGINE_NAMES}, got {engine!r}")
    return engine


def engine_for(
    net: Network,
    current: Engine | None,
    name: str,
    batchsize: int,
    optimizer: Optimizer,
    lr: float,
) -> Engine:
    """``current``, or the engine made anew when a callback gave the layers new arrays.

    The engine's sums carry the factor η for an optimizer whose step is linear in η·g
    (``optimizer.linear``), else 1: the same for every step of the run, so a run resumed
    in a new ``sgd`` call rounds every step as the uninterrupted run does.
    """
    if current is not None and current.valid_for(net):
        return current
    if current is not None:
        current.finish()
        optimizer.check_network(net)
    return make_engine(name, net, batchsize, lr if optimizer.linear else 1.0)


def make_engine(name: str, net: Network, batchsize: int, factor: float = 1.0) -> Engine:
    """The engine called ``name`` for ``net`` and mini-batches of ``batchsize`` rows,
    its sums scaled by ``factor``/n (see :class:`~perceptron.engines.workspace.Workspace`)."""
    return ENGINES[name](net, batchsize, factor)  # type: ignore[call-arg]


__all__ = [
    "ENGINES",
    "ENGINE_NAMES",
    "check_engine",
    "engine_for",
    "BatchEngine",
    "Engine",
    "SampleEngine",
    "make_engine",
]
