"""The quarter's random streams: one generator per mechanism, as ``rng.spawn(n)`` makes them.

Each quarter the model hands every mechanism a generator of its own (common random numbers
across the arms of a pair, mechanism by mechanism). They are exactly the generators
``model.rng.spawn(len(names))`` returns, stream for stream. :class:`QuarterStreams` only makes
them cheaper: ``Generator.spawn`` builds a ``SeedSequence``, a ``PCG64`` and a ``Generator``
per child (about 100 µs a quarter for six children, several per cent of a run). Here the
children's seeds are hashed, and the PCG64 seeding done, by one compiled call for every run of
a block (:func:`next_quarters`) with NumPy's algorithms, and the states are written into six
generators kept for each run: straight into their PCG64's memory by a second compiled call,
or, if a probe shows that NumPy's ``pcg64_state`` is laid out otherwise, through the
``state`` setter (about 10 µs per generator).

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

import ctypes
from collections.abc import Sequence
from itertools import accumulate

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

from sim.model.compiled import kernel

__all__ = ["QuarterStreams", "next_quarters"]

_M32 = np.uint64(0xFFFFFFFF)
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
_XSHIFT = np.uint64(16)
_ONE = np.uint64(1)
_W32 = np.uint64(32)
_W63 = np.uint64(63)
_POOL = 4
#: PCG64's 128-bit multiplier (PCG_DEFAULT_MULTIPLIER_128), high and low word.
_PCG_MULT_HI = np.uint64(2549297995355413924)
_PCG_MULT_LO = np.uint64(4865540595714422341)


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
def _seed_words(
    prefix: np.ndarray, child: np.int64, entropy: np.ndarray, pool: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - compiled
    """PCG64 seed words of one SeedSequence child (NumPy's ``mix_entropy`` + ``generate_state``).

    Args:
        prefix: uint32 words of the parent's entropy (zero-padded to the pool size) followed by
            the words of the parent's spawn key.
        child: The child's index ``k`` (< 2**32, so one word).
        entropy: Scratch, at least ``len(prefix) + 1`` words.
        pool: Scratch, the pool's words.
        out: Receives the 4 uint64 seed words: seed high, seed low, inc high, inc low.
    """
    n_prefix = prefix.shape[0]
    for j in range(n_prefix):
        entropy[j] = np.uint64(prefix[j])
    entropy[n_prefix] = np.uint64(child) & _M32
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
    lo = np.uint64(0)
    for i in range(8):  # generate_state(4, uint64): 8 words, cycling over the pool
        v = pool[i % _POOL] ^ hb
        hb = (hb * _MULT_B) & _M32
        v = (v * hb) & _M32
        v ^= v >> _XSHIFT
        if i % 2 == 0:  # little-endian uint32 pairs -> uint64
            lo = v
        else:
            out[i // 2] = lo | (v << _W32)


@kernel
def _add128(
    a_hi: np.uint64, a_lo: np.uint64, b_hi: np.uint64, b_lo: np.uint64
) -> tuple[np.uint64, np.uint64]:  # pragma: no cover - compiled
    """``(a + b) mod 2**128`` of two (high, low) word pairs, in 32-bit pieces (no overflow)."""
    low = (a_lo & _M32) + (b_lo & _M32)
    mid = (a_lo >> _W32) + (b_lo >> _W32) + (low >> _W32)
    carry = mid >> _W32
    lo = ((mid & _M32) << _W32) | (low & _M32)
    hi_low = (a_hi & _M32) + (b_hi & _M32) + carry
    hi_mid = (a_hi >> _W32) + (b_hi >> _W32) + (hi_low >> _W32)
    return ((hi_mid & _M32) << _W32) | (hi_low & _M32), lo


@kernel
def _mul64(a: np.uint64, b: np.uint64) -> tuple[np.uint64, np.uint64]:  # pragma: no cover
    """The 128-bit product of two 64-bit words as (high, low), in 32-bit pieces (no overflow)."""
    a0, a1, b0, b1 = a & _M32, a >> _W32, b & _M32, b >> _W32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _W32) + (p01 & _M32) + (p10 & _M32)
    lo = ((mid & _M32) << _W32) | (p00 & _M32)
    hi = p11 + (p01 >> _W32) + (p10 >> _W32) + (mid >> _W32)
    return hi, lo


@kernel
def _mul128(
    a_hi: np.uint64, a_lo: np.uint64, b_hi: np.uint64, b_lo: np.uint64
) -> tuple[np.uint64, np.uint64]:  # pragma: no cover - compiled
    """``(a * b) mod 2**128`` of two (high, low) word pairs."""
    hi, lo = _mul64(a_lo, b_lo)
    _, x = _mul64(a_lo, b_hi)
    _, y = _mul64(a_hi, b_lo)
    hi, _ = _add128(hi, np.uint64(0), x, np.uint64(0))
    hi, _ = _add128(hi, np.uint64(0), y, np.uint64(0))
    return hi, lo


@kernel
def _child_states(
    prefixes: np.ndarray, offsets: np.ndarray, first: np.ndarray, count: int
) -> np.ndarray:  # pragma: no cover - compiled
    """The PCG64 states of ``count`` SeedSequence children of each of several parents.

    Args:
        prefixes: The parents' prefixes (:func:`_seed_words`), one after another.
        offsets: Parent ``j``'s prefix is ``prefixes[offsets[j]:offsets[j + 1]]``.
        first: Parent ``j``'s children are ``first[j], ..., first[j] + count - 1``.
        count: Children per parent.

    Returns:
        ``(parents * count, 4)`` uint64, child by child: the PCG64 state's low and high word and
        its increment's low and high word, as ``pcg_setseq_128_srandom_r`` seeds them.
    """
    parents = first.shape[0]
    out = np.empty((parents * count, 4), dtype=np.uint64)
    width = 0
    for j in range(parents):
        width = max(width, offsets[j + 1] - offsets[j])
    entropy = np.empty(width + 1, dtype=np.uint64)
    pool = np.empty(_POOL, dtype=np.uint64)
    seed = np.empty(4, dtype=np.uint64)
    for j in range(parents):
        prefix = prefixes[offsets[j] : offsets[j + 1]]
        for c in range(count):
            _seed_words(prefix, first[j] + c, entropy, pool, seed)
            # inc = initseq << 1 | 1; state = ((0 * mult + inc) + initstate) * mult + inc
            inc_hi = (seed[2] << _ONE) | (seed[3] >> _W63)
            inc_lo = (seed[3] << _ONE) | _ONE
            st_hi, st_lo = _add128(inc_hi, inc_lo, seed[0], seed[1])
            st_hi, st_lo = _mul128(st_hi, st_lo, _PCG_MULT_HI, _PCG_MULT_LO)
            st_hi, st_lo = _add128(st_hi, st_lo, inc_hi, inc_lo)
            k = j * count + c
            out[k, 0], out[k, 1], out[k, 2], out[k, 3] = st_lo, st_hi, inc_lo, inc_hi
    return out


def _words_at(address: int, count: int) -> np.ndarray:
    """``count`` uint64 words of memory at ``address``, as an array viewing them (no copy)."""
    return np.ctypeslib.as_array((ctypes.c_uint64 * count).from_address(int(address)))


@intrinsic
def _uint64_pointer(typingctx, address):  # pragma: no cover - compiled
    """The integer ``address`` as a uint64 pointer (compiled code only)."""
    sig = types.CPointer(types.uint64)(types.int64)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return sig, codegen


@overload(_words_at)
def _words_at_compiled(address, count):  # pragma: no cover - compiled
    """:func:`_words_at` in compiled code."""

    def impl(address, count):
        return numba.carray(_uint64_pointer(address), count)

    return impl


@kernel
def _load_states(
    states: np.ndarray, control: np.ndarray, core: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Seed PCG64 generators in place: ``states`` (:func:`_child_states`) into their memory.

    Generator ``k``'s ``pcg64_random_t`` (state and increment, 128-bit native words) is at
    ``core[k]``; its ``pcg64_state`` at ``control[k]``, whose second word (``has_uint32`` and
    the buffered ``uinteger``) is zeroed, as the ``state`` setter does.
    """
    for k in range(states.shape[0]):
        words = _words_at(core[k], 4)
        for i in range(4):
            words[i] = states[k, i]
        _words_at(control[k], 2)[1] = np.uint64(0)


def _addresses(gen: np.random.Generator) -> tuple[int, int]:
    """Where ``gen``'s PCG64 keeps its ``pcg64_state`` and its ``pcg64_random_t``."""
    control = gen.bit_generator.ctypes.state_address
    return control, int(_words_at(control, 1)[0])


def _direct_loading_works() -> bool:
    """True if loading states into a PCG64's memory (:func:`_load_states`) sets them exactly.

    Checked once per process on a probe generator: NumPy's ``pcg64_state`` and
    ``pcg64_random_t`` (native 128-bit words on x86-64 Linux) must be laid out as assumed,
    else every run loads its generators through the ``state`` setter (slower, same streams).
    """
    probe = np.random.Generator(np.random.PCG64(0))
    probe.random()  # something buffered ...
    probe.bit_generator.random_raw()
    probe.integers(0, 2, dtype=np.uint32)  # ... and a buffered 32-bit half
    st_lo, st_hi, inc_lo, inc_hi = 0x1234_5678_9ABC_DEF0, 0x0FED_CBA9, 0x5555_0001, 0xAB
    control, core = _addresses(probe)
    try:
        _load_states(
            np.array([[st_lo, st_hi, inc_lo, inc_hi]], dtype=np.uint64),
            np.array([control], dtype=np.int64),
            np.array([core], dtype=np.int64),
        )
    except Exception:  # pragma: no cover - no way to write the memory
        return False
    return probe.bit_generator.state == _state_dict(st_lo, st_hi, inc_lo, inc_hi)


def _state_dict(st_lo: int, st_hi: int, inc_lo: int, inc_hi: int) -> dict:
    """The PCG64 ``state`` of these words, unbuffered (what the setter takes)."""
    state, inc = (int(st_hi) << 64) | int(st_lo), (int(inc_hi) << 64) | int(inc_lo)
    return {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": 0,
        "uinteger": 0,
    }


_DIRECT: bool | None = None  # _direct_loading_works(), once per process


class QuarterStreams:
    """The mechanisms' generators of each quarter, children of the model's generator.

    Args:
        parent: The model's generator.
        names: The mechanisms, in spawn order.
    """

    def __init__(self, parent: np.random.Generator, names: Sequence[str]) -> None:
        global _DIRECT
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
            self._offsets = np.array([0, self._prefix.shape[0]], dtype=np.int64)
            self._next = int(seq.n_children_spawned)
            self._generators = [np.random.Generator(np.random.PCG64(0)) for _ in self.names]
            self._by_name = dict(zip(self.names, self._generators, strict=True))
            if _DIRECT is None:
                _DIRECT = _direct_loading_works()
            self._locate()

    def _locate(self) -> None:
        """Note where this object's generators keep their states (:func:`_load_states`)."""
        where = [_addresses(g) for g in self._generators]
        self._control = np.array([c for c, _ in where], dtype=np.int64)
        self._core = np.array([k for _, k in where], dtype=np.int64)

    def __getstate__(self) -> dict:
        """Pickled or copied without the addresses: they are those of this object's generators."""
        state = self.__dict__.copy()
        state.pop("_control", None)
        state.pop("_core", None)
        return state

    def __setstate__(self, state: dict) -> None:
        """A copy notes where its own generators keep their states."""
        self.__dict__.update(state)
        if self._prefix is not None:
            self._locate()

    def next_quarter(self) -> dict[str, np.random.Generator]:
        """The next quarter's generators by mechanism (what ``parent.spawn`` would return)."""
        return next_quarters((self,))[0]


#: The streams of the block :func:`next_quarters` served last and :func:`_block_arrays` of them:
#: a block asks for the same runs' streams quarter after quarter.
_LAST: tuple[tuple[QuarterStreams, ...], tuple[np.ndarray, ...]] = ((), ())


def _block_arrays(fast: Sequence[QuarterStreams]) -> tuple[np.ndarray, ...]:
    """The runs' seed prefixes, their offsets and their generators' state addresses, in order.

    What :func:`_child_states` and :func:`_load_states` take for the runs ``fast``; none of it
    changes while a run's streams live (a copy is another object with addresses of its own), so
    the arrays of the block served last are kept and given again for the same streams.
    """
    global _LAST
    runs, arrays = _LAST
    if len(runs) == len(fast) and all(a is b for a, b in zip(runs, fast, strict=True)):
        return arrays
    if len(fast) == 1:  # a lone run: its own arrays
        one = fast[0]
        return one._prefix, one._offsets, one._control, one._core
    arrays = (
        np.concatenate([s._prefix for s in fast]),
        np.array([0, *accumulate(s._prefix.shape[0] for s in fast)], dtype=np.int64),
        np.concatenate([s._control for s in fast]),
        np.concatenate([s._core for s in fast]),
    )
    _LAST = (tuple(fast), arrays)
    return arrays


def next_quarters(streams: Sequence[QuarterStreams]) -> list[dict[str, np.random.Generator]]:
    """The next quarter's generators of several runs, by mechanism (a block of runs).

    Every run's child seeds are hashed, and its generators seeded, by one compiled call for all
    runs (:func:`_child_states`, :func:`_load_states`); each run's are exactly what its
    ``parent.spawn(len(names))`` would return. Runs whose generators cannot take that path
    (another bit generator) spawn.
    """
    fast = [s for s in streams if s._prefix is not None]
    if fast:
        count = len(fast[0].names)
        if any(len(s.names) != count for s in fast):
            raise ValueError("the runs' streams have different numbers of mechanisms")
        if max(s._next for s in fast) + count > 0xFFFFFFFF:  # pragma: no cover - 4e9 children
            raise OverflowError("too many spawned streams")
        first = np.array([s._next for s in fast], dtype=np.int64)
        prefixes, offsets, control, core = _block_arrays(fast)
        states = _child_states(prefixes, offsets, first, count)
        for s in fast:
            s._next += count
        if _DIRECT:
            _load_states(states, control, core)
        else:  # another memory layout: the state setter
            gens = [g for s in fast for g in s._generators]
            for gen, row in zip(gens, states.tolist(), strict=True):
                gen.bit_generator.state = _state_dict(*row)
    return [
        dict(s._by_name)
        if s._prefix is not None
        else dict(zip(s.names, s._parent.spawn(len(s.names)), strict=True))
        for s in streams
    ]
