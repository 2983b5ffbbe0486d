"""check_claims on synthetic results: every kind of claim passes and fails when it should."""

from __future__ import annotations

import dataclasses
import math

import pytest
from helpers import record

from nnterm.engine.claims.check import ClaimResult, check_claims, log_log_slope
from nnterm.engine.experiments.experiment import ExperimentResult, RunResult, run_preset
from nnterm.engine.preset_format.preset import (
    DiagnosisClaim,
    ExplainedClaim,
    MetricClaim,
    Preset,
    Reference,
    SlopeClaim,
    Sweep,
    SweepClaim,
)
from nnterm.engine.training.config import Config, DataConfig, ModelConfig, TrainConfig
from nnterm.engine.training.diagnostics import Diagnosis
from nnterm.engine.training.telemetry import StepRecord

NAN = float("nan")




def curve(metric: str, values, *, every: int = 100, **fixed) -> list[StepRecord]:
    """Records at steps 0, every, 2*every, ... with ``metric`` taking ``values``."""
    return [record(i * every, **{metric: v}, **fixed) for i, v in enumerate(values)]


def run(name="base", records=None, point=None, diagnoses=(), n_params=10, baselines=None,
        stop_reason=""):
    return RunResult(name=name, point=dict(point or {}), config=Config(),
                     records=records or curve("val_loss", [1.0]), status="finished",
                     stop_reason=stop_reason, diagnoses=tuple(diagnoses), n_params=n_params,
                     baselines=dict(baselines or {}))


def result(*runs: RunResult) -> ExperimentResult:
    by_name: dict[str, list[RunResult]] = {}
    for r in runs:
        by_name.setdefault(r.name, []).append(r)
    swept = tuple(runs[0].point)
    return ExperimentResult(preset="test", seed=0, runs=by_name, swept=swept)


def check(res: ExperimentResult, *claims) -> list[ClaimResult]:
    preset = Preset(name="test", title="", section="", lesson="", config=Config(),
                    expect=tuple(claims))
    out = check_claims(preset, res)
    assert [c.claim for c in out] == list(claims)
    return out


def one(res: ExperimentResult, claim) -> ClaimResult:
    return check(res, claim)[0]


# ---------------------------------------------------------------------- metric claims
TWO_RUNS = result(
    run("base", curve("val_loss", [2.0, 0.5, 0.8, 1.0])),
    run("dropout", curve("val_loss", [2.0, 0.6, 0.45, 0.4])),
)


@pytest.mark.parametrize(("claim", "measured", "passed"), [
    (MetricClaim("val_loss", "<", Reference(value=1.5)), 1.0, True),
    (MetricClaim("val_loss", "<", Reference(value=0.9)), 1.0, False),
    (MetricClaim("val_loss", "<=", Reference(value=1.0)), 1.0, True),
    (MetricClaim("val_loss", ">=", Reference(value=1.0)), 1.0, True),
    (MetricClaim("val_loss", ">", Reference(value=1.0)), 1.0, False),
    (MetricClaim("val_loss", "<", Reference(value=0.6), at="min"), 0.5, True),
    (MetricClaim("val_loss", "<", Reference(value=0.4), at="min"), 0.5, False),
    (MetricClaim("val_loss", ">", Reference(value=1.9), at="max"), 2.0, True),
    (MetricClaim("val_loss", "<", Reference(value=0.6), at=100), 0.5, True),
    (MetricClaim("val_loss", "<", Reference(value=0.6), at=250), 0.8, False),  # logged: 200
    (MetricClaim("val_loss", "<", Reference(value=0.6), at=10_000), 1.0, False),  # the end
    (MetricClaim("val_loss", "<", Reference(value=1.5), run="dropout"), 0.4, True),
    # a window's median: base logs 0.5, 0.8, 1.0 at steps 100-300
    (MetricClaim("val_loss", "<", Reference(value=0.85), at=(100, 300)), 0.8, True),
    (MetricClaim("val_loss", "<", Reference(value=0.75), at=(100, 300)), 0.8, False),
    (MetricClaim("val_loss", ">", Reference(value=1.0), at=(0, 100)), 1.25, True),
])
def test_metric_claim_against_a_number(claim, measured, passed):
    got = one(TWO_RUNS, claim)
    assert got.measured == measured
    assert got.passed is passed


