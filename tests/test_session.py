"""The live session: run_loop, both session kinds, pacing, and build_snapshot.

Every test that waits for the engine synchronises on snapshot arrival (``version`` /
``wait_for_update`` with a timeout), never on sleeping.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnterm.engine.live.process_session import ProcessSession
from nnterm.engine.live.run_loop import Pacer, run_loop
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.live.session import Session
from nnterm.engine.live.sessions import InProcessSession, open_session
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.live.snapshot_build import (
    build_snapshot,
    minmax_downsample,
    pool_blocks,
)
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)
from nnterm.engine.training.telemetry import PERCENTILES, HistogramSampler
from nnterm.engine.training.trainer import Trainer

CONFIG = Config(
    data=DataConfig(name="moons", n_train=200, n_val=200),
    model=ModelConfig(hidden=(16, 16), activation="tanh"),
    train=TrainConfig(steps=10**9),
)
TIMEOUT = 15.0  # generous: only a hang would reach it


# ---------------------------------------------------------------------------- helpers
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


@pytest.fixture(params=["in_process", "process"])
def session(request):
    s = open_session(CONFIG, in_process=request.param == "in_process")
    thread = threading.Thread(target=s.serve, daemon=True)
    thread.start()
    yield s
    s.close()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


# ---------------------------------------------------------------------------- sessions
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
    first = paused_snapshot(session)
    session.send(cmd.StepOnce())
    second = next_snapshot(session, first)
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


# ---------------------------------------------------------------------------- run_loop
class FakeClock:
    def __init__(self, tick: float = 0.0) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


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


# ---------------------------------------------------------------------------- build_snapshot
@pytest.fixture(scope="module")
def trained() -> Trainer:
    config = Config(
        data=DataConfig(name="moons", n_train=1000, n_val=600),
        model=ModelConfig(hidden=(16, 16)),
        train=TrainConfig(steps=400, log_every=1),
    )
    trainer = Trainer(config)
    trainer.run()
    return trainer


def test_minmax_downsampling_keeps_the_ends_and_the_extremes():
    rng = np.random.default_rng(0)
    n = 2000
    steps = np.arange(n) * 10
    a = rng.normal(size=n)
    a[777], a[1234] = 100.0, -100.0
    b = rng.normal(size=n)
    b[:500] = np.nan
    b[1500] = 50.0
    new_steps, (new_a, new_b) = minmax_downsample(steps, [a, b], 120)
    assert len(new_steps) <= 120 and len(new_a) == len(new_b) == len(new_steps)
    assert new_steps[0] == 0 and new_steps[-1] == steps[-1]
    assert np.all(np.diff(new_steps) > 0)
    assert new_a[0] == a[0] and new_a[-1] == a[-1]
    assert new_a.max() == 100.0 and new_a.min() == -100.0
    assert np.nanmax(new_b) == 50.0 and np.nanmin(new_b) == np.nanmin(b)
    assert np.isnan(new_b[: len(new_b) // 5]).all()  # the missing stretch stays missing


def test_minmax_downsampling_leaves_short_series_alone():
    steps, (col,) = minmax_downsample(np.arange(5), [np.arange(5.0)], 120)
    assert steps.tolist() == [0, 1, 2, 3, 4] and col.tolist() == [0, 1, 2, 3, 4]


def test_pooling_shapes_and_block_means():
    rng = np.random.default_rng(0)
    big, pooled = pool_blocks(rng.normal(size=(784, 256)), 48)
    assert big.shape == (48, 48) and pooled
    small, pooled = pool_blocks(np.ones((2, 16), dtype=np.float32), 48)
    assert small.shape == (2, 16) and not pooled and small.dtype == np.float64
    w = rng.normal(size=(96, 10))
    out, pooled = pool_blocks(w, 48)
    assert out.shape == (48, 10) and pooled
    assert out == pytest.approx((w[0::2] + w[1::2]) / 2)


def test_gradient_percentiles_are_tensorboards_basis_points_of_the_entries():
    rng = np.random.default_rng(0)
    small, big = rng.normal(size=(3, 5)), rng.normal(size=(100, 100))
    sampler = HistogramSampler([small.shape, big.shape], rng)
    exact, sampled = sampler.percentiles([small, big])
    assert exact == pytest.approx(np.quantile(small, PERCENTILES))
    assert exact[0] == small.min() and exact[-1] == small.max()
    # a big matrix: its fixed sample's percentiles, close to a standard normal's
    assert sampled[4] == pytest.approx(0.0, abs=0.05) and sampled[2] == pytest.approx(-1, abs=0.1)
    small[1, 2] = np.nan
    assert np.isnan(sampler.percentiles([small, big])[0]).all()


def test_snapshot_of_a_trained_run(trained):
    snap = build_snapshot(trained, series_points=60, heatmap_max=8)
    assert snap.step == 400 and snap.status == "finished"
    assert len(snap.series.steps) <= 60
    assert snap.series.steps[0] == 0 and snap.series.steps[-1] == 400
    assert snap.series.train_acc is not None and len(snap.series.val_acc) == len(snap.series.steps)
    assert [v.weights.shape for v in snap.layers] == [(2, 8), (8, 8), (8, 2)]
    assert [v.pooled for v in snap.layers] == [True, True, True]
    assert [v.activation for v in snap.layers] == ["tanh", "tanh", "output"]
    assert np.isnan(snap.layers[-1].dead_frac)
    for view in snap.layers:
        band = view.grad_band
        assert band.shape == (len(view.band_steps), 9) and len(view.band_steps) <= 60
        assert view.band_steps[0] == 0 and view.band_steps[-1] == 400
        assert np.all(np.diff(band, axis=1) >= 0)  # min <= 7 <= 16 ... <= 93 % <= max
        assert band[-1] == pytest.approx(trained.history.latest.grad_percentiles[view.index])
        assert view.grad_hist.sum() > 0
    pickle.loads(pickle.dumps(snap))  # it crosses a process boundary


def test_snapshot_arrays_are_copies(trained):
    snap = build_snapshot(trained)
    before = snap.layers[0].weights.copy()
    trained.net.params[0][...] += 1.0
    try:
        assert np.array_equal(snap.layers[0].weights, before)
    finally:
        trained.net.params[0][...] -= 1.0


def test_boundary_for_moons(trained):
    snap = build_snapshot(trained, boundary_resolution=40)
    b = snap.boundary
    assert b.classes.shape == b.confidence.shape == (40, 40)
    assert set(np.unique(b.classes)) == {0, 1}
    assert np.all((b.confidence >= 0.5) & (b.confidence <= 1.0))
    # fitted to the data: a square over its bounding box with a tenth of a margin
    data = np.concatenate([trained.dataset.X_train, trained.dataset.X_val])
    lo, hi = data.min(axis=0), data.max(axis=0)
    x0, x1, y0, y1 = b.extent
    assert x1 - x0 == pytest.approx(y1 - y0) == pytest.approx(1.2 * (hi - lo).max())
    assert x0 < lo[0] and x1 > hi[0] and y0 < lo[1] and y1 > hi[1]
    assert (x0 + x1) / 2 == pytest.approx((lo[0] + hi[0]) / 2)
    assert len(b.train_points) == 400 and len(b.val_points) == 400
    assert b.train_points.shape == (400, 2) and b.train_labels.shape == (400,)
    # row 0 is the top of the plane: its cells sit at the largest y
    x0, x1, y0, y1 = b.extent
    top = np.array([[x0 + (x1 - x0) * (j + 0.5) / 40, y1 - (y1 - y0) * 0.5 / 40]
                    for j in range(40)])
    assert np.array_equal(trained.loss.predict(trained.net.forward(top)), b.classes[0])


def test_boundary_with_a_sigmoid_head_and_with_three_classes():
    binary = Trainer(Config(data=DataConfig(name="moons"),
                            model=ModelConfig(loss="binary_cross_entropy")))
    b = build_snapshot(binary, boundary_resolution=10).boundary
    assert b.classes.shape == (10, 10) and np.all(b.confidence >= 0.5)
    blobs = Trainer(Config(data=DataConfig(name="blobs", params={"n_classes": 3})))
    b = build_snapshot(blobs, boundary_resolution=12).boundary
    assert b.classes.shape == (12, 12) and set(np.unique(b.classes)) <= {0, 1, 2}
    assert np.all(b.confidence >= 1 / 3 - 1e-12)
    x0, x1, y0, y1 = b.extent  # padded data bounds (blobs have no extent)
    X = blobs.dataset.X_train
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and y0 < X[:, 1].min()


def test_no_boundary_for_regression():
    trainer = Trainer(Config(data=DataConfig(name="teacher_student", params={"dim": 2}),
                             model=ModelConfig(loss="mse")))
    snap = build_snapshot(trainer)
    assert snap.boundary is None
    assert snap.series.train_acc is None and snap.train_acc is None


def test_image_inputs_give_first_layer_tiles():
    from nnterm.engine.live.snapshot_build import MAX_TILES, first_layer_tiles

    w = np.arange(64 * 20, dtype=float).reshape(64, 20)
    tiles = first_layer_tiles(w, (8, 8))
    assert tiles.shape == (MAX_TILES, 8, 8)
    np.testing.assert_array_equal(tiles[3], w[:, 3].reshape(8, 8))
    assert first_layer_tiles(w, None) is None
    assert first_layer_tiles(w, (4, 4)) is None


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
