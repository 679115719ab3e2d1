"""The result of ``check_backprop`` and its printable report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..types import Array

QUANTITIES = {"dC_dweights": "∂C/∂W", "dC_dbias": "∂C/∂b"}


@dataclass
class BackpropCheck:
    """What ``check_backprop`` found.

    ``ok`` is True when every gradient matches. Otherwise ``layer`` is the
    first layer (from the output down, numbered from 0 = the first layer after
    the input) whose ``quantity`` (``"dC_dweights"`` or ``"dC_dbias"``)
    differs, ``variant`` the code of the common mistake recognised (None if
    none fits) and ``hint`` what to change. ``expected`` and ``got`` hold the
    gradients, one (∂C/∂W, ∂C/∂b) pair a layer; ``finite_difference_error`` is
    the reference's largest relative error against finite differences.
    """

    ok: bool
    layer: int | None
    quantity: str | None
    hint: str
    form: str
    sizes: list[int]
    activations: list[str]
    cost: str
    samples: int
    mean: bool
    expected: list[tuple[Array, Array]]
    finite_difference_error: float
    got: list[tuple[Any, Any]] = field(default_factory=list)
    order: str = ""
    variant: str | None = None
    crash: Any = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.report()

    def report(self, precision: int = 5) -> str:
        """The verdict, the equation of the layer, and the numbers side by side."""
        net = "-".join(map(str, self.sizes))
        acts = ", ".join(sorted(set(self.activations), key=self.activations.index))
        lines = [
            f"check_backprop: a {net} network ({acts}), cost {self.cost}, "
            f"{self.samples} sample{'s' if self.samples > 1 else ''}"
            + (", gradients averaged" if self.mean else ""),
            f"reference: backpropagation agrees with finite differences "
            f"(largest relative error {self.finite_difference_error:.1e})",
            f"your function: {self.form}" + (f", read as {self.order}" if self.order else ""),
        ]
        if self.ok:
            return "\n".join([*lines, "ok: " + self.hint])
        where = f"layer {self.layer}, {self.quantity}" if self.layer is not None else "no layer"
        lines += [f"NOT ok: {where}", "hint: " + self.hint]
        if self.crash is not None:
            lines.append("your function raised " + self.crash.error.splitlines()[-1])
            if self.crash.where:
                lines.append("  at " + self.crash.where)
            return "\n".join(lines)
        if self.layer is not None and self.quantity is not None:
            lines += ["equations:", *equations(self, self.layer)]
            lines += side_by_side(self, self.layer, self.quantity, precision)
        return "\n".join(lines)


def equations(check: BackpropCheck, l: int) -> list[str]:
    """The equations of layer l, as the reference computes them."""
    last = l == len(check.sizes) - 2
    act = check.activations[l]
    a_prev = "x" if l == 0 else f"a[{l - 1}]"
    if last and act == "softmax" and check.cost == "cross_entropy":
        delta = f"δ[{l}] = a[{l}] − y   (softmax with cross-entropy)"
    elif last:
        delta = f"δ[{l}] = ∂C/∂a[{l}] ⊙ σ′(z[{l}])   ({act}, cost {check.cost})"
    else:
        delta = f"δ[{l}] = (W[{l + 1}]ᵀ δ[{l + 1}]) ⊙ σ′(z[{l}])   ({act})"
    total = f", summed over the {check.samples} samples" if check.samples > 1 else ""
    if check.mean:
        total = f", averaged over the {check.samples} samples"
    return [
        "  " + delta,
        f"  ∂C/∂W[{l}] = δ[{l}] {a_prev}ᵀ{total}",
        f"  ∂C/∂b[{l}] = δ[{l}]{total}",
    ]


def _rows(value: Any, precision: int) -> list[str]:
    if not isinstance(value, np.ndarray):
        return [repr(value)]
    array = np.atleast_2d(value) if value.ndim < 2 else value.reshape(value.shape[0], -1)
    return [
        " ".join(f"{v:>{precision + 7}.{precision}g}" for v in np.asarray(row, dtype=float))
        for row in array
    ]


def side_by_side(check: BackpropCheck, l: int, quantity: str, precision: int) -> list[str]:
    """Expected and learner's numbers of one gradient, row by row."""
    index = 0 if quantity == "dC_dweights" else 1
    want = check.expected[l][index]
    got = check.got[l][index]
    left, right = _rows(want, precision), _rows(got, precision)
    width = max(len(r) for r in left + ["expected"])
    shape = getattr(got, "shape", None)
    out = [f"{QUANTITIES[quantity]}[{l}]: expected {want.shape}, yours {shape}"]
    out.append(f"  {'expected':<{width}}  |  yours")
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        out.append(f"  {a:<{width}}  |  {b}")
    return out
