"""Interrupts, callback errors and divergence leave the network at its last completed update."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rigging import Bomb, finish, rig, terminal_sigint

import perceptron as pc

ROOT = Path(__file__).resolve().parent.parent
X, LABELS = pc.spiral(8, 3, rng=0)
Y = pc.one_hot(LABELS, 3)
XV, YV = X[::4], Y[::4]
BATCH = 5  # 24 rows: batches of 5, 5, 5, 5 and a last one of 4
BATCHES = math.ceil(len(X) / BATCH)

OPTIMIZERS: dict[str, Callable[[], pc.Optimizer]] = {
    # SGD() is plain SGD (Δ = lr·g, bit for bit) that also counts its updates in t.
    "plain": lambda: pc.SGD(),
    "momentum_decay": lambda: pc.SGD(momentum=0.9, decay=1e-2),
    "adam": lambda: pc.Adam(),
}


def make_net() -> pc.Network:
    return pc.network([2, 6, 3], "relu", "quadratic", output_activation="sigmoid", rng=1)


def replay(
    updates: int,
    optimizer: pc.Optimizer,
    make: Callable[[], pc.Network] = make_net,
    Xr: Any = X,
    Yr: Any = Y,
    lr: float = 0.5,
    seed: int = 3,
    engine: str = "sample",
) -> pc.Network:
    """The reference: exactly ``updates`` updates of sgd's schedule, never interrupted.

    The completed epochs are one ``sgd`` call; the batches of the next epoch are a
    second call on those rows in the order of that epoch's permutation, without
    shuffling. Both use the same engine, so the sums are formed the same way.
    """
    net = make()
    rng = np.random.default_rng(seed)
    epochs, rest = divmod(updates, math.ceil(len(Xr) / BATCH))
    if epochs:
        pc.sgd(net, Xr, Yr, BATCH, epochs, lr, rng=rng, optimizer=optimizer, engine=engine)
    if rest:
        rows = rng.permutation(len(Xr))[: rest * BATCH]
        pc.sgd(
            net, Xr[rows], Yr[rows], BATCH, 1, lr, shuffle=False, optimizer=optimizer,
            engine=engine,
        )  # fmt: skip
    return net


def assert_at_update(net: pc.Network, reference: pc.Network) -> None:
    for layer, ref in zip(net.layers, reference.layers, strict=True):
        assert np.array_equal(layer.weights, ref.weights)
        assert np.array_equal(layer.bias, ref.bias)
        assert not layer.dC_dweights.any() and not layer.dC_dbias.any()
    assert net.accumulated == 0


def assert_history_consistent(history: pc.History, updates: int, validation: bool) -> None:
    n = history.epochs
    assert len(history.epoch_time) == n
    assert len(history.val_loss) == len(history.val_accuracy) == (n if validation else 0)
    # The epochs in the history are complete; at most one more epoch's updates are done.
    assert n * BATCHES <= updates <= (n + 1) * BATCHES


EPOCHS = 3


def rigged(where: str, n: int) -> tuple[pc.Network, Bomb]:
    """make_net() with a Bomb in place of one function (n = 0: one that never goes off).

    The reference network gets a harmless Bomb in the same place, so that both
    runs go through the same (generic, non-built-in) code path.
    """
    net = make_net()
    return net, rig(net, where, n)


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@given(
    n=st.integers(1, 140),
    where=st.sampled_from(["hidden f", "hidden df", "output f", "cost df"]),
    validation=st.booleans(),
)
@settings(max_examples=25)
def test_an_interrupt_at_any_point_leaves_the_last_completed_update(
    opt: str, n: int, where: str, validation: bool
) -> None:
    net, bomb = rigged(where, n)
    optimizer = OPTIMIZERS[opt]()
    kwargs: dict[str, Any] = {"validation": (XV, YV)} if validation else {}
    try:
        pc.sgd(net, X, Y, BATCH, EPOCHS, 0.5, rng=3, optimizer=optimizer, **kwargs)
    except KeyboardInterrupt as error:
        assert bomb.calls == n
        history = error.history  # type: ignore[attr-defined]
    else:
        assert bomb.calls < n
        history = None
    reference = replay(optimizer.t, OPTIMIZERS[opt](), lambda: rigged(where, 0)[0])
    assert_at_update(net, reference)
    if history is not None:
        assert_history_consistent(history, optimizer.t, validation)


class FailingSGD(pc.SGD):
    """SGD whose k-th call of deltas() raises: a broken optimizer half-way through."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k, self.calls = k, 0

    def deltas(self, grads: Any, lr: float) -> Any:
        self.calls += 1
        if self.calls == self.k:
            raise KeyboardInterrupt
        return super().deltas(grads, lr)


