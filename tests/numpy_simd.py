"""Checks that hold where numpy computes exp, log and power as the C library does.

The compiled kernels (sim/model/compiled.py) compute ``exp``, ``log`` and ``power`` with the C
library's functions, as numpy's loops do -- except on a CPU with AVX-512, where numpy uses its
own SIMD routines for float64 arrays, and those differ from the C library in the last bit for a
few values (numpy 2.5 uses them for more of ``power``). The model's outcomes do not depend on
that (``tests/test_compiled.py``: the compiled run's digest is the same with numpy's AVX-512
routines turned off), but a test that compares a kernel with a numpy expression bit for bit
does. Such a test puts its bit-for-bit checks in a function and runs it through
:func:`bitwise_where_numpy_is_libm`: in the test's own process where numpy uses no AVX-512
routine, otherwise in a child process whose numpy is told to use none
(``NPY_ENABLE_CPU_FEATURES``: every feature of the CPU but AVX-512).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def numpy_uses_avx512() -> bool:
    """Whether numpy dispatches its AVX-512 routines in this process."""
    from numpy._core._multiarray_umath import __cpu_features__

    return bool(__cpu_features__.get("AVX512_SKX"))


def without_avx512() -> dict[str, str]:
    """Environment under which a child's numpy uses every feature of this CPU but AVX-512."""
    from numpy._core._multiarray_umath import __cpu_features__

    kept = [n for n, on in __cpu_features__.items() if on and "AVX512" not in n and n != "X86_V4"]
    return {"NPY_ENABLE_CPU_FEATURES": " ".join(kept)}


def bitwise_where_numpy_is_libm(check: Callable[[], None]) -> None:
    """Run ``check`` (a module-level function of a test file) where numpy is the C library's.

    In this process when numpy uses no AVX-512 routine here; otherwise ``check`` runs in a
    child process with :func:`without_avx512`, and its failure (traceback) fails the caller.
    """
    if not numpy_uses_avx512():
        check()
        return
    path = sys.modules[check.__module__].__file__
    code = (
        "import runpy, sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
        "runpy.run_path(sys.argv[3])[sys.argv[4]]()"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(Path(__file__).parent), path, check.__name__],
        cwd=ROOT, env={**os.environ, **without_avx512()}, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0, f"{check.__name__} without numpy's AVX-512 routines:\n{r.stderr}"
