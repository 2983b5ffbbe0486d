"""The run loop and its pacer: steps spaced at the asked rate on a grid that never bursts,
snapshots published at most fps times a second, commands applied in order, a diverging
run paused. Time is a FakeClock: nothing here waits."""

from __future__ import annotations

import queue

import numpy as np
import pytest
from helpers import FakeClock
from session_waits import CONFIG

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.pace import Pacer
from nnterm.engine.live.pictures import keeps_pictures, pictured
from nnterm.engine.live.plane import HeldBoundaries, Interrupted
from nnterm.engine.live.run_loop import IDLE_WAIT, LoopState, run_loop
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


def test_boundaries_are_drawn_anew_every_picture_seconds_while_training_and_after_a_key():
    """Between two renewals a snapshot shows the boundary drawn last (the same object);
    after ``PICTURE_SECONDS``, or at once after a command that changes what the pictures
    show (here an activation), a new one. A key that changes a training setting (l2)
    keeps them: its snapshot shows its numbers without the cost of new pictures, and the
    next one draws them anew."""
    trainer = Trainer(CONFIG)
    clock = FakeClock(tick=0.0005)
    inbox = queue.SimpleQueue()
    published = []
    keys = {3000: cmd.Set({"train.l2": 0.001}), 3500: cmd.Set({"model.activation": "relu"})}

    def stop() -> bool:
        if trainer.step_count in keys:  # a key, while it trains
            inbox.put(keys.pop(trainer.step_count))
        return trainer.step_count >= 4000

    run_loop(RunSet([trainer]), inbox, published.append, fps=10.0, clock=clock,
             should_stop=stop)
    changes = [i for i in range(1, len(published))
               if published[i].boundary is not published[i - 1].boundary]
    assert published[0].boundary is not None and len(changes) >= 3
    assert len(published) > 2 * len(changes)  # most snapshots show the last one again
    setting = next(i for i, s in enumerate(published) if s.message == "l2 0.001")
    assert setting not in changes and setting + 1 in changes
    activation = next(i for i, s in enumerate(published) if s.message == "activation relu")
    assert activation in changes  # drawn anew at once


class ArrivingInbox:
    """A queue into which ``command`` arrives while the loop draws its pictures anew: the
    first time it is asked whether it is empty once ``due()`` holds."""

    def __init__(self, command, due) -> None:
        self.queue, self.command, self.due = queue.SimpleQueue(), command, due

    def get(self, block: bool = True, timeout: float | None = None):
        return self.queue.get(block, timeout)

    def get_nowait(self):
        return self.queue.get_nowait()

    def empty(self) -> bool:
        if self.command is not None and self.due():
            self.queue.put(self.command)
            self.command = None
        return self.queue.empty()


def test_a_command_that_arrives_while_the_pictures_are_drawn_anew_goes_first():
    """The renewal is given up (nothing is published halfway), the command's snapshot
    shows the pictures held before, all of one step, and the snapshot after it draws
    them anew."""
    trainer = Trainer(CONFIG)
    clock = FakeClock(tick=0.0005)
    inbox = ArrivingInbox(cmd.Set({"train.l2": 0.001}), lambda: trainer.step_count >= 3000)
    published = []
    run_loop(RunSet([trainer]), inbox, published.append, fps=10.0, clock=clock,
             should_stop=lambda: trainer.step_count >= 4000)
    keyed = next(i for i, s in enumerate(published) if s.message == "l2 0.001")
    assert published[keyed].boundary is published[keyed - 1].boundary
    assert published[keyed + 1].boundary is not published[keyed].boundary
    assert published[keyed - 1].step < 3000 <= published[keyed].step


