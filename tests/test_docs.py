"""Every example of the README and the guide runs and prints what the page shows.

The pages' conventions are in ``scripts/docs_examples.py``; after a change that
alters an output, ``python scripts/docs_examples.py --sync`` rewrites the pages
(read the diff before committing). With MkDocs installed (the ``docs`` extra),
the guide must also build with ``--strict``.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import docs_examples  # noqa: E402

PAGES = [page.relative_to(ROOT) for page in docs_examples.PAGES]


@pytest.mark.parametrize("page", PAGES, ids=[str(p) for p in PAGES])
def test_every_example_prints_what_the_page_shows(page: Path) -> None:
    ran, skipped, problems = docs_examples.check_page(ROOT / page, sync=False)
    assert not problems, (
        "\n".join(problems) + "\nrun python scripts/docs_examples.py --sync and read the diff"
    )
    assert ran + skipped == len(
        [
            b
            for b in docs_examples.blocks((ROOT / page).read_text())
            if b.lang in ("console", "python")
        ]
    )


def test_only_install_commands_and_the_test_suite_are_skipped() -> None:
    for page in PAGES:
        lines = (ROOT / page).read_text().split("\n")
        for i, line in enumerate(lines):
            if line.startswith("<!-- skip"):
                block = "\n".join(lines[i + 1 : i + 6])
                assert "pip install" in block or "pytest" in block, f"{page}:{i + 1}"


def test_no_page_names_a_source_by_its_file_number() -> None:
    for page in PAGES:
        assert not re.search(r"seeds? 00\d", (ROOT / page).read_text().lower()), page


def test_the_readme_is_short_and_in_the_agreed_order() -> None:
    text = (ROOT / "README.md").read_text()
    assert text.count("\n") <= 200
    order = ["## Set-up", "## The article's interface", "## A short tour", "## The guide",
             "## Sources"]  # fmt: skip
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None,
    reason='MkDocs is not installed (pip install ".[docs]")',
)
def test_the_guide_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # --strict counts warnings only when they are printed: -q would hide them and pass.
    assert "WARNING" not in done.stderr, done.stderr[-3000:]


def test_the_api_reference_lists_every_public_name_once() -> None:
    import perceptron

    text = (ROOT / "docs" / "reference.md").read_text()
    listed = re.findall(r"^        - (\w+)$", text, flags=re.M)
    assert sorted(listed) == sorted(set(perceptron.__all__) - {"__version__"})
