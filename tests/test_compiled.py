"""The premises the compiled kernels rest on (sim/model/compiled.py): same bits as numpy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from numpy_simd import bitwise_where_numpy_is_libm, without_avx512

from sim.model.compiled import array_sum, power


@numba.njit(error_model="numpy")  # not cached: a test module is not a stable import path
def _elementwise(x: np.ndarray, y: np.ndarray, b: float) -> np.ndarray:
    out = np.empty((4, x.shape[0]))
    for i in range(x.shape[0]):
        out[0, i] = power(x[i], b)
        out[1, i] = np.exp(y[i])
        out[2, i] = np.log(x[i])
        out[3, i] = x[i] / y[i]
    return out


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 127, 128, 129, 136, 1000, 8193, 100_003])
def test_array_sum_is_numpys_sum_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.lognormal(0.0, 2.0, n) * rng.choice([-1.0, 1.0], n)
    assert array_sum(x) == x.sum()
    if n:
        strided = np.stack([x, x[::-1]], axis=1)[:, 1]  # a non-contiguous column
        assert array_sum(strided) == strided.sum()
        # A running total would differ from numpy's pairwise sum for most long arrays; the
        # test above is only meaningful if the two orders can be told apart at all.
        if n >= 1000:
            running = 0.0
            for v in x:
                running += v
            assert running != x.sum() or n < 1000


def test_elementwise_operations_match_numpy() -> None:
    """The kernels' pow, exp and log are numpy's where numpy's are the C library's.

    Bit for bit where numpy uses no AVX-512 routine (tests/numpy_simd.py); within one unit in
    the last place of numpy's own SIMD routines where it does.
    """
    bitwise_where_numpy_is_libm(_elementwise_bits)
    x, y = _operands()
    for b in _EXPONENTS:
        out = _elementwise(x, y, b)
        for row, expected in ((0, np.power(x, b)), (1, np.exp(y)), (2, np.log(x))):
            np.testing.assert_array_max_ulp(out[row], expected, maxulp=1)


_EXPONENTS = (-4.0, -2.0, -1.7, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0)


def _operands() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.lognormal(0.0, 1.0, 5000), rng.normal(0.0, 3.0, 5000)


def _elementwise_bits() -> None:
    x, y = _operands()
    for b in _EXPONENTS:
        out = _elementwise(x, y, b)
        np.testing.assert_array_equal(out[0], np.power(x, b))
        np.testing.assert_array_equal(out[1], np.exp(y))
        np.testing.assert_array_equal(out[2], np.log(x))
        np.testing.assert_array_equal(out[3], x / y)


def test_division_by_zero_follows_numpy() -> None:
    out = _elementwise(np.array([1.0]), np.array([0.0]), 1.0)
    assert out[3, 0] == np.inf


_DIGEST = """
import hashlib, numpy as np
from sim.model import ClusterModel
from sim.scenario.files import default_scenario
out = ClusterModel(default_scenario(), arm="cluster_support_2020s", rng=3).run()
print(hashlib.sha256(np.ascontiguousarray(out).tobytes()).hexdigest())
"""


def test_kernels_as_plain_python_give_the_same_run() -> None:
    """``NUMBA_DISABLE_JIT=1`` (the kernels run as Python) reproduces the compiled run exactly.

    The kernels' Python text is what a reader checks against docs/model.md; this shows the
    compiled code computes what that text says, bit for bit, for a whole regime run.
    """
    root = Path(__file__).resolve().parents[1]

    def digest(**env: str) -> str:
        r = subprocess.run([sys.executable, "-c", _DIGEST], cwd=root, env={**os.environ, **env},
                           capture_output=True, text=True, check=True)  # fmt: skip
        return r.stdout.strip()

    compiled = digest()
    assert len(compiled) == 64
    # As plain Python the kernels' exp, log and power are numpy's: the C library's where
    # numpy uses no AVX-512 routine (tests/numpy_simd.py).
    assert digest(NUMBA_DISABLE_JIT="1", **without_avx512()) == compiled
    # The compiled run (the model) does not depend on numpy's routines for this CPU.
    assert digest(**without_avx512()) == compiled


def test_warm_up_runs_every_arm_of_the_default_scenario(capsys) -> None:
    """``python -m sim.model.warm`` (run by ``make`` after installing) compiles by running."""
    import runpy

    runpy.run_module("sim.model.warm", run_name="__main__")
    out = capsys.readouterr().out
    assert out.startswith("clustersim: model kernels compiled and cached (") and " s)" in out
