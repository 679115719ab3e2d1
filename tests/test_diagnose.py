"""diagnose: each finding on the network that shows it, and nothing alarming on a healthy one."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import perceptron as pc
from perceptron.diagnosis import Finding, diagnose


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y, _, _ = pc.load_digits()
    pick = np.random.default_rng(0).choice(len(X), 600, replace=False)
    return X[pick], y[pick]


def codes(findings: list[Finding], at_least: str = "info") -> set[tuple[str, int | None]]:
    rank = ("error", "warning", "info").index(at_least)
    return {
        (f.code, f.layer)
        for f in findings
        if ("error", "warning", "info").index(f.severity) <= rank
    }


def test_raw_pixels_are_unscaled_and_saturate_a_sigmoid_network(digits: tuple) -> None:
    X, y = digits
    net = pc.network([784, 30, 10], "sigmoid", "quadratic", rng=0)
    found = codes(diagnose(net, X * 255, pc.one_hot(y, 10)), "warning")
    assert ("unscaled_inputs", None) in found and ("saturated", 0) in found
    assert not diagnose(net, X, pc.one_hot(y, 10))  # the same network on scaled pixels


def test_the_article_network_with_standard_normal_weights_saturates_layer_0(digits: tuple) -> None:
    X, y = digits
    net = pc.network([784, 30, 10], "sigmoid", "quadratic", init="standard_normal", rng=0)
    (first,) = [f for f in diagnose(net, X, pc.one_hot(y, 10)) if f.layer == 0]
    assert (first.code, first.severity) == ("saturated", "warning")
    assert "glorot_normal" in first.message and "|z| > 4" in first.message


def test_relu_units_with_biases_of_minus_20_are_dead(digits: tuple) -> None:
    X, y = digits
    net = pc.network([784, 30, 10], "relu", "cross_entropy", rng=0)
    net.layers[0].bias[...] = -20
    found = diagnose(net, X, pc.one_hot(y, 10))
    assert (found[0].code, found[0].layer, found[0].severity) == ("dead", 0, "error")
    assert "30 of 30" in found[0].message


@pytest.mark.parametrize(("layer", "name"), [(0, "bias"), (1, "weights"), (2, "weights")])
def test_one_nan_parameter_is_found_at_its_layer(digits: tuple, layer: int, name: str) -> None:
    X, y = digits
    net = pc.network([784, 30, 20, 10], "sigmoid", "quadratic", rng=0)
    getattr(net.layers[layer], name)[1, 0] = np.nan
    found = diagnose(net, X, pc.one_hot(y, 10))
    assert [(f.code, f.layer) for f in found] == [("not_finite", layer)]
    assert ("W" if name == "weights" else "b") + f"[{layer}]" in found[0].message


def test_a_healthy_relu_network_trained_with_adam_has_nothing_above_information(
    digits: tuple,
) -> None:
    X, y = digits
    Y = pc.one_hot(y, 10)
    net = pc.network([784, 30, 10], "relu", "cross_entropy", rng=0)
    history = pc.sgd(net, X, Y, 10, 5, 0.001, optimizer=pc.Adam(), rng=0)
    found = diagnose(net, X, Y, history)
    assert all(f.severity == "info" for f in found), [str(f) for f in found]


def test_integer_labels_where_one_hot_rows_are_needed(digits: tuple) -> None:
    X, y = digits
    net = pc.network([784, 30, 10], "sigmoid", "quadratic", rng=0)
    found = diagnose(net, X, y)
    assert [(f.code, f.severity) for f in found] == [("label_encoding", "error")]
    assert "one_hot" in found[0].message
    soft = pc.network([784, 30, 10], "relu", "cross_entropy", rng=0)
    assert codes(diagnose(soft, X, 2 * pc.one_hot(y, 10))) >= {("label_encoding", None)}


def test_vanishing_and_exploding_deltas(digits: tuple) -> None:
    X, y = digits
    Y = pc.one_hot(y, 10)
    deep = pc.network([784, 30, 30, 30, 30, 10], "sigmoid", "quadratic", rng=0)
    assert ("vanishing", 0) in codes(diagnose(deep, X, Y), "warning")
    wide = pc.network([784, 30, 30, 30, 10], "relu", "cross_entropy", rng=0)
    for layer in wide.layers[1:]:
        layer.weights *= 30
    assert {f.code for f in diagnose(wide, X, Y)} >= {"exploding"}


def test_a_history_whose_loss_rises_or_is_not_finite() -> None:
    net = pc.network([2, 3, 2], "sigmoid", "quadratic", rng=0)
    X, Y = np.random.default_rng(0).uniform(size=(20, 2)), np.eye(2)[np.arange(20) % 2]
    rising = pc.History(loss=[0.3, 0.4, 0.5])
    swinging = pc.History(loss=[0.3, 0.5, 0.2, 0.4, 0.25])
    broken = pc.History(loss=[0.3, float("nan")])
    for history, severity in ((rising, "warning"), (swinging, "warning"), (broken, "error")):
        (f,) = [f for f in diagnose(net, X, Y, history) if f.code == "lr_too_high"]
        assert f.severity == severity
    calm = pc.History(loss=[0.3, 0.2, 0.1])
    assert not [f for f in diagnose(net, X, Y, calm) if f.code == "lr_too_high"]


def test_accuracy_at_chance_after_several_epochs(digits: tuple) -> None:
    X, y = digits
    net = pc.network([784, 30, 10], "relu", "cross_entropy", rng=0)
    net.layers[0].bias[...] = -20
    history = pc.History(loss=[2.3, 2.3, 2.3])
    found = diagnose(net, X, pc.one_hot(y, 10), history)
    (chance,) = [f for f in found if f.code == "chance_level"]
    assert "for 100% of the rows" in chance.message
    assert not [f for f in diagnose(net, X, pc.one_hot(y, 10)) if f.code == "chance_level"]


def test_diagnose_leaves_the_network_as_it_was(digits: tuple) -> None:
    X, y = digits
    net = pc.network([784, 30, 10], "sigmoid", "quadratic", rng=0)
    pc.feedforward(net, X[0])
    before = copy.deepcopy(net)
    diagnose(net, X, pc.one_hot(y, 10), rows=50)
    for a, b in zip(net.layers, before.layers, strict=True):
        for name in ("weights", "bias", "linear_out", "activated_out", "dC_dweights"):
            assert np.array_equal(getattr(a, name), getattr(b, name))


def test_bad_arguments_are_refused() -> None:
    net = pc.network([2, 3, 2], "sigmoid", "quadratic", rng=0)
    with pytest.raises(ValueError, match="X"):
        diagnose(net, np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="same number of rows"):
        diagnose(net, np.zeros((4, 2)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="net"):
        diagnose("net", np.zeros((4, 2)), np.zeros((4, 2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rows"):
        diagnose(net, np.zeros((4, 2)), np.zeros((4, 2)), rows=0)


def test_the_diagnose_command_on_a_saved_model(tmp_path: Any, capsys: Any) -> None:
    from perceptron.cli import main

    net = pc.network([784, 30, 10], "relu", "cross_entropy", rng=0)
    net.layers[0].bias[...] = -20
    model = tmp_path / "dead.npz"
    pc.save(net, model)
    assert main(["diagnose", str(model), "--rows", "200"]) == 0
    printed = capsys.readouterr().out
    assert "on 200 of the 8000 train rows of mnist-10k" in printed
    assert "error: dead: layer 0: 30 of 30 relu units" in printed


SPIRAL = ["train", "--data", "spiral", "--init", "default"]


def test_train_prints_the_top_findings_when_a_run_diverges(capsys: Any) -> None:
    from perceptron.cli import main

    args = ["--activation", "relu", "--output-activation", "identity", "--lr", "1e6"]
    assert main([*SPIRAL, *args, "--epochs", "3"]) == 1
    err = capsys.readouterr().err
    assert "the run diverged; diagnose found" in err
    assert "lr_too_high: the training stopped being finite" in err
    assert "perceptron: error: " in err


def test_train_prints_the_top_findings_when_a_run_ends_near_chance(capsys: Any) -> None:
    from perceptron.cli import main

    assert main(["train", "--data", "spiral", "--epochs", "2", "--lr", "1000"]) == 0
    err = capsys.readouterr().err
    assert "the run ended near chance (33.3%)" in err and "saturated: layer 0" in err
    args = ["--activation", "relu", "--output-activation", "softmax", "--cost", "cross_entropy"]
    assert main([*SPIRAL, *args, "--optimizer", "adam", "--lr", "0.05", "--epochs", "20"]) == 0
    assert "diagnose found" not in capsys.readouterr().err


def test_the_html_report_has_a_diagnosis_section(tmp_path: Any) -> None:
    pytest.importorskip("matplotlib")
    from perceptron.reports.html import report

    X, y = pc.spiral(30, 3, rng=0)
    net = pc.network([2, 8, 3], "relu", "cross_entropy", rng=0)
    net.layers[0].bias[...] = -20
    history = pc.sgd(net, X, pc.one_hot(y, 3), 10, 3, 0.01, rng=0)
    page = report(net, history, X, y, tmp_path / "r.html").read_text()
    section = page[page.index('<section id="diagnosis">') :]
    assert "<code>dead</code> (layer 0)" in section and "<code>chance_level</code>" in section
    assert 'aria-label="z and δ per layer"' in section
    healthy = pc.network([2, 8, 3], "relu", "cross_entropy", rng=0)
    page = report(healthy, pc.History(loss=[1.0]), X, y, tmp_path / "h.html").read_text()
    assert "<p>Nothing found" in page


def test_chance_level_names_the_class_it_predicts(digits: tuple) -> None:
    """With the classes' names (as the command line passes a CSV's labels), the finding
    says which class the stuck network answers by its name, not its index."""
    X, y = digits
    net = pc.network([784, 30, 10], "relu", "cross_entropy", rng=0)
    net.layers[0].bias[...] = -20
    history = pc.History(loss=[2.3, 2.3, 2.3])
    names = [f"digit-{d}" for d in "zero one two three four five six seven eight nine".split()]
    found = diagnose(net, X, pc.one_hot(y, 10), history, classes=names)
    (chance,) = [f for f in found if f.code == "chance_level"]
    guessed = int(np.argmax(pc.feedforward(net, X[0])))
    assert f"predicts class {names[guessed]} for 100% of the rows" in chance.message
    with pytest.raises(ValueError, match="classes: expected 10 names"):
        diagnose(net, X, pc.one_hot(y, 10), history, classes=names[:3])
