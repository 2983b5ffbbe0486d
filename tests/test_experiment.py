"""run_preset: variants share data, sweeps run every combination, overrides, callbacks."""

from __future__ import annotations

import pytest

from nnterm.engine.data import make_dataset
from nnterm.engine.experiments import experiment
from nnterm.engine.experiments.experiment import (
    ExperimentResult,
    ResultLookupError,
    dataset_baselines,
    run_preset,
)
from nnterm.engine.preset_format.preset import Preset, Sweep
from nnterm.engine.preset_format.values import run_label
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)

TINY = Config(
    data=DataConfig(name="moons", n_train=64, n_val=64, noise=0.1),
    model=ModelConfig(hidden=(4,), activation="tanh"),
    train=TrainConfig(steps=20, batch_size=16, optimizer=OptimizerConfig("adam", lr=0.05),
                      log_every=5),
    seed=1,
)


def preset(compare=None, sweep=None, config=TINY) -> Preset:
    return Preset(name="tiny", title="Tiny", section="test", lesson="", config=config,
                  compare=compare or {}, sweep=Sweep(sweep) if sweep else None)


def test_variants_share_the_dataset_when_data_and_seed_agree(monkeypatch):
    built = []

    def counting_build(config):
        dataset = make_dataset(config.data.name, n_train=config.data.n_train,
                               n_val=config.data.n_val, seed=config.seed,
                               noise=config.data.noise)
        built.append((config.data.noise, dataset))
        return dataset

    monkeypatch.setattr(experiment, "build_dataset", counting_build)
    made = []
    real_trainer = experiment.Trainer

    def spying_trainer(config, run_name="base", dataset=None):
        trainer = real_trainer(config, run_name=run_name, dataset=dataset)
        made.append((run_name, trainer.dataset))
        return trainer

    monkeypatch.setattr(experiment, "Trainer", spying_trainer)
    result = run_preset(preset({"fast": {"train.optimizer.lr": 0.2},
                                "noisy": {"data.noise": 0.3}}))
    assert result.run_names == ("base", "fast", "noisy")
    assert [noise for noise, _ in built] == [0.1, 0.3]  # base and fast share one build
    datasets = dict(made)
    assert datasets["base"] is datasets["fast"] is built[0][1]
    assert datasets["noisy"] is built[1][1]
    # same data and init: identical at step 0, different after training at another lr
    base, fast, noisy = (result.records(name) for name in result.run_names)
    assert base[0].val_loss == fast[0].val_loss != noisy[0].val_loss
    assert base[-1].val_loss != fast[-1].val_loss
    assert result.get("fast").config.train.optimizer.lr == 0.2
    assert result.get("fast").config.data == TINY.data


def test_sweep_runs_every_combination_for_every_run():
    sweep = {"model.hidden": ((2,), (6,)), "train.optimizer.lr": (0.01, 0.1)}
    result = run_preset(preset({"relu": {"model.activation": "relu"}}, sweep))
    assert result.swept == ("model.hidden", "train.optimizer.lr")
    for name in ("base", "relu"):
        points = result.points(name)
        assert [p for p, _ in points] == [
            {"model.hidden": (2,), "train.optimizer.lr": 0.01},
            {"model.hidden": (2,), "train.optimizer.lr": 0.1},
            {"model.hidden": (6,), "train.optimizer.lr": 0.01},
            {"model.hidden": (6,), "train.optimizer.lr": 0.1},
        ]
        for point, run in points:
            assert run.config.model.hidden == point["model.hidden"]
            assert run.config.train.optimizer.lr == point["train.optimizer.lr"]
            assert run.final.step == 20 and run.records[0].step == 0
            assert run.final is run.records[-1]
            assert [r.step for r in run.records] == [0, 5, 10, 15, 20]
            assert all(r.run == run.label for r in run.records)
    assert result.get("relu", {"model.hidden": [6], "train.optimizer.lr": 0.1}).config \
        .model.activation == "relu"
    small = result.get("base", {"model.hidden": [2], "train.optimizer.lr": 0.01})
    large = result.get("base", {"model.hidden": (6,), "train.optimizer.lr": 0.01})
    assert small.n_params == 2 * 2 + 2 + 2 * 2 + 2  # moons: 2 inputs, 2 classes
    assert large.n_params == 6 * 2 + 6 + 6 * 2 + 2
    assert small.label == "base[model.hidden=[2], train.optimizer.lr=0.01]"
    assert len(list(result)) == 8


