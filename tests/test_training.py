"""sgd's training features: validation, on_epoch, patience, l2, History; predict, accuracy."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perceptron import (
    SGD,
    Adam,
    History,
    Network,
    accuracy,
    add_layer,
    feedforward,
    network,
    one_hot,
    predict,
    sgd,
    spiral,
)

X_TRAIN, LABELS_TRAIN = spiral(10, 3, rng=0)
Y_TRAIN = one_hot(LABELS_TRAIN, 3)
X_VAL, LABELS_VAL = spiral(30, 3, rng=1)
Y_VAL = one_hot(LABELS_VAL, 3)


def classifier(seed: int = 0, hidden: int = 32) -> Network:
    return network(
        [2, hidden, 3],
        activation="relu",
        cost="cross_entropy",
        output_activation="softmax",
        rng=seed,
    )


def params(net: Network) -> list[np.ndarray]:
    return [a.copy() for layer in net.layers for a in (layer.weights, layer.bias)]


def hand_cross_entropy(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    """−mean Σ y log softmax(z), from the weights directly (log-softmax, no clipping)."""
    a = X.T
    for layer in net.layers[:-1]:
        a = np.maximum(layer.weights @ a + layer.bias, 0.0)
    z = net.layers[-1].weights @ a + net.layers[-1].bias
    log_p = z - z.max(axis=0) - np.log(np.exp(z - z.max(axis=0)).sum(axis=0))
    return float(-np.mean((Y.T * log_p).sum(axis=0)))


# ---------------------------------------------------------------------------
# a 2-3-2 tanh/identity network under ½‖a − y‖², updated by hand
# ---------------------------------------------------------------------------


def tiny(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    net = Network(2, "quadratic")
    add_layer(net, 3, "tanh")
    add_layer(net, 2, "identity")
    for layer in net.layers:
        layer.weights[...] = rng.normal(0.0, 0.8, layer.weights.shape)
        layer.bias[...] = rng.normal(0.0, 0.5, layer.bias.shape)
    return net


def hand_epoch(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    batchsize: int,
    lr: float,
    l2: float,
    momentum: float = 0.0,
) -> tuple[list[np.ndarray], float]:
    """One unshuffled epoch by hand: per batch, the mean gradient, + (λ/N)·W on the
    weights only, then θ ← θ + v with v = μ v − lr g. Returns the parameters and
    the mean per-sample loss before each batch's update (no penalty)."""
    W1, b1, W2, b2 = params(net)
    velocity = [np.zeros_like(p) for p in (W1, b1, W2, b2)]
    N, total = len(X), 0.0
    for begin in range(0, N, batchsize):
        x, y = X[begin : begin + batchsize].T, Y[begin : begin + batchsize].T
        n = x.shape[1]
        a1 = np.tanh(W1 @ x + b1)
        a2 = W2 @ a1 + b2
        total += float(0.5 * ((a2 - y) ** 2).sum())
        d2 = a2 - y
        d1 = (1 - a1**2) * (W2.T @ d2)
        grads = [
            d1 @ x.T / n + (l2 / N) * W1,
            d1.sum(axis=1, keepdims=True) / n,
            d2 @ a1.T / n + (l2 / N) * W2,
            d2.sum(axis=1, keepdims=True) / n,
        ]
        for i, g in enumerate(grads):
            velocity[i] = momentum * velocity[i] - lr * g
        W1, b1, W2, b2 = (p + v for p, v in zip((W1, b1, W2, b2), velocity, strict=True))
    return [W1, b1, W2, b2], total / N


