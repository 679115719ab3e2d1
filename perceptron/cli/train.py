"""``perceptron train``: build the network the options describe, train it, report and save it.

With no options it is the MNIST article's run, exactly: 784-30-10 sigmoid
network, quadratic cost, N(0, 1) weights and biases, batch 10, rate 3.0, 30
epochs, on the shipped digits split 8,000/2,000.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..costs import COSTS, cross_entropy
from ..fit import sgd
from ..history import History
from ..interrupts import sigint_held
from ..io.checkpoint import CheckpointWriteError
from ..io.model import save
from ..metrics import regression_scores
from ..network import Network, network
from ..optimizers import SGD, Adam, Optimizer
from ..report.plots import FORMATS, plotting_available, write_curves
from .console import EXIT_FAILURE, EXIT_INTERRUPTED, UsageError, error, note, number, out
from .data import Dataset, load_data, predicted, scale_note, targets
from .diagnose import findings_when_diverged, findings_when_near_chance  # issue-23 hook
from .parser import DEFAULT_LR
from .progress import Progress
from .report import write_report
from .signals import first_ctrl_c_only, ignoring_sigint

OPTIMIZER_TEXT = {"sgd": "plain SGD", "momentum": "SGD with momentum", "adam": "Adam"}


def check_outputs(args: argparse.Namespace) -> str | None:
    """Refuse unusable --save, --plot and --checkpoint targets before any work; the plot path."""
    for path, option in (
        (args.save, "--save"),
        (args.plot, "--plot"),
        (args.checkpoint, "--checkpoint"),
        (args.report, "--report"),
    ):
        if path is None:
            continue
        target = Path(path)
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"{option}: the folder {str(folder)!r} does not exist")
        if target.is_dir():
            raise UsageError(f"{option}: {path!r} is a folder; expected a file name")
        if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
            raise UsageError(
                f"{option}: cannot write {path!r} (permission denied); choose another path"
            )
        if Path(args.data).is_file() and target.resolve() == Path(args.data).resolve():
            raise UsageError(f"{option}: {path!r} is the training data; choose another path")
    if args.report is not None and Path(args.report).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--report: expected a file name ending in .html, got {args.report!r}")
    if args.report is not None and not plotting_available():
        raise UsageError(
            "--report: the report draws its pictures with matplotlib, which is not installed; "
            'pip install ".[plot]" (or pip install matplotlib), then run again'
        )
    plot = args.plot
    if plot is not None and Path(plot).suffix.lower() not in FORMATS:
        raise UsageError(
            f"--plot: expected a file name ending in {', '.join(FORMATS)}, got {plot!r}"
        )
    if plot is not None and not plotting_available():
        note('note: --plot needs matplotlib (pip install ".[plot]"); no plot will be written')
        plot = None
    return plot


def _optimizer(args: argparse.Namespace) -> Optimizer | None:
    if args.optimizer == "momentum":
        return SGD(momentum=args.momentum, decay=args.decay)
    if args.optimizer == "adam":
        return Adam(decay=args.decay)
    return SGD(decay=args.decay) if args.decay else None


def _init(args: argparse.Namespace) -> str | None:
    """``auto``: the article's N(0, 1) for its sigmoid network, else the library's default."""
    if args.init == "auto":
        article = args.activation == "sigmoid" and args.output_activation in (None, "sigmoid")
        return "standard_normal" if article and COSTS[args.cost] != cross_entropy else None
    return None if args.init == "default" else str(args.init)


def resolve_task(args: argparse.Namespace, data: Dataset) -> None:
    """Fill the options whose default depends on the task: the cost and the output."""
    if data.regression:
        if args.task == "auto":
            note(
                f"note: the label column {data.label_names[0]!r} holds numbers with fractions: "
                "training a regression (--task classification to treat them as classes)"
            )
        if args.cost == "cross_entropy":
            raise UsageError("--cost: cross_entropy compares classes; use mse for a regression")
        args.cost = args.cost or "mse"
        args.output_activation = args.output_activation or "identity"
    elif len(data.label_names) > 20 and all(n.isdigit() for n in data.label_names):
        note(
            f"note: the label column holds {len(data.label_names)} different whole numbers, "
            "each taken as a class; if they are quantities, use --task regression"
        )
    args.cost = args.cost or "quadratic"


def build(args: argparse.Namespace, data: Dataset, rng: np.random.Generator) -> Network:
    """The network of the options, for the data's inputs and classes."""
    sizes = args.layers if args.layers is not None else [30, data.classes]
    outputs = sizes[-1]
    if data.regression and outputs != 1:
        raise UsageError(
            f"--layers: a regression on one target column has one output; end --layers with 1, "
            f"not {outputs}"
        )
    if outputs != data.classes and not (outputs == 1 and data.classes == 2):
        raise UsageError(
            f"--layers: the output size {outputs} does not match the data's {data.classes} "
            f"classes; end --layers with {data.classes}"
        )
    return network(
        [data.inputs, *sizes],
        args.activation,
        args.cost,
        output_activation=args.output_activation,
        init=_init(args),
        rng=rng,
    )


