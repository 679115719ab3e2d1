"""How many BLAS threads a training run uses: decided once per run, from its largest product.

numpy hands its matrix products to a BLAS library (OpenBLAS, MKL, …) that by
default starts one thread per core for every product. A second thread pays
for itself only when the product is large enough to split: for the products
of a mini-batch of 10 with 30 or 100 units (a few MFLOP each) the threads
spend longer waking, synchronising and spinning than computing, and on a
machine whose other cores are busy they spin against that load. So a run
gets one BLAS thread unless its largest matrix product gives every thread at
least :data:`FLOP_PER_THREAD` floating-point operations.

The largest product of a run, for a mini-batch of n rows (at most
:data:`BLOCK` at a time, as the engines work) and a layer of ``out × in``
weights, is the forward ``W A`` (or the backward ``Δ Aᵀ``, ``Wᵀ Δ``, the same
size): ``2 · n · out · in`` operations. With F that count for the widest layer::

    threads = clamp(floor(F / FLOP_PER_THREAD), 1, available)

``available`` is the BLAS library's own thread count (its default: the
cores). ``threads=N`` overrides the rule (the BLAS library still caps it at
the most threads it was built for).

The threads are set with ``threadpoolctl`` (a run-time dependency of this
package). Where it cannot be imported (an install that left it out), the
functions here do nothing and the BLAS library keeps its defaults; the
environment variables ``OPENBLAS_NUM_THREADS=1`` (or ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``), set before Python starts, then do the same job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .checks import check_int
from .structs import Network

#: A BLAS thread is worth starting for at least this many floating-point
#: operations of one product (100 MFLOP: about 2–5 ms on one core).
FLOP_PER_THREAD = 100e6
#: The engines push a mini-batch through in blocks of at most this many rows.
BLOCK = 512


def largest_product_flops(net: Network, batchsize: int) -> float:
    """2·n·out·in for the widest layer (n = the rows of one block): the run's largest product."""
    rows = max(1, min(int(batchsize), BLOCK))
    widest = max((layer.weights.size for layer in net.layers), default=0)
    return 2.0 * rows * widest


def check_threads(threads: Any) -> int | None:
    """``threads`` as given to ``sgd``, the estimators or ``--threads``: None or a count ≥ 1."""
    if threads is None:
        return None
    return int(check_int(threads, "threads", minimum=1))


def _controller() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries, or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # the documented fallback: leave the BLAS library as it is
        return None
    return ThreadpoolController()


def available_threads(controller: Any) -> int:
    """The BLAS libraries' current thread count (1 when none is loaded)."""
    counts = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    return max(counts, default=1)


def choose_threads(net: Network, batchsize: int, available: int, threads: int | None) -> int:
    """The rule of this module: one thread unless each thread gets FLOP_PER_THREAD."""
    if threads is not None:
        return threads
    share = int(largest_product_flops(net, batchsize) // FLOP_PER_THREAD)
    return max(1, min(share, available))


@contextmanager
def blas_threads(net: Network, batchsize: int, threads: int | None = None) -> Iterator[int | None]:
    """Run the ``with`` block on the BLAS thread count this module's rule picks for
    ``net`` trained in mini-batches of ``batchsize`` (or on ``threads`` when given),
    and restore the previous count after it. Yields the count, or None when
    threadpoolctl is not installed (then nothing is changed).

    A bad ``threads`` is refused (``ValueError``/``TypeError``) before anything changes.
    """
    threads = check_threads(threads)
    controller = _controller()
    if controller is None:
        yield None
        return
    count = choose_threads(net, batchsize, available_threads(controller), threads)
    with controller.limit(limits=count, user_api="blas"):
        yield count


__all__ = [
    "BLOCK",
    "FLOP_PER_THREAD",
    "available_threads",
    "blas_threads",
    "check_threads",
    "choose_threads",
    "largest_product_flops",
]
