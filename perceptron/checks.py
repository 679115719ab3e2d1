"""Argument checks shared by the public functions.

Every check runs before anything is changed, and every message names the
argument, what was expected, and what came, so that a rejected call leaves the
network as it was and tells the user what to change.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

# Sizes beyond these are refused up front rather than failing deep inside numpy
# with a MemoryError: a layer of 2**24 units already needs gigabytes of weights.
MAX_UNITS = 1 << 24
MAX_PARAMETERS = 1 << 31


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """An int seed, a ``numpy.random.Generator`` or None -> a Generator."""
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if int(rng) < 0:
            raise ValueError(f"{name}: expected a non-negative int seed, got {int(rng)}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name}: expected an int seed, a numpy.random.Generator or None, got {type(rng).__name__}"
    )


def check_int(value: Any, name: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: expected an int <= {maximum}, got {value}")
    return value


def check_real(
    value: Any,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    below: float | None = None,
) -> float:
    """A finite real number, optionally > 0, >= 0 or < ``below``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name}: expected a number > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name}: expected a number >= 0, got {value}")
    if below is not None and value >= below:
        raise ValueError(f"{name}: expected a number < {below}, got {value}")
    return value


def all_finite(array: NDArray[Any]) -> bool:
    """Whether every number of a float array is finite: the optimizers' step check.

    Mostly one dot product of the flat array with itself (no temporary, several
    times faster than ``np.isfinite(array).all()``): it is finite unless an element
    is not or the squares overflow; only then (or for a non-contiguous array) is
    every element tested. Call it under ``np.errstate(over="ignore", invalid="ignore")``
    (the squares of huge values would warn), and on large arrays only inside a run's
    BLAS thread limit (the dot wakes the BLAS threads, which then spin for a while).
    """
    if array.flags.c_contiguous:
        flat = array.reshape(-1)
        if math.isfinite(float(flat @ flat)):
            return True
    return bool(np.isfinite(array).all())


def as_float_array(value: Any, name: str, dtype: DTypeLike) -> NDArray[Any]:
    """Convert ``value`` to a finite floating array of ``dtype`` (a copy when needed)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{name}: expected an array of numbers ({error})") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"{name}: expected an array of numbers, got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name}: expected real numbers, got dtype {array.dtype}")
    array = array.astype(dtype, copy=False)
    # Element by element, not by a dot product: that would wake the BLAS library's
    # threads, which then spin beside a run limited to one (perceptron.threads).
    if array.size and not np.isfinite(array).all():
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"{name}: expected finite numbers, got {bad} NaN or infinite value(s); "
            "clean or impute the data first"
        )
    return array


def as_column(x: Any, size: int, name: str, dtype: DTypeLike) -> NDArray[Any]:
    """A k×1 column (a 1-D vector of length k is accepted)."""
    array = as_float_array(x, name, dtype)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != 1:
        raise ValueError(
            f"{name}: expected a column of shape ({size}, 1) or a vector of length {size}, "
            f"got shape {np.shape(x)}"
        )
    if array.shape[0] != size:
        raise ValueError(
            f"{name}: expected {size} values (shape ({size}, 1)), got {array.shape[0]}"
        )
    return array


def as_rows(X: Any, width: int, name: str, dtype: DTypeLike) -> NDArray[Any]:
    """An N×k matrix, one observation a row, with N >= 1."""
    array = as_float_array(X, name, dtype)
    if array.ndim == 1 and width == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        hint = " (for a single sample use X.reshape(1, -1))" if array.ndim == 1 else ""
        raise ValueError(
            f"{name}: expected a 2-D array of shape (N, {width}), one observation a row, "
            f"got {array.ndim}-D shape {array.shape}{hint}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one row, got an empty array")
    if array.shape[1] != width:
        raise ValueError(
            f"{name}: expected {width} columns (shape (N, {width})), got shape {array.shape}"
        )
    return array


def check_probability_columns(y: NDArray[Any], name: str) -> None:
    """Cross-entropy targets: each column non-negative and summing to 1."""
    sums = y.sum(axis=0)
    bad = (y < 0).any(axis=0) | ~np.isclose(sums, 1.0, rtol=0, atol=1e-6)
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(
            f"{name}: cross_entropy needs each target to be a probability vector "
            f"(non-negative, summing to 1), e.g. one-hot; use one_hot(labels, classes). "
            f"{int(bad.sum())} target(s) are not, the first (number {first}) sums to "
            f"{float(sums[first]):.6g} with smallest entry {float(y[:, first].min()):.6g}"
        )


def targets(net: Any, Y: Any, name: str) -> NDArray[Any]:
    """Y (N×m) checked against the network's output size and its cost."""
    refuse_labels(Y, net.outputdim, name)
    rows = as_rows(Y, net.outputdim, name, net.dtype)
    if net.cost.probability_targets:
        check_probability_columns(rows.T, name)
    return rows


