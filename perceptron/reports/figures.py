"""The report's pictures of the run: the layers, the curves, the confusion matrix.

Each function returns a matplotlib ``Figure`` (matplotlib is the optional
``plot`` extra, imported when a function is called); :func:`embed` turns one
into markup that carries itself: inline SVG with the text drawn as paths, or a
PNG in a ``data:`` address, so the page fetches nothing.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from ..structs import Network
from ..types import Array

#: Drawn units per layer in the diagram; larger layers show the first and last few.
DIAGRAM_UNITS = 10


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["text.parse_math"] = False  # label names come from files: "$x$" is text
    return plt


def embed(fig: Any, fmt: str = "svg", alt: str = "") -> str:
    """The figure as inline SVG, or as an ``<img>`` holding a base64 PNG; closes it."""
    plt = pyplot()
    buffer: io.StringIO | io.BytesIO
    try:
        if fmt == "svg":
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", bbox_inches="tight")
            text = buffer.getvalue()
            svg = text[text.index("<svg") :]  # drop the XML prolog and its DOCTYPE address
            return svg.replace("<svg ", f'<svg role="img" aria-label="{alt}" ', 1)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return f'<img alt="{alt}" src="data:image/png;base64,{data}">'
    finally:
        plt.close(fig)


def _shown_units(size: int) -> list[int | None]:
    """Unit indices drawn for a layer of ``size`` units; None marks the gap."""
    if size <= DIAGRAM_UNITS:
        return list(range(size))
    half = DIAGRAM_UNITS // 2
    return [*range(half - 1), None, *range(size - half, size)]


def diagram(net: Network) -> Any:
    """The layers as columns of units, each joined to every unit of the next."""
    plt = pyplot()
    sizes = net.sizes
    names = ["input"] + [layer.activation.name for layer in net.layers]
    fig, ax = plt.subplots(figsize=(1.8 * len(sizes) + 1, 3.6))
    columns = [_shown_units(s) for s in sizes]
    height = max(len(c) for c in columns)
    points = []
    for i, units in enumerate(columns):
        top = (height - len(units)) / 2
        points.append([(float(i), height - 1 - (top + j)) for j in range(len(units))])
    for i in range(len(sizes) - 1):
        for j, (x0, y0) in enumerate(points[i]):
            for k, (x1, y1) in enumerate(points[i + 1]):
                if columns[i][j] is not None and columns[i + 1][k] is not None:
                    ax.plot([x0, x1], [y0, y1], color="#b8c4d6", linewidth=0.4, zorder=1)
    for i, units in enumerate(columns):
        for (x, y), unit in zip(points[i], units, strict=True):
            if unit is None:
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=14)
            else:
                ax.scatter([x], [y], s=90, color="#3b6ea5" if i else "#8aa1bd", zorder=2)
        ax.text(i, -1.2, f"{sizes[i]} {names[i]}", ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.6, len(sizes) - 0.4)
    ax.set_ylim(-2.2, height)
    ax.axis("off")
    return fig


def curves(loss: list[float], val_loss: list[float], accuracy: list[float]) -> Any:
    """Training and held-out loss per epoch (left); held-out accuracy per epoch (right)."""
    plt = pyplot()
    if not accuracy:
        fig, left = plt.subplots(figsize=(5.2, 3.6))
        _loss_panel(plt, left, loss, val_loss)
        fig.tight_layout()
        return fig
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    _loss_panel(plt, left, loss, val_loss)
    right.plot(range(len(accuracy)), [100 * a for a in accuracy], color="#d1495b")
    right.set_ylabel("held-out accuracy (%)")
    right.set_xlabel("epoch")
    right.grid(alpha=0.3)
    right.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def _loss_panel(plt: Any, left: Any, loss: list[float], val_loss: list[float]) -> None:
    left.plot(range(len(loss)), loss, label="training", color="#3b6ea5")
    if val_loss:
        left.plot(range(len(val_loss)), val_loss, label="held-out", color="#d1495b")
    left.set_ylabel("loss")
    if min(loss + val_loss, default=1.0) > 0 and max(loss + val_loss, default=1.0) > 0:
        left.set_yscale("log")
    left.legend()
    left.grid(alpha=0.3)
    left.set_xlabel("epoch")
    left.xaxis.set_major_locator(plt.MaxNLocator(integer=True))


def confusion(matrix: Array, names: list[str]) -> Any:
    """The confusion matrix as a grid of counts: rows the true class, columns the predicted."""
    plt = pyplot()
    n = len(names)
    side = min(1.6 + 0.55 * n, 10)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), names, rotation=45 if max(map(len, names)) > 3 else 0, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if n <= 20:
        threshold = matrix.max() / 2 if matrix.size else 0
        for (i, j), count in np.ndenumerate(matrix):
            colour = "white" if count > threshold else "black"
            ax.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig
