"""Regenerate the pictures that the README and the guide show, into docs/images/.

The pictures are committed (a fresh clone builds the guide without running
anything); run this after a change that alters them, and read the diff:

* ``report.png``: the top of the training report of the default digits run
  (``perceptron train --report``), as headless Chromium draws it (needs
  matplotlib, playwright and a Chromium on the PATH; Debian: ``apt-get install
  chromium``);
* ``spiral_regions.png`` and ``spiral_loss.png``: ``scripts/spiral.py --out
  docs/images`` (needs matplotlib).

Usage::

    python scripts/docs_images.py            # every picture
    python scripts/docs_images.py report     # only the report's
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_examples import KERNELS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def report_picture() -> Path:
    """Train the default digits run with ``--report`` and photograph the page's top."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("docs_images: no Chromium on the PATH (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "digits.html"
        subprocess.run(
            [sys.executable, "-m", "perceptron", "train", "--report", str(page_path)],
            check=True,
            cwd=folder,
            stdout=subprocess.DEVNULL,
        )
        target = IMAGES / "report.png"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=BROWSER_FLAGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto(page_path.resolve().as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(target))
            browser.close()
    return target


def spiral_pictures() -> list[Path]:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spiral.py"), "--out", str(IMAGES)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, **KERNELS},  # the kernels the training page's figures come from
    )
    return [IMAGES / "spiral_regions.png", IMAGES / "spiral_loss.png"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="*", choices=["report", "spiral"], default=[])
    args = parser.parse_args(argv)
    which = args.which or ["report", "spiral"]
    IMAGES.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    if "report" in which:
        made.append(report_picture())
    if "spiral" in which:
        made.extend(spiral_pictures())
    for path in made:
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
