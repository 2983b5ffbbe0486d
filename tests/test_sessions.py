"""Both kinds of live session (the engine in this process, or in a child process): commands
reach the engine before and while it runs, snapshots arrive, pause, step, restart, close,
and an engine that dies or cannot start says why.

Every test that waits for the engine synchronises on snapshot arrival (``version`` /
``wait_for_update`` with a timeout), never on sleeping.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from session_waits import (
    CONFIG,
    TIMEOUT,
    next_snapshot,
    paused_snapshot,
    snapshot_where,
    wait_until,
)

from nnterm.engine.live.process_session import ProcessSession
from nnterm.engine.live.sessions import InProcessSession, open_session
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, DataConfig


@pytest.fixture(params=["in_process", "process", "paced"])
def session(request):
    """Each kind: in this thread, the app's default at full speed (a child process) and
    at a pace (in this thread until full speed)."""
    s = open_session(CONFIG, in_process=request.param == "in_process",
                     paced=request.param == "paced")
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    yield s
    s.close()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


@pytest.mark.parametrize("in_process", [True, False])
def test_commands_sent_before_the_engine_starts_reach_it(in_process):
    s = open_session(CONFIG, in_process=in_process)
    s.send(cmd.Pause())
    s.send(cmd.SetSpeed(7.0))
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    try:
        snap = snapshot_where(s, lambda x: x.message == "7 steps/s")
        assert snap.paused and snap.step == 0
    finally:
        s.close()
        thread.join(TIMEOUT)


def test_snapshots_arrive(session):
    snap = snapshot_where(session, lambda s: s.step > 0)
    assert isinstance(snap, Snapshot)
    assert session.alive and session.error is None
    assert len(snap.layers) == 3 and snap.boundary is not None
    assert snap.status == "training" and not snap.paused


@pytest.mark.parametrize("in_process", [True, False])
def test_the_listener_hears_every_update(in_process):
    s = open_session(CONFIG, in_process=in_process)
    heard: queue.SimpleQueue[int] = queue.SimpleQueue()
    s.on_update = lambda: heard.put(s.version)  # the version it was told about
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    try:
        snapshot_where(s, lambda x: x.step > 0)
        versions = [heard.get(timeout=TIMEOUT) for _ in range(3)]
        assert versions == sorted(set(versions)) and versions[0] >= 1
    finally:
        s.close()
        thread.join(TIMEOUT)


def test_pause_stops_the_step_count(session):
    snapshot_where(session, lambda s: s.step > 0)
    first = paused_snapshot(session)
    session.send(cmd.Pause())  # any command makes the loop publish again
    second = next_snapshot(session, first)
    assert second.paused and second.step == first.step
    assert second.steps_per_second == 0.0


def test_step_once_advances_exactly_one(session):
    """One step, and no more: a snapshot of the same paused step may come first (a paced
    session that moves its runs to an engine process republishes them as they are)."""
    first = paused_snapshot(session)
    session.send(cmd.StepOnce())
    second = snapshot_where(session, lambda s: s.step != first.step)
    assert second.step == first.step + 1 and second.paused
    session.send(cmd.Pause())
    third = next_snapshot(session, second)
    assert third.step == second.step


def test_resume_goes_on_after_a_pause(session):
    first = paused_snapshot(session)
    session.send(cmd.Resume())
    assert snapshot_where(session, lambda s: s.step > first.step + 10).paused is False


def test_set_lr_shows_in_the_next_snapshot(session):
    snapshot_where(session, lambda s: s.step > 0)
    session.send(cmd.Set({"train.optimizer.lr": 0.0123}))
    snap = snapshot_where(session, lambda s: s.message == "lr 0.0123")
    assert snap.lr == pytest.approx(0.0123)
    assert snap.config.train.optimizer.lr == 0.0123


def test_a_bad_command_is_reported_and_changes_nothing(session):
    paused_snapshot(session)
    session.send(cmd.Set({"train.optimizer.lr": -1.0}))
    snap = snapshot_where(session, lambda s: s.message.startswith("error"))
    assert "lr" in snap.message
    assert snap.lr == CONFIG.train.optimizer.lr
    assert snap.config == CONFIG
    session.send(cmd.Set({"train.no_such_setting": 1}))
    snap = snapshot_where(session, lambda s: "unknown setting" in s.message)
    session.send(cmd.SetSpeed(-3))
    snap = snapshot_where(session, lambda s: "steps per second" in s.message)
    session.send("not a command")
    snap = snapshot_where(session, lambda s: "not a command" in s.message)
    session.send(cmd.StepOnce())  # still alive and steering
    assert next_snapshot(session, snap).step == snap.step + 1
    assert session.alive and session.error is None


def test_set_speed_is_acknowledged(session):
    paused_snapshot(session)
    session.send(cmd.SetSpeed(50))
    assert snapshot_where(session, lambda s: s.message == "50 steps/s")
    session.send(cmd.SetSpeed(None))
    assert snapshot_where(session, lambda s: s.message == "full speed")


def test_restart_starts_a_fresh_engine(session):
    old = snapshot_where(session, lambda s: s.step > 20)
    session.send(cmd.Set({"train.optimizer.lr": 0.05}))
    session.restart()  # the session's own config: the lr edit is gone
    snap = snapshot_where(session, lambda s: s.step < old.step and s.message == "")
    assert snap.config == CONFIG and session.alive


@pytest.mark.parametrize("kind", [InProcessSession, ProcessSession])
def test_close_ends_everything_quickly(kind):
    s = kind(CONFIG)
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    snapshot_where(s, lambda snap: snap.step > 0)
    start = time.monotonic()
    s.close()
    elapsed = time.monotonic() - start
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert multiprocessing.active_children() == []
    assert not s.alive and s.error is None
    assert elapsed < 2.0  # a hang guard, not a benchmark (close normally takes ~50 ms)
    s.close()  # idempotent
    s.send(cmd.Pause())  # harmless after close


def test_close_before_serve_and_serve_after_close():
    s = ProcessSession(CONFIG)
    s.close()
    s.serve()  # returns at once: nothing to serve
    assert s.latest() is None and multiprocessing.active_children() == []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_engine_is_reported_and_restart_brings_it_back():
    s = ProcessSession(CONFIG)
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    try:
        old = snapshot_where(s, lambda snap: snap.step > 0)
        pid = s.pid
        os.kill(pid, signal.SIGKILL)
        wait_until(s, lambda: not s.alive)
        assert "the engine process exited with code -9" in s.error
        assert s.pid is None and s.latest() is old  # the last picture stays on screen
        s.send(cmd.Pause())  # dropped, not an error
        s.restart()
        snap = snapshot_where(s, lambda snap: snap is not old)
        assert s.alive and s.error is None and s.pid not in (None, pid)
        assert snap.step < 1000
    finally:
        s.close()
        thread.join(TIMEOUT)
    assert multiprocessing.active_children() == []


def test_an_engine_that_cannot_start_says_why():
    bad = Config(data=DataConfig(name="moons", params={"no_such_param": 1}))
    s = ProcessSession(bad)
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    try:
        wait_until(s, lambda: s.error)
        assert "no_such_param" in s.error and not s.alive
    finally:
        s.close()
        thread.join(TIMEOUT)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_engine_process_starts_with_its_heap_on_huge_pages():
    s = ProcessSession(CONFIG)
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    try:
        snapshot_where(s, lambda x: x.step > 0)
        environ = Path(f"/proc/{s.pid}/environ").read_bytes().split(b"\0")
        tunables = [v for v in environ if v.startswith(b"GLIBC_TUNABLES=")]
        assert tunables and b"glibc.malloc.hugetlb=1" in tunables[0]
    finally:
        s.close()
        thread.join(TIMEOUT)
