"""The ``perceptron`` command: train, evaluate, predict, explain, summary.

``perceptron train`` with no arguments trains seed 001's network (784-30-10,
sigmoid, quadratic cost, N(0, 1) weights, batch 10, rate 3.0, 30 epochs) on
the shipped MNIST digits (8,000 training, 2,000 held-out images) and prints
one line an epoch in the article's form, ``Epoch 0: 1786 / 2000``.

Every error is one line on stderr, ``perceptron: error: …``, and a non-zero
exit status: 2 for a bad command line, 1 for unreadable data or model files
and failed training, 130 after Ctrl-C. Set PERCEPTRON_DEBUG=1 to see the
traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .activations import ACTIVATIONS
from .costs import COSTS
from .datasets import one_hot, spiral, stratified_split, xor
from .datasets.mnist import PIXEL_SCALE, load_digits
from .errors import TrainingDiverged
from .fit import sgd
from .history import History
from .io.csvfile import CSVError, read_csv, read_csv_features
from .io.idx import GZIP_MAGIC, IDXError, read_idx
from .io.model import load_with_meta, save
from .io.npz import ModelFileError
from .metrics import predict
from .network import Network, network
from .optimizers import SGD, Adam, Optimizer
from .report.summary import summary
from .types import Array

PROG = "perceptron"
EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
BUILTIN_DATA = ("mnist-10k", "spiral", "xor")
INITS = ("standard_normal", "glorot_normal", "he_normal", "default")
DEFAULT_LR = {"sgd": 3.0, "momentum": 0.3, "adam": 0.001}


class UsageError(Exception):
    """A bad command line: exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
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

    @property
    def classes(self) -> int:
        return len(self.label_names)

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


def load_data(spec: str, *, seed: int, label: str | None = None, fraction: float = 0.8) -> Dataset:
    """``--data``: mnist-10k, spiral, xor, a folder of MNIST files, or a CSV file."""
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
    path = Path(spec)
    if path.is_dir():
        Xtr, ytr, Xte, yte = load_digits(path, train_fraction=fraction, seed=seed)
        description = f"MNIST-format folder {spec}: {len(ytr)} training, {len(yte)} held-out images"
        return Dataset(str(path), description, Xtr, ytr, Xte, yte, digits, {"scale": PIXEL_SCALE})
    if path.is_file():
        X, y, names = read_csv(path, label)
        if len(names) < 2:
            raise CSVError(f"{spec}: the label column holds a single class; expected two or more")
        Xtr, ytr, Xte, yte = _split(X, y, fraction, seed, spec)
        description = f"CSV file {spec}: {len(ytr)} training, {len(yte)} held-out rows"
        return Dataset(str(path), description, Xtr, ytr, Xte, yte, names)
    raise UsageError(
        f"--data: expected one of {', '.join(BUILTIN_DATA)}, a folder of MNIST files or a CSV "
        f"file, got {spec!r} (no such file or folder)"
    )


def _targets(labels: Array, outputs: int, classes: int) -> Array:
    """One-hot rows when there is an output per class; a 0/1 column for one output."""
    if outputs == 1:
        return labels.astype(np.float64).reshape(-1, 1)
    return one_hot(labels, classes)


def _predicted(net: Network, X: Array) -> Array:
    out = predict(net, X)
    if net.outputdim == 1:
        return (out[:, 0] >= 0.5).astype(np.int64)
    return out.argmax(axis=1)


def _prepare(X: Array, prepare: dict[str, Any]) -> Array:
    scale = prepare.get("scale")
    return X * scale if scale is not None else X


def _check_prepare(meta: dict[str, Any], path: str) -> dict[str, float]:
    prepare = meta.get("prepare", {})
    if not isinstance(prepare, dict) or set(prepare) - {"scale"}:
        raise ModelFileError(f"{path}: unknown input preparation {prepare!r} in the model header")
    scale = prepare.get("scale")
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale)
    ):
        raise ModelFileError(f"{path}: the input preparation's scale {scale!r} is not a number")
    return prepare


