"""``nnterm list``: name, glossary section and title of every preset, in course order."""

from __future__ import annotations

import sys

from rich.table import Table

from nnterm.app.headless.console import headless_console, print_table
from nnterm.engine.preset_format.catalog import catalog


def list_command() -> int:
    entries, problems = catalog()
    table = Table(box=None, pad_edge=False)
    table.add_column("name", no_wrap=True)
    table.add_column("section", no_wrap=True)  # a wrapped one looks like another entry
    table.add_column("title")
    for entry in entries:
        table.add_row(entry.name, entry.section, entry.title)
    print_table(headless_console(), table)
    for problem in problems:
        print(f"nnterm: skipped a broken preset: {problem}", file=sys.stderr)
    return 0
