"""The tutorial notebook runs top to bottom in a fresh kernel, shows what it says, and is
committed with outputs that the current code prints; the README and the guide show it."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
sys.path.insert(0, str(ROOT / "scripts"))

import run_notebook  # noqa: E402

NEEDED = ("nbclient", "ipykernel", "matplotlib")
MISSING = [m for m in NEEDED if importlib.util.find_spec(m) is None]


def _stdout(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def _outputs(notebook: Any) -> list[Any]:
    return [o for cell in notebook["cells"] for o in cell.get("outputs", [])]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if MISSING:
        pytest.skip(
            f"{', '.join(MISSING)} not installed: the notebook needs "
            'pip install ".[notebook]" (nbclient, ipykernel, tqdm, matplotlib)'
        )
    return run_notebook.execute(workdir=tmp_path_factory.mktemp("notebook"))


def test_it_runs_top_to_bottom_in_a_fresh_kernel(executed: Any) -> None:
    assert not [o for o in _outputs(executed) if o["output_type"] == "error"]
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))


def test_it_shows_every_number_and_picture_it_promises(executed: Any) -> None:
    text = "".join(_stdout(cell) for cell in executed.cells)
    # the worked 1-1-1 example: the article's updated weights and costs
    for number in ("w = 2.4514334110", "b = -0.1391386466", "0.0110958841 (was 0.0111644792)"):
        assert number in text
    assert "True\n" in text  # the linear collapse
    assert re.search(r"identity: training accuracy \d+\.\d%", text)
    assert re.search(r"held-out: \d+ / 2000 right", text)
    outputs = _outputs(executed)
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 3 and all("<svg" in h for h in html)  # net, history, summary
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 4  # regions, losses, confusion matrix, mistakes
    progress = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "3/3" in progress


def test_the_committed_outputs_are_what_the_code_prints(executed: Any) -> None:
    """After a change, ``python scripts/run_notebook.py --write`` refreshes them."""
    import nbformat

    committed = nbformat.read(NOTEBOOK, as_version=4)  # text as strings, not lists of lines
    assert [c.source for c in committed.cells] == [c.source for c in executed.cells]
    for old, new in zip(committed.cells, executed.cells, strict=True):
        assert _stdout(old) == _stdout(new), "run python scripts/run_notebook.py --write"
    assert not [o for o in _outputs(committed) if o["output_type"] == "error"]
    assert sum("image/png" in o.get("data", {}) for o in _outputs(committed)) == 4


def test_the_readme_and_the_guide_show_it() -> None:
    assert "(examples/tutorial.ipynb)" in (ROOT / "README.md").read_text()
    shown = ROOT / "docs" / "tutorial.ipynb"
    assert shown.resolve() == NOTEBOOK.resolve()
    mkdocs = (ROOT / "mkdocs.yml").read_text()
    assert "tutorial.ipynb" in mkdocs and "mkdocs-jupyter" in mkdocs
