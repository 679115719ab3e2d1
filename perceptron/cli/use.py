"""``perceptron evaluate``, ``predict`` and ``summary``: using a saved model."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets.mnist import SHIPPED
from ..io.csvfile import (
    LabelledTable,
    first_row,
    read_features,
    read_header,
    read_labelled,
    targets_of,
)
from ..io.idx import GZIP_MAGIC, IDXError, read_idx
from ..metrics import classes_of, predict
from ..reports.confusion import confusion_lines
from ..reports.summary import summary
from ..structs import Network
from ..threads import blas_threads
from ..types import Array
from .console import UsageError, note, number, out, printable
from .modeldata import data_source, label_names, load_model, map_labels, match_columns, model_data
from .prepare import (
    apply_preparation,
    check_preparation,
    describe,
    in_target_units,
    target_scores,
)


def _header(option: bool | None, path: Any, meta: dict[str, Any]) -> bool | None:
    """``--header``, else True when the file's first row is the model's column names (the
    header ``0,1`` pandas writes is all numbers), else None: guessed from the file."""
    recorded, label = meta.get("features"), meta.get("label_column")
    if option is not None or not isinstance(recorded, list):
        return option
    first = first_row(path)
    names = set(map(str, recorded))
    return True if first and set(first) in (names, names | {label}) else None


def _labelled(args: argparse.Namespace, spec: str, meta: dict[str, Any]) -> LabelledTable:
    """``spec``'s table, its label column ``--label`` or the model's; notes printed."""
    recorded = meta.get("label_column")
    label = (
        args.label if args.label is not None else recorded if isinstance(recorded, str) else None
    )
    table = read_labelled(spec, label, header=_header(args.header, spec, meta))
    for text in table.notes:
        note(f"note: {text}")
    return table


def _csv_rows(
    args: argparse.Namespace, spec: str, net: Network, meta: dict[str, Any], names: list[str]
) -> tuple[Array, Array]:
    """A CSV file scored whole, raw: its columns matched to the model's, its labels mapped
    through the model's label names (regression: its targets)."""
    table = _labelled(args, spec, meta)
    X = match_columns(table.X, table.feature_names, meta, "--data")
    if X.shape[1] != net.inputdim:
        raise ValueError(
            f"--data: {spec} has {X.shape[1]} feature columns, the model takes {net.inputdim}"
        )
    if meta.get("task") == "regression":
        return X, targets_of(spec, table)
    y, file_names = table.classes()
    return X, map_labels(y, file_names, names, f"--data: {spec}")


def _rows(
    args: argparse.Namespace, net: Network, meta: dict[str, Any], names: list[str]
) -> tuple[Array, Array, str, dict[str, Any]]:
    """The rows ``evaluate`` scores, prepared the model's way: (X, y, which rows, preparation).

    A CSV file given as --data is scored whole; the model's own data (no --data)
    and the built-in sets and folders by --split, as they were split in training.
    """
    spec, own = data_source(args, net, meta)
    prepare = check_preparation(meta, net.inputdim, args.model)
    held = meta.get("validation")
    if Path(spec).is_file() and not (own and spec != held):
        X, y = _csv_rows(args, spec, net, meta, names)
        which = f"CSV file {spec}: all its {len(y)} rows"
        if own:
            which += " (the model's --validation-data file)"
        elif spec == meta.get("data"):
            which += " (the file the model was trained on, training rows included)"
        return apply_preparation(X, prepare, {}), y, which, prepare
    data = model_data(args, net, meta)
    parts = {
        "held-out": (data.X_test, data.y_test),
        "train": (data.X_train, data.y_train),
        "all": (
            np.vstack([data.X_train, data.X_test]),
            np.concatenate([data.y_train, data.y_test]),
        ),
    }
    if data.test is not None:
        parts["test"] = data.test
    if args.split not in parts:
        raise UsageError(f"--split test: {data.name} has no test set (an MNIST folder's t10k)")
    X, y = parts[args.split]
    whose = "the model's own data, " if own else ""
    which = f"{whose}{data.description}; evaluating the {args.split} rows ({len(y)})"
    if not len(y):
        raise UsageError(
            f"--split {args.split}: there are no {args.split} rows in {data.name} (the model was "
            "trained on every row, --validation 0); give --data or --split train"
        )
    return X, y, which, data.prepare


