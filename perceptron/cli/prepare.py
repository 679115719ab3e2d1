"""How the command line prepares a model's inputs and targets, recorded as numbers.

A preparation is a small dict kept in the model file's JSON header under
``"prepare"``; every command that feeds rows to the model applies it, so a
model trained on standardised columns is always given standardised columns.
For a raw row x (k values, as read from the file: pixel bytes, CSV numbers)
the network sees

    x' = (x · scale − centre) / spread        (element-wise, per column)

with ``scale`` a number (``{"scale": 1/255}``: image bytes to [0, 1]) and
(centre, spread) either (``mean``, ``std``), the training rows' mean and
standard deviation (``--scale standard``), or (``min``, ``range``), their
minimum and max − min (``--scale minmax``); a constant column has spread 1,
not 0. Each part may be absent; ``{}`` is raw inputs. A regression's target
t is trained as (t − mean) / std with ``"target": {"mean": m, "std": s}``, and
the network's output a is read back as a · s + m.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..io.npz import ModelFileError
from ..metrics import predict
from ..structs import Network
from ..types import Array
from .parser import SCALES

_PAIRS = {"mean": "std", "min": "range"}
_KEYS = {"scale", "mean", "std", "min", "range", "target"}


def _spread(values: Array, centre: Array) -> Array:
    """A column's spread, with 1 for a constant column (nothing to divide by)."""
    tiny = 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(centre))
    return np.where(values > tiny, values, 1.0)


def fit_preparation(method: str, X: Array, have: dict[str, Any], kind: str) -> dict[str, Any]:
    """The preparation ``--scale method`` makes of the training rows X (N×k).

    ``have`` is what the loader already did to X (``{"scale": 1/255}`` for
    images, else ``{}``); the numbers are measured on X as the loader gave it,
    and the result applies to raw rows. ``auto``: a CSV file (``kind="csv"``)
    is standardised; images keep their 1/255 and the built-in spiral and xor,
    of unit scale already, are kept as they are.
    """
    if method not in SCALES:
        raise ValueError(f"--scale: expected one of {', '.join(SCALES)}, got {method!r}")
    if method == "none":
        return {}
    if method == "auto":
        if kind != "csv":
            return dict(have)
        method = "standard"
    prepared = dict(have)
    if method == "standard":
        mean = X.mean(axis=0)
        prepared.update(mean=mean.tolist(), std=_spread(X.std(axis=0), mean).tolist())
    else:
        low = X.min(axis=0)
        prepared.update(min=low.tolist(), range=_spread(X.max(axis=0) - low, low).tolist())
    return prepared


def apply_preparation(X: Array, prepare: dict[str, Any], have: dict[str, Any]) -> Array:
    """Rows X, as the loader gave them (its preparation ``have``), prepared as ``prepare``.

    X itself is returned when nothing changes; otherwise a new float64 array.
    """
    factor = prepare.get("scale", 1.0) / have.get("scale", 1.0)
    out = X if factor == 1.0 else X * factor
    for centre, spread in _PAIRS.items():
        if centre in prepare:
            out = (out - np.asarray(prepare[centre])) / np.asarray(prepare[spread])
    return out


def _numbers(value: Any, count: int, positive: bool) -> bool:
    if not isinstance(value, list) or len(value) != count:
        return False
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    return numeric and all(math.isfinite(v) and (v > 0 or not positive) for v in value)


