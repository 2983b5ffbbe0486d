"""The network view in the app: ``u`` opens it in the picture panel and closes it, the
arrows select units, ``e``/``E`` change the example, and the card writes the engine's own
numbers (Pilot, the engine in the app's thread); the panel draws at every size and in
every colour mode."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hand_made_snapshots import make_snapshot
from helpers import KEYS_PRESET, MOONS, footer_says, settled, trained
from textual.app import App
from textual.widgets import Input

from nnterm.app import controls
from nnterm.app.app import NntermApp
from nnterm.app.network_keys import EVERY_EDGE, NO_PLANE
from nnterm.app.panels import PICTURE
from nnterm.app.unit_editor import UnitEditor
from nnterm.app.widgets._unit_card import card_lines
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.app.widgets.network import NetworkPanel
from nnterm.engine.live.network_view import build_network_view
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.training.config import with_changes
from nnterm.engine.training.typed_values import TypedValue


def test_the_card_writes_the_formula_with_the_engines_numbers():
    view = build_network_view(trained(), point=3, resolution=4)
    layer = view.layers[0]  # h1: inputs x1 and x2
    head, z_line, a_line, grad_line = card_lines(view, 1, 0, "cross_entropy", width=200)
    assert head.startswith(f"h1[{layer.units[0]}] (tanh) · example #3")
    for i, name in enumerate(("x1", "x2")):
        assert f"{fmt_num(abs(float(layer.weights[i, 0])))}·{name}" in z_line
        assert f"{name} {fmt_num(float(layer.grad_weights[i, 0]))}" in grad_line
    assert z_line.endswith(f"{fmt_num(abs(float(layer.bias[0])))} = {fmt_num(float(layer.z[0]))}")
    assert a_line.startswith(f"a = tanh(z) = {fmt_num(float(layer.a[0]))}")
    assert grad_line.startswith(f"∂L/∂z = {fmt_num(float(layer.grad_z[0]))}")
    out = view.layers[-1]
    assert card_lines(view, 3, 1, "cross_entropy", 200)[2] == \
        f"p = softmax(z)[{out.units[1]}] = {fmt_num(float(out.a[1]))}"
    # h2 reads h1's outputs at the example, by unit index
    assert "·h1[" in card_lines(view, 2, 0, "cross_entropy", 200)[1]


def test_a_narrow_card_says_how_many_terms_it_leaves_out_and_keeps_the_sum():
    view = build_network_view(trained(), point=0, resolution=4)
    z_line = card_lines(view, 2, 0, "cross_entropy", width=44)[1]  # five inputs from h1
    assert len(z_line) <= 44 and "more" in z_line
    assert z_line.endswith(f"= {fmt_num(float(view.layers[1].z[0]))}")


class OnePanel(App):
    """An app of one network panel."""

    def __init__(self, panel: NetworkPanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self):
        yield self.panel


@pytest.mark.parametrize("mode", ["truecolor", "ansi", "mono"])
@pytest.mark.parametrize("size", [(34, 16), (118, 36), (20, 5)])
async def test_the_panel_draws_at_every_size_and_colour_mode(mode, size):
    view = build_network_view(trained(), point=0, resolution=8)
    panel = NetworkPanel(color_mode=mode)
    async with OnePanel(panel).run_test(size=size) as pilot:
        snapshot = dataclasses.replace(make_snapshot(config=MOONS), network=view)
        assert panel.update_snapshot(snapshot)
        await pilot.pause()
        lines = [panel.render_line(y).text for y in range(panel.size.height)]
        assert all(len(line) == panel.size.width for line in lines)
        assert lines[0].startswith("in")
        if size[1] >= 16:
            assert any("h1[" in line and "example #0" in line for line in lines)


async def test_u_opens_the_network_the_arrows_and_e_move_and_u_closes_it():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        view = app.main_view
        picture = view.query_one(f"#{PICTURE}")
        assert picture.current == "boundary" and not view.check_action("unit", (0, 1))
        await pilot.press("u")
        snapshot = await settled(app, pilot, lambda s: s.network is not None)
        await pilot.pause()
        assert picture.current == "network" and picture.border_title == "Network"
        panel = view.query_one(NetworkPanel)
        assert panel.selected == (1, 0)
        await pilot.press("down", "down", "right", "up")
        assert panel.selected == (2, 1)
        assert panel.selected_unit == f"h2[{snapshot.network.layers[1].units[1]}]"
        await pilot.press("e", "e", "E", "e")
        snapshot = await settled(app, pilot, lambda s: s.network is not None
                                 and s.network.point == 2)
        card = [panel.render_line(y).text for y in range(panel.size.height)]
        assert any("example #2" in line for line in card)
        await pilot.press("W")
        assert panel.all_edges and footer_says(app) == f"Network: {EVERY_EDGE}"
        await pilot.press("u")
        await settled(app, pilot, lambda s: s.network is None)
        await pilot.pause()
        assert picture.current == "boundary" and not view.check_action("edges", ())


async def test_u_says_why_without_a_plane_of_inputs():
    preset = load_preset("vanishing_gradients")
    app = NntermApp(preset, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        snapshot = await settled(app, pilot, lambda s: s.paused)
        assert snapshot.boundary is None and snapshot.surface is None
        await pilot.press("u")
        await pilot.pause()
        assert footer_says(app) == f"Network: {NO_PLANE}"
        assert not app.main_view.network.open


def test_a_feature_switches_on_and_off_and_the_last_stays():
    config = MOONS
    on = controls.toggle_feature(config, "x1x2")
    assert on == {"data.features": ("x1", "x2", "x1x2")}
    config = with_changes(config, on)
    assert controls.toggle_feature(config, "x1x2") == {"data.features": ()}  # x1, x2 again
    only = with_changes(config, {"data.features": ("sin_x1",)})
    assert controls.toggle_feature(only, "sin_x1") == {}
    assert controls.toggle_feature(only, "x2^2") == {"data.features": ("x2^2", "sin_x1")}


async def test_enter_on_a_feature_switches_it_and_the_runs_start_again():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("u")
        await settled(app, pilot, lambda s: s.network is not None)
        panel = app.main_view.query_one(NetworkPanel)
        await pilot.press("left", "down", "down", "down", "down")
        assert panel.selected_feature == "x1x2"
        await pilot.press("enter")
        snapshot = await settled(app, pilot, lambda s: s.config.data.features != ())
        assert snapshot.config.data.features == ("x1", "x2", "x1x2")
        assert snapshot.network is not None and snapshot.network.input_names == \
            ("x1", "x2", "x1x2")
        assert snapshot.step == 0


async def test_enter_on_a_unit_types_its_weights_s_saves_them_and_r_draws_the_init_again(
        tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("u")
        before = await settled(app, pilot, lambda s: s.network is not None)
        unit = before.network.layers[0].units[0]
        await pilot.press("enter")
        editor = app.screen
        assert isinstance(editor, UnitEditor) and editor.title_text == f"h1[{unit}] of run base"
        assert [label for label, _, _ in editor.fields] == [
            "weight from x1", "weight from x2", "bias"]
        field = editor.query_one("#field-1", Input)
        field.value = "oops"
        await pilot.press("enter")
        assert app.screen is editor  # not a number: said, nothing applied
        field.value = "2.5"
        await pilot.press("enter")
        assert app.screen is app.main_view
        edited = await settled(app, pilot, lambda s: s.network.layers[0].weights[1, 0] == 2.5)
        np.testing.assert_array_equal(edited.network.layers[0].weights[0],
                                      before.network.layers[0].weights[0])  # x1's: kept
        assert edited.message == f"h1[{unit}]: weight from x2 set to 2.5"
        await pilot.press("S")
        saved = load_preset(str(tmp_path / "nnterm" / "presets" / "keys_saved.yaml"))
        assert saved.config.model.typed_values == (TypedValue(0, 0, unit, 1, 2.5),)
        await pilot.press("r")
        reset = await settled(app, pilot, lambda s: s.network.layers[0].weights[1, 0] != 2.5)
        np.testing.assert_array_equal(reset.network.layers[0].weights,
                                      before.network.layers[0].weights)


def test_a_parameter_outside_the_network_is_refused():
    net = trained().net
    net.set_parameter(1, 0, None, 0.25)
    assert net.params[3][0] == 0.25
    for layer, unit, row, value in ((3, 0, 0, 1.0), (0, 5, 0, 1.0), (0, 0, 2, 1.0),
                                    (0, 0, 0, float("nan"))):
        with pytest.raises(ValueError):
            net.set_parameter(layer, unit, row, value)


async def test_on_a_small_terminal_the_network_view_fills_the_screen():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        view = app.main_view
        await pilot.press("u")
        await settled(app, pilot, lambda s: s.network is not None)
        await pilot.pause()
        picture = view.query_one(f"#{PICTURE}")
        assert view.maximized is picture and picture.current == "network"
        panel = view.query_one(NetworkPanel)
        assert panel.size.height >= 18
        await pilot.press("u")
        await pilot.pause()
        assert view.maximized is None


def coloured_cells(panel: NetworkPanel) -> list[set[tuple[int, str, str]]]:
    """Each line's segments as (x, text, colour name)."""
    lines = []
    for y in range(panel.size.height):
        x, cells = 0, set()
        for seg in panel.render_line(y):
            colour = seg.style.color.name if seg.style is not None and seg.style.color else ""
            cells.add((x, seg.text, str(colour)))
            x += len(seg.text)
        lines.append(cells)
    return lines