def test_a_settings_snapshot_goes_out_before_the_next_step():
    """A key that changes a setting is shown at the step it was taken at: the snapshot
    does not wait for a step (the step after it is the setting's first)."""
    trainer = Trainer(CONFIG)
    taken: list[int] = []

    class Inbox(ArrivingInbox):
        def get_nowait(self):
            self.empty()  # (the command arrives once due)
            command = super().get_nowait()
            taken.append(trainer.step_count)
            return command

    inbox = Inbox(cmd.Set({"train.l2": 0.001}), lambda: trainer.step_count >= 300)
    published = []
    run_loop(RunSet([trainer]), inbox, published.append, fps=10.0,
             clock=FakeClock(tick=0.0005), should_stop=lambda: trainer.step_count >= 600)
    keyed = next(s for s in published if s.message == "l2 0.001")
    assert taken and keyed.step == taken[0]


def test_at_a_pace_a_settings_snapshot_shows_the_losses_measured_without_measuring_again():
    """At a pace every snapshot measures the runs' losses at their step (vanishing_
    gradients: 95 ms); a key that changes a setting before the next step changes none of
    them: its snapshot shows the ones measured, measured once."""
    trainer = Trainer(CONFIG)
    clock = FakeClock()
    measures: list[int] = []
    measure = trainer.current_losses
    trainer.current_losses = lambda: measures.append(trainer.step_count) or measure()

    published = []

    class Inbox(ClockInbox):
        def get(self, block: bool = True, timeout: float | None = None):
            shown = published[-1].step if published else 0
            if shown >= 30 and trainer.step_count == shown and -1 not in measures:
                measures.append(-1)  # the key, once, while the loop waits after a snapshot
                return cmd.Set({"train.l2": 0.001})
            return super().get(block, timeout)

    run_loop(LoopState(RunSet([trainer]), 100.0, 0), Inbox(clock), published.append,
             fps=4.0, clock=clock, should_stop=lambda: clock.now >= 1.0)
    keyed = next(i for i, s in enumerate(published) if s.message == "l2 0.001")
    before, after = published[keyed - 1], published[keyed]
    assert after.step == before.step and after.train_loss == before.train_loss
    assert measures.count(after.step) == 1


def test_held_boundaries_drawn_anew_replace_the_held_ones_only_when_all_are_drawn():
    trainer = Trainer(CONFIG)
    waiting = [False]
    held = HeldBoundaries(interrupt=lambda: waiting[0])
    first = held(trainer, 20)
    held.renewed()
    held.start_renewing(False)
    assert held(trainer, 20) is first
    held.start_renewing(True)
    waiting[0] = True
    with pytest.raises(Interrupted):
        held(trainer, 20)
    held.start_renewing(False)
    assert held(trainer, 20) is first  # what was held stays
    waiting[0] = False
    held.start_renewing(True)
    fresh = held(trainer, 20)
    held.renewed()
    held.start_renewing(False)
    assert fresh is not first and held(trainer, 20) is fresh


def test_only_settings_of_training_speed_and_the_run_shown_may_keep_the_pictures():
    assert all(map(keeps_pictures, [cmd.SetSpeed(None), rc.SelectRun("base"),
                                    cmd.Set({"train.optimizer.lr": 0.1}),
                                    rc.ToRuns(cmd.Set({"train.optimizer.lr": 0.1}), ("base",))]))
    assert not any(map(keeps_pictures, [cmd.Reset(), cmd.Reinitialize(), cmd.Pause(),
                                        cmd.AddPoint(0.0, 0.0, 1),
                                        rc.ToRuns(cmd.Reset(), ("base",))]))


def test_a_setting_that_starts_a_run_over_changes_what_its_pictures_are_drawn_from():
    runs = RunSet([Trainer(CONFIG)])
    runs.tick()
    before = pictured(runs)
    runs.base.apply(cmd.Set({"train.optimizer.lr": 0.5}))
    assert pictured(runs) == before
    runs.base.apply(cmd.Set({"model.hidden": (8,)}))  # a new network, from step 0
    assert pictured(runs) != before


