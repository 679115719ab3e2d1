"""The checked arguments of one ``sgd`` call: every check runs before any work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .checks import as_generator, as_rows, check_int, check_probability_columns, check_real
from .costs import cross_entropy
from .engines import ENGINES
from .history import History
from .labels import refuse_labels  # issue-20 hook
from .network import Network, check_weights
from .optimizers import Optimizer
from .train import check_optimizer
from .types import Array

OnEpoch = Callable[[int, History, Network], Any]
OnBatch = Callable[[int, int, int], Any]


@dataclass
class Plan:
    """The checked arguments of one ``sgd`` call (``l2_scale`` = λ/N)."""

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


def _targets(net: Network, Y: Any, name: str) -> Array:
    refuse_labels(Y, net.outputdim, name)  # issue-20 hook: integer labels -> "use one_hot"
    rows = as_rows(Y, net.outputdim, name, net.dtype)
    if net.cost == cross_entropy:
        check_probability_columns(rows.T, name)
    return rows


def _validation(net: Network, validation: Any) -> tuple[Array, Array] | None:
    if validation is None:
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError("validation: expected a pair (Xv, Yv)")
    Xv = as_rows(validation[0], net.inputdim, "validation X", net.dtype)
    Yv = _targets(net, validation[1], "validation Y")
    if len(Xv) != len(Yv):
        raise ValueError(
            f"validation: expected Xv and Yv with the same number of rows, "
            f"got {len(Xv)} and {len(Yv)}"
        )
    return Xv, Yv


def _callable(value: Any, name: str) -> Any:
    if value is not None and not callable(value):
        raise TypeError(f"{name}: expected a callable, got {type(value).__name__}")
    return value


def make_plan(
    net: Network, X: Any, Y: Any, batchsize: Any, epochs: Any, lr: Any, **options: Any
) -> Plan:
    """Check every argument of ``sgd`` (see there) and return them converted."""
    check_weights(net)
    problem = net.cost.check_output(net.layers[-1].activation) if net.cost.check_output else None
    if problem is not None:
        raise ValueError(f"net: {problem}")
    Xa = as_rows(X, net.inputdim, "X", net.dtype)
    Ya = _targets(net, Y, "Y")
    if len(Xa) != len(Ya):
        raise ValueError(f"X and Y: expected the same number of rows, got {len(Xa)} and {len(Ya)}")
    batchsize = check_int(batchsize, "batchsize", 1)
    epochs = check_int(epochs, "epochs", 0)
    lr = check_real(lr, "lr", positive=True)
    rng = as_generator(options["rng"])
    shuffle = options["shuffle"]
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle: expected True or False, got {type(shuffle).__name__}")
    check_optimizer(net, options["optimizer"])
    validation = _validation(net, options["validation"])
    on_epoch = _callable(options["on_epoch"], "on_epoch")
    l2 = check_real(options["l2"], "l2", nonnegative=True)
    patience = options["patience"]
    if patience is not None:
        patience = check_int(patience, "patience", 1)
        if validation is None:
            raise ValueError("patience: early stopping needs validation=(Xv, Yv)")
    engine = options["engine"]
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ValueError(f"engine: expected one of {tuple(ENGINES)}, got {engine!r}")
    return Plan(
        X=Xa,
        Y=Ya,
        batchsize=batchsize,
        epochs=epochs,
        lr=lr,
        rng=rng,
        shuffle=bool(shuffle),
        optimizer=options["optimizer"],
        validation=validation,
        on_epoch=on_epoch,
        l2_scale=l2 / len(Xa),
        patience=patience,
        engine=engine,
        on_batch=_callable(options["on_batch"], "on_batch"),
    )
