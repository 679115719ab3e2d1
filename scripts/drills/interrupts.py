"""Interrupts at any point, and resuming: Ctrl-C, failing callbacks and optimizers, real SIGINTs."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rigging import (
    Bomb,
    FailingAdam,
    FailingSGD,
    at_completed_update,
    finish,
    identical,
    rig,
    terminal_sigint,
)

import perceptron as pc

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------
# 1. interrupts and resume
# ---------------------------------------------------------------------------
OPTIMIZERS: dict[str, Callable[[int], pc.Optimizer | None]] = {
    "plain": lambda k: None,
    "momentum": lambda k: FailingSGD(k, momentum=0.9),
    "adam": lambda k: FailingAdam(k),
}
PLACES = ("hidden f", "hidden df", "output f", "output df", "cost df")
DATA_X, DATA_LABELS = pc.spiral(10, 3, rng=0)
DATA_Y = pc.one_hot(DATA_LABELS, 3)
VALID = (DATA_X[::3], DATA_Y[::3])
EPOCHS = 4


def rigged(place: str, n: int) -> tuple[pc.Network, Bomb]:
    """A 2-8-3 tanh/sigmoid network with a Bomb in ``place`` (n = 0: a harmless one)."""
    net = pc.network([2, 8, 3], "tanh", "quadratic", output_activation="sigmoid", rng=1)
    return net, rig(net, place, n)


class Trial:
    """One configuration of sgd; ``run`` trains with the given faults."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.place = PLACES[int(rng.integers(len(PLACES)))]
        self.opt = sorted(OPTIMIZERS)[int(rng.integers(len(OPTIMIZERS)))]
        self.engine = ("sample", "batch")[int(rng.integers(2))]
        self.batchsize = (4, 7, 30)[int(rng.integers(3))]
        self.validation = bool(rng.integers(2))
        self.key = (self.place, self.opt, self.engine, self.batchsize, self.validation)

    def build(self, n: int = 0, k: int = 0) -> tuple[pc.Network, pc.Optimizer | None, Bomb]:
        """The network (Bomb on call n) and optimizer (failing on step k); 0: no fault."""
        net, bomb = rigged(self.place, n)
        return net, OPTIMIZERS[self.opt](k), bomb

    def train(
        self,
        net: pc.Network,
        optimizer: pc.Optimizer | None,
        checkpoint: Path | None = None,
        on_epoch: Callable[..., Any] | None = None,
    ) -> None:
        pc.sgd(
            net,
            DATA_X,
            DATA_Y,
            self.batchsize,
            EPOCHS,
            0.5,
            rng=3,
            optimizer=optimizer,
            engine=self.engine,
            validation=VALID if self.validation else None,
            on_epoch=on_epoch,
            checkpoint=checkpoint,
        )


def interrupt_campaign(
    rng: np.random.Generator, trials: int, sigints: int, folder: Path
) -> dict[str, int]:
    counts = {"injected": 0, "completed_update": 0, "resumed": 0, "no_fault": 0}
    references: dict[tuple[Any, ...], pc.Network] = {}
    for i in range(trials):
        trial = Trial(rng)
        if trial.key not in references:
            reference, optimizer, _ = trial.build()
            trial.train(reference, optimizer)
            references[trial.key] = reference
        path = folder / f"interrupt{i}.ckpt"
        how = int(rng.integers(3)) if trial.opt != "plain" else (0, 2)[int(rng.integers(2))]
        # Roughly the number of calls and of updates a run makes, so most draws land.
        updates = EPOCHS * math.ceil(len(DATA_X) / trial.batchsize)
        calls_ = EPOCHS * (len(DATA_X) + 1) if trial.engine == "sample" else updates + EPOCHS
        n = int(rng.integers(1, calls_ + 1)) if how == 0 else 0
        k = int(rng.integers(1, updates + 1)) if how == 1 else 0
        stop_epoch = int(rng.integers(EPOCHS)) if how == 2 else -1

        def on_epoch(epoch: int, history: pc.History, net: pc.Network, s: int = stop_epoch) -> None:
            if epoch == s:
                raise RuntimeError("a callback failed")

        net, optimizer, _ = trial.build(n, k)
        try:
            trial.train(net, optimizer, path, on_epoch)
        except (KeyboardInterrupt, RuntimeError):
            counts["injected"] += 1
            counts["completed_update"] += at_completed_update(net)
        else:
            counts["no_fault"] += 1
            path.unlink(missing_ok=True)
            continue
        # A fresh start, as after a crash: new network, new optimizer, same arguments.
        resumed, optimizer, _ = trial.build()
        trial.train(resumed, optimizer, path)
        counts["resumed"] += identical(resumed, references[trial.key])
        path.unlink(missing_ok=True)
    for i in range(sigints):
        injected, at_update, ok = sigint_trial(rng, folder / f"sigint{i}.ckpt")
        counts["injected"] += injected
        counts["completed_update"] += at_update
        counts["resumed"] += ok
    return counts


CHILD = textwrap.dedent(
    """
    import sys
    import perceptron as pc
    X, labels = pc.spiral(50, 3, rng=0)
    Y = pc.one_hot(labels, 3)
    net = pc.network([2, 16, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)
    def ready(epoch, history, net):
        if epoch == 0:
            print("ready", flush=True)
    try:
        pc.sgd(net, X, Y, 10, int(sys.argv[3]), 0.05, rng=3, optimizer=pc.Adam(),
               engine=sys.argv[2], checkpoint=sys.argv[1], on_epoch=ready)
    except KeyboardInterrupt:
        clean = net.accumulated == 0 and not any(
            layer.dC_dweights.any() or layer.dC_dbias.any() for layer in net.layers
        )
        sys.exit(130 if clean else 131)
    """
)


SIGINT_EPOCHS = {"sample": 100, "batch": 400}


def _sigint_job(engine: str, checkpoint: Path | None) -> tuple[pc.Network, float]:
    """The child's job, run here: the final network and how long it took."""
    X, labels = pc.spiral(50, 3, rng=0)
    Y = pc.one_hot(labels, 3)
    net = pc.network([2, 16, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)
    started = time.perf_counter()
    pc.sgd(net, X, Y, 10, SIGINT_EPOCHS[engine], 0.05, rng=3, optimizer=pc.Adam(), engine=engine,
           checkpoint=checkpoint)  # fmt: skip
    return net, time.perf_counter() - started


_SIGINT_REFERENCES: dict[str, tuple[pc.Network, float]] = {}


def sigint_trial(rng: np.random.Generator, path: Path) -> tuple[int, int, int]:
    """A real Ctrl-C to a child process training with a checkpoint; then resume here.

    Returns (interrupted, left at a completed update, resumed bit-identically).
    """
    engine = ("sample", "batch")[int(rng.integers(2))]
    if engine not in _SIGINT_REFERENCES:
        _SIGINT_REFERENCES[engine] = _sigint_job(engine, None)
    reference, duration = _SIGINT_REFERENCES[engine]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), engine, str(SIGINT_EPOCHS[engine])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=terminal_sigint,
    )
    assert child.stdout is not None
    child.stdout.readline()
    time.sleep(float(rng.uniform(0.0, 0.8 * duration)))
    child.send_signal(signal.SIGINT)
    try:
        finish(child, 120)
    except subprocess.TimeoutExpired:
        return 0, 0, 0
    interrupted = int(child.returncode in (130, 131))
    ok = interrupted and identical(_sigint_job(engine, path)[0], reference)
    path.unlink(missing_ok=True)
    return interrupted, int(child.returncode == 130), int(ok)
