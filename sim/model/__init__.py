"""The model: one run of one arm of one scenario, quarter by quarter (docs/model.md).

* :mod:`sim.model.model` -- :class:`ClusterModel`, the Mesa model; its ``step`` is the schedule
* :mod:`sim.model.state` -- the firm table and the queries mechanisms share
* :mod:`sim.model.agents` -- the Mesa agents and their decision rules
* :mod:`sim.model.population` -- drawing firms from their groups; entry and removal
* :mod:`sim.model.calibration` -- unobserved constants fixed at initialisation
* :mod:`sim.model.mechanisms` -- one module per stage of the schedule
* :mod:`sim.model.ledger`, :mod:`sim.model.outcomes`, :mod:`sim.model.network` -- the quarter's
  budget flows, the outcome catalogue, the supply-network view

``from sim.model import ClusterModel`` loads the model lazily (PEP 562), so importing a light
submodule such as :mod:`sim.model.outcomes` does not import Mesa.
"""

from importlib import import_module

__all__ = ["ClusterModel"]


def __getattr__(name: str) -> object:
    """Load :class:`ClusterModel` on first use."""
    if name == "ClusterModel":
        value = import_module("sim.model.model").ClusterModel
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
