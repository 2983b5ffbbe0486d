"""Part 1 of ``benchmarks/ui.py``: training throughput with the TUI open against headless, in
alternating windows (the method is in ui.py's docstring)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from rich.table import Table
from tmux_lab import LONG_RUN, Tmux, cpu_seconds, nnterm_argv, read_step, start_training, wait_for
from ui_report import loadavg, log

import nnterm.app.single_thread_blas  # noqa: F401  (before NumPy: one BLAS thread, as the app)
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.training.config import with_changes


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
