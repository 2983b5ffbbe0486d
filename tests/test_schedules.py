"""Learning-rate schedules against hand-worked factors, and against torch.optim.lr_scheduler."""

from __future__ import annotations

import math

import pytest

from nnterm.engine.nn.schedules import (
    SCHEDULES,
    ConstantSchedule,
    CosineSchedule,
    StepSchedule,
    make_schedule,
)


def factors(schedule, steps):
    return [schedule.factor(step) for step in steps]


def test_constant():
    assert factors(make_schedule("constant"), [0, 1, 5, 10_000]) == [1.0, 1.0, 1.0, 1.0]


def test_step():
    schedule = make_schedule("step", step_size=2, gamma=0.5)
    # gamma ** (step // 2): 0.5^0, 0.5^0, 0.5^1, 0.5^1, 0.5^2, 0.5^2, 0.5^3
    assert factors(schedule, range(7)) == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_step_default_gamma_is_torchs():
    assert make_schedule("step", step_size=3).factor(3) == pytest.approx(0.1)


def test_cosine():
    schedule = make_schedule("cosine", total_steps=4)
    got = factors(schedule, [0, 1, 2, 3, 4, 5, 100])
    expected = [
        1.0,  # (1 + cos 0)/2
        0.8535533905932737,  # (1 + cos(pi/4))/2 = (1 + 0.70710678...)/2
        0.5,  # (1 + cos(pi/2))/2
        0.14644660940672624,  # (1 - 0.70710678...)/2
        0.0,  # (1 + cos pi)/2
        0.0,  # held at the minimum after total_steps
        0.0,
    ]
    assert got == pytest.approx(expected, abs=1e-15)


def test_cosine_min_factor():
    schedule = make_schedule("cosine", total_steps=4, min_factor=0.2)
    got = factors(schedule, [0, 2, 4, 9])
    # 0.2 + 0.8 * (1 + cos(pi * step/4))/2 -> 0.2 + 0.8*1, 0.2 + 0.8*0.5, 0.2 + 0, held
    assert got == pytest.approx([1.0, 0.6, 0.2, 0.2], abs=1e-15)


def test_warmup_on_constant():
    schedule = make_schedule("constant", warmup_steps=4)
    # min(1, (step + 1)/4): 1/4, 2/4, 3/4, 4/4, then 1
    assert factors(schedule, range(6)) == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


def test_warmup_multiplies_the_decay():
    schedule = make_schedule("step", step_size=2, gamma=0.5, warmup_steps=4)
    # decay 1, 1, 0.5, 0.5, 0.25 times warmup 1/4, 2/4, 3/4, 1, 1
    assert factors(schedule, range(5)) == [0.25, 0.5, 0.375, 0.5, 0.25]


def test_warmup_on_cosine():
    schedule = make_schedule("cosine", total_steps=4, warmup_steps=2)
    # step 0: 1 * 1/2; step 1: 0.85355339... * 2/2; step 2: 0.5 (warmup over)
    assert factors(schedule, [0, 1, 2]) == pytest.approx([0.5, 0.8535533905932737, 0.5], abs=1e-15)


def test_make_schedule_by_name_any_case():
    assert SCHEDULES == ("constant", "step", "cosine")
    assert isinstance(make_schedule("Constant"), ConstantSchedule)
    assert make_schedule("STEP", step_size=5) == StepSchedule(step_size=5, gamma=0.1)
    assert make_schedule("cosine", total_steps=10) == CosineSchedule(total_steps=10)
    assert make_schedule("cosine", total_steps=10).warmup_steps == 0


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("linear", {}, "allowed: constant, step, cosine"),
        ("constant", {"gamma": 0.5}, "allowed: warmup_steps"),
        ("step", {"step_size": 2, "total_steps": 3}, "allowed: warmup_steps, step_size, gamma"),
        (
            "cosine",
            {"total_steps": 3, "T_max": 3},
            "allowed: warmup_steps, total_steps, min_factor",
        ),
        ("step", {}, "needs step_size"),
        ("cosine", {"min_factor": 0.1}, "needs total_steps"),
        ("step", {"step_size": 0}, "step_size must be a whole number >= 1"),
        ("step", {"step_size": 2.5}, "step_size must be a whole number"),
        ("step", {"step_size": 2, "gamma": 0.0}, r"gamma must be a number in \(0, 1\], got 0.0"),
        ("step", {"step_size": 2, "gamma": 1.5}, "gamma must be a number in"),
        ("cosine", {"total_steps": 0}, "total_steps must be a whole number >= 1"),
        ("cosine", {"total_steps": 5, "min_factor": -0.1}, r"min_factor must be a number in \["),
        ("cosine", {"total_steps": 5, "min_factor": "0.1"}, "min_factor must be a number"),
        ("constant", {"warmup_steps": -1}, "warmup_steps must be a whole number >= 0"),
        ("constant", {"warmup_steps": True}, "warmup_steps must be a whole number"),
    ],
)
def test_invalid_settings_raise(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_schedule(name, **kwargs)


def test_negative_step_raises():
    with pytest.raises(ValueError, match="step must be >= 0"):
        make_schedule("constant").factor(-1)


def test_schedules_are_immutable():
    schedule = make_schedule("step", step_size=2)
    with pytest.raises(AttributeError):
        schedule.gamma = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("step", {"step_size": 3, "gamma": 0.7}),
        ("cosine", {"total_steps": 12}),
        ("cosine", {"total_steps": 12, "min_factor": 0.25}),
        ("cosine", {"total_steps": 12, "warmup_steps": 5}),
    ],
)
def test_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    sched = torch.optim.lr_scheduler
    base_lr = 0.5
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    if name == "step":
        decay = sched.StepLR(opt, step_size=kwargs["step_size"], gamma=kwargs["gamma"])
    else:
        eta_min = kwargs.get("min_factor", 0.0) * base_lr
        decay = sched.CosineAnnealingLR(opt, T_max=kwargs["total_steps"], eta_min=eta_min)
    if kwargs.get("warmup_steps"):
        w = kwargs["warmup_steps"]
        warmup = sched.LinearLR(opt, start_factor=1 / w, end_factor=1.0, total_iters=w - 1)
        reference = sched.ChainedScheduler([decay, warmup])
    else:
        reference = decay
    ours = make_schedule(name, **kwargs)
    for step in range(13):  # torch's cosine runs on past total_steps; ours holds, so stop there
        lr = opt.param_groups[0]["lr"]
        assert base_lr * ours.factor(step) == pytest.approx(lr, rel=1e-12, abs=1e-15), step
        opt.step()
        reference.step()


def test_closed_form_spot_check():
    # cos(pi/3) = 1/2: with total 3, step 1 gives (1 + 1/2)/2 = 0.75
    assert make_schedule("cosine", total_steps=3).factor(1) == pytest.approx(0.75, abs=1e-15)
    assert math.isclose(make_schedule("cosine", total_steps=6).factor(2), 0.75, abs_tol=1e-15)