def test_a_loop_asked_to_move_hands_on_its_state_and_the_next_goes_on_from_it():
    trainer = Trainer(CONFIG)
    inbox = queue.SimpleQueue()
    for command in (cmd.SetSpeed(500.0), rc.WatchNetwork(3), cmd.StepOnce(),
                    cmd.SetSpeed(None)):
        inbox.put(command)
    asked = []

    def move(speed, seconds):
        asked.append((speed, seconds))
        return speed is None

    state = run_loop(RunSet([trainer]), inbox, lambda s: None, move=move, idle_wait=0.01)
    assert asked[:2] == [(500.0, 0.0), (None, 0.0)]  # after each change of speed
    assert state is not None and state.speed is None and state.network_point == 3
    assert state.commands_taken == 4 and state.runs.base is trainer
    inbox.put(cmd.Stop())
    published = []
    assert run_loop(state, inbox, published.append) is None
    assert published[0].commands_taken == 4  # (and Stop ended it: None, nothing to hand on)
    assert published[0].network is not None and published[0].step == trainer.step_count


class ClockInbox:
    """An empty inbox whose wait moves a FakeClock on by the time waited."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.waits = clock, 0

    def get(self, block: bool = True, timeout: float | None = None):
        self.waits += 1
        self.clock.now += timeout or 0.0
        raise queue.Empty

    def get_nowait(self):
        raise queue.Empty

    def empty(self) -> bool:
        return True


def test_at_a_pace_the_loop_wakes_a_few_times_a_second_and_shows_every_step_due():
    """100 steps/s, 4 snapshots a second: the steps due while it waited are taken
    together before a snapshot, which shows them all; the pace holds."""
    trainer = Trainer(CONFIG)
    clock = FakeClock()
    inbox = ClockInbox(clock)
    shown = []
    run_loop(LoopState(RunSet([trainer]), 100.0, 0), inbox,
             lambda s: shown.append((clock.now, s.step)), fps=4.0, clock=clock,
             should_stop=lambda: clock.now >= 3.0)
    assert 290 <= trainer.step_count <= 301  # the pace: 100 a second (the last wait aside)
    assert inbox.waits <= 3.0 * (1 / IDLE_WAIT + 4)  # ten a second and one a snapshot, not 100
    assert len(shown) >= 3.0 * 4 - 1
    for now, step in shown[1:]:
        assert step >= int(now * 100) - 1  # every step due is taken before it is shown


def test_a_settings_snapshot_does_not_put_back_the_next_steps_snapshot():
    """A setting's snapshot, sent between two steps, is off the pace: the steps after it
    are shown when they would have been, not a whole interval after the key (a lesson's
    first step waited that long behind the pace its opening sets)."""
    trainer = Trainer(CONFIG)
    clock = FakeClock()
    published: list[tuple[float, object]] = []

    class Inbox(ClockInbox):
        sent = False

        def get(self, block: bool = True, timeout: float | None = None):
            last = published[-1][0] if published else 0.0
            if published and not self.sent and clock.now - last >= 0.2:
                self.sent = True  # the key, 0.2 s into the 0.25 s between two snapshots
                return cmd.Set({"train.l2": 0.001})
            return super().get(block, timeout)

    run_loop(LoopState(RunSet([trainer]), 100.0, 0), Inbox(clock),
             lambda s: published.append((clock.now, s)), fps=4.0, clock=clock,
             should_stop=lambda: clock.now >= 1.5)
    keyed = next(i for i, (_, s) in enumerate(published) if s.message == "l2 0.001")
    before, after = published[keyed - 1][0], published[keyed + 1][0]
    assert published[keyed + 1][1].step > published[keyed][1].step
    assert after - before < 0.25 + 0.05  # on the pace, not 0.25 s after the key


def test_the_first_step_is_shown_once_taken_not_at_the_snapshots_pace():
    """A lesson says it trains as soon as it does: the first step taken goes out at once,
    not one snapshot interval (here a second) after the snapshot before it."""
    trainer = Trainer(CONFIG)
    clock = FakeClock()
    published: list[tuple[float, object]] = []
    run_loop(LoopState(RunSet([trainer]), 100.0, 0), ClockInbox(clock),
             lambda s: published.append((clock.now, s)), fps=1.0, clock=clock,
             should_stop=lambda: clock.now >= 1.5)
    first = next(when for when, s in published if s.step > 0)
    assert first < 0.05
