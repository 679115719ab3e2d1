"""Using a trained network: ``predict`` and ``accuracy`` over rows of data."""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import as_float_array, as_rows, check_weights
from .structs import Network
from .types import Array


def forward_rows(net: Network, X: Array, keep_logits: bool = False) -> tuple[Array, Array]:
    """Outputs (N×m) for checked rows X, and the last layer's z (N×m) if asked.

    Works on all rows at once (columns are samples inside), without touching
    the layers' caches, so it may run between feedforward and backpropagate.
    """
    with np.errstate(over="ignore", under="ignore"):
        return _forward(net, X, keep_logits)


def _forward(net: Network, X: Array, keep_logits: bool) -> tuple[Array, Array]:
    a = X.T
    z = a
    for layer in net.layers:
        z = layer.weights @ a + layer.bias
        a = layer.activation.f(z)
    return a.T, (z.T if keep_logits else z)


def predict(net: Network, X: Any) -> Array:
    """The network's outputs for the rows of X (N×k): an N×m array, one row each."""
    check_weights(net)
    rows = as_rows(X, net.inputdim, "X", net.dtype)
    return forward_rows(net, rows)[0]


def classes_of(out: Array) -> Array:
    """The class each row of outputs (N×m) stands for: the largest unit, or, for a single
    output unit (a yes/no classifier), 1 where it is at least 0.5."""
    if out.shape[1] == 1:
        return (out[:, 0] >= 0.5).astype(np.int64)
    return out.argmax(axis=1)


def is_one_hot(Y: Array) -> bool:
    """Every row holds a single 1 and zeros elsewhere (two or more columns)."""
    return bool(
        Y.ndim == 2
        and Y.shape[1] >= 2
        and np.isin(Y, (0.0, 1.0)).all()
        and (Y.sum(axis=1) == 1).all()
    )


def accuracy(net: Network, X: Any, Y: Any) -> float:
    """Fraction of rows whose predicted class is the true one.

    ``Y`` is either one-hot (N×m) or integer labels (N). With a single output
    unit the prediction is the output rounded at 0.5 (labels 0 or 1).
    """
    out = predict(net, X)
    labels = as_float_array(Y, "Y", np.float64)
    if labels.ndim == 2 and labels.shape[1] == net.outputdim and labels.shape[1] > 1:
        truth = labels.argmax(axis=1)
    elif labels.ndim == 1 or (labels.ndim == 2 and labels.shape[1] == 1):
        truth = labels.reshape(-1)
        if not np.array_equal(truth, np.round(truth)):
            raise ValueError(
                "Y: holds numbers with fractions, so this looks like a regression; accuracy "
                "counts right classes; use regression_scores(net, X, Y) for the mean squared "
                "error and R²"
            )
        if (truth < 0).any():
            raise ValueError("Y: expected integer class labels >= 0")
        # One output unit is a yes/no classifier: its labels are 0 or 1.
        classes = max(net.outputdim, 2)
        if truth.size and truth.max() >= classes:
            raise ValueError(
                f"Y: labels must be below the number of classes {classes}, got {int(truth.max())}"
            )
    else:
        raise ValueError(
            f"Y: expected one-hot rows (N, {net.outputdim}) or labels (N,), got shape "
            f"{labels.shape}"
        )
    if len(truth) != len(out):
        raise ValueError(
            f"X and Y: expected the same number of rows, got {len(out)} and {len(truth)}"
        )
    return float(np.mean(classes_of(out) == truth))


def regression_scores(net: Network, X: Any, Y: Any) -> tuple[float, float]:
    """(mean squared error, R²) of the network's outputs against the targets Y.

    MSE = mean over rows and outputs of (a − y)²; R² = 1 − Σ(a − y)² / Σ(y − ȳ)²
    with ȳ each output's mean over the rows (NaN when Y is constant). Y is
    (N,) for one output or N×m.
    """
    out = predict(net, X)
    targets = as_float_array(Y, "Y", np.float64)
    if targets.ndim == 1:
        targets = targets.reshape(-1, 1)
    if targets.shape != out.shape:
        raise ValueError(
            f"Y: expected targets of shape {out.shape} (one row per row of X, one column per "
            f"output), got {targets.shape}"
        )
    error = out - targets
    spread = float(((targets - targets.mean(axis=0)) ** 2).sum())
    residual = float((error**2).sum())
    return float((error**2).mean()), (1.0 - residual / spread) if spread else float("nan")


def evaluate_loss(net: Network, X: Array, Y: Array) -> tuple[float, float]:
    """Mean cost and (for one-hot Y) accuracy over the rows of checked X and Y."""
    loss, out = loss_and_outputs(net, X, Y)
    acc = float("nan")
    if is_one_hot(Y):
        acc = float(np.mean(out.argmax(axis=1) == Y.argmax(axis=1)))
    return loss, acc


def loss_and_outputs(net: Network, X: Array, Y: Array) -> tuple[float, Array]:
    """Mean cost over the rows of checked X and Y, and the outputs (N×m) it came from."""
    out, z = forward_rows(net, X, keep_logits=True)
    last = net.layers[-1]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        losses = net.cost.loss(z.T, out.T, Y.T, last.activation)
    return float(np.mean(losses)), out