@pytest.mark.parametrize("engine", ["sample", "batch"])
@given(k=st.integers(1, EPOCHS * BATCHES))
@settings(max_examples=8)
def test_a_failing_optimizer_leaves_the_last_completed_update(engine: str, k: int) -> None:
    net = make_net()
    optimizer = FailingSGD(k)
    with pytest.raises(KeyboardInterrupt) as info:
        pc.sgd(net, X, Y, BATCH, EPOCHS, 0.5, rng=3, optimizer=optimizer, engine=engine)
    assert optimizer.t == k - 1
    reference = replay(k - 1, pc.SGD(), engine=engine)
    assert_at_update(net, reference)
    assert_history_consistent(info.value.history, k - 1, False)  # type: ignore[attr-defined]


def test_an_error_in_on_epoch_carries_the_history() -> None:
    class Boom(RuntimeError):
        pass

    def on_epoch(epoch: int, history: pc.History, net: pc.Network) -> None:
        if epoch == 1:
            raise Boom("from the callback")

    net, optimizer = make_net(), pc.SGD()
    with pytest.raises(Boom) as info:
        pc.sgd(net, X, Y, BATCH, 5, 0.5, rng=3, optimizer=optimizer, on_epoch=on_epoch)
    assert info.value.history.epochs == 2  # type: ignore[attr-defined]
    assert optimizer.t == 2 * BATCHES
    assert_at_update(net, replay(2 * BATCHES, pc.SGD()))


CHILD = textwrap.dedent(
    """
    import sys
    import perceptron as pc
    X, labels = pc.spiral(8, 3, rng=0)
    Y = pc.one_hot(labels, 3)
    net = pc.network([2, 6, 3], "relu", "quadratic", output_activation="sigmoid", rng=1)
    optimizer = pc.SGD()
    def ready(epoch, history, net):
        if epoch == 0:
            print("ready", flush=True)
    try:
        pc.sgd(net, X, Y, 5, 10**9, 0.5, rng=3, optimizer=optimizer, on_epoch=ready)
    except KeyboardInterrupt as error:
        pc.save(net, sys.argv[1])
        print(optimizer.t, error.history.epochs, flush=True)
        sys.exit(130)
    """
)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2])
def test_a_real_sigint_stops_at_a_completed_update(tmp_path: Path, delay: float) -> None:
    import time

    path = tmp_path / "interrupted.npz"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=terminal_sigint,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = finish(child, 60)
    assert child.returncode == 130, err
    updates, epochs = (int(v) for v in out.split())
    assert epochs * BATCHES <= updates <= (epochs + 1) * BATCHES
    reference = replay(updates, pc.SGD())
    assert_at_update(pc.load(path), reference)


