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
from .structs import Network
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


def names_text(names: Sequence[str], shown: int = 10) -> str:
    """`` (1, 2, 3)``: class names for a summary line, at most ``shown`` of them; empty when
    they are just the class numbers 0, 1, 2, … (the digits, the spiral's arms)."""
    if list(names) == [str(i) for i in range(len(names))]:
        return ""
    more = f", … ({len(names) - shown} more)" if len(names) > shown else ""
    return f" ({', '.join(names[:shown])}{more})"
