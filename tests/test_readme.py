"""The README names the two set-up commands CI runs (its examples run in test_docs.py)."""

from __future__ import annotations

from conftest import ROOT


def test_the_readme_names_the_two_set_up_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install ".[test]" && pytest' in readme
    assert "pip install . && perceptron train" in readme
    assert 'pip install -q ".[test]"' in ci and "pytest" in ci
