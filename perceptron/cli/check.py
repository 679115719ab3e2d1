"""``perceptron check FILE.py``: check the ``backprop`` a learner wrote, outside Python sessions."""

from __future__ import annotations

import argparse
import runpy
from pathlib import Path

from ..backprop_check import check_backprop
from .console import UsageError, out


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``check_backprop`` on the function FILE defines; exit 0 when it is right, else 1."""
    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"FILE: no Python file at {args.file!r}")
    try:
        namespace = runpy.run_path(str(path), run_name="__perceptron_check__")
    except Exception as error:
        raise ValueError(
            f"FILE: running {args.file} raised {type(error).__name__}: {error}"
        ) from error
    fn = namespace.get(args.function)
    if not callable(fn):
        defined = sorted(
            name for name, v in namespace.items() if callable(v) and not name.startswith("_")
        )
        raise UsageError(
            f"--function: {args.file} defines no function {args.function!r}"
            + (f" (it defines {', '.join(defined)})" if defined else "")
        )
    result = check_backprop(
        fn,
        args.sizes,
        args.activation,
        args.cost,
        output_activation=args.output_activation,
        samples=args.samples,
        mean=args.mean,
        rng=args.seed,
    )
    out(result.report(precision=args.precision))
    return 0 if result.ok else 1