@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("l2", [0.0, 0.3, 5.0])
def test_l2_and_history_loss_against_a_hand_computation(l2: float, momentum: float) -> None:
    """N = 7 rows, batches of 3, 3, 1: the penalty is (λ/N)·W, not (λ/batch)·W; the
    biases get none; History.loss is the mean training loss without the penalty."""
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    net = tiny(1)
    expected, expected_loss = hand_epoch(net, X, Y, 3, 0.1, l2, momentum)
    optimizer = SGD(momentum=momentum) if momentum else None
    history = sgd(net, X, Y, 3, 1, 0.1, shuffle=False, l2=l2, optimizer=optimizer)
    for got, want in zip(params(net), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert history.loss[0] == pytest.approx(expected_loss, rel=1e-12)


def test_l2_is_off_by_default_and_zero_is_off() -> None:
    a, b = classifier(3), classifier(3)
    sgd(a, X_TRAIN, Y_TRAIN, 4, 2, 0.1, rng=0)
    sgd(b, X_TRAIN, Y_TRAIN, 4, 2, 0.1, rng=0, l2=0.0)
    for x, y in zip(params(a), params(b), strict=True):
        np.testing.assert_array_equal(x, y)


def test_l2_shrinks_the_weights() -> None:
    plain, shrunk = classifier(2), classifier(2)
    sgd(plain, X_TRAIN, Y_TRAIN, 30, 30, 0.1, rng=0, optimizer=Adam())
    sgd(shrunk, X_TRAIN, Y_TRAIN, 30, 30, 0.1, rng=0, optimizer=Adam(), l2=30.0)
    norm = [sum(float((layer.weights**2).sum()) for layer in n.layers) for n in (plain, shrunk)]
    assert norm[1] < norm[0]


@pytest.mark.parametrize(
    "bad, error", [(-0.1, ValueError), (math.nan, ValueError), ("1", TypeError)]
)
def test_bad_l2_is_refused(bad: object, error: type) -> None:
    net = classifier()
    before = params(net)
    with pytest.raises(error, match="l2"):
        sgd(net, X_TRAIN, Y_TRAIN, 4, 1, 0.1, l2=bad)  # type: ignore[arg-type]
    for a, b in zip(before, params(net), strict=True):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# validation, History, on_epoch
# ---------------------------------------------------------------------------


def test_validation_loss_and_accuracy_per_epoch() -> None:
    seen: list[tuple[float, float]] = []

    def on_epoch(epoch: int, history: History, net: Network) -> None:
        seen.append((hand_cross_entropy(net, X_VAL, Y_VAL), accuracy(net, X_VAL, LABELS_VAL)))

    net = classifier()
    history = sgd(
        net,
        X_TRAIN,
        Y_TRAIN,
        8,
        6,
        0.05,
        rng=1,
        optimizer=Adam(),
        validation=(X_VAL, Y_VAL),
        on_epoch=on_epoch,
    )
    assert history.epochs == 6
    assert len(history.loss) == len(history.val_loss) == len(history.val_accuracy) == 6
    assert len(history.epoch_time) == 6 and all(t >= 0 for t in history.epoch_time)
    np.testing.assert_allclose(history.val_loss, [s[0] for s in seen], rtol=1e-10)
    np.testing.assert_array_equal(history.val_accuracy, [s[1] for s in seen])
    assert history.loss[-1] < history.loss[0]
    assert history.best_epoch is None and not history.stopped_early


def test_no_validation_leaves_its_lists_empty() -> None:
    history = sgd(classifier(), X_TRAIN, Y_TRAIN, 8, 3, 0.05, rng=1)
    assert history.val_loss == [] and history.val_accuracy == []
    assert len(history.loss) == len(history.epoch_time) == 3


def test_validation_accuracy_is_nan_unless_one_hot() -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(12, 2))
    net = tiny(0)
    history = sgd(net, X, Y, 4, 3, 0.05, rng=0, validation=(X[:5], Y[:5]))
    assert all(math.isnan(a) for a in history.val_accuracy)
    out = predict(net, X[:5])
    assert history.val_loss[-1] == pytest.approx(0.5 * ((out - Y[:5]) ** 2).sum(axis=1).mean())


@pytest.mark.parametrize(
    "validation, error",
    [
        ((X_VAL, Y_VAL[:-1]), ValueError),
        ((X_VAL[:, :1], Y_VAL), ValueError),
        (X_VAL, TypeError),
        ((X_VAL, LABELS_VAL), ValueError),
    ],
)
def test_bad_validation_is_refused(validation: object, error: type) -> None:
    with pytest.raises(error, match="validation"):
        sgd(classifier(), X_TRAIN, Y_TRAIN, 4, 1, 0.1, validation=validation)  # type: ignore[arg-type]


