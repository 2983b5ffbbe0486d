"""The app's driver under ``nnterm serve``: Textual's web driver, with the page's sizes
kept in order and an app that ends when its server is gone.

textual-serve starts each tab's app with Textual's ``WebDriver``: the app talks to the
server over its stdin and stdout (pipes, not a terminal). Two things go wrong there.

Sizes out of order. The driver posts the app's first size (the page's size when it
connected, from ``COLUMNS`` and ``ROWS``) through the event loop, while it posts every size
the page sends later straight from its input thread. A page whose size changed as it
connected (its fonts loaded, its window settled) sends a new size before the app is up, and
that newer size overtook the first: the app was laid out at the stale one. Here the page's
sizes take the same road as the first, so they arrive in the order they were sent.

A server that went away. When the server's ends of the pipes close (it was killed, or
stopped without ending its apps), Textual's input thread just stops reading and the app's
next write raises ``BrokenPipeError`` in the middle of a frame. Here either is a hang-up,
as when an SSH session drops: the app gets SIGHUP, which ends it as ``q`` does, and for
sure (``signal_exit``), and what it still writes goes nowhere.
"""

from __future__ import annotations

import os
import signal
from typing import cast

from textual import events
from textual.drivers.web_driver import WebDriver
from textual.geometry import Size


class NntermWebDriver(WebDriver):
    """``WebDriver`` with the page's sizes in order and a hang-up when the server goes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._hung_up = False
        write = self._write  # every write of the driver (frames, meta, files) goes here

        def write_or_hang_up(data: bytes) -> None:
            try:
                write(data)
            except BrokenPipeError:
                self._hang_up()

        # (Textual's attribute is typed as the partial it puts there; any writer of bytes does)
        self._write = write_or_hang_up  # type: ignore[assignment]

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type != "resize":
            super().on_meta(packet_type, payload)
            return
        self._size = cast(tuple[int, int], (payload["width"], payload["height"]))  # cells
        size = Size(*self._size)
        # Through the loop, as start_application_mode posts the first size: behind it.
        self.send_message(events.Resize(size, size))

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # stdin ended, and the app is not leaving
            self._hang_up()

    def _hang_up(self) -> None:
        if not self._hung_up:
            self._hung_up = True
            os.kill(os.getpid(), signal.SIGHUP)
