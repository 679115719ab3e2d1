"""The four steps of training: ``feedforward``, ``backpropagate``, ``update``, ``sgd``.

Notation (layers l = 0 … L−1, a₋₁ = x the input, one sample a column)::

    z_l = W_l a_{l−1} + b_l                 linear_out
    a_l = σ_l(z_l)                          activated_out
    δ_{L−1} = (∂a/∂z)ᵀ ∂C/∂a                dC_dlinear of the last layer
    δ_l = (∂a_l/∂z_l)ᵀ W_{l+1}ᵀ δ_{l+1}      dC_dlinear, backwards
    ∂C/∂W_l = δ_l a_{l−1}ᵀ                  added to dC_dweights
    ∂C/∂b_l = δ_l                           added to dC_dbias

For an element-wise σ, (∂a/∂z)ᵀ v is σ'(z) ⊙ v. With softmax and
cross-entropy together, δ_{L−1} = a − y (the Jacobian and −y/a cancel).

``update`` divides the sums by the number n of samples behind them, so the
step uses the mean gradient g = (1/n) Σ ∂C/∂θ, as seed 001 averages over
the mini-batch; then θ ← θ − Δ with Δ = η g for plain SGD.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._checks import (
    as_column,
    as_generator,
    as_rows,
    check_int,
    check_probability_columns,
    check_real,
)
from .activations import softmax
from .costs import cross_entropy, cross_entropy_from_logits
from .engine import run_batch, run_sample
from .network import Network
from .optimizers import Optimizer

Array = NDArray[Any]


class TrainingDiverged(FloatingPointError):
    """Training met a non-finite loss or gradient; the network holds its last finite state."""


# ---------------------------------------------------------------------------
# helpers shared by the per-sample and the batch forms
# ---------------------------------------------------------------------------
def _fused(net: Network) -> bool:
    """Softmax output under cross-entropy: δ = a − y and the loss from log-softmax."""
    return net.cost is cross_entropy and net.layers[-1].activation is softmax


def _require_layers(net: Any) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    if not net.layers:
        raise ValueError("net: the network has no layers; add one with add_layer(net, ...)")
    # Weights may be set by hand; check them all before any work, so that a wrong
    # dtype or shape is a clear error and never a half-stepped network.
    insize = net.inputdim
    for l, layer in enumerate(net.layers):
        for name in ("weights", "bias"):
            array = getattr(layer, name)
            if not isinstance(array, np.ndarray) or array.dtype != net.dtype:
                raise TypeError(
                    f"net.layers[{l}].{name}: expected a numpy array of {net.dtype}, got "
                    f"{type(array).__name__} {getattr(array, 'dtype', '')}".rstrip()
                    + "; assign e.g. numpy.asarray(values, dtype=net.dtype)"
                )
        outsize = layer.weights.shape[0] if layer.weights.ndim == 2 else -1
        if layer.weights.shape != (outsize, insize) or layer.bias.shape != (outsize, 1):
            raise ValueError(
                f"net.layers[{l}]: expected weights of shape (out, {insize}) and bias (out, 1), "
                f"got {layer.weights.shape} and {layer.bias.shape}"
            )
        insize = outsize


def _forward(net: Network, a: Array) -> Array:
    """Fill z and a of every layer for the columns of ``a``; return the output."""
    for layer in net.layers:
        z = layer.weights @ a
        z += layer.bias
        layer.linear_out = z
        a = layer.activation.f(z)
        layer.activated_out = a
    return a


def _losses(net: Network, y: Array) -> Array:
    """Per-column cost of the last forward pass."""
    last = net.layers[-1]
    if _fused(net):
        return cross_entropy_from_logits(last.linear_out, y)
    return net.cost.f(last.activated_out, y)


def _backward(net: Network, x: Array, y: Array) -> None:
    """δ of every layer from the caches of the last forward pass; file δ and a_prev."""
    layers = net.layers
    last = layers[-1]
    if _fused(net):
        delta = last.activated_out - y
    else:
        dC_da = net.cost.df(last.activated_out, y)
        delta = last.activation.backward(last.linear_out, last.activated_out, dC_da)
    for l in range(len(layers) - 1, -1, -1):
        layer = layers[l]
        layer.dC_dlinear = delta
        # The first layer's input is x itself (the Julia article reads layers[end-1]
        # here, which fails for a one-layer network).
        a_prev = layers[l - 1].activated_out if l > 0 else x
        layer._accumulate(delta, a_prev)
        if l > 0:
            below = layers[l - 1]
            dC_da = layer.weights.T @ delta
            delta = below.activation.backward(below.linear_out, below.activated_out, dC_da)


# ---------------------------------------------------------------------------
# the public steps
# ---------------------------------------------------------------------------
def feedforward(net: Network, x: Any) -> Array:
    """Push one sample through the network and return its output a_{L−1} (m×1).

    ``x`` is a k×1 column (a 1-D vector of length k is accepted). Fills every
    layer's ``linear_out`` and ``activated_out``; returns a new array.
    """
    _require_layers(net)
    column = as_column(x, net.inputdim, "x", net.dtype)
    out = _forward(net, column)
    net._last_input = column.copy()
    return out.copy()


def backpropagate(net: Network, x: Any, y: Any) -> None:
    """Add one sample's ∂C/∂W and ∂C/∂b to every layer's sums.

    ``x`` must equal (by value) the input of the last ``feedforward``, whose
    caches are used; ``y`` is the m×1 target (or a vector of length m).
    """
    _require_layers(net)
    column = as_column(x, net.inputdim, "x", net.dtype)
    target = as_column(y, net.outputdim, "y", net.dtype)
    if net._last_input is None:
        raise ValueError("x: call feedforward(net, x) before backpropagate(net, x, y)")
    if not np.array_equal(column, net._last_input):
        raise ValueError(
            "x: backpropagate needs the same x as the last feedforward (its caches are "
            "used); call feedforward(net, x) with this x first"
        )
    if net.cost is cross_entropy:
        check_probability_columns(target, "y")
    _backward(net, column, target)
    net.accumulated += 1


def _mean_gradients(net: Network, l2_scale: float) -> list[tuple[Array, Array]]:
    # In buffers each layer reuses at every update (no allocation per batch).
    return [layer._mean_gradient(net.accumulated, l2_scale) for layer in net.layers]


class _InterruptGuard:
    """Holds Ctrl-C back during the critical sections of one training run.

    Installed once per ``sgd`` call (in the main thread only): outside a
    critical section a SIGINT is handed straight to the previous handler, so
    Ctrl-C stops training at once; inside one (an update being applied, the
    best weights being restored) it is remembered and delivered when the
    section ends, so the network is never left half-stepped. Installing the
    handler once, rather than around every update, keeps it off the hot path.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.pending: tuple[int, Any] | None = None
        self.previous: Any = None
        self.installed = False

    def __enter__(self) -> _InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._handler)
                self.installed = True
            except ValueError:  # not the main interpreter
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)
            self.installed = False

    def _handler(self, signum: int, frame: Any) -> None:
        if self.depth:
            self.pending = (signum, frame)
        else:
            self._deliver(signum, frame)

    def _deliver(self, signum: int, frame: Any) -> None:
        if callable(self.previous):
            self.previous(signum, frame)
        elif self.previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    @contextmanager
    def critical(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if not self.depth and self.pending is not None:
                pending, self.pending = self.pending, None
                self._deliver(*pending)


@contextmanager
def _sigint_held(guard: _InterruptGuard | None = None) -> Iterator[None]:
    """Defer Ctrl-C while the body runs (main thread only), then deliver it.

    Inside ``sgd`` the run's guard is already installed and this costs two
    integer updates; a lone ``update`` installs a guard just for its body.
    """
    if guard is not None:
        with guard.critical():
            yield
        return
    with _InterruptGuard() as own, own.critical():
        yield


def _reset(net: Network) -> None:
    for layer in net.layers:
        layer._reset_sums()
    net.accumulated = 0


def _flat_steps(net: Network) -> Array:
    """The flat buffer whose slices are every layer's step buffers (W's, then b's, layer
    by layer); (re)made when the layers' buffers are not its slices."""
    flat = net._steps
    layers = net.layers
    for layer in layers:
        if flat is None or layer._mean is None or layer._mean[0].base is not flat:
            break
    else:
        return flat  # type: ignore[return-value]
    flat = np.empty(sum(layer.nparams for layer in layers), dtype=net.dtype)
    begin = 0
    for layer in layers:
        w, b = layer.weights.size, layer.bias.size
        layer._mean = (
            flat[begin : begin + w].reshape(layer.weights.shape),
            flat[begin + w : begin + w + b].reshape(layer.bias.shape),
        )
        begin += w + b
    net._steps = flat
    return flat


def _all_finite(arrays: list[Array]) -> bool:
    """Every element of every array finite? a·a (one BLAS call) is finite unless some
    element is not or the squares overflow; only then look element by element."""
    with np.errstate(over="ignore", invalid="ignore"):
        for a in arrays:
            flat = a.reshape(-1)
            if not (math.isfinite(float(flat @ flat)) or np.isfinite(flat).all()):
                return False
    return True


def _apply_update(
    net: Network,
    lr: float,
    optimizer: Optimizer | None,
    l2_scale: float = 0.0,
    guard: _InterruptGuard | None = None,
) -> None:
    """Mean gradient → optimizer → θ ← θ − Δ for every layer at once, then reset."""
    state = None
    if optimizer is None and not l2_scale:
        # Δ = lr·g, g = Σ ∂C/∂θ / n, every step a slice of one flat buffer, checked by
        # one dot product.
        flat = _flat_steps(net)
        n = net.accumulated
        steps = [layer._plain_step(n, lr) for layer in net.layers]
        checked = [flat]
    elif optimizer is None:
        # Δ = lr·g, formed in g's own buffers
        grads = _mean_gradients(net, l2_scale)
        steps = [(np.multiply(gw, lr, out=gw), np.multiply(gb, lr, out=gb)) for gw, gb in grads]
    else:
        steps, state = optimizer.steps(_mean_gradients(net, l2_scale), lr)
    if optimizer is not None or l2_scale:
        checked = [a for pair in steps for a in pair]
    if not _all_finite(checked):
        raise TrainingDiverged(
            "the gradient or the step is not finite; the network keeps its last finite "
            "weights. Try a smaller lr, another cost or initializer, or scale the inputs"
        )
    # Every step is computed before any is applied, and Ctrl-C waits until the
    # weights, the optimizer's state and the sums have all moved together.
    with _sigint_held(guard):
        for layer, (sw, sb) in zip(net.layers, steps, strict=True):
            layer.weights -= sw
            layer.bias -= sb
        if optimizer is not None:
            optimizer.bind(net)
            optimizer.commit(state)
        _reset(net)


def update(net: Network, lr: float, optimizer: Optimizer | None = None) -> None:
    """One gradient step from the sums, then zero them.

    The sums are divided by the number of samples accumulated since the last
    update; the optimizer (plain SGD, Δ = lr·g, when None) turns that mean
    gradient into a step Δ, and every layer moves θ ← θ − Δ.
    """
    _require_layers(net)
    lr = check_real(lr, "lr", positive=True)
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer: expected SGD(...), Adam(...) or None, got {type(optimizer).__name__}"
            )
        optimizer.check_network(net)
    if net.accumulated == 0:
        raise ValueError("net: nothing accumulated since the last update; call backpropagate first")
    _apply_update(net, lr, optimizer)


