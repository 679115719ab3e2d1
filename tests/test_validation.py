"""Bad input is refused with a ValueError/TypeError that names the argument, and the
refused call leaves the network exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import perceptron as pc

NAN, INF = float("nan"), float("inf")

X_OK = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [-0.1, 0.0, 0.2]])
Y_OK = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])  # probability vectors: any cost


def busy_net(cost: str = "quadratic") -> pc.Network:
    """A 3-4-2 network in mid-batch: caches filled, one sample accumulated."""
    net = pc.Network(3, cost)
    pc.add_layer(net, 4, "sigmoid", rng=0)
    pc.add_layer(net, 2, "softmax" if cost == "cross_entropy" else "sigmoid", rng=1)
    pc.feedforward(net, X_OK[0])
    pc.backpropagate(net, X_OK[0], Y_OK[0])
    pc.feedforward(net, X_OK[1])
    return net


def state(net: pc.Network) -> dict[str, Any]:
    """Everything a refused call must not touch."""
    layers = [
        {
            name: np.array(getattr(layer, name), copy=True)
            for name in (
                "weights",
                "bias",
                "linear_out",
                "activated_out",
                "dC_dlinear",
                "dC_dweights",
                "dC_dbias",
            )
        }
        for layer in net.layers
    ]
    return {
        "layers": layers,
        "count": len(net.layers),
        "accumulated": net.accumulated,
        "inputdim": net.inputdim,
        "cost": net.cost,
    }


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["count"] == b["count"] and a["accumulated"] == b["accumulated"]
    assert a["inputdim"] == b["inputdim"] and a["cost"] is b["cost"]
    for la, lb in zip(a["layers"], b["layers"], strict=True):
        for name in la:
            assert np.array_equal(la[name], lb[name]), name


Call = Callable[[pc.Network], Any]

# (id, the call, expected exception, the argument its message must name)
CASES: list[tuple[str, Call, type[Exception], str]] = [
    # feedforward
    ("ff x too short", lambda n: pc.feedforward(n, [0.1, 0.2]), ValueError, "x"),
    ("ff x too long", lambda n: pc.feedforward(n, np.zeros((4, 1))), ValueError, "x"),
    ("ff x a row", lambda n: pc.feedforward(n, np.zeros((1, 3))), ValueError, "x"),
    ("ff x a matrix", lambda n: pc.feedforward(n, np.zeros((3, 2))), ValueError, "x"),
    ("ff x 3-D", lambda n: pc.feedforward(n, np.zeros((3, 1, 1))), ValueError, "x"),
    ("ff x NaN", lambda n: pc.feedforward(n, [0.1, NAN, 0.3]), ValueError, "x"),
    ("ff x inf", lambda n: pc.feedforward(n, [0.1, -INF, 0.3]), ValueError, "x"),
    ("ff x string", lambda n: pc.feedforward(n, "0.1 0.2 0.3"), TypeError, "x"),
    ("ff x strings", lambda n: pc.feedforward(n, ["0.1", "0.2", "0.3"]), TypeError, "x"),
    ("ff x None", lambda n: pc.feedforward(n, None), TypeError, "x"),
    ("ff x complex", lambda n: pc.feedforward(n, np.ones(3) * 1j), TypeError, "x"),
    ("ff x ragged", lambda n: pc.feedforward(n, [[0.1], [0.2, 0.3]]), TypeError, "x"),
    ("ff net", lambda n: pc.feedforward("net", [0.1, 0.2, 0.3]), TypeError, "net"),
    # backpropagate
    ("bp y too long", lambda n: pc.backpropagate(n, X_OK[1], [0.0, 1.0, 0.0]), ValueError, "y"),
    ("bp y NaN", lambda n: pc.backpropagate(n, X_OK[1], [NAN, 1.0]), ValueError, "y"),
    ("bp y string", lambda n: pc.backpropagate(n, X_OK[1], "01"), TypeError, "y"),
    ("bp other x", lambda n: pc.backpropagate(n, X_OK[2], Y_OK[2]), ValueError, "x"),
    ("bp x short", lambda n: pc.backpropagate(n, [0.4, 0.5], Y_OK[1]), ValueError, "x"),
    # update
    ("update lr 0", lambda n: pc.update(n, 0.0), ValueError, "lr"),
    ("update lr < 0", lambda n: pc.update(n, -0.1), ValueError, "lr"),
    ("update lr NaN", lambda n: pc.update(n, NAN), ValueError, "lr"),
    ("update lr inf", lambda n: pc.update(n, INF), ValueError, "lr"),
    ("update lr str", lambda n: pc.update(n, "0.1"), TypeError, "lr"),
    ("update lr bool", lambda n: pc.update(n, True), TypeError, "lr"),
    ("update lr None", lambda n: pc.update(n, None), TypeError, "lr"),
    ("update optimizer", lambda n: pc.update(n, 0.1, optimizer="adam"), TypeError, "optimizer"),
    # sgd
    (
        "sgd X empty",
        lambda n: pc.sgd(n, np.empty((0, 3)), np.empty((0, 2)), 1, 1, 0.1),
        ValueError,
        "X",
    ),
    ("sgd X []", lambda n: pc.sgd(n, [], [], 1, 1, 0.1), ValueError, "X"),
    ("sgd X width", lambda n: pc.sgd(n, X_OK[:, :2], Y_OK, 1, 1, 0.1), ValueError, "X"),
    ("sgd X 1-D", lambda n: pc.sgd(n, X_OK[0], Y_OK[0], 1, 1, 0.1), ValueError, "X"),
    (
        "sgd X NaN",
        lambda n: pc.sgd(n, np.where(X_OK > 0.5, NAN, X_OK), Y_OK, 1, 1, 0.1),
        ValueError,
        "X",
    ),
    ("sgd X inf", lambda n: pc.sgd(n, X_OK + INF, Y_OK, 1, 1, 0.1), ValueError, "X"),
    ("sgd X strings", lambda n: pc.sgd(n, X_OK.astype(str), Y_OK, 1, 1, 0.1), TypeError, "X"),
    ("sgd X str", lambda n: pc.sgd(n, "X.csv", Y_OK, 1, 1, 0.1), TypeError, "X"),
    ("sgd Y width", lambda n: pc.sgd(n, X_OK, Y_OK[:, :1], 1, 1, 0.1), ValueError, "Y"),
    ("sgd Y NaN", lambda n: pc.sgd(n, X_OK, Y_OK * NAN, 1, 1, 0.1), ValueError, "Y"),
    ("sgd X, Y lengths", lambda n: pc.sgd(n, X_OK, Y_OK[:2], 1, 1, 0.1), ValueError, "X and Y"),
    ("sgd batchsize 0", lambda n: pc.sgd(n, X_OK, Y_OK, 0, 1, 0.1), ValueError, "batchsize"),
    ("sgd batchsize < 0", lambda n: pc.sgd(n, X_OK, Y_OK, -2, 1, 0.1), ValueError, "batchsize"),
    ("sgd batchsize 1.5", lambda n: pc.sgd(n, X_OK, Y_OK, 1.5, 1, 0.1), TypeError, "batchsize"),
    ("sgd batchsize str", lambda n: pc.sgd(n, X_OK, Y_OK, "2", 1, 0.1), TypeError, "batchsize"),
    ("sgd epochs < 0", lambda n: pc.sgd(n, X_OK, Y_OK, 1, -1, 0.1), ValueError, "epochs"),
    ("sgd epochs str", lambda n: pc.sgd(n, X_OK, Y_OK, 1, "3", 0.1), TypeError, "epochs"),
    ("sgd lr 0", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.0), ValueError, "lr"),
    ("sgd lr < 0", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, -1.0), ValueError, "lr"),
    ("sgd lr NaN", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, NAN), ValueError, "lr"),
    ("sgd lr inf", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, INF), ValueError, "lr"),
    ("sgd lr str", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, "0.1"), TypeError, "lr"),
    ("sgd rng str", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, rng="seed"), TypeError, "rng"),
    ("sgd rng < 0", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, rng=-1), ValueError, "rng"),
    ("sgd shuffle", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, shuffle="no"), TypeError, "shuffle"),
    ("sgd engine", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, engine="gpu"), ValueError, "engine"),
    ("sgd l2 < 0", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, l2=-1.0), ValueError, "l2"),
    (
        "sgd patience alone",
        lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, patience=2),
        ValueError,
        "patience",
    ),
    ("sgd on_epoch", lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, on_epoch=3), TypeError, "on_epoch"),
    (
        "sgd validation",
        lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, validation=X_OK),
        TypeError,
        "validation",
    ),
    (
        "sgd optimizer",
        lambda n: pc.sgd(n, X_OK, Y_OK, 1, 1, 0.1, optimizer=0.9),
        TypeError,
        "optimizer",
    ),
    ("sgd net", lambda n: pc.sgd([n], X_OK, Y_OK, 1, 1, 0.1), TypeError, "net"),
    # add_layer
    ("add_layer outsize 0", lambda n: pc.add_layer(n, 0, "relu"), ValueError, "outsize"),
    ("add_layer outsize str", lambda n: pc.add_layer(n, "5", "relu"), TypeError, "outsize"),
    ("add_layer outsize float", lambda n: pc.add_layer(n, 5.0, "relu"), TypeError, "outsize"),
    ("add_layer activation", lambda n: pc.add_layer(n, 5, "swish"), ValueError, "activation"),
    ("add_layer activation type", lambda n: pc.add_layer(n, 5, 3), TypeError, "activation"),
    ("add_layer init", lambda n: pc.add_layer(n, 5, "relu", init="lecun"), ValueError, "init"),
    ("add_layer rng", lambda n: pc.add_layer(n, 5, "relu", rng=1.5), TypeError, "rng"),
    # predict and gradient_check share the checks
    ("predict X width", lambda n: pc.predict(n, np.zeros((2, 4))), ValueError, "X"),
    (
        "gradient_check eps",
        lambda n: pc.gradient_check(n, X_OK[0], Y_OK[0], eps=0.0),
        ValueError,
        "eps",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "argument"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_and_changes_nothing(
    call: Call, error: type[Exception], argument: str
) -> None:
    net = busy_net()
    before = state(net)
    with pytest.raises(error) as info:
        call(net)
    assert str(info.value).startswith(argument), str(info.value)
    assert_same(before, state(net))
    # The network still works: the pending sample can be finished and applied.
    pc.backpropagate(net, X_OK[1], Y_OK[1])
    pc.update(net, 0.1)


CROSS_ENTROPY_TARGETS = {
    "not summing to 1": [0.3, 0.3],
    "negative": [1.5, -0.5],
    "all zero": [0.0, 0.0],
    "labels not one-hot": [1.0, 1.0],
}


@pytest.mark.parametrize("target", CROSS_ENTROPY_TARGETS.values(), ids=CROSS_ENTROPY_TARGETS)
def test_cross_entropy_refuses_targets_that_are_not_probability_vectors(
    target: list[float],
) -> None:
    net = busy_net("cross_entropy")
    before = state(net)
    with pytest.raises(ValueError, match="^y: cross_entropy needs each target"):
        pc.backpropagate(net, X_OK[1], target)
    bad_rows = Y_OK.copy()
    bad_rows[2] = target
    with pytest.raises(ValueError, match="^Y: cross_entropy needs each target"):
        pc.sgd(net, X_OK, bad_rows, 1, 1, 0.1)
    with pytest.raises(ValueError, match="^validation Y: cross_entropy"):
        pc.sgd(net, X_OK, Y_OK, 1, 1, 0.1, validation=(X_OK, bad_rows))
    assert_same(before, state(net))


def test_a_network_with_no_layers_is_refused() -> None:
    net = pc.Network(3, "quadratic")
    for call in (
        lambda: pc.feedforward(net, [0.1, 0.2, 0.3]),
        lambda: pc.backpropagate(net, [0.1, 0.2, 0.3], [1.0]),
        lambda: pc.update(net, 0.1),
        lambda: pc.sgd(net, X_OK, Y_OK, 1, 1, 0.1),
        lambda: pc.predict(net, X_OK),
        lambda: pc.gradient_check(net, [0.1, 0.2, 0.3], [1.0]),
    ):
        with pytest.raises(ValueError, match="^net: the network has no layers"):
            call()
    assert net.layers == [] and net.accumulated == 0


def test_update_with_nothing_accumulated_is_refused() -> None:
    net = busy_net()
    pc.update(net, 0.1)
    before = state(net)
    with pytest.raises(ValueError, match="^net: nothing accumulated"):
        pc.update(net, 0.1)
    assert_same(before, state(net))


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"inputdim": 0, "cost": "quadratic"}, ValueError, "inputdim"),
        ({"inputdim": -3, "cost": "quadratic"}, ValueError, "inputdim"),
        ({"inputdim": "3", "cost": "quadratic"}, TypeError, "inputdim"),
        ({"inputdim": 2.0, "cost": "quadratic"}, TypeError, "inputdim"),
        ({"inputdim": 3, "cost": "hinge"}, ValueError, "cost"),
        ({"inputdim": 3, "cost": 2}, TypeError, "cost"),
        ({"inputdim": 3, "cost": "quadratic", "dtype": np.int64}, ValueError, "dtype"),
    ],
)
def test_network_constructor_is_checked(
    kwargs: dict[str, Any], error: type[Exception], argument: str
) -> None:
    with pytest.raises(error) as info:
        pc.Network(**kwargs)
    assert str(info.value).startswith(argument)


def test_a_refused_layer_is_not_added() -> None:
    net = busy_net()
    with pytest.raises(ValueError):
        pc.add_layer(net, 1 << 25, "relu")  # over the size limit
    assert len(net.layers) == 2 and net.outputdim == 2
