"""The README's first Python example runs as written and prints what it shows."""

from __future__ import annotations

import contextlib
import io
import re

from conftest import ROOT


def test_the_interface_example_prints_the_losses_the_readme_shows() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The article's interface, in Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    shown = re.search(r"^# (\[.*\])$", code.group(1), re.MULTILINE)
    assert shown is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), "README.md", "exec"), {})
    assert out.getvalue().strip() == shown.group(1)


def test_the_readme_names_the_two_set_up_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install ".[test]" && pytest' in readme
    assert "pip install . && perceptron train" in readme
    assert 'pip install -q ".[test]"' in ci and "pytest" in ci