def test_metric_claim_against_another_run_times_a_factor():
    claim = MetricClaim("val_loss", "<", Reference(run="base", factor=0.5), run="dropout")
    got = one(TWO_RUNS, claim)
    assert got.description == "val_loss of dropout at end < 0.5 x val_loss of base at end"
    assert got.expected == "< 0.5"
    assert (got.measured, got.passed) == (0.4, True)
    got = one(TWO_RUNS, dataclasses.replace(claim, than=Reference(run="base", factor=0.3)))
    assert (got.measured, got.passed) == (0.4, False)
    # another metric, another moment: dropout's end vs base's minimum
    got = one(TWO_RUNS, MetricClaim("val_loss", "<", Reference(run="base", at="min"),
                                    run="dropout"))
    assert got.passed and got.expected == "< 0.5"
    got = one(TWO_RUNS, MetricClaim("val_loss", ">", Reference(run="base", at="min"),
                                    run="dropout"))
    assert not got.passed


def test_metric_claim_against_a_baseline():
    res = result(run("base", curve("val_loss", [3.3, 2.2]), baselines={"bigram": 2.4}))
    got = one(res, MetricClaim("val_loss", "<", Reference(baseline="bigram")))
    assert got.passed and got.expected == "< 2.4"
    assert got.description == "val_loss of base at end < bigram baseline"
    got = one(res, MetricClaim("val_loss", "<", Reference(baseline="bigram", factor=0.9)))
    assert not got.passed and got.expected == "< 2.16"
    got = one(res, MetricClaim("val_loss", "<", Reference(baseline="trigram")))
    assert not got.passed and "no trigram baseline" in got.measured and "bigram" in got.measured


def test_a_window_is_judged_by_its_median_so_one_spike_does_not_decide():
    spiky = result(run("base", curve("train_loss", [0.9, 0.1, 0.1, 5.0, 0.1, 0.1])))
    window = MetricClaim("train_loss", "<", Reference(value=0.2), at=(100, 500))
    assert one(spiky, window).passed and one(spiky, window).measured == 0.1
    assert not one(spiky, MetricClaim("train_loss", "<", Reference(value=0.2), at=300)).passed
    got = one(spiky, window)
    assert got.description == "train_loss of base at steps 100-500 (median) < 0.2"
    nan_inside = result(run("base", curve("train_loss", [0.9, NAN, 0.3, 0.1])))
    assert one(nan_inside, dataclasses.replace(window, at=(100, 300))).measured == 0.2
    empty = one(spiky, dataclasses.replace(window, at=(510, 590)))
    assert not empty.passed and "no step in 510..590" in empty.measured


def test_per_layer_metrics_take_an_index():
    res = result(run("base", [record(0, grad_norm=(1e-6, 0.1, 0.5))]))
    assert one(res, MetricClaim("grad_norm[0]", "<", Reference(value=1e-3))).passed
    assert not one(res, MetricClaim("grad_norm[-1]", "<", Reference(value=1e-3))).passed
    assert one(res, MetricClaim("grad_norm[-1]", "<", Reference(value=1e-3))).measured == 0.5
    bad = one(res, MetricClaim("grad_norm[3]", "<", Reference(value=1.0)))
    assert not bad.passed and "out of range" in bad.measured
    bad = one(res, MetricClaim("grad_norm", "<", Reference(value=1.0)))
    assert not bad.passed and "grad_norm[0]" in bad.measured
    bad = one(res, MetricClaim("val_loss[0]", "<", Reference(value=1.0)))
    assert not bad.passed and "single number" in bad.measured
    bad = one(res, MetricClaim("val_los", "<", Reference(value=1.0)))
    assert not bad.passed and "unknown metric 'val_los'" in bad.measured


def test_nan_and_missing_values_fail_the_claim():
    res = result(
        run("base", curve("val_loss", [1.0, NAN]), stop_reason="loss became nan at step 100"),
        run("reg", [record(0, val_acc=None)]),
    )
    got = one(res, MetricClaim("val_loss", "<", Reference(value=10.0)))
    assert not got.passed
    assert "NaN" in got.measured and "loss became nan at step 100" in got.measured
    assert not one(res, MetricClaim("val_loss", ">", Reference(value=10.0))).passed
    # min ignores the NaN record
    assert one(res, MetricClaim("val_loss", "<=", Reference(value=1.0), at="min")).passed
    # a NaN reference fails too
    got = one(res, MetricClaim("val_loss", "<", Reference(run="base", at="end"), run="reg", at=0))
    assert not got.passed and got.measured == 0.0 and "reference is NaN" in got.expected
    got = one(res, MetricClaim("val_acc", ">", Reference(value=0.5), run="reg"))
    assert not got.passed and "not measured" in got.measured


