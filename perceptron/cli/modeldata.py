"""The rows ``train`` learns from (split and prepared by its options), and those a saved
model is used on: its own data unless --data says otherwise, prepared the model's way, with
columns and labels matched to the model's by name.

A model saved by ``train --save`` records in its header where it was trained
(``data``), the split (``seed`` and ``validation``: the fraction held out, or
the ``--validation-data`` file), how its inputs were prepared (``prepare``,
see :mod:`.prepare`), its label names and its feature columns' names.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..io.csvfile import read_labelled, targets_of
from ..io.model import load_with_meta
from ..io.npz import ModelFileError
from ..structs import Network
from ..types import Array
from .console import UsageError, note, printable
from .data import Dataset, load_data, prepare_as, prepare_data
from .parser import BUILTIN_DATA
from .prepare import check_preparation, scale_note


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


def map_labels(y: Array, found: list[str], names: list[str], what: str) -> Array:
    """Class indices ``y`` into a file's class names ``found``, as indices into the model's
    ``names``; a label the model was not trained on is refused, naming it."""
    index = {name: i for i, name in enumerate(names)}
    used = {found[i] for i in np.unique(y)} if len(y) else set()
    unknown = [n for n in found if n not in index and n in used]
    if unknown:
        raise ValueError(
            f"{what} holds label(s) {[printable(n) for n in unknown]} the model was not "
            f"trained on; its labels are {[printable(n) for n in names]}"
        )
    return np.array([index.get(n, -1) for n in found], dtype=np.int64)[y]


def attach_validation(
    data: Dataset, path: str, label: str | None, header: bool | None = None
) -> None:
    """``--validation-data FILE``: a CSV file's rows become the held-out rows, its columns
    matched to the training file's by name and its labels to the training classes."""
    source = Path(path)
    if data.kind != "csv":
        raise UsageError(f"--validation-data: goes with a CSV file as --data, not {data.name!r}")
    if not source.is_file():
        raise UsageError(f"--validation-data: expected a CSV file, got {path!r} (no such file)")
    table = read_labelled(source, label if label is not None else data.label_column, header=header)
    what = f"--validation-data: {path}"
    X = match_columns(table.X, table.feature_names, {"features": data.features}, what)
    if X.shape[1] != data.inputs:
        raise ValueError(f"{what} has {X.shape[1]} feature columns, --data {data.inputs}")
    if data.regression:
        y = targets_of(source, table)
    else:
        classes, found = table.classes()
        y = map_labels(classes, found, data.label_names, what)
    data.X_test, data.y_test, data.validation = X, y, str(source)
    data.description = (
        f"CSV file {data.name}: {len(data.y_train)} training rows; held out: the {len(y)} "
        f"rows of {path}"
    )


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


def data_source(args: argparse.Namespace, net: Network, meta: dict[str, Any]) -> tuple[str, bool]:
    """(--data, whether it is the model's own): --data, else where the model was trained.

    The model's own data is its ``--validation-data`` file if it was given one,
    else the built-in set or the file or folder it was trained on while it
    still exists. A network saved without a header (the library's ``save``)
    takes the shipped digits when it has 784 inputs.
    """
    if args.data is not None:
        return args.data, False
    recorded = meta.get("data")
    if not isinstance(recorded, str):
        if net.inputdim == 28 * 28:
            return "mnist-10k", False
        raise UsageError(
            f"--data: {args.model} does not record its training data; give --data with rows "
            f"of its {net.inputdim} inputs"
        )
    held = meta.get("validation")
    if isinstance(held, str) and Path(held).is_file():
        return held, True
    if recorded in BUILTIN_DATA or Path(recorded).exists():
        return recorded, True
    raise UsageError(
        f"--data: {args.model} was trained on {printable(recorded)}, which is not there any "
        "more; give --data with rows of the same columns"
    )


def recorded_validation(meta: dict[str, Any]) -> float | None:
    """The fraction the model's training held out (None: not recorded, or a file)."""
    held = meta.get("validation")
    if isinstance(held, bool) or not isinstance(held, (int, float)) or not 0 <= held < 1:
        return None
    return float(held)


def model_data(args: argparse.Namespace, net: Network, meta: dict[str, Any]) -> Dataset:
    """The rows of ``args.data`` (the model's own data when None), split as in training (the
    recorded seed and fraction, unless --seed) and prepared as the model records."""
    spec, _ = data_source(args, net, meta)
    seed = args.seed if args.seed is not None else meta.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ModelFileError(f"{args.model}: the header's seed {seed!r} is not a valid seed")
    label = args.label if args.label is not None else meta.get("label_column")
    task = "regression" if meta.get("task") == "regression" else "classification"
    data = load_data(
        spec,
        seed=seed,
        label=label if isinstance(label, str) else None,
        validation=recorded_validation(meta),
        task=task,
        header=getattr(args, "header", None),
    )
    data.X_train = match_columns(data.X_train, data.features, meta, "--data")
    data.X_test = match_columns(data.X_test, data.features, meta, "--data")
    if data.inputs != net.inputdim:
        raise ValueError(
            f"--data: the rows have {data.inputs} values, the model takes {net.inputdim} inputs"
        )
    prepare_as(data, check_preparation(meta, net.inputdim, args.model) if meta else data.prepare)
    names = label_names(meta, net, args.model)
    if data.kind == "csv" and not data.regression:
        data.y_train = map_labels(data.y_train, data.label_names, names, f"--data: {spec}")
        data.y_test = map_labels(data.y_test, data.label_names, names, f"--data: {spec}")
        data.label_names = names
    outputs = 2 if net.outputdim == 1 else net.outputdim
    if data.classes > outputs:
        raise ValueError(
            f"--data: the data has {data.classes} classes, the model only {net.outputdim} outputs"
        )
    return data


def training_data(args: argparse.Namespace) -> Dataset:
    """The rows of --data, split (--validation, --validation-data) and prepared (--scale)."""
    if args.validation_data is not None and args.validation:
        raise UsageError("--validation-data: give it or --validation FRACTION, not both")
    held = 0.0 if args.validation_data is not None else args.validation
    data = load_data(
        args.data,
        seed=args.seed,
        label=args.label,
        validation=held,
        task=args.task,
        header=args.header,
        dtype=np.dtype(args.dtype),
    )
    for line in data.notes:  # what was guessed of a CSV file
        note(line)
    if args.validation_data is not None:
        attach_validation(data, args.validation_data, args.label, args.header)
    if args.patience and not len(data.y_test):
        raise UsageError(
            "--patience: early stopping watches the held-out rows, and there are none "
            "(--validation 0 trains on every row); give --validation FRACTION or leave out "
            "--patience"
        )
    prepare_data(data, args.scale)
    if args.scale == "none" and (hint := scale_note(data.X_train, data.features)):
        note(hint)
    return data
