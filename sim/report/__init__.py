"""Strategy-document outputs: charts, labels, tables, briefs and exports (DataFrames in).

* :mod:`sim.report.charts` -- one function per chart kind, in the house style
* :mod:`sim.report.i18n` -- the label catalogue (ru, en) and number formats
* :mod:`sim.report.data` -- a stored sweep plus the tables computed from it
* :mod:`sim.report.figures` -- which charts apply to a sweep
* :mod:`sim.report.tables` -- regime and budget tables (CSV, Excel)
* :mod:`sim.report.brief` -- the HTML and PDF brief
* :mod:`sim.report.pack` -- the figure pack: figures, tables and brief in a folder
* :mod:`sim.report.export` -- tidy (long) exports for analysts
"""
