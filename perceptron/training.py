"""The article's algorithm: ``feedforward``, ``backpropagate``, ``update``, and ``sgd`` around them.

Notation (layers l = 0 … L−1, a₋₁ = x the input, one sample a column)::

    z_l = W_l a_{l−1} + b_l                  linear_out
    a_l = σ_l(z_l)                           activated_out
    δ_{L−1} = (∂a/∂z)ᵀ ∂C/∂a                 dC_dlinear of the last layer (the cost's delta)
    δ_l = (∂a_l/∂z_l)ᵀ W_{l+1}ᵀ δ_{l+1}       dC_dlinear, from the layer above
    dC_dweights += δ_l a_{l−1}ᵀ
    dC_dbias    += δ_l

For an element-wise σ, (∂a/∂z)ᵀ v is σ'(z) ⊙ v. With softmax and
cross-entropy together, δ_{L−1} = a − y (the Jacobian and −y/a cancel).

``update`` steps by the mean gradient, θ ← θ − η (Σ ∂C/∂θ) / n, and zeroes the sums;
``sgd`` loops over the three (the guide's page "The four functions, line by line").
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from .checks import (
    as_column,
    as_generator,
    check_bool,
    check_callable,
    check_int,
    check_probability_columns,
    check_real,
    check_weights,
    training_data,
)
from .engines import Engine, check_engine, engine_for
from .epochs import EarlyStopping, History, OnBatch, OnEpoch, end_epoch
from .errors import TrainingDiverged
from .interrupts import InterruptGuard
from .optimizers import DIVERGED, KEEPS, SGD, Optimizer, check_optimizer
from .progress import make_progress
from .structs import Network
from .threads import blas_threads, check_threads
from .types import Array


def feedforward(net: Network, x: Any) -> Array:
    """Push one sample through the network and return its output a_{L−1} (m×1).

    ``x`` is a k×1 column (a 1-D vector of length k is accepted). Fills every
    layer's ``linear_out`` z and ``activated_out`` a; returns a new array.
    """
    check_weights(net)
    a = as_column(x, net.inputdim, "x", net.dtype)
    net.last_input = a.copy()  # a copy: editing the caller's x afterwards is noticed
    for layer in net.layers:
        layer.linear_out = layer.weights @ a + layer.bias  # z = W a_prev + b
        layer.activated_out = layer.activation.f(layer.linear_out)  # a = σ(z)
        a = layer.activated_out
    return a.copy()


def backpropagate(net: Network, x: Any, y: Any) -> None:
    """Add one sample's ∂C/∂W and ∂C/∂b to every layer's sums.

    ``x`` must be the input of the last ``feedforward``, whose caches are
    used; ``y`` is the m×1 target (or a vector of length m). Afterwards every
    layer's ``dC_dlinear`` holds δ and ``accumulated`` has grown by one.
    """
    check_weights(net)
    x = as_column(x, net.inputdim, "x", net.dtype)
    y = as_column(y, net.outputdim, "y", net.dtype)
    if net.cost.probability_targets:
        check_probability_columns(y, "y")
    if net.last_input is None:
        raise ValueError("x: call feedforward(net, x) before backpropagate(net, x, y)")
    if not np.array_equal(x, net.last_input):
        raise ValueError(
            "x: backpropagate needs the same x as the last feedforward (its caches are "
            "used); call feedforward(net, x) first"
        )
    layers = net.layers
    # The first layer's input is x itself (the Julia article reads layers[end-1]
    # there, which fails for a one-layer network).
    inputs = [x] + [layer.activated_out for layer in layers[:-1]]
    # The output layer: δ from the cost, then its sums.
    last = layers[-1]
    last.dC_dlinear = net.cost.delta(last.linear_out, last.activated_out, y, last.activation)
    last.dC_dweights += last.dC_dlinear @ inputs[-1].T
    last.dC_dbias += last.dC_dlinear
    # The layers below, each from the one above it: δ_l = (∂a_l/∂z_l)ᵀ W_{l+1}ᵀ δ_{l+1}.
    for l in range(len(layers) - 2, -1, -1):
        layer, nextlayer = layers[l], layers[l + 1]
        dC_da = nextlayer.weights.T @ nextlayer.dC_dlinear
        layer.dC_dlinear = layer.activation.backward(layer.linear_out, layer.activated_out, dC_da)
        layer.dC_dweights += layer.dC_dlinear @ inputs[l].T
        layer.dC_dbias += layer.dC_dlinear
    for layer in layers:
        layer.accumulated += 1


def loss(net: Network, y: Any) -> float:
    """The cost C(a, y) of the last ``feedforward``'s output for the target y (m×1)."""
    check_weights(net)
    y = as_column(y, net.outputdim, "y", net.dtype)
    last = net.layers[-1]
    return float(net.cost.loss(last.linear_out, last.activated_out, y, last.activation)[0])


