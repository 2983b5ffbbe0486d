"""The preset loader on good files: the schema's example, sweeps and their claims, per-layer
settings, views (every kind of bad input is in test_preset_mistakes, --set and saving in
test_preset_saving, finding presets by name in test_preset_finding)."""

from __future__ import annotations

from helpers import variant_config
from preset_texts import HEAD, RICH, SWEPT, XOR

from nnterm.engine.nn.initializers import Init
from nnterm.engine.preset_format.loader import dump_preset, parse_preset
from nnterm.engine.preset_format.preset import (
    DiagnosisClaim,
    ExplainedClaim,
    MetricClaim,
    Reference,
    SlopeClaim,
    Sweep,
    SweepClaim,
    View,
)
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    EarlyStoppingConfig,
    ModelConfig,
    OptimizerConfig,
    ScheduleConfig,
    SolverConfig,
    TrainConfig,
)


def test_the_schema_example_loads_to_the_expected_preset():
    p = parse_preset(XOR, "xor.yaml")
    assert (p.name, p.title, p.section, p.source) == ("xor", "XOR needs a hidden layer",
                                                      "1. XOR", "xor.yaml")
    assert p.lesson.startswith("A straight line") and p.lesson.endswith("start.\n")
    assert p.config == Config(
        data=DataConfig(name="xor", n_train=4, n_val=4, params={"points": 4}),
        model=ModelConfig(hidden=(8,), activation="tanh", init=Init("he_normal")),
        train=TrainConfig(steps=2000, batch_size=0,  # eps: adam's, said (None: unsaid)
                          optimizer=OptimizerConfig(lr=0.1, eps=1e-8), log_every=50),
        seed=3,
    )
    assert p.compare == {"linear": {"model.hidden": ()},
                         "identity": {"model.activation": "identity"}}
    assert p.run_names == ("base", "linear", "identity")
    assert p.sweep is None
    assert p.expect == (
        MetricClaim("train_acc", ">=", Reference(value=1.0), run="identity"),
        MetricClaim("val_loss", "<", Reference(run="base", metric="val_loss", at="end",
                                               factor=0.5), run="linear"),
        MetricClaim("act_std[-1]", "<", Reference(run="base", metric="act_std[0]", at="end",
                                                  factor=0.01)),
        MetricClaim("train_loss", ">", Reference(run="base", metric="train_loss", at=0,
                                                 factor=0.95)),
        DiagnosisClaim("dead_relu"),
        DiagnosisClaim("nan", present=False),
        ExplainedClaim((), run="identity"),
        ExplainedClaim(("dead_relu", "underfitting"), run="linear"),
    )


def test_sweeps_and_their_claims():
    p = parse_preset(SWEPT)
    assert p.sweep == Sweep({"model.hidden": ((10,), (25,), (50,))})
    point = {"model.hidden": (50,)}
    assert p.expect == (
        MetricClaim("val_loss", "<", Reference(run="base", metric="val_loss", at="end",
                                               point=point, factor=0.1),
                    run="ridge", point=point),
        SweepClaim("argmax", "val_loss", "model.hidden", (50,)),
        SweepClaim("argmin", "grad_norm[0]", "model.hidden", (10,), run="ridge", at="min"),
        SlopeClaim("val_loss", "n_params", "<", Reference(value=-1.2)),
        SlopeClaim("val_loss", "model.hidden", "<", Reference(run="ridge", metric="val_loss",
                                                              at="end", factor=2.0)),
        DiagnosisClaim("overfitting", present=False, run="ridge"),
    )


def test_a_point_may_leave_out_a_setting_with_one_value():
    p = parse_preset(HEAD + "sweep: {seed: [0, 1], train.steps: [50]}\nexpect:\n"
                     "  - {metric: val_loss, point: {seed: 1}, op: '<', value: 1}\n")
    assert p.expect[0].point == {"seed": 1, "train.steps": 50}


PAIRED = HEAD + """\
sweep:
  - {model.hidden: [8], train.steps: 400}
  - {model.hidden: [16], train.steps: 200}
  - {model.hidden: [32], train.steps: 100}
expect:
  - {metric: val_loss, point: {model.hidden: [16]}, op: '<', than: {point: {train.steps: 400}}}
  - {argmin: val_loss, param: model.hidden, equals: [16]}
"""


def test_a_paired_sweep_lists_its_points():
    p = parse_preset(PAIRED)
    assert p.sweep == Sweep({"model.hidden": ((8,), (16,), (32,)),
                             "train.steps": (400, 200, 100)}, paired=True)
    assert p.sweep.points == [{"model.hidden": (8,), "train.steps": 400},
                              {"model.hidden": (16,), "train.steps": 200},
                              {"model.hidden": (32,), "train.steps": 100}]
    # one setting picks a point, the other is filled in from it
    assert p.expect[0].point == {"model.hidden": (16,), "train.steps": 200}
    assert p.expect[0].than.point == {"model.hidden": (8,), "train.steps": 400}
    assert parse_preset(dump_preset(p)) == p
    assert "- {model.hidden: [8], train.steps: 400}" in dump_preset(p)


