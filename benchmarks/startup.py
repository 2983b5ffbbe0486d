"""Start-up: how long ``nnterm --version`` and ``nnterm list`` take, and how long ``nnterm
PRESET`` takes to show training under way, for this tree and (``--before``) another build.

Method (one run, on this machine, beside whatever else it does; the load average is
printed before and after):

1. **Commands.** ``nnterm --version`` and ``nnterm list`` (output to a pipe), wall time
   from ``subprocess.run`` to its exit.
2. **First frame.** ``nnterm PRESET`` (the lesson's own pace, as a user starts it) in a
   private tmux server at ``--size`` (120x40); ``capture-pane`` reads the status line
   every ``--poll`` seconds from the launch (``tmux new-session``) on: *first paint* is
   the first read with anything on it, *training* the first read with ``step N``, N > 0.
   The server is started (with an idle session) before the first launch, so that no
   sample pays for it; each app is quit with ``q`` and its processes are checked gone.

Each measure is taken once unmeasured (a warm-up), then ``--repeats`` times, the builds
in turn (now, before, now, ...), so that both see the same phases of a shared machine's
load; the table gives the best and the median of each, and before / now of the medians.
``nnterm list`` of both builds is checked to print the same listing.

The commands run without ``PYTHONDONTWRITEBYTECODE``, so that the warm-up leaves each
build's compiled modules in its ``__pycache__`` as a user's first run does: with the
variable set, every start compiles nnterm's ~170 modules again (0.16 s on xor's).

    .venv/bin/python benchmarks/startup.py                       # this tree, ~1 minute
    .venv/bin/python benchmarks/startup.py --before OLD/.venv/bin/nnterm
    .venv/bin/python benchmarks/startup.py --presets xor playground learning_rate
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.table import Table
from tmux_lab import Tmux, alive, marked_pids, read_step, wait_for
from ui_report import console, loadavg, log


def command_seconds(argv: list[str]) -> float:
    """Wall seconds of ``argv`` from start to exit (output to a pipe, not shown)."""
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - start


def first_frame(tmux: Tmux, name: str, argv: list[str], poll: float,
                timeout: float) -> tuple[float, float]:
    """(first paint, training shown): seconds from launching ``argv`` in tmux until the
    status line shows anything, and until it shows a step > 0."""
    start = time.perf_counter()
    tmux.start(name, argv)
    painted: list[float] = []

    def training() -> bool:
        line = tmux.first_line(name)
        if line.strip() and not painted:
            painted.append(time.perf_counter() - start)
        return bool(read_step(line))

    try:
        if not wait_for(training, timeout, every=poll):
            screen = tmux.run("capture-pane", "-p", "-t", name, check=False)
            raise RuntimeError(f"{' '.join(argv)} showed no step within {timeout:g} s:\n"
                               f"{screen}")
        return painted[0], time.perf_counter() - start
    finally:
        tmux.stop(name)


def measures(args: argparse.Namespace, tmux: Tmux) -> list[Callable[[str], dict[str, float]]]:
    """The measures: each a function of the nnterm command, returning seconds by label."""
    found: list[Callable[[str], dict[str, float]]] = [
        lambda nnterm: {"nnterm --version": command_seconds([nnterm, "--version"])},
        lambda nnterm: {"nnterm list": command_seconds([nnterm, "list"])},
    ]
    for preset in args.presets:
        def shown(nnterm: str, preset: str = preset) -> dict[str, float]:
            paint, training = first_frame(tmux, f"{tmux.socket}-{preset}", [nnterm, preset],
                                          args.poll, args.timeout)
            return {f"nnterm {preset}: first paint": paint,
                    f"nnterm {preset}: training shown": training}

        found.append(shown)
    return found


def same_listing(builds: dict[str, str]) -> str:
    """Whether ``nnterm list`` prints the same for every build."""
    outputs = {subprocess.run([cmd, "list"], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "150"}).stdout
               for cmd in builds.values()}
    return "yes" if len(outputs) == 1 else "NO"


def report(times: dict[str, dict[str, list[float]]], builds: dict[str, str],
           repeats: int) -> Table:
    table = Table(title=f"start-up, seconds (best and median of {repeats}; builds in turn)",
                  title_justify="left")
    table.add_column("measure")
    for build in builds:
        table.add_column(f"{build} best", justify="right")
        table.add_column(f"{build} median", justify="right")
    if "before" in builds:
        table.add_column("before / now", justify="right")
    for label, by_build in times.items():
        cells = []
        for build in builds:
            cells += [f"{min(by_build[build]):.3f}", f"{statistics.median(by_build[build]):.3f}"]
        if "before" in builds:
            ratio = statistics.median(by_build["before"]) / statistics.median(by_build["now"])
            cells.append(f"{ratio:.2f}x")
        table.add_row(label, *cells)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--nnterm", help="this tree's nnterm (default: beside this Python)")
    parser.add_argument("--before", metavar="NNTERM", help="another build's nnterm command, "
                        "measured in turn with this one")
    parser.add_argument("--presets", nargs="*", default=["xor"],
                        help="presets whose first frame is timed (default: xor)")
    parser.add_argument("--repeats", type=int, default=10, help="samples of each (default 10)")
    parser.add_argument("--poll", type=float, default=0.01,
                        help="seconds between capture-pane reads (default 0.01)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds to wait for training to show (default 30)")
    parser.add_argument("--size", default="120x40", help="terminal size (default 120x40)")
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # (for the commands and tmux: see above)
    if args.presets and shutil.which("tmux") is None:
        print("startup.py: the first-frame measure needs tmux", file=sys.stderr)
        return 2
    builds = {"now": args.nnterm or str(Path(sys.executable).with_name("nnterm"))}
    if args.before:
        builds["before"] = args.before
    width, height = (int(x) for x in args.size.lower().split("x"))
    tag = f"nntermstart{os.getpid()}"
    tmux = Tmux(socket=tag, width=width, height=height, marker=f"NNTERM_BENCH_{tag.upper()}")
    console.print(f"[bold]nnterm start-up[/bold]  {os.cpu_count()} cpus, load 1/5/15 "
                  f"{loadavg()}; " + ", ".join(f"{b}: {c}" for b, c in builds.items()))
    times: dict[str, dict[str, list[float]]] = {}
    try:
        tmux.start(f"{tag}-idle", ["sleep", "100000"])  # the server, started once
        for i in range(-1, args.repeats):  # (round -1: the warm-up)
            for measure in measures(args, tmux):
                for build, nnterm in builds.items():
                    for label, seconds in measure(nnterm).items():
                        if i >= 0:
                            times.setdefault(label, {b: [] for b in builds})[build].append(
                                seconds)
            log(f"round {i + 1}/{args.repeats}, load {loadavg()}")
    finally:
        killed = tmux.shutdown()
    console.print(report(times, builds, args.repeats))
    left = [p for p in marked_pids(tmux.marker) if alive(p)]
    console.print(f"nnterm list prints the same for every build: {same_listing(builds)}; "
                  f"load 1/5/15 now {loadavg()}; processes killed at cleanup: {len(killed)}; "
                  f"left: {len(left)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
