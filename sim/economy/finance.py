"""Finance submodel: key-rate path, market and preferential loan rates, loan amortisation.

* key rate ``k_{t+1} = k_t + a (k_LR - k_t)`` (partial adjustment per quarter)
* market loan rate ``r_m = k_t + spread``
* preferential rate ``r_p = m * k_t + s`` (IDF: m = 0, s = 3 %; KIP: m = 0.3, s = 3 pp)
* interest subsidy cost ``(r_m - r_p) / 4 * preferential debt`` per quarter
"""

from __future__ import annotations

__all__ = ["next_key_rate", "preferential_rate"]


def next_key_rate(current: float, long_run: float, adjustment: float) -> float:
    """Partial adjustment of the key rate toward its long-run level."""
    return current + adjustment * (long_run - current)


def preferential_rate(key_rate: float, multiplier: float, spread: float) -> float:
    """Preferential loan rate = multiplier x key rate + spread."""
    return multiplier * key_rate + spread
