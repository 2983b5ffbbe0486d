"""Part 3 of ``benchmarks/sweep.py``: whole commands, ``nnterm run PRESET --workers N``,
for every sweep preset, on 1 worker and on 2, for this tree and (``--before``) another
build, timed from launch to exit as a user waits for them (start-up, the pool, the
summary).

Each round runs every (preset, build, workers) once, in turn, so that every command sees
the same phases of a shared machine's load; a first round, not timed, writes each
command's metrics file (``--metrics``) and checks that all of a preset's files are the
same (but for the seconds a run took): the same runs whatever the workers or the build.
The commands run without ``PYTHONDONTWRITEBYTECODE``, as ``benchmarks/startup.py`` does:
with it set, every worker compiles the engine's modules again as it starts.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

WORKERS = (1, 2)


def run_seconds(nnterm: str, preset: str, workers: int, metrics: Path | None = None) -> float:
    """Wall seconds of ``nnterm run PRESET --workers N`` (output to a pipe)."""
    argv = [nnterm, "run", preset, "--workers", str(workers)]
    if metrics is not None:
        argv += ["--metrics", str(metrics)]
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - start


def metrics_lines(path: Path) -> list[dict]:
    """A metrics file's lines without the seconds each run took."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        line.pop("seconds", None)
    return lines


def same_results(builds: dict[str, str], presets: list[str], console: Console) -> dict[str, bool]:
    """Per preset: whether every build and worker count wrote the same metrics."""
    same = {}
    with tempfile.TemporaryDirectory() as folder:
        for preset in presets:
            files = []
            for build, nnterm in builds.items():
                for workers in WORKERS:
                    files.append(Path(folder) / f"{preset}-{build}-{workers}.jsonl")
                    run_seconds(nnterm, preset, workers, files[-1])
            same[preset] = all(metrics_lines(f) == metrics_lines(files[0]) for f in files)
            console.log(f"{preset}: metrics identical for every build and worker count: "
                        f"{same[preset]}")
    return same


def ratio(median: dict, best: dict, top: tuple[str, int], bottom: tuple[str, int]) -> str:
    """``top / bottom`` of the medians, and of the bests in brackets."""
    return f"{median[top] / median[bottom]:.2f}x ({best[top] / best[bottom]:.2f}x)"


def whole_commands(builds: dict[str, str], presets: list[str], rounds: int,
                   console: Console) -> Table:
    """The table of part 3 (see the module docstring)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    same = same_results(builds, presets, console)
    times: dict[tuple[str, str, int], list[float]] = {}
    for i in range(rounds):
        for preset in presets:
            for build, nnterm in builds.items():
                for workers in WORKERS:
                    seconds = run_seconds(nnterm, preset, workers)
                    times.setdefault((preset, build, workers), []).append(seconds)
        console.log(f"round {i + 1}/{rounds}, load {os.getloadavg()}")
    table = Table(title=f"3. nnterm run PRESET --workers N, whole commands (wall seconds, "
                  f"median and best of {rounds}; builds in turn; ratios of the medians and "
                  "of the bests)", title_justify="left")
    table.add_column("preset")
    for build in builds:
        for workers in WORKERS:
            table.add_column(f"{build}, {workers} worker{'s' * (workers > 1)}", justify="right")
        table.add_column(f"{build}: 1 / 2", justify="right")
    if "before" in builds:
        table.add_column("2 workers: before / now", justify="right")
    table.add_column("identical", justify="right")
    for preset in presets:
        cells = []
        median = {(b, w): statistics.median(times[(preset, b, w)])
                  for b in builds for w in WORKERS}
        best = {(b, w): min(times[(preset, b, w)]) for b in builds for w in WORKERS}

        for build in builds:
            cells += [f"{median[(build, w)]:.2f} ({best[(build, w)]:.2f})" for w in WORKERS]
            cells.append(ratio(median, best, (build, 1), (build, 2)))
        if "before" in builds:
            cells.append(ratio(median, best, ("before", 2), ("now", 2)))
        table.add_row(preset, *cells, "yes" if same[preset] else "NO")
    return table