@settings(max_examples=10)
@given(stop_at=st.integers(0, 4))
def test_on_epoch_is_called_after_each_epoch_and_false_stops(stop_at: int) -> None:
    calls: list[tuple[int, int]] = []
    net = classifier()

    def on_epoch(epoch: int, history: History, got: Network) -> bool | None:
        assert got is net
        calls.append((epoch, history.epochs))
        return False if epoch == stop_at else None  # None (no return) goes on

    history = sgd(net, X_TRAIN, Y_TRAIN, 16, 10, 0.05, rng=0, on_epoch=on_epoch)
    assert calls == [(e, e + 1) for e in range(stop_at + 1)]
    assert history.epochs == stop_at + 1


def test_an_error_from_on_epoch_carries_the_history() -> None:
    def on_epoch(epoch: int, history: History, net: Network) -> None:
        if epoch == 2:
            raise RuntimeError("stop here")

    net = classifier()
    with pytest.raises(RuntimeError, match="stop here") as caught:
        sgd(net, X_TRAIN, Y_TRAIN, 8, 10, 0.05, rng=0, on_epoch=on_epoch, validation=(X_VAL, Y_VAL))
    history = caught.value.history  # type: ignore[attr-defined]
    assert isinstance(history, History)
    assert history.epochs == 3 and len(history.val_loss) == 3
    # the network is at its last completed update and trains on afterwards
    assert net.accumulated == 0
    sgd(net, X_TRAIN, Y_TRAIN, 8, 1, 0.05, rng=0)


def test_on_epoch_must_be_callable() -> None:
    with pytest.raises(TypeError, match="on_epoch"):
        sgd(classifier(), X_TRAIN, Y_TRAIN, 4, 1, 0.1, on_epoch=3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# early stopping
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("patience", [1, 2, 3, 5])
def test_patience_stops_and_restores_the_best_weights(patience: int) -> None:
    snapshots: list[list[np.ndarray]] = []

    def on_epoch(epoch: int, history: History, net: Network) -> None:
        snapshots.append(params(net))

    net = classifier()
    history = sgd(
        net,
        X_TRAIN,
        Y_TRAIN,
        10,
        200,
        0.05,
        rng=0,
        optimizer=Adam(),
        validation=(X_VAL, Y_VAL),
        patience=patience,
        on_epoch=on_epoch,
    )
    assert history.stopped_early
    best = history.best_epoch
    assert best is not None and 0 < best < history.epochs - 1
    assert best == int(np.argmin(history.val_loss))
    # it waited exactly `patience` epochs without a lower validation loss
    assert history.epochs == best + patience + 1
    assert min(history.val_loss[best + 1 :]) >= history.val_loss[best]
    for got, want in zip(params(net), snapshots[best], strict=True):
        np.testing.assert_array_equal(got, want)
    # the restore is real: the last epoch's weights differ from the best ones
    assert not np.array_equal(snapshots[-1][0], snapshots[best][0])
    assert hand_cross_entropy(net, X_VAL, Y_VAL) == pytest.approx(history.val_loss[best])


def test_patience_without_running_out_still_restores_the_best() -> None:
    snapshots: list[list[np.ndarray]] = []
    net = classifier()
    history = sgd(
        net,
        X_TRAIN,
        Y_TRAIN,
        10,
        12,
        0.05,
        rng=0,
        optimizer=Adam(),
        validation=(X_VAL, Y_VAL),
        patience=100,
        on_epoch=lambda e, h, n: snapshots.append(params(n)),
    )
    assert history.epochs == 12 and not history.stopped_early
    best = history.best_epoch
    assert best == int(np.argmin(history.val_loss))
    for got, want in zip(params(net), snapshots[best], strict=True):  # type: ignore[index]
        np.testing.assert_array_equal(got, want)


def test_patience_needs_validation_and_a_positive_int() -> None:
    with pytest.raises(ValueError, match="patience"):
        sgd(classifier(), X_TRAIN, Y_TRAIN, 4, 1, 0.1, patience=3)
    with pytest.raises(ValueError, match="patience"):
        sgd(classifier(), X_TRAIN, Y_TRAIN, 4, 1, 0.1, patience=0, validation=(X_VAL, Y_VAL))
    with pytest.raises(TypeError, match="patience"):
        sgd(classifier(), X_TRAIN, Y_TRAIN, 4, 1, 0.1, patience=2.5, validation=(X_VAL, Y_VAL))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# predict and accuracy
# ---------------------------------------------------------------------------


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 12))
def test_predict_is_feedforward_row_by_row(seed: int, n: int) -> None:
    net = classifier(seed, hidden=5)
    X = np.random.default_rng(seed).normal(size=(n, 2))
    out = predict(net, X)
    assert out.shape == (n, 3)
    for x, row in zip(X, out, strict=True):
        np.testing.assert_allclose(row, feedforward(net, x).ravel(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_predict_accepts_a_vector_for_one_input_and_refuses_wrong_widths() -> None:
    net = network([1, 3, 1], activation="tanh", rng=0)
    assert predict(net, [0.1, 0.2, 0.3]).shape == (3, 1)
    with pytest.raises(ValueError, match="X"):
        predict(classifier(), np.zeros((4, 3)))
    with pytest.raises(TypeError, match="net"):
        predict("net", X_TRAIN)  # type: ignore[arg-type]


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000))
def test_accuracy_with_labels_or_one_hot(seed: int) -> None:
    net = classifier(seed, hidden=5)
    expected = float(np.mean(predict(net, X_VAL).argmax(axis=1) == LABELS_VAL))
    assert accuracy(net, X_VAL, LABELS_VAL) == expected
    assert accuracy(net, X_VAL, Y_VAL) == expected
    assert accuracy(net, X_VAL, LABELS_VAL.astype(float)) == expected
    assert accuracy(net, X_VAL, LABELS_VAL.reshape(-1, 1)) == expected


