"""``perceptron train``: build the network the options describe, train it, report and save it.

With no options it is the MNIST article's run, exactly: 784-30-10 sigmoid
network, quadratic cost, N(0, 1) weights and biases, batch 10, rate 3.0, 30
epochs, on the shipped digits split 8,000/2,000. A CSV file's columns are
standardised (``--scale``); a regression's targets too, and it trains with
Adam at rate 0.001 (as scikit-learn's MLPRegressor does) for 100 epochs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..costs import COSTS
from ..epochs import History
from ..errors import TrainingDiverged
from ..io.checkpoint import CheckpointWriteError
from ..labels import names_text
from ..optimizers import SGD, Adam, Optimizer
from ..reports.plots import write_curves
from ..structs import Network, network
from ..training import sgd
from .console import EXIT_FAILURE, UsageError, error, log_failure, note, out, printable
from .data import Dataset, training_targets
from .diagnose import findings_when_diverged, findings_when_near_chance
from .modeldata import training_data
from .outputs import OutputPlan
from .parser import DEFAULT_LR, REGRESSION_EPOCHS
from .prepare import describe
from .progress import Progress, final_scores
from .report import OPTIMIZERS, write_report
from .signals import StopSignals, stop_signals


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
        return "standard_normal" if article and not COSTS[args.cost].probability_targets else None
    return None if args.init == "default" else str(args.init)


def resolve_task(args: argparse.Namespace, data: Dataset) -> None:
    """Fill the options whose default depends on the task: the cost, the output, and for a
    regression Adam (lr 0.001) for 100 epochs (the article's SGD at 3.0 diverges there)."""
    if data.regression:  # why it is one, when guessed, is among the data's notes
        if args.cost == "cross_entropy":
            raise UsageError("--cost: cross_entropy compares classes; use mse for a regression")
        args.cost = args.cost or "mse"
        args.output_activation = args.output_activation or "identity"
        args.optimizer = args.optimizer or "adam"
        args.epochs = REGRESSION_EPOCHS if args.epochs is None else args.epochs
    elif len(data.label_names) > 20 and all(n.isdigit() for n in data.label_names):
        note(
            f"note: the label column holds {len(data.label_names)} different whole numbers, "
            "each taken as a class; if they are quantities, use --task regression"
        )
    args.cost = args.cost or "quadratic"
    args.optimizer = args.optimizer or "sgd"
    args.epochs = 30 if args.epochs is None else args.epochs


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
        dtype=np.dtype(args.dtype),
    )


def _describe(args: argparse.Namespace, data: Dataset, net: Network, lr: float) -> None:
    last = net.layers[-1].activation.name
    what = f"target {data.label_names[0]!r} (regression)" if data.regression else None
    what = what or f"{data.classes} classes" + names_text([printable(n) for n in data.label_names])
    out(f"Data: {data.description}; {data.inputs} inputs, {what}")
    if data.kind == "csv" or args.scale != "auto":
        out(f"Prepared: {describe(data.prepare)} (--scale {args.scale})")
    out(
        f"Network: {'-'.join(str(s) for s in net.sizes)}, {args.activation}"
        + (f" (output {last})" if last != args.activation else "")
        + f", cost {net.cost.name}, init {net.layers[0].init}, seed {args.seed}"
    )
    optimizer = OPTIMIZERS[args.optimizer]
    if args.optimizer == "momentum":
        optimizer += f" {args.momentum}"
    out(
        f"Training: {optimizer}"
        + (f" (decay {args.decay})" if args.decay else "")
        + f", batch {args.batchsize}, lr {lr}, {args.epochs} epoch"
        + ("" if args.epochs == 1 else "s")
        + f", engine {args.engine}"
        + (f", {args.dtype}" if args.dtype != "float64" else "")
        + (f", BLAS threads {args.threads}" if args.threads else "")
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
        "validation": data.validation,
        "epochs": epochs,
        "lr": lr,
    }


def cmd_train(args: argparse.Namespace) -> int:
    plan = OutputPlan(args)  # every output checked before any data is read
    with stop_signals() as stop, plan.locked():
        try:
            return _train(args, plan, stop)
        except KeyboardInterrupt:
            note("terminated" if stop.signum == signal.SIGTERM else "interrupted")
            return stop.status


