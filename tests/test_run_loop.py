"""The run loop and its pacer: steps spaced at the asked rate on a grid that never bursts,
snapshots published at most fps times a second, commands applied in order, a diverging
run paused. Time is a FakeClock: nothing here waits."""

from __future__ import annotations

import queue

import numpy as np
import pytest
from helpers import FakeClock
from session_waits import CONFIG

from nnterm.engine.live.run_loop import Pacer, run_loop
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)
from nnterm.engine.training.trainer import Trainer


def test_pacer_spaces_steps_by_the_asked_rate():
    clock = FakeClock()
    pacer = Pacer(50, clock)
    times = []
    for _ in range(100):
        clock.now += pacer.delay()
        times.append(clock.now)
        pacer.stepped()
        clock.now += 0.003  # the step itself takes 3 ms
    gaps = np.diff(times)
    assert gaps == pytest.approx(np.full(99, 0.02))


def test_pacer_keeps_its_grid_through_small_delays_and_never_bursts():
    clock = FakeClock()
    pacer = Pacer(10, clock)
    pacer.stepped()  # t = 0: next due at 0.1
    clock.now = 0.13  # 30 ms late
    assert pacer.delay() == 0
    pacer.stepped()
    assert pacer.delay() == pytest.approx(0.07)  # back on the grid: due at 0.2
    clock.now = 5.0  # paused for seconds
    pacer.stepped()
    assert pacer.delay() == pytest.approx(0.1)  # a fresh grid, no catch-up burst


def test_pacer_at_full_speed_never_waits():
    clock = FakeClock()
    pacer = Pacer(None, clock)
    pacer.stepped()
    assert pacer.delay() == 0.0
    with pytest.raises(ValueError, match="steps per second"):
        pacer.set_speed(0)


def test_run_loop_publishes_at_most_fps_times_a_second():
    trainer = Trainer(CONFIG)
    clock = FakeClock(tick=0.0005)  # every look at the clock is half a millisecond
    published = []
    run_loop(RunSet([trainer]), queue.SimpleQueue(), published.append, fps=10.0, clock=clock,
             should_stop=lambda: trainer.step_count >= 2000)
    assert trainer.step_count == 2000
    assert len(published) <= 10.0 * clock.now + 2  # + the first and the last
    assert len(published) >= 10.0 * clock.now - 2


def test_run_loop_stops_on_stop_and_applies_commands_in_order():
    trainer = Trainer(CONFIG)
    inbox = queue.SimpleQueue()
    for c in (cmd.Pause(), cmd.StepOnce(), cmd.StepOnce(), cmd.Set({"train.l2": 0.5})):
        inbox.put(c)
    published = []
    run_loop(RunSet([trainer]), inbox, published.append,
             should_stop=lambda: published[-1].step == 2 and inbox.put(cmd.Stop()))
    assert trainer.step_count == 2 and trainer.config.train.l2 == 0.5
    assert published[-1].message == "l2 0.5"


def test_the_pace_a_lesson_opens_at_is_set_without_a_message():
    for announce, said in ((False, ""), (True, "1000 steps/s")):
        trainer = Trainer(CONFIG)
        inbox = queue.SimpleQueue()
        inbox.put(cmd.SetSpeed(1000, announce=announce))
        published = []
        run_loop(RunSet([trainer]), inbox, published.append, fps=1000.0,
                 should_stop=lambda t=trainer: t.step_count >= 3)
        assert published[-1].message == said


def test_a_diverging_run_pauses_itself():
    config = Config(
        data=DataConfig(name="teacher_student", n_train=64, n_val=64),
        model=ModelConfig(hidden=(8,), loss="mse"),
        train=TrainConfig(steps=10**6, optimizer=OptimizerConfig("sgd", lr=50.0), log_every=1),
    )
    trainer = Trainer(config)
    published = []
    run_loop(RunSet([trainer]), queue.SimpleQueue(), published.append, idle_wait=0.01,
             should_stop=lambda: published[-1].status == "diverged")
    last = published[-1]
    assert last.paused and f"step {last.step}" in last.stop_reason
    assert last.message.startswith("diverged") and last.steps_per_second == 0.0
    assert "nan" in [name for name, _, _ in last.diagnoses]


def test_a_fast_pace_catches_up_waits_that_overshoot():
    clock = FakeClock()
    pacer = Pacer(1000, clock)  # 1 ms a step, but every wait overshoots to 1.5 ms
    steps = 0
    while clock.now < 1.0:
        delay = pacer.delay()
        clock.now += 0.0015 if delay > 0 else 0.0
        pacer.stepped()
        steps += 1
    assert steps == pytest.approx(1000, rel=0.02)
