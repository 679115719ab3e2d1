"""Small data sets: the spiral article's spiral, XOR, one-hot targets, a stratified split."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import MAX_PARAMETERS, MAX_UNITS, as_generator, check_int, check_real
from ..types import Array


def spiral(
    samples_per_class: int,
    classes: int,
    noise: float = 0.2,
    rng: int | np.random.Generator | None = None,
) -> tuple[Array, Array]:
    """the spiral article's spiral: ``classes`` interleaved arms of ``samples_per_class`` points.

    For class j: r = linspace(0, 1, n), t = linspace(4j, 4(j+1), n) + noise·N(0, 1),
    and the point is (r·sin 2.5t, r·cos 2.5t). Returns X (N×2, N = n·classes)
    and the integer labels (N,).
    """
    n = check_int(samples_per_class, "samples_per_class", 1, MAX_UNITS)
    classes = check_int(classes, "classes", 1, MAX_UNITS)
    if n * classes > MAX_UNITS:
        # Refused up front: far more points than any example needs, and a MemoryError later.
        raise ValueError(
            f"samples_per_class, classes: {n}·{classes} points is more than the limit {MAX_UNITS}"
        )
    noise = check_real(noise, "noise", nonnegative=True)
    generator = as_generator(rng)
    X = np.zeros((n * classes, 2))
    labels = np.zeros(n * classes, dtype=np.int64)
    for j in range(classes):
        rows = slice(n * j, n * (j + 1))
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n) + noise * generator.standard_normal(n)
        X[rows, 0] = r * np.sin(2.5 * t)
        X[rows, 1] = r * np.cos(2.5 * t)
        labels[rows] = j
    return X, labels


def xor() -> tuple[Array, Array]:
    """The four XOR points and their targets (4×2 inputs, 4×1 targets)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, Y


def one_hot(labels: Any, classes: int) -> Array:
    """Integer labels (N,) → an N×classes matrix with a single 1 per row."""
    classes = check_int(classes, "classes", 1, MAX_UNITS)
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"labels: expected a 1-D array of integers, got shape {array.shape}")
    if array.size and not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise TypeError(f"labels: expected integers, got dtype {array.dtype}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if not np.array_equal(array, np.round(array)):
            raise ValueError(f"labels: expected integers, got dtype {array.dtype}")
        array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= classes):
        raise ValueError(
            f"labels: expected integers in [0, {classes}), got values from "
            f"{array.min()} to {array.max()}"
        )
    if array.size * classes > MAX_PARAMETERS:
        raise ValueError(
            f"labels, classes: a {array.size}×{classes} one-hot matrix is more than the limit "
            f"of {MAX_PARAMETERS} entries"
        )
    out = np.zeros((array.size, classes))
    out[np.arange(array.size), array.astype(np.int64)] = 1.0
    return out


def stratified_split(
    labels: Any,
    fraction: float = 0.8,
    rng: int | np.random.Generator | None = None,
) -> tuple[Array, Array]:
    """Indices (train, test): ``fraction`` of each class to train, the rest to test.

    Each class is permuted by ``rng`` and its first round(fraction·count) members
    go to training; both index arrays come back sorted. The same seed gives
    the same split every time.
    """
    fraction = check_real(fraction, "fraction", positive=True)
    if fraction > 1:
        raise ValueError(f"fraction: expected a number in (0, 1], got {fraction}")
    generator = as_generator(rng)
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"labels: expected a non-empty 1-D array of class labels (for one-hot rows use "
            f"train_test_split or labels.argmax(axis=1)), got shape {array.shape}"
        )
    train, test = [], []
    for c in np.unique(array):
        members = np.flatnonzero(array == c)
        members = members[generator.permutation(len(members))]
        cut = int(round(fraction * len(members)))
        train.append(members[:cut])
        test.append(members[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def train_test_split(
    X: Any,
    Y: Any,
    fraction: float = 0.8,
    rng: int | np.random.Generator | None = None,
) -> tuple[Array, Array, Array, Array]:
    """Split rows of X and Y, stratified by class (Y labels or one-hot rows)."""
    Xa, Ya = np.asarray(X), np.asarray(Y)
    if len(Xa) != len(Ya):
        raise ValueError(f"X and Y: expected the same number of rows, got {len(Xa)} and {len(Ya)}")
    labels = (
        Ya.argmax(axis=1) if Ya.ndim == 2 and Ya.shape[1] > 1 else Ya.reshape(len(Ya), -1)[:, 0]
    )
    train, test = stratified_split(labels, fraction, rng)
    return Xa[train], Ya[train], Xa[test], Ya[test]
