"""LiveRuns: the main view's side of the engine session training a lesson's runs.

It opens the session (by default the engine trains in the session's thread while the
lesson is paced and in a child process at full speed: ``moving_session``) and
serves it from a thread of its own, sends commands (noting each in an ``Expectation``, so
that ``state`` is the runs as the engine will have them once it has taken every command
sent) and takes the newest snapshot when the session has news (``poll``). No widgets: the
screen draws what ``poll`` returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import Expectation, RunsState, RunState
from nnterm.engine.live.pace import FPS
from nnterm.engine.live.session import Session
from nnterm.engine.live.sessions import open_session
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.preset_format.preset import BASE, Preset
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.saved_run import SavedRun
from nnterm.engine.training.status import TRAINING

#: ``speed`` values besides a number of steps per second: the lesson's own pace, full speed.
PRESET_PACE, FULL_SPEED = "preset", "full"


@dataclass(frozen=True)
class News:
    """What ``poll`` found: a new snapshot, and the error of an engine that just stopped."""

    snapshot: Snapshot | None = None
    error: str = ""


class LiveRuns:
    """One session at a time: the lesson training now."""

    def __init__(self, *, in_process: bool = False, fps: float = FPS,
                 speed: float | str = PRESET_PACE, paused: bool = False,
                 resume: SavedRun | None = None) -> None:
        """``in_process``: the engine in the session's thread, not a child process;
        ``speed``: steps (of every run) per second, ``"full"``, or ``"preset"`` for the
        lesson's own pace, for the first lesson opened; ``paused``: it opens paused;
        ``resume``: its base run goes on from there (``--from-state``), first lesson only."""
        self.in_process = in_process
        self.fps = fps
        self.speed_choice = speed
        self.speed: float | None = None  # steps per second now (None: full speed)
        self.start_paused = paused
        self.resume = resume
        self.session: Session | None = None
        self.snapshot: Snapshot | None = None  # the newest
        self.expectation = Expectation()
        self._opening: RunsState | None = None  # the runs as the lesson opens them
        self._config: Config | None = None  # the lesson's, until a snapshot says more
        self._seen_version = -1
        self._error_said = False

    def open(self, preset: Preset, on_update: Callable[[], None]) -> list[rc.LiveCommand]:
        """Close any session and open one for ``preset``'s runs (base and variants);
        ``on_update`` is called from the session's thread at its news. Returns the
        commands the lesson opens with (its pace unless ``speed`` said otherwise; a pause;
        its steps explained, for a lesson on the backprop view),
        to send before ``serve``."""
        self.close()
        variants = tuple((name, with_changes(preset.config, changes))
                         for name, changes in preset.compare.items())
        if self.speed_choice == PRESET_PACE:
            self.speed = preset.view.steps_per_second
        elif self.speed_choice == FULL_SPEED:
            self.speed = None
        else:
            self.speed = float(self.speed_choice)
        self.speed_choice = PRESET_PACE  # --speed holds for the first preset only
        self.session = open_session(preset.config, in_process=self.in_process, fps=self.fps,
                                    variants=variants, paced=self.speed is not None)
        self.session.on_update = on_update
        self.expectation.clear()  # (a new session numbers its commands from 1)
        self._config, self._seen_version, self._error_said = preset.config, -1, False
        self.snapshot = None
        self._opening = RunsState(tuple(RunState(name, config, 0, TRAINING, False) for
                                        name, config in ((BASE, preset.config), *variants)),
                                  BASE)
        opening: list[rc.LiveCommand] = []
        if self.resume is not None:
            opening.append(rc.ResumeRun(BASE, self.resume))
            self.resume = None
        if self.speed is not None:
            opening.append(cmd.SetSpeed(self.speed, announce=False))
        if self.start_paused or preset.view.backprop:  # (a step explained waits for j)
            self.start_paused = False
            opening.append(cmd.Pause())
        if preset.view.backprop:
            opening.append(rc.ExplainSteps(True))
        return opening

    def serve(self) -> None:
        """Run the session in a thread of its own (see nnterm.engine.live.session).

        A daemon thread, not a Textual worker: those run in asyncio's executor, whose
        threads the interpreter joins at exit, so quitting ``--in-process`` in the middle
        of a long step waited for the step to end (5-11 s on a big net). The session's
        ``close`` already stops the engine; nothing is left to wait for."""
        if self.session is not None:
            threading.Thread(target=self.session.serve, name="nnterm-session",
                             daemon=True).start()

    def close(self) -> None:
        """Stop the session, if any (its engine ends)."""
        if self.session is not None:
            self.session.close()
            self.session = None

    def send(self, command: rc.LiveCommand) -> bool:
        """Queue ``command`` for the engine; False without a session."""
        if self.session is None:
            return False
        self.expectation.sent(self.session.send(command), command)
        return True

    @property
    def state(self) -> RunsState | None:
        """The runs as the keys act on them: the newest snapshot with every command sent
        since replayed on it (``live.expectation``), so that quick keys add up; before
        the first snapshot, the runs as the lesson opens them, so that a key pressed as
        the app starts counts too. None without a session."""
        if self.session is None or self._opening is None:
            return None
        snapshot = self.snapshot
        if snapshot is None:
            return self.expectation.replayed(self._opening)
        return self.expectation.state(snapshot)

    def coming_config(self, run: str) -> Config | None:
        """``run``'s settings once the engine has taken every command sent (``state``):
        the status line shows a changed one at once. None for a run it does not know."""
        state = self.state
        return next((r.config for r in state.runs if r.name == run), None) if state else None

    def poll(self) -> News:
        """The session's news since the last poll: a snapshot not seen yet, and the error
        of an engine that stopped (said once)."""
        session = self.session
        if session is None or session.version == self._seen_version:
            return News()
        self._seen_version = session.version
        error = ""
        if not session.alive and session.error and not self._error_said:
            self._error_said, error = True, session.error
        snapshot = session.latest()
        if snapshot is None or snapshot is self.snapshot:
            return News(error=error)
        self.snapshot = snapshot
        return News(snapshot, error)

    def restart(self) -> bool:
        """Start an engine that stopped again, with the runs' settings as the keys left
        them; False (nothing done) if it runs."""
        session = self.session
        if session is None or session.alive or not session.error:
            return False
        self._error_said = False
        state = self.state
        session.restart(state.current.config if state else self._config)
        return True
