"""Findings about the data: targets the cost cannot use, inputs far from unit scale."""

from __future__ import annotations

import numpy as np

from ..structs import Network
from ..types import Array
from .finding import Finding

#: Inputs beyond this push a sigmoid or tanh unit with unit-scale weights to saturation.
LARGE_INPUT = 10.0


def targets_as_columns(net: Network, Y: Array) -> tuple[Array | None, list[Finding]]:
    """Y as the m×N columns the cost expects, and what is wrong with it (if anything).

    Integer labels for a network of m > 1 outputs are turned into one-hot
    columns (and reported): the rest of the diagnosis can then still run.
    """
    m, name = net.outputdim, net.cost.name
    labels = Y.reshape(-1) if Y.ndim == 1 or (Y.ndim == 2 and Y.shape[1] == 1) else None
    if labels is not None and m > 1:
        whole = np.all(np.isfinite(labels)) and np.all(labels == np.round(labels))
        if whole and labels.min() >= 0 and labels.max() < m:
            onehot = np.eye(m)[labels.astype(np.int64)].T
            return onehot, [
                Finding(
                    "label_encoding",
                    None,
                    "error",
                    f"the targets are integer labels (shape {Y.shape}, values "
                    f"{int(labels.min())} to {int(labels.max())}) but the network has {m} "
                    f"outputs and the cost {name} compares a row of {m} numbers with each: "
                    f"pass one-hot rows, Y = one_hot(labels, {m})",
                )
            ]
        return None, [
            Finding(
                "label_encoding",
                None,
                "error",
                f"the targets have shape {Y.shape}, the network {m} outputs: expected rows of "
                f"{m} (one-hot rows of {m} classes for a classifier)",
            )
        ]
    if Y.ndim != 2 or Y.shape[1] != m:
        return None, [
            Finding(
                "label_encoding",
                None,
                "error",
                f"the targets have shape {Y.shape}; expected {m} columns, one a network output",
            )
        ]
    return Y.T, _target_range(net, Y)


def _target_range(net: Network, Y: Array) -> list[Finding]:
    """Targets the output activation cannot reach, or that the cost refuses."""
    act, m = net.layers[-1].activation.name, net.outputdim
    if net.cost.name == "cross_entropy":
        sums = Y.sum(axis=1)
        if np.any(Y < 0) or not np.allclose(sums, 1.0, atol=1e-6):
            return [
                Finding(
                    "label_encoding",
                    None,
                    "error",
                    f"cross_entropy needs target rows that are probability vectors (summing to "
                    f"1); these sum to {sums.min():.3g} to {sums.max():.3g}: use one-hot rows",
                )
            ]
    low, high = {"sigmoid": (0, 1), "softmax": (0, 1), "tanh": (-1, 1), "relu": (0, np.inf)}.get(
        act, (-np.inf, np.inf)
    )
    if Y.min() < low or Y.max() > high:
        return [
            Finding(
                "label_encoding",
                None,
                "error",
                f"the targets range from {Y.min():.3g} to {Y.max():.3g}, but a {act} output "
                f"lies between {low} and {high}: the network can never reach them; scale the "
                "targets, or use an identity output for numbers"
                + (f" (or one-hot rows of {m} classes)" if m > 1 else ""),
            )
        ]
    return []


def input_findings(X: Array) -> list[Finding]:
    """Non-finite inputs (an error) and inputs far from unit scale (a warning)."""
    bad = ~np.isfinite(X)
    if bad.any():
        row, column = (int(i[0]) for i in np.nonzero(bad))
        return [
            Finding(
                "not_finite",
                None,
                "error",
                f"the inputs hold {int(bad.sum())} non-finite values (first: row {row}, "
                f"column {column}, {X[row, column]}): every z computed from them is NaN; "
                "remove or fill those values",
            )
        ]
    largest = float(np.abs(X).max(initial=0.0))
    if largest <= LARGE_INPUT:
        return []
    return [
        Finding(
            "unscaled_inputs",
            None,
            "warning",
            f"the inputs reach {largest:g} (mean {X.mean():.3g}, standard deviation "
            f"{X.std():.3g}); with weights of unit scale, z = W x + b is then large, sigmoid "
            "and tanh units saturate (σ′ ≈ 0) and learning crawls: scale the inputs to about "
            "-1 to 1 (divide pixels by 255) or standardise each column",
        )
    ]
