"""KeyActions: what each key of the main view does, and which keys act now.

Textual runs a key's binding (``keys.APP_BINDINGS``) as the screen's ``action_<name>``
method, looked up on the screen by name, so the actions are the main view's own methods:
``training_screen.TrainingScreen`` is a ``KeyActions``, and makes the engine session and
the components these methods hand most keys to: ``run_controls.RunControls`` (the runs),
``view_keys.ViewKeys`` (how the panels show them), ``network_keys.NetworkKeys``,
``rewind.Rewind``, ``draw_keys.DrawKeys``, ``lesson_mode.LessonMode`` (a guided lesson's
steps) and ``locks.TeacherLocks`` (what a teacher locked: ``check_action`` hides those
keys, ``on_key`` says so when one is pressed). A key's command to the engine goes first on
screen (``send``, ``key_in_flight``).
"""

from __future__ import annotations

import time
from typing import Protocol, cast

from textual import events
from textual.screen import Screen

from nnterm.app import controls
from nnterm.app.draw_keys import DrawKeys
from nnterm.app.file_actions import export_order, save_runs
from nnterm.app.keys import APP_BINDINGS, bindings_of
from nnterm.app.lesson_mode import STEP_ACTIONS, LessonMode
from nnterm.app.live_runs import LiveRuns
from nnterm.app.locks import TeacherLocks, marked_locked
from nnterm.app.network_keys import NetworkKeys
from nnterm.app.panels import PICTURE
from nnterm.app.rewind import Rewind
from nnterm.app.run_controls import RunControls
from nnterm.app.screens import HelpScreen
from nnterm.app.sweep_screen import SWEEP_SCREEN
from nnterm.app.view_keys import ViewKeys
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.backprop import BackpropPanel
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import RunsState
from nnterm.engine.live.run_words import rate_text
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.training import commands as cmd

#: After a key's command, the slow panels wait this long (the status line does not).
KEY_QUIET = 0.15


class _PickerApp(Protocol):
    """The app as the main view calls it (``app.NntermApp``, which imports the view)."""

    def action_picker(self) -> None: ...