def test_claims_on_missing_runs_and_points_fail_without_raising():
    res = TWO_RUNS
    got = one(res, MetricClaim("val_loss", "<", Reference(value=1.0), run="nope"))
    assert not got.passed and "no run named 'nope'" in got.measured and "dropout" in got.measured
    got = one(res, MetricClaim("val_loss", "<", Reference(run="nope")))
    assert not got.passed and "reference" in got.measured and "nope" in got.measured
    got = one(res, MetricClaim("val_loss", "<", Reference(value=1.0), point={"model.hidden": [4]}))
    assert not got.passed and "model.hidden is not swept" in got.measured
    for claim in (SweepClaim("argmin", "val_loss", "model.hidden", [4], run="nope"),
                  SlopeClaim("val_loss", "n_params", "<", Reference(value=0.0)),
                  DiagnosisClaim("nan", run="nope"),
                  MetricClaim("val_loss", "~", Reference(value=1.0)),
                  MetricClaim("val_loss", "<", Reference(value=1.0), at="middle")):
        got = one(res, claim)
        assert not got.passed and isinstance(got.measured, str) and got.measured


# ---------------------------------------------------------------------- sweeps
def swept(name="base", values=(1.0, 0.5, 0.7), widths=(10, 20, 40), n_params=None):
    return [run(name, curve("val_loss", [2.0, v]), point={"model.hidden": (w,)},
                n_params=(n_params or (lambda w: 3 * w))(w))
            for v, w in zip(values, widths, strict=True)]


def test_metric_claims_at_a_sweep_point():
    res = result(*swept(), *swept("dropout", values=(0.9, 0.4, 0.3)))
    got = one(res, MetricClaim("val_loss", "<", Reference(run="base"), run="dropout",
                               point={"model.hidden": [20]}))
    assert got.passed and got.measured == 0.4 and got.expected == "< 0.5"
    assert got.description == ("val_loss of dropout[model.hidden=[20]] at end < "
                               "val_loss of base[model.hidden=[20]] at end")
    got = one(res, MetricClaim("val_loss", "<", Reference(run="base", point={"model.hidden": [10]}),
                               run="dropout", point={"model.hidden": [10]}))
    assert got.passed and got.measured == 0.9
    got = one(res, MetricClaim("val_loss", "<", Reference(value=1.0)))
    assert not got.passed and "sweep of 3 points" in got.measured
    got = one(res, MetricClaim("val_loss", "<", Reference(value=1.0), point={"model.hidden": [7]}))
    assert not got.passed and "no point model.hidden=[7]" in got.measured


def test_sweep_claims_find_the_best_point():
    res = result(*swept(values=(1.0, 0.5, NAN)))
    got = one(res, SweepClaim("argmin", "val_loss", "model.hidden", [20]))
    assert got.passed and got.measured == "model.hidden = [20] (val_loss 0.5)"
    assert not one(res, SweepClaim("argmin", "val_loss", "model.hidden", [10])).passed
    assert one(res, SweepClaim("argmax", "val_loss", "model.hidden", (10,))).passed
    assert not one(res, SweepClaim("argmax", "val_loss", "model.hidden", [40])).passed
    assert one(res, SweepClaim("argmax", "val_loss", "model.hidden", [10], at=0)).passed
    got = one(res, SweepClaim("argmin", "val_loss", "train.optimizer.lr", 0.1))
    assert not got.passed and "not swept" in got.measured
    got = one(TWO_RUNS, SweepClaim("argmin", "val_loss", "model.hidden", [10]))
    assert not got.passed and "no sweep" in got.measured


def test_sweep_claims_over_two_swept_settings():
    runs = [run("base", curve("val_loss", [v]), point={"model.hidden": (w,), "data.n_train": n})
            for (w, n), v in {(4, 100): 0.9, (4, 200): 0.8, (8, 100): 0.7, (8, 200): 0.3}.items()]
    res = result(*runs)
    assert one(res, SweepClaim("argmin", "val_loss", "data.n_train", 200)).passed
    assert one(res, SweepClaim("argmin", "val_loss", "model.hidden", [8])).passed
    got = one(res, MetricClaim("val_loss", "<", Reference(value=0.75),
                               point={"model.hidden": [8], "data.n_train": 100}))
    assert got.passed and got.measured == 0.7
    got = one(res, MetricClaim("val_loss", "<", Reference(value=0.75), point={"model.hidden": [8]}))
    assert not got.passed and "matches 2 points" in got.measured


