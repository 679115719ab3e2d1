"""A network described as a table, as Keras and PyTorch users expect.

``summary(net)`` (also ``repr(net)``) lists one row per layer l: its input and
output sizes, its activation, the shapes of W_l (out×in) and b_l (out×1), its
parameter count out·in + out, and the initializer that drew its weights; then
the total parameter count and memory, the sizes and the cost. The text is ASCII
only, so it prints on any console.
"""

from __future__ import annotations

import numpy as np

from ..structs import Network

HEADER = ("#", "layer", "in", "out", "activation", "weights", "bias", "params", "init")
# Columns holding numbers are right-aligned, the others left-aligned.
_RIGHT = {0, 2, 3, 7}

# The per-sample cost of each built-in, so "quadratic" and "mse" are not confused.
COST_FORMULAS = {
    "quadratic": "C = 0.5 * sum((a - y)^2)",
    "mse": "C = mean((a - y)^2)",
    "cross_entropy": "C = -sum(y * log(a))",
}


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def layer_rows(net: Network) -> list[tuple[str, ...]]:
    """The summary's rows, one per layer, as text cells under :data:`HEADER`."""
    return [
        (
            str(i),
            "Dense",
            str(layer.insize),
            str(layer.outsize),
            layer.activation.name,
            _shape(layer.weights.shape),
            _shape(layer.bias.shape),
            f"{layer.nparams:,}",
            layer.init,
        )
        for i, layer in enumerate(net.layers)
    ]


def total_text(net: Network) -> str:
    """The total parameter count and its memory in the network's dtype."""
    dtype = np.dtype(net.dtype)
    return f"{net.nparams:,} parameters ({_bytes(net.nparams * dtype.itemsize)} as {dtype.name})"


def summary(net: Network) -> str:
    """A table of the layers and the cost of ``net``, as one string.

    One row per layer: index, type (``Dense``), input and output sizes,
    activation, shapes of W (out×in) and b (out×1), parameters out·(in + 1) and
    initializer; then the total parameters and their memory in the network's
    dtype, the sizes [inputdim, out_0, ..., out_{L-1}] and the cost with its
    formula for one sample.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    rows = [HEADER, *layer_rows(net)]
    widths = [max(len(row[c]) for row in rows) for c in range(len(HEADER))]
    rule = "  ".join("-" * w for w in widths)
    dtype = np.dtype(net.dtype)
    lines = [f"Network(inputdim={net.inputdim}, cost={net.cost.name}, dtype={dtype.name})"]
    for k, row in enumerate(rows):
        cells = [
            cell.rjust(w) if c in _RIGHT else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append(rule)
    if not net.layers:
        lines.append("(no layers: add one with add_layer(net, outsize, activation))")
    lines.append(rule)
    nparams = net.nparams
    lines.append(
        f"total parameters: {nparams:,} ({_bytes(nparams * dtype.itemsize)} as {dtype.name})"
    )
    lines.append("sizes: " + "-".join(str(s) for s in net.sizes))
    formula = COST_FORMULAS.get(net.cost.name)
    lines.append(f"cost: {net.cost.name}" + (f", {formula}" if formula else ""))
    return "\n".join(lines)
