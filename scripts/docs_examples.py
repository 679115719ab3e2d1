"""Run every example of the README and the guide, and check (or rewrite) what it prints.

Conventions in the Markdown pages:

* a ```` ```console ```` block holds commands, each on a line starting with ``$ ``,
  each followed by the output it must print;
* a ```` ```python ```` block is run (the blocks of one page share a namespace, in
  order); when the next block is a ```` ```text ```` block, that is what it must print;
* the line ``<!-- skip: reason -->`` right before a block keeps it from running
  (only for the install commands, which would install the project again), and
  ``<!-- needs: torch -->`` runs it only where that optional module is installed
  (``<!-- needs: !torch -->`` only where it is not).

Each page runs in a fresh temporary folder holding a copy of ``examples/``.
Times are ignored: any number followed by `` s`` reads as ``<t> s``.

The commands run with numpy's and OpenBLAS's AVX2 kernels (``KERNELS``), so that the
pages' figures are the same on every x86-64 CPU with AVX2, AVX-512 ones included.

Usage::

    python scripts/docs_examples.py            # check every page, exit 1 on a difference
    python scripts/docs_examples.py --sync     # rewrite the expected outputs in place
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
TIME = re.compile(r"\b\d+(?:\.\d+)? s\b")
# numpy's SIMD loops (exp, sums) and OpenBLAS's products pick their kernels by CPU, and
# kernels of another width round differently in the last bits, which a long or chaotic
# run carries into its printed figures (a loss's fifth digit, the spiral's accuracies).
# The pages show what the AVX2 kernels print; pinned here, an AVX-512 machine prints it too.
KERNELS = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    "OPENBLAS_CORETYPE": "Haswell",
}


@dataclass
class Block:
    lang: str
    start: int  # line index of the first line inside the fence
    end: int  # line index of the closing fence
    lines: list[str]
    skip: bool
    needs: str | None = None  # a module the block needs (``<!-- needs: torch -->``)


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a page, in order."""
    lines = text.split("\n")
    found, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match and match.group(1):
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != "```":
                j += 1
            before = lines[i - 1].strip() if i > 0 else ""
            skip = before.startswith("<!-- skip")
            needs = (
                before[len("<!-- needs:") : -len("-->")].strip()
                if before.startswith("<!-- needs:")
                else None
            )
            found.append(Block(match.group(1), i + 1, j, lines[i + 1 : j], skip, needs))
            i = j
        i += 1
    return found


def normal(text: str) -> str:
    return TIME.sub("<t> s", "\n".join(line.rstrip() for line in text.strip("\n").split("\n")))


def run_console(block: Block, cwd: Path) -> list[str]:
    """The block with each command's output as it prints now."""
    out: list[str] = []
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["COLUMNS"] = "100"
    env.update(KERNELS)
    for line in block.lines:
        if not line.startswith("$ "):
            continue
        done = subprocess.run(
            line[2:], shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )
        out.append(line)
        printed = (done.stdout + done.stderr).rstrip("\n")
        if printed:
            out += printed.split("\n")
    return out


def run_python(block: Block, namespace: dict[str, object], cwd: Path) -> str:
    buffer = io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile("\n".join(block.lines), "<docs>", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(here)
    return buffer.getvalue()


def check_page(page: Path, sync: bool) -> tuple[int, int, list[str]]:
    """(blocks run, blocks skipped, differences); with ``sync``, rewrite the page."""
    text = page.read_text()
    lines = text.split("\n")
    found = blocks(text)
    ran = skipped = 0
    problems: list[str] = []
    namespace: dict[str, object] = {"__name__": "__docs__"}
    edits: list[tuple[int, int, list[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        for name in os.listdir(ROOT / "examples"):
            shutil.copy(ROOT / "examples" / name, cwd / name)
        (cwd / "scripts").symlink_to(ROOT / "scripts")
        for k, block in enumerate(found):
            missing = block.needs is not None and (
                (importlib.util.find_spec(block.needs.lstrip("!")) is None)
                != block.needs.startswith("!")
            )
            if block.lang not in ("console", "python") or block.skip or missing:
                skipped += block.lang in ("console", "python", "sh")
                continue
            ran += 1
            where = f"{page.relative_to(ROOT)}:{block.start}"
            if block.lang == "console":
                now = run_console(block, cwd)
                if normal("\n".join(now)) != normal("\n".join(block.lines)):
                    problems.append(f"{where}: the commands print something else")
                    edits.append((block.start, block.end, now))
                continue
            printed = run_python(block, namespace, cwd)
            following = found[k + 1] if k + 1 < len(found) else None
            if following is not None and following.lang == "text":
                if normal(printed) != normal("\n".join(following.lines)):
                    problems.append(f"{where}: the code prints something else")
                    edits.append((following.start, following.end, printed.rstrip("\n").split("\n")))
            elif printed.strip():
                problems.append(f"{where}: the code prints, but no ```text block shows it")
                shown = ["```", "", "```text", *printed.rstrip("\n").split("\n")]
                edits.append((block.end, block.end + 1, shown + ["```"]))
    if sync and edits:
        for start, end, new in sorted(edits, reverse=True):
            lines[start:end] = new
        page.write_text("\n".join(lines))
    return ran, skipped, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sync", action="store_true", help="rewrite the expected outputs")
    parser.add_argument("pages", nargs="*", type=Path, help="(default: README and docs/)")
    args = parser.parse_args(argv)
    total_ran = total_skipped = 0
    failed = []
    for page in args.pages or PAGES:
        ran, skipped, problems = check_page(page.resolve(), args.sync)
        total_ran, total_skipped = total_ran + ran, total_skipped + skipped
        failed += problems
        print(f"{page}: {ran} blocks run, {skipped} skipped, {len(problems)} differ")
    for problem in failed:
        print(f"  {problem}")
    if failed and not args.sync:
        print("run python scripts/docs_examples.py --sync to update the pages (then read the diff)")
    return 1 if failed and not args.sync else 0


if __name__ == "__main__":
    sys.exit(main())
