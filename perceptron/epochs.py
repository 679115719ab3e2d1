"""What ``sgd`` measured, one entry per completed epoch, and the state of early stopping."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .metrics import evaluate_loss
from .structs import Network
from .types import Array

OnEpoch = Callable[[int, "History", Network], Any]
OnBatch = Callable[[int, int, int], Any]


@dataclass
class History:
    """What ``sgd`` measured, one entry per completed epoch.

    ``loss`` is the mean of the per-sample training losses seen during the
    epoch (without any L2 penalty); ``val_loss`` and ``val_accuracy`` are
    filled when ``validation`` is given (accuracy is NaN unless the targets
    are one-hot); ``epoch_time`` is in seconds. ``best_epoch`` is the epoch
    whose weights early stopping kept, ``stopped_early`` whether it stopped.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:  # a few lines, not every number
        from .display import history_repr

        return history_repr(self)

    def _repr_html_(self) -> str:  # the curves as SVG and the table
        from .display import history_html

        return history_html(self)


@dataclass
class EarlyStopping:
    """The state of early stopping: the best validation loss, its weights, epochs waited."""

    best_loss: float = math.inf
    best_params: list[tuple[Array, Array]] | None = None
    waited: int = 0

    def record(
        self, net: Network, history: History, epoch: int, val_loss: float, patience: int
    ) -> bool:
        """Keep the weights if ``val_loss`` is the best yet; whether to stop now."""
        if val_loss < self.best_loss:
            self.best_loss, self.waited = val_loss, 0
            self.best_params = [(layer.weights.copy(), layer.bias.copy()) for layer in net.layers]
            history.best_epoch = epoch
            return False
        self.waited += 1
        if self.waited >= patience:
            history.stopped_early = True
            return True
        return False

    def restore(self, net: Network) -> None:
        """Put the best weights back into the network's own arrays."""
        if self.best_params is None:
            return
        for layer, (weights, bias) in zip(net.layers, self.best_params, strict=True):
            layer.weights[...] = weights
            layer.bias[...] = bias


def end_epoch(
    net: Network,
    epoch: int,
    started: float,
    mean_loss: float,
    validation: tuple[Array, Array] | None,
    patience: int | None,
    history: History,
    early: EarlyStopping,
    callbacks: list[OnEpoch],
) -> bool:
    """The epoch's record (validation first, so that an interrupt there leaves the
    history's lists the same length), early stopping and the callbacks; whether to stop."""
    if validation is not None:
        val_loss, val_acc = evaluate_loss(net, *validation)
        history.val_loss.append(val_loss)
        history.val_accuracy.append(val_acc)
    history.loss.append(mean_loss)
    history.epoch_time.append(time.perf_counter() - started)
    stop = patience is not None and early.record(
        net, history, epoch, history.val_loss[-1], patience
    )
    for callback in callbacks:
        stop = callback(epoch, history, net) is False or stop
    return stop
