"""scikit-learn estimators around the articles' network.

:class:`PerceptronClassifier` and :class:`PerceptronRegressor` follow
scikit-learn's estimator conventions (``fit``/``predict``/``score``,
``partial_fit``, ``warm_start``, ``random_state``, ``get_params``), so they work
in pipelines, ``cross_val_score`` and ``GridSearchCV``. Training is the
library's own :func:`~perceptron.fit.sgd`; nothing of the maths changes.

scikit-learn is an optional extra, imported only here:
``pip install ".[sklearn]"`` in a checkout, or
``pip install "perceptron-from-scratch[sklearn]"``.
"""

from __future__ import annotations

try:
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised where scikit-learn is absent
    raise ImportError(
        "perceptron.sklearn needs scikit-learn 1.6 or newer: "
        'pip install ".[sklearn]" in a checkout of perceptron, '
        'or pip install "perceptron-from-scratch[sklearn]"'
    ) from error

from .classifier import PerceptronClassifier
from .regressor import PerceptronRegressor

__all__ = ["PerceptronClassifier", "PerceptronRegressor"]
