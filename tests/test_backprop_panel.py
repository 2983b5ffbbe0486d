"""The backprop view in the app: the lesson opens paused on it, j walks a step phase by
phase and takes the next, J goes back, a whole step shows whole; each phase's lines write
the engine's numbers (Pilot, the engine in the app's thread)."""

from __future__ import annotations

from helpers import explained, settled

from nnterm.app.app import NntermApp
from nnterm.app.panels import PICTURE
from nnterm.app.widgets._backprop_lines import graph_lines, phase_lines, phases
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.app.widgets.backprop import BackpropPanel
from nnterm.engine.live.backprop_view import build_backprop_view
from nnterm.engine.preset_format.loader import load_preset


def test_each_phase_writes_the_engines_numbers():
    view = build_backprop_view(explained())
    steps = phases(view)
    assert [p.title.split(" (")[0] for p in steps] == [
        "forward through h1", "forward through out", "the loss", "backward through out",
        "backward through h1", "every weight's gradient", "the update"]
    hidden, out = view.layers
    z, a, da = (fmt_num(float(x[0])) for x in (hidden.z, hidden.a, hidden.grad_a))
    slope, dz = fmt_num(float(hidden.slope[0])), fmt_num(float(hidden.grad_z[0]))
    forward = phase_lines(view, steps[0])
    assert forward[0].startswith("z = ") and forward[0].split(" = ")[-1].startswith(z)
    assert forward[1] == f"  a = tanh({z}) = {a}"
    back = phase_lines(view, steps[4])
    da = f"({da})" if hidden.grad_a[0] < 0 else da
    assert back[1] == f"  ∂L/∂z = ∂L/∂a · tanh'(z) = {da} · {slope} = {dz}"
    assert f"= {fmt_num(float(out.grad_z[0]))}" in phase_lines(view, steps[3])[1]
    update = phase_lines(view, steps[6])
    assert update[0] == f"w ← w − lr·∂L/∂w, lr = {fmt_num(view.lr)}"
    assert f"= {fmt_num(float(hidden.new_weights[0, 0]))}" in update[1]


def test_values_show_as_the_forward_pass_reaches_them_and_gradients_as_the_backward_does():
    view = build_backprop_view(explained())
    steps = phases(view)
    first = [text for text, _ in graph_lines(view, steps[0])]
    assert first[1].split() == ["node", "value", "│", "∂L/∂z", "value", "│", "∂L/∂a"]
    assert fmt_num(float(view.layers[0].z[0])) in first[2] and "∂         ·" in first[2]
    assert first[-1].endswith("·")  # the loss: not yet
    last = [text for text, _ in graph_lines(view, steps[-1])]
    assert fmt_num(float(view.layers[0].grad_z[0])) in last[2]
    assert last[-1].endswith(fmt_num(view.loss))


async def test_j_walks_a_step_and_takes_the_next_and_a_whole_step_shows_whole():
    app = NntermApp(load_preset("backprop"), in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.explaining and s.paused)
        await pilot.pause()
        view = app.main_view
        assert view.query_one(f"#{PICTURE}").current == "backprop"
        panel = view.query_one(BackpropPanel)
        await pilot.press("j")
        await settled(app, pilot, lambda s: s.backprop is not None and s.backprop.step == 1)
        assert panel.phase.index == 0
        await pilot.press(*"jjjjjj")
        assert panel.phase.title.startswith("the update")
        await pilot.press("J")
        assert panel.phase.kind == "weights"
        await pilot.press("j", "j")
        await settled(app, pilot, lambda s: s.backprop.step == 2)
        await pilot.pause()
        assert panel.phase.index == 0
        await pilot.press("full_stop")
        await settled(app, pilot, lambda s: s.backprop.step == 3)
        await pilot.pause()
        assert panel.phase.kind == "update"  # a whole step, shown whole
        text = [panel.render_line(y).text for y in range(panel.size.height)]
        assert text[0].startswith("step 3 · phase 7/7")
