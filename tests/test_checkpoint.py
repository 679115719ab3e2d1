"""Checkpoints: resuming is bit-identical, a foreign one is refused, failed writes lose nothing."""

from __future__ import annotations

import errno
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron.cli import main
from perceptron.io import atomic as persistence
from perceptron.io import checkpoint as checkpoint_module
from perceptron.io.checkpoint import CheckpointMismatchError
from perceptron.io.model import load_with_meta

X, LABELS = pc.spiral(12, 3, rng=0)
Y = pc.one_hot(LABELS, 3)
EPOCHS = 5

OPTIMIZERS: dict[str, Callable[[], pc.Optimizer | None]] = {
    "plain": lambda: None,
    "momentum_decay": lambda: pc.SGD(momentum=0.9, decay=1e-2),
    "adam": lambda: pc.Adam(),
}


def make_net(dtype: Any = np.float64) -> pc.Network:
    return pc.network(
        [2, 6, 3], "relu", "cross_entropy", output_activation="softmax", rng=1, dtype=dtype
    )


def same_weights(a: pc.Network, b: pc.Network) -> bool:
    return all(
        np.array_equal(la.weights, lb.weights) and np.array_equal(la.bias, lb.bias)
        for la, lb in zip(a.layers, b.layers, strict=True)
    )


def run(
    net: pc.Network,
    optimizer: pc.Optimizer | None,
    epochs: int = EPOCHS,
    **kwargs: Any,
) -> pc.History:
    kwargs.setdefault("rng", 3)
    return pc.sgd(net, X, Y, 5, epochs, 0.05, optimizer=optimizer, **kwargs)


class Stop(Exception):
    pass


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("how", ["return_false", "exception"])
@given(stop_after=st.integers(1, EPOCHS - 1))
@settings(max_examples=4)
def test_resume_is_bit_identical(opt: str, how: str, stop_after: int) -> None:
    reference = make_net()
    history_a = run(reference, OPTIMIZERS[opt]())
    with tempfile.TemporaryDirectory() as folder:
        _interrupt_and_resume(Path(folder) / "run.ckpt", opt, how, stop_after, reference)
        assert run(make_net(), OPTIMIZERS[opt](), checkpoint=Path(folder) / "run.ckpt").loss == (
            history_a.loss
        )


def _interrupt_and_resume(
    path: Path, opt: str, how: str, stop_after: int, reference: pc.Network
) -> None:

    def stop(epoch: int, history: pc.History, net: pc.Network) -> bool:
        if epoch + 1 == stop_after:
            if how == "exception":
                raise Stop
            return False
        return True

    interrupted = make_net()
    if how == "exception":
        with pytest.raises(Stop) as info:
            run(interrupted, OPTIMIZERS[opt](), checkpoint=path, on_epoch=stop)
        assert info.value.history.epochs == stop_after  # type: ignore[attr-defined]
    else:
        assert run(interrupted, OPTIMIZERS[opt](), checkpoint=path, on_epoch=stop).epochs == (
            stop_after
        )
    assert not same_weights(interrupted, reference)

    # A fresh process: new network, new optimizer, same arguments.
    resumed = make_net()
    history_b = run(resumed, OPTIMIZERS[opt](), checkpoint=path)
    assert same_weights(resumed, reference)
    assert len(history_b.epoch_time) == EPOCHS


@pytest.mark.parametrize("engine", ["sample", "batch"])
def test_resume_with_the_same_objects_and_more_epochs(tmp_path: Path, engine: str) -> None:
    """Extending a finished run by more epochs equals one longer run."""
    reference = make_net()
    run(reference, pc.Adam(), epochs=6, engine=engine)
    net, optimizer = make_net(), pc.Adam()
    path = tmp_path / "run.ckpt"
    run(net, optimizer, epochs=2, engine=engine, checkpoint=path)
    history = run(net, optimizer, epochs=6, engine=engine, checkpoint=path)
    assert history.epochs == 6
    assert same_weights(net, reference)
    assert optimizer.t == 6 * 8