# ---------------------------------------------------------------------------
# sgd
# ---------------------------------------------------------------------------
@dataclass
class History:
    """What ``sgd`` measured, one entry per completed epoch.

    ``loss`` is the mean of the per-sample training losses seen during the
    epoch (without any L2 penalty); ``val_loss`` and ``val_accuracy`` are
    filled when ``validation`` is given (accuracy is NaN unless the targets
    are one-hot); ``epoch_time`` is in seconds.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.loss)


OnEpoch = Callable[[int, History, Network], Any]
OnBatch = Callable[[int, int, int], Any]
ENGINES = ("sample", "batch")


@dataclass
class _Plan:
    """The checked arguments of one ``sgd`` call."""

    X: Array
    Y: Array
    batchsize: int
    epochs: int
    lr: float
    rng: np.random.Generator
    shuffle: bool
    optimizer: Optimizer | None
    validation: tuple[Array, Array] | None
    on_epoch: OnEpoch | None
    l2_scale: float
    patience: int | None
    engine: str
    on_batch: OnBatch | None = None


def _check_sgd(
    net: Network,
    X: Any,
    Y: Any,
    batchsize: Any,
    epochs: Any,
    lr: Any,
    rng: Any,
    shuffle: Any,
    optimizer: Any,
    validation: Any,
    on_epoch: Any,
    l2: Any,
    patience: Any,
    engine: Any,
) -> _Plan:
    _require_layers(net)
    Xa = as_rows(X, net.inputdim, "X", net.dtype)
    Ya = as_rows(Y, net.outputdim, "Y", net.dtype)
    if len(Xa) != len(Ya):
        raise ValueError(f"X and Y: expected the same number of rows, got {len(Xa)} and {len(Ya)}")
    if net.cost is cross_entropy:
        check_probability_columns(Ya.T, "Y")
    batchsize = check_int(batchsize, "batchsize", 1)
    epochs = check_int(epochs, "epochs", 0)
    lr = check_real(lr, "lr", positive=True)
    generator = as_generator(rng)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle: expected True or False, got {type(shuffle).__name__}")
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer: expected SGD(...), Adam(...) or None, got {type(optimizer).__name__}"
            )
        optimizer.check_network(net)
    val = None
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation: expected a pair (Xv, Yv)")
        Xv = as_rows(validation[0], net.inputdim, "validation X", net.dtype)
        Yv = as_rows(validation[1], net.outputdim, "validation Y", net.dtype)
        if len(Xv) != len(Yv):
            raise ValueError(
                f"validation: expected Xv and Yv with the same number of rows, "
                f"got {len(Xv)} and {len(Yv)}"
            )
        if net.cost is cross_entropy:
            check_probability_columns(Yv.T, "validation Y")
        val = (Xv, Yv)
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch: expected a callable, got {type(on_epoch).__name__}")
    l2 = check_real(l2, "l2", nonnegative=True)
    if patience is not None:
        patience = check_int(patience, "patience", 1)
        if val is None:
            raise ValueError("patience: early stopping needs validation=(Xv, Yv)")
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {ENGINES}, got {engine!r}")
    return _Plan(
        Xa,
        Ya,
        batchsize,
        epochs,
        lr,
        generator,
        bool(shuffle),
        optimizer,
        val,
        on_epoch,
        l2 / len(Xa),
        patience,
        engine,
    )


def _run_batch_sample(net: Network, X: Array, Y: Array, rows: Array) -> float:
    """The per-sample engine: one column sample at a time; returns the summed loss.

    Computes what ``feedforward`` + ``backpropagate`` compute for each row of
    ``rows`` in turn, on reused buffers (see :mod:`perceptron.engine`).
    """
    return run_sample(net, X, Y, rows)


def _run_batch_matrix(net: Network, X: Array, Y: Array, rows: Array) -> float:
    """The batch engine: the batch's samples as the columns of one matrix."""
    return run_batch(net, X, Y, rows)


