"""What one more student costs ``nnterm serve``, and how many students one machine serves,
in a browser (the default) or over SSH (``--ssh``).

    .venv/bin/python benchmarks/serve_load.py            # xor, up to 16 tabs
    .venv/bin/python benchmarks/serve_load.py --preset activations --tabs 1 2 4
    .venv/bin/python benchmarks/serve_load.py --ssh --tabs 1 10 20 30 40 --all

Method (all on this machine, against a real ``nnterm serve`` on a free loopback port, with
the preset's runs made endless so that nothing finishes while measured):

1. Cost of one student. One tab in headless Chromium opens the app; once its status line
   shows training, the resident memory (VmRSS) of every process under the command
   textual-serve starts for the tab (its shell, the app, the app's engine process and
   multiprocessing's resource tracker) is summed from ``/proc``, and their CPU time (utime
   + stime) is read twice, ``--window`` seconds apart: CPU while training, at the lesson's
   own pace (what a student sees first). Then ``space`` pauses the app (checked on screen)
   and the same is measured idle. CPU is in % of one core. Chromium's own cost is the
   student's laptop's, not the server's, and is left out; the server process itself is
   shown on its own row.

2. How many tabs. For N = 1, 2, 4, ...: N - 1 "students" are websocket clients that speak
   textual-serve's protocol (connect to ``/ws``, send their terminal size, read everything
   the app sends and drop it: a browser that draws nothing, so the machine pays for the
   apps and the server, not for N browsers); the Nth is the Chromium tab above. All train.
   On the Chromium tab, ``l`` (log axis) is pressed ``--keys`` times; each latency is from
   the page's keydown event to the first terminal write after which the loss panel's title
   has gained or lost "(log)" (xterm.js ``onWriteParsed``; the canvas paints it at the
   next animation frame, at most 16 ms later). It is the whole path a student feels: the
   browser, the websocket, the server, the app's key handling and redraw, the way back.
   A load "keeps keys answered" when the 90th percentile is within 200 ms.

With N students training, the CPU of every student's processes and of the server is
read over ``--window`` seconds, and their resident memory summed: per student, the total
divided by N (the server's own cost shown apart). "clients' CPU" is this script's own
process over the same window: the silent clients (over SSH, their decryption), which a
class's laptops would pay for, here on the same two cores as the server.

Over SSH (``--ssh``: ``nnterm serve --ssh`` on a free loopback port) every student is an
asyncssh client with a PTY of 150x50. The one measured keeps what the app writes, and
finds the words on the screen in those bytes (``ssh_students``, with ``terminal_text``: no
terminal emulator); the others read and drop everything. A key's latency is from writing
``l`` to the SSH channel to reading the bytes that show its effect: the loss plot's label
gaining or losing "(log)". The SSH client's encryption on this machine is counted in the
latency, not in the server's CPU.

Everything else running on the machine counts too: the load average before and after is
printed with the tables, so figures from a busy machine can be told from an idle one's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from headless_chromium import Chromium, Tab  # noqa: E402  (beside this script)
from ssh_students import SshStudent, silent_ssh_student, ssh_key_latencies  # noqa: E402
from tmux_lab import (  # noqa: E402
    alive,
    cpu_seconds,
    descendants,
    marked_pids,
    ppid_of,
    rss_mb,
)

ENDLESS = "train.steps=1000000000"
ANSWERED_MS = 200
#: In the page: resolve with the ms from the next keydown to the first terminal write that
#: flips whether the screen shows ``needle``.
KEY_LATENCY = """new Promise((resolve, reject) => {
  const t = window.nntermTerminal, b = t.buffer.active;
  const shows = () => {
    for (let y = 0; y < t.rows; y++) {
      const line = b.getLine(b.viewportY + y);
      if (line && line.translateToString(true).includes(NEEDLE)) return true;
    }
    return false;
  };
  const before = shows();
  let pressed = null;
  document.addEventListener("keydown", () => { pressed = performance.now(); },
                            {once: true, capture: true});
  const sub = t.onWriteParsed(() => {
    if (pressed !== null && shows() !== before) {
      sub.dispose();
      resolve(performance.now() - pressed);
    }
  });
  setTimeout(() => { sub.dispose(); reject(new Error("no change within 10 s")); }, 10000);
})"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    """A running ``nnterm serve`` whose processes all carry ``marker``."""

    process: subprocess.Popen
    port: int
    marker: str

    @classmethod
    def start(cls, preset: str, ssh: bool = False) -> Served:
        """``nnterm serve`` (``--ssh``: with a host key of its own, in a folder that goes
        with the benchmark)."""
        port, marker = free_port(), uuid.uuid4().hex
        env = dict(os.environ, NNTERM_SERVE_LOAD=marker, OPENBLAS_NUM_THREADS="1")
        if ssh:
            env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="nnterm-serve-load-")
        process = subprocess.Popen(
            [sys.executable, "-m", "nnterm.app.cli", "serve", preset, "--port", str(port),
             "--set", ENDLESS, *(["--ssh", "--max-sessions", "1000", "--per-address",
                                  "1000"] if ssh else [])],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        first = process.stdout.readline()  # "nnterm: serving ..." once it listens
        if ("over SSH on" if ssh else "open http") not in first:
            raise RuntimeError(f"nnterm serve did not start: {first}{process.stdout.read()}")
        return cls(process, port, marker)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def app_trees(self) -> list[list[int]]:
        """One list of pids per tab: each child of the server with everything below it."""
        children = [p for p in descendants(self.process.pid)
                    if p != self.process.pid and ppid_of(p) == self.process.pid]
        return [descendants(child) for child in children]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        end_served(self.process, self.marker, timeout=60)


def end_served(process: subprocess.Popen, marker: str, timeout: float) -> None:
    """Wait ``timeout`` seconds for a server asked to stop, then kill its group, and any
    process still carrying ``marker`` (none should be left)."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for pid in marked_pids(marker):
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def tree_rss(pids: list[int]) -> float:
    return sum(rss_mb(p) or 0.0 for p in pids)


