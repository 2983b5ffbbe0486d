"""The panels of the nnterm UI: each draws what a Snapshot gives it, nothing more.

Every widget has ``update_snapshot(snapshot)``, which stores what it needs and refreshes
only when that changed, plus its own view toggles. One widget a module, imported from its
module (``from nnterm.app.widgets.loss_plot import LossPlot``): the package itself imports
none of them, so that ``nnterm run`` can draw its sweep chart with ``axis_ticks`` without
loading Textual.
"""
