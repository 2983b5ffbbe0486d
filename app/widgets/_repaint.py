"""Repaint only the rows of a widget whose content changed: the bytes an SSH link carries.

Textual sends the whole region of a widget to the terminal when ``refresh()`` is called
without regions, even if most of its lines are what the terminal already shows; a panel
whose one number changes would send all of its lines at every snapshot. ``RowRepaint``
keeps the rows (Strips) it last showed, renders the new content once, and refreshes only
the rows that differ (nothing at all when none does).

A full ``refresh()`` is still right when a widget's size, border or layout changes;
Textual does that itself on resize, focus and theme changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget


def changed_spans(old: Sequence[object] | None, new: Sequence[object]
                  ) -> list[tuple[int, int]] | None:
    """(first row, row count) of each run of rows that differ between ``old`` and ``new``;
    None when every row must be painted (nothing shown yet, or another number of rows)."""
    if old is None or len(old) != len(new):
        return None
    spans: list[tuple[int, int]] = []
    for y, (before, after) in enumerate(zip(old, new, strict=True)):
        if before == after:
            continue
        if spans and spans[-1][0] + spans[-1][1] == y:
            spans[-1] = (spans[-1][0], spans[-1][1] + 1)
        else:
            spans.append((y, 1))
    return spans

#: What a border title or subtitle may be.
Title = str | Text | Content


class RowRepaint(Widget):
    """A widget that repaints only its changed rows: call ``repaint()`` (or
    ``repaint_rows(strips)`` with rows drawn by the widget itself) where a plain
    ``refresh()`` would go after the content changed."""

    _shown_rows: list[Strip] | None = None
    _shown_size: tuple[int, int] | None = None
    _shown_style: object = None  # the widget's style the rows were rendered in

    def repaint(self, *, layout: bool = False) -> bool:
        """Render the content now and refresh the rows that changed; ``layout`` (the
        widget's height may change) refreshes everything. Returns whether anything was
        refreshed.

        Textual caches a widget's box model until its next layout request, and merges a
        request made while one is pending into it (``_layout_required``): a height that
        changes then (the first snapshot arriving at start-up) would never be measured,
        and the side column at 80x24 kept the panels' empty heights. Such a request is
        made again after the pending layout; any other costs one layout, not two (each
        is a whole-column repaint on the user's link)."""
        if layout or not self.paintable:
            self._forget_rows()
            merged = layout and self._layout_required
            self.refresh(layout=layout)
            if merged:
                self.call_after_refresh(self.refresh, layout=True)
            elif layout:  # what the full repaint shows: the next change sends its rows only
                self.call_after_refresh(self._remember_rows)
            return True
        return self.repaint_rows(self._rows())

    def _rows(self) -> list[Strip]:
        """The content as rows of the widget's size, as a full repaint would draw them."""
        width, height = self.size
        visual: Visual = visualize(self, self.render())
        return Visual.to_strips(self, visual, width, height, self.visual_style)

    def _remember_rows(self) -> None:
        """Note the rows a full repaint just drew (if the widget is drawn at all)."""
        if self.paintable:
            self._shown_rows, self._shown_size = self._rows(), (self.size.width,
                                                                self.size.height)
            self._shown_style = self.rich_style

    def render_line(self, y: int) -> Strip:
        """Row ``y`` as the last repaint rendered it to compare, while that is what
        Textual would render (the same size and style, no text selected), so that the
        rows it refreshes are not rendered a second time to be painted."""
        rows = self._shown_rows
        if (rows is None or self._shown_size != (self.size.width, self.size.height)
                or self._shown_style != self.rich_style or self.text_selection is not None):
            return super().render_line(y)
        if y < len(rows):
            return rows[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    @property
    def paintable(self) -> bool:
        """Whether the widget is on screen with a size (else a plain refresh costs
        nothing and rendering ahead would be wasted)."""
        return self.is_mounted and bool(self.size.area) and self.is_on_screen

    def repaint_rows(self, rows: list[Strip]) -> bool:
        """Refresh the rows of ``rows`` (the content, top to bottom) that differ from
        those shown before."""
        size = (self.size.width, self.size.height)
        old = self._shown_rows if size == self._shown_size else None
        self._shown_rows, self._shown_size, self._shown_style = rows, size, self.rich_style
        spans = changed_spans(old, rows)
        if spans is None:
            self.refresh()
            return True
        if spans:
            self.refresh(*(Region(0, y, size[0], count) for y, count in spans))
        return bool(spans)

    def _forget_rows(self) -> None:
        """The next repaint paints every row (the shown ones are no longer known)."""
        self._shown_rows = self._shown_size = None

    def set_titles(self, title: Title | None = None, subtitle: Title | None = None) -> None:
        """Set the border title and subtitle if they changed: assigning either one makes
        Textual repaint the whole widget, even with the same value."""
        if title is not None and _title_key(title) != getattr(self, "_given_title", None):
            self._given_title = _title_key(title)
            self.border_title = title
        if subtitle is not None and _title_key(subtitle) != getattr(self, "_given_subtitle",
                                                                     None):
            self._given_subtitle = _title_key(subtitle)
            self.border_subtitle = subtitle


def _title_key(title: object) -> object:
    """What a title looks like: Content compares equal on its text alone, styles aside."""
    return (title.plain, tuple(title.spans)) if isinstance(title, Content) else title
