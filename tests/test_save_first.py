"""Save first: once an epoch has finished, ``perceptron train --save`` keeps the model,
whatever ends the run (Ctrl-C or SIGTERM at any point after the last epoch, divergence,
a full disk under the log, a closed stdout)."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from perceptron import cli
from perceptron.cli import outputs as cli_outputs
from perceptron.cli import progress as cli_progress
from perceptron.cli import train as cli_train
from perceptron.io import checkpoint as checkpoint_module
from perceptron.io.model import load_with_meta

ROOT = Path(__file__).resolve().parent.parent
EPOCHS = 2


def train(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    model = tmp_path / "m.npz"
    argv = ["train", "--data", "spiral", "--epochs", str(EPOCHS), "--save", str(model), *extra]
    return cli.main(argv), model


def signalling(signum: int, real: Callable[..., Any], when: Callable[..., bool] = lambda *a: True):
    """``real`` that first sends this process ``signum`` (when ``when(*args)``)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if when(*args):
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)

    return wrapper


def last_batch_sgd(signum: int) -> Callable[..., Any]:
    """``sgd`` whose last ``on_batch`` call of the last epoch sends ``signum``."""
    real = cli_train.sgd

    def sgd(*args: Any, on_batch: Any = None, **kwargs: Any) -> Any:
        def hook(epoch: int, batch: int, batches: int) -> None:
            if epoch == EPOCHS - 1 and batch == batches - 1:
                os.kill(os.getpid(), signum)
            on_batch(epoch, batch, batches)

        return real(*args, on_batch=hook, **kwargs)

    return sgd


POINTS = [
    "last-batch",
    "last-checkpoint",
    "last-epoch-line",
    "during-save",
    "final-evaluation",
    "report",
    "plot",
]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
@pytest.mark.parametrize("point", POINTS)
def test_a_signal_after_the_last_epoch_never_loses_the_model(
    point: str, signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    if point == "last-batch":
        monkeypatch.setattr(cli_train, "sgd", last_batch_sgd(signum))
    elif point == "last-checkpoint":
        last = signalling(
            signum,
            checkpoint_module.write_npz_atomic,
            lambda p, h, *a: h["run"]["epochs_done"] == EPOCHS,
        )
        monkeypatch.setattr(checkpoint_module, "write_npz_atomic", last)
    elif point == "last-epoch-line":
        last = signalling(signum, cli_progress.Progress.on_epoch, lambda s, e, *a: e == EPOCHS - 1)
        monkeypatch.setattr(cli_progress.Progress, "on_epoch", last)
    elif point == "during-save":
        monkeypatch.setattr(cli_outputs, "save", signalling(signum, cli_outputs.save))
    elif point == "final-evaluation":
        monkeypatch.setattr(cli_train, "_finish", signalling(signum, cli_train._finish))
    elif point == "report":
        pytest.importorskip("matplotlib")
        monkeypatch.setattr(cli_train, "write_report", signalling(signum, cli_train.write_report))
    else:
        pytest.importorskip("matplotlib")
        monkeypatch.setattr(cli_train, "write_curves", signalling(signum, cli_train.write_curves))
    extra = {"report": ["--report", str(tmp_path / "r.html")]}.get(point, [])
    extra += {"last-checkpoint": ["--checkpoint", str(tmp_path / "c.ckpt")]}.get(point, [])
    extra += {"plot": ["--plot", str(tmp_path / "p.png")]}.get(point, [])
    code, model = train(tmp_path, *extra)
    err = capsys.readouterr().err
    assert code == 128 + signum, err
    net, meta = load_with_meta(model)
    assert meta["epochs"] == EPOCHS
    assert all(np.isfinite(layer.weights).all() for layer in net.layers)
    assert ("terminated" if signum == signal.SIGTERM else "interrupted") in err


def test_more_signals_during_the_save_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    real = cli_outputs.save

    def save(*args: Any, **kwargs: Any) -> None:
        for signum in (signal.SIGINT, signal.SIGINT, signal.SIGTERM):
            os.kill(os.getpid(), signum)
        real(*args, **kwargs)

    monkeypatch.setattr(cli_outputs, "save", save)
    code, model = train(tmp_path)
    assert code == 130 and load_with_meta(model)[1]["epochs"] == EPOCHS


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_real_signal_right_after_an_epoch_line_keeps_the_model(
    signum: int, tmp_path: Path
) -> None:
    model = tmp_path / "m.npz"
    for attempt in range(3):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "perceptron",
                "train",
                "--data",
                "spiral",
                "--epochs",
                "2",
                "--layers",
                "400,400,3",
                "--save",
                str(model),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("Epoch 1:" if attempt else "Epoch 0:"):
                child.send_signal(signum)
                break
        child.communicate(timeout=120)
        assert child.returncode in (0, 128 + signum)
        load_with_meta(model)
        model.unlink()


def test_divergence_keeps_the_last_finite_weights_in_save(tmp_path: Path, capsys) -> None:
    code, model = train(
        tmp_path,
        "--lr",
        "1e3",
        "--activation",
        "relu",
        "--cost",
        "mse",
        "--output-activation",
        "identity",
        "--epochs",
        "50",
    )
    err = capsys.readouterr().err
    assert code == 1 and "last finite weights" in err and "saved the network" in err
    net, meta = load_with_meta(model)
    assert all(np.isfinite(layer.weights).all() for layer in net.layers)


class FullDisk(io.TextIOBase):
    """A stdout whose disk fills up after ``room`` writes."""

    def __init__(self, room: int) -> None:
        self.room = room

    def write(self, text: str) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= 1
        return len(text)

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize("room", [0, 4])
def test_a_full_disk_under_the_log_stops_the_log_not_the_run(
    room: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(sys, "stdout", FullDisk(room))
    code, model = train(tmp_path, "--epochs", "5")
    err = capsys.readouterr().err
    assert code == 1 and "No space left on device" in err and str(model) in err
    assert load_with_meta(model)[1]["epochs"] == 5


def test_a_closed_stdout_is_no_error(tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "perceptron",
            "train",
            "--data",
            "spiral",
            "--epochs",
            "1",
            "--save",
            str(model),
        ],
        preexec_fn=lambda: os.close(1),
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "isatty" not in done.stderr
    load_with_meta(model)


def test_a_full_log_in_one_run_does_not_fail_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stdout", FullDisk(0))
        assert train(tmp_path)[0] == 1
    assert train(tmp_path)[0] == 0
