"""textual-serve's ``Server`` with the changes a class needs: the page connects back to the
address the browser used, every tab's app ends with its tab and with the server, and the
banner says where to point the browsers.

textual-serve writes absolute URLs into the page (its scripts and the websocket) from one
``public_url``, by default ``http://HOST:PORT``. Bound to ``0.0.0.0`` that URL is useless to
a student's browser, and behind SSH port forwarding the forwarded address differs from the
bound one; so unless ``--public-url`` fixes it, each page is given the scheme and host its
own request came with.

A tab's app runs as a ``TabApp`` (``tab_process``), which ends it for sure. A page that
goes without a word (a closed laptop, a dropped network: no TCP close ever arrives) is
found by the websocket's heartbeat: after ``HEARTBEAT`` seconds without a message the
server pings the page, and a page that has not answered within half of that is gone.
Ctrl+C (or SIGTERM) ends every tab's app before the server exits.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from textual_serve.server import Server, to_int

from nnterm.app.tab_process import TabApp

#: Seconds of silence from a page before the server pings it (an answer is due in half of
#: that): a tab whose connection is gone is found within 1.5 times this.
HEARTBEAT = 2.0


class NntermServer(Server):
    def __init__(self, command: str, *, host: str, port: int, title: str,
                 public_url: str | None, urls: list[str]) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.fixed_public_url = public_url is not None
        self.urls = urls
        self.tabs: set[TabApp] = set()

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if not self.fixed_public_url:
            # The page template reads public_url without awaiting anything in between, so
            # no other request can change it before this page is rendered.
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the heartbeat and a ``TabApp`` that the server
        knows of until it has ended (however the connection ended)."""
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        await self.run_tab(websocket, self.command, width, height)
        return websocket

    async def run_tab(self, websocket: web.WebSocketResponse, command: str, width: int,
                      height: int) -> None:
        """``command``'s app for the page behind ``websocket``, until either ends."""
        tab = TabApp(command, write_bytes=websocket.send_bytes,
                     write_str=websocket.send_str,
                     # (textual-serve wants a None result; it awaits this and drops the result)
                     close=websocket.close,  # type: ignore[arg-type]
                     download_manager=self.download_manager, debug=self.debug)
        self.tabs.add(tab)
        try:
            await tab.start(width, height)
            await self._process_messages(websocket, tab)
        finally:
            await tab.stop()
            self.tabs.discard(tab)

    async def on_startup(self, app: web.Application) -> None:
        print(f"nnterm: serving {self.title!r}; open " + " or ".join(self.urls)
              + " (each tab runs its own app; Ctrl+C stops the server and every app)",
              flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """Before the server waits for its connections: end every tab's app (which closes
        its page's connection)."""
        await asyncio.gather(*(tab.stop() for tab in list(self.tabs)))