def edge_cells(drawn: list[set], before: list[set]) -> list[list[str]]:
    """The weights drawn (a segment each) that were not there ``before`` (the same
    snapshot without ``W``), each line's as colours left to right."""
    return [[colour for _, text, colour in sorted(now - was)
             if text and set(text) <= set("█▓░")]
            for now, was in zip(drawn, before, strict=True)]


async def test_w_draws_every_weight_of_every_layer_coloured_by_its_sign():
    trainer = trained()
    view = build_network_view(trainer, point=0, resolution=8)
    panel = NetworkPanel(color_mode="ansi")
    async with OnePanel(panel).run_test(size=(118, 80)) as pilot:  # every unit fits
        assert panel.update_snapshot(dataclasses.replace(make_snapshot(config=MOONS),
                                                         network=view))
        await pilot.pause()
        before = coloured_cells(panel)  # the selected unit's weights only: numbers
        assert panel.toggle_edges()
        await pilot.pause()
        drawn = edge_cells(coloured_cells(panel), before)
        cells = [c for line in drawn for c in line]
        weights = np.concatenate([layer.weights.ravel() for layer in view.layers])
        assert len(cells) == weights.size == 2 * 5 + 5 * 3 + 3 * 2
        assert cells.count("red") == int((weights > 0).sum())
        assert cells.count("blue") == int((weights < 0).sum())
        first = next(line for line in drawn if line)  # x1 into h1, in order
        assert first[:5] == ["red" if w > 0 else "blue" for w in view.layers[0].weights[0]]
        assert not panel.toggle_edges()
        await pilot.pause()
        assert coloured_cells(panel) == before


async def test_the_inputs_column_shows_the_features_read_first():
    config = with_changes(MOONS, {"data.features": ("x2^2", "x1x2")})
    view = build_network_view(trained(config), point=0, resolution=8)
    panel = NetworkPanel(color_mode="mono")
    async with OnePanel(panel).run_test(size=(60, 40)) as pilot:
        assert panel.update_snapshot(dataclasses.replace(make_snapshot(config=config),
                                                         network=view))
        panel.move(-1, 0)
        await pilot.pause()
        lines = [panel.render_line(y).text for y in range(panel.size.height)]
        labels = [line.split()[0].lstrip("▶") for line in lines if line.lstrip().startswith(
            ("▶●", "▶○", "●", "○"))]
        assert labels[:3] == ["●x2^2", "●x1x2", "○x1"]
        assert panel.selected_feature == "x2^2"
        assert any(line.startswith("x2^2 · example #0") for line in lines)
