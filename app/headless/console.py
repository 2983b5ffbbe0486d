"""Where the headless commands print: rich's console, sized to the terminal.

In a pipe or a file rich would assume 80 columns and cut or wrap table cells
(``diagn…``); there the console is as wide as any row and tables lose their box, so
each row is one plain line a script can split on whitespace.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

#: Columns a piped table may use: wider than any row nnterm prints.
PIPE_WIDTH = 10_000


def headless_console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=PIPE_WIDTH)


def print_table(console: Console, table: Table) -> None:
    """``table`` boxed in a terminal; in a pipe, plain rows with the title on a line."""
    if not console.is_terminal:
        table.box = None
        table.pad_edge = False
        table.title_justify = "left"
        table.expand = False
        for column in table.columns:
            column.overflow = "ignore"
            column.no_wrap = True
    console.print(table)
