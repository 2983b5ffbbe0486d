"""Waiting on a live session: on its update counter (``version`` / ``wait_for_update``
with a timeout), never by sleeping; and the endless moons run the session tests drive."""

from __future__ import annotations

import time

from nnterm.engine.live.session import Session
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, DataConfig, ModelConfig, TrainConfig

CONFIG = Config(
    data=DataConfig(name="moons", n_train=200, n_val=200),
    model=ModelConfig(hidden=(16, 16), activation="tanh"),
    train=TrainConfig(steps=10**9),
)
TIMEOUT = 15.0  # generous: only a hang would reach it


def wait_until(session: Session, condition, timeout: float = TIMEOUT):
    """Wait (on the session's update counter, not by sleeping) until ``condition()`` is
    truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        seen = session.version
        value = condition()
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out; latest: {session.latest()!r:.300}")
        session.wait_for_update(seen, left)


def snapshot_where(session: Session, predicate) -> Snapshot:
    return wait_until(session, lambda: (s := session.latest()) is not None and predicate(s) and s)


def next_snapshot(session: Session, after: Snapshot) -> Snapshot:
    return snapshot_where(session, lambda s: s is not after)


def paused_snapshot(session: Session) -> Snapshot:
    session.send(cmd.Pause())
    return snapshot_where(session, lambda s: s.paused)
