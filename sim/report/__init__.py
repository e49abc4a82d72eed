"""Strategy-document outputs: charts, labels, tables, briefs and exports (DataFrames in).

* :mod:`sim.report.charts` -- one function per chart kind, in the house style
* :mod:`sim.report.i18n` -- the label catalogue (ru, en) and number formats
* :mod:`sim.report.data` -- a stored sweep plus the tables computed from it
* :mod:`sim.report.figures` -- which charts apply to a sweep
* :mod:`sim.report.tables` -- regime and budget tables (CSV, Excel)
* :mod:`sim.report.docmodel` -- the brief's document model (paragraphs, numbered tables and figures)
* :mod:`sim.report.document` -- the brief's content, built once into that model for every format
* :mod:`sim.report.summary` -- the brief's one-page summary
* :mod:`sim.report.brief_common` -- what the summary and the tables share
* :mod:`sim.report.brief` -- the brief as HTML and an A4 PDF (Chromium)
* :mod:`sim.report.word` -- the brief as DOCX
* :mod:`sim.report.pack` -- the figure pack: figures, tables and brief in a folder
* :mod:`sim.report.export` -- tidy (long) exports for analysts
"""
