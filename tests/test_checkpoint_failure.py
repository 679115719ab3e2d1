"""A checkpoint that cannot be written mid-run: the work done so far is not lost.

``sgd`` raises :class:`CheckpointWriteError` (an ``OSError``) naming the file and
how many epochs the network holds; the network is whole, the checkpoint last
written is intact, and ``perceptron train --save`` still saves the network.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import perceptron as pc
from perceptron.cli import main
from perceptron.io import checkpoint as checkpoint_module
from perceptron.io.model import load_with_meta

X, LABELS = pc.spiral(10, 3, rng=0)
Y = pc.one_hot(LABELS, 3)


def make_net() -> pc.Network:
    return pc.network([2, 5, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)


def same_weights(a: pc.Network, b: pc.Network) -> bool:
    return all(
        np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
        for la, lb in zip(a.layers, b.layers, strict=True)
    )


def fail_write_number(monkeypatch: pytest.MonkeyPatch, n: int, code: int) -> None:
    """The n-th checkpoint write (from 1) fails as a full disk or a lost device would."""
    real = checkpoint_module.write_npz_atomic
    calls = {"count": 0}

    def flaky(*args: Any, **kwargs: Any) -> None:
        calls["count"] += 1
        if calls["count"] == n:
            raise OSError(code, "injected failure")
        real(*args, **kwargs)

    monkeypatch.setattr(checkpoint_module, "write_npz_atomic", flaky)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_sgd_names_the_file_and_the_epochs_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    fail_write_number(monkeypatch, 3, code)
    net, ckpt = make_net(), tmp_path / "run.ckpt"
    with pytest.raises(pc.CheckpointWriteError, match=r"run\.ckpt.*after epoch 2") as caught:
        pc.sgd(net, X, Y, 4, 6, 0.1, rng=2, optimizer=pc.Adam(), checkpoint=ckpt)
    assert caught.value.epochs_done == 3 and caught.value.history.epochs == 3
    assert isinstance(caught.value, OSError)
    # The network holds exactly three epochs, as an uninterrupted three-epoch run does.
    three = make_net()
    pc.sgd(three, X, Y, 4, 3, 0.1, rng=2, optimizer=pc.Adam())
    assert same_weights(net, three)
    assert all(not layer.dC_dweights.any() for layer in net.layers)
    # The checkpoint last written (after two epochs) is intact and resumes to the end.
    monkeypatch.undo()
    resumed = make_net()
    history = pc.sgd(resumed, X, Y, 4, 6, 0.1, rng=2, optimizer=pc.Adam(), checkpoint=ckpt)
    whole = make_net()
    pc.sgd(whole, X, Y, 4, 6, 0.1, rng=2, optimizer=pc.Adam())
    assert history.epochs == 6 and same_weights(resumed, whole)


def test_a_checkpoint_folder_removed_mid_run(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    folder.mkdir()

    def remove_after_first(epoch: int, history: pc.History, net: pc.Network) -> None:
        if epoch == 0:
            shutil.rmtree(folder)

    with pytest.raises(pc.CheckpointWriteError, match="after epoch 1") as caught:
        pc.sgd(make_net(), X, Y, 4, 4, 0.1, rng=2, checkpoint=folder / "run.ckpt",
               on_epoch=remove_after_first)  # fmt: skip
    assert caught.value.epochs_done == 2


def test_train_still_saves_when_a_checkpoint_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_write_number(monkeypatch, 2, errno.ENOSPC)
    model, ckpt = tmp_path / "model.npz", tmp_path / "run.ckpt"
    common = ["--data", "spiral", "--layers", "8,3", "--epochs", "5", "--lr", "0.5"]
    status = main(["train", *common, "--save", str(model), "--checkpoint", str(ckpt)])
    err = capsys.readouterr().err
    assert status == 1
    assert "error: checkpoint: could not write" in err
    assert "injected failure" in err
    assert "stopped after 2 complete epoch(s); saved the network" in err
    saved, meta = load_with_meta(model)
    assert meta["epochs"] == 2
    # What was saved is what two epochs of the same run give.
    monkeypatch.undo()
    two = tmp_path / "two.npz"
    assert main(["train", *common[:-4], "--epochs", "2", "--lr", "0.5", "--save", str(two)]) == 0
    assert same_weights(saved, load_with_meta(two)[0])


def test_train_without_save_says_nothing_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_write_number(monkeypatch, 1, errno.EIO)
    ckpt = tmp_path / "run.ckpt"
    argv = ["train", "--data", "xor", "--layers", "2,2", "--epochs", "3", "--checkpoint", str(ckpt)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "could not write" in err and "nothing saved (use --save PATH" in err
    assert "Traceback" not in err