class KeyActions(Screen):
    """The main view's bindings and their actions (its base: never shown alone). The view
    sets the session, the lesson and the components they act on."""

    BINDINGS = [*APP_BINDINGS]  # (Textual's list is of Binding or tuples; ours all Binding)

    live: LiveRuns
    preset: Preset | None
    locks: TeacherLocks
    runs: RunControls
    view: ViewKeys
    lesson: LessonMode
    drawing: DrawKeys
    network: NetworkKeys
    rewind: Rewind
    status_line: StatusLine
    _quiet_until = 0.0  # (time.monotonic) a key's effect goes to the screen first until then

    def key_in_flight(self) -> bool:
        """Whether a key was just pressed: its effect goes to the screen first."""
        return time.monotonic() < self._quiet_until

    def _show_scope(self) -> None:
        snapshot = self.snapshot
        self.status_line.set_scope(self.runs.scope(snapshot.run if snapshot else ""))

    @property
    def snapshot(self) -> Snapshot | None:
        """The newest snapshot."""
        return self.live.snapshot

    @property
    def runs_state(self) -> RunsState | None:
        """The runs as the keys act on them (``live_runs.LiveRuns.state``)."""
        return self.live.state

    def send(self, command: rc.LiveCommand) -> None:
        """Queue ``command`` for the engine, and hold the slow panels back for
        ``KEY_QUIET`` seconds so that the status line shows its effect without waiting
        behind a plot's redraw."""
        if self.live.send(command):
            self.status_line.expect_message()
            self.status_line.show_coming()
            self._quiet_until = time.monotonic() + KEY_QUIET

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``escape`` only over a sweep's run; the step keys only with steps; a locked
        action is hidden and does not run (its key then says so: ``on_key``)."""
        if action == "back_to_sweep" and not self.app.is_screen_installed(SWEEP_SCREEN):
            return False
        if action in STEP_ACTIONS and not self.lesson.has_steps:
            return False
        if action in ("example", "unit", "feature", "edges") and not self.network.open:
            return False
        if action == "phase" and (self.snapshot is None or not self.snapshot.explaining):
            return False
        return action not in self.locks.locked

    def on_key(self, event: events.Key) -> None:
        """A key that did nothing because its action is locked says so."""
        if notice := self.locks.notice(event.key):
            self.notify(notice, title="Locked", timeout=3)

    # ------------------------------------------------------------------ actions
    def action_toggle_pause(self) -> None:
        """Pause or run; while a frame of the past is shown, back to live first."""
        if self.rewind.viewing:
            self.rewind.live()
        else:
            self.runs.toggle_pause()

    def action_rewind(self, direction: int, tenth: bool = False) -> None:
        """One frame back (-1) or forward (1) in the frames kept (``Rewind``); ``tenth``:
        a tenth of the run."""
        if direction < 0:
            self.rewind.back(tenth)
        else:
            self.rewind.forward(tenth)

    def action_step_once(self) -> None:
        self.runs.to_targets(cmd.StepOnce())

    def action_reset(self) -> None:
        """Every run from step 0; a stopped engine is started again."""
        if self.live.restart():
            self.status_line.engine_restarted()
            self.lesson.rewatch()
            if self.network.open:
                self.network.rewatch()
            if self.preset is not None and self.preset.view.backprop:
                self.send(rc.ExplainSteps(True))
        else:
            self.send(cmd.Reset())

    def action_reseed(self) -> None:
        self.send(cmd.Reseed())

    def action_learning_rate(self, direction: int) -> None:
        self.runs.change(lambda config: controls.learning_rate(config, direction))

    def action_batch_size(self, direction: int) -> None:
        self.runs.change(lambda config: controls.batch_size(config, direction))

    def action_optimizer(self) -> None:
        self.runs.change(lambda config: controls.optimizer(config)[1])

    def action_activation(self) -> None:
        self.runs.change(controls.activation)

    def action_init(self) -> None:
        self.runs.change(controls.init)

    def action_dropout(self) -> None:
        self.runs.change(controls.dropout)

    def action_weight_decay(self) -> None:
        self.runs.change(controls.weight_decay)

    def action_speed(self) -> None:
        """The next pace of the runs; while a frame of the past is shown, of its replay."""
        if self.rewind.viewing:
            self.rewind.replay()
            return
        pace = self.preset.view.steps_per_second if self.preset else None
        self.live.speed = speed = controls.speed(self.live.speed, pace)
        self.send(cmd.SetSpeed(speed))
        self.notify("full speed" if speed is None else rate_text(speed), title="Speed",
                    timeout=2)

    def action_select_run(self, direction: int) -> None:
        self.runs.select_run(direction)

    def action_select_run_number(self, number: int) -> None:
        self.runs.select_run_number(number)

    def action_scope(self) -> None:
        self.runs.toggle_scope()
        self._show_scope()

    def action_duplicate_run(self) -> None:
        if self.runs.duplicate_run():
            self.query_one("#runs").display = True
            self._show_scope()

    def action_remove_run(self) -> None:
        self.runs.remove_run()

    def action_log_scale(self) -> None:
        self.view.log_scale()

    def action_accuracy(self) -> None:
        self.view.curves()

    def action_validation(self) -> None:
        self.view.validation()

    def action_depth_metric(self) -> None:
        self.view.depth_metric()

    def action_gallery(self) -> None:
        self.view.gallery()

    def action_tiles(self) -> None:
        self.view.tiles()

    def action_confusion(self) -> None:
        self.view.confusion()

    def action_layer(self, direction: int) -> None:
        self.view.next_layer(direction)

    def action_lesson(self) -> None:
        self.view.lesson()

    def action_network(self) -> None:
        """The network view in the picture's place, or back."""
        self.network.toggle()
        if self.network.open and self.has_class("-compact"):
            self.query_one(f"#{PICTURE}").focus()  # (its arrows then, zoomed)
        self.fill_with_picture(self.network.open)

    def fill_with_picture(self, fill: bool) -> None:
        """On a small terminal, the picture panel fills the screen (as ``z`` zooms), where
        the column would leave it a few rows (the network view, drawing); or back."""
        picture = self.query_one(f"#{PICTURE}")
        if fill and self.has_class("-compact"):
            self.maximize(picture)
        elif not fill and self.maximized is picture:
            self.minimize()

    def action_example(self, direction: int) -> None:
        self.network.example(direction)

    def action_unit(self, columns: int, rows: int) -> None:
        self.network.move(columns, rows)

    def action_feature(self) -> None:
        self.network.enter()

    def action_edges(self) -> None:
        self.network.edges()

    def action_draw(self) -> None:
        self.drawing.toggle()

    def action_phase(self, direction: int) -> None:
        """The next or previous phase of the step explained; past the last, a step."""
        panel = self.query_one(BackpropPanel)
        if direction < 0:
            panel.previous_phase()
        elif not panel.next_phase():
            self.runs.to_targets(cmd.StepOnce())

    def action_zoom(self) -> None:
        self.view.zoom()

    def action_next_step(self) -> None:
        self.lesson.next()

    def action_previous_step(self) -> None:
        self.lesson.previous()

    def action_save_preset(self) -> None:
        state = self.runs_state  # (with the keys pressed just before, however quick)
        if self.preset is not None and state is not None:
            save_runs(self.preset, [(run.name, run.config) for run in state.runs],
                      self.notify, self.snapshot.drawn if self.snapshot else None)

    def action_export_torch(self) -> None:
        """The selected run as PyTorch, its weights now included: the engine writes it
        (``run_commands.ExportRun``) after the keys pressed before, and says so."""
        state = self.runs_state  # (with the keys pressed just before, however quick)
        if self.preset is not None and state is not None:
            self.send(export_order(self.preset, state.selected))

    def action_back_to_sweep(self) -> None:
        """Back to the sweep this run was opened from (its workers get the cores back)."""
        self.live.close()
        self.app.push_screen(SWEEP_SCREEN)

    def action_help(self) -> None:
        """Every key, locked ones marked; the step keys in a table of their own."""
        keys = [marked_locked(b, self.locks.locked) for b in APP_BINDINGS]
        self.app.push_screen(HelpScreen([b for b in keys if b.action not in STEP_ACTIONS],
                                        bindings_of(ArchitectureEditor),
                                        [b for b in keys if b.action in STEP_ACTIONS],
                                        drawing_bindings=[b for b in bindings_of(
                                            DecisionBoundary) if b.show]))

    # the app's own, shown among this view's keys
    def action_quit(self) -> None:
        self.app.exit()

    def action_picker(self) -> None:
        cast(_PickerApp, self.app).action_picker()

    def action_screenshot(self) -> None:
        self.app.action_screenshot()
