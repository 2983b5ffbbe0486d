"""The app as a user meets it: training speed with the TUI open, key-to-screen latency and
memory on a long run, measured through a real terminal (tmux) and printed as ratios and
percentiles (never pass/fail).

Method (everything in one run, on this machine, beside whatever else it is doing: the
load average before and after each part is printed):

1. **Throughput.** For each preset without a sweep (a sweep opens the sweep view, whose
   runs train in a pool: ``benchmarks/sweep.py`` measures that), with
   ``--set train.steps=10**9`` so it never finishes,
   in alternating windows, ``--rounds`` times: the app's speed for ``--window`` seconds,
   then, with the app paused, the headless speed for as long. This machine's speed drifts
   by up to 2x over tens of seconds (a shared host: the same loop runs at ~1,800 or
   ~3,600 steps/s for minutes at a time), and alternating puts both sides in the same
   phases.

   * ``headless``: the preset's runs (base and ``compare`` variants, as the app trains
     them) stepped in lockstep (``RunSet.tick``) in this process, BLAS held to one thread
     as the app does. A step is one step of every run, as the app's status line counts
     it (of the base run, or, if the base run stops, as in ``init_too_large``, of the
     first run still training, which the app is told to select).
   * ``tui``: ``nnterm PRESET --speed full`` (engine in its child process) in a private
     tmux server at ``--size`` (120x40, all panels, default fps). After the first step and
     ``--warmup`` seconds, ``tmux capture-pane`` reads the status line (``step N`` on the
     first line) every 0.25 s; steps/s is the least-squares slope of step over time (the
     line lags the engine by at most one snapshot, ~0.1 s), averaged over the windows.
   * ``tui --in-process``: the same with the engine in the app's worker thread.

   CPU% of the UI process, the engine process and the tmux server over the window (from
   ``/proc/PID/stat``; 100% = one core) shows who used the machine, and "steps per
   train-cpu-s" (steps/s over the CPU share of the process that trains: this one headless,
   the engine child, or the whole app with ``--in-process``) separates what a step costs
   from how much CPU the process was given. On a busy machine the two ratios differ: with
   the kernel's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) the CPU
   is shared between sessions, and the app's UI and engine share one session's share.

2. **Key-to-screen latency** while training (``--latency-preset``, 120x40): send ``-`` and
   ``+`` alternately (lr goes 0.1 -> 0.03 -> 0.1 ...; the status line shows ``lr X``) and
   poll ``capture-pane`` of the first line back to back until it shows the new value.
   Latency = time the screen is seen changed - time just before ``tmux send-keys`` was
   started. Nothing is subtracted: it includes starting ``send-keys`` and up to one
   ``capture-pane`` round trip (its median and p95, measured alone, are printed as the
   polling resolution). ``--samples`` keys with random gaps of 0.1-0.4 s. Then the same
   with the run paused (space), as a reference for the path without training and redraws
   competing. CPU% of UI, engine, tmux server and this poller (with its tmux clients)
   over each series shows what the polling itself costs.

3. **Memory.** ``--memory-preset`` (xor: tiny and fast) at full speed; resident memory
   (``VmRSS`` from ``/proc``) of the UI process and its engine child when the screen
   first shows ``step >= 20,000`` and ``>= 200,000`` (``--mem-steps``); each is the median
   of three readings 0.2 s apart. The ratio later/earlier should be close to 1.

The script re-runs itself with the engine's malloc setting (a heap on transparent huge
pages, ``process_session.ask_for_huge_pages``), so the headless side runs on the same terms.

Every tmux session runs on a private server socket with a unique name; each is quit with
``q``, then killed, the server is killed, and every process that carries this run's marker
in its environment (the app, its engine child and multiprocessing's resource tracker) is
checked gone (killed if not) before the tables print. Needs tmux and Linux ``/proc``.

    .venv/bin/python benchmarks/ui.py                 # every preset: ~20 minutes
    .venv/bin/python benchmarks/ui.py --only throughput --no-in-process   # ~10 minutes
    .venv/bin/python benchmarks/ui.py --quick         # ~1 minute: one preset, shorter
    .venv/bin/python benchmarks/ui.py --only latency --samples 80
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

import nnterm.app.single_thread_blas  # noqa: F401  (before NumPy: one BLAS thread, as the app)
from nnterm.engine.live.process_session import ask_for_huge_pages
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.preset_format.loader import list_presets, load_preset
from nnterm.engine.training.config import with_changes

LR_RE = re.compile(r"\blr (\S+)")
console = Console(width=None if sys.stdout.isatty() else 150)


def log(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')} {message}[/dim]")


def loadavg() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile, interpolated linearly between order statistics."""
    if not values:
        return float("nan")
    v = sorted(values)
    x = (len(v) - 1) * q / 100
    i = int(x)
    return v[i] if i + 1 >= len(v) else v[i] + (v[i + 1] - v[i]) * (x - i)


