"""PanelSet: the main view's panels drawn from its snapshots, each at its redraw class's
pace (``redraw``).

While a run trains, snapshots come faster than the panels need redrawing: the status line
and the tables of numbers are drawn together at most every ``numbers`` seconds (the
screen's timer calls ``flush_numbers``), the slow panels one at a time, in turn. After a
key (``quiet``), its effect goes first: the numbers are drawn at once, the status line
before the tables, and the slow panels wait, but for a point drawn or erased on the
boundary, which the picture shows at once. When no run trains, a snapshot is news and
every panel on screen draws it at once. So is a lesson's first step: until the status
line shows one, the numbers are drawn at once (a lesson that opens says it trains as
soon as it does, not up to ``numbers`` seconds later).
"""

from __future__ import annotations

import time
from typing import Any

from textual.screen import Screen
from textual.widgets import ContentSwitcher

from nnterm.app.panels import PANELS, PICTURE, Panel, picture_for
from nnterm.app.redraw import PanelTurns, RedrawRates, some_run_trains
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.live.snapshot import Snapshot

#: The loss curves' panel: live even while the others show a frame of the past.
CURVES = "loss"


class PanelSet:
    """The declared panels of a mounted ``screen``, and its ``status`` line."""

    def __init__(self, screen: Screen, status: StatusLine, rates: RedrawRates) -> None:
        # kept from mount on: no query while drawing, which may run while unmounting
        self.screen = screen
        self.status = status
        self.widgets: dict[str, Any] = {p.name: screen.query_one(f"#{p.name}") for p in PANELS}
        self.picture = screen.query_one(f"#{PICTURE}", ContentSwitcher)
        self.tables = [self.widgets[p.name] for p in PANELS if p.redraw == "numbers"]
        self.slow = [p for p in PANELS if p.redraw not in (None, "numbers")]
        self.turns = PanelTurns({p.name: rates.every(p.redraw) for p in self.slow
                                 if p.redraw is not None}, rates.gap)
        self._pending: Snapshot | None = None  # came while training, numbers not drawn yet
        self._points: tuple[int, int] | None = None  # the points drawn in the last snapshot
        self._tables_due: Snapshot | None = None  # drawn after the status line's refresh

    def draw(self, snapshot: Snapshot, *, quiet: bool) -> None:
        """Draw ``snapshot`` as its moment asks: ``quiet``, a key was just pressed."""
        training = some_run_trains(snapshot)
        if quiet or not training or self.status.before_first_step:
            self.draw_numbers(snapshot, first=quiet)
        else:
            self._pending = snapshot  # drawn by flush_numbers, at its pace
        picture = picture_for(snapshot)
        shown = [p for p in self.slow if p.place != "picture" or p is picture]
        points, self._points = self._points, points_drawn(snapshot)
        if not training:
            for panel in shown:
                self._draw(panel, snapshot)
        elif points != self._points:  # a point just drawn shows under the cursor at once
            self._draw(picture, snapshot)
        elif not quiet and (turn := self.turns.next(time.monotonic(),
                                                     [p.name for p in shown])):
            self._draw(next(p for p in shown if p.name == turn), snapshot)

    def draw_numbers(self, snapshot: Snapshot, *, first: bool = False) -> None:
        """The status line and the tables of numbers; ``first``: the status line reaches
        the screen first, the tables next (after a key)."""
        self._pending = None
        self.status.update_snapshot(snapshot)
        if first:
            self._tables_due = snapshot
            # asked of the status line, not of the screen: the line tells the screen of
            # its new rows when its own messages are done, and a call asked of the
            # screen before then ran before the screen painted them
            self.status.call_after_refresh(self._draw_tables, snapshot)
        else:
            self._draw_tables(snapshot)

    @property
    def tables_due(self) -> bool:
        """Whether a snapshot's tables wait for the status line's next refresh (a key's
        effect goes first): until then they show the snapshot before."""
        return self._tables_due is not None

    def flush_numbers(self) -> None:
        """Draw the numbers of the newest snapshot, if one came while training since the
        last draw."""
        if self._pending is not None:
            self.draw_numbers(self._pending)

    def _draw_tables(self, snapshot: Snapshot) -> None:
        if self._tables_due is snapshot:
            self._tables_due = None
        for table in self.tables:
            table.update_snapshot(snapshot)

    def draw_past(self, frame: Snapshot) -> None:
        """A frame of the past (``rewind``) in every panel at once, but for the loss
        curves, which stay live with a cursor at the frame's step (``draw_live_curves``)."""
        self._pending = None
        self.widgets[CURVES].set_cursor(frame.step)
        self.status.update_snapshot(frame)
        self._draw_tables(frame)
        picture = picture_for(frame)
        for panel in self.slow:
            if panel.name != CURVES and (panel.place != "picture" or panel is picture):
                self._draw(panel, frame)

    def draw_live_curves(self, snapshot: Snapshot) -> None:
        """While a frame of the past is shown: the loss curves go on with the runs."""
        self.widgets[CURVES].update_snapshot(snapshot)

    def draw_all(self, snapshot: Snapshot) -> None:
        """``snapshot`` in every panel at once (back from the past: nothing waits)."""
        self.widgets[CURVES].set_cursor(None)
        self.draw_numbers(snapshot)
        picture = picture_for(snapshot)
        for panel in self.slow:
            if panel.place != "picture" or panel is picture:
                self._draw(panel, snapshot)

    def _draw(self, panel: Panel, snapshot: Snapshot) -> None:
        """One slow panel; a view of the picture panel is switched to first."""
        if panel.place == "picture" and self.picture.current != panel.name:
            self.picture.current = panel.name
            self.picture.border_title = panel.title
        self.widgets[panel.name].update_snapshot(snapshot)


def points_drawn(snapshot: Snapshot) -> tuple[int, int] | None:
    """(added, removed) points drawn on the data, None if none ever were."""
    drawn = snapshot.drawn
    return None if drawn is None else (drawn.added, drawn.removed)
