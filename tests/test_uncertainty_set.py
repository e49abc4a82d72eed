"""The uncertainty set of a scenario: every assumption has a range or a reason (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.scenario import apply_overrides, load_scenario
from sim.scenario.uncertainty import coverage_problems, ranged, world_parameters
from tests.test_cli import clustersim

ROOT = Path(__file__).resolve().parents[1]
ASTRAKHAN = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def _without_entry(text: str, key: str) -> str:
    """The scenario text with the ``[[uncertainties]]`` entry of ``key`` removed."""
    pattern = re.compile(
        r'\[\[uncertainties\]\]\nkey = "' + re.escape(key) + r'"\n(?:[^\[\n].*\n)*'
    )
    new, n = pattern.subn("", text)
    assert n == 1, key
    return new


def _load_text(tmp_path: Path, text: str) -> InputError:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_assumption_of_the_shipped_scenarios_is_covered(path: Path) -> None:
    sc = load_scenario(path)
    assert coverage_problems(sc) == []
    assumptions = [p for p in world_parameters(sc) if p.assumption]
    assert len(assumptions) > 50  # plain numbers of the world tables and [R]/assumption sources
    keys = {p.alias for _, p in ranged(sc)}
    assert {"market.price_sensitivity", "finance.market_loan_spread",
            "registry.functional_dependence_default"} <= keys  # fmt: skip


def test_an_assumption_without_a_range_is_refused_with_file_line_and_key(tmp_path: Path) -> None:
    text = _without_entry(ASTRAKHAN.read_text(encoding="utf-8"), "market.price_sensitivity")
    err = _load_text(tmp_path, text)
    assert len(err.problems) == 1
    p = err.problems[0]
    assert p.key == "market.price_sensitivity"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("price_sensitivity"))
    assert p.line == line
    assert (
        "no range" in p.message and "[[uncertainties]]" in p.message and "fixed = true" in p.message
    )


def test_the_cli_refuses_it_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    text = _without_entry(ASTRAKHAN.read_text(encoding="utf-8"), "finance.market_loan_spread")
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    result = clustersim("validate", str(path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert re.search(r"x\.toml:\d+: finance\.market_loan_spread: an assumption", result.stderr)


def test_a_recalled_legal_threshold_is_an_assumption_too(tmp_path: Path) -> None:
    text = _without_entry(
        ASTRAKHAN.read_text(encoding="utf-8"), "registry.functional_dependence_default"
    )
    err = _load_text(tmp_path, text)
    assert [p.key for p in err.problems] == ["registry.functional_dependence_default"]
    assert "[R]" in err.problems[0].message


def test_a_sourced_value_needs_no_entry() -> None:
    sc = load_scenario(ASTRAKHAN)
    params = {p.alias: p for p in world_parameters(sc)}
    assert not params["taxes.profit_tax_federal"].assumption  # [V]
    assert params["registry.functional_dependence_default"].assumption  # [R]
    assert params["experiment.discount_rate"].assumption  # assumption: ...
    assert params["market.market_orders_mln_rub_per_year"].assumption  # a plain number
    assert "experiment.seed" not in params and not any(k.startswith("regimes") for k in params)


BAD_ENTRIES = [
    (
        'key = "regimes.loans_only.preferential_loans.spread"\n'
        'low = 0.01\nhigh = 0.05\nsource = "x"',
        "is a lever",
    ),
    (
        'key = "market.price_sensitivty"\nlow = 1.0\nhigh = 2.0\nsource = "x"',
        "did you mean 'market.price_sensitivity'",
    ),
    ('key = "market.demand_volatility"\nlow = 0.3\nhigh = 0.1\nsource = "x"', "must be below"),
    ('key = "market.demand_volatility"\nlow = 0.1\nhigh = 0.3', "needs a source"),
    ('key = "market.demand_volatility"\nfixed = true', "needs a reason"),
    (
        'key = "market.demand_volatility"\nfixed = true\nlow = 0.1\nhigh = 0.3\nreason = "r"',
        "exactly one of",
    ),
    ('key = "market.*"\nlow = 0.1\nhigh = 0.3\nsource = "x"', "only a fixed entry may use '*'"),
]


@pytest.mark.parametrize(("entry", "fragment"), BAD_ENTRIES, ids=range(len(BAD_ENTRIES)))
def test_bad_entries_are_refused_with_what_is_allowed(
    tmp_path: Path, entry: str, fragment: str
) -> None:
    text = _without_entry(ASTRAKHAN.read_text(encoding="utf-8"), "market.demand_volatility")
    text = text.replace(
        "\n[[uncertainties]]\n", f"\n[[uncertainties]]\n{entry}\n\n[[uncertainties]]\n", 1
    )
    err = _load_text(tmp_path, text)
    assert any(fragment in p.message and p.key.startswith("uncertainties") for p in err.problems), [
        str(p) for p in err.problems
    ]


def test_overrides_recheck_coverage_only_when_they_can_change_it() -> None:
    """Values set on a checked scenario keep its coverage (sweeps skip the check per point);
    an override of the uncertainties themselves is checked again."""
    sc = load_scenario(ASTRAKHAN)
    moved = apply_overrides(sc, {"market.market_orders_mln_rub_per_year": 30_000.0})
    assert moved.market.market_orders_mln_rub_per_year == 30_000.0
    kept = [u.model_dump(mode="json", exclude_none=True) for u in sc.uncertainties]
    dropped = [u for u in kept if u["key"] != "market.market_orders_mln_rub_per_year"]
    assert len(dropped) == len(kept) - 1
    with pytest.raises(InputError, match=r"market\.market_orders_mln_rub_per_year: an "
                       r"assumption .* with no range"):  # fmt: skip
        apply_overrides(sc, {"uncertainties": dropped})
