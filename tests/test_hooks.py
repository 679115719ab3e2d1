"""sgd's per-batch hook and the command line's progress bar built on it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import perceptron as pc
from perceptron import cli


@given(n=st.integers(1, 30), batchsize=st.integers(1, 40), epochs=st.integers(0, 3))
def test_on_batch_is_called_after_every_update(n: int, batchsize: int, epochs: int) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.random((n, 2)), rng.random((n, 1))
    net = pc.network([2, 3, 1], rng=0)
    calls: list[tuple[int, int, int]] = []
    pc.sgd(net, X, Y, batchsize, epochs, 0.1, rng=1, on_batch=lambda *a: calls.append(a))
    batches = -(-n // min(batchsize, n))
    assert calls == [(e, b, batches) for e in range(epochs) for b in range(batches)]


def test_on_batch_must_be_callable_and_a_refusal_changes_nothing() -> None:
    net = pc.network([2, 3, 1], rng=0)
    before = [layer.weights.copy() for layer in net.layers]
    with pytest.raises(TypeError, match="on_batch"):
        pc.sgd(net, np.zeros((4, 2)), np.zeros((4, 1)), 2, 1, 0.1, on_batch=3)  # type: ignore[arg-type]
    assert all(
        np.array_equal(b, layer.weights) for b, layer in zip(before, net.layers, strict=True)
    )


def test_an_error_from_on_batch_leaves_a_completed_update_and_the_history() -> None:
    net = pc.network([2, 3, 1], rng=0)
    X, Y = np.ones((6, 2)), np.ones((6, 1))

    def boom(epoch: int, batch: int, batches: int) -> None:
        if (epoch, batch) == (1, 1):
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError) as info:
        pc.sgd(net, X, Y, 2, 3, 0.1, shuffle=False, on_batch=boom)
    assert info.value.history.epochs == 1  # type: ignore[attr-defined]
    reference = pc.network([2, 3, 1], rng=0)
    pc.sgd(reference, X, Y, 2, 1, 0.1, shuffle=False)
    pc.sgd(reference, X[:4], Y[:4], 2, 1, 0.1, shuffle=False)
    for a, b in zip(net.layers, reference.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert not a.dC_dweights.any()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_train_draws_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    assert cli.main(["train", "--data", "xor", "--layers", "4,1", "--epochs", "2"]) == 0
    text = screen.getvalue()
    assert "\r\x1b[KEpoch 0: [" in text and "] 1/1 batches" in text
    assert "Epoch 1: " in text


def test_no_progress_bar_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--data", "xor", "--layers", "4,1", "--epochs", "2"]) == 0
    assert "[#" not in capsys.readouterr().out
