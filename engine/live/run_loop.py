"""The loop that drives a lesson's runs from commands and publishes snapshots.

``run_loop`` is the one loop behind every session (``live.session``): it steps every run
of a ``RunSet`` in lockstep, between steps it applies the commands that arrived, and it
publishes a Snapshot at most ``fps`` times a second (and at once after a command, so a
changed value shows without delay). A fixed speed (steps of every run per second) is kept
by a ``Pacer``; a diverged run pauses itself; a bad command is reported in the snapshot's
message and rolled back, never fatal.
"""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.all_or_nothing import apply_each
from nnterm.engine.live.claim_watch import claim_verdicts
from nnterm.engine.live.frame import (
    build_frame,
    current_records,
    text_samples,
)
from nnterm.engine.live.pace import CATCH_UP, FPS, Pacer, StepRate
from nnterm.engine.live.pictures import keeps_pictures, pictured
from nnterm.engine.live.plane import HeldBoundaries, Interrupted
from nnterm.engine.live.run_export import export_run
from nnterm.engine.live.run_set import RunSet, describe_runs
from nnterm.engine.live.run_words import describe, describe_error, rate_text
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.saved_run import restore, save, write_saved_run
from nnterm.engine.training.status import DIVERGED
from nnterm.engine.training.trainer import Trainer

#: Longest wait for a command while paused, finished or between paced steps, before
#: ``should_stop`` is checked again (keeps quitting fast without a busy loop).
IDLE_WAIT = 0.1
#: While stepping, look for commands at most this often (a pipe poll is a system call:
#: once per 100 µs step it costs ~10% of the speed; a 2 ms delay is imperceptible).
POLL_INTERVAL = 0.002
#: How often a next-token lesson's panel gets newly written text (seconds).
SAMPLE_SECONDS = 3.0
#: While runs train, their decision boundaries are drawn anew at most this often (and at
#: once after a command that changes them: ``keeps_pictures``): half the default picture
#: panel's redraw period (``app.redraw``), so a picture drawn is at most this old.
PICTURE_SECONDS = 0.5
#: Weight of the newest step in ``LoopState.step_seconds``, the moving mean of a step's
#: time, and how many steps it takes before a ``Move`` is asked about it.
STEP_WEIGHT, STEPS_MEASURED = 0.1, 20

#: Whether a loop's runs should move to another engine (``moving_session``), asked after
#: a change of speed and at every snapshot with the speed (None: full) and the mean CPU
#: seconds of a step of every run (0.0 while not measured yet).
Move = Callable[[float | None, float], bool]


@dataclass
class LoopState:
    """What a run loop hands on when its runs move to another engine: the runs, and all
    the loop was told or keeps between snapshots, so that the next loop (``run_loop``
    given this state) goes on where this one stopped."""

    runs: RunSet
    speed: float | None
    commands_taken: int
    message: str = ""
    network_point: int | None = None
    explain: bool = False
    watched: tuple[Any, ...] = ()
    samples: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sample_seed: int = 0
    step_seconds: float = 0.0


class Inbox(Protocol):
    """Where commands come from: ``queue.SimpleQueue`` or the child's pipe reader.
    ``get`` raises ``queue.Empty`` when nothing arrived in time; ``empty`` says whether
    nothing waits."""

    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    def get_nowait(self) -> Any: ...

    def empty(self) -> bool: ...


# ---------------------------------------------------------------------------- the loop
def run_loop(
    runs: RunSet | LoopState,
    inbox: Inbox,
    publish: Callable[[Snapshot], None],
    *,
    fps: float = FPS,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
    idle_wait: float = IDLE_WAIT,
    commands_before: int = 0,
    move: Move | None = None,
) -> LoopState | None:
    """Drive ``runs`` until a ``Stop`` command arrives or ``should_stop()`` (checked
    before every step) says so, or ``move`` says they should move: then return their
    ``LoopState``, which another loop (in another process) takes up as its ``runs``.

    Each turn: apply every pending command (``SetSpeed``, ``Stop`` and the run commands
    here, the rest with ``Trainer.apply`` on every run or on those a ``ToRuns`` names; at
    full speed the inbox is looked at every ``POLL_INTERVAL`` of ``clock``), take a step of
    every run that may step (``RunSet.tick``), and publish a snapshot if a command changed
    something, or ``1 / fps`` seconds passed since the last one. While every run is paused
    or done it publishes what it has, then blocks on the inbox for up to ``idle_wait``
    seconds at a time (no busy loop). At a fixed speed it waits the same way, so commands
    are still taken at once, until the next snapshot is due (``idle_wait`` at most), and
    then takes the steps the ``Pacer`` had due meanwhile, one after another, before it
    publishes: a snapshot shows the same step as if they had been taken one by one, but
    the loop wakes a few times a second, not at every step, and steps with the caches
    warm. Every snapshot at a fixed speed measures the runs at the step it shows
    (``build_frame(current=True)``).

    A run that diverges pauses itself: its view says ``diverged`` and ``stop_reason`` names
    the step. A command that fails (an unknown setting, a bad value, an unknown run)
    changes nothing and is reported in the snapshot's ``message``; so is an error inside a
    step, which pauses that run.

    Every snapshot says how many commands were taken so far (``commands_taken``), counted
    from ``commands_before``: the commands a session sent to engines before this one (or
    from the ``LoopState``'s).
    """
    state = runs if isinstance(runs, LoopState) else LoopState(runs, None, commands_before)
    driver = _Driver(state, publish, fps, clock, move)
    return driver.run(inbox, should_stop, idle_wait)


