"""A preset's guided ``steps`` and ``lock``: loader errors at the right key, the round trip
through YAML and through the app's save, and when a step's claim can be judged live."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import record

from nnterm.engine.claims.live import judge_live
from nnterm.engine.experiments.experiment import ExperimentResult, RunResult
from nnterm.engine.preset_format.loader import (
    PresetError,
    dump_preset,
    load_preset,
    parse_preset,
    save_preset,
)
from nnterm.engine.preset_format.preset import (
    DiagnosisClaim,
    ExplainedClaim,
    MetricClaim,
    Reference,
)
from nnterm.engine.preset_format.saving import edited_preset
from nnterm.engine.training.config import with_changes
from nnterm.engine.training.diagnostics import Diagnosis

BASE = """name: steps_test
title: Steps test
section: "0. Test"
lesson: A lesson with steps.
data: {name: xor, n_train: 4, n_val: 4, noise: 0.0}
model: {hidden: [8], activation: tanh}
train: {steps: 200, batch_size: 0, optimizer: {name: adam, lr: 0.1}, log_every: 10}
compare:
  linear: {model.hidden: []}
"""
GOOD = BASE + """steps:
  - text: Watch.
  - text: Give linear a hidden layer.
    set: {model.hidden: [4]}
    run: linear
    claim: {metric: train_acc, run: linear, at: [100, 200], op: ">=", value: 1.0}
    seen: linear solved XOR
