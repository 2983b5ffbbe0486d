"""Each hyperparameter is declared once, and everything else agrees with the declaration:
the Config's fields and defaults, the preset schema and its messages, the live/restart
decision, the app's optimizer key, the memory estimate and the docs."""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from preset_texts import HEAD

from nnterm.app import controls
from nnterm.app.keys import ACTION_WORDS
from nnterm.engine.nn.activations import LEAKY_SLOPE
from nnterm.engine.nn.hyperparams import (
    Flag,
    Number,
    Pair,
    declared,
    hyperparam,
    shared_options,
)
from nnterm.engine.nn.initializers import INIT_OPTIONS, Init
from nnterm.engine.nn.optimizers import (
    OPTIMIZER_CLASSES,
    OPTIMIZERS,
    make_optimizer,
    state_arrays,
)
from nnterm.engine.nn.schedules import SCHEDULE_CLASSES
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import dump_preset, parse_preset
from nnterm.engine.preset_format.saving import tidy
from nnterm.engine.training import commands as cmd
from nnterm.engine.training import memory
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    ScheduleConfig,
    TrainConfig,
    declared_options,
    with_changes,
)
from nnterm.engine.training.live_settings import is_live, takes_live
from nnterm.engine.training.trainer import Trainer

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SECTIONS = [(OptimizerConfig, OPTIMIZER_CLASSES, "train.optimizer"),
            (ScheduleConfig, SCHEDULE_CLASSES, "train.schedule")]


def option_names(section: type) -> set[str]:
    return {f.name for f in dataclasses.fields(section)} - {"name"}


@pytest.mark.parametrize(("section", "classes", "path"), SECTIONS)
def test_every_field_is_declared_and_every_declaration_is_a_field(section, classes, path):
    declared_names = {p.name for cls in classes for p in declared(cls)}
    assert option_names(section) == declared_names
    for cls in classes:  # each class's declarations are real dataclass fields of it
        assert declared(cls), cls
        assert {p.name for p in declared(cls)} <= {f.name for f in dataclasses.fields(cls)}


def test_the_init_and_the_activation_options_are_declared():
    assert {f.name for f in dataclasses.fields(Init)} - {"scheme"} == \
        {p.name for p in declared(Init)}
    assert {o for options in INIT_OPTIONS.values() for o in options} <= \
        {p.name for p in declared(Init)}
    assert ModelConfig().leaky_slope == LEAKY_SLOPE.default
    with pytest.raises(ValueError, match="init: std must be a number >= 0, got -1"):
        Init("normal", std=-1)


@pytest.mark.parametrize(("section", "classes", "path"), SECTIONS)
def test_the_config_defaults_are_the_declared_ones(section, classes, path):
    """A field the section does not write out defaults to what the classes that declare it
    agree on, or None (each class's own) where they differ; one written out (``lr``) is
    a value every class allows."""
    written = section.__dict__["__annotations__"]
    shared = shared_options(classes)
    for f in dataclasses.fields(section):
        if f.name == "name":
            continue
        defaults = {p.default for cls in classes for p in declared(cls) if p.name == f.name}
        if written[f.name] == "Any":  # a field made from the declarations
            agreed = len(defaults) == 1 and MISSING not in defaults
            assert f.default == (defaults.pop() if agreed else None), f.name
        elif f.default is not None:
            assert shared[f.name].problem(f.default) is None, f.name


def test_a_new_class_adds_its_options_to_a_section():
    @dataclass(eq=False)
    class Fake:
        name: ClassVar[str] = "fake"
        lr: float = hyperparam(0.5, Number(0, low_open=True), "the step size")
        rho: float = hyperparam(0.9, Number(0, 1), "a new option")

    @dataclass(frozen=True)
    @declared_options(*OPTIMIZER_CLASSES, Fake)
    class Section:
        name: str = "adam"
        lr: float = 1e-3

    assert Section().rho == 0.9 and Section().lr == 1e-3
    assert option_names(Section) == option_names(OptimizerConfig) | {"rho"}


def test_two_declarations_of_one_option_must_agree():
    @dataclass
    class Other:
        name: ClassVar[str] = "other"
        momentum: float = hyperparam(0.0, Number(0, 1), "a narrower momentum")

    with pytest.raises(TypeError, match="Other.momentum"):
        shared_options((*OPTIMIZER_CLASSES, Other))


