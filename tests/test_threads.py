"""BLAS threads decided once per run (perceptron.threads), and the threads= options."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import perceptron as pc
from perceptron.threads import (
    FLOP_PER_THREAD,
    blas_threads,
    choose_threads,
    largest_product_flops,
)


def blas_count() -> int:
    return max(
        (lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), default=1
    )


def small_data(rows: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(rows, 4))
    return X, pc.one_hot((X[:, 0] > 0).astype(int), 2)


def test_the_rule_one_thread_unless_each_gets_100_mflop() -> None:
    net = pc.network([784, 100, 10], "relu", "cross_entropy", rng=0)
    # batch 10: 2 * 10 * 784 * 100 = 1.6 MFLOP, far below a thread's share
    assert largest_product_flops(net, 10) == 2 * 10 * 784 * 100
    assert choose_threads(net, 10, available=8, threads=None) == 1
    assert choose_threads(net, 200, available=8, threads=None) == 1
    big = pc.network([4096, 4096, 10], "relu", "cross_entropy", rng=0)
    flops = largest_product_flops(big, 100_000)  # capped at one block of 512 rows
    assert flops == 2 * 512 * 4096 * 4096
    assert choose_threads(big, 100_000, available=8, threads=None) == min(
        8, int(flops // FLOP_PER_THREAD)
    )
    assert choose_threads(big, 100_000, available=2, threads=None) == 2
    assert choose_threads(net, 10, available=8, threads=3) == 3  # an explicit count wins


def test_blas_threads_sets_and_restores_the_count() -> None:
    before = blas_count()
    net = pc.network([784, 100, 10], "relu", "cross_entropy", rng=0)
    with blas_threads(net, 10) as count:
        assert count == 1 and blas_count() == 1
    assert blas_count() == before
    with blas_threads(net, 10, threads=2) as count:
        assert count == 2 and blas_count() == 2
    assert blas_count() == before


def test_sgd_trains_on_the_chosen_threads_and_the_same_weights() -> None:
    X, Y = small_data()
    seen: list[int] = []
    nets = []
    for threads in (None, 1, 2):
        net = pc.network([4, 8, 2], "tanh", "cross_entropy", rng=1)
        pc.sgd(
            net, X, Y, 10, 2, 0.1, rng=2, engine="batch", threads=threads,
            on_epoch=lambda *_: seen.append(blas_count()),
        )  # fmt: skip
        nets.append(net)
    assert seen == [1, 1, 1, 1, 2, 2]
    for net in nets[1:]:
        for a, b in zip(net.layers, nets[0].layers, strict=True):
            np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_a_bad_thread_count_is_refused_and_changes_nothing(bad: object) -> None:
    X, Y = small_data()
    net = pc.network([4, 8, 2], "tanh", "cross_entropy", rng=1)
    before = [layer.weights.copy() for layer in net.layers]
    with pytest.raises((ValueError, TypeError), match="threads"):
        pc.sgd(net, X, Y, 10, 1, 0.1, rng=2, threads=bad)  # type: ignore[arg-type]
    for layer, weights in zip(net.layers, before, strict=True):
        np.testing.assert_array_equal(layer.weights, weights)


def test_without_threadpoolctl_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    X, Y = small_data()
    net = pc.network([4, 8, 2], "tanh", "cross_entropy", rng=1)
    with blas_threads(net, 10) as count:
        assert count is None
    history = pc.sgd(net, X, Y, 10, 2, 0.1, rng=2, threads=1)
    assert len(history.loss) == 2


def test_the_estimators_take_threads() -> None:
    pytest.importorskip("sklearn")
    from perceptron.sklearn import PerceptronClassifier

    X, Y = small_data()
    y = Y.argmax(axis=1)
    before = blas_count()
    clf = PerceptronClassifier((8,), epochs=2, random_state=0, threads=2)
    assert clf.get_params()["threads"] == 2
    clf.fit(X, y)
    assert blas_count() == before  # restored after fit
    one = PerceptronClassifier((8,), epochs=2, random_state=0, threads=1).fit(X, y)
    np.testing.assert_allclose(clf.net_.layers[0].weights, one.net_.layers[0].weights, rtol=1e-12)
    with pytest.raises(ValueError, match="threads"):
        PerceptronClassifier((8,), epochs=1, threads=0).fit(X, y)
