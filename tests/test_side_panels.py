"""The side panels and the status line draw what a hand-made Snapshot gives them: the
architecture editor (its edits, each layer's health, inits that do not fit), the status
line, the lesson panel."""

from __future__ import annotations

import dataclasses
import math

from hand_made_snapshots import CONFIG, LAYERS, Host, editor_with_edits, lines, make_snapshot

from nnterm.app.controls import optimizer_label
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.status_line import StatusLine, optimizer_name
from nnterm.engine.training.config import with_changes

# ----------------------------------------------------------------------------- architecture


async def test_architecture_editor_asks_for_edits_and_shows_what_came_of_them():
    editor, asked = editor_with_edits()
    host = Host(editor)
    async with host.run_test(size=(100, 12)) as pilot:
        assert editor.update_snapshot(make_snapshot())
        await pilot.pause()
        text = editor.render().plain
        rows = [line.split() for line in text.splitlines()]
        assert ["▸", "L1", "16", "tanh", "0", "48"] in rows and ["out", "2", "-", "18"] in rows
        assert "202" in text  # 2*16+16 + 16*8+8 + 8*2+2
        assert "▸ L1" in text
        # one init for every layer: said once under the table, with the loss
        assert any(line.strip().startswith("init ") and "loss" in line
                   for line in text.splitlines())
        assert max(len(line) for line in text.splitlines()[:6]) <= 44  # fits the panel

        editor.focus()
        await pilot.press("right", "right", "left")  # each key acts on the last one's result
        assert editor.config.model.hidden == (32, 8)
        assert "▸ L1" in editor.render().plain and "32" in editor.render().plain
        await pilot.press("down", "e", "D")
        assert host.selected == [1]
        assert editor.config.model.activation == ("tanh", "identity")
        assert editor.config.model.dropout == (0.0, 0.1)
        await pilot.press("ctrl+d", "ctrl+d")  # the second is refused: already 0
        assert "dropout" in editor.hint
        await pilot.press("A")
        assert editor.config.model.hidden == (32, 8, 8)
        assert editor.selected_layer == 2  # the new layer
        assert asked == [("width_up", 0), ("width_up", 0), ("width_down", 0),
                         ("cycle_activation", 1), ("dropout_up", 1), ("dropout_down", 1),
                         ("dropout_down", 1), ("add_layer", 1)]

        # a refused edit at the output layer changes nothing and says why
        editor.select_layer(editor.n_hidden)
        outcome = editor.edit_layer("remove_layer")
        assert outcome.config is None and "cannot be removed" in editor.hint
        assert editor.config.model.hidden == (32, 8, 8)


# ----------------------------------------------------------------------------- status line


async def test_status_line_shows_the_run():
    status = StatusLine(optimizer_label=optimizer_label)  # the app's names, as the app's
    async with Host(status).run_test(size=(160, 4)) as pilot:
        snap = make_snapshot(step=1234, message="lr 0.03",
                             diagnoses=(("dead_relu", 200, "..."), ("flat_loss", 200, "...")),
                             findings=("dead_relu (→ flat_loss)",))
        assert status.update_snapshot(snap)
        await pilot.pause()
        text = status.text.plain
        for part in ("running", "step 1,234", "epoch 1.25", "810 steps/s", "lr 0.03",
                     "batch 32", "adam", "loss 0.1234", "val 0.2345", "acc 95.0%",
                     "▲ dead_relu (→ flat_loss)", "lr 0.03"):
            assert part in text, part
        assert not status.update_snapshot(snap)
        momentum = with_changes(CONFIG, {"train.optimizer.name": "sgd",
                                         "train.optimizer.momentum": 0.9})
        status.update_snapshot(dataclasses.replace(snap, config=momentum))
        assert "momentum" in status.text.plain and "sgd" not in status.text.plain
        status.optimizer_label = optimizer_name  # (a status line on its own: the config's)
        status.update_snapshot(dataclasses.replace(snap, config=momentum, step=1235))
        assert "sgd" in status.text.plain and "momentum" not in status.text.plain
        status.update_snapshot(dataclasses.replace(snap, steps_per_second=1.0))
        assert " 1 step/s" in status.text.plain
        status.update_snapshot(dataclasses.replace(snap, paused=True))
        assert "paused" in status.text.plain
        status.update_snapshot(dataclasses.replace(snap, status="diverged"))
        assert "diverged" in status.text.plain
        await pilot.pause()
        assert "diverged" in status.render().plain


async def test_status_line_shows_a_keys_new_settings_at_once_until_the_engine_has_them():
    coming = {}  # the runs' configs once the engine has taken the keys (the app's runs_state)
    status = StatusLine(coming=coming.get)
    async with Host(status).run_test(size=(160, 4)):
        snap = make_snapshot()  # lr 0.03 as scheduled now
        status.update_snapshot(snap)
        assert "→" not in status.text.plain
        base = CONFIG.train.optimizer.lr
        keyed = with_changes(CONFIG, {"train.optimizer.lr": 2 * base, "train.batch_size": 64,
                                      "train.optimizer.name": "sgd"})
        coming["base"] = keyed
        status.show_coming()  # a key: the engine is still inside its step
        for part in ("lr →0.06", "batch →64", "→sgd", "step 390"):
            assert part in status.text.plain, part
        status.set_viewing("viewing step 10 of 390")  # a frame of the past: what it had
        assert "→" not in status.text.plain and "lr 0.03" in status.text.plain
        status.set_viewing("")
        assert "lr →0.06" in status.text.plain
        # the engine took them: its snapshot has them, and the marks go
        status.update_snapshot(dataclasses.replace(snap, config=keyed, lr=0.06, batch_size=64,
                                                   step=391))
        assert "→" not in status.text.plain
        assert "lr 0.06" in status.text.plain and "batch 64" in status.text.plain