lock: [lr, architecture]
"""


def test_steps_and_lock_load_as_written():
    preset = parse_preset(GOOD)
    first, second = preset.steps
    assert first.text == "Watch." and first.claim is None and not first.changes
    assert second.changes == {"model.hidden": (4,)} and second.run == "linear"
    assert second.claim == MetricClaim("train_acc", ">=", Reference(value=1.0), "linear",
                                       (100, 200))
    assert second.seen == "linear solved XOR"
    assert preset.lock == ("lr", "architecture")


def test_load_save_load_keeps_steps_and_lock(tmp_path):
    preset = parse_preset(GOOD)
    assert parse_preset(dump_preset(preset)) == preset
    path = tmp_path / "steps_test.yaml"
    save_preset(preset, path)
    assert load_preset(path) == preset


def test_a_saved_edit_keeps_the_steps_without_their_claims():
    preset = parse_preset(GOOD)
    runs = [("base", with_changes(preset.config, {"train.optimizer.lr": 0.3})),
            ("linear", with_changes(preset.config, preset.compare["linear"]))]
    saved = parse_preset(dump_preset(edited_preset(preset, runs, "mine")))
    assert [s.text for s in saved.steps] == [s.text for s in preset.steps]
    assert saved.steps[1].changes == {"model.hidden": (4,)}
    assert saved.steps[1].claim is None and saved.steps[1].seen == ""
    assert saved.lock == preset.lock


@pytest.mark.parametrize("tail, where, words", [
    ("steps: {text: a}\n", "steps:", "is not a list of steps"),
    ("steps: []\n", "steps:", "is not a list of steps"),
    ("steps: [{set: {model.hidden: [4]}}]\n", "steps[0].text:", "missing"),
    ("steps: [{text: a, txt: b}]\n", "steps[0].txt:", "did you mean 'text'"),
    ("steps: [{text: a, set: {model.hiden: [4]}}]\n", "steps[0].set.model.hiden:",
     "did you mean 'model.hidden'"),
    ("steps: [{text: a, set: {train.optimizer.lr: -1}}]\n",
     "steps[0].set.train.optimizer.lr:", "out of range"),
    ("steps: [{text: a, set: {}}]\n", "steps[0].set:", "is not a mapping of settings"),
    ("steps: [{text: a, set: {model.hidden: [4]}, run: lin}]\n", "steps[0].run:",
     "did you mean 'linear'"),
    ("steps: [{text: a, run: linear}]\n", "steps[0].run:", "sets nothing"),
    ("steps: [{text: a, claim: {metric: train_acc, op: '>', value: 1, at: 900}}]\n",
     "steps[0].claim.at:", "outside the run"),
    ("steps: [{text: a, claim: {metrik: train_acc}}]\n", "steps[0].claim:",
     "a claim needs a kind"),
    ("steps: [{text: a, seen: it held}]\n", "steps[0].seen:", "has none"),
    ("lock: lr\n", "lock:", "not a list of controls"),
    ("lock: [lr, optimiser]\n", "lock[1]:", "did you mean 'optimizer'"),
    ("lock: [lr, lr]\n", "lock[1]:", "listed twice"),
])
def test_bad_steps_and_locks_are_named_precisely(tail, where, words):
    with pytest.raises(PresetError) as err:
        parse_preset(BASE + tail, "lesson.yaml")
    message = str(err.value)
    assert message.startswith(f"lesson.yaml:10: {where}") and words in message, message


def test_a_sweeps_steps_cannot_change_settings():
    text = BASE + "sweep: {model.hidden: [[2], [4]]}\nsteps: [{text: a, set: {seed: 1}}]\n"
    with pytest.raises(PresetError, match=r"steps\[0\]\.set: a sweep's steps cannot"):
        parse_preset(text)


# ---------------------------------------------------------------------- live judging
def result_of(runs: dict[str, list]) -> ExperimentResult:
    return ExperimentResult("t", 0, {name: [RunResult(name, {}, parse_preset(BASE).config,
                                                      records, "training", diagnoses=diag)]
                                      for name, (records, diag) in runs.items()})


def loss_history(*losses):
    return [record(10 * i, train_loss=loss) for i, loss in enumerate(losses)]


def test_a_claim_at_end_is_judged_on_the_newest_record():
    claim = MetricClaim("train_loss", "<", Reference(value=0.5))
    assert judge_live(claim, result_of({"base": (loss_history(0.7, 0.6), ())}),
                      {"base": 10}, ()) is False
    assert judge_live(claim, result_of({"base": (loss_history(0.7, 0.6, 0.4), ())}),
                      {"base": 20}, ()) is True


def test_a_claim_at_a_step_or_window_waits_until_the_run_gets_there():
    at_step = MetricClaim("train_loss", "<", Reference(value=0.9), at=30)
    window = MetricClaim("train_loss", "<", Reference(value=0.9), at=(10, 30))
    early = result_of({"base": (loss_history(0.7, 0.6, 0.5), ())})  # steps 0-20
    for claim in (at_step, window):
        assert judge_live(claim, early, {"base": 20}, ()) is None
    later = result_of({"base": (loss_history(0.7, 0.6, 0.5, 0.4), ())})
    assert judge_live(at_step, later, {"base": 30}, ()) is True
    assert judge_live(window, later, {"base": 30}, ()) is True


def test_a_reference_at_a_step_of_another_run_waits_for_that_run():
    claim = MetricClaim("train_loss", "<", Reference(run="linear", at=20, factor=0.5))
    result = result_of({"base": (loss_history(0.7, 0.1, 0.1), ()),
                        "linear": (loss_history(0.7, 0.7), ())})
    assert judge_live(claim, result, {"base": 20, "linear": 10}, ()) is None
    assert judge_live(claim, result, {"base": 20, "linear": 10}, {"linear"}) is True


def test_an_absent_diagnosis_waits_for_the_end_and_a_present_one_does_not():
    absent = DiagnosisClaim("dead_relu", present=False)
    present = DiagnosisClaim("dead_relu")
    healthy = result_of({"base": (loss_history(0.7), ())})
    assert judge_live(absent, healthy, {"base": 0}, ()) is None
    assert judge_live(absent, healthy, {"base": 0}, {"base"}) is True
    assert judge_live(present, healthy, {"base": 0}, ()) is False


def test_only_the_named_diagnoses_is_judged_once_the_run_has_finished():
    """Whether a run shows nothing its lesson does not name is known at its end only."""
    only = ExplainedClaim(("dead_relu",))
    dead = result_of({"base": (loss_history(0.7), (Diagnosis("dead_relu", 0, ""),))})
    assert judge_live(only, dead, {"base": 0}, ()) is None
    assert judge_live(only, dead, {"base": 0}, {"base"}) is True
    assert judge_live(ExplainedClaim(), dead, {"base": 0}, {"base"}) is False


def test_a_claim_on_a_run_that_is_gone_cannot_be_judged():
    claim = dataclasses.replace(MetricClaim("train_loss", "<", Reference(value=1.0)),
                                run="linear")
    assert judge_live(claim, result_of({"base": (loss_history(0.7), ())}),
                      {"base": 0}, ()) is None