from tmux_lab import (  # noqa: E402  (beside this script)
    LONG_RUN,
    Tmux,
    alive,
    cpu_seconds,
    marked_pids,
    nnterm_argv,
    read_step,
    rss_mb,
    start_training,
    wait_for,
)


# ---------------------------------------------------------------------------- 1. throughput
@dataclass
class Speed:
    label: str
    steps_per_s: float
    cpu: dict[str, float]
    load: str
    note: str = ""
    run: int = 0  # which run's steps were counted (its place in the run table)


def lesson_runs(preset: str):
    """The preset's runs as the app trains them (base and variants, lockstep), warmed up;
    and which one to count: the first still training (the base run unless it diverged or
    stopped, as in init_too_large), what the status line shows once it is selected."""
    lesson = load_preset(preset, [LONG_RUN])
    runs = build_run_set([("base", lesson.config), *(
        (name, with_changes(lesson.config, changes)) for name, changes in lesson.compare.items())])
    warm = time.perf_counter()
    while time.perf_counter() - warm < 0.5:
        runs.tick()
    return runs, next((i for i, t in enumerate(runs.trainers) if not t.done), 0)


def headless_window(runs, run: int, window: float) -> tuple[int, float, float]:
    """Tick ``runs`` for ``window`` seconds: (steps of run ``run``, seconds, CPU seconds)."""
    trainer = runs.trainers[run]
    cpu0, t0, first = time.process_time(), time.perf_counter(), trainer.step_count
    while time.perf_counter() - t0 < window:
        runs.tick()
    return trainer.step_count - first, time.perf_counter() - t0, time.process_time() - cpu0


def tui_window(tmux: Tmux, name: str, window: float) -> tuple[list[float], list[int]]:
    """(times, steps) read off the status line every 0.25 s for ``window`` seconds."""
    times, steps = [], []
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < window:
        before = time.perf_counter()
        step = read_step(tmux.first_line(name))
        after = time.perf_counter()
        if step is not None:
            times.append((before + after) / 2)
            steps.append(step)
        time.sleep(0.25)
    return times, steps


def set_running(tmux: Tmux, name: str, running: bool) -> None:
    """Press space until the status line says running (or paused)."""
    want = "running" if running else "paused"
    for _ in range(3):
        if want in tmux.first_line(name):
            return
        tmux.send(name, " ")
        if wait_for(lambda: want in tmux.first_line(name), 3):
            return
    raise RuntimeError(f"the app did not get {want}: {tmux.first_line(name)!r}")


def paired_speeds(tmux: Tmux, args, preset: str, in_process: bool) -> tuple[Speed, Speed]:
    """Headless and TUI speed in alternating windows (TUI, then headless with the app
    paused, ``args.rounds`` times): this machine's speed drifts by up to 2x over tens of
    seconds (a shared host), and alternating puts both sides in the same phases."""
    runs, run = lesson_runs(preset)
    name = f"{tmux.socket}-tp-{preset}-{'inproc' if in_process else 'child'}"
    start_training(tmux, name, nnterm_argv(args, preset, *(["--in-process"] if in_process
                                                            else [])))
    if run:
        tmux.send(name, str(run + 1))
    for key in args.keys:
        tmux.send(name, key)
    time.sleep(args.warmup)
    procs = tmux.processes(name)
    procs["tmux"] = tmux.server_pid() or 0
    load = loadavg()
    h_steps = h_time = h_cpu = 0.0
    slopes, tui_time, cpu_used = [], 0.0, {k: 0.0 for k in procs}
    for _ in range(args.rounds):
        cpu0 = {k: cpu_seconds(p) for k, p in procs.items() if p}
        c0 = time.perf_counter()
        times, steps = tui_window(tmux, name, args.window)
        c1 = time.perf_counter()
        for k, p in procs.items():
            a, b = cpu0.get(k), cpu_seconds(p) if p else None
            if a is not None and b is not None:
                cpu_used[k] += b - a
        tui_time += c1 - c0
        if len(steps) >= 2:
            slopes.append((statistics.linear_regression(times, steps).slope, c1 - c0))
        set_running(tmux, name, False)
        steps_h, seconds, cpu = headless_window(runs, run, args.window)
        h_steps, h_time, h_cpu = h_steps + steps_h, h_time + seconds, h_cpu + cpu
        set_running(tmux, name, True)
    state = tmux.first_line(name).split("step")[0].strip()
    tmux.stop(name)
    tui_rate = (sum(s * w for s, w in slopes) / sum(w for _, w in slopes)) if slopes \
        else float("nan")
    counted = "" if run == 0 else f"counted run {run + 1}: base stopped"
    headless = Speed("headless", h_steps / h_time, {"ui": 100 * h_cpu / h_time}, load,
                     counted, run)
    cpu = {k: 100 * v / tui_time for k, v in cpu_used.items() if k != "tracker"}
    note = "; ".join(filter(None, [counted, "" if "running" in state
                                   else f"state at end: {state!r}"]))
    label = "tui --in-process" if in_process else "tui (engine child)"
    return headless, Speed(label, tui_rate, cpu, load, note, run)


