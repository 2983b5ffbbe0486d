"""What one more watcher costs ``nnterm serve --watch``: CPU and bandwidth per watcher.

    .venv/bin/python benchmarks/watch_load.py                 # xor, 0 1 10 30 watchers
    .venv/bin/python benchmarks/watch_load.py --watchers 0 30 60 --window 20
    .venv/bin/python benchmarks/watch_load.py --ssh          # the watchers over SSH

Method: a real ``nnterm serve PRESET --watch`` on a free loopback port, its "teacher's
terminal" a pseudo-terminal of 120x40 that this script holds and reads (and drops), the
preset's runs made endless and training at the lesson's own pace. For N = each of
``--watchers``, N watchers connect as textual-serve's page does (``/ws`` at 120x41, every
byte read and counted, nothing drawn: a browser's drawing is the student's laptop's cost),
or with ``--ssh`` as SSH clients (asyncssh, a PTY of 120x41, the same);
after a second to settle, the CPU time (utime + stime from ``/proc``) of the server
process, and of the teacher's app with its engine, is read twice ``--window`` seconds
apart, with the bytes each watcher received. CPU is in % of one core; a watcher's cost is
the server's CPU above that with no watcher, divided by N. The load average is printed
with the table: CPU time is fair under load, wall-clock figures are not.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncssh
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from serve_load import (  # noqa: E402  (beside this script)
    ENDLESS,
    end_served,
    free_port,
    print_load,
    tree_cpu,
)
from tmux_lab import descendants  # noqa: E402

from nnterm.app.pty_app import set_size  # noqa: E402

TEACHER = (120, 40)
#: Over SSH: every watcher comes from this one address, and none is turned away.
SSH_OPTIONS = ["--ssh", "--per-address", "1000", "--max-sessions", "1000"]


@dataclass
class Watched:
    """A running ``nnterm serve --watch`` in a PTY this script is the terminal of."""

    process: subprocess.Popen
    port: int
    marker: str
    master: int

    @classmethod
    def start(cls, preset: str, ssh: bool) -> Watched:
        port, marker = free_port(), uuid.uuid4().hex
        master, slave = os.openpty()
        set_size(master, *TEACHER)
        env = dict(os.environ, NNTERM_WATCH_LOAD=marker, OPENBLAS_NUM_THREADS="1",
                   TERM="xterm-256color")
        process = subprocess.Popen(
            [sys.executable, "-m", "nnterm.app.cli", "serve", preset, "--watch", "--port",
             str(port), "--set", ENDLESS, *(SSH_OPTIONS if ssh else [])], env=env,
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        threading.Thread(target=_drop, args=(master,), daemon=True).start()
        deadline = time.monotonic() + 60
        while not _listens(port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("nnterm serve --watch did not start")
            time.sleep(0.2)
        return cls(process, port, marker, master)

    def app_tree(self) -> list[int]:
        return [p for p in descendants(self.process.pid) if p != self.process.pid]

    def stop(self) -> None:
        os.write(self.master, b"q")  # the teacher quits: the server ends with the app
        end_served(self.process, self.marker, timeout=30)


def _drop(master: int) -> None:
    """Read the teacher's screen and drop it (a terminal that draws nothing)."""
    while True:
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


def _listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Watcher:
    """One student watching: everything read, bytes counted."""

    def __init__(self) -> None:
        self.received = 0

    async def watch(self, session: aiohttp.ClientSession, port: int, stop: asyncio.Event
                    ) -> None:
        """As textual-serve's page does."""
        url = f"ws://127.0.0.1:{port}/ws?width={TEACHER[0]}&height={TEACHER[1] + 1}"
        async with session.ws_connect(url, max_msg_size=0) as ws:
            reader = asyncio.ensure_future(self._read(ws))
            await stop.wait()
            reader.cancel()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += len(message.data)

    async def watch_ssh(self, port: int, stop: asyncio.Event) -> None:
        """As ``ssh -p PORT localhost`` in a terminal of 120x41 does."""
        async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student",
                                    agent_path=None, client_keys=None) as conn:
            process = await conn.create_process(
                term_type="xterm-256color", term_size=(TEACHER[0], TEACHER[1] + 1),
                encoding=None)
            reader = asyncio.ensure_future(self._read_ssh(process))
            await stop.wait()
            reader.cancel()

    async def _read_ssh(self, process: asyncssh.SSHClientProcess) -> None:
        while chunk := await process.stdout.read(65536):
            self.received += len(chunk)


@dataclass
class Row:
    watchers: int
    server: float  # % of a core
    app: float
    kb_per_s: float  # per watcher


async def with_watchers(watched: Watched, count: int, window: float, ssh: bool) -> Row:
    stop = asyncio.Event()
    watchers = [Watcher() for _ in range(count)]
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.ensure_future(w.watch_ssh(watched.port, stop) if ssh
                                       else w.watch(session, watched.port, stop))
                 for w in watchers]
        await asyncio.sleep(1.0)  # joined, and their first full screens sent
        groups = [[watched.process.pid], watched.app_tree()]
        before = [tree_cpu(g) for g in groups]
        received = [w.received for w in watchers]
        start = time.monotonic()
        await asyncio.sleep(window)
        elapsed = time.monotonic() - start
        server, app = (100 * (tree_cpu(g) - b) / elapsed
                       for g, b in zip(groups, before, strict=True))
        got = sum(w.received - r for w, r in zip(watchers, received, strict=True))
        stop.set()
        await asyncio.gather(*tasks)
    return Row(count, server, app, got / max(count, 1) / elapsed / 1000)


def table(rows: list[Row], preset: str, transport: str) -> Table:
    out = Table(title=f"Watchers over {transport} of one teacher's app ({preset}, "
                f"{TEACHER[0]}x{TEACHER[1]}, {os.cpu_count()} cores)")
    for name in ("watchers", "server CPU", "app + engine CPU", "CPU per watcher",
                 "received per watcher"):
        out.add_column(name, justify="right")
    idle = next((r.server for r in rows if r.watchers == 0), None)
    for r in rows:
        each = ("–" if idle is None or not r.watchers
                else f"{(r.server - idle) / r.watchers:.2f}%")
        out.add_row(str(r.watchers), f"{r.server:.1f}%", f"{r.app:.1f}%", each,
                    f"{r.kb_per_s:.1f} kB/s" if r.watchers else "–")
    return out


async def measure(args: argparse.Namespace, console: Console) -> None:
    load_before = os.getloadavg()
    watched = Watched.start(args.preset, args.ssh)
    try:
        await asyncio.sleep(3.0)  # the app up and training
        rows = []
        for count in args.watchers:
            rows.append(await with_watchers(watched, count, args.window, args.ssh))
            console.print(f"  {count} watchers: server {rows[-1].server:.1f}%")
        console.print(table(rows, args.preset, "SSH" if args.ssh else "websockets"))
    finally:
        watched.stop()
    print_load(console, load_before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="xor")
    parser.add_argument("--watchers", type=int, nargs="+", default=[0, 1, 10, 30])
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured")
    parser.add_argument("--ssh", action="store_true", help="serve --ssh --watch, SSH watchers")
    asyncio.run(measure(parser.parse_args(), Console()))


if __name__ == "__main__":
    main()
