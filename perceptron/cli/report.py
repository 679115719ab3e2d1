"""``perceptron train --report PATH``: the run's settings and pictures as one HTML page."""

from __future__ import annotations

import argparse
import copy
import dataclasses

from ..epochs import History
from ..reports.html import report
from ..structs import Network
from ..types import Array
from .data import Dataset
from .prepare import describe, scaled_targets
from .progress import Progress

OPTIMIZERS = {"sgd": "plain SGD", "momentum": "SGD with momentum", "adam": "Adam"}


def settings(
    args: argparse.Namespace, data: Dataset, history: History, lr: float, elapsed: float
) -> dict[str, str]:
    """The run as a table: what a teacher needs to repeat it."""
    optimizer = OPTIMIZERS[args.optimizer]
    if args.optimizer == "momentum":
        optimizer += f" (momentum {args.momentum})"
    if args.decay:
        optimizer += f", decay {args.decay}"
    found = {
        "data": data.description,
        "optimizer": optimizer,
        "learning rate": str(lr),
        "batch size": str(args.batchsize),
        "epochs": f"{history.epochs} of {args.epochs}"
        + (" (stopped early, best weights kept)" if history.stopped_early else ""),
        "cost": args.cost,
        "inputs": f"{describe(data.prepare)} (--scale {args.scale})",
        "seed": str(args.seed),
        "engine": args.engine,
        "time": f"{elapsed:.1f} s",
    }
    if args.l2:
        found["L2 penalty"] = str(args.l2)
    return found


def in_units(net: Network, data: Dataset, y: Array) -> tuple[Network, Array, str | None]:
    """A regression's network and targets for the report, in the target's units if it can.

    With an identity output a = Wh + b, reading back a·s + m is the layer
    (sW)h + (sb + m): a copy with those weights reports in the target's units.
    Any other output: the standardised targets, and a note saying so.
    """
    target = data.prepare.get("target")
    if target is None or not data.regression:
        return net, y, None
    if net.layers[-1].activation.name != "identity":
        note = "the figures are in standardised target units, (t − mean) / std"
        return net, scaled_targets(y, data.prepare), note
    shown = copy.deepcopy(net)
    last = shown.layers[-1]
    last.weights *= target["std"]
    last.bias *= target["std"]
    last.bias += target["mean"]
    return shown, y, None


def _rows(data: Dataset) -> tuple[Array, Array, str]:
    """The rows the report pictures: the held-out rows, else a folder's test set, else the
    training rows (with --validation 0)."""
    if len(data.y_test):
        return data.X_test, data.y_test, "held-out rows"
    if data.test is not None:
        return data.test[0], data.test[1], "the test set (t10k): there are no held-out rows"
    return data.X_train, data.y_train, "the training rows: there are no held-out rows"


def write_report(
    args: argparse.Namespace,
    data: Dataset,
    net: Network,
    history: History,
    progress: Progress,
    lr: float,
    elapsed: float,
) -> None:
    """The report of this run, on the held-out rows, with the held-out loss of every epoch."""
    shown = history
    if not history.val_loss and len(progress.held_out_losses) == history.epochs:
        shown = dataclasses.replace(history, val_loss=list(progress.held_out_losses))
    X, y, which = _rows(data)
    pictured, y, units = in_units(net, data, y)
    table = settings(args, data, history, lr, elapsed)
    table["rows pictured"] = which + (f"; {units}" if units else "")
    report(
        pictured,
        shown,
        X,
        y,
        args.report,
        label_names=None if data.regression else data.label_names,
        task=data.task,
        settings=table,
        accuracy=progress.accuracies,
        title=f"Training report: {data.name}",
    )
