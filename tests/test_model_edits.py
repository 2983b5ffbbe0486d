"""Layer edits as pure functions of the ModelConfig (``nnterm.app.model_edits``)."""

from __future__ import annotations

import pytest

from nnterm.app.model_edits import (
    WIDTH_STEPS,
    EditRefused,
    add_layer,
    change_dropout,
    change_width,
    cycle_activation,
    cycle_init,
    remove_layer,
    step_along,
)
from nnterm.engine.nn.initializers import Init
from nnterm.engine.training.config import ModelConfig

MODEL = ModelConfig(
    hidden=(4, 8), activation=("relu", "tanh"), init=Init("he_normal"),
    dropout=(0.1, 0.2), frozen=(1,),
)


@pytest.mark.parametrize(
    ("width", "up", "expected"), [(8, True, 16), (8, False, 4), (1, False, None), (256, True, None)]
)
def test_width_steps(width, up, expected):
    assert step_along(WIDTH_STEPS, width, up) == expected


def test_adding_a_layer_copies_the_selected_one_and_moves_frozen_indices():
    edit = add_layer(MODEL, 0)
    assert edit.changes == {
        "model.hidden": (4, 4, 8),
        "model.activation": ("relu", "relu", "tanh"),
        "model.dropout": (0.1, 0.1, 0.2),
        "model.frozen": (2,),
    }
    assert edit.restart and "same seed" in edit.note and edit.select == 1


def test_removing_a_layer_shrinks_every_per_layer_setting():
    edit = remove_layer(MODEL, 1)
    assert edit.changes == {
        "model.hidden": (4,),
        "model.activation": ("relu",),
        "model.dropout": (0.1,),
        "model.frozen": (),
    }
    assert edit.restart and edit.select == 1


def test_dropout_and_activation_keep_the_weights():
    down = change_dropout(MODEL, 0, up=False)
    assert down.changes == {"model.dropout": (0.0, 0.2)} and not down.restart
    act = cycle_activation(MODEL, 1)
    assert not act.restart and act.changes["model.activation"][0] == "relu"


def test_a_single_value_stays_single_while_every_layer_agrees():
    model = ModelConfig(hidden=(8, 8), init=Init("he_normal"))
    edit = cycle_init(model, 2)  # the output layer only
    assert edit.changes == {"model.init": (Init("he_normal"),) * 2 + (Init("torch_default"),)}
    assert change_width(model, 0, up=True).changes == {"model.hidden": (16, 8)}


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda m: change_width(m, 2, up=True), "output width"),
        (lambda m: remove_layer(m, 2), "cannot be removed"),
        (lambda m: cycle_activation(m, 2), "set by the loss"),
        (lambda m: change_dropout(m, 2, up=True), "no dropout"),
        (lambda m: change_dropout(m, 0, up=False) and change_dropout(
            ModelConfig(hidden=(4,), dropout=0.0), 0, up=False), "within 0.0..0.5"),
        (lambda m: add_layer(ModelConfig(hidden=(2,) * 8), 0), "at most 8"),
    ],
)
def test_edits_that_cannot_apply_are_refused_with_a_reason(edit, why):
    with pytest.raises(EditRefused, match=why):
        edit(MODEL)