def per_cpu_second(r: Speed) -> float:
    """Steps per CPU-second of the process that trains (headless: this one; engine child;
    --in-process: the whole app, UI included): what the steps cost, whatever the load."""
    cpu = r.cpu.get("engine", r.cpu.get("ui", float("nan")))
    return r.steps_per_s / (cpu / 100) if cpu else float("nan")


def throughput(tmux: Tmux, args) -> Table:
    table = Table(title=f"1. training throughput, TUI open ({args.size}, fps "
                        f"{args.fps or 'default'}) vs headless; target tui >= 0.90x headless; "
                        f"cpu: % of one core over the window", title_justify="left")
    for col in ("preset", "mode", "steps/s", "vs headless", "UI cpu", "engine cpu",
                "tmux cpu", "steps per train-cpu-s", "vs headless ", "load 1/5/15", "note"):
        table.add_column(col, justify="left" if col in ("preset", "mode", "note") else "right")
    for preset in args.presets:
        modes = [False] if args.no_in_process else [False, True]
        for in_process in modes:
            log(f"throughput {preset}: {'--in-process' if in_process else 'engine child'}, "
                f"{args.rounds} x ({args.window:g} s TUI, {args.window:g} s headless)")
            headless, tui = paired_speeds(tmux, args, preset, in_process)
            per_cpu = {r.label: per_cpu_second(r) for r in (headless, tui)}
            for r in (headless, tui):
                is_headless = r is headless
                ratio = "" if is_headless or not headless.steps_per_s \
                    else f"{r.steps_per_s / headless.steps_per_s:.2f}x"
                ratio_cpu = "" if is_headless or not per_cpu[headless.label] \
                    else f"{per_cpu[r.label] / per_cpu[headless.label]:.2f}x"
                fmt = {k: f"{v:.0f}%" for k, v in r.cpu.items()}
                table.add_row(preset, r.label, f"{r.steps_per_s:,.0f}", ratio,
                              fmt.get("ui", ""), fmt.get("engine", ""), fmt.get("tmux", ""),
                              f"{per_cpu[r.label]:,.0f}", ratio_cpu, r.load, r.note)
        table.add_section()
    return table


# ---------------------------------------------------------------------------- 2. latency
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


# ---------------------------------------------------------------------------- 3. memory
def memory(tmux: Tmux, args) -> Table:
    name = f"{tmux.socket}-mem"
    early, late = args.mem_steps
    log(f"memory: {args.memory_preset} to step {late:,}")
    t_start = time.perf_counter()
    start_training(tmux, name, nnterm_argv(args, args.memory_preset))
    procs = tmux.processes(name)
    readings: dict[int, dict[str, float]] = {}
    reached: dict[int, tuple[int, float]] = {}
    load0 = loadavg()
    for target in (early, late):
        step = wait_for(lambda t=target: (s := read_step(tmux.first_line(name))) is not None
                        and s >= t and s, args.mem_timeout, every=0.05)
        if not step:
            break
        reached[target] = (step, time.perf_counter() - t_start)
        values: dict[str, list[float]] = {"ui": [], "engine": []}
        for _ in range(3):
            for k in values:
                v = rss_mb(procs[k]) if k in procs else None
                if v is not None:
                    values[k].append(v)
            time.sleep(0.2)
        readings[target] = {k: statistics.median(v) for k, v in values.items() if v}
    last = read_step(tmux.first_line(name))
    tmux.stop(name)
    table = Table(title=f"3. resident memory (VmRSS, MB) on a long run ({args.memory_preset}, "
                        f"{args.size}); target later/earlier within 10%", title_justify="left")
    for col in ("process", f"step {early:,}", f"step {late:,}", "later/earlier"):
        table.add_column(col, justify="left" if col == "process" else "right")
    for k in ("ui", "engine", "total"):
        def get(t: int, k: str = k) -> float | None:
            r = readings.get(t)
            if r is None:
                return None
            return sum(r.values()) if k == "total" else r.get(k)
        a, b = get(early), get(late)
        table.add_row({"ui": "UI process", "engine": "engine child",
                       "total": "UI + engine"}[k],
                      f"{a:.1f}" if a else "n/a", f"{b:.1f}" if b else "n/a",
                      f"{b / a:.3f}" if a and b else "n/a")
    times = ", ".join(f"step {s:,} at {t:.1f} s" for s, t in reached.values())
    if late not in reached:
        times += f"; gave up after {args.mem_timeout:g} s at step {last}"
    table.caption = f"reached: {times}; load 1/5/15 at start {load0}, end {loadavg()}"
    return table