def training_data(
    net: Any, X: Any, Y: Any, validation: Any
) -> tuple[NDArray[Any], NDArray[Any], tuple[NDArray[Any], NDArray[Any]] | None]:
    """X (N×k), Y (N×m) and the optional pair (Xv, Yv) of an ``sgd`` call, checked
    (and the output layer against the cost: cross-entropy needs a softmax)."""
    problem = net.cost.check_output(net.layers[-1].activation) if net.cost.check_output else None
    if problem is not None:
        raise ValueError(f"net: {problem}")
    pairs = [(X, Y, "X", "Y")]
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation: expected a pair (Xv, Yv)")
        pairs.append((validation[0], validation[1], "validation X", "validation Y"))
    checked = []
    for rows, labels, x_name, y_name in pairs:
        Xa = as_rows(rows, net.inputdim, x_name, net.dtype)
        Ya = targets(net, labels, y_name)
        if len(Xa) != len(Ya):
            raise ValueError(
                f"{x_name} and {y_name}: expected the same number of rows, "
                f"got {len(Xa)} and {len(Ya)}"
            )
        checked.append((Xa, Ya))
    return checked[0][0], checked[0][1], (checked[1] if validation is not None else None)


def check_bool(value: Any, name: str) -> bool:
    """True or False (numpy's bool too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__}")
    return bool(value)


def check_callable(value: Any, name: str) -> Any:
    """None or a callable."""
    if value is not None and not callable(value):
        raise TypeError(f"{name}: expected a callable, got {type(value).__name__}")
    return value


def check_weights(net: Any) -> None:
    """Refuse a network that cannot be trained or run, before any work is done.

    Weights may be set by hand: every layer's ``weights`` and ``bias`` must be
    writable numpy arrays of ``net.dtype`` with shapes (out, in) and (out, 1)
    that chain from ``inputdim``, so that a mistake is a clear error and never a
    half-stepped network.
    """
    if not hasattr(net, "layers") or not hasattr(net, "inputdim"):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    if not net.layers:
        raise ValueError("net: the network has no layers; add one with add_layer(net, ...)")
    insize = net.inputdim
    for l, layer in enumerate(net.layers):
        for name in ("weights", "bias"):
            array = getattr(layer, name)
            if not isinstance(array, np.ndarray) or array.dtype != net.dtype:
                raise TypeError(
                    f"net.layers[{l}].{name}: expected a numpy array of {net.dtype}, got "
                    f"{type(array).__name__} {getattr(array, 'dtype', '')}".rstrip()
                    + "; assign e.g. numpy.asarray(values, dtype=net.dtype)"
                )
            if not array.flags.writeable:
                raise ValueError(
                    f"net.layers[{l}].{name}: the array is read-only; assign a writable "
                    "copy, e.g. numpy.array(values, dtype=net.dtype)"
                )
        outsize = layer.weights.shape[0] if layer.weights.ndim == 2 else -1
        if layer.weights.shape != (outsize, insize) or layer.bias.shape != (outsize, 1):
            raise ValueError(
                f"net.layers[{l}]: expected weights of shape (out, {insize}) and bias (out, 1), "
                f"got {layer.weights.shape} and {layer.bias.shape}"
            )
        insize = outsize


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
