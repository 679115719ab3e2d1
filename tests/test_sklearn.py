"""The scikit-learn estimators: scikit-learn's own conformance suite, equality with
``sgd``, and the estimators inside pipelines and searches."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn", reason='scikit-learn is not installed: pip install ".[sklearn]"')

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from perceptron import SGD, Adam, load_digits, network, one_hot, sgd  # noqa: E402
from perceptron.sklearn import PerceptronClassifier, PerceptronRegressor  # noqa: E402

# The defaults, as a user gets them: they must learn the suite's toy problems well.
SUITE = [PerceptronClassifier(), PerceptronRegressor()]


@parametrize_with_checks(SUITE)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


def _blobs(n: int = 120, k: int = 4, classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (classes, k))
    labels = rng.integers(0, classes, n)
    return centres[labels] + rng.normal(0, 1, (n, k)), labels


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("engine", ["reference", "sample", "batch"])
def test_classifier_trains_exactly_what_sgd_trains(optimizer: str, engine: str) -> None:
    X, labels = _blobs()
    names = np.array(["cat", "dog", "emu"])[labels]
    clf = PerceptronClassifier(
        (7, 5),
        "tanh",
        optimizer=optimizer,
        momentum=0.5,
        lr=0.05,
        batchsize=9,
        epochs=6,
        l2=0.01,
        engine=engine,
        random_state=3,
    ).fit(X, names)

    rng = np.random.default_rng(3)
    net = network([4, 7, 5, 3], "tanh", "cross_entropy", rng=rng)
    solver = Adam() if optimizer == "adam" else SGD(momentum=0.5)
    history = sgd(
        net, X, one_hot(labels, 3), 9, 6, 0.05, rng=rng, optimizer=solver, l2=0.01, engine=engine
    )
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    for mine, theirs in zip(clf.net_.layers, net.layers, strict=True):
        np.testing.assert_allclose(mine.weights, theirs.weights, rtol=0, atol=1e-12)
        np.testing.assert_allclose(mine.bias, theirs.bias, rtol=0, atol=1e-12)
    assert clf.loss_curve_ == history.loss
    assert clf.n_iter_ == 6


def test_regressor_trains_exactly_what_sgd_trains() -> None:
    X, _ = _blobs(k=3)
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1
    reg = PerceptronRegressor((6,), "sigmoid", lr=0.01, batchsize=10, epochs=5, random_state=7).fit(
        X, y
    )
    rng = np.random.default_rng(7)
    net = network([3, 6, 1], "sigmoid", "mse", output_activation="identity", rng=rng)
    sgd(net, X, y[:, None], 10, 5, 0.01, rng=rng, optimizer=Adam(), engine="batch")
    for mine, theirs in zip(reg.net_.layers, net.layers, strict=True):
        np.testing.assert_allclose(mine.weights, theirs.weights, rtol=0, atol=1e-12)
    assert reg.predict(X).shape == (len(X),)


@settings(max_examples=15, deadline=None)
@given(
    classes=st.lists(
        st.one_of(st.integers(-50, 50), st.text(min_size=1, max_size=4)),
        min_size=2,
        max_size=5,
        unique=True,
    ).filter(lambda c: len({type(v) for v in c}) == 1),
    seed=st.integers(0, 2**16),
)
def test_any_labels_come_back_as_themselves(classes: list, seed: int) -> None:
    """Labels of any kind are learned by index and predicted as the labels themselves."""
    X, index = _blobs(n=60, classes=len(classes), seed=seed)
    y = np.array(classes, dtype=object)[index]
    if all(isinstance(c, int) for c in classes):
        y = y.astype(int)
    clf = PerceptronClassifier((8,), epochs=3, random_state=seed).fit(X, y)
    assert set(clf.predict(X)) <= set(np.unique(y))
    assert list(clf.classes_) == sorted(set(y.tolist()))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_partial_fit_epochs_equal_fit_epochs() -> None:
    """Two partial_fit calls are two epochs of fit, Adam's moments and the shuffles included."""
    X, y = _blobs()
    fitted = PerceptronClassifier((5,), epochs=2, random_state=1).fit(X, y)
    streamed = PerceptronClassifier((5,), random_state=1)
    streamed.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    for a, b in zip(fitted.net_.layers, streamed.net_.layers, strict=True):
        np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-12)
    assert streamed.n_iter_ == 2 and streamed.optimizer_.t == fitted.optimizer_.t


