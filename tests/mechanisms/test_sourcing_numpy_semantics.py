"""Stage 5's kernels compute numpy's formulas bit for bit (sim.model.compiled's premises).

Sourcing and the starter-batch payment run as compiled loops; these tests hold them to the numpy
expressions of docs/model.md 7.8-7.9 on the same inputs, compared as bytes (NaNs, infinities and
signed zeros included), with sizes on both sides of numpy's pairwise-summation blocks.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy_simd import bitwise_where_numpy_is_libm

from sim.model.mechanisms import sourcing, starter_batches

SPECIAL = np.array([0.0, -0.0, 1e-9, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-300, 2.5])


def _bits(x: np.ndarray | float) -> bytes:
    return np.ascontiguousarray(x, dtype=np.float64).tobytes()


def test_maximum_is_numpys_maximum_nans_and_signed_zeros_alike():
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    ours = np.array([sourcing._maximum(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True)])
    assert _bits(ours) == _bits(np.maximum(a.ravel(), b.ravel()))


def test_attraction_is_the_numpy_formula():
    """Where numpy's power is the C library's (tests/numpy_simd.py): with AVX-512, numpy 2.5
    computes powers of arrays by its own SIMD routine, which differs in the last bit."""
    bitwise_where_numpy_is_libm(_attraction_bits)


def _attraction_bits():
    for n in (0, 1, 7, 8, 9, 130, 300):
        for beta in (8.0, 2.0, 1.0, 0.5, -1.0):
            _attraction_case(n, beta)


def _attraction_case(n, beta):
    rng = np.random.default_rng(n)
    free = rng.lognormal(0.0, 1.0, n)
    price = rng.lognormal(0.0, 0.3, n)
    if n > 2:  # prices floored at 1e-9 (0 x 1e-9^-beta = 0, where 0 x 0^-beta would be nan)
        free[:2], price[:2] = 0.0, [0.0, -1.0]
    expected = np.multiply(free, np.power(np.maximum(price, 1e-9), -beta)).sum()
    assert _bits(sourcing.attraction(free, price, beta)) == _bits(expected)


@pytest.mark.parametrize("cols", [3, 9])
def test_group_shares_rows_is_the_numpy_formula(cols):
    rng = np.random.default_rng(cols)
    demand = np.array([2.0, 0.0, -1.0, np.nan, 1e-3, 7.0])
    attr = rng.lognormal(0.0, 2.0, (demand.size, cols))
    attr[0, 0], attr[4, 1] = -1.0, 0.0
    has = demand > 0
    w = np.maximum(attr, 0.0) / np.where(has, demand, 1.0)[:, None]
    expected = w / (w.sum(axis=1, keepdims=True) + 0.7)
    expected[~has] = 0.0
    assert _bits(sourcing.group_shares_rows(demand, attr, 0.7)) == _bits(expected)


def test_capped_claims_are_numpys_minimum_of_maximum():
    claims, paid = (g.ravel() for g in np.meshgrid(SPECIAL, SPECIAL))
    expected = np.minimum(claims, np.maximum(150.0 - paid, 0.0))
    assert _bits(starter_batches._capped(claims, paid, 150.0)) == _bits(expected)
