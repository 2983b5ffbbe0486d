"""What the parts of ``benchmarks/ui.py`` print with: a console, a timestamped log line, the
load average and percentiles."""

from __future__ import annotations

import os
import sys
import time

from rich.console import Console

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
