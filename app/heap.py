"""QuietHeap: the UI process's garbage collections, kept short and away from keys.

Textual makes reference cycles as it draws (each rendered line, a ``Strip``, holds caches
that can hold the strip itself), so Python's cycle collector runs every few seconds while
snapshots stream in. A full collection walks every tracked object of the process, the
app's hundreds of thousands of widgets, styles and module objects included: measured
30-100 ms with the event loop stalled, and a key pressed then waited behind it (the
tail of key-to-screen latency).

So the objects alive after a collection are frozen (``gc.freeze``: the collector no
longer walks them; reference counting still frees them), and a collection every
``TIDY_SECONDS`` then walks only what was made since: a few milliseconds. A frozen
object that later becomes part of an unreachable cycle is only found by a full
collection with everything unfrozen, done every ``SWEEP_SECONDS`` (its cost, ~100 ms
once a minute, is the price of memory that stays flat). Both wait while a key's effect
is on its way to the screen (``busy()``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


class QuietHeap:
    TIDY_SECONDS = 1.0
    SWEEP_SECONDS = 60.0

    def __init__(self, busy: Callable[[], bool],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.busy = busy
        self.clock = clock
        self.last_sweep = clock()
        self.sweep()

    def tidy(self) -> None:
        """Collect what was made since the last freeze and freeze what survived; a full
        sweep instead when one is due. Nothing while ``busy()``."""
        if self.busy():
            return
        if self.clock() - self.last_sweep >= self.SWEEP_SECONDS:
            self.sweep()
            return
        gc.collect()
        gc.freeze()

    def sweep(self) -> None:
        """Collect over every object (frozen ones too), then freeze the survivors."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.last_sweep = self.clock()
