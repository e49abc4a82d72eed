"""Random draws with the parameterisation the scenario files use."""

from __future__ import annotations

import numpy as np

__all__ = ["lognormal"]


def lognormal(rng: np.random.Generator, mean: float, cv: float, size: int | None = None):
    """Draw lognormal values with the given arithmetic mean and coefficient of variation."""
    if cv <= 0:
        return np.full(size, mean) if size is not None else mean
    s2 = np.log1p(cv * cv)
    mu = np.log(mean) - s2 / 2
    return rng.lognormal(mu, np.sqrt(s2), size)
