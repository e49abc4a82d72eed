"""The quarter's random streams: one generator per mechanism, as ``rng.spawn(n)`` makes them.

Each quarter the model hands every mechanism a generator of its own (common random numbers
across the arms of a pair, mechanism by mechanism). They are exactly the generators
``model.rng.spawn(len(names))`` returns, stream for stream. :class:`QuarterStreams` only makes
them cheaper: ``Generator.spawn`` builds a ``SeedSequence``, a ``PCG64`` and a ``Generator``
per child (about 100 µs a quarter for six children, several per cent of a run). Here the
children's seeds are hashed in one compiled call with NumPy's ``SeedSequence`` algorithm and
loaded into six generators kept for the run, each quarter.

What NumPy does, and what this module repeats (NumPy ``bit_generator.pyx`` and ``pcg64.c``):

1. child ``k`` of a ``SeedSequence`` has the parent's entropy and ``spawn_key + (k,)``, where
   ``k`` counts the children spawned so far;
2. its pool (4 words) mixes the entropy words, padded with zeros to the pool size, and the spawn
   key words (``mix_entropy``);
3. ``PCG64`` takes ``generate_state(4, uint64)`` of the pool as (seed high, seed low, inc high,
   inc low) and seeds itself with ``pcg_setseq_128_srandom_r``.

``tests/test_streams.py`` checks every stream against ``Generator.spawn`` over many seeds,
spawn keys and quarters. A generator that is not a ``PCG64`` seeded from a ``SeedSequence`` with
NumPy's default pool size (a user's own bit generator) falls back to ``Generator.spawn``.

The parent's ``n_children_spawned`` counter is not advanced (NumPy does not let it be set):
after the first quarter, ``model.rng.spawn`` would hand out the quarter streams' seeds again.
Nothing in the model spawns from ``model.rng`` after construction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.compiled import kernel

__all__ = ["QuarterStreams"]

_M32 = np.uint64(0xFFFFFFFF)
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
_XSHIFT = np.uint64(16)
_POOL = 4
#: PCG64's 128-bit multiplier (PCG_DEFAULT_MULTIPLIER_128).
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341
_MASK128 = (1 << 128) - 1


@kernel
def _hashmix(value: np.uint64, h: np.uint64) -> tuple[np.uint64, np.uint64]:
    """NumPy's ``hashmix``: the mixed word and the advanced hash constant (32-bit arithmetic)."""
    value ^= h
    h = (h * _MULT_A) & _M32
    value = (value * h) & _M32
    value ^= value >> _XSHIFT
    return value, h


@kernel
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    """NumPy's ``mix`` of two 32-bit words."""
    r = ((_MIX_MULT_L * x) - (_MIX_MULT_R * y)) & _M32
    return r ^ (r >> _XSHIFT)


@kernel
def _child_seeds(prefix: np.ndarray, children: np.ndarray) -> np.ndarray:
    """PCG64 seed words of SeedSequence children (NumPy's ``mix_entropy`` + ``generate_state``).

    Args:
        prefix: uint32 words of the parent's entropy (zero-padded to the pool size) followed by
            the words of the parent's spawn key.
        children: The children's indices ``k`` (each < 2**32, so one word).

    Returns:
        ``(len(children), 4)`` uint64: seed high, seed low, inc high, inc low.
    """
    n_prefix = prefix.shape[0]
    out = np.empty((children.shape[0], 4), dtype=np.uint64)
    entropy = np.empty(n_prefix + 1, dtype=np.uint64)
    for j in range(n_prefix):
        entropy[j] = np.uint64(prefix[j])
    pool = np.empty(_POOL, dtype=np.uint64)
    words = np.empty(8, dtype=np.uint64)
    for c in range(children.shape[0]):
        entropy[n_prefix] = np.uint64(children[c]) & _M32
        n = n_prefix + 1
        h = _INIT_A
        for i in range(_POOL):  # the entropy up to the pool size
            pool[i], h = _hashmix(entropy[i] if i < n else np.uint64(0), h)
        for i_src in range(_POOL):  # every pool word into every other
            for i_dst in range(_POOL):
                if i_src != i_dst:
                    v, h = _hashmix(pool[i_src], h)
                    pool[i_dst] = _mix(pool[i_dst], v)
        for i_src in range(_POOL, n):  # the rest of the entropy into every pool word
            for i_dst in range(_POOL):
                v, h = _hashmix(entropy[i_src], h)
                pool[i_dst] = _mix(pool[i_dst], v)
        hb = _INIT_B
        for i in range(8):  # generate_state(4, uint64): 8 words, cycling over the pool
            v = pool[i % _POOL] ^ hb
            hb = (hb * _MULT_B) & _M32
            v = (v * hb) & _M32
            v ^= v >> _XSHIFT
            words[i] = v
        for i in range(4):  # little-endian uint32 pairs -> uint64
            out[c, i] = words[2 * i] | (words[2 * i + 1] << np.uint64(32))
    return out


def _pcg64_state(seed_hi: int, seed_lo: int, inc_hi: int, inc_lo: int) -> tuple[int, int]:
    """``(state, inc)`` of a PCG64 seeded with these words (``pcg_setseq_128_srandom_r``)."""
    inc = (((inc_hi << 64) | inc_lo) << 1 | 1) & _MASK128
    state = inc  # 0 * mult + inc
    state = (state + ((seed_hi << 64) | seed_lo)) & _MASK128
    state = (state * _PCG_MULT + inc) & _MASK128
    return state, inc


class QuarterStreams:
    """The mechanisms' generators of each quarter, children of the model's generator.

    Args:
        parent: The model's generator.
        names: The mechanisms, in spawn order.
    """

    def __init__(self, parent: np.random.Generator, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._parent = parent
        self._prefix: np.ndarray | None = None
        self._next = 0
        bitgen = parent.bit_generator
        seq = getattr(bitgen, "seed_seq", None)
        if (
            type(bitgen) is np.random.PCG64
            and type(seq) is np.random.SeedSequence
            and seq.pool_size == _POOL
        ):
            try:
                from numpy.random.bit_generator import _coerce_to_uint32_array
            except ImportError:  # pragma: no cover - NumPy moved its helper: use spawn
                return
            run = _coerce_to_uint32_array(seq.entropy)
            if len(run) < _POOL:  # NumPy pads short entropy when there is a spawn key
                run = np.concatenate([run, np.zeros(_POOL - len(run), dtype=np.uint32)])
            key = _coerce_to_uint32_array(seq.spawn_key)
            self._prefix = np.concatenate([run, key]).astype(np.uint32)
            self._next = int(seq.n_children_spawned)
            self._generators = [np.random.Generator(np.random.PCG64(0)) for _ in self.names]

    def next_quarter(self) -> dict[str, np.random.Generator]:
        """The next quarter's generators by mechanism (what ``parent.spawn`` would return)."""
        if self._prefix is None:
            return dict(zip(self.names, self._parent.spawn(len(self.names)), strict=True))
        n = len(self.names)
        if self._next + n > 0xFFFFFFFF:  # pragma: no cover - 4 billion children
            raise OverflowError("too many spawned streams")
        seeds = _child_seeds(self._prefix, np.arange(self._next, self._next + n, dtype=np.int64))
        self._next += n
        out = {}
        for name, gen, row in zip(self.names, self._generators, seeds.tolist(), strict=True):
            state, inc = _pcg64_state(*row)
            gen.bit_generator.state = {
                "bit_generator": "PCG64",
                "state": {"state": state, "inc": inc},
                "has_uint32": 0,
                "uinteger": 0,
            }
            out[name] = gen
        return out
