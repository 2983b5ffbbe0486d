"""Part 2 of ``benchmarks/ui.py``: key-to-screen latency while training and paused, read off
the status line through tmux (the method is in ui.py's docstring)."""

from __future__ import annotations

import os
import random
import re
import time
from dataclasses import dataclass, field

from rich.table import Table
from tmux_lab import Tmux, cpu_seconds, nnterm_argv, start_training, wait_for
from ui_report import loadavg, log, pct

LR_RE = re.compile(r"\blr (\S+)")


@dataclass
class Keys:
    """Latencies (s) of one series of keys, and who used the CPU meanwhile."""

    samples: list[float] = field(default_factory=list)
    sends: list[float] = field(default_factory=list)
    polls: list[int] = field(default_factory=list)
    timeouts: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    state: str = ""


def own_cpu() -> float:
    """CPU seconds of this process and its reaped children (the tmux clients)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def press_keys(tmux: Tmux, name: str, n: int, poll_interval: float, rng: random.Random) -> Keys:
    """``-`` and ``+`` alternately; each timed until the status line shows the new lr."""
    keys = Keys()
    procs = {k: p for k, p in tmux.processes(name).items() if k in ("ui", "engine")}
    procs["tmux"] = tmux.server_pid() or 0
    cpu0 = {k: cpu_seconds(p) for k, p in procs.items()}
    mine0, c0 = own_cpu(), time.perf_counter()
    line = tmux.first_line(name)
    for i in range(n):
        m = LR_RE.search(line)
        old = m.group(1) if m else None
        t0 = time.perf_counter()
        tmux.send(name, "-" if i % 2 == 0 else "+")
        keys.sends.append(time.perf_counter() - t0)
        count = 0
        while True:
            line = tmux.first_line(name)
            count += 1
            m = LR_RE.search(line)
            now = time.perf_counter()
            if m and m.group(1) != old:
                keys.samples.append(now - t0)
                keys.polls.append(count)
                break
            if now - t0 > 2.0:
                keys.timeouts += 1
                break
            if poll_interval:
                time.sleep(poll_interval)
        time.sleep(rng.uniform(0.1, 0.4))
        line = tmux.first_line(name)
    elapsed = time.perf_counter() - c0
    for k, p in procs.items():
        a, b = cpu0.get(k), cpu_seconds(p) if p else None
        if a is not None and b is not None:
            keys.cpu[k] = 100 * (b - a) / elapsed
    keys.cpu["poller"] = 100 * (own_cpu() - mine0) / elapsed
    keys.state = line.split("step")[0].strip()
    return keys


def latency(tmux: Tmux, args) -> Table:
    name = f"{tmux.socket}-lat"
    log(f"latency: {args.latency_preset}, {args.samples} keys while training, then paused")
    start_training(tmux, name, nnterm_argv(args, args.latency_preset))
    time.sleep(args.warmup)
    load0 = loadavg()
    rtt = []
    for _ in range(50):
        t0 = time.perf_counter()
        tmux.first_line(name)
        rtt.append(time.perf_counter() - t0)
    rng = random.Random(0)
    series = {"training": press_keys(tmux, name, args.samples, args.poll_interval, rng)}
    if not args.no_paused:
        tmux.send(name, " ")
        if wait_for(lambda: "paused" in tmux.first_line(name), 5):
            time.sleep(0.5)
            series["paused (reference)"] = press_keys(tmux, name, args.samples,
                                                      args.poll_interval, rng)
    tmux.stop(name)
    poll = "back to back" if not args.poll_interval else f"every {1000 * args.poll_interval:g} ms"
    table = Table(title=f"2. key-to-screen latency, ms ({args.latency_preset}, {args.size}); "
                        f"target p95 <= 50 ms while training; nothing subtracted; "
                        f"capture-pane polled {poll}", title_justify="left")
    for col in ("measure", "median", "p95", "min", "max", "n", "UI cpu", "engine cpu",
                "tmux cpu", "poller cpu", "state at end"):
        table.add_column(col, justify="left" if col in ("measure", "state at end") else "right")

    def row(label: str, values: list[float], n: str, cpu: dict | None = None,
            state: str = "") -> None:
        cpu = {k: f"{v:.0f}%" for k, v in (cpu or {}).items()}
        table.add_row(label, f"{pct(values, 50):.1f}", f"{pct(values, 95):.1f}",
                      f"{min(values, default=float('nan')):.1f}",
                      f"{max(values, default=float('nan')):.1f}", n, cpu.get("ui", ""),
                      cpu.get("engine", ""), cpu.get("tmux", ""), cpu.get("poller", ""), state)

    for label, k in series.items():
        timed = f" +{k.timeouts} >2 s" if k.timeouts else ""
        row(f"key -> screen, {label}", [1000 * x for x in k.samples],
            f"{len(k.samples)}{timed}", k.cpu, k.state)
    row("capture-pane round trip (= resolution)", [1000 * x for x in rtt], str(len(rtt)))
    sends = [1000 * x for k in series.values() for x in k.sends]
    row("send-keys call (included above)", sends, str(len(sends)))
    polls = [float(x) for k in series.values() for x in k.polls]
    table.add_row("polls per sample", f"{pct(polls, 50):.0f}", f"{pct(polls, 95):.0f}",
                  f"{min(polls, default=0):.0f}", f"{max(polls, default=0):.0f}",
                  str(len(polls)))
    table.caption = f"load 1/5/15 at start {load0}, end {loadavg()}"
    return table