def evaluate_loss(net: Network, X: Array, Y: Array) -> tuple[float, float]:
    """Mean cost and (for one-hot Y) accuracy over the rows of checked X, Y."""
    from .metrics import _forward_rows, is_one_hot

    out, z = _forward_rows(net, X, keep_logits=True)
    if _fused(net):
        losses = cross_entropy_from_logits(z.T, Y.T)
    else:
        losses = net.cost.f(out.T, Y.T)
    acc = float("nan")
    if is_one_hot(Y):
        acc = float(np.mean(out.argmax(axis=1) == Y.argmax(axis=1)))
    return float(np.mean(losses)), acc


def _snapshot(net: Network) -> list[tuple[Array, Array]]:
    return [(layer.weights.copy(), layer.bias.copy()) for layer in net.layers]


def _restore(
    net: Network, params: list[tuple[Array, Array]], guard: _InterruptGuard | None = None
) -> None:
    with _sigint_held(guard):
        for layer, (w, b) in zip(net.layers, params, strict=True):
            layer.weights[...] = w
            layer.bias[...] = b


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
) -> History:
    """Stochastic gradient descent over the rows of X (N×k) and Y (N×m).

    Each epoch draws a permutation of the rows from ``rng`` (unless
    ``shuffle=False``), feeds the samples one column at a time
    (``engine="sample"``) or a mini-batch as one matrix (``engine="batch"``),
    and calls ``update`` after every ``batchsize`` samples and after the last,
    shorter batch (the Julia article drops it; Nielsen keeps it, and so do we).

    ``optimizer``: ``SGD(...)`` or ``Adam(...)``; plain SGD when None.
    ``validation=(Xv, Yv)``: loss and accuracy after each epoch.
    ``on_epoch(epoch, history, net)``: called after each epoch; ``False`` stops.
    ``l2=λ``: each weight gradient gains (λ/N)·W; biases are not penalised.
    ``patience=n``: stop after n epochs without a lower validation loss and
    restore the best weights. ``checkpoint=PATH``: save the state after each
    epoch, and resume from it when it exists. ``on_batch(epoch, batch, batches)``:
    called after each update (the command line draws its progress bar with it).

    Returns the :class:`History`. Any exception that leaves ``sgd`` carries
    ``exc.history``; the network is then at its last completed update.
    """
    plan = _check_sgd(
        net,
        X,
        Y,
        batchsize,
        epochs,
        lr,
        rng,
        shuffle,
        optimizer,
        validation,
        on_epoch,
        l2,
        patience,
        engine,
    )
    if on_batch is not None and not callable(on_batch):
        raise TypeError(f"on_batch: expected a callable, got {type(on_batch).__name__}")
    plan.on_batch = on_batch
    history = History()
    best_loss = math.inf
    best_params: list[tuple[Array, Array]] | None = None
    waited = 0
    start_epoch = 0

    ckpt = None
    if checkpoint is not None:
        from .checkpoint import Checkpointer

        ckpt = Checkpointer(checkpoint, net, plan)
        resumed = ckpt.resume(history)
        if resumed is not None:
            start_epoch, best_loss, best_params, waited = resumed

    # Anything left over from hand calls of backpropagate is not part of this run, and
    # the caches will hold sgd's samples: backpropagate needs a new feedforward after it.
    _reset(net)
    net._last_input = None
    with _InterruptGuard() as guard:
        return _train(net, plan, history, ckpt, start_epoch, best_loss, best_params, waited, guard)