def _evaluate_regression(
    args: argparse.Namespace,
    net: Network,
    meta: dict[str, Any],
    X: Array,
    t: Array,
    which: str,
    prepare: dict[str, Any],
) -> int:
    """A regression model scored: mean squared error and R², in the target's units."""
    mse, r2 = target_scores(net, X, t, prepare)
    names = meta.get("label_names")
    name = names[0] if isinstance(names, list) and names else "?"
    out(f"Model: {args.model} ({'-'.join(str(s) for s in net.sizes)}, cost {net.cost.name})")
    out(f"Data: {which}")
    out(f"Target: {printable(str(name))} (regression; MSE in its units)")
    out(f"Mean squared error: {number(mse)}")
    out(f"R²: {number(r2, 4)}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    net, meta = load_model(args.model)
    names = label_names(meta, net, args.model)
    X, y, which, prepare = _rows(args, net, meta, names)
    if meta.get("task") == "regression":
        return _evaluate_regression(args, net, meta, X, y, which, prepare)
    with blas_threads(net, len(X), args.threads):
        guess = classes_of(_finite_outputs(net, X, "--data"))
    correct = int(np.sum(guess == y))
    out(f"Model: {args.model} ({'-'.join(str(s) for s in net.sizes)}, cost {net.cost.name})")
    out(f"Data: {which}")
    out(f"Accuracy: {correct / len(y):.2%} ({correct} / {len(y)})")
    for line in confusion_lines(y, guess, [printable(n) for n in names]):
        out(line)
    return 0


def _input_file(path: str) -> Path:
    """The file to read: ``path`` itself, or the shipped file of that name."""
    source = Path(path)
    if source.is_file():
        return source
    shipped = SHIPPED / source.name
    if source.parent == Path(".") and shipped.is_file():
        return shipped
    if source.is_dir():
        raise IsADirectoryError(f"FILE: {path!r} is a folder; expected an IDX or CSV file")
    raise FileNotFoundError(f"FILE: no such file {path!r}")


def _is_idx(source: Path) -> bool:
    """Whether the file is IDX (its first bytes: gzip's magic or two zeros); else CSV."""
    with open(source, "rb") as handle:
        start = handle.read(2)
    if not start:
        raise ValueError(f"FILE: {source} is empty; expected an IDX file or CSV rows of numbers")
    return start == GZIP_MAGIC or start == b"\x00\x00"


def _idx_rows(source: Path) -> Array:
    """An IDX file's items as rows, as they are stored (uint8 for images): no float copy."""
    array = read_idx(source)
    if len(array) == 0:
        raise IDXError(f"{source}: the IDX file holds no items; there is nothing to predict")
    if array.ndim < 2:
        raise IDXError(
            f"{source}: expected an IDX file of images or rows (2 or more dimensions), "
            f"got shape {array.shape}; is this a labels file?"
        )
    return array.reshape(len(array), -1)  # a view: converted block by block


def _csv_inputs(source: Path, meta: dict[str, Any], header: bool | None) -> Array:
    """A CSV file's rows in the model's column order; a label column in it is refused."""
    header = _header(header, source, meta)
    label, names = meta.get("label_column"), read_header(source, header=header)
    if isinstance(label, str) and names is not None and label in names:
        raise ValueError(
            f"FILE: {source} has the label column {label!r}; leave out the label column"
        )
    X, names, notes = read_features(source, header=header)
    for text in notes:
        note(f"note: {text}")
    return match_columns(X, names, meta, "FILE")


#: The float64 rows converted and predicted at a time, in bytes: predicting a file
#: costs the input as it is stored plus a few such blocks, whatever it holds.
PREDICT_BLOCK_BYTES = 1 << 22


def _answers(
    net: Network, rows: Array, prepare: dict[str, Any], names: list[str], regression: bool
) -> Iterator[str]:
    """One line a row (the class name, or the predicted numbers in the target's units), a
    block of rows at a time, prepared the model's way, in the model's dtype."""
    block = max(1, PREDICT_BLOCK_BYTES // (8 * max(1, rows.shape[1], *net.sizes)))
    for begin in range(0, len(rows), block):
        X = apply_preparation(np.asarray(rows[begin : begin + block], np.float64), prepare, {})
        X = X.astype(net.dtype, copy=False)
        outputs = _finite_outputs(net, X, "FILE", begin)
        if regression:
            values = in_target_units(outputs, prepare)
            lines = [" ".join(f"{v:.6g}" for v in row) for row in values]
        else:
            lines = [printable(names[int(i)]) for i in classes_of(outputs)]
        yield "\n".join(lines) + "\n"


def _finite_outputs(net: Network, X: Array, name: str, first: int = 0) -> Array:
    """The network's outputs for the rows of X; a row giving NaN or ±inf is an error, not an
    answer (``first``: the number of the first row, for the message)."""
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        outputs = predict(net, X)
    finite = np.isfinite(outputs).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise ValueError(
            f"{name}: row {first + row + 1} gives non-finite outputs "
            f"({', '.join(f'{v:.3g}' for v in outputs[row][:4])}); the model cannot score it. "
            "Are its values far outside those it was trained on?"
        )
    return outputs


def cmd_predict(args: argparse.Namespace) -> int:
    net, meta = load_model(args.model)
    names = label_names(meta, net, args.model)
    prepare = check_preparation(meta, net.inputdim, args.model)
    source = _input_file(args.file)
    kind = "idx" if _is_idx(source) else "csv"
    X = _idx_rows(source) if kind == "idx" else _csv_inputs(source, meta, args.header)
    if X.shape[1] != net.inputdim:
        hint = (
            "; leave out the label column"
            if kind == "csv" and X.shape[1] == net.inputdim + 1
            else ""
        )
        raise ValueError(
            f"FILE: {args.file} has rows of {X.shape[1]} values, the model takes "
            f"{net.inputdim} inputs{hint}"
        )
    with blas_threads(net, len(X), args.threads):
        for text in _answers(net, X, prepare, names, meta.get("task") == "regression"):
            sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    net, meta = load_model(args.model)
    # Checked before anything is printed: a malformed header is an error, not half a table.
    names = label_names(meta, net, args.model) if meta.get("label_names") is not None else None
    lines = summary(net).splitlines()  # names in it (init) come from the file
    if meta:
        prepare = describe(check_preparation(meta, net.inputdim, args.model))
        lines.append(
            f"trained on: {meta.get('data', '?')}, {meta.get('epochs', '?')} "
            f"epochs, seed {meta.get('seed', '?')}; input preparation {prepare}"
        )
        if names is not None:
            what = "target" if meta.get("task") == "regression" else "labels"
            lines.append(f"{what}: {', '.join(names)}")
    for line in lines:
        out(printable(line))
    return 0
