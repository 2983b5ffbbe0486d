"""Values typed into single weights (the network view's weight card): the run's Config
records them with their step, a Trainer given that Config replays them bit for bit, a
reset drops those typed since (the preset's own stay), a structural change drops them
all, and a saved preset carries them back."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from helpers import MOONS

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import RunsState, RunState, expect
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import dump_preset, load_preset, parse_preset
from nnterm.engine.preset_format.saving import edited_preset
from nnterm.engine.preset_format.values import format_value
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.status import TRAINING
from nnterm.engine.training.trainer import Trainer
from nnterm.engine.training.typed_values import TypedValue, with_typed_value


def typed_run(steps: tuple[int, ...] = (0, 7)) -> Trainer:
    """A MOONS run given a value at each of ``steps``, live, then trained to step 20."""
    trainer = Trainer(MOONS)
    for k, at in enumerate(steps):
        trainer.run(at - trainer.step_count)
        trainer.apply(cmd.SetParameter(0, k, k % 2, 1.5 + k))
    trainer.apply(cmd.SetParameter(1, 2, None, -0.75))  # a bias, at the last step
    trainer.run(20 - trainer.step_count)
    return trainer


def test_a_typed_value_is_recorded_with_its_step_and_taken_at_once():
    trainer = typed_run()
    assert trainer.config.model.typed_values == (
        TypedValue(0, 0, 0, 0, 1.5), TypedValue(7, 0, 1, 1, 2.5), TypedValue(7, 1, 2, None, -0.75))


def test_a_trainer_given_the_typed_values_replays_the_run_bit_for_bit():
    live = typed_run()
    replay = Trainer(live.config)
    replay.run(20)
    for a, b in zip(live.net.params, replay.net.params, strict=True):
        np.testing.assert_array_equal(a, b)
    assert [r.train_loss for r in live.history.records] == \
        [r.train_loss for r in replay.history.records]
    untouched = Trainer(MOONS)
    untouched.run(20)
    assert not np.array_equal(untouched.net.params[0], replay.net.params[0])


def test_the_same_parameter_typed_twice_at_a_step_keeps_the_last_value():
    config = with_typed_value(MOONS, TypedValue(3, 0, 1, 0, 1.0))
    config = with_typed_value(config, TypedValue(3, 0, 1, 0, 2.0))
    config = with_typed_value(config, TypedValue(1, 0, 1, 0, 5.0))
    assert config.model.typed_values == (TypedValue(1, 0, 1, 0, 5.0), TypedValue(3, 0, 1, 0, 2.0))


def test_reset_and_reseed_drop_what_was_typed_and_keep_what_the_run_was_given():
    given = with_typed_value(MOONS, TypedValue(0, 0, 0, None, 0.5))
    trainer = Trainer(given)
    trainer.run(4)
    trainer.apply(cmd.SetParameter(0, 1, 0, 3.0))
    assert len(trainer.config.model.typed_values) == 2
    trainer.apply(cmd.Reset())
    assert trainer.config.model.typed_values == given.model.typed_values
    assert trainer.net.params[1][0] == 0.5 and trainer.net.params[0][0, 1] != 3.0
    trainer.apply(cmd.SetParameter(0, 1, 0, 3.0))
    trainer.apply(cmd.Reseed())
    assert trainer.config.model.typed_values == given.model.typed_values


def test_a_structural_change_drops_every_typed_value():
    trainer = typed_run()
    trainer.apply(cmd.Set({"model.hidden": (4, 3)}))
    assert trainer.config.model.typed_values == () and trainer.step_count == 0
    trainer.apply(cmd.Reset())
    assert trainer.config.model.typed_values == ()
    live = typed_run()
    live.apply(cmd.Set({"train.optimizer.lr": 0.01}))  # a live change keeps them
    assert len(live.config.model.typed_values) == 3


def test_the_apps_expectation_records_a_typed_value_as_the_engine_does():
    run = RunState("base", MOONS, 12, TRAINING, True)
    state = expect(RunsState((run,), "base"),
                   rc.ToRuns(cmd.SetParameter(0, 1, None, 0.5), ("base",)))
    assert state.current.config.model.typed_values == (TypedValue(12, 0, 1, None, 0.5),)
    restarted = expect(state, cmd.Set({"model.hidden": (8, 3)}))
    assert restarted.current.config.model.typed_values == ()


def test_a_saved_preset_carries_the_typed_values_and_trains_the_same_run(tmp_path):
    preset = load_preset("playground")
    trainer = Trainer(preset.config)
    trainer.run(5)
    trainer.apply(cmd.SetParameter(0, 0, 1, -2.0))
    trainer.run(10)
    saved = edited_preset(preset, [("base", trainer.config)], "mine")
    text = dump_preset(saved)
    assert "typed_values: [{step: 5, input: 1, value: -2.0}]" in text
    loaded = parse_preset(text)
    assert loaded.config.model.typed_values == trainer.config.model.typed_values
    replay = Trainer(loaded.config)
    replay.run(15)
    np.testing.assert_array_equal(replay.net.params[0], trainer.net.params[0])


ONE_RUN = """
name: typed
title: A 2-8-1 network
section: test
lesson: typed values
data: {name: xor}
model: {hidden: [8], loss: binary_cross_entropy, typed_values: [TYPED]}
train: {steps: 500}
"""


@pytest.mark.parametrize(("typed", "says"), [
    ("{unit: 8, value: 1}", "model.typed_values[0]: layer 0 has 8 units: no unit 8"),
    ("{layer: 2, value: 1}", "layer 2 does not exist (layers 0..1)"),
    ("{input: 2, value: 1}", "layer 0 reads 2 inputs: no input 2"),
    ("{layer: 1, unit: 1, value: 1}", "layer 1 has 1 unit: no unit 1"),
    ("{step: 501, value: 1}", "step 501 is past the run's 500 steps"),
    ("{value: .inf}", "is not a finite number"),
])
def test_a_typed_value_naming_no_parameter_is_refused_by_the_preset_loader(typed, says):
    with pytest.raises(PresetError, match=re.escape(says)):
        parse_preset(ONE_RUN.replace("TYPED", typed))
    assert parse_preset(ONE_RUN.replace("TYPED", "{unit: 7, step: 500}")).config.model \
        .typed_values == (TypedValue(step=500, unit=7),)


def test_a_config_typed_beyond_its_network_is_refused_by_the_trainer():
    config = dataclasses.replace(MOONS, model=dataclasses.replace(
        MOONS.model, typed_values=(TypedValue(0, 0, 9, None, 1.0),)))
    with pytest.raises(ValueError, match="layer 0 has 5 units: no unit 9"):
        Trainer(config)


def test_a_typed_value_is_written_as_a_preset_writes_it():
    assert format_value((TypedValue(263, 0, 5, 0, 0.5), TypedValue(unit=2, value=-1.0))) == \
        "[{step: 263, unit: 5, input: 0, value: 0.5}, {unit: 2, value: -1}]"
