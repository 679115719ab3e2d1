"""The layer table of a network and the epoch table of a history, as text and as HTML.

One row per layer l: its input and output sizes, its activation, the shapes of
W_l (out×in) and b_l (out×1), its parameter count out·in + out, and the
initializer that drew its weights; then the total parameter count and memory,
the sizes and the cost. The text is ASCII only, so it prints on any console.

The functions read only public fields (``net.layers``, ``layer.weights``,
``history.loss``, ...), so this module sits below ``network`` and ``history``,
whose ``_repr_html_`` call it.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

HEADER = ("#", "layer", "in", "out", "activation", "weights", "bias", "params", "init")
# Columns holding numbers are right-aligned, the others left-aligned.
RIGHT = {0, 2, 3, 7}

# The per-sample cost of each built-in, so "quadratic" and "mse" are not confused.
COST_FORMULAS = {
    "quadratic": "C = 0.5 * sum((a - y)^2)",
    "mse": "C = mean((a - y)^2)",
    "cross_entropy": "C = -sum(y * log(a))",
}

#: A history table longer than this shows its first and last epochs around a gap.
HISTORY_ROWS = 12


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def layer_rows(net: Any) -> list[tuple[str, ...]]:
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


def total_text(net: Any) -> str:
    """The total parameter count and its memory in the network's dtype."""
    dtype = np.dtype(net.dtype)
    return f"{net.nparams:,} parameters ({_bytes(net.nparams * dtype.itemsize)} as {dtype.name})"


def cost_text(net: Any) -> str:
    """The cost's name and, for a built-in one, its formula for one sample."""
    formula = COST_FORMULAS.get(net.cost.name)
    return net.cost.name + (f", {formula}" if formula else "")


def summary_text(net: Any) -> str:
    """The layer table of ``net`` as lines of text (see :func:`perceptron.summary`)."""
    rows = [HEADER, *layer_rows(net)]
    widths = [max(len(row[c]) for row in rows) for c in range(len(HEADER))]
    rule = "  ".join("-" * w for w in widths)
    dtype = np.dtype(net.dtype)
    lines = [f"Network(inputdim={net.inputdim}, cost={net.cost.name}, dtype={dtype.name})"]
    for k, row in enumerate(rows):
        cells = [
            cell.rjust(w) if c in RIGHT else cell.ljust(w)
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
    lines.append(f"cost: {cost_text(net)}")
    return "\n".join(lines)


def _html_table(header: tuple[str, ...], rows: list[tuple[str, ...]], attrs: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _attrs(table_id: str | None, css_class: str | None) -> str:
    return (f' id="{html.escape(table_id)}"' if table_id else "") + (
        f' class="{html.escape(css_class)}"' if css_class else ""
    )


def layer_table_html(net: Any, table_id: str | None = None, css_class: str | None = None) -> str:
    """The layer table as an HTML ``<table>``, then the totals and the cost in a ``<p>``."""
    attrs = _attrs(table_id, css_class)
    cost = cost_text(net).replace(", ", ": ", 1)
    return (
        _html_table(HEADER, layer_rows(net), attrs)
        + f"<p>{html.escape(total_text(net))}; cost {html.escape(cost)}.</p>"
    )


def _cell(values: list[float], epoch: int, percent: bool = False) -> str:
    if epoch >= len(values) or not math.isfinite(values[epoch]):
        return ""
    return f"{values[epoch]:.2%}" if percent else f"{values[epoch]:.5g}"


def history_rows(history: Any) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The header and one row per epoch (first and last few around a ``⋮`` row when long)."""
    header = ["epoch", "loss"]
    if history.val_loss:
        header += ["val_loss", "val_accuracy"]
    header.append("time")
    epochs = list(range(len(history.loss)))
    if len(epochs) > HISTORY_ROWS:
        half = HISTORY_ROWS // 2
        epochs = [*epochs[:half], -1, *epochs[-half:]]
    rows = []
    for e in epochs:
        if e < 0:
            rows.append(("⋮",) + ("",) * (len(header) - 1))
            continue
        row = [str(e), _cell(history.loss, e)]
        if history.val_loss:
            row += [_cell(history.val_loss, e), _cell(history.val_accuracy, e, percent=True)]
        row.append(f"{history.epoch_time[e]:.3f} s" if e < len(history.epoch_time) else "")
        rows.append(tuple(row))
    return tuple(header), rows


def history_table_html(history: Any, css_class: str | None = None) -> str:
    """The per-epoch figures of a history as an HTML ``<table>``."""
    header, rows = history_rows(history)
    return _html_table(header, rows, _attrs(None, css_class))