def _number(value: Any, positive: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and (value > 0 or not positive)


def check_preparation(meta: dict[str, Any], inputs: int, path: str) -> dict[str, Any]:
    """The header's preparation, checked: known parts, finite numbers, one per input column,
    spreads above 0. A model header is JSON that anyone can edit."""
    prepare = meta.get("prepare") or {}
    if not isinstance(prepare, dict) or set(prepare) - _KEYS:
        raise ModelFileError(f"{path}: unknown input preparation {prepare!r} in the model header")
    if "scale" in prepare and not _number(prepare["scale"], positive=True):
        raise ModelFileError(
            f"{path}: the input preparation's scale {prepare['scale']!r} is not a number"
        )
    pairs = [centre for centre in _PAIRS if centre in prepare or _PAIRS[centre] in prepare]
    if len(pairs) > 1:
        raise ModelFileError(f"{path}: the input preparation has both mean/std and min/range")
    for centre in pairs:
        spread = _PAIRS[centre]
        if not (
            _numbers(prepare.get(centre), inputs, positive=False)
            and _numbers(prepare.get(spread), inputs, positive=True)
        ):
            raise ModelFileError(
                f"{path}: the input preparation's {centre} and {spread} must be lists of "
                f"{inputs} finite numbers ({spread} above 0), one per input"
            )
    target = prepare.get("target")
    if target is not None and not (
        isinstance(target, dict)
        and set(target) == {"mean", "std"}
        and _number(target["mean"])
        and _number(target["std"], positive=True)
    ):
        raise ModelFileError(
            f"{path}: the target preparation {target!r} is not {{'mean': m, 'std': s > 0}}"
        )
    return prepare


def describe(prepare: dict[str, Any]) -> str:
    """One line for people: what the preparation does, without its numbers."""
    parts = []
    if "scale" in prepare:
        parts.append(
            f"× {prepare['scale']:.6g}"
            + (" (bytes to [0, 1])" if prepare["scale"] == 1 / 255 else "")
        )
    if "mean" in prepare:
        parts.append(
            f"standardised with the training rows' mean and std ({len(prepare['mean'])} columns)"
        )
    if "min" in prepare:
        parts.append(f"min-max scaled to the training rows' [0, 1] ({len(prepare['min'])} columns)")
    if "target" in prepare:
        target = prepare["target"]
        parts.append(f"target standardised (mean {target['mean']:.6g}, std {target['std']:.6g})")
    return "; ".join(parts) or "raw inputs"


def fit_target(t: Array) -> dict[str, float]:
    """A regression target's mean and standard deviation (1 when it is constant)."""
    mean = float(np.mean(t))
    return {"mean": mean, "std": float(_spread(np.array([np.std(t)]), np.array([mean]))[0])}


def scaled_targets(t: Array, prepare: dict[str, Any]) -> Array:
    """Targets (N,) as the network is trained on them: (t − mean) / std, an N×1 column."""
    target = prepare.get("target")
    column = np.asarray(t, dtype=np.float64).reshape(-1, 1)
    return column if target is None else (column - target["mean"]) / target["std"]


def in_target_units(outputs: Array, prepare: dict[str, Any]) -> Array:
    """The network's outputs read back in the target's units: a · std + mean."""
    target = prepare.get("target")
    return outputs if target is None else outputs * target["std"] + target["mean"]


def target_scores(net: Network, X: Array, t: Array, prepare: dict[str, Any]) -> tuple[float, float]:
    """(mean squared error, R²) in the target's units: MSE = mean (â − t)², R² = 1 − Σ(â − t)² /
    Σ(t − t̄)², with â the outputs read back; R² is NaN when t is constant."""
    error = in_target_units(predict(net, X), prepare) - np.asarray(t, np.float64).reshape(-1, 1)
    column = np.asarray(t, np.float64).reshape(-1, 1)
    spread = float(((column - column.mean()) ** 2).sum())
    residual = float((error**2).sum())
    return float((error**2).mean()), (1.0 - residual / spread) if spread else float("nan")


#: A column whose 95th percentile of |x| is above this is far from unit scale: a sigmoid or
#: tanh unit fed it saturates. Standardised data never is (Chebyshev: P(|z| ≥ 4.5) ≤ 1/20).
LARGE_INPUT = 10.0


def scale_note(X: Array, features: list[str] | None) -> str | None:
    """A note for ``--scale none`` when the training rows X are far from unit scale.

    Judged by each column's 95th percentile of |x|, not its largest value: a
    skewed but standardised column (z-scores of 10 to 40 in a few rows) is fine.
    """
    if not len(X) or not X.shape[1]:
        return None
    typical = np.percentile(np.abs(X), 95, axis=0)
    column = int(typical.argmax())
    if typical[column] <= LARGE_INPUT:
        return None
    name = f"{features[column]!r}" if features else f"{column + 1}"
    return (
        f"note: the inputs are far from unit scale (column {name}: 95% of |x| up to "
        f"{typical[column]:g}); a network learns best from inputs of about -1 to 1: drop "
        "--scale none (auto standardises a CSV file's columns) or use --scale standard"
    )