def test_a_finished_run_is_not_trained_again(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt"
    net = make_net()
    first = run(net, None, checkpoint=path)
    before = [layer.weights.copy() for layer in net.layers]
    again = run(net, None, checkpoint=path)
    assert again.loss == first.loss
    assert all(
        np.array_equal(w, layer.weights) for w, layer in zip(before, net.layers, strict=True)
    )


def test_early_stopping_state_is_resumed(tmp_path: Path) -> None:
    Xv, labels = pc.spiral(5, 3, rng=7)
    validation = (Xv, pc.one_hot(labels, 3))
    kwargs: dict[str, Any] = {"validation": validation, "patience": 2, "epochs": 12}
    reference = make_net()
    history_a = run(reference, pc.SGD(momentum=0.9), **kwargs)
    for stop_after in (1, 3, history_a.epochs):
        path = tmp_path / f"early{stop_after}.ckpt"
        run(
            make_net(),
            pc.SGD(momentum=0.9),
            checkpoint=path,
            on_epoch=lambda e, h, n, s=stop_after: e + 1 < s,
            **kwargs,
        )
        resumed = make_net()
        history_b = run(resumed, pc.SGD(momentum=0.9), checkpoint=path, **kwargs)
        assert same_weights(resumed, reference)
        assert history_b.val_loss == history_a.val_loss
        assert history_b.best_epoch == history_a.best_epoch
        assert history_b.stopped_early == history_a.stopped_early


def test_a_generator_rng_and_mt19937_resume(tmp_path: Path) -> None:
    def generator() -> np.random.Generator:
        return np.random.Generator(np.random.MT19937(5))

    reference = make_net()
    run(reference, None, rng=generator())
    path = tmp_path / "mt.ckpt"
    run(make_net(), None, rng=generator(), checkpoint=path, on_epoch=lambda e, h, n: e < 1)
    resumed = make_net()
    run(resumed, None, rng=generator(), checkpoint=path)
    assert same_weights(resumed, reference)


def test_the_checkpoint_holds_what_the_issue_lists(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt"
    net, optimizer = make_net(), pc.Adam()
    run(net, optimizer, epochs=2, checkpoint=path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    wanted = {"W0.npy", "b0.npy", "W1.npy", "b1.npy", "opt_t.npy", "opt_moment_0.npy"}
    assert wanted | {"opt_cache_3.npy"} <= names
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(data["header"].tobytes())
        assert np.array_equal(data["W1"], net.layers[1].weights)
        assert int(data["opt_t"][0]) == optimizer.t
        header_bytes = len(data["header"])
    assert header["run"]["epochs_done"] == 2
    assert header["optimizer"] == optimizer.config()
    assert header["run"]["rng"]["bit_generator"] == "PCG64"
    assert header["fingerprint"]["X"] == [36, 2] and header["fingerprint"]["Y"] == [36, 3]
    assert header["fingerprint"]["batchsize"] == 5
    # The history is in the companion file, one record an epoch: the header stays small.
    assert (tmp_path / "run.ckpt.history").stat().st_size == 16 + 2 * 32
    assert header_bytes < 4096
    # Only the checkpoint is left in the folder: no temporary files.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt", "run.ckpt.history"]


def test_a_crash_while_saving_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.ckpt"
    run(make_net(), None, epochs=2, checkpoint=path)
    before = path.read_bytes()
    real_replace = persistence.os.replace

    def crash(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(persistence.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt) as info:
        run(make_net(), None, epochs=4, checkpoint=path)
    monkeypatch.setattr(persistence.os, "replace", real_replace)
    assert path.read_bytes() == before
    assert info.value.history.epochs == 3  # type: ignore[attr-defined]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ckpt", "run.ckpt.history"]
    # ...and resuming from it still ends where an uninterrupted run ends.
    reference, resumed = make_net(), make_net()
    run(reference, None, epochs=4)
    run(resumed, None, epochs=4, checkpoint=path)
    assert same_weights(resumed, reference)


def _state(net: pc.Network, optimizer: pc.Optimizer | None) -> list[Any]:
    out: list[Any] = [(layer.weights.copy(), layer.bias.copy()) for layer in net.layers]
    if optimizer is not None:
        out.append(optimizer.t)
        out.extend(a.copy() for a in optimizer.state_dict().values())
    return out


def _equal(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1])
        if isinstance(x, tuple)
        else np.array_equal(x, y)
        for x, y in zip(a, b, strict=True)
    )


MISMATCHES: dict[str, Callable[[], tuple[pc.Network, pc.Optimizer | None, dict[str, Any]]]] = {
    "layer size": lambda: (
        pc.network([2, 7, 3], "relu", "cross_entropy", output_activation="softmax", rng=1),
        pc.Adam(),
        {},
    ),
    "activation": lambda: (
        pc.network([2, 6, 3], "tanh", "cross_entropy", output_activation="softmax", rng=1),
        pc.Adam(),
        {},
    ),
    "cost": lambda: (
        pc.network([2, 6, 3], "relu", "quadratic", output_activation="softmax", rng=1),
        pc.Adam(),
        {},
    ),
    "dtype": lambda: (make_net(np.float32), pc.Adam(), {}),
    "optimizer type": lambda: (make_net(), pc.SGD(momentum=0.9), {}),
    "optimizer config": lambda: (make_net(), pc.Adam(beta1=0.8), {}),
    "no optimizer": lambda: (make_net(), None, {}),
    "batch size": lambda: (make_net(), pc.Adam(), {"batchsize": 4}),
    "engine": lambda: (make_net(), pc.Adam(), {"engine": "batch"}),
    "data rows": lambda: (make_net(), pc.Adam(), {"X": X[:-1], "Y": Y[:-1]}),
    "data values": lambda: (make_net(), pc.Adam(), {"X": X + 1.0}),
    "lr": lambda: (make_net(), pc.Adam(), {"lr": 0.01}),
}


@pytest.mark.parametrize("what", sorted(MISMATCHES))
def test_a_foreign_checkpoint_is_refused_and_nothing_changes(tmp_path: Path, what: str) -> None:
    path = tmp_path / "run.ckpt"
    run(make_net(), pc.Adam(), epochs=2, checkpoint=path)
    saved = path.read_bytes()
    net, optimizer, changes = MISMATCHES[what]()
    # The optimizer has some state of its own, which must survive the refusal.
    if optimizer is not None:
        pc.sgd(net, X[:4], Y[:4], 2, 1, 0.01, rng=0, optimizer=optimizer)
    before = _state(net, optimizer)
    args: dict[str, Any] = {"X": X, "Y": Y, "batchsize": 5, "lr": 0.05}
    args.update(changes)
    with pytest.raises(CheckpointMismatchError) as info:
        pc.sgd(
            net,
            args["X"],
            args["Y"],
            args["batchsize"],
            4,
            args["lr"],
            rng=3,
            optimizer=optimizer,
            engine=changes.get("engine", "sample"),
            checkpoint=path,
        )
    assert isinstance(info.value, ValueError)
    assert "different run" in str(info.value) and "checkpoint path" in str(info.value)
    assert _equal(_state(net, optimizer), before)
    assert path.read_bytes() == saved


@pytest.mark.parametrize(
    ("checkpoint", "error"),
    [(3, TypeError), (["a"], TypeError), ("/nonexistent-folder/x.ckpt", ValueError)],
)
def test_a_bad_checkpoint_argument_is_refused_up_front(checkpoint: Any, error: type) -> None:
    net = make_net()
    before = _state(net, None)
    with pytest.raises(error, match="checkpoint"):
        run(net, None, checkpoint=checkpoint)
    assert _equal(_state(net, None), before)


def test_a_folder_as_checkpoint_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folder"):
        run(make_net(), None, checkpoint=tmp_path)


def test_a_custom_optimizer_is_checkpointed_through_its_state_dict(tmp_path: Path) -> None:
    """The checkpoint knows no optimizer class: a new one with its own state resumes."""

    class Halving(pc.Optimizer):
        moments = ("previous",)

        def deltas(self, grads: Any, lr: float) -> Any:
            # Δ = ½ lr (g + g_prev): a state that matters for the next step.
            steps = [0.5 * lr * (g + p) for g, p in zip(grads, self.state["previous"], strict=True)]
            return steps, {"previous": [g.copy() for g in grads]}

    path = tmp_path / "x.ckpt"
    reference, resumed = make_net(), make_net()
    run(reference, Halving(), epochs=4)
    with pytest.raises(KeyboardInterrupt):
        run(resumed, Halving(), epochs=4, checkpoint=path, on_epoch=_stop_after(2))
    resumed_again = make_net()
    run(resumed_again, Halving(), epochs=4, checkpoint=path)
    assert same_weights(resumed_again, reference)


def _stop_after(n: int) -> Any:
    def on_epoch(epoch: int, history: Any, net: Any) -> None:
        if epoch + 1 == n:
            raise KeyboardInterrupt

    return on_epoch


def test_a_model_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    net = make_net()
    pc.save(net, path)
    before = _state(net, None)
    with pytest.raises(pc.ModelFileError, match="not a perceptron checkpoint"):
        run(net, None, checkpoint=path)
    assert _equal(_state(net, None), before)


TRAIN = [
    *("train", "--data", "spiral", "--activation", "relu", "--output-activation", "softmax"),
    *("--cost", "cross_entropy", "--init", "default", "--optimizer", "adam", "--lr", "0.01"),
]


def test_the_command_line_resumes_bit_identically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from perceptron.cli import main

    ckpt, a, b = (str(tmp_path / name) for name in ("run.ckpt", "a.npz", "b.npz"))
    assert main([*TRAIN, "--epochs", "4", "--save", a]) == 0
    assert main([*TRAIN, "--epochs", "2", "--checkpoint", ckpt]) == 0
    assert main([*TRAIN, "--epochs", "4", "--checkpoint", ckpt, "--save", b]) == 0
    out = capsys.readouterr().out
    assert "Resuming from the checkpoint" in out
    assert same_weights(pc.load(a), pc.load(b))
    # Another network on the same checkpoint: refused, exit status 1, one clear line.
    assert main([*TRAIN, "--epochs", "4", "--layers", "20,3", "--checkpoint", ckpt]) == 1
    err = capsys.readouterr().err
    assert "different run" in err and "network" in err


def test_a_long_run_checkpoints_in_constant_size_and_resumes(tmp_path: Path) -> None:
    """Each save writes as many bytes however long the run: the history grows only in
    the companion file, by one fixed-size record an epoch (the old header-held history
    made checkpoints past ~24,000 epochs unreadable)."""
    X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    sizes: dict[int, int] = {}
    path = tmp_path / "long.ckpt"

    def watch(epoch: int, history: pc.History, net: pc.Network) -> None:
        if epoch in (9, 2999):
            sizes[epoch] = path.stat().st_size

    net = pc.network([2, 2, 1], rng=0)
    pc.sgd(net, X, Y, 2, 3000, 0.5, rng=0, checkpoint=path, on_epoch=watch)
    assert abs(sizes[2999] - sizes[9]) <= 8  # only the digits of the epoch counts grow
    assert (tmp_path / "long.ckpt.history").stat().st_size == 16 + 32 * 3000
    # Resuming reads all 3,000 records and goes on where it stopped.
    again = pc.network([2, 2, 1], rng=0)
    history = pc.sgd(again, X, Y, 2, 3002, 0.5, rng=0, checkpoint=path)
    straight = pc.network([2, 2, 1], rng=0)
    expected = pc.sgd(straight, X, Y, 2, 3002, 0.5, rng=0)
    assert history.loss == expected.loss and len(history.loss) == 3002
    assert np.array_equal(again.layers[0].weights, straight.layers[0].weights)


def test_saves_keep_permissions_clean_up_after_killed_writers_and_leave_the_umask(
    tmp_path: Path,
) -> None:
    import os
    import stat
    import subprocess
    import sys

    net = pc.network([2, 3, 1], rng=0)
    target = tmp_path / "m.npz"
    before = os.umask(0o027)
    os.umask(before)
    pc.save(net, target)
    after = os.umask(0o022)
    os.umask(after)
    assert after == before  # save never touched the process's umask
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~before
    target.chmod(0o600)
    pc.save(net, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # a re-save keeps the mode
    # A temporary file of a writer that was killed: its process id no longer exists.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".m.npz.{gone}.abc123.tmp"
    stale.write_bytes(b"half a model")
    mine = tmp_path / f".m.npz.{os.getpid()}.zzz.tmp"  # a live writer's (ours): kept
    mine.write_bytes(b"in progress")
    other = tmp_path / f".other.npz.{gone}.abc.tmp"  # another file's: not ours to judge
    other.write_bytes(b"x")
    pc.save(net, target)
    assert not stale.exists() and mine.exists() and other.exists()


# A checkpoint that cannot be written mid-run: sgd raises CheckpointWriteError (an OSError)
# naming the file and the epochs the network holds; the network is whole, the checkpoint last
# written is intact, and `perceptron train --save` still saves the network.


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
