"""the Julia article's linear collapse: affine layers without an activation are one affine map.

The Julia article draws x (3×1), A1 (4×3), A2 (6×4), A3 (2×6) and b1, b2, b3
at random and shows that

    A3 (A2 (A1 x + b1) + b2) + b3 = A_s x + b_s,
    A_s = A3 A2 A1,   b_s = A3 A2 b1 + A3 b2 + b3,

with ``isapprox(full, simplified)`` printing ``true``. This script repeats the
check with seeded draws (Julia's isapprox: ‖full − simplified‖ ≤ √eps ·
max(‖full‖, ‖simplified‖)), and then builds a perceptron ``Network`` of three
``identity`` layers with weights A1..A3 and biases b1..b3, whose
``feedforward`` output must equal A_s x + b_s as well.

Run: ``python scripts/linear_collapse.py [--quick] [--seed S]``. The full run
repeats the check for 1000 seeded draws, ``--quick`` for 20. Exits 1 on a
mismatch.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import perceptron as pc
from perceptron.types import Array

# Julia's default isapprox tolerance for Float64: rtol = √eps.
RTOL = float(np.sqrt(np.finfo(np.float64).eps))


def isapprox(a: Array, b: Array) -> bool:
    """Julia's ``isapprox`` for arrays: ‖a − b‖ ≤ √eps · max(‖a‖, ‖b‖)."""
    return bool(np.linalg.norm(a - b) <= RTOL * max(np.linalg.norm(a), np.linalg.norm(b)))


def draw(rng: np.random.Generator) -> dict[str, Array]:
    """The article's randn draws, in its order: x1, A1, A2, A3, b1, b2, b3."""
    return {
        "x1": rng.standard_normal((3, 1)),
        "A1": rng.standard_normal((4, 3)),
        "A2": rng.standard_normal((6, 4)),
        "A3": rng.standard_normal((2, 6)),
        "b1": rng.standard_normal((4, 1)),
        "b2": rng.standard_normal((6, 1)),
        "b3": rng.standard_normal((2, 1)),
    }


def collapse(d: dict[str, Array]) -> tuple[Array, Array, Array, Array]:
    """(full, simplified, A_s, b_s) for one draw."""
    A1, A2, A3, b1, b2, b3, x1 = (d[k] for k in ("A1", "A2", "A3", "b1", "b2", "b3", "x1"))
    As = A3 @ A2 @ A1
    bs = A3 @ A2 @ b1 + A3 @ b2 + b3
    full = A3 @ (A2 @ (A1 @ x1 + b1) + b2) + b3
    simplified = As @ x1 + bs
    return full, simplified, As, bs


def identity_network(d: dict[str, Array]) -> pc.Network:
    """Network(3) with identity layers of 4, 6 and 2 units holding A1..A3, b1..b3."""
    net = pc.Network(3, pc.quadratic)
    for A, b in ((d["A1"], d["b1"]), (d["A2"], d["b2"]), (d["A3"], d["b3"])):
        layer = pc.add_layer(net, A.shape[0], pc.identity, rng=0)
        layer.weights[...] = A
        layer.bias[...] = b
    return net


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 draws instead of 1000")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    args = parser.parse_args(argv)
    trials = 20 if args.quick else 1000
    rng = np.random.default_rng(args.seed)

    first = draw(rng)
    full, simplified, As, bs = collapse(first)
    net_out = pc.feedforward(identity_network(first), first["x1"])
    print(
        "the Julia article: three affine layers without activation (x 3x1, A1 4x3, A2 6x4, A3 2x6)"
    )
    print(f"A_s = A3 A2 A1 has shape {As.shape}; b_s = A3 A2 b1 + A3 b2 + b3 has shape {bs.shape}")
    print(f"full       = {np.array2string(full.ravel(), precision=15)}")
    print(f"simplified = {np.array2string(simplified.ravel(), precision=15)}")
    print(f"network    = {np.array2string(net_out.ravel(), precision=15)}")

    worst_matrix = worst_network = 0.0
    ok_matrix = ok_network = True
    draws = [first] + [draw(rng) for _ in range(trials - 1)]
    for d in draws:
        full, simplified, As, bs = collapse(d)
        out = pc.feedforward(identity_network(d), d["x1"])
        ok_matrix &= isapprox(full, simplified)
        ok_network &= isapprox(out, simplified)
        worst_matrix = max(worst_matrix, float(np.abs(full - simplified).max()))
        worst_network = max(worst_network, float(np.abs(out - simplified).max()))

    print(f"{'check':<48} {'article':>8} {'computed':>9} {'max |diff|':>11}")
    print(
        f"{'isapprox(full, simplified)':<48} {'true':>8} {str(ok_matrix).lower():>9} "
        f"{worst_matrix:11.1e}"
    )
    print(
        f"{'isapprox(feedforward(identity net), A_s x + b_s)':<48} {'true':>8} "
        f"{str(ok_network).lower():>9} {worst_network:11.1e}"
    )
    print(f"({trials} seeded draws, seed {args.seed}; isapprox rtol = sqrt(eps) = {RTOL:.2e})")
    if not (ok_matrix and ok_network):
        print("FAIL: the layers did not collapse to one affine map")
        return 1
    print("OK: without an activation, three layers are the single affine map A_s x + b_s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
