"""Base classes for the panels drawn as whole pictures of strips.

``PicturePanel``: the picture is rebuilt (``_build``) only when invalidated or when the
size, colour mode or theme changed, and served line by line from the cache; a colour mode
(truecolor / ansi / mono) is detected from the app or forced. ``LayerPanel`` adds the
choice of one layer of a Snapshot to show (the gradient histogram and the heatmap).
``RowsPanel``: a panel of text rows, one line each, cut with an ellipsis, never wrapped.
Both repaint only the rows that changed (``RowRepaint``).
"""

from __future__ import annotations

from textual.strip import Strip

from nnterm.app.widgets._common import ColorMode, detect_color_mode, is_dark, same
from nnterm.app.widgets._repaint import RowRepaint
from nnterm.engine.live.snapshot import LayerView, Snapshot


class RowsPanel(RowRepaint):
    """A panel of text rows (the run table, the train/val table): as tall as its rows,
    each on one line, cut with an ellipsis rather than wrapped into the next."""

    DEFAULT_CSS = """
    RowsPanel {
        width: 1fr;
        height: auto;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """


class PicturePanel(RowRepaint):
    """A widget whose lines come from one cached picture; subclasses write ``_build``."""

    def __init__(
        self,
        *,
        color_mode: ColorMode | None = None,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._forced_mode = color_mode
        self._cache_key: tuple | None = None
        self._lines: list[Strip] = []

    @property
    def color_mode(self) -> ColorMode:
        """The colour mode in use: forced by ``set_color_mode`` or detected from the app."""
        if self._forced_mode is not None:
            return self._forced_mode
        return detect_color_mode(self.app) if self.is_attached else "truecolor"

    def set_color_mode(self, mode: ColorMode | None) -> None:
        """Force ``truecolor``/``ansi``/``mono``, or None to follow the app."""
        self._forced_mode = mode
        self._invalidate()

    def _invalidate(self) -> None:
        """Rebuild the picture now (if it is on screen) and repaint the rows it changed."""
        self._cache_key = None
        if self.paintable:
            self.repaint_rows(self._picture())
        else:
            self.refresh()

    def _picture(self) -> list[Strip]:
        """The picture's rows, rebuilt if anything it depends on changed."""
        width, height = self.size
        mode = self.color_mode
        base = self.rich_style  # under every segment: an unstyled one breaks Textual's filters
        dark = is_dark(self.app)
        key = (width, height, mode, dark, base)
        if key != self._cache_key:
            self._lines = [s.apply_style(base) for s in self._build(width, height, mode, dark)]
            self._cache_key = key
        return self._lines

    def render_line(self, y: int) -> Strip:
        lines = self._picture()
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        raise NotImplementedError


class LayerPanel(PicturePanel):
    """A picture of one layer of the snapshot; ``_shown_key`` says what the picture shows,
    so that it is rebuilt only when that changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._layers: tuple[LayerView, ...] = ()
        self._selected = 0
        self._shown: tuple | None = None

    @property
    def selected_layer(self) -> int:
        return self._selected

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep the layers; refresh if what is drawn changed."""
        self._layers = snapshot.layers
        if self._layers and self._selected >= len(self._layers):
            self._selected = len(self._layers) - 1
        return self._check_changed()

    def select_layer(self, index: int) -> None:
        self._selected = max(0, index)
        if self._layers:
            self._selected = min(self._selected, len(self._layers) - 1)
        self._check_changed()

    def next_layer(self) -> None:
        if self._layers:
            self.select_layer((self._selected + 1) % len(self._layers))

    def prev_layer(self) -> None:
        if self._layers:
            self.select_layer((self._selected - 1) % len(self._layers))

    def _layer(self) -> LayerView | None:
        if not self._layers:
            return None
        return self._layers[min(self._selected, len(self._layers) - 1)]

    def _shown_key(self, layer: LayerView) -> tuple:
        """What the picture of ``layer`` depends on (compared with ``same``)."""
        raise NotImplementedError

    def _check_changed(self) -> bool:
        layer = self._layer()
        shown = None if layer is None else self._shown_key(layer)
        if (shown is None and self._shown is None) or (
            shown is not None and self._shown is not None and same(shown, self._shown)
        ):
            return False
        self._shown = shown
        self._invalidate()
        return True
