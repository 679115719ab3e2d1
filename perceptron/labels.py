"""Class labels: ``classify`` turns a network's outputs into labels, and integer labels
given where one-hot rows are expected get an error that says to use ``one_hot``.

``predict(net, X)`` stays the network's output a^L for each row, as in the
articles (the MNIST article then takes the index of the largest output;
``classify`` is that step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .metrics import classes_of, predict
from .network import Network
from .types import Array


def classify(net: Network, X: Any, classes: Sequence[Any] | None = None) -> Array:
    """The class of each row of X (N×k): an array of N labels.

    The label of a row is argmax_j a_j of its outputs a = ``predict(net, X)``
    (the MNIST article's ``np.argmax``); with a single output unit (a yes/no
    classifier), 1 where a ≥ 0.5, else 0. With ``classes`` (one name a class,
    in the order of the outputs, e.g. ``["setosa", "versicolor", "virginica"]``)
    the names are returned instead of the numbers.
    """
    labels = classes_of(predict(net, X))
    if classes is None:
        return labels
    if isinstance(classes, (str, bytes)) or not isinstance(classes, (Sequence, np.ndarray)):
        raise TypeError(f"classes: expected a list of class names, got {type(classes).__name__}")
    count = max(net.outputdim, 2)
    if len(classes) != count:
        raise ValueError(
            f"classes: expected {count} names (one a class, in the order of the outputs), "
            f"got {len(classes)}"
        )
    return np.asarray(classes)[labels]


def refuse_labels(Y: Any, width: int, name: str) -> None:
    """Raise a ``ValueError`` naming ``one_hot`` when ``Y`` holds integer class labels
    (shape (N,) or (N, 1)) where rows of ``width`` > 1 targets are expected; else nothing."""
    if width < 2 or isinstance(Y, (str, bytes)):
        return
    try:
        array = np.asarray(Y)
    except (ValueError, TypeError):
        return
    if not (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)) or not array.size:
        return
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number):
        return
    if np.issubdtype(array.dtype, np.complexfloating):
        return
    with np.errstate(invalid="ignore"):
        integral = bool(np.all(np.isfinite(array)) and np.all(array == np.round(array)))
    if integral and array.min() >= 0:
        raise ValueError(
            f"{name}: got {array.shape[0]} integer class labels (shape {array.shape}), but the "
            f"network has {width} outputs and expects one row of {width} targets per "
            f"observation; convert the labels with one_hot(labels, {width})"
        )
