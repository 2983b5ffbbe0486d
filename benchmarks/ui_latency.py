"""Part 2 of ``benchmarks/ui.py``: key-to-screen latency, preset by preset, at the lesson's
pace and at full speed, read off the screen through tmux (the method is in ui.py's
docstring).

What a key changes, and how the screen is read for it (a ``Probe``):

* a lesson in the main view: ``-`` and ``+`` alternately (lr 0.1 -> 0.03 -> 0.1 ...), read
  off ``lr X`` on the status line's first row. The line shows a key's new rate at once,
  marked ``lr →X`` until the engine has taken it (between two steps): each key is timed
  to both, "shown" and "taken";
* a preset with a sweep opens its sweep view, whose runs train in a pool of worker
  processes at full speed whatever ``--speed`` says, and which has no learning rate to
  change: there ``down`` and ``up`` move the cursor of the table of runs (what a user does
  to choose a run), read off the row the cursor's colours are on. Measured once, as
  "sweep view".

A lesson that opens paused (``backprop``, on its step-by-step view) is first set running
with space, the app's pause key, as a user would; the table says so. The ``paused`` pace
(``--paces ... paused``) measures the same keys with the lesson paused, as a reference.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.table import Table
from tmux_lab import Tmux, cpu_seconds, nnterm_argv, wait_for
from ui_report import loadavg, log, pct

from nnterm.engine.preset_format.loader import load_preset

LR_RE = re.compile(r"\blr (\S+)")
#: Escape codes that set colours and styles (``capture-pane -e`` keeps them).
SGR_RE = re.compile(r"(?:\x1b\[[0-9;]*m)*")
#: The header of the sweep view's table of runs.
TABLE_HEADER = "run @ point"
#: What marks a setting on the status line that the engine has not taken yet.
COMING = "→"
#: How long a key's effect is waited for before the key counts as lost.
TIMEOUT = 2.0
#: The paces a lesson is measured at: ``lesson`` (its own), ``full`` (``--speed full``) and
#: ``paused`` (its own, then paused with space: the path without training).
PACES = ("lesson", "full", "paused")


@dataclass(frozen=True)
class Probe:
    """Two keys pressed in turn, and what shows the effect of each: ``read`` gives the
    value on screen (None: not there yet)."""

    what: str
    keys: tuple[str, str]
    literal: bool
    read: Callable[[Tmux, str], str | None]


def status_lr(tmux: Tmux, name: str) -> str | None:
    """The learning rate on the status line's first row."""
    m = LR_RE.search(tmux.first_line(name))
    return m.group(1) if m else None


def cursor_row(tmux: Tmux, name: str) -> str | None:
    """The row of the sweep view's table of runs that the cursor is on (as text)."""
    screen = tmux.run("capture-pane", "-p", "-e", "-t", name, check=False).splitlines()
    header = next((i for i, line in enumerate(screen)
                   if TABLE_HEADER in SGR_RE.sub("", line)), None)
    return None if header is None else row_apart(screen[header + 1:])


def leading_styles(text: str) -> str:
    """The escape codes ``text`` starts with."""
    m = SGR_RE.match(text)
    return m.group() if m else ""


def row_apart(lines: list[str]) -> str | None:
    """The index (as text) of the one line of a table's ``lines`` whose styles just after
    its left border (``│``) are those of no other line: the cursor's (the other rows
    share the two styles of their stripes, and the blank lines below them one more);
    None if no line, or more than one, stands apart."""
    styles = [leading_styles(line.partition("│")[2]) for line in lines]
    apart = [i for i, style in enumerate(styles) if style and styles.count(style) == 1]
    return str(apart[0]) if len(apart) == 1 else None


LR_KEYS = Probe("lr on the status line: - +", ("-", "+"), True, status_lr)
CURSOR_KEYS = Probe("the run cursor: down up", ("Down", "Up"), False,
                    cursor_row)


