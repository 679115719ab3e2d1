"""``PerceptronClassifier``: the articles' network as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..datasets import one_hot
from ..types import Array
from .base import NetworkEstimator


class PerceptronClassifier(ClassifierMixin, NetworkEstimator):
    """A fully-connected network trained by ``sgd``, with scikit-learn's interface.

    The layers are ``[n_features, *hidden_sizes, n_classes]``: one output unit
    per class (two for a yes/no problem), softmax under cross-entropy by
    default, trained on the one-hot rows of ``y``. Labels may be anything
    scikit-learn accepts (strings, any integers, booleans); ``classes_`` holds
    them sorted and output unit *j* stands for ``classes_[j]``.

    Parameters mirror the library: ``hidden_sizes`` (``()`` for none),
    ``activation`` of the hidden layers, ``output_activation`` (None: softmax
    under cross-entropy), ``cost`` (None: ``"cross_entropy"``), ``init`` (None:
    He for relu, Glorot otherwise), ``optimizer`` (``"adam"`` with ``beta1``,
    ``beta2``, ``epsilon``; or ``"sgd"`` with ``momentum``), ``decay``, ``lr``
    (η), ``batchsize``, ``epochs``, ``l2`` (λ), ``early_stopping`` (hold back
    ``validation_fraction`` of the rows, stop after ``patience`` epochs without
    a lower validation loss and keep the best weights), ``engine``, ``shuffle``,
    ``dtype``, ``random_state``, ``warm_start`` (``fit`` goes on from the
    trained network for ``epochs`` more epochs) and ``threads`` (BLAS threads;
    None: one unless the products are large, see :mod:`perceptron.threads`).

    Learned attributes: ``net_`` (the trained :class:`~perceptron.Network`),
    ``optimizer_``, ``classes_``, ``n_features_in_``, ``feature_names_in_``
    (when X is a DataFrame with string column names), ``history_``,
    ``loss_curve_`` (the mean training loss per epoch) and ``n_iter_`` (epochs
    trained, counting warm starts and ``partial_fit`` calls).
    """

    default_cost = "cross_entropy"
    classes_: Array

    def fit(self, X: Any, y: Any) -> PerceptronClassifier:
        """Train for ``epochs`` epochs on the rows of X (N×k) and labels y (N,)."""
        self._check_settings()
        going_on = bool(self.warm_start) and hasattr(self, "net_")
        X, y = validate_data(self, X, y, reset=not going_on, dtype=self._input_dtype())
        labels, classes = self._encode(y, None if not going_on else self.classes_)
        self._train(X, one_hot(labels, len(classes)), labels, self.epochs, fresh=not going_on)
        self.classes_ = classes
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> PerceptronClassifier:
        """One epoch on X and y; the first call needs ``classes``, every label there can be.

        Adam's moments, the step count and the epochs are kept between calls, so
        a stream of ``partial_fit`` calls trains as ``fit`` would on the stream.
        """
        self._check_settings()
        first = not hasattr(self, "net_")
        if first and classes is None:
            raise ValueError(
                "classes: the first call of partial_fit needs every class label that can "
                "appear, e.g. partial_fit(X, y, classes=np.unique(y_all))"
            )
        X, y = validate_data(self, X, y, reset=first, dtype=self._input_dtype())
        if first:
            known = np.unique(np.asarray(classes))
        else:
            known = self.classes_
            if classes is not None and not np.array_equal(np.unique(classes), known):
                raise ValueError(
                    f"classes: expected the classes of the first call, {list(known)}, "
                    f"got {list(np.unique(classes))}"
                )
        labels, known = self._encode(y, known)
        self._train(X, one_hot(labels, len(known)), labels, 1, fresh=first)
        self.classes_ = known
        return self

    def predict_proba(self, X: Any) -> Array:
        """Each row's probability of each class in ``classes_`` (N×n_classes, rows sum to 1).

        The softmax outputs as they are; other output activations are clipped at
        0 and divided by their sum (equal shares when all are 0).
        """
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=self._input_dtype())
        out = self._outputs(X).astype(np.float64)
        if self.net_.cost.probability_targets:  # a softmax output: rows sum to one
            return out
        out = np.clip(out, 0.0, None)
        total = out.sum(axis=1, keepdims=True)
        empty = total[:, 0] == 0
        out[empty] = 1.0
        total[empty] = out.shape[1]
        return out / total

    def predict(self, X: Any) -> Array:
        """The class in ``classes_`` whose output unit is largest, for each row of X."""
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=self._input_dtype())
        return self.classes_[self._outputs(X).argmax(axis=1)]

    # -- helpers ----------------------------------------------------------------
    def _input_dtype(self) -> Any:
        return np.dtype(str(self.dtype))

    def _encode(self, y: Array, known: Array | None) -> tuple[Array, Array]:
        """Labels y → indices into the sorted classes (``known`` when given)."""
        check_classification_targets(y)
        found = np.unique(y)
        if known is None:
            if len(found) < 2:
                raise ValueError(
                    f"y: a classifier needs at least 2 classes to learn from; got 1 class, "
                    f"{found[0]!r}"
                )
            return np.searchsorted(found, y), found
        unknown = np.setdiff1d(found, known)
        if len(unknown):
            raise ValueError(
                f"y: labels {list(unknown)} are not among the classes {list(known)} of the "
                "first fit; refit without warm_start, or pass every class to partial_fit"
            )
        return np.searchsorted(known, y), known

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
