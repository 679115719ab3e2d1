"""Where the command line's rows come from: built-in data sets, MNIST folders, CSV files.

A :class:`Dataset` holds rows split into training and held-out parts, with
the class names, and, after :func:`prepare_data`, prepared for the network as
``--scale`` says (the preparation's numbers measured on the training rows
only). The held-out rows are ``--validation`` of the training data (or the
``--validation-data`` file); an MNIST folder's t10k images are a separate
test set, scored once at the end. A model saved by ``train --save`` records
the preparation, split and source in its header (see :mod:`.modeldata`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import one_hot, spiral, stratified_split, xor
from ..datasets.mnist import PIXEL_SCALE, SHIPPED, find_files, read_pixels, unit_pixels
from ..io.csvfile import CSVError, LabelledTable, read_labelled, targets_of
from ..io.idx import IDXError
from ..metrics import classes_of, predict
from ..structs import Network
from ..types import Array
from .console import UsageError
from .parser import BUILTIN_DATA
from .prepare import apply_preparation, fit_preparation, fit_target, scaled_targets


@dataclass
class Dataset:
    """Rows for the network, split into training and held-out parts.

    ``prepare`` is what has been done to the rows of X (the loader's
    ``{"scale": 1/255}`` for images; the whole recorded preparation once
    prepared); ``validation`` the fraction of the rows held out, or the
    ``--validation-data`` file; ``test`` a folder's t10k images and labels.
    """

    name: str
    description: str
    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    label_names: list[str]
    prepare: dict[str, Any] = field(default_factory=dict)
    task: str = "classification"
    features: list[str] | None = None  # a CSV file's feature column names
    label_column: str | None = None  # and its label column's name
    kind: str = "builtin"  # "images", "csv" or "builtin": what --scale auto does
    validation: float | str = 0.2
    test: tuple[Array, Array] | None = None
    notes: list[str] = field(default_factory=list)  # what was guessed reading it

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


#: The fraction of the rows held out when --validation is not given: a fifth, or a sixth of a
#: folder's 60,000 training images (10,000, as many as its t10k test set).
DEFAULT_VALIDATION, FOLDER_VALIDATION = 0.2, 1 / 6


def _split(X: Array, y: Array, validation: float, seed: int, what: str) -> tuple[Array, ...]:
    """(X_train, y_train, X_held, y_held): ``validation`` of each class held out (by ``seed``)."""
    if validation == 0:
        return X, y, X[:0], y[:0]
    train, test = stratified_split(y, 1 - validation, rng=seed)
    if len(test) == 0 or len(train) == 0:
        raise ValueError(
            f"{what}: too few rows ({len(y)}) to hold out {validation:.0%} of each class; "
            "give more rows or --validation 0"
        )
    return X[train], y[train], X[test], y[test]


def load_data(
    spec: str,
    *,
    seed: int,
    label: str | None = None,
    validation: float | None = None,
    task: str = "classification",
    header: bool | None = None,
    dtype: Any = np.float64,
) -> Dataset:
    """``--data``: mnist-10k, spiral, xor, a folder of MNIST files, or a CSV file, as read.

    ``validation``: the fraction of the rows held out (None: 0.2, or 1/6 of a
    folder's training images). ``task``: ``"classification"``, ``"regression"`` or
    ``"auto"`` (a CSV file's label column guessed: :meth:`LabelledTable.decide`);
    ``header``: see ``read_csv``. ``dtype``: the float type of an image folder's pixels
    (the run's: no copy converts them later); a CSV file's rows stay float64.
    """
    path = Path(spec)
    share = DEFAULT_VALIDATION if validation is None else validation
    if path.is_file() and (task != "classification" or spec not in BUILTIN_DATA):
        table = read_labelled(path, label, header=header)  # read once, whichever the task
        if problem := table.single_value(path):
            raise CSVError(problem)
        kind, notes = table.decide(task)
        if kind == "regression" or spec not in BUILTIN_DATA:
            csv = _regression_csv if kind == "regression" else _classes_csv
            data = csv(path, table, seed, share)
            data.notes = [f"note: {n}" for n in notes]
            return data
    if task == "regression":
        raise UsageError(
            f"--task regression: needs a CSV file whose label column holds numbers, got {spec!r}"
        )
    if spec == "mnist-10k" or path.is_dir():
        return _images(spec, SHIPPED if spec == "mnist-10k" else path, seed, validation, dtype)
    if spec in ("spiral", "xor"):
        return _builtin(spec, seed, share)
    raise UsageError(
        f"--data: expected one of {', '.join(BUILTIN_DATA)}, a folder of MNIST files or a CSV "
        f"file, got {spec!r} (no such file or folder)"
    )


def _builtin(spec: str, seed: int, validation: float) -> Dataset:
    if spec == "xor":
        X, Y = xor()
        y = Y[:, 0].astype(np.int64)
        description = "xor (the four points; trained and evaluated on all four)"
        return Dataset(spec, description, X, y, X, y, ["0", "1"], validation=0.0)
    X, y = spiral(100, 3, rng=seed)
    Xtr, ytr, Xte, yte = _split(X, y, validation, seed, "spiral")
    description = (
        f"spiral (3 classes of 100 points, seed {seed}): {len(ytr)} training, {len(yte)} held-out"
    )
    return Dataset(spec, description, Xtr, ytr, Xte, yte, ["0", "1", "2"], validation=validation)


def _images(
    spec: str, folder: Path, seed: int, validation: float | None, dtype: Any = np.float64
) -> Dataset:
    """MNIST-format images: the held-out rows from the training images, t10k a test set.

    The shipped mnist-10k (and a folder with only the t10k pair) is split
    8,000/2,000 by ``seed``; a folder with the train pair holds out a sixth of
    its training images and keeps t10k apart, scored once at the end. The bytes
    are split, then scaled to [0, 1] in ``dtype`` (a run's largest arrays, made once).
    """
    files = find_files(folder)
    digits = [str(d) for d in range(10)]
    test = None
    if "train" in files:
        X, y = read_pixels(*files["train"])
        test_pixels, test_labels = read_pixels(*files["t10k"])
        test = (unit_pixels(test_pixels, dtype), test_labels)
        if X.shape[1] != test[0].shape[1]:
            raise IDXError(
                f"{folder}: train images have {X.shape[1]} pixels, t10k images "
                f"{test[0].shape[1]}; expected the same size"
            )
        share = FOLDER_VALIDATION if validation is None else validation
    else:
        X, y = read_pixels(*files["t10k"])
        share = DEFAULT_VALIDATION if validation is None else validation
    Xtr, ytr, Xte, yte = _split(X, y, share, seed, spec)
    Xtr, Xte = unit_pixels(Xtr, dtype), unit_pixels(Xte, dtype)
    del X
    if spec == "mnist-10k":
        what = f"mnist-10k (the shipped MNIST test set, split by seed {seed})"
    else:
        what = f"MNIST-format folder {spec}"
    description = f"{what}: {len(ytr)} training, {len(yte)} held-out images" + (
        f", {len(test[1])} test images (t10k)" if test is not None else ""
    )
    return Dataset(
        spec if spec == "mnist-10k" else str(folder),
        description,
        Xtr,
        ytr,
        Xte,
        yte,
        digits,
        {"scale": PIXEL_SCALE},
        kind="images",
        validation=share,
        test=test,
    )


def _classes_csv(path: Path, table: LabelledTable, seed: int, validation: float) -> Dataset:
    """A CSV file's rows and class labels, ``validation`` of each class held out (by ``seed``)."""
    X = table.X
    y, names = table.classes()
    Xtr, ytr, Xte, yte = _split(X, y, validation, seed, str(path))
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
        kind="csv",
        validation=validation,
    )


def _regression_csv(path: Path, table: LabelledTable, seed: int, validation: float) -> Dataset:
    """A CSV file's rows and its numeric target column, split by a seeded permutation."""
    X, t = table.X, targets_of(path, table)
    name = table.label_name or f"column {table.target + 1}"
    order = np.random.default_rng(seed).permutation(len(t))
    count = round((1 - validation) * len(t))
    if count == 0 or (count == len(t) and validation):
        raise ValueError(
            f"{path}: too few rows ({len(t)}) to hold out {validation:.0%}; give more rows "
            "or --validation 0"
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
        kind="csv",
        validation=validation,
    )


def prepare_data(data: Dataset, scale: str) -> None:
    """Prepare every part of ``data`` as ``--scale`` says, measured on the training rows
    only; a regression's targets are standardised too (unless ``--scale none``)."""
    prepare = fit_preparation(scale, data.X_train, data.prepare, data.kind)
    if data.regression and scale != "none" and len(data.y_train):
        prepare["target"] = fit_target(data.y_train)
    prepare_as(data, prepare)


def prepare_as(data: Dataset, prepare: dict[str, Any]) -> None:
    """Every part of ``data`` prepared by the given numbers (a model's, or just measured)."""
    have = data.prepare
    data.X_train = apply_preparation(data.X_train, prepare, have)
    data.X_test = apply_preparation(data.X_test, prepare, have)
    if data.test is not None:
        data.test = (apply_preparation(data.test[0], prepare, have), data.test[1])
    data.prepare = prepare


def targets(labels: Array, outputs: int, classes: int) -> Array:
    """One-hot rows when there is an output per class; a 0/1 column for one output."""
    if outputs == 1:
        return labels.astype(np.float64).reshape(-1, 1)
    return one_hot(labels, classes)


def training_targets(data: Dataset, y: Array, outputs: int) -> Array:
    """The rows Y the network is trained on for labels or targets y of ``data``: one-hot
    rows, a 0/1 column, or a regression's standardised targets (N×1)."""
    if data.regression:
        return scaled_targets(y, data.prepare)
    return targets(y, outputs, data.classes)


def predicted(net: Network, X: Array) -> Array:
    """The class index the network gives each row of X."""
    return classes_of(predict(net, X))
