"""Analysis of stored runs: DataFrames in, DataFrames out (nothing here opens the store).

* :mod:`sim.analysis.effects` -- paired effects with t intervals, and their time paths
* :mod:`sim.analysis.budget` -- public-finance accounts per budget level (net balance, cash,
  tax-expenditure and committed cost, budget efficiency) and additionality
* :mod:`sim.analysis.comparison` -- the regime table per design point
* :mod:`sim.analysis.sensitivity` -- Sobol / Morris indices of an effect (SALib)
* :mod:`sim.analysis.discovery` -- scenario discovery: the box of parameter values in which a
  regime fails a target (PRIM) and feature scores with bootstrap bands (EMA Workbench)
"""

from sim.analysis.budget import ACCOUNT_LEVELS, BUDGET_COLUMNS, budget
from sim.analysis.comparison import compare, compare_points
from sim.analysis.discovery import Discovery, discover, feature_scores
from sim.analysis.effects import effect_paths, effects, horizon_values, t_interval
from sim.analysis.sensitivity import sensitivity

__all__ = [
    "ACCOUNT_LEVELS",
    "BUDGET_COLUMNS",
    "Discovery",
    "budget",
    "compare",
    "compare_points",
    "discover",
    "effect_paths",
    "effects",
    "feature_scores",
    "horizon_values",
    "sensitivity",
    "t_interval",
]
