"""``nnterm serve PRESET --watch``: every browser tab shows the teacher's one app
(``watch_hub``), which the teacher drives from the terminal the server runs in.

textual-serve's page writes the binary frames it gets to its terminal (xterm.js) and sends
its keys and sizes as JSON text frames; here a tab's frames are the hub's bytes, its size
only decides whether it fits the teacher's screen, and of its keys only the copy key does
anything: the tab then becomes an ordinary ``serve`` tab (``TabApp``), with an app and an
engine of its own started from the teacher's selected run (``--from-state``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from textual_serve.server import to_int

from nnterm.app.serve import app_command, port_problem
from nnterm.app.watch_hub import COPY_KEY, LEAVE_WATCHING, NO_COPY, WatchHub, copy_argv
from nnterm.app.watch_terminal import TeacherTerminal
from nnterm.app.web_server import HEARTBEAT, NntermServer


class WatchServer(NntermServer):
    """``NntermServer`` whose tabs watch ``hub``; ``terminal``: the teacher's (None in a
    test: the hub is then driven by its ``type``)."""

    def __init__(self, hub: WatchHub, terminal: TeacherTerminal | None, *, copy_argv: list[str],
                 host: str, port: int, title: str, public_url: str | None,
                 urls: list[str]) -> None:
        super().__init__(app_command(copy_argv), host=host, port=port, title=title,
                         public_url=public_url, urls=urls)
        self.hub, self.terminal, self.copy_argv = hub, terminal, copy_argv

    def initialize_logging(self) -> None:
        """Nothing logged to the terminal: it is the teacher's app's."""
        logging.getLogger().addHandler(logging.NullHandler())

    async def on_startup(self, app: web.Application) -> None:
        await self.hub.start()
        if self.terminal is not None:
            self.terminal.attach(self.hub)
        self._ending = asyncio.ensure_future(self._end_with_the_app())

    async def _end_with_the_app(self) -> None:
        """The teacher quit the app: the server stops (its tabs' own copies with it)."""
        await self.hub.ended.wait()
        asyncio.get_running_loop().call_soon(self.request_exit)  # (GracefulExit, as Ctrl+C)

    async def on_shutdown(self, app: web.Application) -> None:
        self._ending.cancel()  # (the server stops already)
        if self.terminal is not None:
            self.terminal.detach()
        await self.hub.stop()
        await super().on_shutdown(app)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        viewer = self.hub.add_viewer(websocket.send_bytes, width, height)
        copy: Path | None = None
        try:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                kind, data = envelope(message.data)
                if kind == "resize" and isinstance(data, dict):
                    width = to_int(str(data.get("width")), width)
                    height = to_int(str(data.get("height")), height)
                    viewer.resize(width, height)
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "stdin" and data == COPY_KEY:  # (not in a mouse report)
                    copy = await self.hub.copy_of_selected_run()
                    if copy is not None:
                        break
                    viewer.tell(NO_COPY)
        finally:
            self.hub.remove_viewer(viewer)
        if copy is not None and not websocket.closed:
            await websocket.send_bytes(LEAVE_WATCHING)
            own = app_command([*self.copy_argv, "--from-state", str(copy)])
            await self.run_tab(websocket, own, width, height)  # an ordinary tab's from here
        return websocket


def envelope(text: str) -> tuple[str, Any]:
    """A page's message: ``[kind]`` or ``[kind, data]`` (``["focus"]``, ``["stdin",
    "M"]``); anything else is ``("", None)``, ignored."""
    with contextlib.suppress(ValueError):
        message = json.loads(text)
        if isinstance(message, list) and message and isinstance(message[0], str):
            return message[0], message[1] if len(message) > 1 else None
    return "", None


def serve_watched(args: argparse.Namespace, argv: list[str], title: str,
                  addresses: list[str]) -> int:
    """Serve the teacher's app (``argv``), driven from this terminal, to every tab."""
    terminal = TeacherTerminal()
    print("nnterm: the class watches this app: open " + " or ".join(addresses)
          + f" (keys do nothing there; {COPY_KEY}: a copy of their own). q quits the app "
          "and the server.", flush=True)
    hub = WatchHub(argv, terminal.size())
    server = WatchServer(hub, terminal, copy_argv=copy_argv(argv), host=args.host,
                         port=args.port, title=title, public_url=args.public_url,
                         urls=addresses)
    try:
        server.serve()
    except OSError as err:
        print(f"nnterm: error: {port_problem(args.host, args.port, err)}", file=sys.stderr)
        return 2
    return 0
