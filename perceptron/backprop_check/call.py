"""Calling the learner's backprop in either of its two forms, and reading its gradients back.

* ``fn(weights, biases, x, y)`` gets lists of arrays (``weights[l]`` out×in,
  ``biases[l]`` out×1) and x (k×n), y (m×n), and returns two lists: the
  gradients ``(dC_dweights, dC_dbias)``, or ``(dC_dbias, dC_dweights)`` as
  Nielsen's ``backprop`` returns them; the shapes tell which.
* ``fn(net, x, y)`` fills ``layer.dC_dweights`` and ``layer.dC_dbias`` of a
  :class:`~perceptron.structs.Network` the article's way; it is called once a
  sample, after ``feedforward(net, x)``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..structs import Network
from ..training import feedforward
from ..types import Array

Grads = list[tuple[Any, Any]]

ARRAYS_FORM = "fn(weights, biases, x, y)"
NET_FORM = "fn(net, x, y)"


def form_of(fn: Callable[..., Any]) -> str:
    """Which of the two forms ``fn`` takes, from its number of positional parameters."""
    if not callable(fn):
        raise TypeError(f"fn: expected a function, got {type(fn).__name__}")
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ARRAYS_FORM
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p for p in params if p.kind in kinds and p.default is inspect.Parameter.empty]
    if len(required) == 3:
        return NET_FORM
    if len(required) == 4:
        return ARRAYS_FORM
    raise TypeError(
        f"fn: expected fn(weights, biases, x, y) or fn(net, x, y), got a function of "
        f"{len(required)} required arguments"
    )


def call_net_form(fn: Callable[..., Any], net: Network, x: Array, y: Array) -> Grads:
    """Run ``fn`` on a copy of ``net`` with zeroed sums, one column sample at a time."""
    probe = copy.deepcopy(net)
    for layer in probe.layers:
        layer.dC_dweights = np.zeros_like(layer.weights)
        layer.dC_dbias = np.zeros_like(layer.bias)
        layer.accumulated = 0
    for j in range(x.shape[1]):
        feedforward(probe, x[:, j : j + 1])
        fn(probe, x[:, j : j + 1].copy(), y[:, j : j + 1].copy())
    return [(layer.dC_dweights, layer.dC_dbias) for layer in probe.layers]


def _shape(value: Any) -> tuple[int, ...] | None:
    return tuple(np.shape(value)) if isinstance(value, np.ndarray | list | float | int) else None


def _fits(values: list[Any], shapes: list[tuple[int, ...]], exact: bool) -> int:
    """How many of ``values`` have the expected shape (or, not exact, the expected size)."""
    count = 0
    for value, shape in zip(values, shapes, strict=False):
        got = _shape(value)
        if got == shape or (not exact and got is not None and int(np.prod(got)) == np.prod(shape)):
            count += 1
    return count


def read_pair(result: Any, net: Network) -> tuple[Grads, str]:
    """The learner's two lists as (dW, db) per layer, and the order assumed, in words."""
    L = len(net.layers)
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(
            f"fn returned {type(result).__name__}; expected two lists, (dC_dweights, dC_dbias) "
            "or (dC_dbias, dC_dweights), one array a layer"
        )
    first, second = (list(part) if isinstance(part, tuple | list) else None for part in result)
    if first is None or second is None or len(first) != L or len(second) != L:
        raise TypeError(
            f"fn returned {type(result[0]).__name__} and {type(result[1]).__name__}; expected two "
            f"lists of {L} arrays, one a layer"
        )
    w_shapes = [layer.weights.shape for layer in net.layers]
    b_shapes = [layer.bias.shape for layer in net.layers]
    ambiguous = w_shapes == b_shapes
    for exact in (True, False):
        straight = _fits(first, w_shapes, exact) + _fits(second, b_shapes, exact)
        swapped = _fits(first, b_shapes, exact) + _fits(second, w_shapes, exact)
        if straight != swapped and not ambiguous:
            break
    if not ambiguous and swapped > straight:
        how = "(dC_dbias, dC_dweights), Nielsen's order, read from the shapes"
        return list(zip(second, first, strict=True)), how
    how = "(dC_dweights, dC_dbias)" + (
        ", assumed: every layer's W and b have the same shape here" if ambiguous else ""
    )
    return list(zip(first, second, strict=True)), how


def call_arrays_form(fn: Callable[..., Any], net: Network, x: Array, y: Array) -> tuple[Grads, str]:
    weights = [layer.weights.copy() for layer in net.layers]
    biases = [layer.bias.copy() for layer in net.layers]
    return read_pair(fn(weights, biases, x.copy(), y.copy()), net)
