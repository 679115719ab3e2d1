"""A network described as a table, as Keras and PyTorch users expect."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .network import Network


def summary(net: Network) -> str:
    """A table of the layers (sizes, activation, parameters, initializer) and the cost."""
    header = ("#", "layer", "in", "out", "activation", "params", "init")
    rows = [header]
    for i, layer in enumerate(net.layers):
        rows.append(
            (
                str(i),
                "Dense",
                str(layer.insize),
                str(layer.outsize),
                layer.activation.name,
                f"{layer.nparams:,}",
                layer.init,
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    lines = [f"Network(inputdim={net.inputdim}, cost={net.cost.name}, dtype={net.dtype})"]
    rule = "  ".join("-" * w for w in widths)
    for k, row in enumerate(rows):
        cells = [
            cell.rjust(w) if c in (0, 2, 3, 5) else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append(rule)
    if not net.layers:
        lines.append("(no layers)")
    lines.append(rule)
    lines.append(f"total parameters: {net.nparams:,}")
    return "\n".join(lines)
