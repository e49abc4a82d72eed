"""Outcomes of every shipped scenario, every arm, seeds 1-3, against stored reference digests.

The digests (SHA-256 of the float64 outcome array, quarters x outcomes) were taken before the
house re-layout (issue 12) and must not change with a pure re-layout or a speed-up that runs the
same operations in the same order. A change of the model's equations changes them on purpose:
regenerate with ``CLUSTERSIM_UPDATE_GOLDEN=1 pytest tests/test_golden_outcomes.py`` and say why
in the commit message.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from sim.model import ClusterModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("data") / "golden_outcomes.json"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SEEDS = (1, 2, 3)
UPDATE = os.environ.get("CLUSTERSIM_UPDATE_GOLDEN") == "1"


def digest(outcomes: np.ndarray) -> str:
    """SHA-256 of the outcome array's bytes (equal digests <=> np.array_equal, NaNs alike)."""
    return hashlib.sha256(np.ascontiguousarray(outcomes, dtype=np.float64).tobytes()).hexdigest()


def _cases() -> list[tuple[str, str, int]]:
    cases = []
    for path in SCENARIOS:
        sc = load_scenario(path)
        cases += [(path.name, arm, seed) for arm in sc.arms for seed in SEEDS]
    return cases


def _actual() -> dict[str, str]:
    out = {}
    for name in sorted({c[0] for c in _cases()}):
        sc = load_scenario(ROOT / "scenarios" / name)
        for arm in sc.arms:
            for seed in SEEDS:
                out[f"{name}|{arm}|{seed}"] = digest(ClusterModel(sc, arm=arm, rng=seed).run())
    return out


@pytest.fixture(scope="module")
def golden() -> dict[str, str]:
    if UPDATE:
        GOLDEN.write_text(json.dumps(_actual(), indent=1, sort_keys=True) + "\n")
    return json.loads(GOLDEN.read_text())


def test_every_shipped_case_has_a_reference(golden: dict[str, str]) -> None:
    assert sorted(golden) == sorted(f"{n}|{a}|{s}" for n, a, s in _cases())


@pytest.mark.parametrize(("scenario", "arm", "seed"), _cases())
def test_outcomes_equal_the_reference(
    golden: dict[str, str], scenario: str, arm: str, seed: int
) -> None:
    sc = load_scenario(ROOT / "scenarios" / scenario)
    outcomes = ClusterModel(sc, arm=arm, rng=seed).run()
    assert digest(outcomes) == golden[f"{scenario}|{arm}|{seed}"]
