"""Where the command line's rows come from: built-in data sets, MNIST folders, CSV files, models.

A :class:`Dataset` holds rows prepared for the network (pixels scaled to
[0, 1]) split into training and held-out parts, with the class names. A
model saved by ``train --save`` records in its header how its inputs were
prepared, its label names and where it was trained, so that ``evaluate``,
``predict`` and ``explain`` prepare new rows the same way.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import one_hot, spiral, stratified_split, xor
from ..datasets.mnist import PIXEL_SCALE, load_digits
from ..io.csvfile import CSVError, LabelledTable, read_labelled, targets_of
from ..io.model import load_with_meta
from ..io.npz import ModelFileError
from ..metrics import classes_of, predict
from ..structs import Network
from ..types import Array
from .console import UsageError
from .parser import BUILTIN_DATA


@dataclass
class Dataset:
    """Rows prepared for the network, split into training and held-out parts."""

    name: str
    description: str
    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    label_names: list[str]
    prepare: dict[str, float] = field(default_factory=dict)
    task: str = "classification"
    features: list[str] | None = None  # a CSV file's feature column names
    label_column: str | None = None  # and its label column's name (or number)
    notes: list[str] = field(default_factory=list)  # what was guessed reading it (issue 19)

    @property
    def classes(self) -> int:
        """Classes to tell apart; 1 for a regression (its one target column)."""
        return len(self.label_names)

    @property
    def regression(self) -> bool:
        return self.task == "regression"

    @property
    def inputs(self) -> int:
        return int(self.X_train.shape[1])


def _split(X: Array, y: Array, fraction: float, seed: int, what: str) -> tuple[Array, ...]:
    train, test = stratified_split(y, fraction, rng=seed)
    if len(test) == 0 or len(train) == 0:
        raise ValueError(
            f"{what}: too few rows ({len(y)}) to hold out {1 - fraction:.0%} of each class; "
            "give more rows"
        )
    return X[train], y[train], X[test], y[test]


def load_data(
    spec: str,
    *,
    seed: int,
    label: str | None = None,
    fraction: float = 0.8,
    task: str = "classification",
    header: bool | None = None,
) -> Dataset:
    """``--data``: mnist-10k, spiral, xor, a folder of MNIST files, or a CSV file.

    ``task``: ``"classification"``, ``"regression"`` or ``"auto"`` (a CSV file's
    label column guessed: :meth:`LabelledTable.guess_task`); ``header``: see ``read_csv``.
    """
    path = Path(spec)
    if path.is_file() and (task != "classification" or spec not in BUILTIN_DATA):
        table = read_labelled(path, label, header=header)  # read once, whichever the task
        if problem := table.single_value(path):
            raise CSVError(problem)
        kind, notes = table.decide(task)
        if kind == "regression" or spec not in BUILTIN_DATA:
            csv = _regression_csv if kind == "regression" else _classes_csv
            data = csv(path, table, seed, fraction)
            data.notes = [f"note: {n}" for n in notes]
            return data
    if task == "regression":
        raise UsageError(
            f"--task regression: needs a CSV file whose label column holds numbers, got {spec!r}"
        )
    digits = [str(d) for d in range(10)]
    if spec == "mnist-10k":
        Xtr, ytr, Xte, yte = load_digits(train_fraction=fraction, seed=seed)
        description = (
            f"mnist-10k (the shipped MNIST test set, split by seed {seed}): "
            f"{len(ytr)} training, {len(yte)} held-out images"
        )
        return Dataset(spec, description, Xtr, ytr, Xte, yte, digits, {"scale": PIXEL_SCALE})
    if spec == "spiral":
        X, y = spiral(100, 3, rng=seed)
        Xtr, ytr, Xte, yte = _split(X, y, fraction, seed, "spiral")
        description = (
            f"spiral (3 classes of 100 points, seed {seed}): {len(ytr)} training, "
            f"{len(yte)} held-out"
        )
        return Dataset(spec, description, Xtr, ytr, Xte, yte, ["0", "1", "2"])
    if spec == "xor":
        X, Y = xor()
        y = Y[:, 0].astype(np.int64)
        description = "xor (the four points; trained and evaluated on all four)"
        return Dataset(spec, description, X, y, X, y, ["0", "1"])
    if path.is_dir():
        Xtr, ytr, Xte, yte = load_digits(path, train_fraction=fraction, seed=seed)
        description = f"MNIST-format folder {spec}: {len(ytr)} training, {len(yte)} held-out images"
        return Dataset(str(path), description, Xtr, ytr, Xte, yte, digits, {"scale": PIXEL_SCALE})
    raise UsageError(
        f"--data: expected one of {', '.join(BUILTIN_DATA)}, a folder of MNIST files or a CSV "
        f"file, got {spec!r} (no such file or folder)"
    )


def _classes_csv(path: Path, table: LabelledTable, seed: int, fraction: float) -> Dataset:
    """A CSV file's rows and class labels, 80% of each class to training (by ``seed``)."""
    X = table.X
    y, names = table.classes()
    Xtr, ytr, Xte, yte = _split(X, y, fraction, seed, str(path))
    description = f"CSV file {path}: {len(ytr)} training, {len(yte)} held-out rows"
    return Dataset(
        str(path),
        description,
        Xtr,
        ytr,
        Xte,
        yte,
        names,
        features=table.feature_names,
        label_column=table.label_key,
    )


