"""Finding where the learner's gradients first differ, and which common mistake gives them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..structs import Network
from ..types import Array
from .crash import column_shapes
from .passes import (
    Variant,
    delta_variants,
    last_sample_variant,
    prev,
    reference_pass,
    scale_variants,
    shape_variants,
)
from .report import QUANTITIES, BackpropCheck

RTOL = 1e-5


def close(got: Any, want: Array, exact_shape: bool = True) -> bool:
    """Whether ``got`` holds the numbers of ``want`` (its shape too, if ``exact_shape``)."""
    if not isinstance(got, np.ndarray) or not np.issubdtype(got.dtype, np.number):
        return False
    if got.shape != want.shape and (exact_shape or got.size != want.size):
        return False
    g, w = got.reshape(-1).astype(np.float64), want.reshape(-1)
    scale = max(float(np.abs(w).max(initial=0.0)), 1e-12)
    return bool(np.all(np.abs(g - w) <= RTOL * scale))


def _candidates(result: BackpropCheck, p: Any, l: int) -> list[Variant]:
    mean = result.mean
    expected = result.expected[l]
    found = delta_variants(p, l)
    if mean:
        for v in found:
            v.dW = None if v.dW is None else v.dW / p.samples
            v.db = None if v.db is None else v.db / p.samples
    found += scale_variants(p, l, expected, mean) + shape_variants(p, l, expected, mean)
    if result.form.startswith("fn(net") and p.samples > 1:
        found.append(last_sample_variant(p, l))
    return found


def _shape_hint(l: int, quantity: str, got: Any, want: Array, sizes: list[int]) -> str:
    shape = getattr(got, "shape", None)
    name = f"{QUANTITIES[quantity]}[{l}]"
    what = f"W[{l}]" if quantity == "dC_dweights" else f"b[{l}]"
    if got is None or shape is None:
        return f"{name} is {type(got).__name__}, expected an array of shape {want.shape}"
    head = f"{name} is {shape}, expected {want.shape} like {what}"
    if len(shape) == 1 and int(np.prod(shape)) == want.size:
        return (
            f"{head}: one sample is a column, so keep 2-D arrays (x is {sizes[0]}×1, not "
            f"({sizes[0]},)); reshape(-1, 1) a vector, or use np.outer for δ {prev(l)}ᵀ"
        )
    return f"{head}; {column_shapes(sizes)}"


def _identify(result: BackpropCheck, p: Any, l: int, quantity: str) -> None:
    index = 0 if quantity == "dC_dweights" else 1
    got, want = result.got[l][index], result.expected[l][index]
    result.layer, result.quantity = l, quantity
    for variant in _candidates(result, p, l):
        value = variant.dW if index == 0 else variant.db
        if value is None or close(value, want, exact_shape=False):
            continue
        if close(got, value, exact_shape=not variant.code.startswith("bias_wrong")):
            result.variant, result.hint = variant.code, variant.hint
            return
    if close(got, want, exact_shape=False) or getattr(got, "shape", None) != want.shape:
        result.variant = "shape"
        result.hint = _shape_hint(l, quantity, got, want, result.sizes)
        return
    result.variant = None
    result.hint = (
        f"{QUANTITIES[quantity]}[{l}] differs and none of the common mistakes gives these "
        f"numbers: compare δ[{l}] by hand with the equation below"
    )


def find_mistake(result: BackpropCheck, net: Network, x: Array, y: Array) -> None:
    """Fill ``result``: ok, or the first differing layer (from the output down) and its hint."""
    p = reference_pass(
        [layer.weights for layer in net.layers],
        [layer.bias for layer in net.layers],
        [layer.activation for layer in net.layers],
        net.cost,
        x,
        y,
    )
    for l in range(len(net.layers) - 1, -1, -1):
        for index, quantity in enumerate(QUANTITIES):
            if not close(result.got[l][index], result.expected[l][index]):
                _identify(result, p, l, quantity)
                return
    result.ok = True