class _Driver:
    def __init__(
        self, state: LoopState, publish: Callable[[Snapshot], None], fps: float,
        clock: Callable[[], float], move: Move | None = None,
    ) -> None:
        self.runs = state.runs
        self.publish_fn = publish
        self.clock = clock
        self.move = move
        self.interval = 1.0 / fps if fps > 0 else 0.0
        self.pacer = Pacer(state.speed, clock)
        self.rate = StepRate()
        self.message = state.message
        self.dirty = True  # a change not yet published
        self.unpublished = 0  # steps taken since the last snapshot
        self.stepped_shown = False  # whether a snapshot has shown a step taken here
        self.steps = 0  # steps taken by this loop (for the rate)
        self.last_publish = -math.inf
        self.last_poll = -math.inf
        self.last_samples = -math.inf
        self.boundaries = HeldBoundaries()  # drawn anew every PICTURE_SECONDS at most
        self.pictures_due = -math.inf  # when the next snapshot draws its pictures anew
        self.pictures_kept = False  # the only news are commands that keep the pictures
        #: what the runs' pictures were drawn from at the last measure of their current
        #: losses (at a pace), and those losses
        self.losses_at: tuple[list[tuple[object, ...]], dict[str, Any]] | None = None
        self.sample_seed = state.sample_seed
        # the newest text the models wrote (Snapshot.samples)
        self.samples = state.samples
        # rc.WatchNetwork's: None, no network view
        self.network_point: int | None = state.network_point
        self.explain = state.explain  # rc.ExplainSteps's: the last step explained
        self.stopped = False
        self.watched = state.watched  # claims judged at every snapshot (rc.WatchClaims)
        self.commands_taken = state.commands_taken  # every command handled, failed ones too
        self.step_seconds = state.step_seconds  # a step's mean time (measured with ``move``)
        self.measured = STEPS_MEASURED if state.step_seconds else 0  # steps timed so far
        self.moving = False  # ``move`` said yes

    def state(self) -> LoopState:
        """The loop as another one takes it up (``run_loop``'s ``runs``)."""
        return LoopState(self.runs, self.pacer.steps_per_second, self.commands_taken,
                         self.message, self.network_point, self.explain, self.watched,
                         self.samples, self.sample_seed, self.step_seconds)

    def ask_move(self) -> None:
        """Ask ``move`` whether the runs should go (once their step time is measured)."""
        if self.move is not None:
            seconds = self.step_seconds if self.measured >= STEPS_MEASURED else 0.0
            self.moving = self.move(self.pacer.steps_per_second, seconds)

    def run(self, inbox: Inbox, should_stop: Callable[[], bool],
            idle_wait: float) -> LoopState | None:
        self.pacer.catch_up = CATCH_UP + idle_wait  # (steps due while it waited: see wait)
        self.publish()
        # from now on, pictures drawn anew give way to a command that arrives meanwhile
        # (``publish``: the first snapshot is drawn whole, whatever waits)
        self.boundaries.interrupt = lambda: not inbox.empty()
        while not self.stopped and not should_stop():
            if self.moving:
                return self.state()
            now = self.clock()
            if now - self.last_poll >= POLL_INTERVAL:
                self.last_poll = now
                self.drain(inbox)
                if self.stopped:
                    break
                self.show_settings()
            if (self.pacer.steps_per_second is not None and not self.runs.idle
                    and not self.runs.stepping_on_request):
                delay = self.pacer.delay()
                if delay > 0:
                    self.publish_if_due(idle=False, now=now)
                    until_snapshot = self.last_publish + self.interval - self.clock()
                    self.wait(inbox, min(max(delay, until_snapshot), idle_wait))
                    continue
            stepped = self.tick()
            self.publish_if_due(idle=not stepped, now=now)
            if not stepped:
                self.rate.clear()
                self.wait(inbox, idle_wait)
        return None

    # -- commands
    def drain(self, inbox: Inbox) -> None:
        for _ in range(1000):  # commands come at human rates; never starve the steps
            try:
                command = inbox.get_nowait()
            except queue.Empty:
                return
            self.handle(command)
            if self.stopped:
                return

    def wait(self, inbox: Inbox, timeout: float) -> None:
        try:
            command = inbox.get(timeout=timeout)
        except queue.Empty:
            return
        self.handle(command)
        self.show_settings()

    def current_losses(self) -> dict[str, Any]:
        """The runs' losses at the step they are at (``frame.current_records``), measured
        anew unless only settings changed since the last measure, with no step taken
        (the key's snapshot, before the next step: vanishing_gradients' four deep runs
        take 95 ms to measure on their data, the same numbers again)."""
        shown = pictured(self.runs)
        if not (self.pictures_kept and self.losses_at is not None
                and self.losses_at[0] == shown):
            self.losses_at = shown, current_records(self.runs)
        return self.losses_at[1]

    def show_settings(self) -> None:
        """Publish now if the only news are commands that keep the pictures (a setting,
        the speed, the run shown: ``pictures_kept``), before the next step rather than
        after it (regularization's step: 3-5 ms). A step asked for (``StepOnce``) is
        shown once taken, as are the other commands."""
        if self.pictures_kept and not self.stopped:
            self.publish(on_pace=False)

    def handle(self, command: Any) -> None:
        kept = self.pictures_kept or not self.dirty  # (no other news waits to be shown)
        self.dirty = True
        self.commands_taken += 1
        runs = self.runs
        shown = pictured(runs) if keeps_pictures(command) else None
        try:
            match command:
                case cmd.Stop():
                    self.stopped = True
                case cmd.SetSpeed(steps_per_second=sps, announce=announce):
                    self.pacer.set_speed(sps)
                    self.ask_move()
                    if announce:
                        self.message = ("full speed" if self.pacer.steps_per_second is None
                                        else rate_text(self.pacer.steps_per_second))
                case rc.SelectRun(run=name):
                    runs.select(name)
                    self.message = f"showing {name}"
                case rc.DuplicateRun(run=name, name=new_name):
                    runs.duplicate(name, new_name)
                    self.message = f"{new_name}: a copy of {name} at step " \
                                   f"{runs[new_name].step_count}"
                case rc.RemoveRun(run=name):
                    runs.remove(name)
                    self.message = f"removed {name}"
                case rc.ToRuns(command=inner, runs=names):
                    self.apply(inner, runs.targets(names))
                case rc.SetEach(changes=per_run):
                    self.set_each(per_run)
                case rc.WatchClaims(claims=claims):
                    self.watched = tuple(claims)
                case rc.WatchNetwork(point=point):
                    self.network_point = point
                case rc.ExplainSteps(on=on):
                    self.explain = on
                    for trainer in runs.trainers:
                        trainer.explaining = on
                case rc.ExportRun(run=name):
                    self.message = export_run(runs[name], command)
                case rc.SaveRun(run=name, path=path, preset=preset):
                    write_saved_run(path, save(runs[name]), preset)
                case rc.ResumeRun(run=name, saved=saved):
                    restore(runs[name], saved)
                    self.message = f"your own copy, from step {saved.step}"
                case _:
                    self.apply(command, runs.targets(None))
        except Exception as exc:  # a bad command must never end the session
            self.message = f"error: {describe_error(exc)}"
        for t in runs.trainers:  # a reset starts a new path across the loss plane
            runs.paths.record(t)
        self.pictures_kept = kept and shown is not None and shown == pictured(runs)

    def apply(self, command: Any, targets: list[Trainer]) -> None:
        """``command`` on each target; the message names the runs unless it is all."""
        apply_each([(t, command) for t in targets])
        message = describe(command, targets[0])
        if len(targets) < len(self.runs.names):
            message = f"{describe_runs(targets)}: {message}"
        self.message = message

    def set_each(self, per_run: Mapping[str, Mapping[str, Any]]) -> None:
        """Each named run's own Set; the message says what each run took, once for all
        when they took the same (the status line has one line for it)."""
        pairs = [(t, cmd.Set(per_run[t.run_name])) for t in self.runs.targets(list(per_run))]
        apply_each(pairs)
        said = [(t.run_name, describe(c, t)) for t, c in pairs]
        if len({text for _, text in said}) == 1:
            everyone = len(pairs) == len(self.runs.names)
            self.message = said[0][1] if everyone else (
                f"{describe_runs([t for t, _ in pairs])}: {said[0][1]}")
        else:
            self.message = " · ".join(f"{name}: {text}" for name, text in said)

    # -- stepping
    def tick(self) -> bool:
        if self.move is None:
            stepped, failed = self.runs.tick()
        else:  # the thread's own CPU time: a step that waited for the GIL or a busy
            start = time.thread_time()  # core took no more of a core than it did
            stepped, failed = self.runs.tick()
            if stepped:
                self.time_step(time.thread_time() - start)
        for t, exc in failed:
            self.message = f"error in {t.run_name} at step {t.step_count}: " \
                           f"{describe_error(exc)}; paused"
            self.dirty, self.pictures_kept = True, False
        if not stepped:
            return False
        self.pacer.stepped()
        self.steps += 1
        self.unpublished += 1
        for t in stepped:
            if t.done:
                self.dirty, self.pictures_kept = True, False
                if t.status == DIVERGED and not t.paused:
                    t.apply(cmd.Pause())
                    named = f"{t.run_name} " if len(self.runs.names) > 1 else ""
                    self.message = f"{named}diverged: {t.stop_reason}; paused"
        return True

    def time_step(self, seconds: float) -> None:
        """Fold a step's ``seconds`` into ``step_seconds`` (the first one as it is)."""
        weight = STEP_WEIGHT if self.measured else 1.0
        self.step_seconds += weight * (seconds - self.step_seconds)
        self.measured += 1

    # -- publishing
    def publish_if_due(self, idle: bool, now: float) -> None:
        """Publish if a command changed something, or steps were taken and the runs went
        idle, or ``1 / fps`` passed, or none was shown yet (a lesson says it trains as
        soon as it does). ``now``: the clock at the top of this turn, so that the hot loop
        reads the clock once a step."""
        if self.dirty or (self.unpublished and (idle or not self.stepped_shown or (
                now - self.last_publish >= self.interval and self.steps_taken(now)))):
            self.publish()

    def steps_taken(self, now: float) -> bool:
        """Whether the steps due are all taken (at a fixed speed: the ones due while the
        loop waited are taken together, then shown), or they fall behind the speed by
        more than ``catch_up`` (then shown as they are)."""
        pacer = self.pacer
        return (pacer.steps_per_second is None or pacer.delay() > 0
                or now - self.last_publish >= self.interval + pacer.catch_up)

    def publish(self, on_pace: bool = True) -> None:
        """Publish a snapshot of the runs. Every ``SAMPLE_SECONDS`` (and on a change while
        idle) the models write new text; every snapshot carries the newest, since a UI
        draws only some of them (the latest, and a slow panel only in its turn): text
        sent in one snapshot of 24 was seen about once in 15 s. A snapshot off the pace
        (``show_settings``: a setting's, between two steps) does not put the next one
        back: the steps after it are shown when they would have been (a lesson's first
        step waited a whole interval behind the pace its opening sets)."""
        now = self.clock()
        self.rate.mark(now, self.steps)
        running = not self.runs.idle
        if now - self.last_samples >= SAMPLE_SECONDS or (self.dirty and not running):
            self.last_samples, self.sample_seed = now, self.sample_seed + 1
            self.samples = text_samples(self.runs, self.sample_seed)
        if self.pictures_kept and running:
            # a key's effect on the numbers shows at once, without waiting for pictures
            # it does not change (the app holds its slow panels back after a key anyway,
            # ``key_actions.KEY_QUIET``); the next snapshot draws them anew
            renew, self.pictures_due = False, min(self.pictures_due, now)
        else:
            renew = self.dirty or not running or now >= self.pictures_due
        current = self.pacer.steps_per_second is not None
        self.boundaries.start_renewing(renew)
        try:
            snapshot = build_frame(
                self.runs, steps_per_second=self.rate.value if running else 0.0,
                message=self.message, current=current,
                samples=self.samples, claims=claim_verdicts(self.watched, self.runs),
                commands_taken=self.commands_taken, network_point=self.network_point,
                explain=self.explain, boundary_of=self.boundaries,
                measured=self.current_losses() if current else None,
            )
        except Interrupted:
            # a command came while the pictures were drawn anew (regularization: 30 ms):
            # it is taken first, and its snapshot (or the next) draws them
            return
        self.boundaries.renewed()
        if renew:
            self.pictures_due = now + PICTURE_SECONDS
        if on_pace:
            self.last_publish = now
        self.stepped_shown = self.stepped_shown or self.unpublished > 0
        self.dirty, self.unpublished = False, 0
        self.pictures_kept = False
        self.publish_fn(snapshot)
        if self.measured >= STEPS_MEASURED:  # (a change of speed asks at once)
            self.ask_move()