async def test_a_narrow_status_line_wraps_its_pieces_onto_more_lines_never_cutting():
    status = StatusLine()
    message = "50 steps/s, the lesson's own pace (f changes it)"
    async with Host(status).run_test(size=(60, 8)) as pilot:
        status.set_scope("keys → all 8 runs")
        status.update_snapshot(make_snapshot(step=123456, message=message,
                                             diagnoses=(("overfitting", 200, "..."),),
                                             findings=("overfitting",)))
        await pilot.pause()
        shown = [line.rstrip() for line in lines(status)]
        text = " ".join(shown)
        assert "…" not in text and status.size.height > 2
        assert all(len(line) <= status.content_size.width for line in shown)
        for part in ("step 123,456", "adam", "overfitting", "keys → all 8 runs"):
            assert part in text, part
        assert " ".join(message.split()) in " ".join(text.split())
        assert not any(line.lstrip().startswith("│") for line in shown)  # no dangling bar


# ----------------------------------------------------------------------------- lesson


async def test_lesson_panel_shows_and_replaces_the_lesson():
    panel = LessonPanel("XOR", "1. Basics", "A line **cannot** separate XOR.\n\n" + "more\n\n" * 40)
    async with Host(panel).run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        statics = [str(w.render()) for w in panel.query("Static")]
        assert any("XOR" in s for s in statics) and any("1. Basics" in s for s in statics)
        assert panel.max_scroll_y > 0  # long text scrolls
        panel.set_lesson("Dead ReLUs", "2. Init", "Too large a learning rate kills units.")
        await pilot.pause()
        assert panel.lesson[0] == "Dead ReLUs"
        assert any("Dead ReLUs" in str(w.render()) for w in panel.query("Static"))


# ----------------------------------------------------------------------------- health
async def test_architecture_editor_shows_each_layers_health():
    editor = ArchitectureEditor()
    relu, tanh, out = (dataclasses.replace(v, activation=a, dead_frac=d, act_std=0.25)
                       for v, a, d in zip(LAYERS, ("relu", "tanh", "output"), (0.75, 0.5, 0.0),
                                          strict=True))
    async with Host(editor).run_test(size=(100, 20)) as pilot:
        editor.update_snapshot(make_snapshot(layers=(relu, tanh, out)))
        await pilot.pause()
        last_rows = editor.render().plain.splitlines()[-3:]
        hidden1, hidden2, output = (row.split() for row in last_rows)
        assert hidden1 == ["L1", "5.0e-01", "1e-3", "0.25", "75%", "0%"]  # u/w = 10^-3
        assert hidden2[4] == "–"  # "dead" means nothing for tanh
        assert output[:3] == ["out", "1.5e+00", "1e-1"]


async def test_before_the_first_update_the_update_ratio_is_a_dash_not_nan():
    """Step 0 (no update yet) or zero weights: there is no update/weight ratio."""
    editor = ArchitectureEditor()
    unknown = tuple(dataclasses.replace(v, update_ratio=math.nan) for v in LAYERS)
    async with Host(editor).run_test(size=(100, 20)) as pilot:
        editor.update_snapshot(make_snapshot(layers=unknown))
        await pilot.pause()
        text = editor.render().plain
        assert "nan" not in text
        rows = [row.split() for row in text.splitlines()[-3:]]
        assert [row[2] for row in rows] == ["–", "–", "–"]


async def test_an_architecture_too_wide_for_its_inits_lists_them_under_the_table():
    inits = ({"scheme": "normal", "std": 1.0}, {"scheme": "normal", "std": 0.304},
             {"scheme": "normal", "std": 0.01})
    config = with_changes(CONFIG, {"model.init": inits, "model.loss": "cross_entropy"})
    editor = ArchitectureEditor()
    async with Host(editor).run_test(size=(46, 20)) as pilot:
        editor.update_snapshot(make_snapshot(config=config, layers=LAYERS))
        await pilot.pause()
        rows = [line.rstrip() for line in lines(editor)]
        text = "\n".join(rows)
        assert "…" not in text and all(len(r) <= editor.content_size.width for r in rows)
        assert "params" in rows[0] and "init" not in rows[0]  # no init column
        said = " ".join(" ".join(rows).split())
        assert "init L1 normal σ=1, L2 normal σ=0.304, out normal σ=0.01" in said
    wide = ArchitectureEditor()
    async with Host(wide).run_test(size=(100, 20)) as pilot:
        wide.update_snapshot(make_snapshot(config=config, layers=LAYERS))
        await pilot.pause()
        assert "init" in lines(wide)[0]  # room for the column
