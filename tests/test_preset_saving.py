"""Presets changed and written back: --set overrides, dump/load round trips."""

from __future__ import annotations

import pytest
from helpers import variant_config
from preset_texts import BUILTIN_DIR, FUZZ_BASE, HEAD, RICH, SWEPT, XOR

from nnterm.engine.nn.initializers import Init
from nnterm.engine.preset_format.loader import (
    PresetError,
    dump_preset,
    load_preset,
    parse_preset,
    save_preset,
)
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.training.config import EarlyStoppingConfig, with_changes


# ---------------------------------------------------------------------------- --set
def test_overrides_change_the_config_and_keep_the_rest():
    p = parse_preset(XOR, "xor.yaml")
    q = parse_preset(XOR, "xor.yaml", overrides=[
        "model.hidden=[16,16]", "train.optimizer.lr=0.3", "seed = 7",
        "train.early_stopping.patience=20", "data.params.margin=0.1", "model.init.std=0.5",
        "model.init.scheme=normal"])
    assert q.config.model.hidden == (16, 16)
    assert q.config.train.optimizer.lr == 0.3 and q.config.seed == 7
    assert q.config.train.early_stopping == EarlyStoppingConfig(patience=20)
    assert q.config.data.params == {"points": 4, "margin": 0.1}
    assert q.config.model.init == Init("normal", std=0.5)
    assert (q.compare, q.sweep, q.expect, q.source) == (p.compare, p.sweep, p.expect, "xor.yaml")
    assert parse_preset(XOR, "xor.yaml", overrides=[]) == p
    clipped = XOR.replace("clip_norm: null", "clip_norm: 1.0")
    assert parse_preset(clipped).config.train.clip_norm == 1.0
    assert parse_preset(clipped, overrides=["train.clip_norm="]).config.train.clip_norm is None


@pytest.mark.parametrize(("args", "file", "key", "words"), [
    (["train.optimizer.lr=fast"], "--set train.optimizer.lr=fast", "train.optimizer.lr",
     "'fast' is not a number"),
    (["model.hiden=[3]"], "--set model.hiden=[3]", None, "did you mean 'model.hidden'?"),
    (["lr"], "--set lr", None, "expected key=value"),
    (["model.hidden=[1"], "--set model.hidden=[1", None, "cannot read the value '[1'"),
    (["train.steps=!!int x"], "--set train.steps=!!int x", None, "cannot read the value"),
    (["train.optimizer.momentum=0.9"], "--set train.optimizer.momentum=0.9",
     "train.optimizer.momentum", "unknown adam option"),
    (["model.init=[zeros, zeros]", "model.hidden=[2, 2]"],
     "--set model.init=[zeros, zeros]", "model.init",
     "2 values for 3 layers"),
    (["model.hidden.width=3"], "--set model.hidden.width=3", None, "unknown setting"),
    (["data.params.points.x=3"], "--set data.params.points.x=3", None, "unknown setting"),
    (["model.activation=[relu, relu]"], "--set model.activation=[relu, relu]",
     "model.activation", "2 values for 1 hidden layer"),
    (["model.hidden=[2, 2]", "model.activation=[relu, relu]"],
     "--set model.activation=[relu, relu]", "compare.linear: model.activation",
     "2 values for 0 hidden layers"),
])
def test_override_errors_name_the_argument(args, file, key, words):
    with pytest.raises(PresetError) as info:
        parse_preset(XOR, "xor.yaml", overrides=args)
    err = info.value
    assert (err.file, err.key, err.line) == (file, key, None)
    assert words in err.problem
    assert str(err).startswith(f"{file}: ")


def test_a_setting_of_the_file_that_an_override_breaks_is_shown_with_the_override():
    with pytest.raises(PresetError) as info:  # moons has no parameters; xor's file says points
        parse_preset(XOR, "xor.yaml", overrides=["data.name=moons", "seed=1"])
    err = info.value
    params_line = XOR.splitlines().index("           params: {points: 4}}") + 1
    assert (err.file, err.line) == ("xor.yaml", params_line)
    assert err.key == "with --set data.name=moons --set seed=1: data.params.points"
    assert "unknown parameter 'points' for dataset 'moons'" in err.problem


def test_an_override_cannot_reach_into_a_per_layer_list():
    with pytest.raises(PresetError, match="model.init is .*not a mapping"):
        parse_preset(RICH, overrides=["model.init.std=0.1"])


# ---------------------------------------------------------------------------- dump/load
HAND_WRITTEN = {"xor": XOR, "swept": SWEPT, "rich": RICH, "minimal": HEAD, "fuzz_base": FUZZ_BASE,
                "flips": HEAD + "data: {name: bars, n_train: 8}\ntrain: {flips: vertical}\n"
                         "compare:\n  both: {train.flips: both}\n  plain: {train.flips: none}\n",
                "odd_text": "name: t\ntitle: '1e3'\nsection: 'yes'\nlesson: 'null'\n",
                "lesson": HEAD.replace("lesson: L", "lesson: |\n  two\n  lines\n\n  trailing  ")}


@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_dump_then_load_is_the_identity(name, tmp_path):
    p = parse_preset(HAND_WRITTEN[name], "in.yaml")
    text = dump_preset(p)
    assert parse_preset(text) == p
    path = tmp_path / "sub" / "out.yaml"
    save_preset(p, path)
    assert load_preset(path) == p
    assert load_preset(path).source == str(path)
    assert dump_preset(load_preset(path)) == text


def test_dump_leaves_defaults_and_ignored_options_out():
    p = parse_preset(XOR)
    switched = parse_preset(XOR, overrides=[
        "train.optimizer={name: adamw, lr: 0.01, betas: [0.8, 0.9]}"])
    sgd = Preset("s", "S", "S", "L", with_changes(switched.config,
                                                      {"train.optimizer.name": "sgd"}))
    text = dump_preset(sgd)
    assert "betas" not in text and "optimizer: {name: sgd, lr: 0.01}" in text
    assert "dropout" not in dump_preset(p)


@pytest.mark.parametrize("path", sorted(BUILTIN_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_builtin_preset_loads_and_round_trips(path):
    p = load_preset(path.stem)
    assert p.name == path.stem and p.source == f"presets/{path.name}"
    assert parse_preset(dump_preset(p)) == p
    for run in p.compare:
        variant_config(p, run)


def test_variant_overrides_rebuild_the_checked_config():
    p = parse_preset(RICH)
    for run in p.compare:
        assert variant_config(p, run) != p.config
