"""The captions over the tiles of every run's boundary, side by side: the run's state,
its name (wrapped under its picture, never cut; or one line each, cut with ``…``, when
wrapping would leave the pictures a sliver) and its accuracy."""

from __future__ import annotations

import math
import re

from nnterm.app.widgets._common import run_state_glyph
from nnterm.engine.live.snapshot import RunView

#: The indent of a caption's second and later lines.
CONTINUATION = " "


def caption_lines(prefix: str, name: str, width: int) -> list[str]:
    """``prefix + name`` in lines of at most ``width`` cells, broken after an underscore
    where one falls in the line (``light_`` / ``dropout``), else anywhere: a tile's
    caption is wrapped under its picture's width, never cut; the lines after the first
    start one space in (``early_`` / `` stopping`` fits a tile of 10 cells)."""
    lines, line = [], prefix
    for part in re.split(r"(?<=_)", name):
        while part:
            room = width - len(line)
            if len(part) <= room:
                line, part = line + part, ""
            elif line.strip() and line != prefix:
                lines.append(line)
                line = CONTINUATION
            else:  # a part wider than a whole line: break it
                line, part = line + part[:max(room, 1)], part[max(room, 1):]
                lines.append(line)
                line = CONTINUATION
    if line.strip():
        lines.append(line)
    return lines


def tile_captions(runs: tuple[RunView, ...], selected: str, validation: bool, width: int,
                  max_lines: int | None = None) -> list[list[str]]:
    """The captions of a row of tiles, in lines of at most ``width`` cells: ``▸`` if
    selected, the run's state, its name (``caption_lines``) and its accuracy. The
    accuracy is said the same way on every tile of the row, in the most detailed form
    that fits after every name (``train 95%``, else ``95%``); if even the short one does
    not, on a line of its own (the row's pictures give up a line either way), again in
    the most detailed form that fits.

    A caption longer than ``max_lines`` would leave its picture a sliver (eight runs in
    a panel at 120x40): then every caption of the row takes one line, its name cut with
    ``…`` (the run table, the legend of every picture, names it whole) and its accuracy
    after it where it fits."""
    prefixes = [f"{'▸' if v.name == selected else ' '}{run_state_glyph(v.status, v.paused)} "
                for v in runs]
    names = [caption_lines(prefix, v.name, width) for prefix, v in zip(prefixes, runs,
                                                                         strict=True)]
    notes = [accuracy_note(v, validation) for v in runs]
    captions = _wrapped_captions(names, notes, width)
    if max_lines is not None and max(map(len, captions), default=0) > max_lines:
        return [[one_line_caption(prefix, v.name, note[-1] if note else "", width)]
                for prefix, v, note in zip(prefixes, runs, notes, strict=True)]
    return captions


def _wrapped_captions(names: list[list[str]], notes: list[tuple[str, ...]], width: int
                      ) -> list[list[str]]:
    """``tile_captions``'s wrapped form: each name's lines, the accuracy after the last
    one (or on a line of its own) in one form for the whole row."""
    forms = [[note[form] if note else "" for note in notes] for form in (0, 1)]
    for shown in forms:
        if all(len(lines[-1]) + 1 + len(text) <= width
               for lines, text in zip(names, shown, strict=True)):
            return [lines[:-1] + [f"{lines[-1]} {text}".rstrip()]
                    for lines, text in zip(names, shown, strict=True)]
    shown = next((shown for shown in forms
                  if all(len(CONTINUATION + text) <= width for text in shown)), forms[-1])
    return [lines + [CONTINUATION + text] if text else lines
            for lines, text in zip(names, shown, strict=True)]


def one_line_caption(prefix: str, name: str, note: str, width: int) -> str:
    """``prefix name note`` in one line of ``width`` cells: the name cut with ``…`` to
    leave the note room where three letters of the name still show, else no note."""
    room = width - len(prefix)
    if note and room - len(note) - 1 >= min(len(name), 4):
        room -= len(note) + 1
    else:
        note = ""
    if len(name) > room:
        name = name[:room - 1] + "…" if room > 0 else ""
    return f"{prefix}{name} {note}".rstrip()


def accuracy_note(view: RunView, validation: bool) -> tuple[str, ...]:
    """A tile caption's note: the run's accuracy on the training points (and on the
    validation points, when they are drawn) in two forms, long and short; () while it
    is not known."""
    train = _percent(view.train_acc)
    if train is None:
        return ()
    val = _percent(view.val_acc) if validation else None
    if val is None:
        return (f"train {train}", train)
    return (f"train {train} val {val}", f"{train}/{val}")


def _percent(x: float | None) -> str | None:
    return None if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"
