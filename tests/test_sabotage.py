"""The lessons guard the math they teach: break one piece of the engine the way a plausible
bug would, and the claims of the lesson that relies on it must fail (on seed 0).

Unit tests pin each piece too; these tests make sure that a lesson cannot keep "passing"
while it shows something the course text says is false. One bug stays with the unit tests
(``test_network``): a dropout mask shared by the whole batch. It changes no average a
claim can see (each example's mask has the same distribution either way), only how much
the batch's loss varies from step to step.
"""

from __future__ import annotations

import dataclasses
import inspect
import textwrap

import numpy as np
import pytest

from nnterm.engine.claims.check import check_claims
from nnterm.engine.experiments.experiment import run_preset
from nnterm.engine.nn import activations, schedules
from nnterm.engine.nn.network import MLP
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.training.trainer import Trainer


def mutated(function, *replacements: tuple[str, str]):
    """``function`` recompiled from its source with each ``(old, new)`` of
    ``replacements`` made (``old`` must occur exactly once)."""
    source = textwrap.dedent(inspect.getsource(function))
    for old, new in replacements:
        assert source.count(old) == 1, f"{old!r} is not in {function.__qualname__} once"
        source = source.replace(old, new)
    code = compile(source, inspect.getsourcefile(function), "exec",
                   flags=annotations.compiler_flag, dont_inherit=True)
    namespace: dict = {}
    exec(code, function.__globals__, namespace)
    return namespace[function.__name__]


def constant_sigmoid_slope(monkeypatch):
    """sigma'(z) taken as its maximum, 1/4, everywhere."""
    broken = dataclasses.replace(activations.SIGMOID,
                                 derivative=lambda z, a: np.full_like(a, 0.25))
    monkeypatch.setitem(activations._FIXED, "sigmoid", broken)


def early_stopping_keeps_the_last_weights(monkeypatch):
    monkeypatch.setattr(Trainer, "_early_stopping", mutated(
        Trainer._early_stopping, ("self.net.set_state(best_state)", "pass")))


def dropout_at_evaluation(monkeypatch):
    monkeypatch.setattr(MLP, "_trace_inputs", mutated(MLP._trace_inputs,
                                                      ("if train and p > 0.0:", "if p > 0.0:")))


def dropout_keeps_p_not_1_minus_p(monkeypatch):
    monkeypatch.setattr(MLP, "_trace_inputs", mutated(
        MLP._trace_inputs, ("random(a.shape) >= p", "random(a.shape) < p"),
        ("1.0 / (1.0 - p)", "1.0 / p")))


def cosine_schedule_that_never_decays(monkeypatch):
    monkeypatch.setattr(schedules.CosineSchedule, "_decay", lambda self, step: 1.0)


SABOTAGES = {
    "constant sigmoid slope": (constant_sigmoid_slope, "vanishing_gradients"),
    "early stopping keeps the last weights": (early_stopping_keeps_the_last_weights,
                                              "regularization"),
    "dropout at evaluation": (dropout_at_evaluation, "regularization"),
    "dropout keeps p, not 1 - p": (dropout_keeps_p_not_1_minus_p, "regularization"),
    "cosine schedule that never decays": (cosine_schedule_that_never_decays, "activations"),
}


@pytest.mark.parametrize("sabotage", SABOTAGES)
def test_a_broken_engine_fails_the_lesson_that_relies_on_it(sabotage, monkeypatch):
    breaks, preset_name = SABOTAGES[sabotage]
    preset = load_preset(preset_name)
    breaks(monkeypatch)
    verdicts = check_claims(preset, run_preset(preset, seed=0))
    assert any(not v.passed for v in verdicts), f"{preset_name} still passes with {sabotage}"
