"""The app's session moves its runs: in the app's thread while paced, to a child process
at full speed (or when a pace's steps would take too much of a core), and back; the runs
go on from their step, bit for bit as if they had stayed, and no command is lost."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from session_waits import CONFIG, TIMEOUT, snapshot_where, wait_until

from nnterm.engine.live.moving_session import (
    THREAD_SHARE,
    MovingSession,
    leave_process,
    leave_thread,
)
from nnterm.engine.live.run_loop import LoopState
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.live.sessions import InProcessSession
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.trainer import Trainer

PACE = 10.0


@pytest.fixture
def serving():
    """Start ``serve()`` of a session in a thread; close it at the end."""
    started: list[tuple[object, threading.Thread]] = []

    def serve(session):
        thread = threading.Thread(target=session.serve, daemon=True)
        thread.start()
        started.append((session, thread))
        return session

    yield serve
    for session, thread in started:
        session.close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def taken(session, count: int) -> Snapshot:
    """The first snapshot that reflects the first ``count`` commands sent."""
    return snapshot_where(session, lambda s: s.commands_taken >= count)


def test_the_thread_keeps_a_pace_and_a_process_takes_full_speed():
    assert not leave_thread(PACE, 0.001)  # 1% of a core
    assert leave_thread(None, 0.0)  # full speed
    assert leave_thread(PACE, 2 * THREAD_SHARE / PACE)  # a pace that takes 60% of a core
    assert leave_process(PACE, 0.001)
    assert not leave_process(None, 0.001)
    # between half the share and the share: each stays where it is (no back and forth)
    middle = 0.75 * THREAD_SHARE / PACE
    assert not leave_thread(PACE, middle) and not leave_process(PACE, middle)


def test_runs_move_to_a_process_at_full_speed_and_back_at_a_pace(serving):
    s = MovingSession(CONFIG, in_thread=True)
    s.send(cmd.SetSpeed(PACE))
    serving(s)
    at_pace = taken(s, 1)
    assert s.in_thread and s.pid is None
    sent = s.send(cmd.SetSpeed(None))
    fast = snapshot_where(s, lambda x: x.commands_taken >= sent and x.step > at_pace.step + 50)
    assert s.pid is not None and not s.in_thread  # the runs went on in a child
    assert fast.step > at_pace.step  # from where they were, not from 0
    child = s.pid
    sent = s.send(cmd.SetSpeed(PACE))
    wait_until(s, lambda: s.in_thread)  # (the child's last snapshot may come first)
    back = snapshot_where(s, lambda x: x.commands_taken >= sent and x.step > fast.step)
    assert s.pid is None and s.alive and s.error is None
    assert back.step > fast.step and child is not None


def test_moved_runs_train_bit_for_bit_as_runs_that_stayed(serving):
    """The same steps, once with two moves between them, once in one thread."""
    script = [cmd.Pause(), cmd.SetSpeed(PACE), *[cmd.StepOnce()] * 5,
              cmd.SetSpeed(None), *[cmd.StepOnce()] * 5,
              cmd.SetSpeed(PACE), *[cmd.StepOnce()] * 5]
    last = []
    for session in (MovingSession(CONFIG, in_thread=True), InProcessSession(CONFIG)):
        for command in script:
            session.send(command)
        serving(session)
        last.append(snapshot_where(session, lambda x: x.commands_taken >= len(script)
                                   and x.step == 15))
    moved, stayed = last
    assert moved.train_loss == stayed.train_loss and moved.val_loss == stayed.val_loss
    for a, b in zip(moved.layers, stayed.layers, strict=True):
        assert np.array_equal(a.weights, b.weights)
    assert np.array_equal(moved.series.train_loss, stayed.series.train_loss, equal_nan=True)


def test_commands_sent_while_the_runs_move_are_all_taken(serving):
    s = MovingSession(CONFIG, in_thread=True)
    s.send(cmd.Pause())
    s.send(cmd.SetSpeed(PACE))
    serving(s)
    taken(s, 2)
    s.send(cmd.SetSpeed(None))  # the runs leave for a child...
    s.send(cmd.SetSpeed(PACE))  # ...and come back, while steps are asked for
    for _ in range(7):
        last = s.send(cmd.StepOnce())
    snap = snapshot_where(s, lambda x: x.commands_taken >= last and x.step >= 7)
    assert snap.step == 7 and snap.paused
    wait_until(s, lambda: s.in_thread)


def test_a_lesson_opened_at_full_speed_starts_in_a_process(serving):
    s = serving(MovingSession(CONFIG, in_thread=False))
    snapshot_where(s, lambda x: x.step > 0)
    assert s.pid is not None and not s.in_thread


def test_commands_a_child_had_not_taken_come_back_before_newer_ones():
    s = MovingSession(CONFIG, in_thread=True)
    s._child_started(commands_before=3)
    sent = [cmd.StepOnce(), cmd.SetSpeed(PACE), cmd.Pause(), cmd.Resume()]
    for command in sent:
        s._forward(_Pipe(), command)
    newer = cmd.Reset()
    s.send(newer)
    state = LoopState(RunSet([Trainer(CONFIG)]), PACE, commands_taken=3 + 2)
    s._take_back(state)
    assert [s._outbox.get_nowait() for _ in range(3)] == [*sent[2:], newer]
    s.close()


class _Pipe:
    """A command pipe's end that takes anything."""

    def send(self, command: object) -> None:
        pass
