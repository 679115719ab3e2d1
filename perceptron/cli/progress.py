"""What ``perceptron train`` shows while it trains: a bar inside the epoch, a line after it."""

from __future__ import annotations

import numpy as np

from ..epochs import History
from ..metrics import classes_of, loss_and_outputs
from ..structs import Network
from .console import number, out, write
from .data import Dataset, predicted, training_targets
from .prepare import target_scores


class Progress:
    """``on_epoch`` and ``on_batch`` callbacks for ``sgd`` that print the run's progress.

    After each epoch: ``Epoch k: correct / held-out, loss L, t s`` (the MNIST
    article's form; ``Epoch k: loss L, t s`` without held-out rows); on a
    terminal, a bar of the batches is drawn in between. A regression's
    held-out MSE and R² are in the target's units; its loss is the cost of
    the standardised targets the network is trained on.
    """

    def __init__(self, data: Dataset, tty: bool) -> None:
        self.data, self.tty = data, tty
        self.accuracies: list[float] = []
        self.held_out_losses: list[float] = []
        self.shown = -1
        self.X_test = data.X_test  # in the network's dtype once the first epoch is scored

    def on_epoch(self, epoch: int, history: History, net: Network) -> None:
        data = self.data
        score = self._score(net) if len(data.y_test) else None
        line = (
            f"Epoch {epoch}: " + (f"{score}, " if score else "") + f"loss "
            f"{number(history.loss[-1])}, {history.epoch_time[-1]:.2f} s"
        )
        if history.val_loss:
            line += f" (held-out loss {number(history.val_loss[-1])})"
        self.clear()
        out(line)

    def _score(self, net: Network) -> str:
        """The held-out rows' score after an epoch (and their loss, kept for the report)."""
        data = self.data
        self.X_test = X_test = self.X_test.astype(net.dtype, copy=False)
        Y_test = training_targets(data, data.y_test, net.outputdim).astype(net.dtype, copy=False)
        loss, outputs = loss_and_outputs(net, X_test, Y_test)  # one forward pass an epoch
        self.held_out_losses.append(loss)
        if data.regression:
            mse, r2 = target_scores(net, X_test, data.y_test, data.prepare)
            score = f"held-out MSE {number(mse)}, R² {number(r2, 4)}"
        else:
            correct = int(np.sum(classes_of(outputs) == data.y_test))
            n_test = len(data.y_test)
            self.accuracies.append(correct / n_test)
            score = f"{correct} / {n_test}"
        return score

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


def final_scores(data: Dataset, net: Network, history: History, elapsed: float) -> None:
    """The held-out score of the finished run; a folder's test set, scored once, after it."""
    restored = " (best epoch's weights restored)" if history.stopped_early else ""
    after = (
        f"after {history.epochs} epoch{'' if history.epochs == 1 else 's'} in {elapsed:.1f} s"
        + restored
    )
    if not len(data.y_test):
        out(f"No held-out rows (--validation 0): trained on every row, {after}")
    elif data.regression:
        mse, r2 = target_scores(net, data.X_test, data.y_test, data.prepare)
        out(f"Held-out mean squared error {number(mse)}, R² {number(r2, 4)}, {after}")
    else:
        n_test = len(data.y_test)
        correct = int(np.sum(predicted(net, data.X_test) == data.y_test))
        out(f"Held-out accuracy: {correct / n_test:.2%} ({correct} / {n_test}) {after}")
    if data.test is not None:
        X, y = data.test
        correct = int(np.sum(predicted(net, X) == y))
        out(
            f"Test accuracy (t10k, scored once; never used for training or early stopping): "
            f"{correct / len(y):.2%} ({correct} / {len(y)})"
        )
