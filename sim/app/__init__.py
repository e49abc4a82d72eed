"""The strategy-session page (``clustersim app``; needs the ``app`` extra).

* :mod:`sim.app.page` -- the Solara page (its parts in state, controls, estimate_view, pins_view,
  criteria, compare_view, variants, widgets)
* :mod:`sim.app.serve` -- serves the page (``clustersim app``): Solara on uvicorn in-process,
  behind an Origin / Host check
* :mod:`sim.app.live` -- :class:`~sim.app.live.LivePair`, the Mesa model the page steps
* :mod:`sim.app.session` -- the page's logic without Solara: allow-list, levers, estimate, save
* :mod:`sim.app.jobs` -- estimates in worker processes: bounded, cancellable, ended with the
  session
* :mod:`sim.app.chart_png` -- chart drawing and caching for the page
"""
