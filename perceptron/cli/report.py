"""``perceptron train --report PATH``: the run's settings and pictures as one HTML page."""

from __future__ import annotations

import argparse
import dataclasses

from ..epochs import History
from ..reports.html import report
from ..structs import Network
from .data import Dataset
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
        "seed": str(args.seed),
        "engine": args.engine,
        "time": f"{elapsed:.1f} s",
    }
    if args.l2:
        found["L2 penalty"] = str(args.l2)
    return found


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
    report(
        net,
        shown,
        data.X_test,
        data.y_test,
        args.report,
        label_names=None if data.regression else data.label_names,
        task=data.task,
        settings=settings(args, data, history, lr, elapsed),
        accuracy=progress.accuracies,
        title=f"Training report: {data.name}",
    )