@dataclass
class Series:
    """One series of keys: latencies (s), who used the CPU meanwhile, what it measured."""

    preset: str
    pace: str
    build: str
    what: str = ""
    samples: list[float] = field(default_factory=list)
    #: until the engine had taken the key (the value on screen without ``COMING``)
    taken: list[float] = field(default_factory=list)
    timeouts: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    load: tuple[str, str] = ("", "")
    notes: list[str] = field(default_factory=list)
    error: str = ""


def own_cpu() -> float:
    """CPU seconds of this process and its reaped children (the tmux clients)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def press_keys(tmux: Tmux, name: str, probe: Probe, series: Series, n: int,
               poll_interval: float, rng: random.Random) -> None:
    """``probe``'s keys in turn, ``n`` in all, each timed from just before ``send-keys``
    until the screen shows a new value, and until it shows it taken (not marked
    ``COMING``); random gaps of 0.1-0.4 s between keys."""
    procs = {k: p for k, p in tmux.processes(name).items() if k in ("ui", "engine")}
    cpu0 = {k: cpu_seconds(p) for k, p in procs.items()}
    mine0, c0 = own_cpu(), time.perf_counter()
    old = probe.read(tmux, name)
    for i in range(n):
        t0 = time.perf_counter()
        tmux.send(name, probe.keys[i % 2], literal=probe.literal)
        shown = None
        while True:
            now_value = probe.read(tmux, name)
            now = time.perf_counter()
            if shown is None and now_value is not None and now_value != old:
                shown = now - t0
            if shown is not None and now_value is not None and COMING not in now_value:
                series.samples.append(shown)
                series.taken.append(now - t0)
                break
            if now - t0 > TIMEOUT:
                series.timeouts += 1
                break
            if poll_interval:
                time.sleep(poll_interval)
        time.sleep(rng.uniform(0.1, 0.4))
        old = probe.read(tmux, name)
    elapsed = time.perf_counter() - c0
    for k, p in procs.items():
        a, b = cpu0.get(k), cpu_seconds(p)
        if a is not None and b is not None:
            series.cpu[k] = 100 * (b - a) / elapsed
    series.cpu["poller"] = 100 * (own_cpu() - mine0) / elapsed


def set_state(tmux: Tmux, name: str, want: str) -> bool:
    """Press space (the app's pause key) until the status line no longer says the other
    state (``running`` or ``paused``; a diverged run is left as it is)."""
    other = "paused" if want == "running" else "running"
    for _ in range(3):
        if other not in tmux.first_line(name):
            return True
        tmux.send(name, " ")
        if wait_for(lambda: other not in tmux.first_line(name), 3):
            return True
    return False


def measure(tmux: Tmux, args, preset: str, pace: str, build: str, nnterm: str,
            rng: random.Random) -> Series:
    """One series: ``preset`` started by ``nnterm`` at ``pace``, ``args.samples`` keys."""
    sweep = load_preset(preset).sweep is not None
    probe = CURSOR_KEYS if sweep else LR_KEYS
    series = Series(preset, "sweep view" if sweep else pace, build, probe.what)
    name = f"{tmux.socket}-lat-{preset}-{pace}-{build}"
    speed = "full" if pace == "full" else None
    tmux.start(name, nnterm_argv(args, preset, speed=speed, nnterm=nnterm))
    try:
        if not wait_for(lambda: probe.read(tmux, name), 60):
            series.error = f"nothing to read within 60 s: {tmux.first_line(name).strip()!r}"
            return series
        if not sweep:
            want = "paused" if pace == "paused" else "running"
            if want == "running" and "paused" in tmux.first_line(name):
                series.notes.append("opens paused: space first")
            if not set_state(tmux, name, want):
                series.error = f"not {want}: {tmux.first_line(name).strip()!r}"
                return series
        time.sleep(args.warmup)
        if not sweep and speed is None and "engine" in tmux.processes(name):
            series.notes.append("engine moved to a process")
        series.load = (loadavg(), "")
        press_keys(tmux, name, probe, series, args.samples, args.poll_interval, rng)
        series.load = (series.load[0], loadavg())
        if not sweep:
            state = tmux.first_line(name).split("step")[0].strip()
            if state.split()[:2] != (["‖", "paused"] if pace == "paused" else ["▶", "running"]):
                series.notes.append(f"at end: {state}")
    finally:
        tmux.stop(name)
    return series


def latency(tmux: Tmux, args) -> Table:
    """Every preset of ``args.latency_presets`` at every pace of ``args.paces`` (a sweep's
    view once), by this build and, with ``args.before``, by the earlier one in turn (which
    goes first alternates from one series to the next)."""
    builds = [("now", args.nnterm)] + ([("before", args.before)] if args.before else [])
    plan = [(preset, pace) for preset in args.latency_presets
            for pace in (args.paces if load_preset(preset).sweep is None else args.paces[:1])]
    log(f"latency: {len(plan)} series x {len(builds)} build(s), {args.samples} keys each")
    load0, rtt = loadavg(), capture_round_trip(tmux, args)
    rng = random.Random(0)
    results: list[Series] = []
    for i, (preset, pace) in enumerate(plan):
        for build, nnterm in builds if i % 2 == 0 else builds[::-1]:
            series = measure(tmux, args, preset, pace, build, nnterm, rng)
            log(f"  {preset} {series.pace} {build}: " + (series.error or (
                f"p50 {1000 * pct(series.samples, 50):.0f} p95 "
                f"{1000 * pct(series.samples, 95):.0f} ms, taken p95 "
                f"{1000 * pct(series.taken, 95):.0f} ms")))
            results.append(series)
    return latency_table(results, args, load0, rtt)


def capture_round_trip(tmux: Tmux, args) -> list[float]:
    """Seconds of 30 ``capture-pane`` calls on an idle pane: the polling's resolution."""
    name = f"{tmux.socket}-rtt"
    tmux.start(name, ["sleep", "60"])
    try:
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            tmux.first_line(name)
            times.append(time.perf_counter() - t0)
        return times
    finally:
        tmux.stop(name)


def latency_table(results: list[Series], args, load0: str, rtt: list[float]) -> Table:
    builds = len({s.build for s in results}) > 1
    poll = "back to back" if not args.poll_interval else f"every {1000 * args.poll_interval:g} ms"
    table = Table(title=f"2. key to screen, ms ({args.size}, {args.samples} keys a series, "
                        f"nothing subtracted); target p95 <= 50 at the lesson's pace, <= 80 "
                        f"at full speed", title_justify="left")
    columns = ["preset", "pace", *(["build"] if builds else []), "p50", "p95", "max",
               "taken p50", "taken p95", "n",
               "UI cpu", "engine cpu", "load before", "load after", "measured"]
    for col in columns:
        table.add_column(col, justify="left" if col in ("preset", "pace", "build", "load before",
                                                        "load after", "measured") else "right")
    previous = ""
    for s in results:
        if previous and s.preset != previous:
            table.add_section()
        previous = s.preset
        ms = [1000 * x for x in s.samples]
        taken = [1000 * x for x in s.taken]
        cpu = {k: f"{v:.0f}%" for k, v in s.cpu.items()}
        lost = f" +{s.timeouts} lost" if s.timeouts else ""
        what = "; ".join(filter(None, [s.what, *s.notes, s.error and f"failed: {s.error}"]))
        table.add_row(s.preset, s.pace, *([s.build] if builds else []),
                      f"{pct(ms, 50):.0f}", f"{pct(ms, 95):.0f}",
                      f"{max(ms, default=float('nan')):.0f}", f"{pct(taken, 50):.0f}",
                      f"{pct(taken, 95):.0f}", f"{len(ms)}{lost}",
                      cpu.get("ui", ""), cpu.get("engine", "thread"), *s.load, what)
    rtt_ms = [1000 * x for x in rtt]
    table.caption = (f"capture-pane polled {poll}; one round trip (the resolution) p50 "
                     f"{pct(rtt_ms, 50):.1f} / p95 {pct(rtt_ms, 95):.1f} ms; load 1/5/15 at "
                     f"start {load0}, end {loadavg()}")
    return table
