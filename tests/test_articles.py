"""The articles' own numbers, as examples, and the scripts that reproduce them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from conftest import SCRIPTS

import perceptron as pc
from perceptron.reports.explain import ARTICLE_NUMBERS


def _worked_example() -> ModuleType:
    """scripts/worked_example.py as a module: the article's step through the public API."""
    spec = importlib.util.spec_from_file_location("worked_example", SCRIPTS / "worked_example.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_worked_example_every_intermediate_to_1e_12() -> None:
    """The MNIST article's worked step: every printed number, from the package's one table."""
    script = _worked_example()
    got = script.compute()
    assert set(script.ARTICLE) == set(got) and len(got) == len(ARTICLE_NUMBERS) + 1
    for name, expected in script.ARTICLE.items():
        assert abs(got[name] - expected) <= 1e-12, (name, got[name], expected)
    assert got["updated_cost"] < got["original_cost"]


def test_seed_002_neuron_is_2_93() -> None:
    net = pc.Network(2, "quadratic")
    layer = pc.add_layer(net, 1, "identity", rng=0)
    layer.weights[...] = [[1.1, 2.6]]
    out = pc.feedforward(net, [0.3, 1.0])
    assert out.shape == (1, 1)
    assert abs(out[0, 0] - 2.93) <= 1e-12


@pytest.mark.parametrize(("index", "article"), [(2, 0.51), (0, 2.3)])
def test_seed_003_cross_entropy_examples(index: int, article: float) -> None:
    y_hat = np.array([[0.1], [0.2], [0.6], [0.1]])
    y = np.zeros((4, 1))
    y[index] = 1.0
    loss = float(pc.cross_entropy(y_hat, y)[0])
    assert round(loss, 2) == article
    assert loss == pytest.approx(-np.log(y_hat[index, 0]), rel=1e-12)


def test_seed_003_cross_entropy_of_the_article_table_columnwise() -> None:
    # Both examples at once: the columns are samples.
    y_hat = np.tile([[0.1], [0.2], [0.6], [0.1]], (1, 2))
    y = np.array([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(pc.cross_entropy(y_hat, y), [-np.log(0.6), -np.log(0.1)])


# --- the scripts, each in its quick mode -------------------------------------------
SCRIPT_EXPECTATIONS = {
    "worked_example.py": [
        "0.7547299213576082",
        "-0.04653130523311476",
        "1.5806890827214704",
        "0.011095884100559231",
        "OK: all 20 values",
    ],
    "linear_collapse.py": ["isapprox(full, simplified)", "true", "OK:"],
    "article_numbers.py": [
        "article 2.93",
        "computed 2.93",
        "article 0.51",
        "(2 d.p. 0.51)",
        "article 2.3",
        "(2 d.p. 2.30)",
        "OK: all article numbers reproduced",
    ],
}


@pytest.mark.parametrize("script", sorted(SCRIPT_EXPECTATIONS))
def test_script_quick_mode(scripts_dir: Path, script: str) -> None:
    path = scripts_dir / script
    result = subprocess.run(
        [sys.executable, str(path), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MISMATCH" not in result.stdout
    for text in SCRIPT_EXPECTATIONS[script]:
        assert text in result.stdout, f"{text!r} missing from the output of {script}"


def test_worked_example_table_rows_show_article_and_computed(scripts_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(scripts_dir / "worked_example.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line}
    for name, expected in _worked_example().ARTICLE.items():
        article, computed, diff = rows[name][1:4]
        assert float(article) == expected
        assert abs(float(computed) - expected) <= 1e-12
        assert float(diff) <= 1e-12