def test_warm_start_goes_on_and_cold_start_begins_again() -> None:
    X, y = _blobs()
    twice = PerceptronClassifier((5,), epochs=3, random_state=1, warm_start=True)
    twice.fit(X, y)
    first = twice.net_
    twice.fit(X, y)
    assert twice.net_ is first and twice.n_iter_ == 6 and len(twice.loss_curve_) == 6
    cold = clone(twice).set_params(warm_start=False).fit(X, y).fit(X, y)
    assert cold.n_iter_ == 3
    with pytest.raises(ValueError, match="not among the classes"):
        twice.fit(X, np.where(y == 0, 9, y))


def test_bad_settings_are_named_and_change_nothing() -> None:
    X, y = _blobs()
    clf = PerceptronClassifier((5,), epochs=2, random_state=0).fit(X, y)
    before = [layer.weights.copy() for layer in clf.net_.layers]
    for name, value, words in [
        ("hidden_sizes", (5, 0), "hidden_sizes"),
        ("optimizer", "rmsprop", "optimizer"),
        ("engine", "gpu", "engine"),
        ("lr", -1.0, "lr"),
        ("batchsize", 0, "batchsize"),
        ("validation_fraction", 1.5, "validation_fraction"),
        ("activation", "swish", "activation"),
    ]:
        bad = clone(clf).set_params(**{name: value})
        with pytest.raises((ValueError, TypeError), match=words):
            bad.fit(X, y)
        assert not hasattr(bad, "net_")
    for layer, w in zip(clf.net_.layers, before, strict=True):
        np.testing.assert_array_equal(layer.weights, w)
    with pytest.raises(NotFittedError):
        PerceptronRegressor().predict(X)
    with pytest.raises(ValueError, match="classes"):
        PerceptronClassifier().partial_fit(X, y)


def test_early_stopping_keeps_back_rows_and_stops() -> None:
    X, y = _blobs(n=300)
    clf = PerceptronClassifier(
        (16,), lr=0.05, epochs=500, early_stopping=True, patience=3, random_state=0
    ).fit(X, y)
    assert clf.history_.stopped_early and clf.n_iter_ < 500
    assert len(clf.history_.val_loss) == clf.n_iter_
    assert clf.history_.best_epoch is not None


def test_pickled_estimator_predicts_the_same() -> None:
    X, y = _blobs()
    clf = PerceptronClassifier((5,), epochs=3, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_dataframe_feature_names_are_recorded() -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    X, y = _blobs()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = PerceptronClassifier((5,), epochs=2, random_state=0).fit(frame, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]


def test_pipeline_in_a_grid_search_on_the_shipped_digits() -> None:
    X_train, y_train, X_test, y_test = load_digits()
    X_train, y_train = X_train[:1500], y_train[:1500]
    pipe = make_pipeline(StandardScaler(), PerceptronClassifier(epochs=5, random_state=0))
    search = GridSearchCV(pipe, {"perceptronclassifier__hidden_sizes": [(16,), (64,)]}, cv=3).fit(
        X_train, y_train
    )
    assert search.best_params_["perceptronclassifier__hidden_sizes"] in [(16,), (64,)]
    assert search.score(X_test, y_test) > 0.8
    scores = cross_val_score(
        make_pipeline(StandardScaler(), PerceptronRegressor((8,), epochs=5, random_state=0)),
        X_train[:300, :50],
        (y_train[:300] > 4).astype(float),
        cv=3,
    )
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