# ---------------------------------------------------------------- the preset schema
def bad_value(domain):
    """A value the domain refuses, and the words the schema must say."""
    if isinstance(domain, Flag):
        return "yes", "is not true or false"
    if isinstance(domain, Pair):
        return [2, 2], "is out of range"
    if domain.low is not None:
        return domain.low - (0 if domain.low_open else 1), \
            "is too small" if domain.whole else "is out of range"
    return "x", "is not a number"


def preset_text(path: str, name: str, option: str, value) -> str:
    section = path.split(".")[1]
    return (f"{HEAD}train:\n  steps: 100\n  {section}:\n    name: {name}\n"
            f"    {option}: {value!r}\n".replace("'", '"'))


@pytest.mark.parametrize(("section", "classes", "path"), SECTIONS)
def test_each_option_is_refused_as_its_declaration_says(section, classes, path):
    for cls in classes:
        for param in declared(cls):
            value, words = bad_value(param.domain)
            with pytest.raises(PresetError) as info:
                parse_preset(preset_text(path, cls.name, param.name, value), "p.yaml")
            err = info.value
            key = f"{path}.{param.name}" + (".0" if isinstance(param.domain, Pair) else "")
            assert err.key.replace("[0]", ".0") == key, (cls.name, param.name)
            assert words in err.problem and err.line == 9
            assert param.domain.allowed.split(", each ")[-1] in err.allowed


@pytest.mark.parametrize(("section", "classes", "path"), SECTIONS)
def test_an_option_its_class_does_not_read_is_refused(section, classes, path):
    for cls in classes:
        reads = {p.name for p in declared(cls)}
        for option in sorted(option_names(section) - reads):
            default = getattr(section(), option)
            value = 1 if default is None or isinstance(default, bool) else default
            with pytest.raises(PresetError) as info:
                parse_preset(preset_text(path, cls.name, option, value), "p.yaml")
            assert info.value.key == f"{path}.{option}", (cls.name, option)


# ---------------------------------------------------------------- live or restart
def another_value(param, current):
    """An allowed value of ``param`` other than ``current``."""
    domain = param.domain
    if isinstance(domain, Flag):
        return not current
    if isinstance(domain, Pair):
        return (0.5, 0.5)
    if domain.whole:
        return (current or domain.low) + 1
    if domain.high is not None:
        return (domain.low + domain.high) / 2
    return (current or 0.0) + 0.25


TINY = Config(data=DataConfig(name="xor", n_train=8, n_val=8),
              model=ModelConfig(hidden=(4,)), train=TrainConfig(steps=50, batch_size=4))


def optimizer_cases():
    for cls in OPTIMIZER_CLASSES:
        for param in declared(cls):
            yield cls.name, param


@pytest.mark.parametrize(("name", "param"), list(optimizer_cases()),
                         ids=[f"{n}.{p.name}" for n, p in optimizer_cases()])
def test_a_running_trainer_takes_a_live_option_and_restarts_for_another(name, param):
    path = f"train.optimizer.{param.name}"
    base = with_changes(TINY, {"train.optimizer.name": name, "train.optimizer.momentum":
                               0.9 if "momentum" in {p.name for p in declared(type(
                                   make_optimizer(name)))} else 0.0})
    trainer = Trainer(base)
    for _ in range(3):
        trainer.step()
    current = getattr(base.train.optimizer, param.name)
    value = another_value(param, current if current is not None else param.default)
    trainer.apply(cmd.Set({path: value}))
    assert is_live(path) == param.live
    assert trainer.step_count == (3 if param.live else 0), path
    assert getattr(trainer.optimizer, param.name) == value


def test_live_is_decided_per_option_not_by_prefix():
    assert is_live("train.optimizer.lr") and not is_live("train.optimizer.lr_typo")
    assert not is_live("model.leaky_slope")  # declared not live
    assert is_live("train.schedule.gamma") and is_live("train.early_stopping.patience")
    o = TINY.train.optimizer
    assert takes_live(TINY, {"train.optimizer": replace(o, name="sgd", lr=0.3)})
    assert not takes_live(TINY, {"train.optimizer": replace(o, lr=0.3),
                                 "model.hidden": (2,)})


