"""Part 3 of ``benchmarks/ui.py``: resident memory of the UI and its engine on a long run, at
two step counts (the method is in ui.py's docstring)."""

from __future__ import annotations

import statistics
import time

from rich.table import Table
from tmux_lab import Tmux, nnterm_argv, read_step, rss_mb, start_training, wait_for
from ui_report import loadavg, log


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
