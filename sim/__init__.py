"""clustersim: agent-based simulation of industrial-cluster formation and state preferences."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clustersim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"
