"""The confusion matrix: how often each true class was predicted as each class."""

from __future__ import annotations

import numpy as np

from ..types import Array


def confusion_matrix(truth: Array, predicted: Array, classes: int) -> Array:
    """M[i, j] = the number of rows of true class i predicted as class j (classes×classes)."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def format_confusion(matrix: Array, names: list[str]) -> list[str]:
    """The matrix as text lines, rows the true label, columns the predicted one."""
    width = max(max(len(n) for n in names), len(str(int(matrix.max()))), 3)
    lines = [" " * (width + 1) + " ".join(n.rjust(width) for n in names)]
    for i, name in enumerate(names):
        lines.append(name.rjust(width) + " " + " ".join(str(v).rjust(width) for v in matrix[i]))
    return lines