def test_slope_claims_fit_a_power_law():
    widths = (10, 20, 40, 80)
    losses = tuple(5.0 * w ** -0.5 for w in widths)  # slope -0.5 against the width
    res = result(*swept(values=losses, widths=widths, n_params=lambda w: 4 * w * w))
    got = one(res, SlopeClaim("val_loss", "model.hidden", "<", Reference(value=-0.4)))
    assert got.passed and got.measured == pytest.approx(-0.5)
    assert got.description == ("slope of log val_loss against log model.hidden over the sweep "
                               "of base < -0.4")
    assert not one(res, SlopeClaim("val_loss", "model.hidden", "<",
                                   Reference(value=-0.6))).passed
    # n_params = 4 w^2, so the slope against it is half as steep
    got = one(res, SlopeClaim("val_loss", "n_params", ">", Reference(value=-0.3)))
    assert got.passed and got.measured == pytest.approx(-0.25)
    assert not one(res, SlopeClaim("val_loss", "n_params", "<", Reference(value=-0.3))).passed
    # step 0 is flat (val_loss 2.0 everywhere)
    assert one(res, SlopeClaim("val_loss", "n_params", ">=", Reference(value=0.0), at=0)).measured \
        == pytest.approx(0.0)


def test_r2_claims_say_how_straight_the_log_log_line_is():
    widths = (10, 20, 40, 80)
    straight = result(*swept(values=tuple(5.0 * w ** -0.5 for w in widths), widths=widths,
                             n_params=lambda w: 4 * w * w))
    got = one(straight, SlopeClaim("val_loss", "n_params", ">", Reference(value=0.99),
                                   measure="r2"))
    assert got.passed and got.measured == pytest.approx(1.0)
    assert got.description.startswith("R² of the line through log val_loss against log")
    bent = result(*swept(values=(1.0, 0.2, 0.5, 0.05), widths=widths,
                         n_params=lambda w: 4 * w * w))
    got = one(bent, SlopeClaim("val_loss", "n_params", ">", Reference(value=0.9),
                               measure="r2"))
    assert not got.passed and got.measured < 0.9


def test_slope_of_a_two_layer_width_uses_the_product_and_bad_values_fail():
    runs = [run("base", curve("val_loss", [v]), point={"model.hidden": h})
            for h, v in (((2, 5), 1.0), ((4, 5), 0.5), ((8, 5), 0.25))]
    got = one(result(*runs), SlopeClaim("val_loss", "model.hidden", "<", Reference(value=-0.9)))
    assert got.measured == pytest.approx(-1.0) and got.passed
    zero = [run("base", curve("val_loss", [v]), point={"model.hidden": (w,)})
            for w, v in ((1, 0.0), (2, 0.5))]
    got = one(result(*zero), SlopeClaim("val_loss", "model.hidden", "<", Reference(value=0.0)))
    assert not got.passed and "positive" in got.measured
    nan = [run("base", curve("val_loss", [v]), point={"model.hidden": (w,)})
           for w, v in ((1, NAN), (2, 0.5))]
    got = one(result(*nan), SlopeClaim("val_loss", "model.hidden", "<", Reference(value=0.0)))
    assert not got.passed and "nan" in got.measured
    got = one(result(*swept()), SlopeClaim("val_loss", "seed", "<", Reference(value=0.0)))
    assert not got.passed and "seed is not swept" in got.measured


def test_log_log_slope():
    assert log_log_slope([1, 10, 100], [1, 0.1, 0.01]) == pytest.approx(-1.0)
    assert log_log_slope([2, 4], [3, 12]) == pytest.approx(2.0)


