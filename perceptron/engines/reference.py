"""The reference engine: the article's loop, calling the four public functions literally.

For each sample of a mini-batch: ``out = feedforward(net, x)``, the loss of
``out`` against y, ``backpropagate(net, x, y)``; then ``update``. It is the
slowest engine and the one the others are proven equal to.
"""

from __future__ import annotations

from ..interrupts import InterruptGuard
from ..network import Network
from ..optimizers import Optimizer
from ..train import backpropagate, feedforward, loss, update
from ..types import Array


class ReferenceEngine:
    """``sgd(..., engine="reference")``: feedforward, backpropagate, update."""

    name = "reference"

    def __init__(self, net: Network, batchsize: int) -> None:
        self.net = net

    def valid_for(self, net: Network) -> bool:
        return net is self.net

    def gradients(self, X: Array, Y: Array, rows: Array) -> float:
        """Feed each row forward and backpropagate it; return the sum of the losses."""
        net, total = self.net, 0.0
        for j in rows:
            x, y = X[j : j + 1].T, Y[j : j + 1].T  # one observation as a column
            feedforward(net, x)
            total += loss(net, y)
            backpropagate(net, x, y)
        return total

    def step(
        self,
        lr: float,
        optimizer: Optimizer,
        l2_scale: float = 0.0,
        guard: InterruptGuard | None = None,
    ) -> None:
        update(self.net, lr, optimizer, l2_scale=l2_scale, guard=guard)

    def finish(self) -> None:
        """Nothing to do: the network is already as the four functions left it."""
