"""How often each part of the screen is redrawn while training: the bytes it sends.

Every redraw is bytes on the user's link (a class of thirty over one SSH server adds up),
and the engine's snapshots (``--fps``) come faster than a reader needs most panels
redrawn. So the snapshot rate and the redraw rates are separate, one per redraw class (a
panel declares its class: ``panels``): the status line and the tables of ``numbers``
(runs, architecture, train/val) redraw together at most every ``numbers`` seconds; the
slow panels (the loss ``curves``, the ``pictures``, the ``weights``) one at a time, in
turn, each at most every so many seconds of its class, at least ``gap`` seconds apart so
that a key's effect waits behind one redraw at most. A key's effect on the status line is
drawn at once in any mode.

``--low-bandwidth`` picks ``LOW_BANDWIDTH``: slower redraws, no animations, and a status
line that keeps room for diagnoses from the start. ``--shared-server`` (what ``nnterm
serve`` gives every student's app) picks ``SHARED``: a quarter of the default's rates, for
thirty students on two cores (the app's redraws were two thirds of what a student cost at
a lesson's pace).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # (the command line reads the rates before Textual is needed)
    from textual.types import AnimationLevel

#: What a panel redraws like (``RedrawRates`` has the seconds of each): drawn with the
#: status line, or one slow panel at a time.
RedrawClass = Literal["numbers", "curves", "pictures", "weights"]


@dataclass(frozen=True)
class RedrawRates:
    """Seconds between redraws of each part of the screen while training."""

    numbers: float
    curves: float
    pictures: float
    #: The weights change least from one second to the next, and their stacked matrices
    #: are the largest picture (playground: a third of the default's bytes at every 1 s).
    weights: float
    gap: float
    #: Textual's ``App.animation_level``: "full", "basic" or "none".
    animation: AnimationLevel = "full"
    #: Lines the status line keeps from the start. Diagnoses arriving on a full second
    #: line take a third, which moves every panel below: a whole-screen repaint.
    status_lines: int = 2
    #: Said on the status line (empty: nothing to say).
    label: str = ""

    def every(self, redraw: RedrawClass) -> float:
        """Seconds between two redraws of a panel of class ``redraw``."""
        return getattr(self, redraw)


#: Numbers 4 times a second, the curves twice, the other panels once, the weights every 2 s.
DEFAULT = RedrawRates(numbers=0.25, curves=0.5, pictures=1.0, weights=2.0, gap=0.125)
#: Many apps on one server (``nnterm serve``): numbers every second, the curves every 2 s,
#: the other panels every 4 s, the weights every 8 s. Measured on xor at its pace (one
#: browser tab), the app's main thread took 2.4% of a core, against 4.2% at half the
#: default's rates and 7.6% at the default: a student 4.6% in all, 6.6% and 10.4%.
SHARED = RedrawRates(numbers=1.0, curves=2.0, pictures=4.0, weights=8.0, gap=0.5)
#: For a slow or shared link: about a quarter of the default's bytes (numbers every 2 s,
#: the curves every 6 s, the other panels every 8 s, the weights every 16 s, one at a
#: time a second apart).
LOW_BANDWIDTH = RedrawRates(numbers=2.0, curves=6.0, pictures=8.0, weights=16.0, gap=1.0,
                            animation="none", status_lines=3, label="low bandwidth")


def some_run_trains(snapshot) -> bool:
    """Whether some run on screen trains, so redraws keep their pace (a diverged or
    finished selected run beside training ones must not redraw every panel at every
    snapshot); when none does, a snapshot is news and is drawn at once."""
    return any(view.status == "training" and not view.paused
               for view in (snapshot, *snapshot.runs))


class PanelTurns:
    """Which slow panel to redraw next: each (by name) at most every ``intervals[name]``
    seconds, the one waiting longest first (ties: the first named), and none within
    ``gap`` seconds of the previous one. Only the panels on screen take turns (of the
    picture panel's views, the one shown)."""

    def __init__(self, intervals: Mapping[str, float], gap: float) -> None:
        self.intervals = dict(intervals)
        self.gap = gap
        self._drawn = dict.fromkeys(self.intervals, float("-inf"))
        self._last = float("-inf")

    def next(self, now: float, among: Collection[str]) -> str | None:
        """The panel of ``among`` to redraw at ``now`` (and note it as drawn), or None
        for none yet."""
        if now - self._last < self.gap:
            return None
        overdue = [(now - self._drawn[name] - every, -i, name)
                   for i, (name, every) in enumerate(self.intervals.items())
                   if name in among and now - self._drawn[name] >= every]
        if not overdue:
            return None
        *_, panel = max(overdue)
        self._drawn[panel] = self._last = now
        return panel
