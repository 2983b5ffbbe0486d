"""Where the headless commands print: rich's console, sized to the terminal.

In a pipe or a file rich would assume 80 columns and cut or wrap table cells
(``diagn…``); there the console is as wide as any row and tables lose their box, so
each row is one plain line a script can split on whitespace. Rich pads every cell to its
column's width (the last one too) and a title to the table's, so a piped line would end
in spaces: there each line is written without them.
"""

from __future__ import annotations

import io
import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table

#: Columns a piped table may use: wider than any row nnterm prints.
PIPE_WIDTH = 10_000


class NoTrailingSpaces(io.TextIOBase):
    """A text stream that writes each line to ``out`` without the spaces at its end."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.line = ""  # the end of what was written, after its last newline

    @property  # (TextIOBase's is read-only too, but its stub declares a plain attribute)
    def encoding(self) -> str:  # type: ignore[override]
        return self.out.encoding

    def write(self, text: str) -> int:
        *lines, self.line = (self.line + text).split("\n")
        for line in lines:
            self.out.write(line.rstrip(" ") + "\n")
        return len(text)

    def flush(self) -> None:
        self.out.write(self.line)  # (rich ends what it prints with a newline: seldom any)
        self.line = ""
        self.out.flush()


def headless_console() -> Console:
    console = Console()
    if console.is_terminal:
        return console
    # rich asks for an IO[str]; it only writes to and flushes its file
    return Console(file=NoTrailingSpaces(sys.stdout),  # type: ignore[arg-type]
                   width=PIPE_WIDTH)


def print_table(console: Console, table: Table) -> None:
    """``table`` boxed in a terminal; in a pipe, plain rows with the title on a line."""
    if not console.is_terminal:
        table.box = None
        table.pad_edge = False
        table.title_justify = "left"
        table.expand = False
        for column in table.columns:
            column.no_wrap = True
    console.print(table)