def update(net: Network, lr: float, optimizer: Optimizer | None = None) -> None:
    """One gradient step from the sums, then zero them.

    With n the samples accumulated since the last update, plain SGD moves
    θ ← θ − lr · (Σ ∂C/∂θ) / n; an optimizer (:class:`~perceptron.SGD`,
    :class:`~perceptron.Adam`) turns the mean gradients into its own steps.
    All or nothing: a non-finite step raises
    :class:`~perceptron.errors.TrainingDiverged` and changes nothing.
    """
    check_weights(net)
    lr = check_real(lr, "lr", positive=True)
    check_optimizer(optimizer, net)
    n = net.accumulated
    if n == 0:
        raise ValueError("net: nothing accumulated since the last update; call backpropagate first")
    if optimizer is not None:
        optimizer.own(net)
        params = [p for layer in net.layers for p in (layer.weights, layer.bias)]
        grads = [g / n for layer in net.layers for g in (layer.dC_dweights, layer.dC_dbias)]
        optimizer.step(params, grads, lr)
    else:
        if not _finite_step(net, lr, n):
            raise TrainingDiverged(DIVERGED)
        for layer in net.layers:
            layer.weights -= lr * (layer.dC_dweights / n)
            layer.bias -= lr * (layer.dC_dbias / n)
    zero_sums(net)


def zero_sums(net: Network) -> None:
    """Reset every layer's ``dC_dweights``, ``dC_dbias`` and ``accumulated``."""
    for layer in net.layers:
        layer.dC_dweights[...] = 0
        layer.dC_dbias[...] = 0
        layer.accumulated = 0


def add_l2(net: Network, l2_scale: float) -> None:
    """Add the L2 penalty's gradient, l2_scale·W for each sample summed, to the sums."""
    if l2_scale:
        for layer in net.layers:
            layer.dC_dweights += (l2_scale * layer.accumulated) * layer.weights


