"""The confusion matrix: how often each true class was predicted as each class.

Up to :data:`MAX_MATRIX` classes it is shown whole. Above that a k×k matrix is
neither printed nor built (10,001 classes would be 800 MB of counts): the summary
counts only the pairs that occur, in O(N) memory for N rows — the classes with the
most wrong answers (at most :data:`MAX_ROWS` of them, then a line saying how many were
left out) and the most frequent confusions.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from ..types import Array

MAX_MATRIX = 20  # classes up to which the whole matrix is shown
MAX_ROWS = 20  # classes and confused pairs listed in a summary


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


@dataclass
class Summary:
    """A confusion summary for many classes, every list at most MAX_ROWS long.

    ``classes``: (class, rows, right) of the classes with the most wrong answers;
    ``pairs``: (true, predicted, count) of the most frequent confusions; ``left_out``:
    how many classes present in the rows are not listed, ``other_pairs`` how many
    confused pairs are not listed."""

    classes: list[tuple[int, int, int]]
    left_out: int
    pairs: list[tuple[int, int, int]]
    other_pairs: int


def summarise(truth: Array, predicted: Array, classes: int) -> Summary:
    """The classes with the most wrong answers and the most frequent confusions."""
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    rows = np.bincount(truth, minlength=classes)
    right = np.bincount(truth[truth == predicted], minlength=classes)
    present = np.flatnonzero(rows)
    worst = present[np.lexsort((present, -(rows[present] - right[present])))][:MAX_ROWS]
    wrong = truth != predicted
    codes, counts = np.unique(truth[wrong] * classes + predicted[wrong], return_counts=True)
    top = np.lexsort((codes, -counts))[:MAX_ROWS]
    return Summary(
        [(int(c), int(rows[c]), int(right[c])) for c in worst],
        len(present) - len(worst),
        [(int(codes[i] // classes), int(codes[i] % classes), int(counts[i])) for i in top],
        len(codes) - len(top),
    )


def confusion_lines(truth: Array, predicted: Array, names: list[str]) -> list[str]:
    """Text lines: the whole matrix up to MAX_MATRIX classes, else a bounded summary."""
    if len(names) <= MAX_MATRIX:
        matrix = confusion_matrix(truth, predicted, len(names))
        header = "Confusion matrix (rows: true label, columns: predicted label):"
        return [header, *format_confusion(matrix, names)]
    s = summarise(truth, predicted, len(names))
    lines = [
        f"Confusion: {len(names)} classes, too many for a matrix; the classes with the most "
        "wrong answers:",
        f"  {'class':>12} {'rows':>7} {'right':>7} {'accuracy':>9}",
    ]
    for c, rows, right in s.classes:
        lines.append(f"  {names[c]:>12} {rows:>7} {right:>7} {right / rows:>9.1%}")
    if s.left_out:
        lines.append(f"  ... and {s.left_out} more classes with fewer wrong answers")
    lines.append("The most frequent confusions (true label -> predicted label: rows):")
    lines += [f"  {names[t]} -> {names[p]}: {count}" for t, p, count in s.pairs]
    if s.other_pairs:
        lines.append(f"  ... and {s.other_pairs} other pairs")
    if not s.pairs:
        lines.append("  none: every row is right")
    return lines


def summary_html(truth: Array, predicted: Array, names: list[str]) -> str:
    """The summary of :func:`summarise` as two HTML tables (names escaped)."""
    e = html.escape
    s = summarise(truth, predicted, len(names))
    rows = "".join(
        f"<tr><td>{e(names[c])}</td><td>{n:,}</td><td>{right:,}</td><td>{right / n:.1%}</td></tr>"
        for c, n, right in s.classes
    )
    more = (
        f"<p>… and {s.left_out:,} more classes with fewer wrong answers.</p>" if s.left_out else ""
    )
    pairs = "".join(
        f"<tr><td>{e(names[t])}</td><td>{e(names[p])}</td><td>{count:,}</td></tr>"
        for t, p, count in s.pairs
    )
    others = f"<p>… and {s.other_pairs:,} other pairs.</p>" if s.other_pairs else ""
    return (
        '<table id="worst-classes"><tr><th>class</th><th>rows</th><th>right</th>'
        f"<th>accuracy</th></tr>{rows}</table>{more}"
        '<table id="confused-pairs"><tr><th>true class</th><th>predicted class</th>'
        f"<th>rows</th></tr>{pairs}</table>{others}"
    )
