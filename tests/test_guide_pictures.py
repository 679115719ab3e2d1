"""Every picture the README and the guide show is in git, so a fresh clone builds the guide.

The pictures are committed under ``docs/images/`` (``scripts/docs_images.py``
regenerates them); ``.gitignore`` ignores other PNG files but not those.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="not a git checkout (the pictures are checked against what git tracks)",
)


def _tracked() -> set[str]:
    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split("\0"))


def _pictures() -> list[tuple[Path, str]]:
    found = []
    for page in PAGES:
        for target in PICTURE.findall(page.read_text()):
            if not target.startswith(("http://", "https://", "data:")):
                found.append((page, target))
    return found


def test_the_pages_show_pictures() -> None:
    assert any(page.name == "README.md" for page, _ in _pictures())


@pytest.mark.parametrize("page,target", _pictures(), ids=lambda v: str(v))
def test_every_picture_shown_is_committed(page: Path, target: str) -> None:
    path = (ROOT / page.parent / target).resolve()
    assert path.is_relative_to(ROOT / "docs" / "images"), (
        f"{page} shows {target}: keep pictures under docs/images/"
    )
    assert path.is_file(), f"{page} shows {target}, which does not exist"
    assert str(path.relative_to(ROOT)) in _tracked(), (
        f"{page} shows {target}, which git does not track: git add it "
        "(python scripts/docs_images.py regenerates the pictures)"
    )


def test_gitignore_keeps_the_guide_pictures() -> None:
    done = subprocess.run(
        ["git", "check-ignore", "-q", "docs/images/new-picture.png"], cwd=ROOT, check=False
    )
    assert done.returncode == 1, ".gitignore ignores docs/images/*.png; the guide needs them"