def _finite_step(net: Network, lr: float, n: int) -> bool:
    """Whether plain SGD's step leaves every weight and bias finite (checked first)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return all(
            np.isfinite(layer.weights - lr * (layer.dC_dweights / n)).all()
            and np.isfinite(layer.bias - lr * (layer.dC_dbias / n)).all()
            for layer in net.layers
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
    progress: bool | str = False,
) -> History:
    """Stochastic gradient descent over the rows of X (N×k) and Y (N×m).

    Each epoch shuffles the rows (``rng``), feeds them one column at a time and calls
    ``update`` after every ``batchsize`` samples and after the last, shorter batch.
    ``engine="reference"`` runs the loop below literally; ``"sample"`` (the default)
    and ``"batch"`` do the same on reused buffers or as matrices, equal up to rounding.
    ``optimizer``: ``SGD(...)`` or ``Adam(...)``. ``validation=(Xv, Yv)``: loss and
    accuracy after each epoch; ``patience=n`` stops after n epochs without a lower
    validation loss and restores the best weights. ``l2=λ``: each weight gradient gains
    (λ/N)·W. ``on_epoch(epoch, history, net)`` after each epoch (``False`` stops),
    ``on_batch(epoch, batch, batches)`` after each update. ``checkpoint=PATH``: save the
    run after each epoch, and resume from it when the file exists. ``threads``: the BLAS threads of
    the run (by default one, unless its products are large: see ``perceptron.threads``).
    ``progress=True`` shows one line an epoch (a bar in a notebook; "lines" or "bar").

    Returns the :class:`~perceptron.epochs.History`. An exception that leaves
    ``sgd`` carries ``exc.history``; the network is then at its last completed
    update, with finite weights.
    """
    check_weights(net)
    X, Y, validation = training_data(net, X, Y, validation)
    batchsize, epochs = check_int(batchsize, "batchsize", 1), check_int(epochs, "epochs", 0)
    lr, l2 = check_real(lr, "lr", positive=True), check_real(l2, "l2", nonnegative=True)
    generator, threads = as_generator(rng), check_threads(threads)
    shuffle, engine = check_bool(shuffle, "shuffle"), check_engine(engine)
    check_optimizer(optimizer, net)
    if patience is not None:
        check_int(patience, "patience", 1)
        if validation is None:
            raise ValueError("patience: early stopping needs validation=(Xv, Yv)")
    callbacks = [c for c in (check_callable(on_epoch, "on_epoch"),) if c is not None]
    on_batch = check_callable(on_batch, "on_batch")
    solver = optimizer if optimizer is not None else SGD()
    N, bs, l2_scale = len(X), min(batchsize, len(X)), l2 / len(X)
    history, early, start = History(), EarlyStopping(), 0
    solver.own(net)
    if checkpoint is not None:
        # The one place the loop meets a file: the checkpoint is an on_epoch callback.
        from .io.checkpoint import Checkpointer, RunSettings

        run = RunSettings(X, Y, validation, generator, batchsize, epochs, engine, shuffle, lr,
                          l2_scale, patience)  # fmt: skip
        saver = Checkpointer(checkpoint, net, solver, run)
        start = saver.resume(history, early)
        callbacks.insert(0, lambda epoch, history, net: saver.save(epoch + 1, history, early))
    zero_sums(net)  # sums left over from hand calls of backpropagate are not this run's
    shown = make_progress(epochs, progress) if progress else None
    callbacks += [shown] if shown is not None else []
    fast: Engine | None = None
    try:
        # Overflow is not an error here: a non-finite loss or step is (TrainingDiverged).
        quiet = np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore")
        with InterruptGuard() as guard, quiet, blas_threads(net, bs, threads):
            for epoch in range(start, epochs):
                started, total = time.perf_counter(), 0.0
                for batch, rows in enumerate(minibatches(N, bs, generator, shuffle)):
                    if engine == "reference":  # the article's loop, one column at a time
                        for j in rows:
                            x, y = X[j : j + 1].T, Y[j : j + 1].T
                            feedforward(net, x)
                            total += loss(net, y)
                            backpropagate(net, x, y)
                    else:
                        fast = engine_for(net, fast, engine, bs, solver, lr)
                        total += fast.gradients(X, Y, rows)
                    if not math.isfinite(total):
                        raise TrainingDiverged(
                            f"the training loss became {total:.3g} in epoch {epoch}, "
                            f"batch {batch}; " + KEEPS
                        )
                    try:
                        with guard.critical():
                            if fast is not None:
                                fast.step(lr, solver, l2_scale)
                            else:
                                add_l2(net, l2_scale)
                                update(net, lr, optimizer)
                    except TrainingDiverged as error:
                        raise TrainingDiverged(f"epoch {epoch}, batch {batch}: {error}") from None
                    if on_batch is not None:
                        on_batch(epoch, batch, -(-N // bs))
                if end_epoch(net, epoch, started, total / N, validation, patience, history,
                             early, callbacks):  # fmt: skip
                    break
            if patience is not None:
                with guard.critical():
                    early.restore(net)
    except BaseException as error:
        zero_sums(net)
        error.history = history  # type: ignore[attr-defined]
        raise
    finally:
        if fast is not None:
            fast.finish()
        if shown is not None:
            shown.close()
    return history


def minibatches(
    N: int, batchsize: int, rng: np.random.Generator, shuffle: bool = True
) -> Iterator[Array]:
    """Each mini-batch's rows: a permutation of range(N) from ``rng``, cut every batchsize."""
    order = rng.permutation(N) if shuffle else np.arange(N)
    for begin in range(0, N, batchsize):
        yield order[begin : begin + batchsize].copy()  # a copy: no epoch outlives its order


def fit(
    net: Network, X: Any, Y: Any, batchsize: int, epochs: int, learningrate: float, **options: Any
) -> History:
    """The Julia article's ``fit!``: ``sgd`` under the article's argument names."""
    return sgd(net, X, Y, batchsize, epochs, learningrate, **options)
