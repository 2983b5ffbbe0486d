"""The keys of drawing your own data: ``h`` gives the decision boundary the keys (the
boundary's own bindings then draw and erase, and so do clicks on it) or takes them back;
every point drawn or erased goes to every run's data, unless the teacher locked drawing.

``DrawKeys`` belongs to the main view, which gives it a ``DrawHost``; the view's message
handlers for the boundary's ``Drawn`` and ``Erased`` hand them on here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from nnterm.app.locks import DRAWING_LOCKED
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.engine.live import run_commands as rc
from nnterm.engine.training import commands as cmd

#: What ``h`` says where there is no decision boundary on screen to draw on.
NO_DRAWING = ("points are drawn on the decision boundary: 2-D classification data, with "
              "the boundary shown (u closes the network view)")


class DrawHost(Protocol):
    """The screen the boundary is on."""

    def query_one(self, selector: type[DecisionBoundary]) -> DecisionBoundary: ...
    def send(self, command: rc.LiveCommand) -> None: ...
    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None: ...
    def fill_with_picture(self, fill: bool) -> None: ...


class DrawKeys:
    """Drawing on the boundary; ``locked()`` says whether the teacher locked it."""

    def __init__(self, host: DrawHost, locked: Callable[[], bool]) -> None:
        self.host = host
        self.locked = locked

    def toggle(self) -> None:
        """Draw on the decision boundary (it takes the focus), or stop drawing; on a
        small terminal the picture fills the screen meanwhile, as the network view's."""
        boundary = self.host.query_one(DecisionBoundary)
        if boundary.drawing:
            boundary.action_leave()
            self.host.fill_with_picture(False)
        elif not boundary.display:
            self.host.notify(NO_DRAWING, title="Draw", timeout=4)
        else:
            boundary.focus()
            self.host.fill_with_picture(True)

    def drawn(self, message: DecisionBoundary.Drawn) -> None:
        """A point drawn: every run trains on it (a click on the boundary draws without
        ``h``: the lock is checked here)."""
        if self._allowed():
            self.host.send(cmd.AddPoint(message.x1, message.x2, message.label))

    def erased(self, message: DecisionBoundary.Erased) -> None:
        """Points erased: from every run's data."""
        if self._allowed():
            self.host.send(cmd.RemovePoints(message.box, message.validation))

    def _allowed(self) -> bool:
        if self.locked():
            self.host.notify(DRAWING_LOCKED, title="Locked", timeout=3)
            return False
        return True
