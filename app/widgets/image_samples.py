"""ImagePanel: for image inputs, a few validation images, their labels and every run's
guess, so the picture panel says what the model sees and whether it gets it right."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import (
    NEUTRAL_DARK,
    NEUTRAL_LIGHT,
    ColorMode,
    Row,
    fg_bg,
    mix,
    run_colour,
    same,
)
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.live.snapshot import ImageSamples, Snapshot

#: Glyphs for a pixel's brightness without colour (dark to bright).
SHADES = " ░▒▓█"
HEADERS = ("validation images, their class, each run's guess (✓ right, ✗ wrong, in run order)",
           "val images, class, runs' guesses ✓/✗", "class, guesses ✓/✗")


class ImagePanel(PicturePanel):
    """Each image in grey (black to white between its own darkest and brightest pixel),
    two pixels per cell with half blocks (glyph density without colour), enlarged by a
    whole factor to fill the panel; under it ``class 1`` and one ✓ (right) or ✗ (wrong)
    per run, in the runs' order and colours."""

    DEFAULT_CSS = """
    ImagePanel {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._samples: ImageSamples | None = None

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        new = snapshot.images
        if new is None or (self._samples is not None and same(
                (new.images, new.labels, new.guesses),
                (self._samples.images, self._samples.labels, self._samples.guesses))):
            return False
        self._samples = new
        self._invalidate()
        return True

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        s = self._samples
        if s is None or width < 4 or height < 4:
            return [Strip.blank(width)] * max(height, 0)
        n, rows, cols = s.images.shape
        captions = 2
        half = mode == "truecolor"
        cell_w = 1 if half else 2
        per_row, f = max(((k, self._factor(k, n, rows, cols, cell_w, captions, width, height,
                                           half)) for k in range(1, n + 1)),
                         key=lambda kf: (kf[1], kf[0]))
        if f < 1:  # not even the pixels fit: one pixel each, as many a row as fit
            per_row, f = max(1, min(n, (width + 1) // (max(cols * cell_w, 7) + 1))), 1
        tile_w = max(cols * cell_w * f, 7)
        header = next((h for h in HEADERS if len(h) <= width), HEADERS[-1])
        strips = [Strip([Segment(header[:width], Style(dim=True))]).adjust_cell_length(width)]
        for start in range(0, n, per_row):
            chunk = range(start, min(n, start + per_row))
            pictures = [self._image_rows(s.images[i], f, mode, dark, tile_w) for i in chunk]
            if len(strips) + len(pictures[0]) + 2 > height:
                break  # whole images only
            for y in range(len(pictures[0])):
                strips.append(Strip.join([p[y] for p in pictures]).adjust_cell_length(width))
            strips.append(self._caption([f"class {s.labels[i]}" for i in chunk], tile_w,
                                        width))
            marks = []
            for i in chunk:
                row = Row()
                for _, colour, guess in s.guesses:
                    row.add("✓" if guess[i] == s.labels[i] else "✗",
                            Style(color=run_colour(colour, mode)[1], bold=True))
                marks.append(row.strip(tile_w + 1))
            strips.append(Strip.join(marks).adjust_cell_length(width))
        return strips[:height]

    @staticmethod
    def _factor(per_row: int, n: int, rows: int, cols: int, cell_w: int, captions: int,
                width: int, height: int, half: bool) -> int:
        """The whole factor images can be enlarged by with ``per_row`` of them a row."""
        tile_w = (width + 1) // per_row - 1
        room = (height - 1) // -(-n // per_row) - captions
        return min(tile_w // (cols * cell_w), room * (2 if half else 1) // rows)

    @staticmethod
    def _caption(texts: list[str], tile_w: int, width: int) -> Strip:
        text = "".join(t[:tile_w].ljust(tile_w + 1) for t in texts)
        return Strip([Segment(text[:width])]).adjust_cell_length(width)

    @staticmethod
    def _image_rows(image, f: int, mode: ColorMode, dark: bool, tile_w: int) -> list[Strip]:
        """One image enlarged ``f`` times, ``tile_w`` + 1 cells wide (a gap after it)."""
        lo, hi = float(image.min()), float(image.max())
        scaled = (image - lo) / (hi - lo) if hi > lo else image * 0.0
        big = scaled.repeat(f, axis=0).repeat(f, axis=1).tolist()
        out = []
        if mode == "truecolor":
            black, white = (NEUTRAL_DARK, (255, 255, 255)) if dark else ((0, 0, 0),
                                                                         NEUTRAL_LIGHT)
            for y in range(0, len(big), 2):
                row = Row()
                for x in range(len(big[0])):
                    lower = big[y + 1][x] if y + 1 < len(big) else None
                    row.add("▀", fg_bg(mix(black, white, big[y][x]),
                                       None if lower is None else mix(black, white, lower)))
                out.append(row.strip(tile_w + 1))
            return out
        for line in big:
            text = "".join(SHADES[round(v * (len(SHADES) - 1))] * 2 for v in line)
            out.append(Strip([Segment(text)]).adjust_cell_length(tile_w + 1))
        return out
