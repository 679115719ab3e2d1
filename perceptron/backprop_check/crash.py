"""When the learner's function raises: where, with which shapes, and which mistake that suggests.

A shape error is explained in the column convention: x is k×1, W[l] is out×in,
z, a and δ of layer l are out×1, ∂C/∂W[l] = δ[l] a[l−1]ᵀ is out×in. The operands
of the failing product are read back from the learner's frame (only names,
attributes, subscripts and ``.T`` are evaluated, never a call), and their shapes
are matched against the network's to name the layer and the likely mistake.
"""

from __future__ import annotations

import ast
import linecache
import traceback
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

import numpy as np

from .passes import prev

SAFE_NODES = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Constant,
    ast.UnaryOp,
    ast.BinOp,
    ast.Load,
    ast.USub,
    ast.Add,
    ast.Sub,
    ast.Slice,
    ast.Tuple,
)


@dataclass
class Crash:
    """What the learner's function raised, where, and what it likely means."""

    error: str
    where: str
    shapes: list[tuple[str, tuple[int, ...]]]
    code: str | None = None
    layer: int | None = None
    hint: str = ""


def _learner_frame(tb: TracebackType | None, filename: str) -> tuple[FrameType, int] | None:
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _operands(line: str) -> list[tuple[ast.expr, ast.expr]]:
    """The two operands of every ``@`` and ``dot``/``matmul`` call on the line."""
    try:
        tree = ast.parse(line.strip().removesuffix(":"))
    except SyntaxError:
        return []
    out: list[tuple[ast.expr, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            out.append((node.left, node.right))
        elif isinstance(node, ast.Call) and len(node.args) == 2:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name in ("dot", "matmul"):
                out.append((node.args[0], node.args[1]))
    return out


def _shape_of(expr: ast.expr, frame: FrameType) -> tuple[int, ...] | None:
    if not all(isinstance(n, SAFE_NODES) for n in ast.walk(expr)):
        return None
    try:
        value: Any = eval(  # noqa: S307 - only names, subscripts, attributes: no call
            compile(ast.Expression(expr), "<operand>", "eval"), frame.f_globals, frame.f_locals
        )
    except Exception:
        return None
    return tuple(value.shape) if isinstance(value, np.ndarray) else None


def explain_crash(error: BaseException, fn: Any, sizes: list[int]) -> Crash:
    """Explain an exception raised by ``fn`` on a network of ``sizes``."""
    code = getattr(fn, "__code__", None)
    filename = code.co_filename if code is not None else ""
    located = _learner_frame(error.__traceback__, filename)
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    if located is None:
        return Crash(text, "", [], hint=f"{text.splitlines()[-1]}; {column_shapes(sizes)}")
    frame, lineno = located
    linecache.checkcache(filename)
    line = linecache.getline(filename, lineno).strip()
    shapes = []
    for left, right in _operands(line):
        ls, rs = _shape_of(left, frame), _shape_of(right, frame)
        if ls is not None and rs is not None:
            shapes += [(ast.unparse(left), ls), (ast.unparse(right), rs)]
    crash = Crash(text, f"line {lineno} of {filename}: {line}", shapes)
    _classify(crash, sizes)
    return crash


def _classify(crash: Crash, sizes: list[int]) -> None:
    """Name the mistake and the layer from the shapes of a failing product."""
    pairs = [(sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]  # (out, in) of layer l
    shapes = crash.shapes
    for (left, ls), (right, rs) in zip(shapes[::2], shapes[1::2], strict=False):
        if len(ls) != 2 or len(rs) != 2 or ls[1] == rs[0]:
            continue
        if ls[1] == 1 and rs[1] == 1 and _columns(crash, pairs, left, right, ls[0], rs[0]):
            return
        if rs[1] == 1 and ls[0] == rs[0]:  # a matrix whose transpose would fit
            for l, shape in enumerate(pairs):
                if ls == shape and l > 0:
                    crash.code, crash.layer = "propagated_with_W", l - 1
                    crash.hint = (
                        f"{left} is W[{l}] ({ls[0]}×{ls[1]}) and {right} is {rs[0]}×1: δ is "
                        f"sent down with Wᵀ, δ[{l - 1}] = (W[{l}]ᵀ δ[{l}]) ⊙ σ′(z[{l - 1}]), "
                        f"which is {ls[1]}×1"
                    )
                    return
    listed = ", ".join(f"{name} is {'×'.join(map(str, s))}" for name, s in shapes)
    crash.hint = "a shape error" + (f" ({listed})" if listed else "") + "; " + column_shapes(sizes)


def column_shapes(sizes: list[int]) -> str:
    """The shapes of every quantity of a network of ``sizes``, in the column convention."""
    parts = [f"x is {sizes[0]}×1"]
    for l in range(len(sizes) - 1):
        out, inp = sizes[l + 1], sizes[l]
        parts.append(
            f"W[{l}] is {out}×{inp}, b[{l}], z[{l}], a[{l}] and δ[{l}] are {out}×1, "
            f"∂C/∂W[{l}] = δ[{l}] {prev(l)}ᵀ is {out}×{inp}"
        )
    return "in the column convention (one sample a column): " + "; ".join(parts)


def _columns(
    crash: Crash, pairs: list[tuple[int, int]], left: str, right: str, p: int, q: int
) -> bool:
    """A column (p×1) times a column (q×1): δ a_prev without the transpose, or reversed."""
    for reversed_ in (False, True):
        for l, (out, inp) in enumerate(pairs):
            if (p, q) != ((inp, out) if reversed_ else (out, inp)):
                continue
            crash.layer = l
            if reversed_:
                crash.code = "outer_product_reversed"
                crash.hint = (
                    f"{left} ({p}×1) times {right} ({q}×1): the factors of ∂C/∂W[{l}] = "
                    f"δ[{l}] {prev(l)}ᵀ are swapped and the transpose is missing; δ[{l}] is "
                    f"{out}×1, {prev(l)} is {inp}×1"
                )
            else:
                crash.code = "a_prev_not_transposed"
                crash.hint = (
                    f"{left} ({p}×1) times {right} ({q}×1): a column times a column is no "
                    f"product; ∂C/∂W[{l}] = δ[{l}] {prev(l)}ᵀ needs the transpose of "
                    f"{prev(l)}, giving {out}×{inp} like W[{l}]"
                )
            return True
    return False