# ---------------------------------------------------------------------------- main
def same_heap_as_the_engine() -> None:
    """Re-run this script with the engine's malloc setting (``process_session.ask_for_huge_pages``:
    a heap on transparent huge pages, read at a process's start), so that the headless
    side is measured on the same terms as the app's engine."""
    if "glibc.malloc.hugetlb" not in os.environ.get("GLIBC_TUNABLES", ""):
        ask_for_huge_pages()
        os.execv(sys.executable, [sys.executable, *sys.argv])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split()),
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--presets", nargs="+",
                        default=[p.name for p in list_presets() if p.sweep is None],
                        help="presets for the throughput part (default: every preset "
                        "without a sweep)")
    parser.add_argument("--latency-preset", default="learning_rate",
                        help="preset trained while keys are timed (its lr must allow - and +)")
    parser.add_argument("--memory-preset", default="xor", help="a small, fast preset")
    parser.add_argument("--mem-steps", nargs=2, type=int, default=[20_000, 200_000],
                        metavar=("EARLY", "LATE"), help="step counts to compare memory at")
    parser.add_argument("--mem-timeout", type=float, default=120.0,
                        help="seconds to wait for each memory step count")
    parser.add_argument("--window", type=float, default=3.0,
                        help="seconds of each throughput window (default 3)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating TUI/headless window pairs per preset (default 3)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds after the first step before measuring (default 3)")
    parser.add_argument("--samples", type=int, default=40, help="latency keys (default 40)")
    parser.add_argument("--poll-interval", type=float, default=0.0, metavar="SECONDS",
                        help="sleep between capture-pane polls (default 0: back to back)")
    parser.add_argument("--no-paused", action="store_true",
                        help="skip the paused reference series of the latency part")
    parser.add_argument("--size", default="120x40", help="terminal size (default 120x40)")
    parser.add_argument("--keys", default="", help="keys typed once the app trains, before "
                        "throughput is measured (u: the network view)")
    parser.add_argument("--fps", type=float, help="pass --fps to nnterm (default: its own)")
    parser.add_argument("--only", nargs="+", choices=("throughput", "latency", "memory"),
                        default=["throughput", "latency", "memory"])
    parser.add_argument("--no-in-process", action="store_true",
                        help="skip the --in-process throughput run")
    parser.add_argument("--quick", action="store_true",
                        help="one preset, 4 s windows, 20 keys, memory at 10k/100k steps")
    parser.add_argument("--nnterm", default=None, help="the nnterm command (default: beside "
                        "this Python, else on PATH)")
    args = parser.parse_args()
    same_heap_as_the_engine()
    if args.quick:
        args.presets, args.window, args.warmup = args.presets[:1], 4.0, 2.0
        args.samples, args.mem_steps = 20, [10_000, 100_000]
    if args.nnterm is None:
        beside = Path(sys.executable).with_name("nnterm")
        args.nnterm = str(beside) if beside.exists() else (shutil.which("nnterm") or "nnterm")
    if shutil.which("tmux") is None:
        print("ui.py: needs tmux", file=sys.stderr)
        return 2
    width, height = (int(x) for x in args.size.lower().split("x"))

    tag = f"nntermui{os.getpid()}"
    tmux = Tmux(socket=tag, width=width, height=height, marker=f"NNTERM_BENCH_{tag.upper()}")
    console.print(f"[bold]nnterm UI benchmark[/bold]  {os.cpu_count()} cpus, load 1/5/15 "
                  f"{loadavg()}, tmux socket {tag}, {args.nnterm}")
    tables: list[Table] = []
    t0 = time.perf_counter()
    parts = {"throughput": throughput, "latency": latency, "memory": memory}
    try:
        for part in args.only:
            try:
                tables.append(parts[part](tmux, args))
            except (RuntimeError, OSError, ValueError) as exc:
                log(f"[red]{part} failed: {exc}[/red]")
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        killed = tmux.shutdown()
    for table in tables:
        console.print(table)
    left = [p for p in marked_pids(tmux.marker) if alive(p)]
    console.print(f"took {time.perf_counter() - t0:.0f} s; load 1/5/15 now {loadavg()}; "
                  f"processes killed at cleanup: {len(killed)}; nnterm processes left: {len(left)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
