"""Regional input-output multipliers: indirect and induced effects of the cluster's purchases.

A national symmetric input-output table of domestic output is regionalised with location
quotients built from regional employment by industry (SLQ, CILQ or Flegg's FLQ), and Type I
(open) or Type II (closed for households) Leontief multipliers are applied to the cluster's
purchases from industries that are not agents of the model.

* :mod:`~sim.analysis.regional_io.tables` -- the table and coefficient classes, and reading
  the table, regional employment and purchase-mapping files;
* :mod:`~sim.analysis.regional_io.method` -- location quotients, regionalisation, Leontief
  inverse, multipliers and the rounds of effects of a demand vector;
* :mod:`~sim.analysis.regional_io.accounts` -- :func:`io_effects`, the effects of each
  regime's extra purchases per design point for the budget accounts.

The method, the file formats, what is illustrative and the sources are in
``docs/io_tables.md``. DataFrames in, DataFrames out: nothing here runs the model or opens the
store.
"""

from sim.analysis.regional_io.accounts import (
    BUYER,
    IO_COLUMNS,
    IO_OUTCOME,
    OUTSIDE_CATEGORY,
    employment_factor,
    io_effects,
    money_factor,
)
from sim.analysis.regional_io.method import (
    DEFAULT_DELTA,
    EFFECT_ROWS,
    KINDS,
    MEASURES,
    METHODS,
    Multipliers,
    indirect_and_induced,
    leontief_inverse,
    location_quotients,
    multipliers,
    purchases_by_industry,
    regionalise,
)
from sim.analysis.regional_io.tables import (
    ILLUSTRATIVE_EMPLOYMENT,
    ILLUSTRATIVE_MAPPING,
    ILLUSTRATIVE_TABLE,
    TABLE_COLUMNS,
    IOModel,
    IOTable,
    load_io_table,
    load_purchase_mapping,
    load_regional_employment,
)

__all__ = [
    "BUYER",
    "DEFAULT_DELTA",
    "EFFECT_ROWS",
    "ILLUSTRATIVE_EMPLOYMENT",
    "ILLUSTRATIVE_MAPPING",
    "ILLUSTRATIVE_TABLE",
    "IO_COLUMNS",
    "IO_OUTCOME",
    "KINDS",
    "MEASURES",
    "METHODS",
    "OUTSIDE_CATEGORY",
    "TABLE_COLUMNS",
    "IOModel",
    "IOTable",
    "Multipliers",
    "employment_factor",
    "indirect_and_induced",
    "io_effects",
    "leontief_inverse",
    "load_io_table",
    "load_purchase_mapping",
    "load_regional_employment",
    "location_quotients",
    "money_factor",
    "multipliers",
    "purchases_by_industry",
    "regionalise",
]
