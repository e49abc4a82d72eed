"""The package stands alone: a built wheel carries the scenarios, the migrations and the chart
style, and ``ClusterModel()`` runs from any working directory out of the installed files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("clustersim-*.whl")
    return whl


def test_wheel_carries_scenarios_migrations_and_style(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for scenario in SHIPPED:
        assert f"sim/data/scenarios/{scenario}" in names
    assert {"sim/store/alembic.ini", "sim/report/clustersim.mplstyle"} <= names
    assert any(n.startswith("sim/data/scenarios/sweeps/") for n in names)
    assert any(n.startswith("sim/store/migrations/versions/0001") for n in names)
    io_files = {n.rsplit("/", 1)[1] for n in names if n.startswith("sim/data/io/")}
    expected = {p.name for p in (ROOT / "sim" / "data" / "io").glob("*.csv")}
    assert expected and expected <= io_files  # the input-output module's default tables


def test_installed_package_runs_the_default_scenario_from_any_directory(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sim.model, sim.scenario.files as f;"
        f"assert str(f.SHIPPED_DIR).startswith({str(site)!r}), f.SHIPPED_DIR;"
        "m = sim.model.ClusterModel(); m.run_for(2); print(m.spec.scenario.name, m.quarter)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["astrakhan_shipbuilding", "2"]
