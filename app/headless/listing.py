"""``nnterm list``: name, title and glossary section of every preset."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from nnterm.engine.lessons.loader import scan_presets


def list_command() -> int:
    presets, problems = scan_presets()
    table = Table(box=None, pad_edge=False)
    for column in ("name", "title", "section"):
        table.add_column(column)
    for preset in presets:
        table.add_row(preset.name, preset.title, preset.section)
    Console().print(table)
    for problem in problems:
        print(f"nnterm: skipped a broken preset: {problem}", file=sys.stderr)
    return 0