def test_a_grid_has_every_combination_as_its_points():
    p = parse_preset(HEAD + "sweep: {seed: [0, 1], train.steps: [5, 6]}\n")
    assert not p.sweep.paired
    assert p.sweep.points == [{"seed": 0, "train.steps": 5}, {"seed": 0, "train.steps": 6},
                              {"seed": 1, "train.steps": 5}, {"seed": 1, "train.steps": 6}]


def test_the_metric_names_follow_the_step_record():
    from nnterm.engine.preset_format.claims_schema import METRICS
    from nnterm.engine.training.telemetry import StepRecord

    fields = {f for f in StepRecord.__dataclass_fields__
              if not f.endswith(("_hist", "_percentiles"))}  # arrays, not metrics
    assert set(METRICS) == fields - {"run", "diagnoses"}


def test_a_minimal_file_takes_every_config_default():
    p = parse_preset(HEAD)
    assert p.config == Config()
    assert (p.compare, p.sweep, p.expect) == ({}, None, ())


def test_per_layer_settings_whole_floats_variants_and_sweeps():
    p = parse_preset(RICH)
    m, t, d = p.config.model, p.config.train, p.config.data
    assert m.hidden == (16, 8) and m.activation == ("relu", "leaky_relu")
    assert m.init == (Init("normal", std=0.01, bias=-3.0), Init("he_uniform"), Init(gain=0.5))
    assert m.dropout == (0.1, 0.0) and m.frozen == (0,) and m.dtype == "float32"
    assert d.params == {"n_classes": 3, "turns": 1.5} and type(d.params["n_classes"]) is int
    assert t.steps == 1000 and type(t.steps) is int
    assert t.optimizer == OptimizerConfig("sgd", lr=0.05, momentum=0.9, nesterov=True,
                                          weight_decay=1e-4)
    assert t.schedule == ScheduleConfig("cosine", min_factor=0.1, warmup_steps=10)
    assert t.early_stopping == EarlyStoppingConfig() and t.clip_norm == 1.0
    assert t.loss_scale == 100.0 and type(t.loss_scale) is float
    assert variant_config(p, "adam").train.optimizer == OptimizerConfig("adamw", lr=0.01)
    patient = variant_config(p, "patient")
    assert patient.train.early_stopping.patience == 50
    assert patient.model.leaky_slope == 0.2 and patient.model.init == m.init
    wide = variant_config(p, "wide")
    assert wide.model.hidden == (64, 64) and wide.data.params == {"n_classes": 3, "turns": 2}
    assert p.sweep.params == {"train.optimizer.lr": (0.01, 0.1), "seed": (0, 1, 2)}
    assert p.expect[0].point == {"train.optimizer.lr": 0.1, "seed": 1}
    assert p.expect[1].than == Reference(run="adam", metric="val_loss", at="end")
    point = {"train.optimizer.lr": 0.01, "seed": 0}
    assert p.expect[2].point == point
    assert p.expect[2].than == Reference(run="adam", metric="val_acc", at="max", point=point)


def test_names_dataset_and_the_bigram_baseline():
    p = parse_preset(HEAD + "data: {name: names, params: {context: 4}}\nmodel: {hidden: [64]}\n"
                     "expect:\n  - {metric: val_loss, op: '<', than: {baseline: bigram, "
                     "factor: 0.92}}\n")
    assert p.expect[0].than == Reference(run="base", baseline="bigram", factor=0.92)
    assert parse_preset(dump_preset(p)) == p


def test_a_view_sets_the_pace_and_round_trips():
    p = parse_preset(HEAD + "view: {steps_per_second: 40}\n")
    assert p.view == View(steps_per_second=40.0)
    assert parse_preset(dump_preset(p)) == p
    p = parse_preset(HEAD + "view: {curves: val}\n")
    assert p.view == View(curves="val") and "view: {curves: val}" in dump_preset(p)
    assert parse_preset(HEAD).view == View() and "view" not in dump_preset(parse_preset(HEAD))
    assert parse_preset(HEAD + "view: {steps_per_second: null}\n").view == View()


def test_regression_with_the_closed_form_solver():
    p = parse_preset(HEAD + "data: {name: random_features, params: {dim: 30}}\n"
                     "model: {hidden: [100], loss: mse, frozen: [0]}\ntrain: {solver: {}}\n"
                     "compare:\n  ridge: {train.solver.ridge: 0.1}\n")
    assert p.config.train.solver == SolverConfig()
    assert p.compare["ridge"] == {"train.solver.ridge": 0.1}
