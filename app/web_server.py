"""textual-serve's ``Server`` with two changes for a class: the page connects back to the
address the browser used, and the banner says where to point the browsers.

textual-serve writes absolute URLs into the page (its scripts and the websocket) from one
``public_url``, by default ``http://HOST:PORT``. Bound to ``0.0.0.0`` that URL is useless to
a student's browser, and behind SSH port forwarding the forwarded address differs from the
bound one; so unless ``--public-url`` fixes it, each page is given the scheme and host its
own request came with.
"""

from __future__ import annotations

from aiohttp import web
from textual_serve.server import Server


class NntermServer(Server):
    def __init__(self, command: str, *, host: str, port: int, title: str,
                 public_url: str | None, urls: list[str]) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.fixed_public_url = public_url is not None
        self.urls = urls

    async def handle_index(self, request: web.Request) -> web.Response:
        if not self.fixed_public_url:
            # The page template reads public_url without awaiting anything in between, so
            # no other request can change it before this page is rendered.
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def on_startup(self, app: web.Application) -> None:
        print(f"nnterm: serving {self.title!r}; open " + " or ".join(self.urls)
              + " (each tab runs its own app; Ctrl+C stops the server and every app)",
              flush=True)
