"""Saving what the app trains: random key sequences on every preset, then save, load and
compare. The saved preset must load, and give back the same runs (names made valid)."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnterm.app import controls
from nnterm.app import model_edits as edits
from nnterm.app.sweep_screen import point_preset
from nnterm.engine.experiments.experiment import preset_jobs
from nnterm.engine.preset_format.loader import dump_preset, list_presets, parse_preset
from nnterm.engine.preset_format.preset import run_configs
from nnterm.engine.preset_format.saving import edited_preset, tidy
from nnterm.engine.training.config import Config, with_changes

PRESETS = [p if p.sweep is None else point_preset(p, preset_jobs(p)[0]) for p in list_presets()]

#: Each key of the app as a pure edit of one run's Config (what the key sends).
SETTING_KEYS = {
    "+": lambda c, _: controls.learning_rate(c, 1),
    "-": lambda c, _: controls.learning_rate(c, -1),
    "B": lambda c, _: controls.batch_size(c, 1),
    "b": lambda c, _: controls.batch_size(c, -1),
    "o": lambda c, _: controls.optimizer(c)[1],
    "a": lambda c, _: controls.activation(c),
    "i": lambda c, _: controls.init(c),
    "d": lambda c, _: controls.dropout(c),
    "w": lambda c, _: controls.weight_decay(c),
    "right": lambda c, i: edits.change_width(c.model, i, True).changes,
    "left": lambda c, i: edits.change_width(c.model, i, False).changes,
    "e": lambda c, i: edits.cycle_activation(c.model, i).changes,
    "I": lambda c, i: edits.cycle_init(c.model, i).changes,
    "D": lambda c, i: edits.change_dropout(c.model, i, True).changes,
    "A": lambda c, i: edits.add_layer(c.model, i).changes,
    "X": lambda c, i: edits.remove_layer(c.model, i).changes,
}
KEYS = [*SETTING_KEYS, "C", "x"]  # (g, the scope, is each press's all_runs)


def press(runs: list[tuple[str, Config]], key: str, selected: int, layer: int,
          all_runs: bool) -> list[tuple[str, Config]]:
    """``runs`` after ``key``, as the app would have them."""
    if key == "C":  # copy the selected run
        name, config = runs[selected]
        return [*runs, (f"{name}+", config)] if len(runs) < 8 else runs
    if key == "x":  # remove the selected run (never the last)
        return [r for i, r in enumerate(runs) if i != selected] if len(runs) > 1 else runs
    out = []
    for i, (name, config) in enumerate(runs):
        if all_runs or i == selected:
            with contextlib.suppress(edits.EditRefused, ValueError):  # the app says why
                config = with_changes(config, SETTING_KEYS[key](  # and changes nothing
                    config, layer % (len(config.model.hidden) + 1)))
        out.append((name, config))
    return out


#: Examples of the property test; a longer run: ROUND_TRIPS=2000 pytest -k saves_loads_back
ROUND_TRIPS = int(os.environ.get("ROUND_TRIPS", "100"))


@settings(max_examples=ROUND_TRIPS, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(preset=st.sampled_from(PRESETS),
       keys=st.lists(st.tuples(st.sampled_from(KEYS), st.integers(0, 7), st.integers(0, 5),
                               st.booleans()), max_size=25))
def test_what_the_app_saves_loads_back_to_the_same_runs(preset, keys):
    runs = [(name, config) for name, _, config in run_configs(preset)]
    for key, selected, layer, all_runs in keys:
        runs = press(runs, key, selected % len(runs), layer, all_runs)
    saved = edited_preset(preset, runs, "saved")
    loaded = parse_preset(dump_preset(saved), "saved.yaml", name="saved")
    again = [config for _, _, config in run_configs(loaded)]
    assert again == [tidy(config) for _, config in runs]
    if not keys:
        assert loaded.expect == preset.expect  # an untouched lesson keeps its claims


def test_an_edited_save_says_so_and_drops_the_claims():
    preset = next(p for p in PRESETS if p.name == "learning_rate")
    runs = [(name, config) for name, _, config in run_configs(preset)]
    runs = press(runs, "+", 0, 0, all_runs=False)
    runs = press(runs, "C", 0, 0, all_runs=False)
    saved = edited_preset(preset, runs, "saved")
    assert saved.title.endswith("(edited)") and "edited from the preset learning_rate" in (
        saved.lesson) and "train.optimizer.lr 0.3" in saved.lesson
    assert saved.expect == () and "base_copy" in saved.compare


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_preset_saved_untouched_loads_back_whole(preset):
    runs = [(name, config) for name, _, config in run_configs(preset)]
    loaded = parse_preset(dump_preset(edited_preset(preset, runs, "saved")), "s.yaml")
    assert [c for _, _, c in run_configs(loaded)] == [tidy(c) for _, c in runs]


@pytest.mark.parametrize("name", ["learning_rate", "optimizers", "regularization"])
def test_a_saved_edit_trains_exactly_like_the_runs_it_came_from(name):
    from nnterm.engine.training.trainer import Trainer

    preset = next(p for p in PRESETS if p.name == name)
    runs = [(run, config) for run, _, config in run_configs(preset)]
    for key in ("o", "+", "i", "C", "B"):
        runs = press(runs, key, 0, 0, all_runs=key != "C")
    loaded = parse_preset(dump_preset(edited_preset(preset, runs, "saved")), "s.yaml")
    for (_, before), (_, _, after) in zip(runs, run_configs(loaded), strict=True):
        a, b = Trainer(with_changes(before, {"train.steps": 30})), Trainer(
            with_changes(after, {"train.steps": 30}))
        assert a.run().to_json() == b.run().to_json()
