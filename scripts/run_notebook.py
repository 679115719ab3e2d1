"""Run the tutorial notebook top to bottom in a fresh kernel, as a learner would.

The notebook (``examples/tutorial.ipynb``) is committed with its outputs, so
that GitHub and the guide show its pictures; after a change, run this with
``--write`` to store fresh outputs, and read the diff. Needs the ``notebook``
extra (nbclient, ipykernel, tqdm) and the ``plot`` extra (matplotlib).

The kernel imports ``perceptron`` from this checkout (it is put first on the
kernel's ``PYTHONPATH``), so the notebook runs the code beside it.

Usage::

    python scripts/run_notebook.py            # run it; exit 1 on an error in a cell
    python scripts/run_notebook.py --write    # run it and save the outputs in place
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_examples import KERNELS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
TIMEOUT = 600  # seconds a cell may take


def execute(path: Path = NOTEBOOK, workdir: Path | None = None) -> Any:
    """The notebook at ``path``, executed in a fresh ``python3`` kernel (cells in order).

    Raises nbclient's ``CellExecutionError`` naming the cell that failed.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # The notebook's matrices are small: a second BLAS thread gains nothing on them, and
    # on a machine whose cores are busy it makes an epoch several times slower.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    env.update(KERNELS)  # the committed outputs are what numpy's AVX2 kernels print
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        coalesce_streams=True,  # one stream an output, with the bar's \r redraws applied
        resources={"metadata": {"path": str(workdir or path.parent)}},
    )
    client.execute(env=env)
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="save the outputs in place")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        notebook = execute()
    except Exception as error:  # nbclient's CellExecutionError names the cell
        print(f"{NOTEBOOK.relative_to(ROOT)}: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
    print(f"{NOTEBOOK.relative_to(ROOT)}: {cells} code cells ran in {seconds:.1f} s")
    if args.write:
        import nbformat

        for cell in notebook.cells:  # the run's timestamps would only make the diff noisy
            cell.metadata.pop("execution", None)
        nbformat.write(notebook, NOTEBOOK)
        print(f"wrote the outputs into {NOTEBOOK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
