"""Random draws with the parameterisation the scenario files use."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["lognormal", "lognormal_params"]


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """``(mu, sigma)`` of the lognormal with arithmetic mean ``mean`` and coefficient ``cv``.

    ``sigma^2 = log(1 + cv^2)``, ``mu = log(mean) - sigma^2 / 2`` (``cv > 0``). The C library's
    ``log1p``/``log``/``sqrt`` on Python floats, the same functions numpy applies to a scalar.
    """
    s2 = math.log1p(cv * cv)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def lognormal(
    rng: np.random.Generator,
    mean: float,
    cv: float,
    size: int | None = None,
    params: tuple[float, float] | None = None,
):
    """Draw lognormal values with the given arithmetic mean and coefficient of variation.

    ``cv <= 0`` draws nothing and returns ``mean`` (an array of ``size`` copies of it).
    ``params``, when given, are :func:`lognormal_params` ``(mean, cv)`` (kept by the caller).
    """
    if cv <= 0:
        return np.full(size, mean) if size is not None else mean
    mu, sigma = lognormal_params(mean, cv) if params is None else params
    return rng.lognormal(mu, sigma, size)