def tree_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(p) or 0.0 for p in pids)


def cpu_percent(groups: list[list[int]], window: float) -> list[float]:
    """CPU of each group of pids over the same ``window`` seconds, in % of one core."""
    before, start = [tree_cpu(g) for g in groups], time.monotonic()
    time.sleep(window)
    elapsed = time.monotonic() - start
    return [100 * (tree_cpu(g) - b) / elapsed for g, b in zip(groups, before, strict=True)]


async def open_app(browser: Chromium, served: Served) -> Tab:
    tab = await browser.new_tab()
    await tab.open(served.url)
    await tab.wait_for_text("step", timeout=120)
    await wait_training(tab)
    return tab


async def wait_training(student: Student, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        first = ((await student.screen_text()) or "").split("\n")[0]
        if "▶" in first and " step 0 " not in first:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the app did not start training")


# ---------------------------------------------------------------------------- 1. one student
@dataclass
class Cost:
    state: str
    app_mb: float
    tree_mb: float
    processes: int
    cpu: float
    server_mb: float
    server_cpu: float


async def one_student(transport: Transport, served: Served, window: float) -> list[Cost]:
    student = await transport.open_student()
    costs = []
    for state in ("training", "paused"):
        if state == "paused":
            await student.press(" ")
            await student.wait_for_text("‖ paused", timeout=30)
            await asyncio.sleep(1)  # let the last frames out before measuring idle
        (tree,) = served.app_trees()
        server = [served.process.pid]
        cpu, server_cpu = await asyncio.to_thread(cpu_percent, [tree, server], window)
        costs.append(Cost(state, app_mb=max(rss_mb(p) or 0.0 for p in tree),
                          tree_mb=tree_rss(tree), processes=len(tree), cpu=cpu,
                          server_mb=tree_rss(server), server_cpu=server_cpu))
    await student.close()
    return costs


# ---------------------------------------------------------------------------- 2. N students
async def silent_tab(served: Served, stop: asyncio.Event) -> None:
    """A tab that draws nothing: textual-serve's protocol, everything read and dropped."""
    ws_url = f"ws://127.0.0.1:{served.port}/ws?width=150&height=50"
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(ws_url, max_msg_size=0) as ws:
        await ws.send_json(["resize", {"width": 150, "height": 50}])
        reader = asyncio.ensure_future(_drain(ws))
        await stop.wait()
        reader.cancel()


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _message in ws:
        pass


async def key_latencies(tab: Tab, presses: int) -> list[float]:
    """``presses`` times: press ``l`` and measure, in the page, until "(log)" flips."""
    found = []
    for _ in range(presses):
        waiting = asyncio.ensure_future(
            tab.evaluate(KEY_LATENCY.replace("NEEDLE", '"loss (log)"'), await_promise=True))
        await asyncio.sleep(0.05)  # the listener is in place before the key goes
        await tab.press("l")
        found.append(await waiting)
        await asyncio.sleep(0.3)
    return found


Student = Tab | SshStudent


@dataclass
class Transport:
    """How students reach the server: ``open_student`` opens the measured one (once it
    trains), ``silent`` runs one that reads and drops everything until its ``stop`` event,
    ``latencies`` measures ``l`` presses on the measured one."""

    name: str
    open_student: Callable[[], Awaitable[Student]]
    silent: Callable[[asyncio.Event], Awaitable[None]]
    latencies: Callable[[Student, int], Awaitable[list[float]]]


def browser_transport(browser: Chromium, served: Served) -> Transport:
    return Transport("tabs", lambda: open_app(browser, served),
                     lambda stop: silent_tab(served, stop),
                     key_latencies)  # type: ignore[arg-type]  (a Tab there)


def ssh_transport(served: Served) -> Transport:
    async def open_student() -> SshStudent:
        student = await SshStudent.open(served.port)
        await wait_training(student)
        return student

    return Transport("SSH sessions", open_student,
                     lambda stop: silent_ssh_student(served.port, stop),
                     ssh_key_latencies)  # type: ignore[arg-type]  (an SshStudent there)


@dataclass
class Load:
    students: int
    median: float
    p90: float
    worst: float
    steps_per_s: str
    cpu_each: float  # % of a core, per student (all of a student's processes)
    mb_each: float  # resident memory per student
    server_cpu: float
    server_mb: float
    clients_cpu: float  # % of a core: this script's own process, the N - 1 silent clients


async def n_students(transport: Transport, served: Served, n: int, presses: int,
                     window: float) -> Load:
    stop = asyncio.Event()
    silent = [asyncio.ensure_future(transport.silent(stop)) for _ in range(n - 1)]
    student = await transport.open_student()
    await asyncio.sleep(3)  # every app past its start-up
    first = ((await student.screen_text()) or "").split("\n")[0]
    pace = first.split("steps/s")[0].split()[-1] if "steps/s" in first else "?"
    trees, server = served.app_trees(), [served.process.pid]
    before = os.times()
    cpus = await asyncio.to_thread(cpu_percent, [sum(trees, []), server], window)
    after = os.times()
    clients = 100 * ((after.user - before.user) + (after.system - before.system)) / (
        after.elapsed - before.elapsed)
    memory = sum(tree_rss(tree) for tree in trees)
    latencies = await transport.latencies(student, presses)
    stop.set()
    await asyncio.gather(*silent, return_exceptions=True)
    await student.close()
    while len(served.app_trees()) > 0:  # every app of this round gone before the next
        await asyncio.sleep(0.2)
    ordered = sorted(latencies)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return Load(n, statistics.median(latencies), p90, max(latencies), pace,
                cpu_each=cpus[0] / len(trees), mb_each=memory / len(trees),
                server_cpu=cpus[1], server_mb=tree_rss(server), clients_cpu=clients)


# ---------------------------------------------------------------------------- report
def cost_table(costs: list[Cost], preset: str) -> Table:
    table = Table(title=f"One student ({preset}): their processes on the server")
    for name in ("state", "RSS app", "RSS all", "processes", "CPU (% core)",
                 "server RSS", "server CPU"):
        table.add_column(name, justify="left" if name == "state" else "right")
    for c in costs:
        table.add_row(c.state, f"{c.app_mb:.0f} MB", f"{c.tree_mb:.0f} MB", str(c.processes),
                      f"{c.cpu:.0f}%", f"{c.server_mb:.0f} MB", f"{c.server_cpu:.0f}%")
    return table


def load_table(loads: list[Load], transport: Transport) -> Table:
    table = Table(title=f"Key to screen on one of N {transport.name} while all train "
                  f"({os.cpu_count()} cores)")
    for name in ("students", "median", "p90", "worst", f"p90 <= {ANSWERED_MS} ms", "steps/s",
                 "CPU per student", "RSS per student", "server CPU", "server RSS",
                 "clients' CPU"):
        table.add_column(name, justify="right")
    for load in loads:
        ok = "yes" if load.p90 <= ANSWERED_MS else "no"
        table.add_row(str(load.students), f"{load.median:.0f} ms", f"{load.p90:.0f} ms",
                      f"{load.worst:.0f} ms", ok, load.steps_per_s, f"{load.cpu_each:.1f}%",
                      f"{load.mb_each:.0f} MB", f"{load.server_cpu:.0f}%",
                      f"{load.server_mb:.0f} MB", f"{load.clients_cpu:.0f}%")
    return table


async def measure(args: argparse.Namespace, console: Console) -> None:
    load_before = os.getloadavg()
    served = Served.start(args.preset, ssh=args.ssh)
    browser = None if args.ssh else await Chromium.launch()
    try:
        transport = (ssh_transport(served) if browser is None
                     else browser_transport(browser, served))
        costs = await one_student(transport, served, args.window)
        console.print(cost_table(costs, args.preset))
        loads = []
        for n in args.tabs:
            loads.append(await n_students(transport, served, n, args.keys, args.window))
            console.print(f"  {n} {transport.name}: p90 {loads[-1].p90:.0f} ms, "
                          f"load average {os.getloadavg()[0]:.1f}")
            if loads[-1].p90 > ANSWERED_MS * 3 and not args.all:
                break  # far past the mark: more students only take longer
        console.print(load_table(loads, transport))
    finally:
        if browser is not None:
            await browser.close()
        served.stop()
    print_load(console, load_before)


def print_load(console: Console, before: tuple[float, float, float]) -> None:
    """The 1-minute load average before and now: figures from a busy machine told apart."""
    console.print(f"load average (1 min) before {before[0]:.1f}, after "
                  f"{os.getloadavg()[0]:.1f}, on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="xor")
    parser.add_argument("--ssh", action="store_true",
                        help="students over SSH (nnterm serve --ssh), not in a browser")
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 2, 4, 8, 16],
                        help="numbers of students (tabs or SSH sessions) to measure")
    parser.add_argument("--keys", type=int, default=10, help="key presses per load")
    parser.add_argument("--window", type=float, default=5.0, help="seconds of CPU measured")
    parser.add_argument("--all", action="store_true",
                        help="measure every --tabs value, even far past 200 ms")
    args = parser.parse_args()
    asyncio.run(measure(args, Console(width=None if sys.stdout.isatty() else 130)))


if __name__ == "__main__":
    main()
