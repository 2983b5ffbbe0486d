"""Headless Chromium driven over its DevTools protocol, to read what a textual-serve page
shows and to type into it. Used by ``serve_load.py`` and by ``tests/test_serve.py``.

The page draws the terminal with xterm.js into a canvas, so the text is not in the DOM.
xterm.js keeps what it draws in its screen buffer, readable through its public API
(``terminal.buffer.active.getLine(y).translateToString()``), but textual-serve's page
holds its ``Terminal`` in a local variable. A script that runs before the page's own
(``Page.addScriptToEvaluateOnNewDocument``) catches it: the page stores it as
``this.terminal = new Terminal(...)``, and a setter for ``terminal`` on
``Object.prototype`` sees that first assignment, keeps the object as ``window.nntermTerminal``
and then turns into a plain property, so the page runs unchanged.

Only aiohttp (a dependency of textual-serve) is needed: no Selenium or Playwright.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true,
                                             enumerable: true});
    if (value && value.buffer && value.buffer.active && !window.nntermTerminal) {
      window.nntermTerminal = value;
    }
  },
});
"""
SCREEN_TEXT = """(() => {
  const t = window.nntermTerminal;
  if (!t) return null;
  const b = t.buffer.active, lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(b.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
})()"""
DEVTOOLS_URL = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_path() -> str | None:
    """The Chromium binary on PATH (Debian's ``chromium``, or ``chromium-browser``)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Chromium:
    """One headless Chromium process with its own profile folder, started by ``launch``."""

    process: subprocess.Popen
    profile: str
    browser_ws: str
    session: aiohttp.ClientSession = field(default_factory=aiohttp.ClientSession)

    @classmethod
    async def launch(cls, width: int = 1400, height: int = 900, timeout: float = 60
                     ) -> Chromium:
        binary = chromium_path()
        if binary is None:
            raise FileNotFoundError("chromium is not installed")
        profile = tempfile.mkdtemp(prefix="nnterm-chromium-")
        argv = [binary, "--headless=new", "--remote-debugging-port=0",
                f"--user-data-dir={profile}", f"--window-size={width},{height}",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "about:blank"]
        if os.geteuid() == 0:
            argv.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, start_new_session=True)
        # The DevTools address is the one line Chromium prints once it listens; reading
        # stderr line by line blocks, so a thread reads it while the deadline runs.
        url = await asyncio.wait_for(asyncio.to_thread(_devtools_url, process), timeout)
        if url is None:
            _stop(process)
            shutil.rmtree(profile, ignore_errors=True)
            raise RuntimeError("chromium exited before it listened for DevTools")
        return cls(process, profile, url)

    async def new_tab(self) -> Tab:
        """A new blank tab (its own renderer state; several share the browser)."""
        async with self.session.ws_connect(self.browser_ws, max_msg_size=0) as ws:
            await ws.send_json({"id": 1, "method": "Target.createTarget",
                                "params": {"url": "about:blank"}})
            reply = await ws.receive_json()
        target = reply["result"]["targetId"]
        page_ws = self.browser_ws.split("/devtools/")[0] + f"/devtools/page/{target}"
        tab = Tab(await self.session.ws_connect(page_ws, max_msg_size=0))
        tab.reader = asyncio.create_task(tab.read_replies())
        return tab

    async def close(self) -> None:
        await self.session.close()
        _stop(self.process)
        shutil.rmtree(self.profile, ignore_errors=True)


def _devtools_url(process: subprocess.Popen) -> str | None:
    for line in process.stderr:
        if match := DEVTOOLS_URL.search(line):
            return match.group(1)
    return None


def _stop(process: subprocess.Popen) -> None:
    """End Chromium and its helper processes (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Tab:
    """One page, spoken to over its own DevTools websocket."""

    ws: aiohttp.ClientWebSocketResponse
    reader: asyncio.Task | None = None
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    waiting: dict[int, asyncio.Future] = field(default_factory=dict)

    async def read_replies(self) -> None:
        """Hand each reply to the call waiting for it (events are not used here)."""
        async for message in self.ws:
            data = json.loads(message.data)
            future = self.waiting.pop(data.get("id"), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def call(self, method: str, **params: Any) -> dict:
        call_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[call_id] = future
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def open(self, url: str) -> None:
        """Open ``url`` with the terminal catcher installed before the page's scripts."""
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        await self.call("Page.navigate", url=url)

    async def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression,
                                 returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screen_text(self) -> str | None:
        """The terminal's visible rows as text (None before the terminal exists)."""
        return await self.evaluate(SCREEN_TEXT)

    async def wait_for_text(self, needle: str, timeout: float) -> str:
        """Poll the screen until it shows ``needle``; returns the screen. Polling with a
        deadline, because the app starts in another process at its own pace; TimeoutError
        with the last screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = None
        while time.monotonic() < deadline:
            screen = await self.screen_text()
            if screen and needle in screen:
                return screen
            await asyncio.sleep(0.2)
        raise TimeoutError(f"{needle!r} not on screen after {timeout:g} s; it shows:\n{screen}")

    async def press(self, key: str) -> None:
        """Type one printable key as a person would: keydown (with its text) and keyup on
        the focused terminal, through xterm.js's own key handling."""
        await self.evaluate("window.nntermTerminal.focus()")
        for kind in ("keyDown", "keyUp"):
            await self.call("Input.dispatchKeyEvent", type=kind, key=key, text=key,
                            unmodifiedText=key)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.call("Page.close")
        await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
