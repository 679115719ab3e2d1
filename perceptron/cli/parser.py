"""The command line's grammar: every command, option and default, and their argument types.

The argument types convert the text and hand it to :mod:`perceptron.checks`,
the same checks the library runs, so a value the library would refuse is
refused here with the same reason.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..activations import ACTIVATIONS
from ..costs import COSTS
from ..engines import ENGINE_NAMES
from ..version import __version__
from .argtypes import (
    Help,
    Parser,
    fraction,
    layers,
    nonnegative_int,
    nonnegative_real,
    positive_int,
    positive_real,
)
from .console import PROG

BUILTIN_DATA = ("mnist-10k", "spiral", "xor")
DTYPES = ("float64", "float32")
INITS = ("auto", "standard_normal", "glorot_normal", "he_normal", "default")
DEFAULT_LR = {"sgd": 3.0, "momentum": 0.3, "adam": 0.001}
#: A regression's default epochs; it trains with Adam at 0.001, as scikit-learn's MLPRegressor.
REGRESSION_EPOCHS = 100
#: ``--scale`` choices (see perceptron/cli/prepare.py).
SCALES = ("auto", "standard", "minmax", "none")
DATA_HELP = (
    "mnist-10k (the shipped MNIST test set, split 8000/2000), spiral, xor, a folder of "
    "MNIST-format files, or a CSV file (label in the last column or --label)"
)
USE_DATA_HELP = DATA_HELP + " (default: the model's own data, where it was trained)"
LABEL_HELP = (
    "CSV: the label column, by its header name or its number from 1 (default: the column "
    "named label, class, target or y, else the last)"
)
HEADER_HELP = "CSV: the first row names the columns, or --no-header: it is data (default: guessed)"


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``perceptron`` and its five commands."""
    parser = Parser(
        prog=PROG,
        description="Train and use feedforward networks, one column sample at a time.",
        formatter_class=Help,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    _train_parser(commands)
    evaluate = commands.add_parser(
        "evaluate",
        help="accuracy and confusion matrix of a saved model on data",
        description="Score a saved model: a CSV file is scored whole; for the built-in data "
        "sets and MNIST folders --split chooses the rows.",
        formatter_class=Help,
    )
    evaluate.add_argument("model", metavar="MODEL")
    csv_options(evaluate.add_argument, own=True)
    evaluate.add_argument(
        "--split",
        default="held-out",
        choices=("held-out", "train", "all", "test"),
        help="which rows of the model's own data, a built-in data set or an MNIST folder "
        "(split as in training; test: an MNIST folder's t10k images)",
    )
    evaluate.add_argument(
        "--seed", type=nonnegative_int, help="split seed (default: the model's own)"
    )
    _speed_options(evaluate.add_argument, training=False)
    pred = commands.add_parser(
        "predict", help="one prediction per row of a CSV or IDX file", formatter_class=Help
    )
    pred.add_argument("model", metavar="MODEL")
    pred.add_argument(
        "file",
        metavar="FILE",
        help="CSV without the label column, or IDX images; the name of a shipped file "
        "(e.g. t10k-images-idx3-ubyte.gz) reads that file",
    )
    csv_options(pred.add_argument, data=False)
    _speed_options(pred.add_argument, training=False)
    _explain_parser(commands)
    summ = commands.add_parser("summary", help="the layers of a saved model", formatter_class=Help)
    summ.add_argument("model", metavar="MODEL")
    _check_parsers(commands)
    return parser


def _train_parser(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train a network (default: Nielsen's 784-30-10 on the shipped digits)",
        description="Train a network and print one line an epoch: "
        "'Epoch k: correct / held-out, loss, time'. With no options: the 784-30-10 sigmoid "
        "network of the MNIST article, exactly.",
        formatter_class=Help,
    )
    add = train.add_argument
    csv_options(add)
    add("--layers", type=layers, help="hidden and output sizes, e.g. 30,10 (default: 30,classes)")
    add("--activation", default="sigmoid", choices=sorted(ACTIVATIONS), help="hidden layers")
    add(
        "--output-activation",
        choices=sorted(ACTIVATIONS),
        help="(default: softmax under cross_entropy, else --activation)",
    )
    add(
        "--task",
        default="auto",
        choices=("auto", "classification", "regression"),
        help="regression: predict the CSV label column's numbers (mse cost, identity output); "
        "auto: regression when that column holds numbers with fractions, or over 20 distinct "
        "whole numbers with fewer than 5 rows each, else classification",
    )
    add(
        "--cost",
        choices=sorted(COSTS),
        help="the cost C(a, y) (default: quadratic; mse for a regression)",
    )
    add(
        "--init",
        default="auto",
        choices=INITS,
        help="weights: auto = standard_normal, N(0, 1), for the article's sigmoid network, "
        "else the library's default (He normal under relu, Glorot normal otherwise) "
        "(default: auto)",
    )
    _solver_options(add)
    add("--l2", type=nonnegative_real, default=0.0, help="L2 penalty λ")
    add("--patience", type=positive_int, help="stop after this many epochs without progress")
    add("--seed", type=nonnegative_int, default=0, help="init, split and shuffle")
    _data_options(add)
    _speed_options(add, training=True)
    _train_outputs(add)


def _solver_options(add: Any) -> None:
    """``train``'s solver: the optimizer, its momentum and decay, the batch, epochs and rate."""
    add(
        "--optimizer",
        choices=("sgd", "momentum", "adam"),
        help="the solver (default: sgd, the article's; adam for a regression)",
    )
    add("--momentum", type=fraction, default=0.9, help="for --optimizer momentum")
    add("--decay", type=nonnegative_real, default=0.0, help="rate lr / (1 + decay·t)")
    add("--batchsize", type=positive_int, default=10, help="samples per update")
    add(
        "--epochs",
        type=nonnegative_int,
        help=f"passes over the training rows (default: 30); {REGRESSION_EPOCHS} for a regression",
    )
    add(
        "--lr",
        type=positive_real,
        help="learning rate (default: sgd 3.0, momentum 0.3, adam 0.001)",
    )


def _data_options(add: Any) -> None:
    """``train``'s options for how the rows are prepared and which are held out."""
    add(
        "--scale",
        default="auto",
        choices=SCALES,
        help="how inputs are prepared, with numbers measured on the training rows and "
        "recorded in the model: auto = standardise a CSV file's columns, image bytes / 255; "
        "standard = (x - mean) / std; minmax = (x - min) / (max - min); none = raw "
        "(default: auto)",
    )
    add(
        "--validation",
        type=fraction,
        metavar="FRACTION",
        help="the fraction of the training data held out for the per-epoch score and "
        "--patience; 0 trains on every row (default: 0.2; 1/6 of an MNIST folder's "
        "training images, whose t10k images are the test set, scored once at the end)",
    )
    add(
        "--validation-data",
        metavar="FILE",
        help="a CSV file of held-out rows (same columns) instead of --validation",
    )


def csv_options(add: Any, *, data: bool = True, own: bool = False) -> None:
    """``--data`` and ``--label`` (when ``data``), ``--header``/``--no-header``.

    ``own``: a command on a saved model, whose ``--data`` defaults to the model's own data.
    """
    if data:
        if own:
            add("--data", help=USE_DATA_HELP)
        else:
            add("--data", default="mnist-10k", help=DATA_HELP)
        add("--label", help=LABEL_HELP)
    add("--header", action=argparse.BooleanOptionalAction, help=HEADER_HELP)


def _speed_options(add: Any, *, training: bool) -> None:
    """How fast a command computes, not what: --engine and --dtype (train), --threads (all)."""
    if training:
        add(
            "--engine",
            default="batch",
            choices=ENGINE_NAMES,
            help="batch: a mini-batch as one matrix, the fastest; sample: the "
            "article's per-sample loop on reused buffers; reference: the four functions "
            "literally (all three equal up to rounding)",
        )
        add(
            "--dtype",
            default="float64",
            choices=DTYPES,
            help="floating-point type of the network, recorded in the saved model; float32 "
            "trains faster, to about 7 significant digits",
        )
    add(
        "--threads",
        type=positive_int,
        help="BLAS threads for the matrix products (default: one, unless the largest "
        "product is big enough to share, 100 MFLOP a thread)",
    )


def _train_outputs(add: Any) -> None:
    """``train``'s options for what the run leaves behind: model, plot, checkpoint, report."""
    add("--save", metavar="PATH", help="save the trained network (.npz)")
    add(
        "--plot", metavar="PATH", help="loss and accuracy curves, .png/.svg/.pdf (needs matplotlib)"
    )
    add("--checkpoint", metavar="PATH", help="save after each epoch; resume from it")
    add(
        "--report",
        metavar="PATH",
        help="write a training report, one self-contained .html page with pictures of the "
        "run and of what the network learned (needs matplotlib)",
    )


def _explain_parser(commands: Any) -> None:
    explain = commands.add_parser(
        "explain",
        help="one training step with every number (the MNIST article's worked example)",
        formatter_class=Help,
    )
    explain.add_argument("--model", metavar="PATH", help="a saved model instead of the article's")
    csv_options(explain.add_argument, own=True)
    explain.add_argument("--index", type=nonnegative_int, default=0, help="training row")
    explain.add_argument(
        "--lr", type=positive_real, help="learning rate (default: the model's, else 0.1)"
    )
    explain.add_argument("--seed", type=nonnegative_int, help="split seed (default: the model's)")
    explain.add_argument(
        "--precision",
        type=positive_int,
        default=6,
        help="significant digits of each number; 17 or more prints every digit",
    )


def _check_parsers(commands: Any) -> None:
    """``check FILE.py`` (a learner's backprop) and ``diagnose MODEL`` (issue 23)."""
    check = commands.add_parser(
        "check",
        help="check the backprop function a Python file defines against the reference",
        description="Run FILE's backprop(weights, biases, x, y) -> (dC_dweights, dC_dbias) (either "
        "order) or backprop(net, x, y) on a small random network; name the first wrong layer "
        "and the likely mistake. Exit status 0 when it is right, 1 when not.",
        formatter_class=Help,
    )
    add = check.add_argument
    add("file", metavar="FILE")
    add("--function", default="backprop", help="the name of the function in FILE")
    add("--sizes", type=layers, default=[2, 3, 2], help="layer sizes, input first, e.g. 2,3,2")
    add("--activation", default="sigmoid", choices=sorted(ACTIVATIONS))
    add("--output-activation", choices=sorted(ACTIVATIONS), help="(default: --activation)")
    add("--cost", default="quadratic", choices=sorted(COSTS))
    add("--samples", type=positive_int, default=1, help="columns of x: a batch when above 1")
    add("--mean", action="store_true", help="expect the mean over the samples, not the sum")
    add("--seed", type=nonnegative_int, default=0, help="the network's weights and the sample")
    add("--precision", type=positive_int, default=5, help="significant digits in the report")
    diag = commands.add_parser(
        "diagnose",
        help="why a saved network does not learn: saturated or dead units, NaN, scaling, labels",
        formatter_class=Help,
    )
    diag.add_argument("model", metavar="MODEL")
    csv_options(diag.add_argument, own=True)
    diag.add_argument("--split", default="train", choices=("train", "held-out"))
    diag.add_argument("--rows", type=positive_int, default=1000, help="rows sampled")
    diag.add_argument("--seed", type=nonnegative_int, help="split seed (default: the model's)")
