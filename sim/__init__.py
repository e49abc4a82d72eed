"""clustersim: agent-based simulation of industrial-cluster formation and state preferences.

The public API is loaded lazily (PEP 562): ``import sim`` is cheap, and a process-pool worker
that only needs :mod:`sim.model` does not import pandas' analysis stack, SciPy, SQLAlchemy or
matplotlib.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clustersim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

#: Public name -> (module, attribute).
_EXPORTS = {
    "load_scenario": ("sim.scenario", "load_scenario"),
    "run_scenario": ("sim.api", "run_scenario"),
    "run": ("sim.api", "run_scenario"),
    "simulate": ("sim.api", "simulate"),
    "run_sweep": ("sim.api", "run_sweep"),
    "compare_sweep": ("sim.api", "compare_sweep"),
    "sensitivity": ("sim.api", "sensitivity"),
    "discover": ("sim.api", "discover"),
    "build_report": ("sim.api", "build_report"),
    "export_sweep": ("sim.api", "export_sweep"),
    "read": ("sim.api", "read"),
    "calibrate": ("sim.api", "calibrate"),
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    """Load a public function on first use."""
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
