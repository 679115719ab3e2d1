"""``sgd``: the epochs, the mini-batches, validation, early stopping and divergence.

Each epoch draws a permutation of the rows, cuts it into mini-batches of
``batchsize`` (keeping the last, shorter one), and for each batch lets the
engine sum the gradients of its samples and take one step, as the Julia
article's ``sgd!`` calls ``feedforward!``, ``backpropagate!`` and ``update!``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .engines import Engine, make_engine
from .errors import TrainingDiverged
from .history import History
from .interrupts import InterruptGuard, sigint_held
from .io.checkpoint import Checkpointer, EarlyStopping
from .metrics import forward_rows, is_one_hot
from .network import Network
from .optimizers import SGD, Optimizer
from .plan import OnBatch, OnEpoch, Plan, make_plan
from .threads import blas_threads  # issue-21 hook
from .train import zero_sums
from .types import Array

DIVERGED = (
    "the network keeps its last finite weights. Try a smaller lr, another cost or "
    "initializer, or scale the inputs"
)


def sgd(
    net: Network,
    X: Any,
    Y: Any,
    batchsize: int,
    epochs: int,
    lr: float,
    *,
    rng: int | np.random.Generator | None = None,
    shuffle: bool = True,
    optimizer: Optimizer | None = None,
    validation: tuple[Any, Any] | None = None,
    on_epoch: OnEpoch | None = None,
    l2: float = 0.0,
    patience: int | None = None,
    engine: str = "sample",
    checkpoint: Any = None,
    on_batch: OnBatch | None = None,
    threads: int | None = None,
) -> History:
    """Stochastic gradient descent over the rows of X (N×k) and Y (N×m).

    Each epoch draws a permutation of the rows from ``rng`` (unless
    ``shuffle=False``), feeds the samples one column at a time and calls
    ``update`` after every ``batchsize`` samples and after the last, shorter
    batch (the Julia article drops it; Nielsen keeps it, and so do we).
    ``engine``: ``"reference"`` calls ``feedforward``, ``backpropagate`` and
    ``update`` literally; ``"sample"`` (the default) runs that loop on reused
    buffers, ``"batch"`` a mini-batch as one matrix: equal up to rounding.
    ``optimizer``: ``SGD(...)`` or ``Adam(...)``; plain SGD when None.
    ``validation=(Xv, Yv)``: loss and accuracy after each epoch.
    ``on_epoch(epoch, history, net)``: called after each epoch; ``False`` stops.
    ``l2=λ``: each weight gradient gains (λ/N)·W; biases are not penalised.
    ``patience=n``: stop after n epochs without a lower validation loss and
    restore the best weights. ``checkpoint=PATH``: save the state after each
    epoch, and resume from it when it exists. ``on_batch(epoch, batch, batches)``:
    called after each update (the progress bar). ``threads``: BLAS threads, see threads.py.

    Returns the :class:`~perceptron.history.History`. Any exception that leaves
    ``sgd`` carries ``exc.history``; the network is then at its last completed
    update, with finite weights.
    """
    plan = make_plan(
        net,
        X,
        Y,
        batchsize,
        epochs,
        lr,
        rng=rng,
        shuffle=shuffle,
        optimizer=optimizer,
        validation=validation,
        on_epoch=on_epoch,
        l2=l2,
        patience=patience,
        engine=engine,
        on_batch=on_batch,
    )
    return _run(net, plan, checkpoint, threads)


def _run(net: Network, plan: Plan, checkpoint: Any, threads: int | None = None) -> History:
    """``_train`` on the BLAS thread count of the run (:mod:`perceptron.threads`)."""
    with blas_threads(net, plan.batchsize, threads):  # issue-21 hook: BLAS threads for the run
        return _train(net, plan, checkpoint)


def _train(net: Network, plan: Plan, checkpoint: Any) -> History:
    """Resume from the checkpoint if there is one, then train; errors carry the history."""
    solver = plan.optimizer if plan.optimizer is not None else SGD()
    history, early, start, ckpt = History(), EarlyStopping(), 0, None
    if checkpoint is not None:
        ckpt = Checkpointer(checkpoint, net, plan, solver)
        start = ckpt.resume(history, early)
    # Sums left over from hand calls of backpropagate are not part of this run.
    zero_sums(net)
    solver.forget_weights()
    with InterruptGuard() as guard:
        try:
            _epochs(net, plan, solver, history, early, ckpt, start, guard)
        except BaseException as error:
            zero_sums(net)
            try:
                error.history = history  # type: ignore[attr-defined]
            except AttributeError:
                pass
            raise
    return history


def evaluate_loss(net: Network, X: Array, Y: Array) -> tuple[float, float]:
    """Mean cost and (for one-hot Y) accuracy over the rows of checked X and Y."""
    out, z = forward_rows(net, X, keep_logits=True)
    last = net.layers[-1]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        losses = net.cost.loss(z.T, out.T, Y.T, last.activation)
    acc = float("nan")
    if is_one_hot(Y):
        acc = float(np.mean(out.argmax(axis=1) == Y.argmax(axis=1)))
    return float(np.mean(losses)), acc


def _epochs(
    net: Network,
    plan: Plan,
    solver: Optimizer,
    history: History,
    early: EarlyStopping,
    ckpt: Checkpointer | None,
    start: int,
    guard: InterruptGuard,
) -> None:
    """The epochs of ``sgd`` from ``start`` on (a resumed run starts later)."""
    engine = make_engine(plan.engine, net, min(plan.batchsize, len(plan.X)))
    try:
        for epoch in range(start, plan.epochs):
            started = time.perf_counter()
            engine, total = _one_epoch(net, plan, solver, engine, epoch, guard)
            if plan.validation is not None:
                # Evaluated before any of this epoch's history entries is added, so an
                # interrupt here leaves the history's lists the same length.
                val_loss, val_acc = evaluate_loss(net, *plan.validation)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            history.loss.append(total / len(plan.X))
            history.epoch_time.append(time.perf_counter() - started)
            stop = plan.patience is not None and early.record(
                net, history, epoch, history.val_loss[-1], plan.patience
            )
            if ckpt is not None:
                ckpt.save(epoch + 1, history, early)
            if plan.on_epoch is not None:
                stop = plan.on_epoch(epoch, history, net) is False or stop
                solver.forget_weights()  # the callback may have changed the weights
            if stop:
                break
        if plan.patience is not None and early.best_params is not None:
            with sigint_held(guard):
                early.restore(net)
    finally:
        engine.finish()


def _one_epoch(
    net: Network,
    plan: Plan,
    solver: Optimizer,
    engine: Engine,
    epoch: int,
    guard: InterruptGuard,
) -> tuple[Engine, float]:
    """One pass over the data; returns the engine (remade if the network changed) and Σ loss."""
    N = len(plan.X)
    bs = min(plan.batchsize, N)
    batches = -(-N // bs)
    order = plan.rng.permutation(N) if plan.shuffle else np.arange(N)
    total = 0.0
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for batch, begin in enumerate(range(0, N, bs)):
            engine, total = _one_batch(net, plan, solver, engine, order[begin : begin + bs], total)
            if not math.isfinite(total):
                raise TrainingDiverged(
                    f"the training loss became {total:.3g} in epoch {epoch}, batch {batch}; "
                    + DIVERGED
                )
            try:
                engine.step(plan.lr, solver, plan.l2_scale, guard)
            except TrainingDiverged as error:
                raise TrainingDiverged(f"epoch {epoch}, batch {batch}: {error}") from None
            if plan.on_batch is not None:
                plan.on_batch(epoch, batch, batches)
                solver.forget_weights()
    return engine, total


def _one_batch(
    net: Network, plan: Plan, solver: Optimizer, engine: Engine, rows: Array, total: float
) -> tuple[Engine, float]:
    """The batch's gradients summed by the engine (remade if the network changed)."""
    if not engine.valid_for(net):  # on_epoch may have given the layers new arrays
        engine.finish()
        solver.check_network(net)
        engine = make_engine(plan.engine, net, min(plan.batchsize, len(plan.X)))
    return engine, total + engine.gradients(plan.X, plan.Y, rows)


__all__ = ["History", "TrainingDiverged", "evaluate_loss", "sgd"]