def _train(args: argparse.Namespace, plan: OutputPlan, stop: StopSignals) -> int:
    """Read the data, build the network, train it; then save first and write the rest."""
    data = training_data(args)
    resolve_task(args, data)
    rng = np.random.default_rng(args.seed)
    net = build(args, data, rng)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    problem = net.cost.check_output(net.layers[-1].activation) if net.cost.check_output else None
    if problem is not None:
        raise UsageError(
            f"--output-activation: {problem}".replace("output_activation=", "--output-activation ")
        )
    plan.check_model(net, meta(data, args, args.epochs, lr))
    _describe(args, data, net, lr)
    progress = Progress(data, sys.stdout.isatty())
    started = time.perf_counter()
    stop.deferring = True  # from here a signal stops training at the next batch boundary
    history, ending = _run(args, data, net, rng, lr, progress, stop)
    elapsed = time.perf_counter() - started
    saved = plan.save(net, meta(data, args, history.epochs, lr))  # first, whatever ended the run
    stop.deferring = False
    findings_when_diverged(data, net, history, ending)
    if ending is not None or stop.signum is not None:
        return _stopped(plan, history, ending, stop, saved)
    if saved:
        out(f"Saved the network to {saved}")
    try:
        _finish(data, net, history, elapsed)
        findings_when_near_chance(data, net, history)
    except (MemoryError, ValueError, FloatingPointError) as problem:
        plan.failed = True
        error(f"the final evaluation failed ({problem}); the model is saved in {saved}")
    plan.write(
        "--report",
        lambda path: write_report(args, data, net, history, progress, lr, elapsed),
        saved,
    )
    plan.write("--plot", lambda path: write_curves(path, history, progress.accuracies), saved)
    if log_failure:
        reason = log_failure[0].strerror or str(log_failure[0])
        kept = f"; the model is saved in {saved}" if saved else ""
        error(f"could not write the log to stdout ({reason}); training went on{kept}")
    return EXIT_FAILURE if plan.failed or log_failure else 0


def _run(
    args: argparse.Namespace,
    data: Dataset,
    net: Network,
    rng: np.random.Generator,
    lr: float,
    progress: Progress,
    stop: StopSignals,
) -> tuple[History, BaseException | None]:
    """``sgd`` with the command's callbacks: the history, and what ended it early if anything.

    An exception that carries the history (a signal, divergence, a failed checkpoint
    write, a callback's error) ended a run that trained: it is returned, so the network
    is saved before it is reported. One refused before training propagates.
    """

    def on_batch(epoch: int, batch: int, batches: int) -> None:
        if batch + 1 < batches:  # after an epoch's last batch, on_epoch stops it, counted
            stop.check()
        if progress.tty:
            progress.on_batch(epoch, batch, batches)

    def on_epoch(epoch: int, history: History, net: Network) -> None:
        progress.on_epoch(epoch, history, net)
        stop.check()

    Y_test = training_targets(data, data.y_test, net.outputdim)
    try:
        history = sgd(
            net,
            data.X_train,
            training_targets(data, data.y_train, net.outputdim),
            args.batchsize,
            args.epochs,
            lr,
            rng=rng,
            optimizer=_optimizer(args),
            validation=(data.X_test, Y_test) if args.patience else None,
            on_epoch=on_epoch,
            l2=args.l2,
            patience=args.patience,
            engine=args.engine,
            checkpoint=args.checkpoint,
            on_batch=on_batch,
            threads=args.threads,
        )
    except BaseException as ending:
        trained = getattr(ending, "history", None)
        if not isinstance(trained, History):
            raise
        progress.clear()
        return trained, ending
    return history, None


def _stopped(
    plan: OutputPlan,
    history: History,
    ending: BaseException | None,
    stop: StopSignals,
    saved: str | None,
) -> int:
    """Report a run that did not finish, once its network is saved; the exit status."""
    if saved:
        kept = f"saved the network (at its last completed update) to {saved}"
    elif plan.path("--save") is None:
        kept = "nothing saved (use --save PATH to keep the network)"
    else:
        kept = "the network could not be saved"
    done = f"after {history.epochs} complete epoch(s); {kept}"
    if ending is None or isinstance(ending, KeyboardInterrupt):
        note(f"{'terminated' if stop.signum == signal.SIGTERM else 'interrupted'} {done}")
        return stop.status
    if isinstance(ending, (TrainingDiverged, CheckpointWriteError)):
        error(str(ending))
        note(f"stopped {done}")
        return EXIT_FAILURE
    note(f"stopped {done}")
    raise ending


def _finish(data: Dataset, net: Network, history: History, elapsed: float) -> None:
    """The finished run's scores (a seam the save-first tests and the fault drill patch)."""
    final_scores(data, net, history, elapsed)
