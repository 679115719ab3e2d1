"""Findings from a training history: a loss that rises or swings, accuracy stuck at chance."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..epochs import History
from ..structs import Network
from ..types import Array
from .finding import Finding

#: Epochs after which accuracy still at chance is a finding.
CHANCE_EPOCHS = 3


def loss_findings(history: History) -> list[Finding]:
    """lr_too_high: a non-finite loss, a loss that ends above where it began, or one that swings."""
    loss = list(history.loss)
    bad = [e for e, v in enumerate(loss) if not math.isfinite(v)]
    if bad:
        return [
            Finding(
                "lr_too_high",
                None,
                "error",
                f"the training stopped being finite in epoch {bad[0]} (loss {loss[bad[0]]}): "
                "the steps overshot until the numbers overflowed; lower the learning rate "
                "(by 10×), scale the inputs",
            )
        ]
    if len(loss) < 2:
        return []
    rises = sum(b > a for a, b in zip(loss, loss[1:], strict=False))
    if loss[-1] > loss[0]:
        what = f"the training loss rose from {loss[0]:.4g} (epoch 0) to {loss[-1]:.4g}"
    elif len(loss) >= 4 and rises >= max(2, (len(loss) - 1) // 2):
        what = f"the training loss rose in {rises} of {len(loss) - 1} epochs ({_trail(loss)})"
    else:
        return []
    return [
        Finding(
            "lr_too_high",
            None,
            "warning",
            f"{what}: steps that overshoot the minimum make the loss climb or swing; lower "
            "the learning rate (by 3 to 10×), or add decay",
        )
    ]


def _trail(loss: list[float]) -> str:
    shown = loss if len(loss) <= 6 else [*loss[:3], *loss[-3:]]
    text = ", ".join(f"{v:.3g}" for v in shown)
    return text if len(loss) <= 6 else text.replace(f"{shown[2]:.3g}, ", f"{shown[2]:.3g}, …, ", 1)


def _classes(out: Array, Y: Array) -> tuple[Array, Array] | None:
    """(guessed, true) classes from outputs and targets (m×N columns), if Y are classes."""
    if Y.shape[0] == 1:
        if not np.isin(Y, (0.0, 1.0)).all():
            return None
        return (out[0] >= 0.5).astype(np.int64), Y[0].astype(np.int64)
    if not (np.isin(Y, (0.0, 1.0)).all() and (Y.sum(axis=0) == 1).all()):
        return None
    return out.argmax(axis=0), Y.argmax(axis=0)


def chance_findings(
    net: Network, out: Array, Y: Array, history: History, names: Sequence[str] | None = None
) -> list[Finding]:
    """chance_level: accuracy within a small margin of 1/k after several epochs.

    ``out`` and ``Y`` are the outputs and one-hot targets of the sampled rows as
    m×N columns; the history's last validation accuracy is used when it has one.
    ``names``: the classes' names for the message (else their indices).
    """
    classes = _classes(out, Y)
    if history.epochs < CHANCE_EPOCHS or classes is None:
        return []
    guessed, truth = classes
    k = max(net.outputdim, 2)
    val = [v for v in history.val_accuracy if math.isfinite(v)]
    score = val[-1] if val else float(np.mean(guessed == truth))
    chance = 1.0 / k
    if score > chance + 0.05 * (1 - chance):
        return []
    values, counts = np.unique(guessed, return_counts=True)
    top = int(counts.argmax())
    share = counts[top] / len(guessed)
    name = str(values[top]) if names is None else names[int(values[top])]
    guess = f"; it predicts class {name} for {share:.0%} of the rows" if share > 0.5 else ""
    return [
        Finding(
            "chance_level",
            None,
            "warning",
            f"after {history.epochs} epochs the accuracy is {score:.3f}, chance for {k} classes "
            f"is {chance:.3f}{guess}: the network has not learned; see the other findings "
            f"(dead or saturated units, unscaled inputs, label encoding) and check the learning "
            f"rate and that the {net.layers[-1].activation.name} output suits the cost "
            f"{net.cost.name}",
        )
    ]
