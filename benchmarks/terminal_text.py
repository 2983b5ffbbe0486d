"""The text an app wrote to its terminal, read from the bytes themselves: enough to find
words on a Textual screen, and which rows a frame filled, without a terminal emulator.

Textual draws a frame row by row: the cursor moved to the row's first column
(``ESC[row;1H``), the row's cells with their colours (SGR escapes), ``\\r\\n``. A change
to part of a row moves the cursor to its first changed column instead. So removing the
escapes gives the words, and placing each written segment at its row and column gives the
rows a frame filled.
"""

from __future__ import annotations

import re

#: CSI escapes (cursor moves, colours, modes), OSC strings, and two-byte escapes.
ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")


def plain(data: bytes | str) -> str:
    """The characters written, escapes removed (rows run together)."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return ESCAPE.sub("", text)


def screen_rows(data: bytes | str) -> dict[int, str]:
    """The rows, numbered from 1, as the cursor-addressed writes in ``data`` left them
    (each write from ``ESC[row;colH`` on; escapes removed; cells never written are
    spaces). A write from column 1 starts its row afresh: Textual writes there when it
    draws the row again, at the terminal's width, which may have changed."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    rows: dict[int, list[str]] = {}
    moves = list(MOVE.finditer(text))
    for index, move in enumerate(moves):
        end = moves[index + 1].start() if index + 1 < len(moves) else len(text)
        cells = plain(text[move.end():end]).rstrip("\r\n")
        column = int(move.group(2)) - 1
        row = rows.setdefault(int(move.group(1)), [])
        if column == 0 and cells:  # (not the cursor parked at 1;1 after a frame)
            row.clear()
        row.extend(" " * (column + len(cells) - len(row)))
        row[column:column + len(cells)] = cells
    return {number: "".join(cells) for number, cells in rows.items()}
