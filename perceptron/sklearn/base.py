"""What both estimators share: their settings, their checks and the call of ``sgd``.

An estimator is a thin shell around the library: ``fit`` builds the network
with :func:`~perceptron.structs.network` and trains it with
:func:`~perceptron.fit.sgd`, one generator feeding both, so that for the same
settings and ``random_state`` it trains exactly what this does::

    rng = np.random.default_rng(random_state)
    net = network([k, *hidden_sizes, m], activation, cost,
                  output_activation=..., init=init, rng=rng, dtype=dtype)
    sgd(net, X, Y, batchsize, epochs, lr, rng=rng, optimizer=Adam(...),
        l2=l2, engine=engine, threads=threads)

(with ``early_stopping=True``, the validation rows are drawn from ``rng``
between the two calls).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, check_random_state

from ..activations import Activation
from ..costs import Cost
from ..datasets import stratified_split
from ..engines import ENGINE_NAMES
from ..epochs import History
from ..initializers import Initializer
from ..metrics import forward_rows
from ..optimizers import SGD, Adam, Optimizer
from ..structs import Network, network
from ..threads import check_threads
from ..training import sgd
from ..types import Array

DTYPES = ("float64", "float32")


def as_seed(random_state: Any) -> np.random.Generator:
    """scikit-learn's ``random_state`` (None, int, RandomState) or a Generator → a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, numbers.Integral):
        if random_state is not None and int(random_state) < 0:
            raise ValueError(f"random_state: expected a non-negative int, got {random_state}")
        return np.random.default_rng(None if random_state is None else int(random_state))
    state = check_random_state(random_state)
    return np.random.default_rng(int(state.randint(np.iinfo(np.int32).max)))


