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

2. **Key to screen**, preset by preset (``--presets``; default: every preset), at the
   lesson's pace and at full speed (``--paces``), at 120x40: ``--samples`` keys (default
   12) with random gaps of 0.1-0.4 s, each timed from just before ``tmux send-keys`` is
   started until ``capture-pane``, polled back to back, shows the key's effect: ``-`` and
   ``+`` in turn (lr 0.1 -> 0.03 -> 0.1 ...), until the status line's first row shows the
   new ``lr``. Nothing is subtracted: it includes starting ``send-keys`` and up to one
   ``capture-pane`` round trip (measured alone and printed as the resolution). A lesson
   that opens paused is set running with space first; a preset with a sweep opens its
   sweep view, which has no learning rate: there ``down`` and ``up`` move the cursor of
   its table of runs while the pool trains, measured once ("sweep view"). The table says
   what was measured for each, p50, p95 and max, the CPU of the UI process and of the
   engine's (``thread`` while the engine is the app's own thread, as at a lesson's pace)
   and the load average before and after each series. ``--before NNTERM`` measures an
   earlier build too, series by series in turn (which goes first alternates), so that
   both meet the same load.

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

    .venv/bin/python benchmarks/ui.py                 # every preset: ~30 minutes
    .venv/bin/python benchmarks/ui.py --only throughput --no-in-process   # ~10 minutes
    .venv/bin/python benchmarks/ui.py --quick         # ~1 minute: one preset, shorter
    .venv/bin/python benchmarks/ui.py --only latency --presets learning_rate playground
    .venv/bin/python benchmarks/ui.py --only latency --before ../old/.venv/bin/nnterm  # ~14 min
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from rich.table import Table
from tmux_lab import Tmux, alive, marked_pids
from ui_latency import PACES, latency
from ui_memory import memory
from ui_report import console, loadavg, log
from ui_throughput import throughput

import nnterm.app.single_thread_blas  # noqa: F401  (before NumPy: one BLAS thread, as the app)
from nnterm.engine.live.process_session import ask_for_huge_pages
from nnterm.engine.preset_format.loader import list_presets


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
                        help="presets to measure (default: every preset, and for the "
                        "throughput part every preset without a sweep)")
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
    parser.add_argument("--samples", type=int, default=12,
                        help="keys timed per preset and pace (default 12)")
    parser.add_argument("--paces", nargs="+", choices=PACES, default=["lesson", "full"],
                        help="paces keys are timed at (default: lesson full; paused: the "
                        "lesson paused, a reference)")
    parser.add_argument("--before", metavar="NNTERM",
                        help="an earlier build's nnterm command: its key-to-screen latency "
                        "is measured too, in turn with this build's")
    parser.add_argument("--poll-interval", type=float, default=0.0, metavar="SECONDS",
                        help="sleep between capture-pane polls (default 0: back to back)")
    parser.add_argument("--size", default="120x40", help="terminal size (default 120x40)")
    parser.add_argument("--keys", default="", help="keys typed once the app trains, before "
                        "throughput is measured (u: the network view)")
    parser.add_argument("--fps", type=float, help="pass --fps to nnterm (default: its own)")
    parser.add_argument("--only", nargs="+", choices=("throughput", "latency", "memory"),
                        default=["throughput", "latency", "memory"])
    parser.add_argument("--no-in-process", action="store_true",
                        help="skip the --in-process throughput run")
    parser.add_argument("--quick", action="store_true",
                        help="one preset, 4 s windows, memory at 10k/100k steps")
    parser.add_argument("--nnterm", default=None, help="the nnterm command (default: beside "
                        "this Python, else on PATH)")
    args = parser.parse_args()
    same_heap_as_the_engine()
    everyone = [p.name for p in list_presets()]
    args.latency_presets = args.presets or everyone
    args.presets = args.presets or [p.name for p in list_presets() if p.sweep is None]
    if args.quick:
        args.presets, args.latency_presets = args.presets[:1], args.latency_presets[:1]
        args.window, args.warmup, args.mem_steps = 4.0, 2.0, [10_000, 100_000]
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
