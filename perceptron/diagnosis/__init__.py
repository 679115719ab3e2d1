"""Diagnose a network that will not learn, from the caches of one pass over a sample of rows.

``diagnose(net, X, Y)`` pushes a sample of rows forward and backward (columns
are samples: z = W a + b, a = σ(z), δ from the cost, δ[l] = σ′(z[l]) ⊙
W[l+1]ᵀ δ[l+1]) without touching the network, and reports what it measured:
non-finite numbers (where they first appear), targets the cost cannot use,
inputs far from unit scale, saturated sigmoid/tanh units, dead relu units,
and δ shrinking or growing from layer to layer; with a ``History``, a loss
that rises or swings and accuracy stuck at chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..epochs import History
from ..structs import Network
from .data import input_findings, targets_as_columns
from .finding import SEVERITIES, Finding, ordered
from .history import chance_findings, loss_findings
from .passes import Caches, backward, forward
from .units import dead, gradient_flow, saturated

__all__ = ["SEVERITIES", "Finding", "diagnose"]


def _rows(net: Network, X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    if not net.layers:
        raise ValueError("net: the network has no layers; add one with add_layer(net, ...)")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != net.inputdim:
        raise ValueError(
            f"X: expected rows of {net.inputdim} inputs, shape (N, {net.inputdim}), got {X.shape}"
        )
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1 and net.outputdim == 1:
        Y = Y.reshape(-1, 1)
    if len(Y) != len(X):
        raise ValueError(f"X and Y: expected the same number of rows, got {len(X)} and {len(Y)}")
    if not len(X):
        raise ValueError("X: expected at least one row")
    return X, Y


def diagnose(
    net: Network,
    X: Any,
    Y: Any,
    history: History | None = None,
    *,
    rows: int = 1000,
    rng: int | np.random.Generator | None = 0,
    classes: Sequence[str] | None = None,
) -> list[Finding]:
    """Findings about ``net`` on the rows X (N×k) and targets Y, most severe first.

    Y is what the cost compares the outputs with: rows of m numbers (one-hot
    rows for a classifier); integer labels are reported as a ``label_encoding``
    error and one-hot encoded for the rest of the diagnosis. At most ``rows``
    rows are used, a seeded sample (``rng``) of them. ``history`` (from
    ``sgd``) adds ``lr_too_high`` and ``chance_level``; ``classes``, the names of
    the outputs' classes, are used in its messages (else their indices). The network is not
    changed. An empty list means nothing was found.
    """
    X, Y = _rows(net, X, Y)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"rows: expected an int >= 1, got {rows!r}")
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history: expected a History from sgd, got {type(history).__name__}")
    if classes is not None and len(classes) != max(net.outputdim, 2):
        raise ValueError(
            f"classes: expected {max(net.outputdim, 2)} names (one per class of the outputs), "
            f"got {len(classes)}"
        )
    if len(X) > rows:
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        pick = np.sort(gen.choice(len(X), rows, replace=False))
        X, Y = X[pick], Y[pick]
    targets, findings = targets_as_columns(net, Y)
    findings += input_findings(X)
    findings += loss_findings(history) if history is not None else []
    if any(f.code == "not_finite" for f in findings):
        return ordered(findings)
    caches = Caches()
    broken = forward(net, X, caches)
    if broken is None and targets is not None:
        broken = backward(net, X, targets, caches)
    if broken is not None:
        return ordered([*findings, broken])
    findings += saturated(net, caches, targets) + dead(net, caches)
    if targets is not None:
        findings += gradient_flow(net, caches)
        if history is not None:
            findings += chance_findings(net, caches.a[-1], targets, history, classes)
    return ordered(findings)