def _regression_csv(path: Path, table: LabelledTable, seed: int, fraction: float) -> Dataset:
    """A CSV file's rows and its numeric target column, split by a seeded permutation."""
    X, t = table.X, targets_of(path, table)
    name = table.label_name or f"column {table.target + 1}"
    order = np.random.default_rng(seed).permutation(len(t))
    count = round(fraction * len(t))
    if count == 0 or count == len(t):
        raise ValueError(
            f"{path}: too few rows ({len(t)}) to hold out {1 - fraction:.0%}; give more rows"
        )
    train, test = np.sort(order[:count]), np.sort(order[count:])
    description = f"CSV file {path}: {len(train)} training, {len(test)} held-out rows"
    return Dataset(
        str(path),
        description,
        X[train],
        t[train],
        X[test],
        t[test],
        [name],
        task="regression",
        features=table.feature_names,
        label_column=table.label_key,
    )


def match_columns(X: Array, found: list[str] | None, meta: dict[str, Any], what: str) -> Array:
    """X's columns in the order the model was trained on, matched by name.

    A file whose header names the model's features in another order is
    reordered; one whose names differ is refused, naming the differences. A
    file or a model without names is taken by position.
    """
    recorded = meta.get("features")
    if found is None or not isinstance(recorded, list) or found == recorded:
        return X
    if sorted(found) == sorted(recorded):
        return X[:, [found.index(name) for name in recorded]]
    missing = [name for name in recorded if name not in found]
    extra = [name for name in found if name not in recorded]
    raise ValueError(
        f"{what}: the columns are not the model's: missing {missing}, not in the model {extra}; "
        f"the model was trained on the columns {recorded}"
    )


def targets(labels: Array, outputs: int, classes: int) -> Array:
    """One-hot rows when there is an output per class; a 0/1 column for one output."""
    if outputs == 1:
        return labels.astype(np.float64).reshape(-1, 1)
    return one_hot(labels, classes)


def predicted(net: Network, X: Array) -> Array:
    """The class index the network gives each row of X."""
    return classes_of(predict(net, X))


def prepare_inputs(X: Array, prepare: dict[str, Any]) -> Array:
    scale = prepare.get("scale")
    return X * scale if scale is not None else X


def check_prepare(meta: dict[str, Any], path: str) -> dict[str, float]:
    prepare = meta.get("prepare", {})
    if not isinstance(prepare, dict) or set(prepare) - {"scale"}:
        raise ModelFileError(f"{path}: unknown input preparation {prepare!r} in the model header")
    scale = prepare.get("scale")
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale)
    ):
        raise ModelFileError(f"{path}: the input preparation's scale {scale!r} is not a number")
    return prepare


def label_names(meta: dict[str, Any], net: Network, path: str) -> list[str]:
    names = meta.get("label_names")
    if names is None:
        return [str(i) for i in range(max(net.outputdim, 2))]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelFileError(f"{path}: the label names in the model header are not a list of text")
    regression = meta.get("task") == "regression"
    expected = 2 if net.outputdim == 1 and not regression else net.outputdim
    if len(names) != expected:
        raise ModelFileError(
            f"{path}: the model header names {len(names)} labels for {net.outputdim} outputs"
        )
    return names


def load_model(path: str) -> tuple[Network, dict[str, Any]]:
    if not Path(path).is_file():
        raise FileNotFoundError(f"MODEL: no model file at {path!r} (save one with train --save)")
    return load_with_meta(path)


def model_data(args: argparse.Namespace, net: Network, meta: dict[str, Any]) -> Dataset:
    seed = args.seed if args.seed is not None else meta.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ModelFileError(f"{args.model}: the header's seed {seed!r} is not a valid seed")
    label = args.label if args.label is not None else meta.get("label_column")
    task = "regression" if meta.get("task") == "regression" else "classification"
    data = load_data(
        args.data,
        seed=seed,
        label=label if isinstance(label, str) else None,
        task=task,
        header=getattr(args, "header", None),
    )
    data.X_train = match_columns(data.X_train, data.features, meta, "--data")
    data.X_test = match_columns(data.X_test, data.features, meta, "--data")
    if data.inputs != net.inputdim:
        raise ValueError(
            f"--data: the rows have {data.inputs} values, the model takes {net.inputdim} inputs"
        )
    prepare = check_prepare(meta, args.model)
    if meta and prepare != data.prepare:
        raise ValueError(
            f"--data: the model was trained on inputs prepared as {prepare or 'raw'}, this data is "
            f"prepared as {data.prepare or 'raw'}"
        )
    outputs = 2 if net.outputdim == 1 else net.outputdim
    if data.classes > outputs:
        raise ValueError(
            f"--data: the data has {data.classes} classes, the model only {net.outputdim} outputs"
        )
    return data


#: Inputs larger than this saturate a sigmoid or tanh unit from the first sample on.
LARGE_INPUT = 10.0


def scale_note(data: Dataset) -> str | None:
    """A note when a CSV file's inputs are far from unit scale (raw pixels 0-255, say).

    The network is trained on them as they are; the note says what to change.
    """
    if data.prepare or not len(data.X_train):
        return None  # the built-in data sets are prepared already
    largest = np.abs(data.X_train).max(axis=0)
    column = int(largest.argmax())
    if largest[column] <= LARGE_INPUT:
        return None
    name = f"{data.features[column]!r}" if data.features else f"{column + 1}"
    return (
        f"note: the inputs reach {largest[column]:g} (column {name}); a network learns best "
        "from inputs of about -1 to 1: scale or standardise the columns before training"
    )