class NetworkEstimator(BaseEstimator):
    """The settings and the training loop of :class:`PerceptronClassifier` and
    :class:`PerceptronRegressor`; not used on its own.

    Every argument is stored as given (scikit-learn's rule) and checked in
    ``fit``; a rejected ``fit`` leaves the estimator as it was.
    """

    default_cost = "quadratic"

    # Learned in fit (declared here for the type checker; absent until then).
    net_: Network
    optimizer_: Optimizer
    history_: History
    loss_curve_: list[float]
    n_iter_: int
    _rng: np.random.Generator

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] | int = (100,),
        activation: str | Activation = "relu",
        *,
        output_activation: str | Activation | None = None,
        cost: str | Cost | None = None,
        init: str | Initializer | None = None,
        optimizer: str = "adam",
        lr: float = 0.001,
        momentum: float = 0.0,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-7,
        decay: float = 0.0,
        batchsize: int = 32,
        epochs: int = 200,
        l2: float = 0.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        engine: str = "batch",
        shuffle: bool = True,
        dtype: str = "float64",
        random_state: Any = None,
        warm_start: bool = False,
        threads: int | None = None,
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.cost = cost
        self.init = init
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decay = decay
        self.batchsize = batchsize
        self.epochs = epochs
        self.l2 = l2
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.engine = engine
        self.shuffle = shuffle
        self.dtype = dtype
        self.random_state = random_state
        self.warm_start = warm_start
        self.threads = threads

    # -- settings ---------------------------------------------------------------
    def _hidden(self) -> list[int]:
        sizes = self.hidden_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (int(sizes),)
        if not isinstance(sizes, (tuple, list)) or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes
        ):
            raise ValueError(
                "hidden_sizes: expected a tuple of positive layer sizes such as (100,) or "
                f"(64, 32), or () for no hidden layer; got {self.hidden_sizes!r}"
            )
        return [int(s) for s in sizes]

    def _check_settings(self) -> None:
        """Refuse what ``sgd`` would refuse later, before anything changes."""
        self._hidden()
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer: expected 'sgd' or 'adam', got {self.optimizer!r}")
        if self.engine not in ENGINE_NAMES:
            raise ValueError(f"engine: expected one of {ENGINE_NAMES}, got {self.engine!r}")
        if str(self.dtype) not in DTYPES:
            raise ValueError(f"dtype: expected 'float64' or 'float32', got {self.dtype!r}")
        check_threads(self.threads)
        for name in ("early_stopping", "shuffle", "warm_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name}: expected True or False, got {getattr(self, name)!r}")
        fraction = self.validation_fraction
        if not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
            raise ValueError(
                f"validation_fraction: expected a number between 0 and 1, got {fraction!r}"
            )

    def _make_optimizer(self) -> Optimizer:
        if self.optimizer == "adam":
            return Adam(self.beta1, self.beta2, self.epsilon, decay=self.decay)
        return SGD(momentum=self.momentum, decay=self.decay)

    def _make_network(self, inputs: int, outputs: int, rng: np.random.Generator) -> Network:
        return network(
            [inputs, *self._hidden(), outputs],
            self.activation,
            self.cost if self.cost is not None else self.default_cost,
            output_activation=self._output_activation(),
            init=self.init,
            rng=rng,
            dtype=np.dtype(str(self.dtype)),
        )

    def _output_activation(self) -> str | Activation | None:
        return self.output_activation

    # -- training ---------------------------------------------------------------
    def _train(self, X: Array, Y: Array, labels: Array | None, epochs: int, fresh: bool) -> None:
        """Build (when ``fresh``) and train the network; set the learned attributes.

        A fresh network is trained on the side and kept only when ``sgd`` returns,
        so a failed ``fit`` leaves the estimator as it was. The settings were
        checked by the caller (``fit`` or ``partial_fit``), before the data.
        """
        if fresh:
            rng = as_seed(self.random_state)
            net = self._make_network(X.shape[1], Y.shape[1], rng)
            solver, history = self._make_optimizer(), History()
        else:
            net, solver, history, rng = self.net_, self.optimizer_, self.history_, self._rng
        validation, patience = None, None
        if self.early_stopping and epochs > 1:
            X, Y, validation = self._hold_out(X, Y, labels, rng)
            patience = self.patience
        run = sgd(
            net,
            X,
            Y,
            self.batchsize,
            epochs,
            self.lr,
            rng=rng,
            shuffle=self.shuffle,
            optimizer=solver,
            validation=validation,
            l2=self.l2,
            patience=patience,
            engine=self.engine,
            threads=self.threads,
        )
        self.net_, self.optimizer_, self._rng = net, solver, rng
        self.history_ = _joined(history, run)
        self.loss_curve_ = list(self.history_.loss)
        self.n_iter_ = len(self.history_.loss)

    def _hold_out(
        self, X: Array, Y: Array, labels: Array | None, rng: np.random.Generator
    ) -> tuple[Array, Array, tuple[Array, Array]]:
        """Keep ``validation_fraction`` of the rows back (stratified for a classifier)."""
        if labels is not None:
            train, held = stratified_split(labels, 1 - self.validation_fraction, rng)
        else:
            order = rng.permutation(len(X))
            count = max(1, round(self.validation_fraction * len(X)))
            train, held = np.sort(order[count:]), np.sort(order[:count])
        if len(train) == 0 or len(held) == 0:
            raise ValueError(
                f"validation_fraction: {self.validation_fraction} of {len(X)} rows leaves no "
                "rows to train or to validate on; give more rows or set early_stopping=False"
            )
        return X[train], Y[train], (X[held], Y[held])

    def _outputs(self, X: Array) -> Array:
        """The network's output for each row of X (already validated), N×m."""
        check_is_fitted(self, "net_")
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            out, _ = forward_rows(self.net_, X)
        finite = np.isfinite(out).all(axis=1)
        if not finite.all():
            raise ValueError(
                f"X: row {int(np.argmin(finite))} gives non-finite outputs; the network cannot "
                "score it (are its values far outside those it was trained on?)"
            )
        return out


def _joined(before: History, run: History) -> History:
    """The history of every epoch so far: ``before`` (warm start) followed by ``run``."""
    offset = len(before.loss)
    return History(
        loss=before.loss + run.loss,
        val_loss=before.val_loss + run.val_loss,
        val_accuracy=before.val_accuracy + run.val_accuracy,
        epoch_time=before.epoch_time + run.epoch_time,
        best_epoch=None if run.best_epoch is None else offset + run.best_epoch,
        stopped_early=run.stopped_early,
    )
