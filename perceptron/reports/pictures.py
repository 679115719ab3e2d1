"""The report's pictures of what the network learned: hidden units, mistakes, regions, fits."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..metrics import classes_of, forward_rows
from ..structs import Network
from ..types import Array
from .figures import pyplot

#: At most this many first-layer units and this many mistakes are drawn.
MAX_UNITS = 64
MAX_MISTAKES = 12
MAX_LEGEND = 20  # classes named in the decision regions' legend


def image_shape(inputs: int) -> tuple[int, int] | None:
    """(side, side) when the inputs fill a square picture of at least 8×8, else None."""
    side = math.isqrt(inputs)
    return (side, side) if side * side == inputs and side >= 8 else None


def _grid(count: int, columns: int) -> tuple[Any, list[Any]]:
    plt = pyplot()
    rows = max(1, -(-count // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.25 * columns, 1.4 * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat:
        ax.axis("off")
    return fig, flat


def hidden_units(net: Network, shape: tuple[int, int]) -> Any:
    """Each first-layer unit's weights as a picture (Nielsen's "what the hidden neurons see").

    Unit *j*'s row of W₀ is drawn at the input's shape: blue where a bright pixel
    raises z_j, red where it lowers it, white for weights near zero.
    """
    W = net.layers[0].weights
    count = min(len(W), MAX_UNITS)
    fig, axes = _grid(count, min(count, 10))
    for j in range(count):
        row = W[j].reshape(shape)
        limit = float(np.abs(row).max()) or 1.0
        axes[j].imshow(row, cmap="RdBu", vmin=-limit, vmax=limit)
        axes[j].set_title(f"unit {j}", fontsize=7)
    return fig


def confident_mistakes(
    out: Array, X: Array, y: Array, names: list[str], shape: tuple[int, int]
) -> tuple[Any, int]:
    """The held-out images the network got wrong with the highest output for its guess.

    ``out`` holds the network's outputs for the rows of X. Returns the figure
    (None when there is no mistake) and the number of mistakes.
    """
    guess = classes_of(out)
    confidence = out.max(axis=1) if out.shape[1] > 1 else np.abs(out[:, 0] - 0.5) + 0.5
    wrong = np.flatnonzero(guess != y)
    if len(wrong) == 0:
        return None, 0
    worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:MAX_MISTAKES]
    fig, axes = _grid(len(worst), min(len(worst), 6))
    for ax, i in zip(axes, worst, strict=False):
        ax.imshow(X[i].reshape(shape), cmap="gray_r")
        ax.set_title(
            f"true {names[int(y[i])]}, said {names[int(guess[i])]}\noutput {confidence[i]:.2f}",
            fontsize=7,
        )
    return fig, len(wrong)


def regions(net: Network, X: Array, y: Array, names: list[str]) -> Any:
    """The class the network gives each point of the plane, with the held-out points on top."""
    plt = pyplot()
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0) + 1e-12)
    low, high = X.min(axis=0) - pad, X.max(axis=0) + pad
    u, v = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
    grid = np.column_stack([u.ravel(), v.ravel()]).astype(net.dtype)
    out, _ = forward_rows(net, grid)
    area = classes_of(out)
    classes = max(len(names), 2)
    cmap = plt.get_cmap("tab10", classes)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.contourf(
        u, v, area.reshape(u.shape), levels=np.arange(classes + 1) - 0.5, cmap=cmap, alpha=0.35
    )
    for c in range(classes):
        mine = y == c
        if mine.any():
            label = names[c] if c < len(names) else str(c)
            ax.scatter(
                X[mine, 0],
                X[mine, 1],
                s=12,
                color=cmap(c),
                edgecolor="black",
                linewidth=0.3,
                label=label,
            )
    ax.set_xlabel("input 0")
    ax.set_ylabel("input 1")
    if classes <= MAX_LEGEND:  # a legend of hundreds of classes would hide the plane
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def predicted_vs_true(net: Network, X: Array, Y: Array) -> Any:
    """Each held-out row's prediction against its target (one panel per output, up to 4)."""
    plt = pyplot()
    out, _ = forward_rows(net, X)
    Y = Y.reshape(len(Y), -1)
    panels = min(Y.shape[1], 4)
    fig, axes = plt.subplots(1, panels, figsize=(4.4 * panels, 4.2), squeeze=False)
    for j, ax in enumerate(axes[0]):
        ax.scatter(Y[:, j], out[:, j], s=10, alpha=0.6, color="#3b6ea5")
        low = float(min(Y[:, j].min(), out[:, j].min()))
        high = float(max(Y[:, j].max(), out[:, j].max()))
        ax.plot([low, high], [low, high], color="#d1495b", linewidth=1, label="predicted = true")
        ax.set_xlabel("true value" + (f" (output {j})" if panels > 1 else ""))
        ax.set_ylabel("predicted value")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
