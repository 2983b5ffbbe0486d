"""The architecture panel of a deep net: identical layers share a row of the table, the
selected layer has its own, the health rows are a sample over depth, and up/down still
reach, show and edit every layer (a shallow net's panel is tested in test_side_panels)."""

from __future__ import annotations

import dataclasses
import math
from itertools import pairwise

from hand_made_snapshots import CONFIG, LAYERS, Host, editor_with_edits, lines, make_snapshot
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from nnterm.app.widgets._layer_health import draw_health, health_sample
from nnterm.app.widgets.architecture import DEEP_NET, ArchitectureEditor
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training.config import with_changes

#: The side column's width at 120x40, less its border: the editor's content is 42 wide.
SIDE = (44, 40)
NAMES = [f"L{i + 1}" for i in range(20)] + ["out"]


def deep_snapshot(n_hidden: int = 20, width: int = 256) -> Snapshot:
    """A plain ReLU stack of ``n_hidden`` layers of ``width`` units from 20 inputs to 10
    classes (xavier_vs_he's); layer i's gradient norm is i + 1, so its row says which it is."""
    config = with_changes(CONFIG, {"model.hidden": (width,) * n_hidden,
                                   "model.activation": "relu", "model.init": "he_normal"})
    sizes = (20, *(width,) * n_hidden, 10)
    layers = tuple(dataclasses.replace(LAYERS[1], index=i, fan_in=fan_in, fan_out=fan_out,
                                       activation="relu" if i < n_hidden else "output",
                                       grad_norm=float(i + 1))
                   for i, (fan_in, fan_out) in enumerate(pairwise(sizes)))
    return make_snapshot(config=config, layers=layers)


def table_rows(editor: ArchitectureEditor) -> list[list[str]]:
    """The cells of the layer table's rows: after the input's, before the init and loss."""
    shown = editor.render().plain.splitlines()
    start = next(i for i, line in enumerate(shown) if line.split()[:1] == ["in"]) + 1
    end = next(i for i, line in enumerate(shown) if line.lstrip().startswith(("init", "loss")))
    return [line.split() for line in shown[start:end]]


def health_rows(editor: ArchitectureEditor) -> tuple[list[str], str]:
    """The layers named by the health rows, in order, and the line under them ("")."""
    shown = editor.render().plain.splitlines()
    start = next(i for i, line in enumerate(shown) if "‖grad‖" in line) + 1
    rows = [line.split()[0] for line in shown[start:]]
    more = [line.strip() for line in shown[start:] if line.strip().startswith("⋯")]
    return [name for name in rows if name != "⋯"], " ".join(more)


def selected_row(editor: ArchitectureEditor) -> list[str]:
    """The cells of the one marked row of the table."""
    marked = [row for row in table_rows(editor) if row[0] == "▸"]
    assert len(marked) == 1, marked
    return marked[0][1:]


async def test_a_deep_nets_identical_layers_share_a_row_and_the_selected_one_has_its_own():
    editor = ArchitectureEditor()
    async with Host(editor).run_test(size=SIDE) as pilot:
        editor.update_snapshot(deep_snapshot())
        await pilot.pause()
        assert table_rows(editor) == [
            ["▸", "L1", "256", "relu", "0", "5,376"],  # 20 inputs, not 256: a row of its own
            ["L2–L20", "256", "relu", "0", "65,792", "×19"],
            ["out", "10", "-", "2,570"]]
        editor.select_layer(6)
        await pilot.pause()
        assert table_rows(editor) == [
            ["L1", "256", "relu", "0", "5,376"],
            ["L2–L6", "256", "relu", "0", "65,792", "×5"],
            ["▸", "L7", "256", "relu", "0", "65,792"],
            ["L8–L20", "256", "relu", "0", "65,792", "×13"],
            ["out", "10", "-", "2,570"]]
        shown = [line.rstrip() for line in lines(editor)]
        assert "total 1,257,994 parameters" in "\n".join(shown)  # every layer counted
        assert "…" not in "\n".join(shown)
        assert all(len(line) <= editor.content_size.width for line in shown)