# ---------------------------------------------------------------------- diagnoses
def test_diagnosis_claims():
    res = result(
        run("base", diagnoses=[Diagnosis("dead_relu", 200, "half the ReLUs are dead")]),
        run("leaky"),
    )
    assert one(res, DiagnosisClaim("dead_relu")).passed
    got = one(res, DiagnosisClaim("dead_relu", present=False))
    assert not got.passed and got.measured == "dead_relu at step 200"
    assert not one(res, DiagnosisClaim("nan")).passed
    assert one(res, DiagnosisClaim("nan", present=False)).passed
    assert not one(res, DiagnosisClaim("dead_relu", run="leaky")).passed
    assert one(res, DiagnosisClaim("dead_relu", present=False, run="leaky")).passed
    healthy = one(res, ExplainedClaim(run="leaky"))
    assert healthy.passed and healthy.measured == "no diagnosis"
    assert healthy.description == "leaky triggers no diagnosis"
    assert not one(res, ExplainedClaim()).passed


def test_a_run_shows_only_the_diagnoses_its_lesson_names_or_their_consequences():
    """A consequence folded under a named root cause is explained; a root cause the
    lesson does not name is not, nor is a consequence of one."""
    dead = [Diagnosis("dead_relu", 50, "layer 2 is dead"),
            Diagnosis("vanishing_gradients", 50, "tiny", cause="dead_relu"),
            Diagnosis("flat_loss", 100, "flat", cause="dead_relu")]
    res = result(run("base", diagnoses=dead),
                 run("gelu", diagnoses=[Diagnosis("vanishing_gradients", 50, "tiny")]))
    named = one(res, ExplainedClaim(("dead_relu",)))
    assert named.passed and named.expected == "only dead_relu"
    assert "flat_loss at step 100 (from dead_relu)" in named.measured
    assert one(res, ExplainedClaim(("dead_relu", "flat_loss"))).passed
    assert not one(res, ExplainedClaim(("flat_loss", "vanishing_gradients"))).passed
    assert not one(res, ExplainedClaim(("dead_relu",), run="gelu")).passed
    assert one(res, ExplainedClaim(("vanishing_gradients",), run="gelu")).passed


def test_diagnosis_claims_over_a_sweep_look_at_every_point():
    points = swept()
    points[1] = dataclasses.replace(points[1], diagnoses=(Diagnosis("overfitting", 300, ""),))
    res = result(*points)
    got = one(res, DiagnosisClaim("overfitting"))
    assert got.passed and "base[model.hidden=[20]]" in got.measured
    assert not one(res, ExplainedClaim()).passed
    assert one(res, ExplainedClaim(("overfitting",))).passed


# ---------------------------------------------------------------------- end to end
def test_claims_on_a_real_run():
    config = Config(data=DataConfig(name="moons", n_train=64, n_val=64, noise=0.1),
                    model=ModelConfig(hidden=(8,)),
                    train=TrainConfig(steps=30, batch_size=16, log_every=10))
    preset = Preset(
        name="t", title="", section="", lesson="", config=config,
        compare={"slow": {"train.optimizer.lr": 1e-5}},
        sweep=Sweep({"model.hidden": ((2,), (8,))}),
        expect=(
            MetricClaim("train_loss", "<", Reference(run="slow", factor=0.99),
                        point={"model.hidden": [8]}),
            MetricClaim("train_loss", "<", Reference(at=0), point={"model.hidden": [8]}),
            SweepClaim("argmin", "train_loss", "model.hidden", [8], run="slow"),
            SlopeClaim("train_loss", "n_params", "<", Reference(value=math.inf)),
            DiagnosisClaim("nan", present=False),
        ),
    )
    res = run_preset(preset, on_record=None)
    out = check_claims(preset, res)
    assert [c.passed for c in out] == [True, True, True, True, True], out
    assert isinstance(out[0].measured, float)


def test_accuracies_are_said_in_percent_as_the_app_shows_them():
    res = result(run("base", [record(0, val_acc=0.5, train_acc=0.875, val_loss=1.0),
                              record(100, val_acc=1.0, train_acc=1.0, val_loss=1.0)]))
    got = one(res, MetricClaim("val_acc", ">=", Reference(value=0.95)))
    assert got.passed and got.measured == 1.0 and got.measured_text == "100%"
    assert got.expected == ">= 95%" and got.description == "val_acc of base at end >= 95%"
    got = one(res, MetricClaim("train_acc", "<=", Reference(value=0.75), at=0))
    assert got.measured_text == "87.5%" and got.expected == "<= 75%"
    got = one(res, MetricClaim("val_loss", "<", Reference(value=0.5)))  # not an accuracy
    assert got.expected == "< 0.5" and got.measured_text == "1"