def test_a_setting_given_its_own_value_restarts_nothing():
    slope = TINY.model.leaky_slope
    assert takes_live(TINY, {"model.leaky_slope": slope})
    assert not takes_live(TINY, {"model.leaky_slope": slope + 0.1})
    assert not takes_live(TINY, {"train.optimizer.no_such_option": 1})


def test_the_optimizer_key_never_restarts_a_running_lesson():
    """Its resets touch options that neither the old nor the new optimizer carries on
    with, live or not: a round of it keeps every step taken."""
    trainer = Trainer(with_changes(TINY, {"train.optimizer.name": "sgd"}))
    for round_ in range(len(controls.OPTIMIZER_CYCLE) + 1):
        trainer.step()
        _, changes = controls.optimizer(trainer.config)
        trainer.apply(cmd.Set(changes))
        assert trainer.step_count == round_ + 1, changes


# ---------------------------------------------------------------- the optimizer key
def test_the_optimizer_key_offers_every_optimizer_and_leaves_no_unread_option():
    labels = [label for label, _ in controls.OPTIMIZER_CYCLE]
    assert [label for label in labels if label in OPTIMIZERS] == list(OPTIMIZERS)
    rich = with_changes(TINY, {"train.optimizer.name": "sgd", "train.optimizer.momentum": 0.9,
                               "train.optimizer.dampening": 0.5})
    config = rich
    for expected in [*labels[2:], *labels[:2]]:  # from momentum round to momentum again
        label, changes = controls.optimizer(config)
        config = with_changes(config, changes)
        assert label == expected == controls.optimizer_label(config)
        assert tidy(config) == config, label  # no option its optimizer does not read
        assert config.train.optimizer.lr == rich.train.optimizer.lr  # read by all: kept
        text = dump_preset(replace(parse_preset(HEAD, "p.yaml"), config=config))
        assert parse_preset(text, "p.yaml").config == config  # a saved preset loads back
    assert labels[1] == "momentum" and config.train.optimizer.momentum == 0.9


def test_the_words_for_the_optimizer_key_name_the_cycle():
    labels = [label for label, _ in controls.OPTIMIZER_CYCLE]
    assert ACTION_WORDS["optimizer"].endswith(", ".join(labels))
    row = next(line for line in README.splitlines() if line.startswith("| `o` |"))
    assert f"optimizer ({', '.join(labels)})" in row


# ---------------------------------------------------------------- memory
def state_cases():
    """Each optimizer at its defaults, and with each option changed in turn (whatever
    ``STATE`` says, so that a buffer it forgets to declare shows)."""
    for cls in OPTIMIZER_CLASSES:
        yield cls.name, {"lr": 0.01}
        for param in declared(cls):
            if param.name != "lr":
                yield cls.name, {"lr": 0.01, param.name: another_value(param, param.default)}


@pytest.mark.parametrize(("name", "options"), list(state_cases()))
def test_the_declared_state_is_what_the_optimizer_keeps_and_what_memory_counts(name, options):
    if options.get("nesterov"):
        options = {**options, "momentum": 0.9}
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    opt = make_optimizer(name, **options)
    for _ in range(3):
        opt.step(params, [rng.normal(size=p.shape) for p in params])
    kept = state_arrays(name, options)
    assert sorted(opt.state) == sorted(kept)
    assert all(buffer.size == 16 for buffer in opt.state.values())
    config = with_changes(TINY, {f"train.optimizer.{k}": v for k, v in
                                 {"name": name, **options}.items()})
    parts = memory.estimate(config, 2, 2)  # xor: 2 inputs, 2 classes; 2-4-2: 22 parameters
    assert parts["optimizer state"] == len(kept) * 22 * 8


# ---------------------------------------------------------------- docs
def test_the_readme_names_every_optimizer_in_the_scripting_api():
    paragraph = README[README.index("- **Optimizers**"):]
    paragraph = paragraph[:paragraph.index("\n- ") if "\n- " in paragraph else None]
    paragraph = paragraph[:paragraph.index("\n\n")]
    assert all(f"`{name}`" in paragraph for name in OPTIMIZERS)
