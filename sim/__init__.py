"""clustersim: agent-based simulation of industrial-cluster formation and state preferences."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clustersim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

from sim.api import run_scenario, simulate
from sim.scenario import load_scenario

run = run_scenario

__all__ = ["__version__", "load_scenario", "run", "run_scenario", "simulate"]
from sim.sensitivity import compare_sweep, sensitivity  # noqa: E402
from sim.sweep import run_sweep  # noqa: E402

__all__ += ["compare_sweep", "run_sweep", "sensitivity"]
__all__ += ["build_report", "export_sweep"]


def __getattr__(name: str) -> object:
    """Lazy exports: matplotlib and the report code load only when a report is made."""
    if name == "build_report":
        from sim.report import build_report

        return build_report
    if name == "export_sweep":
        from sim.export import export_sweep

        return export_sweep
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
