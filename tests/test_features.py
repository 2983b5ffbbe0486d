"""Input features (``data.features``): what each computes, the network reading them (its
gradients by central differences), the preset format's checks, saving, the memory
estimate, and what they buy: a linear model solving XOR and the circle."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_grads_close, numeric_grads

from nnterm.engine import MLP
from nnterm.engine.experiments.experiment import run_preset
from nnterm.engine.nn.features import FEATURES, FeatureMap
from nnterm.engine.preset_format.loader import PresetError, dump_preset, load_preset, parse_preset
from nnterm.engine.training import commands as cmd
from nnterm.engine.training import memory
from nnterm.engine.training.config import with_changes
from nnterm.engine.training.live_settings import takes_live
from nnterm.engine.training.trainer import Trainer

POINTS = np.array([[0.5, -2.0], [-1.0, 3.0], [0.0, 0.25]])


def test_each_feature_is_its_formula():
    x1, x2 = POINTS[:, 0], POINTS[:, 1]
    expected = {"x1": x1, "x2": x2, "x1^2": x1**2, "x2^2": x2**2, "x1x2": x1 * x2,
                "sin_x1": np.sin(x1), "sin_x2": np.sin(x2)}
    assert set(expected) == set(FEATURES)
    columns = FeatureMap(FEATURES).apply(POINTS)
    for j, name in enumerate(FEATURES):
        np.testing.assert_array_equal(columns[:, j], expected[name], err_msg=name)
    np.testing.assert_array_equal(FeatureMap(["x1x2", "x1"]).apply(POINTS),
                                  np.column_stack([x1 * x2, x1]))  # in the order named


@pytest.mark.parametrize(("names", "words"), [
    (["x3"], "unknown feature 'x3'"), (["x1", "x1"], "named twice"), ([], "no features")])
def test_a_bad_feature_list_is_refused(names, words):
    with pytest.raises(ValueError, match=words):
        FeatureMap(names)
    with pytest.raises(ValueError, match="shape"):
        FeatureMap(["x1"]).apply(np.zeros((3, 3)))


def test_the_network_reads_the_features_and_its_gradients_are_exact():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 2)), rng.integers(0, 2, size=9)
    net = MLP([4, 5, 2], activation="tanh", init="xavier_normal", seed=1,
              features=["x1^2", "x2^2", "x1x2", "sin_x1"])
    plain = MLP([4, 5, 2], activation="tanh", init="xavier_normal", seed=1)
    np.testing.assert_array_equal(net.forward(X),
                                  plain.forward(FeatureMap(net.feature_map.names).apply(X)))
    _, grads = net.loss_and_grads(X, y, loss="cross_entropy")
    numeric = numeric_grads(net, lambda: net.loss_and_grads(X, y, loss="cross_entropy")[0])
    assert_grads_close(grads, numeric)
    with pytest.raises(ValueError, match="2 features make 2 inputs, not 3"):
        MLP([3, 2], features=["x1", "x2"])


XOR_PLANE = ["data.params={}", "data.n_train=200", "data.n_val=200", "model.hidden=[]"]


def test_the_preset_format_takes_features_and_saves_them():
    preset = load_preset("xor", [*XOR_PLANE, "data.features=[x1, x2, x1x2]"])
    assert preset.config.data.features == ("x1", "x2", "x1x2")
    text = dump_preset(preset)
    assert "features: [x1, x2, x1x2]" in text
    assert parse_preset(text).config == preset.config
    assert "features" not in dump_preset(load_preset("xor"))  # the default is left out


@pytest.mark.parametrize(("sets", "key", "words"), [
    (["data.features=[x1, x3]"], "data.features[1]", "unknown feature 'x3'"),
    (["data.features=[x1x2, x1x2]"], "data.features[1]", "named twice"),
    (["data.name=sine", "data.params={}", "data.features=[x1]"], "data.features",
     "sine has 1 inputs, not 2"),
])
def test_a_bad_feature_in_a_preset_names_its_key(sets, key, words):
    with pytest.raises(PresetError) as info:
        load_preset("xor", sets)
    assert info.value.key == key and words in info.value.problem
    assert "x1, x2, x1^2" in info.value.allowed or "not 2-D" in info.value.allowed


def test_features_count_as_inputs_in_the_memory_estimate_and_restart_a_run():
    base = load_preset("xor").config
    wide = with_changes(base, {"data.features": FEATURES})
    grown = memory.estimate(wide, 2, 2)["weights"] - memory.estimate(base, 2, 2)["weights"]
    assert grown == 2 * (len(FEATURES) - 2) * base.model.hidden[0] * 8  # and gradients
    assert not takes_live(base, {"data.features": ("x1x2",)})
    trainer = Trainer(base)
    trainer.step()
    trainer.apply(cmd.Set(changes={"data.features": ("x1", "x2", "x1x2")}))
    assert trainer.net.sizes[0] == 3 and trainer.step_count == 0  # a new run of 3 inputs


@pytest.mark.parametrize(("data", "features"), [
    (["data.name=xor"], "[x1x2]"), (["data.name=circle"], "[x1^2, x2^2]")])
def test_the_right_features_let_a_linear_model_solve_what_it_cannot_alone(data, features):
    alone = load_preset("xor", [*XOR_PLANE, *data])
    helped = load_preset("xor", [*XOR_PLANE, *data, f"data.features={features}"])
    for preset, solved in ((alone, False), (helped, True)):
        base = run_preset(preset, seed=3, steps=300).runs["base"][0].records[-1]
        assert (base.val_acc >= 0.95) is solved, (features, base.val_acc)
