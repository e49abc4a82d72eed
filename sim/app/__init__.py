"""The strategy-session page (``clustersim app``; needs the ``app`` extra).

* :mod:`sim.app.page` -- the Solara page around Mesa's SolaraViz (served by ``solara run``)
* :mod:`sim.app.live` -- :class:`~sim.app.live.LivePair`, the Mesa model the page steps
* :mod:`sim.app.session` -- the page's logic without Solara: allow-list, levers, estimate, save
* :mod:`sim.app.chart_png` -- chart drawing and caching for the page
"""
