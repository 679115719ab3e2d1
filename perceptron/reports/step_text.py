"""One explained training step as text: forward, backward, update, and the cost after.

Numbers are rounded to ``precision`` significant digits (``None``: every
digit, the shortest text that reads back as the same float, as the article's
Python session prints it). Small arrays are shown whole, before and after the
update; a large weight matrix by a few named entries, W[i][j]: before → after,
so the change of a weight can be seen.
"""

from __future__ import annotations

import numpy as np

from ..types import Array
from .explain import LayerStep, Step

FULL = 12  # arrays with at most this many numbers are shown whole
ENTRIES = 3  # named entries shown of a larger array


def _num(value: float, precision: int | None) -> str:
    # 17 significant digits tell every float64 apart: from there on, print the shortest
    # text that reads back as the same float, as the article's Python session does.
    if precision is None or precision >= 17:
        return repr(float(value))
    return f"{float(value):.{precision}g}"


def _arr(array: Array, precision: int | None) -> str:
    if array.size == 1:
        return _num(array.reshape(-1)[0], precision)
    if array.size <= FULL and array.ndim == 2 and array.shape[1] == 1:
        # A column is printed as a transposed row, to keep one line per vector.
        return "[" + ", ".join(_num(v, precision) for v in array[:, 0]) + "]ᵀ"
    if array.size <= FULL:
        rows = ("[" + ", ".join(_num(v, precision) for v in row) + "]" for row in array)
        return "[" + ", ".join(rows) + "]"
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    return (
        f"<{array.shape[0]}×{array.shape[1]}: min {flat.min():.4g}, max {flat.max():.4g}, "
        f"norm {np.linalg.norm(flat):.4g}>"
    )


def _changes(name: str, before: Array, after: Array, precision: int | None) -> list[str]:
    """A few named entries of a large array, before → after (the ones that moved most)."""
    moved = np.abs(after - before).reshape(-1)
    picks = np.argsort(-moved, kind="stable")[:ENTRIES]
    lines = []
    for flat in sorted(int(p) for p in picks):
        i, j = np.unravel_index(flat, before.shape)
        old, new = _num(before[i, j], precision), _num(after[i, j], precision)
        lines.append(f"    {name}[{i}][{j}]: {old} → {new}")
    return lines


def _update(r: LayerStep, precision: int | None) -> list[str]:
    lines = [f"  layer {r.index}"]
    for name, before, after in (("b", r.bias, r.new_bias), ("W", r.weights, r.new_weights)):
        label = f"{name}{r.index}"
        if after.size <= FULL:
            lines.append(
                f"    {label} = {_arr(after, precision)}  (before: {_arr(before, precision)})"
            )
        else:
            lines.append(f"    {label}: {after.size} numbers; the {ENTRIES} that moved most:")
            lines += _changes(label, before, after, precision)
    return lines


def _forward(step: Step, precision: int | None) -> list[str]:
    lines = ["forward: z = W·a_prev + b, a = σ(z)"]
    for r in step.layers:
        name = "x" if r.index == 0 else f"a{r.index - 1}"
        lines.append(f"  layer {r.index} ({r.activation}), a_prev = {name}")
        for label, value in (("W", r.weights), ("b", r.bias), ("z", r.z), ("a", r.a)):
            lines.append(f"    {label}{r.index} = {_arr(value, precision)}")
    lines.append(f"  cost C = {_num(step.loss, precision)}")
    return lines


def _backward(step: Step, precision: int | None) -> list[str]:
    lines = ["backward: dC/db = σ'(z) ⊙ dC/da, dC/dw = dC/db · a_prevᵀ, dC/da_prev = Wᵀ · dC/db"]
    last = len(step.layers) - 1
    for r in reversed(step.layers):
        lines.append(f"  layer {r.index}")
        if r.dC_da is None:
            lines.append("    dC/da: (softmax with cross-entropy: dC/dz = a − y directly)")
        else:
            source = (
                " (from the cost)" if r.index == last else f" (dC/da_prev of layer {r.index + 1})"
            )
            lines.append(f"    dC/da{r.index} = {_arr(r.dC_da, precision)}{source}")
        lines.append(f"    dC/db{r.index} = {_arr(r.dC_db, precision)}")
        lines.append(f"    dC/dw{r.index} = {_arr(r.dC_dw, precision)}")
        prev = "dC/dx" if r.index == 0 else f"dC/da{r.index - 1}"
        lines.append(f"    {prev} = {_arr(r.dC_da_prev, precision)}")
    return lines


def format_step(step: Step, title: str | None = None, precision: int | None = None) -> str:
    """The step as text, layer by layer: forward, backward, update, and after."""
    sizes = "-".join(str(n) for n in [step.x.shape[0]] + [r.a.shape[0] for r in step.layers])
    lr = _num(step.lr, None)
    lines = [title or f"One training step of a {sizes} network"]
    lines.append(f"  x = {_arr(step.x, precision)}")
    lines.append(f"  y = {_arr(step.y, precision)}")
    lines.append(f"  cost {step.cost}, learning rate η = {lr}")
    lines.append("  layers count from 0 (the article's L1, L2, … are layers 0, 1, …)")
    lines += ["", *_forward(step, precision), "", *_backward(step, precision), ""]
    lines.append(f"update: w ← w − η·dC/dw, b ← b − η·dC/db (η = {lr})")
    for r in reversed(step.layers):
        lines += _update(r, precision)
    lines += ["", "after the step, the same x again"]
    for r in step.layers:
        lines.append(f"  layer {r.index}: z{r.index} = {_arr(r.new_z, precision)}")
        lines.append(f"  {' ' * len(f'layer {r.index}')}  a{r.index} = {_arr(r.new_a, precision)}")
    change = step.new_loss - step.loss
    lines.append(
        f"  cost C = {_num(step.new_loss, precision)} (before: {_num(step.loss, precision)})"
    )
    verdict = "lower" if change < 0 else "not lower"
    lines.append(f"  the cost changed by {change:.6g}: {verdict} after one step")
    return "\n".join(lines)