def test_accuracy_is_one_for_the_network_own_predictions() -> None:
    net = classifier(4)
    own = predict(net, X_VAL).argmax(axis=1)
    assert accuracy(net, X_VAL, own) == 1.0
    assert accuracy(net, X_VAL, (own + 1) % 3) == 0.0


def test_accuracy_with_a_single_output_rounds_at_a_half() -> None:
    net = network([2, 3, 1], activation="tanh", output_activation="sigmoid", rng=0)
    X = np.random.default_rng(0).normal(size=(20, 2))
    predicted = (predict(net, X)[:, 0] >= 0.5).astype(int)
    assert accuracy(net, X, predicted) == 1.0
    assert accuracy(net, X, 1 - predicted) == 0.0


@pytest.mark.parametrize(
    "Y",
    [
        np.full(90, 3),  # label beyond the outputs
        np.full(90, -1),
        np.full(90, 0.5),
        np.zeros(89, dtype=int),  # wrong number of rows
        np.zeros((90, 4)),  # one-hot of the wrong width
    ],
)
def test_accuracy_refuses_bad_labels(Y: np.ndarray) -> None:
    with pytest.raises(ValueError, match="Y"):
        accuracy(classifier(), X_VAL, Y)


def test_accuracy_refuses_labels_other_than_0_1_for_one_output() -> None:
    net = network([2, 3, 1], activation="tanh", output_activation="sigmoid", rng=0)
    with pytest.raises(ValueError, match="Y"):
        accuracy(net, X_VAL[:3], [0, 1, 2])


# ---------------------------------------------------------------------------
# scripts/spiral.py (seed 003's experiment) in --quick mode
# ---------------------------------------------------------------------------


def test_spiral_script_quick(scripts_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(scripts_dir / "spiral.py"),
            "--quick",
            "--plot",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "SGD(momentum=0.9" in out and "Adam(" in out and "held-out" in out
    assert "l2=0.01" in out and "1000 per class" in out
    if importlib.util.find_spec("matplotlib") is None:
        assert 'pip install ".[plot]"' in out
    else:
        assert (tmp_path / "spiral_regions.png").stat().st_size > 0
        assert (tmp_path / "spiral_loss.png").stat().st_size > 0
