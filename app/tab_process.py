"""One browser tab's app under ``nnterm serve``, started in a process group of its own and
ended for sure, however the tab went away.

textual-serve's ``AppService`` runs the tab's command (a shell running the app, which
starts its engine) and relays its output to the page. When the page goes, it asks the app
to quit and waits for its output to end; but it stops reading that output the moment a
write to the closed page fails, so the app could block on a full pipe while it exits, and
nothing ends an app that does not answer (the server then exits and leaves it behind).

Here the tab's processes are a process group of their own: a Ctrl+C typed at the server
reaches the server alone, which ends every tab in order. Ending a tab asks its app to quit
(as ``q`` does), then, if some process of the group still runs ``QUIT_GRACE`` seconds
later, sends the group SIGTERM (the app leaves as on ``kill``), and ``TERM_GRACE`` seconds
after that SIGKILL. The app's output is read to its end all along, dropped once the page
is gone. A tab is over when no process of its group runs; then its page's connection is
closed, if the page is still there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from asyncio.subprocess import PIPE, Process
from pathlib import Path

from textual_serve.app_service import AppService

#: Seconds an app has to leave after it was asked to quit, before it gets SIGTERM.
QUIT_GRACE = 2.0
#: Seconds it then has before SIGKILL ends whatever of the tab still runs.
TERM_GRACE = 1.0
#: How often a stopping tab looks whether its processes are gone (seconds).
POLL = 0.05


class TabApp(AppService):
    """``AppService`` whose ``stop`` returns only once every process of the tab is gone."""

    _ending: asyncio.Future[None] | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._process = process = await asyncio.create_subprocess_shell(
            self.command, stdin=PIPE, stdout=PIPE, stderr=PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True)  # the tab's own process group, led by the shell
        self._stdin = process.stdin
        return process

    async def on_data(self, payload: bytes) -> None:
        with contextlib.suppress(ConnectionResetError):  # the page is gone: read on, drop it
            await self.remote_write_bytes(payload)

    async def stop(self) -> None:
        """End the tab's app and everything it started (callable many times, at once)."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end())
        await asyncio.shield(self._ending)

    async def _end(self) -> None:
        if self._process is None:
            return
        group = self._process.pid
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        await end_group(group)
        if self._task is not None:
            await self._task  # the output, read to its end
        await self.remote_close()


async def end_group(group: int) -> None:
    """End what is left of ``group`` once its app was asked to leave: SIGTERM if a process
    of it still runs ``QUIT_GRACE`` seconds later, SIGKILL ``TERM_GRACE`` seconds after."""
    if not await gone_within(group, QUIT_GRACE):
        signal_group(group, signal.SIGTERM)
        if not await gone_within(group, TERM_GRACE):
            signal_group(group, signal.SIGKILL)
            await gone_within(group, TERM_GRACE)


async def gone_within(group: int, seconds: float) -> bool:
    """Wait up to ``seconds`` for every process of ``group`` to end; whether they did."""
    deadline = time.monotonic() + seconds
    while group_runs(group):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL)
    return True


def signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # (ended in the meantime)
        os.killpg(group, signum)


def group_runs(group: int) -> bool:
    """Whether a process of process group ``group`` still runs. A zombie has ended: the
    engine of a killed app stays one until its new parent reaps it, and not every init
    does; where ``/proc`` says so, zombies are not counted."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            state, _parent, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
            if int(pgrp) == group and state not in ("Z", "X"):
                return True
    return False
