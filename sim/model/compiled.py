"""What every compiled kernel shares: one decorator and numpy's own order of summation.

The economics lives in the mechanism modules; where a mechanism's arithmetic runs as a compiled
loop (numba) it runs *there*, as the one implementation, not as a second "fast path". Kernels
are written to do the same floating-point operations in the same order as the numpy code they
replace, so outcomes stay bit-identical (``tests/test_golden_outcomes.py``):

* element-wise operations are the same IEEE operations (``+ - * /``, ``min``/``max``,
  ``exp``/``log`` and ``**``, which numba and numpy both take from the C library on x86-64
  without AVX-512 — checked element by element in ``tests/test_compiled.py``); ``np.power``
  with a scalar exponent is :func:`power`, because numpy computes the exponents 2, 0.5 and -1
  as a square, a square root and a reciprocal, not by ``pow``;
* a reduction ``a.sum()`` is :func:`array_sum`, numpy's pairwise summation (blocks of eight
  partial sums, halves above 128 elements), not a running total;
* no ``fastmath`` (no re-association, no fused multiply-add) and numpy's error model (a
  division by zero gives ``inf``/``nan`` as in numpy, it does not raise).

Compiled code is cached next to the sources (``__pycache__``), so process-pool and Dask workers
and later runs load it instead of compiling again; ``python -m benchmarks`` reports the
first-compile cost separately. ``NUMBA_DISABLE_JIT=1`` runs every kernel as plain Python (for
debugging; slow, same results).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

__all__ = ["array_sum", "kernel", "power"]


def kernel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with the project's numba settings (cached, numpy error model, no fastmath)."""
    return numba.njit(cache=True, error_model="numpy", nogil=True)(fn)


@kernel
def _pairwise(a: np.ndarray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        stop = n - (n % 8)
        while i < stop:
            j = lo + i
            r0 += a[j]
            r1 += a[j + 1]
            r2 += a[j + 2]
            r3 += a[j + 3]
            r4 += a[j + 4]
            r5 += a[j + 5]
            r6 += a[j + 6]
            r7 += a[j + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a, lo, n2) + _pairwise(a, lo + n2, n - n2)


@kernel
def array_sum(a: np.ndarray) -> float:  # pragma: no cover - compiled
    """``a.sum()`` of a one-dimensional float64 array, bit for bit as numpy computes it."""
    return _pairwise(a, 0, a.shape[0])


@kernel
def power(x: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.power(x, b)`` for a scalar exponent ``b``, bit for bit (numpy's fast exponents)."""
    if b == 2.0:
        return x * x
    if b == 0.5:
        return np.sqrt(x)
    if b == -1.0:
        return 1.0 / x
    if b == 1.0:
        return x
    return x**b