def test_ctrl_c_in_the_command_line_saves_and_exits_130(tmp_path: Path) -> None:
    model = tmp_path / "model.npz"
    child = subprocess.Popen(
        [sys.executable, "-m", "perceptron", "train", "--data", "spiral", "--activation", "relu",
         "--init", "default", "--lr", "0.5", "--engine", "sample", "--epochs", "1000000",
         "--save", str(model)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        preexec_fn=terminal_sigint,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("Epoch 1:"):
            break
    child.send_signal(signal.SIGINT)
    out, err = finish(child, 60)
    assert child.returncode == 130, (out, err)
    assert "interrupted after" in err and "saved the network" in err, err
    net = pc.load(model)
    assert net.sizes == [2, 30, 3]
    assert all(np.isfinite(layer.weights).all() for layer in net.layers)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_two_threads_train_as_one_after_the_other() -> None:
    def job(seed: int) -> tuple[pc.Network, pc.Adam]:
        net = pc.network([2, 8, 3], "tanh", "cross_entropy", output_activation="softmax", rng=seed)
        return net, pc.Adam()

    def train(net: pc.Network, optimizer: pc.Adam, seed: int) -> None:
        pc.sgd(net, X, Y, 4, 30, 0.01, rng=seed, optimizer=optimizer)

    sequential = [job(1), job(2)]
    for seed, (net, optimizer) in enumerate(sequential, start=1):
        train(net, optimizer, seed)
    parallel = [job(1), job(2)]
    threads = [
        threading.Thread(target=train, args=(net, optimizer, seed))
        for seed, (net, optimizer) in enumerate(parallel, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (a, _), (b, _) in zip(sequential, parallel, strict=True):
        assert_at_update(a, b)


@pytest.mark.parametrize("opt", ["plain", "adam"])
@pytest.mark.parametrize("hidden", ["relu", "sigmoid"])
def test_divergence_stops_with_the_last_finite_weights(opt: str, hidden: str) -> None:
    def make() -> pc.Network:
        return pc.network([2, 6, 3], hidden, "quadratic", output_activation="identity", rng=1)

    Xs, Ys = 50.0 * X, 50.0 * Y
    # Adam's steps are about lr whatever the gradient: it needs a far larger lr to overflow.
    lr = 1e6 if opt == "plain" else 1e200
    optimizer = OPTIMIZERS[opt]()
    net = make()
    with np.errstate(all="ignore"), pytest.raises(pc.TrainingDiverged) as info:
        pc.sgd(net, Xs, Ys, BATCH, 50, lr, rng=3, optimizer=optimizer)
    message = str(info.value)
    assert "epoch" in message and "batch" in message and "smaller lr" in message
    import re

    epoch, batch = (int(v) for v in re.search(r"epoch (\d+), batch (\d+)", message).groups())  # type: ignore[union-attr]
    assert optimizer.t == epoch * BATCHES + batch
    assert all(
        np.isfinite(layer.weights).all() and np.isfinite(layer.bias).all() for layer in net.layers
    )
    with np.errstate(all="ignore"):
        reference = replay(optimizer.t, OPTIMIZERS[opt](), make, Xs, Ys, lr=lr)
    assert_at_update(net, reference)
    assert info.value.history.epochs == epoch  # type: ignore[attr-defined]


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_epochs() -> None:
    Xs, labels = pc.spiral(40, 3, rng=0)
    Ys = pc.one_hot(labels, 3)

    def train(epochs: int) -> Callable[[], Any]:
        def go() -> None:
            net = pc.network(
                [2, 16, 3], "relu", "cross_entropy", output_activation="softmax", rng=1
            )
            pc.sgd(net, Xs, Ys, 10, epochs, 0.1, rng=2, optimizer=pc.Adam())

        return go

    train(1)()  # warm the caches of numpy and of the package
    two, twenty = _peak(train(2)), _peak(train(20))
    assert twenty <= 1.2 * two + 32_000, (two, twenty)


def _epoch_peak(N: int, k: int, engine: str) -> tuple[int, int]:
    """Peak traced memory during the second epoch of sgd on N×k data, and X's size."""
    rng = np.random.default_rng(0)
    Xs = rng.standard_normal((N, k))
    Ys = rng.standard_normal((N, 1))
    net = pc.network([k, 1], "identity", "quadratic", rng=1)
    peaks: list[int] = []

    def on_epoch(epoch: int, history: pc.History, net: pc.Network) -> None:
        if epoch == 0:
            tracemalloc.reset_peak()
        else:
            peaks.append(tracemalloc.get_traced_memory()[1])

    tracemalloc.start()
    try:
        pc.sgd(net, Xs, Ys, 50, 2, 1e-4, rng=1, engine=engine, on_epoch=on_epoch)
    finally:
        tracemalloc.stop()
    return peaks[0], Xs.nbytes


@pytest.mark.parametrize("engine", ["sample", "batch"])
def test_shuffling_does_not_copy_the_data_set(engine: str) -> None:
    small, _ = _epoch_peak(2_000, 200, engine)
    large, nbytes = _epoch_peak(8_000, 200, engine)
    # An epoch holds a permutation (N ints) and one batch's buffers, never a copy of X.
    assert large < nbytes / 20, (large, nbytes)
    assert large - small < 1.5 * 8 * (8_000 - 2_000) + 16_000, (small, large)


def test_sigint_held_is_a_no_op_off_the_main_thread() -> None:
    from perceptron.interrupts import sigint_held as _sigint_held

    handler = signal.getsignal(signal.SIGINT)
    seen: list[Any] = []

    def body() -> None:
        with _sigint_held():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [handler]


def test_sigint_held_delivers_the_deferred_interrupt() -> None:
    from perceptron.interrupts import sigint_held as _sigint_held

    done = []
    with pytest.raises(KeyboardInterrupt):
        with _sigint_held():
            os.kill(os.getpid(), signal.SIGINT)
            done.append(True)  # reached: the interrupt waits for the block's end
    assert done == [True]


@pytest.mark.parametrize("gap", [0.0, 0.002, 0.02])
def test_a_second_ctrl_c_does_not_lose_the_save(tmp_path: Path, gap: float) -> None:
    """Two SIGINTs in quick succession: the run still saves a whole model, without a
    traceback, wherever the second one lands (training, saving, or after)."""
    model = tmp_path / "model.npz"
    child = subprocess.Popen(
        [sys.executable, "-m", "perceptron", "train", "--data", "spiral", "--layers", "200,3",
         "--lr", "0.5", "--epochs", "1000000", "--save", str(model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        preexec_fn=terminal_sigint,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("Epoch 1:"):
            break
    child.send_signal(signal.SIGINT)
    time.sleep(gap)
    child.send_signal(signal.SIGINT)
    out, err = finish(child, 60)
    # 130, or killed by the second SIGINT itself once the work was done and Python was
    # leaving (its handlers are then the system's): interrupted either way.
    assert child.returncode in (130, -signal.SIGINT), (out, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert model.exists(), (child.returncode, err)
    assert pc.load(model).sizes == [2, 200, 3]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