def _label_names(meta: dict[str, Any], net: Network, path: str) -> list[str]:
    names = meta.get("label_names")
    if names is None:
        return [str(i) for i in range(max(net.outputdim, 2))]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelFileError(f"{path}: the label names in the model header are not a list of text")
    expected = 2 if net.outputdim == 1 else net.outputdim
    if len(names) != expected:
        raise ModelFileError(
            f"{path}: the model header names {len(names)} labels for {net.outputdim} outputs"
        )
    return names


# ---------------------------------------------------------------------------
# argument types
# ---------------------------------------------------------------------------
def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1)
_nonnegative_int = _int_at_least(0)


def _real(text: str, *, positive: bool = False, below_one: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    if positive and value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    if below_one and value >= 1:
        raise argparse.ArgumentTypeError(f"expected a number below 1, got {text}")
    return value


def _positive_real(text: str) -> float:
    return _real(text, positive=True)


def _nonnegative_real(text: str) -> float:
    return _real(text)


def _fraction(text: str) -> float:
    return _real(text, below_one=True)


def _layers(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        try:
            size = int(part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected sizes separated by commas such as 30,10, got {text!r}"
            ) from None
        if not 1 <= size <= 1_000_000:
            raise argparse.ArgumentTypeError(f"expected sizes from 1 to 1000000, got {size}")
        sizes.append(size)
    return sizes


# ---------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Train and use feedforward networks, one column sample at a time.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    data_help = (
        "mnist-10k (the shipped MNIST test set, split 8000/2000), spiral, xor, a folder of "
        "MNIST-format files, or a CSV file (label in the last column or --label)"
    )

    train = commands.add_parser(
        "train",
        help="train a network (default: seed 001's 784-30-10 on the shipped digits)",
        description="Train a network and print one line an epoch: "
        "'Epoch k: correct / held-out, loss, time'.",
    )
    train.add_argument("--data", default="mnist-10k", help=data_help)
    train.add_argument("--label", help="CSV: name of the label column (default: the last)")
    train.add_argument(
        "--layers",
        type=_layers,
        help="hidden sizes and the output size, e.g. 30,10 (default: 30 and one output a class)",
    )
    train.add_argument("--activation", default="sigmoid", choices=sorted(ACTIVATIONS))
    train.add_argument(
        "--output-activation", choices=sorted(ACTIVATIONS), help="(default: --activation)"
    )
    train.add_argument("--cost", default="quadratic", choices=sorted(COSTS))
    train.add_argument(
        "--init",
        default="standard_normal",
        choices=INITS,
        help="weights: standard_normal is seed 001's N(0, 1); default = He for relu, else Glorot",
    )
    train.add_argument("--optimizer", default="sgd", choices=("sgd", "momentum", "adam"))
    train.add_argument(
        "--momentum", type=_fraction, default=0.9, help="for --optimizer momentum (default 0.9)"
    )
    train.add_argument(
        "--decay", type=_nonnegative_real, default=0.0, help="lr / (1 + decay·t) (default 0)"
    )
    train.add_argument("--batchsize", type=_positive_int, default=10)
    train.add_argument("--epochs", type=_nonnegative_int, default=30)
    train.add_argument(
        "--lr",
        type=_positive_real,
        help="learning rate (default: sgd 3.0, momentum 0.3, adam 0.001)",
    )
    train.add_argument("--l2", type=_nonnegative_real, default=0.0, help="L2 penalty λ (default 0)")
    train.add_argument(
        "--patience", type=_positive_int, help="stop after this many epochs without progress"
    )
    train.add_argument("--seed", type=_nonnegative_int, default=0, help="init, split and shuffle")
    train.add_argument(
        "--engine",
        default="sample",
        choices=("sample", "batch"),
        help="sample: one column at a time, as the articles do (default); batch: a "
        "mini-batch as one matrix (the same maths, faster for large batches)",
    )
    train.add_argument("--save", metavar="PATH", help="save the trained network (.npz)")
    train.add_argument("--plot", metavar="PATH", help="loss and accuracy curves (needs matplotlib)")
    train.add_argument("--checkpoint", metavar="PATH", help="save after each epoch; resume from it")

    evaluate = commands.add_parser(
        "evaluate", help="accuracy and confusion matrix of a saved model on data"
    )
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("--data", default="mnist-10k", help=data_help)
    evaluate.add_argument("--label", help="CSV: name of the label column (default: the last)")
    evaluate.add_argument(
        "--split",
        default="held-out",
        choices=("held-out", "train", "all"),
        help="which rows (default: the held-out ones, split as in training)",
    )
    evaluate.add_argument(
        "--seed",
        type=_nonnegative_int,
        help="split seed (default: the one the model was trained with)",
    )

    pred = commands.add_parser("predict", help="one prediction per row of a CSV or IDX file")
    pred.add_argument("model", metavar="MODEL")
    pred.add_argument("file", metavar="FILE", help="CSV without the label column, or IDX images")

    explain = commands.add_parser(
        "explain",
        help="one training step with every number (seed 001's worked example by default)",
    )
    explain.add_argument("--model", metavar="PATH", help="a saved model instead of the article's")
    explain.add_argument("--data", default="mnist-10k", help=data_help)
    explain.add_argument("--label", help="CSV: name of the label column (default: the last)")
    explain.add_argument(
        "--index", type=_nonnegative_int, default=0, help="training row (default 0)"
    )
    explain.add_argument("--lr", type=_positive_real, help="learning rate (default 0.1)")
    explain.add_argument("--seed", type=_nonnegative_int, help="split seed (default: the model's)")

    summ = commands.add_parser("summary", help="the layers of a saved model")
    summ.add_argument("model", metavar="MODEL")
    return parser


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
def _out(text: str = "") -> None:
    print(text, flush=True)


def _optimizer(args: argparse.Namespace) -> Optimizer | None:
    if args.optimizer == "momentum":
        return SGD(momentum=args.momentum, decay=args.decay)
    if args.optimizer == "adam":
        return Adam(decay=args.decay)
    return SGD(decay=args.decay) if args.decay else None


def _plot_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _write_plot(path: str, history: History, accuracies: list[float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = list(range(len(history.loss)))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, history.loss, label="training loss")
    if history.val_loss:
        left.plot(epochs[: len(history.val_loss)], history.val_loss, label="held-out loss")
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.legend()
    right.plot(epochs[-len(accuracies) :] if accuracies else [], accuracies, label="held-out")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _check_output_folder(path: str | None, option: str) -> None:
    if path is None:
        return
    folder = Path(path).parent
    if str(folder) and not folder.is_dir():
        raise UsageError(f"{option}: the folder {str(folder)!r} does not exist")
    if Path(path).is_dir():
        raise UsageError(f"{option}: {path!r} is a folder; expected a file name")


def cmd_train(args: argparse.Namespace) -> int:
    for path, option in (
        (args.save, "--save"),
        (args.plot, "--plot"),
        (args.checkpoint, "--checkpoint"),
    ):
        _check_output_folder(path, option)
    plot = args.plot
    if plot is not None and not _plot_available():
        print(
            f"{PROG}: note: --plot needs matplotlib (pip install matplotlib); "
            "no plot will be written",
            file=sys.stderr,
        )
        plot = None
    data = load_data(args.data, seed=args.seed, label=args.label)
    sizes = args.layers if args.layers is not None else [30, data.classes]
    outputs = sizes[-1]
    if outputs != data.classes and not (outputs == 1 and data.classes == 2):
        raise UsageError(
            f"--layers: the output size {outputs} does not match the data's {data.classes} "
            f"classes; end --layers with {data.classes}"
        )
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    rng = np.random.default_rng(args.seed)
    net = network(
        [data.inputs, *sizes],
        args.activation,
        args.cost,
        output_activation=args.output_activation,
        init=None if args.init == "default" else args.init,
        rng=rng,
    )
    Y_train = _targets(data.y_train, outputs, data.classes)
    Y_test = _targets(data.y_test, outputs, data.classes)
    optimizer = _optimizer(args)
    opt_text = {
        "sgd": "plain SGD",
        "momentum": f"SGD with momentum {args.momentum}",
        "adam": "Adam",
    }
    last = net.layers[-1].activation.name
    _out(f"Data: {data.description}; {data.inputs} inputs, {data.classes} classes")
    _out(
        f"Network: {'-'.join(str(s) for s in net.sizes)}, {args.activation}"
        + (f" (output {last})" if last != args.activation else "")
        + f", cost {net.cost.name}, init {net.layers[0].init}, seed {args.seed}"
    )
    _out(
        f"Training: {opt_text[args.optimizer]}"
        + (f" (decay {args.decay})" if args.decay else "")
        + f", batch {args.batchsize}, lr {lr}, {args.epochs} epoch"
        + ("" if args.epochs == 1 else "s")
        + f", engine {args.engine}"
        + (f", l2 {args.l2}" if args.l2 else "")
        + (f", patience {args.patience}" if args.patience else "")
    )
    if args.checkpoint and Path(args.checkpoint).exists():
        _out(f"Resuming from the checkpoint {args.checkpoint}")

    tty = sys.stdout.isatty()
    n_test = len(data.y_test)
    accuracies: list[float] = []

    def on_epoch(epoch: int, history: History, trained: Network) -> None:
        correct = int(np.sum(_predicted(trained, data.X_test) == data.y_test))
        accuracies.append(correct / n_test)
        line = (
            f"Epoch {epoch}: {correct} / {n_test}, loss {history.loss[-1]:.5f}, "
            f"{history.epoch_time[-1]:.2f} s"
        )
        if history.val_loss:
            line += f" (held-out loss {history.val_loss[-1]:.5f})"
        if tty:
            # Overwrite the progress bar.
            sys.stdout.write("\r\x1b[K")
        _out(line)

    shown = [-1]

    def on_batch(epoch: int, batch: int, batches: int) -> None:
        # A bar inside the epoch, redrawn only when it grows by a 40th.
        filled = (batch + 1) * 40 // batches
        if filled != shown[0]:
            shown[0] = filled
            bar = "#" * filled + "." * (40 - filled)
            sys.stdout.write(f"\r\x1b[KEpoch {epoch}: [{bar}] {batch + 1}/{batches} batches")
            sys.stdout.flush()

    started = time.perf_counter()
    try:
        history = sgd(
            net,
            data.X_train,
            Y_train,
            args.batchsize,
            args.epochs,
            lr,
            rng=rng,
            optimizer=optimizer,
            validation=(data.X_test, Y_test) if args.patience else None,
            on_epoch=on_epoch,
            l2=args.l2,
            patience=args.patience,
            engine=args.engine,
            checkpoint=args.checkpoint,
            on_batch=on_batch if tty else None,
        )
    except KeyboardInterrupt as interrupt:
        if tty:
            sys.stdout.write("\r\x1b[K")
        done = getattr(interrupt, "history", History()).epochs
        if args.save:
            save(net, args.save, meta=_meta(data, args, done))
            print(
                f"{PROG}: interrupted after {done} complete epoch(s); saved the network "
                f"(at its last completed update) to {args.save}",
                file=sys.stderr,
            )
        else:
            print(
                f"{PROG}: interrupted after {done} complete epoch(s); nothing saved "
                "(use --save PATH to keep the network)",
                file=sys.stderr,
            )
        return EXIT_INTERRUPTED
    elapsed = time.perf_counter() - started
    correct = int(np.sum(_predicted(net, data.X_test) == data.y_test))
    note = " (best epoch's weights restored)" if history.stopped_early else ""
    _out(
        f"Held-out accuracy: {correct / n_test:.2%} ({correct} / {n_test}) after "
        f"{history.epochs} epoch{'' if history.epochs == 1 else 's'} in {elapsed:.1f} s{note}"
    )
    if args.save:
        save(net, args.save, meta=_meta(data, args, history.epochs))
        _out(f"Saved the network to {args.save}")
    if plot is not None:
        _write_plot(plot, history, accuracies)
        _out(f"Wrote the loss and accuracy curves to {plot}")
    return 0


def _meta(data: Dataset, args: argparse.Namespace, epochs: int) -> dict[str, Any]:
    return {
        "data": data.name,
        "label_column": args.label,
        "prepare": data.prepare,
        "label_names": data.label_names,
        "seed": args.seed,
        "epochs": epochs,
    }


def _load_model(path: str) -> tuple[Network, dict[str, Any]]:
    if not Path(path).is_file():
        raise FileNotFoundError(f"MODEL: no model file at {path!r} (save one with train --save)")
    return load_with_meta(path)


def _model_data(args: argparse.Namespace, net: Network, meta: dict[str, Any]) -> Dataset:
    seed = args.seed if args.seed is not None else meta.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ModelFileError(f"{args.model}: the header's seed {seed!r} is not a valid seed")
    label = args.label if args.label is not None else meta.get("label_column")
    data = load_data(args.data, seed=seed, label=label if isinstance(label, str) else None)
    if data.inputs != net.inputdim:
        raise ValueError(
            f"--data: the rows have {data.inputs} values, the model takes {net.inputdim} inputs"
        )
    prepare = _check_prepare(meta, args.model)
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


def cmd_evaluate(args: argparse.Namespace) -> int:
    net, meta = _load_model(args.model)
    names = _label_names(meta, net, args.model)
    data = _model_data(args, net, meta)
    if args.split == "held-out":
        X, y = data.X_test, data.y_test
    elif args.split == "train":
        X, y = data.X_train, data.y_train
    else:
        X, y = np.vstack([data.X_train, data.X_test]), np.concatenate([data.y_train, data.y_test])
    guess = _predicted(net, X)
    correct = int(np.sum(guess == y))
    _out(f"Model: {args.model} ({'-'.join(str(s) for s in net.sizes)}, cost {net.cost.name})")
    _out(f"Data: {data.description}; evaluating the {args.split} rows")
    _out(f"Accuracy: {correct / len(y):.2%} ({correct} / {len(y)})")
    k = len(names)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (y, guess), 1)
    _out("Confusion matrix (rows: true label, columns: predicted label):")
    width = max(max(len(n) for n in names), len(str(int(matrix.max()))), 3)
    _out(" " * (width + 1) + " ".join(n.rjust(width) for n in names))
    for i, name in enumerate(names):
        _out(name.rjust(width) + " " + " ".join(str(v).rjust(width) for v in matrix[i]))
    return 0


def _read_inputs(path: str) -> tuple[Array, str]:
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"FILE: no such file {path!r}")
    with open(source, "rb") as handle:
        start = handle.read(2)
    if start == GZIP_MAGIC or start == b"\x00\x00":
        array = read_idx(source)
        if array.ndim < 2:
            raise IDXError(
                f"{path}: expected an IDX file of images or rows (2 or more dimensions), "
                f"got shape {array.shape}; is this a labels file?"
            )
        return array.reshape(len(array), -1).astype(np.float64), "idx"
    return read_csv_features(source), "csv"


