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

__all__ = ["KERNELS", "array_sum", "kernel", "loaded_kernels", "power"]

#: Every kernel made by :func:`kernel`, in the order their modules defined them.
KERNELS: list[Any] = []


def kernel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with the project's numba settings (cached, numpy error model, no fastmath)."""
    dispatcher = numba.njit(cache=True, error_model="numpy", nogil=True)(fn)
    KERNELS.append(dispatcher)
    return dispatcher


def loaded_kernels() -> int:
    """How many kernels this process has loaded (compiled, or read from the cache)."""
    return sum(1 for k in KERNELS if k.overloads)


@kernel
def _block(a: np.ndarray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """Sum ``a[lo:lo+n]``, n <= 128, as numpy does: sequential below 8, else eight partials."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
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


@kernel
def array_sum(a: np.ndarray) -> float:  # pragma: no cover - compiled
    """``a.sum()`` of a one-dimensional float64 array, bit for bit as numpy computes it.

    numpy halves a range longer than 128 elements (the first half a multiple of 8) and adds
    the halves' sums; the halving runs here on an explicit stack, because numba cannot link a
    recursive function that a kernel in another module calls.
    """
    n = a.shape[0]
    if n <= 128:
        return _block(a, 0, n)
    los = np.empty(64, dtype=np.int64)
    lens = np.empty(64, dtype=np.int64)
    stage = np.empty(64, dtype=np.int64)
    left = np.empty(64)
    los[0], lens[0], stage[0] = 0, n, 0
    sp = 1
    ret = 0.0
    while sp > 0:
        top = sp - 1
        lo, m = los[top], lens[top]
        if m <= 128:
            ret = _block(a, lo, m)
            sp -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:  # sum the first half
            stage[top] = 1
            los[sp], lens[sp], stage[sp] = lo, half, 0
            sp += 1
        elif stage[top] == 1:  # keep it, sum the second half
            left[top] = ret
            stage[top] = 2
            los[sp], lens[sp], stage[sp] = lo + half, m - half, 0
            sp += 1
        else:  # both halves done
            ret = left[top] + ret
            sp -= 1
    return ret


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