def _describe(args: argparse.Namespace, data: Dataset, net: Network, lr: float) -> None:
    last = net.layers[-1].activation.name
    what = f"target {data.label_names[0]!r} (regression)" if data.regression else None
    out(f"Data: {data.description}; {data.inputs} inputs, {what or f'{data.classes} classes'}")
    out(
        f"Network: {'-'.join(str(s) for s in net.sizes)}, {args.activation}"
        + (f" (output {last})" if last != args.activation else "")
        + f", cost {net.cost.name}, init {net.layers[0].init}, seed {args.seed}"
    )
    optimizer = OPTIMIZER_TEXT[args.optimizer]
    if args.optimizer == "momentum":
        optimizer += f" {args.momentum}"
    out(
        f"Training: {optimizer}"
        + (f" (decay {args.decay})" if args.decay else "")
        + f", batch {args.batchsize}, lr {lr}, {args.epochs} epoch"
        + ("" if args.epochs == 1 else "s")
        + f", engine {args.engine}"
        + (f", l2 {args.l2}" if args.l2 else "")
        + (f", patience {args.patience}" if args.patience else "")
    )
    if args.checkpoint and Path(args.checkpoint).exists():
        out(f"Resuming from the checkpoint {args.checkpoint}")


def meta(data: Dataset, args: argparse.Namespace, epochs: int, lr: float) -> dict[str, Any]:
    """What the model file remembers of its training (read back by evaluate, predict, explain)."""
    return {
        "data": data.name,
        "label_column": data.label_column,
        "prepare": data.prepare,
        "label_names": data.label_names,
        "task": data.task,
        "features": data.features,
        "seed": args.seed,
        "epochs": epochs,
        "lr": lr,
    }


def cmd_train(args: argparse.Namespace) -> int:
    plot = check_outputs(args)
    data = load_data(args.data, seed=args.seed, label=args.label, task=args.task)
    if hint := scale_note(data):
        note(hint)
    resolve_task(args, data)
    rng = np.random.default_rng(args.seed)
    net = build(args, data, rng)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    problem = net.cost.check_output(net.layers[-1].activation) if net.cost.check_output else None
    if problem is not None:
        raise UsageError(
            f"--output-activation: {problem}".replace("output_activation=", "--output-activation ")
        )
    _describe(args, data, net, lr)
    progress = Progress(data, sys.stdout.isatty())
    Y_test = targets(data.y_test, net.outputdim, data.classes)
    started = time.perf_counter()
    with (
        first_ctrl_c_only(),
        findings_when_diverged(data, net),  # issue-23 hook
        _training_ends(args, data, net, progress, lr) as ended,
    ):
        history = sgd(
            net,
            data.X_train,
            targets(data.y_train, net.outputdim, data.classes),
            args.batchsize,
            args.epochs,
            lr,
            rng=rng,
            optimizer=_optimizer(args),
            validation=(data.X_test, Y_test) if args.patience else None,
            on_epoch=progress.on_epoch,
            l2=args.l2,
            patience=args.patience,
            engine=args.engine,
            checkpoint=args.checkpoint,
            on_batch=progress.on_batch if progress.tty else None,
        )
    if ended:
        return ended[0]
    elapsed = time.perf_counter() - started
    _finish(args, data, net, history, lr, elapsed)
    findings_when_near_chance(data, net, history)  # issue-23 hook
    if args.report is not None:
        write_report(args, data, net, history, progress, lr, elapsed)
        out(f"Wrote the training report to {args.report}")
    if plot is not None:
        write_curves(plot, history, progress.accuracies)
        out(f"Wrote the loss and accuracy curves to {plot}")
    return 0


def _finish(
    args: argparse.Namespace,
    data: Dataset,
    net: Network,
    history: History,
    lr: float,
    elapsed: float,
) -> None:
    restored = " (best epoch's weights restored)" if history.stopped_early else ""
    after = (
        f"after {history.epochs} epoch{'' if history.epochs == 1 else 's'} in {elapsed:.1f} s"
        + restored
    )
    if data.regression:
        mse, r2 = regression_scores(net, data.X_test, data.y_test)
        out(f"Held-out mean squared error {number(mse)}, R² {number(r2, 4)}, {after}")
    else:
        n_test = len(data.y_test)
        correct = int(np.sum(predicted(net, data.X_test) == data.y_test))
        out(f"Held-out accuracy: {correct / n_test:.2%} ({correct} / {n_test}) {after}")
    if args.save:
        with sigint_held():  # a Ctrl-C now waits until the file is whole
            save(net, args.save, meta=meta(data, args, history.epochs, lr))
        out(f"Saved the network to {args.save}")


@contextmanager
def _training_ends(
    args: argparse.Namespace, data: Dataset, net: Network, progress: Progress, lr: float
) -> Iterator[list[int]]:
    """Around ``sgd``: an interrupt or a failed checkpoint saves what was done (--save)
    and puts the exit status in the yielded list; a normal end leaves it empty."""
    ended: list[int] = []
    try:
        yield ended
    except KeyboardInterrupt as interrupt:
        progress.clear()
        ended.append(_interrupted(args, data, net, getattr(interrupt, "history", History()), lr))
    except CheckpointWriteError as failure:
        progress.clear()
        error(str(failure))
        _interrupted(args, data, net, getattr(failure, "history", History()), lr, "stopped")
        ended.append(EXIT_FAILURE)


def _interrupted(
    args: argparse.Namespace,
    data: Dataset,
    net: Network,
    history: History,
    lr: float,
    how: str = "interrupted",
) -> int:
    """Save what a run that did not finish has done (when --save asks); Ctrl-C's status."""
    done = history.epochs
    if args.save:
        with ignoring_sigint():  # a second Ctrl-C must not lose the save it asked for
            save(net, args.save, meta=meta(data, args, done, lr))
        note(
            f"{how} after {done} complete epoch(s); saved the network "
            f"(at its last completed update) to {args.save}"
        )
    else:
        note(
            f"{how} after {done} complete epoch(s); nothing saved "
            "(use --save PATH to keep the network)"
        )
    return EXIT_INTERRUPTED
