"""What ``perceptron train`` shows while it trains: a bar inside the epoch, a line after it."""

from __future__ import annotations

import numpy as np

from ..epochs import History
from ..metrics import evaluate_loss, regression_scores
from ..structs import Network
from .console import number, out, write
from .data import Dataset, predicted, targets


class Progress:
    """``on_epoch`` and ``on_batch`` callbacks for ``sgd`` that print the run's progress.

    After each epoch: ``Epoch k: correct / held-out, loss L, t s`` (the MNIST
    article's form); on a terminal, a bar of the batches is drawn in between.
    """

    def __init__(self, data: Dataset, tty: bool) -> None:
        self.data, self.tty = data, tty
        self.accuracies: list[float] = []
        self.held_out_losses: list[float] = []
        self.shown = -1

    def on_epoch(self, epoch: int, history: History, net: Network) -> None:
        data = self.data
        Y_test = targets(data.y_test, net.outputdim, data.classes)
        self.held_out_losses.append(evaluate_loss(net, data.X_test, Y_test)[0])
        if data.regression:
            mse, r2 = regression_scores(net, data.X_test, data.y_test)
            score = f"held-out MSE {number(mse)}, R² {number(r2, 4)}"
        else:
            correct = int(np.sum(predicted(net, data.X_test) == data.y_test))
            n_test = len(data.y_test)
            self.accuracies.append(correct / n_test)
            score = f"{correct} / {n_test}"
        line = (
            f"Epoch {epoch}: {score}, loss {number(history.loss[-1])}, "
            f"{history.epoch_time[-1]:.2f} s"
        )
        if history.val_loss:
            line += f" (held-out loss {number(history.val_loss[-1])})"
        self.clear()
        out(line)

    def on_batch(self, epoch: int, batch: int, batches: int) -> None:
        # Redrawn only when the bar grows by a 40th.
        filled = (batch + 1) * 40 // batches
        if filled != self.shown:
            self.shown = filled
            bar = "#" * filled + "." * (40 - filled)
            write(f"\r\x1b[KEpoch {epoch}: [{bar}] {batch + 1}/{batches} batches")

    def clear(self) -> None:
        """Wipe the bar (on a terminal) before a line is printed over it."""
        if self.tty:
            write("\r\x1b[K")