def test_a_paired_sweep_runs_its_listed_points_only():
    sweep = Sweep({"model.hidden": ((2,), (6,)), "train.steps": (15, 5)}, paired=True)
    result = run_preset(Preset(name="tiny", title="Tiny", section="test", lesson="",
                               config=TINY, sweep=sweep))
    points = result.points("base")
    assert [p for p, _ in points] == [{"model.hidden": (2,), "train.steps": 15},
                                      {"model.hidden": (6,), "train.steps": 5}]
    assert [(r.config.model.hidden, r.final.step) for _, r in points] == [((2,), 15),
                                                                          ((6,), 5)]
    assert result.get("base", {"model.hidden": [6]}).final.step == 5  # one setting picks it


def test_seed_and_steps_override_and_runs_are_deterministic():
    p = preset({"fast": {"train.optimizer.lr": 0.2}})
    a = run_preset(p, seed=7, steps=10)
    b = run_preset(p, seed=7, steps=10)
    c = run_preset(p)
    assert a.seed == 7 and c.seed == 1
    assert all(r.config.seed == 7 and r.config.train.steps == 10 for r in a)
    assert [r.final.step for r in a] == [10, 10]
    assert [r.final.step for r in c] == [20, 20]
    assert [x.to_json() for x in a.records("fast")] == [x.to_json() for x in b.records("fast")]
    assert a.records("base")[0].val_loss != c.records("base")[0].val_loss


def test_callbacks_see_every_run_and_record():
    started, seen = [], []
    result = run_preset(
        preset({"fast": {"train.optimizer.lr": 0.2}}, {"model.hidden": ((2,), (3,))}),
        steps=10,
        on_run_start=lambda label, total: started.append((label, total)),
        on_record=lambda label, record: seen.append((label, record)),
    )
    labels = ["base[model.hidden=[2]]", "base[model.hidden=[3]]",
              "fast[model.hidden=[2]]", "fast[model.hidden=[3]]"]
    assert started == [(label, 10) for label in labels]
    assert [label for label, _ in seen] == [label for label in labels for _ in range(3)]
    expected = [r for run in result for r in run.records]
    assert all(a is b for (_, a), b in zip(seen, expected, strict=True))


def test_run_keeps_status_diagnoses_size_time_and_baselines():
    diverging = Config(
        data=DataConfig(name="sine", n_train=32, n_val=32),
        model=ModelConfig(hidden=(4,), activation="relu", loss="mse"),
        train=TrainConfig(steps=20, batch_size=16, optimizer=OptimizerConfig("sgd", lr=10.0),
                          log_every=5),
    )
    result = run_preset(preset({"calm": {"train.optimizer.lr": 0.01}}, config=diverging))
    run, calm = result.get("base"), result.get("calm")
    assert run.status == "diverged" and "step" in run.stop_reason
    assert "nan" in run.diagnosis_names
    assert run.final.step < 20
    assert calm.status == "finished" and calm.stop_reason == ""
    assert calm.final.step == 20
    assert run.n_params == 1 * 4 + 4 + 4 * 1 + 1
    assert run.seconds > 0
    assert run.baselines == {}


def test_dataset_baselines():
    names = make_dataset("names", n_train=1, n_val=1, seed=0)
    bigram = dataset_baselines(names)["bigram"]
    assert 2.0 < bigram < 3.3  # better than uniform guessing, ln 27 = 3.30
    moons = make_dataset("moons", n_train=8, n_val=8, seed=0)
    assert dataset_baselines(moons) == {}
    moons.meta["baselines"] = {"linear": 0.3}
    assert dataset_baselines(moons) == {"linear": 0.3}


def test_names_runs_carry_the_bigram_baseline():
    config = Config(data=DataConfig(name="names"), model=ModelConfig(hidden=(4,)),
                    train=TrainConfig(steps=2, batch_size=8, log_every=1))
    result = run_preset(preset(config=config))
    assert set(result.baselines("base")) == {"bigram"}


def test_lookups_name_what_exists():
    result = run_preset(preset(sweep={"model.hidden": ((2,), (3,))}), steps=5)
    with pytest.raises(ResultLookupError, match="no run named 'nope'.*runs: base"):
        result.final("nope")
    with pytest.raises(ResultLookupError, match="sweep of 2 points"):
        result.final("base")
    with pytest.raises(ResultLookupError, match=r"no point model.hidden=\[9\]"):
        result.final("base", {"model.hidden": [9]})
    with pytest.raises(ResultLookupError, match="seed is not swept"):
        result.final("base", {"seed": 1})
    assert isinstance(result, ExperimentResult)
    assert run_label("base", {"model.hidden": [50]}) == "base[model.hidden=[50]]"
