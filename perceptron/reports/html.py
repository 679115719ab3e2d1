"""``report``: one self-contained HTML page showing a training run and what the network learned.

The page carries everything it shows: its style sheet inline, every picture as
inline SVG or a ``data:`` PNG, no script and no font. It opens from disk in
any browser, with no network, and can be mailed as a single file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import as_float_array, as_rows, check_weights
from ..display.tables import layer_table_html
from ..epochs import History
from ..io.atomic import atomic_write
from ..metrics import classes_of, forward_rows, regression_scores
from ..structs import Network
from ..types import Array
from ..version import __version__
from . import figures, pictures
from .confusion import MAX_MATRIX, confusion_matrix, summary_html
from .diagnosis import diagnosis_section
from .page import Section, page


def report(
    net: Network,
    history: History,
    X: Any,
    y: Any,
    path: str | os.PathLike[str],
    *,
    label_names: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    accuracy: list[float] | None = None,
    task: str | None = None,
    title: str = "Training report",
) -> Path:
    """Write the report of a run of ``sgd`` on ``net`` to ``path``; returns the path.

    ``X`` (N×k) and ``y`` are held-out rows: class labels 0…m−1 (N,) for a
    classifier, targets (N,) or (N×m) for a regression. ``history`` is what
    ``sgd`` returned; ``accuracy`` the held-out accuracy per epoch when it was
    measured outside ``sgd`` (default: ``history.val_accuracy``).
    ``label_names`` names the classes; ``settings`` (name → value) is shown as
    the run's table. ``task``: ``"classification"`` or ``"regression"``; by
    default a network with an identity output is a regression.

    The page shows the network (table and diagram), the loss and accuracy per
    epoch, and, as they apply: the confusion matrix, each first-layer unit's
    weights as a picture and the most confidently wrong examples (square image
    inputs), the decision regions (two inputs), predicted against true
    (regression). Needs matplotlib (``pip install ".[plot]"``).
    """
    check_weights(net)
    if not isinstance(history, History):
        raise TypeError(f"history: expected the History that sgd returned, got {type(history)}")
    rows = as_rows(X, net.inputdim, "X", net.dtype)
    kind = _task(net, task)
    truth = _truth(y, len(rows), net, kind)
    names = _names(label_names, net, kind)
    figures.pyplot()  # fail here, before any work, when matplotlib is missing
    out, _ = forward_rows(net, rows)  # the outputs every picture of the rows uses
    sections = [_network_section(net), _curves_section(history, accuracy)]
    if kind == "classification":
        sections += _classification_sections(net, rows, out, truth, names)
    else:
        sections.append(_regression_section(net, rows, truth))
    sections.append(diagnosis_section(net, rows, truth, history, kind))
    shown = {"perceptron": __version__, "written": time.strftime("%Y-%m-%d %H:%M")}
    shown.update({str(k): str(v) for k, v in (settings or {}).items()})
    document = page(title, _headline(net, rows, out, truth, kind), shown, sections)
    target = Path(path)
    data = document.encode("utf-8")
    atomic_write(target, lambda handle: handle.write(data))
    return target


def _task(net: Network, task: str | None) -> str:
    if task is None:
        return "regression" if net.layers[-1].activation.name == "identity" else "classification"
    if task not in ("classification", "regression"):
        raise ValueError(f"task: expected 'classification' or 'regression', got {task!r}")
    return task


def _truth(y: Any, count: int, net: Network, kind: str) -> Array:
    values = as_float_array(y, "y", np.float64)
    if len(values) != count:
        raise ValueError(
            f"X and y: expected the same number of rows, got {count} and {len(values)}"
        )
    if kind == "regression":
        return values.reshape(count, -1)
    if values.ndim == 2 and values.shape[1] > 1:
        values = values.argmax(axis=1)
    labels = values.reshape(-1)
    classes = max(net.outputdim, 2)
    if not np.array_equal(labels, np.round(labels)) or labels.min(initial=0) < 0:
        raise ValueError("y: expected class labels 0, 1, … (or one-hot rows) for a classifier")
    if labels.size and labels.max() >= classes:
        raise ValueError(f"y: labels must be below the number of classes {classes}")
    return labels.astype(np.int64)


def _names(names: list[str] | None, net: Network, kind: str) -> list[str]:
    classes = max(net.outputdim, 2)
    if names is None or kind == "regression":
        return [str(i) for i in range(classes)]
    if len(names) != classes:
        raise ValueError(f"label_names: expected {classes} names, got {len(names)}")
    return [str(n) for n in names]


def _headline(net: Network, X: Array, out: Array, truth: Array, kind: str) -> str:
    if kind == "regression":
        mse, r2 = regression_scores(net, X, truth)
        return f"On {len(X):,} held-out rows: mean squared error {mse:.4g}, R² {r2:.4g}"
    right = int((classes_of(out) == truth).sum())
    return f"On {len(X):,} held-out rows: {right / len(X):.2%} right ({right:,} / {len(X):,})"


def _network_section(net: Network) -> Section:
    table = layer_table_html(net, table_id="summary")
    return Section(
        "network",
        "The network",
        table + figures.embed(figures.diagram(net), "svg", "diagram of the layers"),
        "Each column is a layer, each dot a unit; every unit feeds every unit of the next "
        "layer. Large layers show their first and last units.",
    )


def _curves_section(history: History, accuracy: list[float] | None) -> Section:
    acc = list(accuracy) if accuracy is not None else list(history.val_accuracy)
    acc = [a for a in acc if a == a]  # NaN: not measured
    fig = figures.curves(list(history.loss), list(history.val_loss), acc)
    caption = (
        ("Left: the" if acc else "The")
        + " mean loss per epoch on the training rows (and on held-out rows when measured)"
        + ("; right: the share of held-out rows classified right after each epoch." if acc else ".")
    )
    return Section("curves", "Training", figures.embed(fig, "svg", "loss per epoch"), caption)


def _classification_sections(
    net: Network, X: Array, out: Array, truth: Array, names: list[str]
) -> list[Section]:
    found = [_confusion_section(truth, classes_of(out), names)]
    shape = pictures.image_shape(net.inputdim)
    if shape is not None:
        found.append(_units_section(net, shape))
        fig, wrong = pictures.confident_mistakes(out, X, truth, names, shape)
        if fig is not None:
            found.append(
                Section(
                    "mistakes",
                    "Its most confident mistakes",
                    figures.embed(fig, "png", "held-out images classified wrong"),
                    f"{wrong:,} held-out images were classified wrong; here are those where the "
                    "network's output for its wrong answer was highest.",
                )
            )
    if net.inputdim == 2:
        found.append(
            Section(
                "regions",
                "Decision regions",
                figures.embed(pictures.regions(net, X, truth, names), "png", "decision regions"),
                "Each colour is the class the network gives that point of the plane; the "
                "dots are the held-out points, coloured by their true class.",
            )
        )
    return found


def _confusion_section(truth: Array, guess: Array, names: list[str]) -> Section:
    """The confusion matrix as a picture, or above MAX_MATRIX classes a bounded summary."""
    if len(names) > MAX_MATRIX:
        return Section(
            "confusion",
            "Right and wrong, class by class",
            summary_html(truth, guess, names),
            f"{len(names):,} classes are too many for a matrix: the classes with the most wrong "
            "answers, and the most frequent confusions.",
        )
    matrix = confusion_matrix(truth, guess, len(names))
    return Section(
        "confusion",
        "Right and wrong, class by class",
        figures.embed(figures.confusion(matrix, names), "svg", "confusion matrix"),
        "Row: the true class; column: the class the network chose. The diagonal counts "
        "the right answers.",
    )


def _units_section(net: Network, shape: tuple[int, int]) -> Section:
    shown = min(net.layers[0].outsize, pictures.MAX_UNITS)
    return Section(
        "hidden-units",
        "What the first layer's units look for",
        figures.embed(pictures.hidden_units(net, shape), "png", "first-layer weights"),
        f"Each picture is one unit's {shape[0]}×{shape[1]} weights (the first {shown}): blue "
        "pixels raise its input z, red ones lower it.",
    )


def _regression_section(net: Network, X: Array, truth: Array) -> Section:
    return Section(
        "regression",
        "Predicted against true",
        figures.embed(pictures.predicted_vs_true(net, X, truth), "svg", "predicted against true"),
        "Each dot is a held-out row: its target across, the network's prediction up; on the "
        "red line they are equal.",
    )