async def test_up_and_down_reach_show_and_edit_every_layer_of_a_deep_net():
    editor, asked = editor_with_edits()
    host = Host(editor)
    async with host.run_test(size=SIDE) as pilot:
        editor.update_snapshot(deep_snapshot())
        await pilot.pause()
        editor.focus()
        for key, order in (("down", range(1, 21)), ("up", range(19, -1, -1))):
            for expected in order:
                await pilot.press(key)
                assert selected_row(editor)[0] == NAMES[expected], key
                assert NAMES[expected] in health_rows(editor)[0], key
        assert host.selected == [*range(1, 21), *range(19, -1, -1)]

        editor.select_layer(6)
        await pilot.press("left")  # L7 narrower: L8 has fewer inputs than the layers after it
        narrower = editor.config.model.hidden[6]
        assert asked[-1] == ("width_down", 6) and narrower < 256
        assert table_rows(editor)[1:5] == [
            ["L2–L6", "256", "relu", "0", "65,792", "×5"],
            ["▸", "L7", f"{narrower:,}", "relu", "0", f"{256 * narrower + narrower:,}"],
            ["L8", "256", "relu", "0", f"{narrower * 256 + 256:,}"],
            ["L9–L20", "256", "relu", "0", "65,792", "×12"]]


async def test_a_deep_nets_health_rows_are_its_first_middle_last_and_selected_layers():
    editor = ArchitectureEditor()
    async with Host(editor).run_test(size=SIDE) as pilot:
        editor.update_snapshot(deep_snapshot())
        await pilot.pause()
        assert health_rows(editor) == (["L1", "L2", "L6", "L11", "L16", "L20", "out"],
                                       "⋯ 14 more: ↑↓ shows each, k plots all")
        editor.select_layer(12)
        await pilot.pause()
        names, more = health_rows(editor)
        assert names == ["L1", "L2", "L6", "L11", "L13", "L16", "L20", "out"]
        assert more.startswith("⋯ 13 more")
        row = next(line.split() for line in editor.render().plain.splitlines()
                   if line.split()[:1] == ["L13"])
        assert row[1] == "1.3e+01"  # the layer's own numbers (its gradient norm is 13)


def test_the_health_sample_spreads_over_depth_and_keeps_the_selected_layer():
    assert health_sample(7, 3) == list(range(7))  # a net of 6 hidden layers: every one
    assert health_sample(21, 0) == [0, 1, 5, 10, 15, 19, 20]
    assert health_sample(21, 12) == [0, 1, 5, 10, 12, 15, 19, 20]
    assert health_sample(11, 10) == [0, 1, 3, 5, 7, 9, 10]


async def test_up_to_the_deep_net_limit_every_layer_has_its_rows():
    editor = ArchitectureEditor()
    async with Host(editor).run_test(size=SIDE) as pilot:
        editor.update_snapshot(deep_snapshot(DEEP_NET, 32))
        await pilot.pause()
        assert [row[0] for row in table_rows(editor)] == ["▸", *NAMES[1:DEEP_NET], "out"]
        assert health_rows(editor) == ([*NAMES[:DEEP_NET], "out"], "")
        editor.update_snapshot(deep_snapshot(DEEP_NET + 1, 32))
        await pilot.pause()
        assert [row[0] for row in table_rows(editor)] == ["▸", f"L2–L{DEEP_NET + 1}", "out"]
        assert health_rows(editor)[1].startswith("⋯ 1 more")


class Column(App):
    """The editor in a column too short for it, as the side column of a small screen."""

    CSS = "VerticalScroll { height: 8; }"

    def __init__(self, editor: ArchitectureEditor) -> None:
        super().__init__()
        self.editor = editor

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.editor


async def test_selecting_a_layer_scrolls_to_its_row_in_the_compact_table():
    editor = ArchitectureEditor()
    app = Column(editor)
    async with app.run_test(size=SIDE) as pilot:
        editor.update_snapshot(deep_snapshot())
        await pilot.pause()
        column = app.query_one(VerticalScroll)
        column.scroll_end(animate=False, immediate=True)  # the health rows in sight
        await pilot.pause()
        editor.select_layer(19)  # L20: the fifth row (header, in, L1, L2–L19, L20)
        await pilot.pause()
        row = next(y for y, line in enumerate(editor.render().plain.splitlines())
                   if line.startswith("▸"))
        assert row == 4
        top = column.scroll_offset.y
        assert top <= editor.virtual_region.y + row < top + column.content_region.height


def test_an_exploded_spread_keeps_its_row_in_line_with_the_others():
    """init_too_large's outputs reach 5e+146: its act sd takes the column's six cells."""
    health = [(0.1, -3.0, 0.85, 0.0, 0.0), (0.2, -3.0, 5.1e146, 0.0, 0.0),
              (0.3, -3.0, math.nan, math.nan, 0.0)]
    text = Text()
    draw_health(text, health, [0, 1, 2], room=44)
    rows = text.plain.strip("\n").splitlines()[1:]
    assert "5e+146" in rows[1]
    assert len({len(row) for row in rows}) == 1, rows
