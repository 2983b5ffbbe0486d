"""The confusion matrix: counted right, kept by the trainer at each record for three
classes or more (with the record's accuracy on its diagonal), sent in the snapshot with
the classes' names, drawn as a matrix or, for many classes, as lists, and hidden or shown
with ``y``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hand_made_snapshots import make_snapshot
from helpers import KEYS_PRESET, footer_says, settled
from textual.app import App

from nnterm.app.app import NntermApp
from nnterm.app.view_keys import NO_CONFUSION
from nnterm.app.widgets.confusion import ConfusionPanel
from nnterm.engine.live.snapshot import Confusion
from nnterm.engine.live.snapshot_build import confusion_view
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.training.config import Config, DataConfig, ModelConfig, TrainConfig
from nnterm.engine.training.confusion import class_accuracy, confusion_matrix
from nnterm.engine.training.trainer import Trainer

SIX_BLOBS = Config(data=DataConfig(name="gauss", n_train=120, n_val=90,
                                   params={"n_classes": 6, "spread": 0.1}),
                   model=ModelConfig(hidden=(8,)), train=TrainConfig(steps=60, log_every=20))


def test_the_matrix_counts_each_true_and_predicted_pair():
    rng = np.random.default_rng(0)
    labels, predicted = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    counts = confusion_matrix(predicted, labels, 4)
    for i in range(4):
        for j in range(4):
            assert counts[i, j] == np.sum((labels == i) & (predicted == j))
    np.testing.assert_allclose(class_accuracy(counts), [
        np.mean(predicted[labels == i] == i) for i in range(4)])
    assert np.isnan(class_accuracy(np.zeros((3, 3), int))).all()


def test_the_trainer_keeps_it_at_each_record_with_the_records_accuracy():
    trainer = Trainer(SIX_BLOBS)
    trainer.run(40)
    step, counts = trainer.val_confusion
    record = trainer.history.records[-1]
    assert step == record.step == 40 and counts.shape == (6, 6)
    assert counts.sum() == 90
    assert np.trace(counts) / counts.sum() == pytest.approx(record.val_acc)


@pytest.mark.parametrize("changes", [{"data.params": {"n_classes": 2, "spread": 0.1}},
                                     {"data.name": "sine", "data.params": {},
                                      "model.loss": "mse"}])
def test_two_classes_and_regression_keep_none(changes):
    from nnterm.engine.training.config import with_changes
    trainer = Trainer(with_changes(SIX_BLOBS, changes))
    trainer.run(20)
    assert trainer.val_confusion is None and confusion_view(trainer) is None


def test_the_snapshot_names_next_tokens_by_their_characters():
    config = Config(data=DataConfig(name="names", n_train=300, n_val=200),
                    model=ModelConfig(hidden=(8,)), train=TrainConfig(steps=10))
    view = confusion_view(Trainer(config))
    assert view is not None and view.class_names[:3] == (".", "a", "b")
    assert view.counts.shape == (27, 27) and view.step == 0


class OnePanel(App):
    def __init__(self, panel: ConfusionPanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self):
        yield self.panel


def lines_of(panel: ConfusionPanel) -> list[str]:
    return [panel.render_line(y).text for y in range(panel.size.height)]


@pytest.mark.parametrize("mode", ["truecolor", "ansi", "mono"])
async def test_the_panel_draws_the_matrix_and_each_class_accuracy(mode):
    counts = np.array([[9, 1, 0], [0, 5, 5], [2, 0, 0]])
    confusion = Confusion(counts, ("cat", "dog", "eel"), 120)
    panel = ConfusionPanel(color_mode=mode)
    async with OnePanel(panel).run_test(size=(44, 10)) as pilot:
        assert panel.update_snapshot(dataclasses.replace(make_snapshot(), confusion=confusion))
        await pilot.pause()
        assert panel.display and panel.border_subtitle.endswith("val · step 120")
        lines = lines_of(panel)
        assert lines[0].split() == ["cat", "dog", "eel", "acc"]
        assert lines[1].split() == ["cat", "9", "1", "·", "90%"]
        assert lines[2].split() == ["dog", "·", "5", "5", "50%"]
        assert lines[3].split() == ["eel", "2", "·", "·", "0%"]
        assert not panel.update_snapshot(make_snapshot())  # no matrix: hidden
        assert not panel.display


async def test_too_many_classes_for_the_width_are_listed_worst_first():
    counts = np.eye(27, dtype=int) * 10
    counts[5, 5], counts[5, 1] = 2, 8  # 'e' is read as 'a' most of the time
    names = (".", *"abcdefghijklmnopqrstuvwxyz")
    panel = ConfusionPanel(color_mode="mono")
    async with OnePanel(panel).run_test(size=(44, 12)) as pilot:
        panel.update_snapshot(dataclasses.replace(make_snapshot(),
                                                  confusion=Confusion(counts, names, 0)))
        await pilot.pause()
        lines = lines_of(panel)
        assert lines[0].startswith("accuracy by true class")
        assert lines[1].startswith("'e' 20%")
        assert any(line.startswith("'e'→'a' 8") for line in lines)


SIX_CLASS_PRESET = parse_preset("""
name: six
title: Six blobs
section: "0. Test"
lesson: Six classes to confuse.
data: {name: gauss, n_train: 120, n_val: 60, params: {n_classes: 6, spread: 0.2}}
model: {hidden: [8]}
train: {steps: 100000, log_every: 10}
""")


async def test_y_hides_and_shows_the_matrix_and_says_why_without_one():
    app = NntermApp(SIX_CLASS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.confusion is not None)
        panel = app.main_view.query_one(ConfusionPanel)
        await pilot.pause()
        assert panel.display
        await pilot.press("y")
        assert not panel.display
        await pilot.press("y")
        assert panel.display
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("y")
        await pilot.pause()
        assert footer_says(app) == f"Confusion: {NO_CONFUSION}"
        assert not app.main_view.query_one(ConfusionPanel).display