def _train(
    net: Network,
    plan: _Plan,
    history: History,
    ckpt: Any,
    start_epoch: int,
    best_loss: float,
    best_params: list[tuple[Array, Array]] | None,
    waited: int,
    guard: _InterruptGuard,
) -> History:
    """The epochs of ``sgd``, from ``start_epoch`` on (a resumed run starts later)."""
    run_batch = _run_batch_sample if plan.engine == "sample" else _run_batch_matrix
    N = len(plan.X)
    bs = min(plan.batchsize, N)
    batches = -(-N // bs)
    rows_in_order = None if plan.shuffle else np.arange(N)
    try:
        for epoch in range(start_epoch, plan.epochs):
            started = time.perf_counter()
            # Let the last epoch's permutation go before drawing the next, so that an
            # epoch holds one array of N row numbers and never a copy of the data.
            rows = order = None
            order = rows_in_order if rows_in_order is not None else plan.rng.permutation(N)
            total = 0.0
            for batch, begin in enumerate(range(0, N, bs)):
                rows = order[begin : begin + bs]
                total += run_batch(net, plan.X, plan.Y, rows)
                if not math.isfinite(total):
                    raise TrainingDiverged(
                        f"the training loss became {total} in epoch {epoch}, batch {batch}; "
                        "the network keeps its last finite weights. Try a smaller lr, "
                        "another cost or initializer, or scale the inputs"
                    )
                try:
                    _apply_update(net, plan.lr, plan.optimizer, plan.l2_scale, guard)
                except TrainingDiverged as error:
                    raise TrainingDiverged(f"epoch {epoch}, batch {batch}: {error}") from None
                if plan.on_batch is not None:
                    plan.on_batch(epoch, batch, batches)
            stop = False
            if plan.validation is not None:
                # Evaluated before any of this epoch's history entries is added, so an
                # interrupt here leaves the history's lists the same length.
                val_loss, val_acc = evaluate_loss(net, *plan.validation)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            history.loss.append(total / N)
            history.epoch_time.append(time.perf_counter() - started)
            if plan.validation is not None:
                if plan.patience is not None:
                    if val_loss < best_loss:
                        best_loss, best_params, waited = val_loss, _snapshot(net), 0
                        history.best_epoch = epoch
                    else:
                        waited += 1
                        if waited >= plan.patience:
                            history.stopped_early = stop = True
            if ckpt is not None:
                ckpt.save(epoch + 1, history, best_loss, best_params, waited)
            if plan.on_epoch is not None and plan.on_epoch(epoch, history, net) is False:
                stop = True
            if stop:
                break
        if plan.patience is not None and best_params is not None:
            _restore(net, best_params, guard)
    except BaseException as error:
        _reset(net)
        try:
            error.history = history  # type: ignore[attr-defined]
        except AttributeError:
            pass
        raise
    return history
