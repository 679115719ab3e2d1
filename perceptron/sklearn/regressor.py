"""``PerceptronRegressor``: the articles' network as a scikit-learn regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..activations import Activation
from ..types import Array
from .base import NetworkEstimator


class PerceptronRegressor(RegressorMixin, NetworkEstimator):
    """A fully-connected network trained by ``sgd`` to predict numbers.

    The layers are ``[n_features, *hidden_sizes, n_targets]`` with an identity
    output and the mean squared error by default (``cost=None`` means
    ``"mse"``, ``output_activation=None`` means ``"identity"``); y may be one
    column (N,) or several (N×m), and ``predict`` gives back the same shape.
    ``score`` is R², as for every scikit-learn regressor.

    The parameters and learned attributes are those of
    :class:`~perceptron.sklearn.PerceptronClassifier`, without ``classes_``.
    As with any network, scale the inputs (and targets far from 1) first, for
    instance in a ``Pipeline`` with ``StandardScaler``.
    """

    default_cost = "mse"
    _one_target: bool

    def fit(self, X: Any, y: Any) -> PerceptronRegressor:
        """Train for ``epochs`` epochs on the rows of X (N×k) and targets y (N,) or (N×m)."""
        self._check_settings()
        going_on = bool(self.warm_start) and hasattr(self, "net_")
        X, Y, one = self._rows(X, y, reset=not going_on)
        self._train(X, Y, None, self.epochs, fresh=not going_on)
        self._one_target = one
        return self

    def partial_fit(self, X: Any, y: Any) -> PerceptronRegressor:
        """One epoch on X and y, going on from the previous call (Adam's moments kept)."""
        self._check_settings()
        first = not hasattr(self, "net_")
        X, Y, one = self._rows(X, y, reset=first)
        self._train(X, Y, None, 1, fresh=first)
        self._one_target = one
        return self

    def predict(self, X: Any) -> Array:
        """The network's outputs for the rows of X: (N,) for one target, else N×m."""
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=np.dtype(str(self.dtype)))
        out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self._one_target else out

    # -- helpers ----------------------------------------------------------------
    def _rows(self, X: Any, y: Any, reset: bool) -> tuple[Array, Array, bool]:
        """Validated X, the targets as an N×m matrix, and whether y was one column."""
        dtype = np.dtype(str(self.dtype))
        X, y = validate_data(
            self, X, y, reset=reset, dtype=dtype, multi_output=True, y_numeric=True
        )
        y = np.asarray(y, dtype=dtype)
        one = y.ndim == 1
        Y = y.reshape(len(y), -1)
        if not reset and hasattr(self, "net_") and Y.shape[1] != self.net_.outputdim:
            raise ValueError(
                f"y: expected {self.net_.outputdim} target column(s) as in the first fit, "
                f"got {Y.shape[1]}"
            )
        return X, Y, one

    def _output_activation(self) -> str | Activation | None:
        return "identity" if self.output_activation is None else self.output_activation

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