def cmd_predict(args: argparse.Namespace) -> int:
    net, meta = _load_model(args.model)
    names = _label_names(meta, net, args.model)
    prepare = _check_prepare(meta, args.model)
    label = meta.get("label_column")
    if isinstance(label, str) and Path(args.file).is_file():
        with open(args.file, newline="", encoding="utf-8", errors="replace") as handle:
            first = next(csv.reader(handle), [])
        if label in (cell.strip() for cell in first):
            raise ValueError(
                f"FILE: {args.file} has the label column {label!r}; leave out the label column"
            )
    X, kind = _read_inputs(args.file)
    if X.shape[1] != net.inputdim:
        hint = ""
        if kind == "csv" and X.shape[1] == net.inputdim + 1:
            hint = "; leave out the label column"
        raise ValueError(
            f"FILE: {args.file} has rows of {X.shape[1]} values, the model takes "
            f"{net.inputdim} inputs{hint}"
        )
    X = _prepare(X, prepare)
    lines = [names[int(i)] for i in _predicted(net, X)]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from .report.explain import article_comparison, article_network, explain_step, format_step

    if args.model is None:
        net, x, y, lr = article_network()
        if args.lr is not None:
            lr = args.lr
        step = explain_step(net, x, y, lr)
        _out(
            format_step(
                step,
                "Seed 001's worked example: one training step of its 1-1-1 "
                "sigmoid network, cost ½(a − y)²",
            )
        )
        if args.lr is None:
            rows = article_comparison(step)
            same = sum(ours == theirs for _, ours, theirs in rows)
            _out("")
            _out(
                f"{same} of {len(rows)} numbers equal those printed in seed 001, to the last digit"
            )
            for name, ours, theirs in rows:
                if ours != theirs:
                    _out(f"  differs: {name}: {ours!r} here, {theirs!r} in the article")
        return 0
    net, meta = _load_model(args.model)
    names = _label_names(meta, net, args.model)
    data = _model_data(args, net, meta)
    if args.index >= len(data.y_train):
        raise UsageError(
            f"--index: expected a training row from 0 to {len(data.y_train) - 1}, got {args.index}"
        )
    x = data.X_train[args.index]
    label = int(data.y_train[args.index])
    y = _targets(np.array([label]), net.outputdim, len(names))[0]
    lr = args.lr if args.lr is not None else 0.1
    step = explain_step(net, x, y, lr)
    _out(
        format_step(
            step,
            f"One training step of {args.model} on training row {args.index} of {data.name} "
            f"(label {names[label]})",
        )
    )
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    net, meta = _load_model(args.model)
    _out(summary(net))
    if meta:
        prepare = meta.get("prepare") or "raw inputs"
        _out(
            f"trained on: {meta.get('data', '?')}, {meta.get('epochs', '?')} epochs, seed "
            f"{meta.get('seed', '?')}; input preparation {prepare}"
        )
        if meta.get("label_names") is not None:
            _out(f"labels: {', '.join(str(n) for n in meta['label_names'])}")
    return 0


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "explain": cmd_explain,
    "summary": cmd_summary,
}


def _error(message: str) -> None:
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{PROG}: error: {text}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(list(argv) if argv is not None else None)
        except SystemExit as done:  # --help
            return int(done.code or 0) if not isinstance(done.code, str) else EXIT_USAGE
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return COMMANDS[args.command](args)
    except UsageError as error:
        _error(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_FAILURE
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        _error(str(error) if not error.filename else f"{error.strerror}: {error.filename}")
        return EXIT_FAILURE
    except (IDXError, CSVError, ModelFileError, TrainingDiverged, ValueError, TypeError) as error:
        _error(str(error))
        return EXIT_FAILURE
    except MemoryError:
        _error("out of memory; try smaller layers or less data")
        return EXIT_FAILURE
    except Exception as error:
        if os.environ.get("PERCEPTRON_DEBUG"):
            raise
        _error(f"unexpected {type(error).__name__}: {error} (set PERCEPTRON_DEBUG=1 for details)")
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
