"""TrainingScreen: the main view. A lesson's runs train live; keys steer them.

The screen owns the engine session of the lesson training (``live_runs.LiveRuns``: commands
in, snapshots out), its panels (declared in ``panels``, drawn by ``panel_set.PanelSet`` at
the redraw rates) and its keys (``keys.APP_BINDINGS``, its bindings). What the keys do is
in components it hands itself to: ``run_controls.RunControls`` (the runs), ``view_keys.
ViewKeys`` (how the panels show them), ``lesson_mode.LessonMode`` (a guided lesson's
steps) and ``locks.TeacherLocks`` (what a teacher locked, shared with the app).

A lesson's runs (its base run and ``compare`` variants) train side by side in lockstep.
One run is selected: the detail panels show it. The setting keys change the selected run
or every run, each from its own value (``g`` toggles which); space and step follow the
same choice; reset and reseed always restart every run together.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from nnterm.app import controls
from nnterm.app.answers_file import AnswersFile
from nnterm.app.draw_keys import DrawKeys
from nnterm.app.file_actions import export_order, save_runs
from nnterm.app.heap import QuietHeap
from nnterm.app.keys import APP_BINDINGS, bindings_of
from nnterm.app.lesson_mode import STEP_ACTIONS, LessonMode
from nnterm.app.lesson_steps import LessonSteps
from nnterm.app.live_runs import LiveRuns
from nnterm.app.locks import EDITS_NOTICE, TeacherLocks, marked_locked
from nnterm.app.network_keys import NetworkKeys
from nnterm.app.newest_size import NewestSize
from nnterm.app.panel_set import PanelSet
from nnterm.app.panels import PICTURE, PICTURES, placed
from nnterm.app.question_screen import QuestionScreen
from nnterm.app.redraw import RedrawRates
from nnterm.app.rewind import Rewind
from nnterm.app.run_controls import RunControls
from nnterm.app.screens import HelpScreen
from nnterm.app.sweep_screen import SWEEP_SCREEN
from nnterm.app.view_keys import ViewKeys
from nnterm.app.widgets.architecture import ArchitectureEditor, EditOutcome
from nnterm.app.widgets.backprop import BackpropPanel
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.status_line import StatusLine
from nnterm.app.widgets.step_panel import StepPanel
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import RunsState
from nnterm.engine.live.run_words import rate_text
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.preset_format.preset import Preset, Question
from nnterm.engine.training import commands as cmd

#: Below this size the panels stack in one scrolling column (zoom still fills the screen).
COMPACT_WIDTH, COMPACT_HEIGHT = 110, 34
#: After a key's command, the slow panels wait this long (the status line does not).
KEY_QUIET = 0.15


class _PickerApp(Protocol):
    """The app as this screen calls it (``app.NntermApp``, which imports this module)."""

    def action_picker(self) -> None: ...


class TrainingScreen(NewestSize, Screen):
    """The runs of the open lesson, trained live; keys steer them between steps."""

    AUTO_FOCUS = "#loss"  # the footer then lists the view's own keys first
    BINDINGS = [*APP_BINDINGS]  # (Textual's list is of Binding or tuples; ours all Binding)

    class SnapshotReady(Message):
        """The session has something new (a snapshot, or the engine stopped)."""

    def __init__(self, live: LiveRuns, rates: RedrawRates, locks: TeacherLocks, *,
                 lesson: bool = False, answers: AnswersFile | None = None) -> None:
        """``live``: the engine session's side; ``rates``: how often panels redraw;
        ``locks``: the teacher's; ``lesson``: a preset opens at its first guided step;
        ``answers``: where the answers to its questions go."""
        super().__init__()
        self.live = live
        self.rates = rates
        self.locks = locks
        self.preset: Preset | None = None
        self.runs = RunControls(self)
        self.view = ViewKeys(self)
        self.lesson = LessonMode(self, started=lesson, answers=answers)
        self.drawing = DrawKeys(self, locked=lambda: self.locks.drawing_locked)
        self.network = NetworkKeys(self, change=self.runs.change,
                                   dialog=lambda screen, then: self.app.push_screen(screen, then))
        self.rewind = Rewind(self)
        self._past: Snapshot | None = None  # the frame of the past drawn last
        self._quiet_until = 0.0
        self._seen_run = ""
        self._seen_diagnoses = 0
        #: set once the panels are composed and mounted: a lesson can open
        self.composed = asyncio.Event()

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status", note=self.rates.label, min_lines=self.rates.status_lines,
                         optimizer_label=controls.optimizer_label, coming=self.live.coming_config)
        with Horizontal(id="body"):
            # panels first: on a small terminal they stack, and the live ones come first;
            # the run table between every run's pictures (it is their legend) and the
            # selected run's insides, where a long list of runs takes no room from the
            # architecture and the lesson
            with Vertical(id="panels"):
                with Horizontal(id="runs-plots", classes="plots"):
                    yield from placed("plots", self)
                    with ContentSwitcher(id=PICTURE, initial=PICTURES[0].name,
                                         classes="panel") as picture:
                        picture.border_title = PICTURES[0].title
                        picture.can_focus = True
                        yield from placed("picture", self)
                yield from placed("between", self)
                with Horizontal(id="run-insides", classes="plots"):
                    yield from placed("insides", self)
            with Vertical(id="side"):
                with VerticalScroll(id="side-top", can_focus=False):
                    yield from placed("side-top", self)
                yield from placed("side", self)
        # a small terminal's column scrolls: the guided steps stay in sight above the keys
        yield StepPanel(id="step-bar")
        yield KeysFooter(compact=True)  # (more keys fit a line)

    def on_mount(self) -> None:
        self.status_line = self.query_one(StatusLine)
        self.footer = self.query_one(KeysFooter)
        self.panels = PanelSet(self, self.status_line, self.rates)
        self.set_interval(self.rates.numbers, self.flush_numbers)
        heap = QuietHeap(self.key_in_flight)
        self.set_interval(QuietHeap.TIDY_SECONDS, heap.tidy)
        self._fit_layout()
        self.composed.set()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_layout()

    def _fit_layout(self) -> None:
        """One scrolling column below ``COMPACT_WIDTH`` x ``COMPACT_HEIGHT`` (of the
        app's size: the newest, see ``NewestSize``)."""
        width, height = self.app.size
        self.set_class(width < COMPACT_WIDTH or height < COMPACT_HEIGHT, "-compact")

    def on_unmount(self) -> None:
        self.live.close()

    # ------------------------------------------------------------------ the lesson
    def open(self, preset: Preset, *, train: bool) -> None:
        """Show ``preset``'s lesson and take its guided steps; ``train``: train its runs
        (a sweep's view trains its own)."""
        if train:
            self.train(preset)
        else:
            self.live.close()
            self._show_lesson(preset)
        self.lesson.open(preset, watch=train)
        self.refresh_bindings()

    def _snapshot_ready(self) -> None:
        """Called from the session's thread at its news (posting a message is thread-safe)."""
        self.post_message(self.SnapshotReady())

    def train(self, preset: Preset) -> None:
        """Train ``preset``'s runs (base and variants), closing any session before."""
        self._show_lesson(preset)
        self.view.reset(preset, several_runs=bool(preset.compare))
        self.network.close()
        # the session's thread tells the screen at once (a message is thread-safe to post)
        opening = self.live.open(preset, on_update=self._snapshot_ready)
        self._seen_diagnoses = 0
        self.status_line.engine_restarted()
        for command in opening:
            self.send(command)
        self._show_scope()
        self.live.serve()

    def _show_lesson(self, preset: Preset) -> None:
        self.preset = preset
        self.query_one(LessonPanel).set_preset(preset)
        self.app.sub_title = preset.title

    # ------------------------------------------------------------------ snapshots
    def on_training_screen_snapshot_ready(self) -> None:
        self.poll()

    def poll(self) -> None:
        """Take the session's news: say if the engine stopped; draw a new snapshot."""
        news = self.live.poll()
        if news.error:
            self.status_line.show_engine_stopped(news.error)
            self.notify(f"{news.error}. Press r to restart it.", title="Engine stopped",
                        severity="error", timeout=10)
        snapshot = news.snapshot
        if snapshot is None:
            return
        self._show_scope()
        self.rewind.keep(snapshot)
        if self.rewind.viewing:
            self.panels.draw_live_curves(snapshot)
        else:
            self.panels.draw(snapshot, quiet=self.key_in_flight())
        self.say_diagnoses(snapshot)
        if snapshot.claims:
            self.lesson.judge(snapshot.claims, {v.name: v.step for v in snapshot.runs},
                              finished=all(v.status != "training" for v in snapshot.runs))

    def draw_past(self, frame: Snapshot, words: str) -> None:
        """A frame of the past in every panel (``Rewind``), the words on the status line."""
        self.status_line.set_viewing(words)
        if frame is not self._past:
            self._past = frame
            self.panels.draw_past(frame)

    def draw_live(self) -> None:
        """Back from the past: every panel draws the newest snapshot."""
        self._past = None
        self.status_line.set_viewing("")
        if self.snapshot is not None:
            self.panels.draw_all(self.snapshot)

    def flush_numbers(self) -> None:
        """Every ``rates.numbers`` seconds: the numbers of a snapshot that came since."""
        self.panels.flush_numbers()

    def key_in_flight(self) -> bool:
        """Whether a key was just pressed: its effect goes to the screen first."""
        return time.monotonic() < self._quiet_until

    def say_diagnoses(self, snapshot: Snapshot) -> None:
        """What new diagnoses say, on the footer's line for a while (their names stay on
        the status line and in the run table). Not in a toast: a diagnosis comes just
        when the panels show what it is about, and a toast would cover them."""
        if snapshot.run != self._seen_run:  # another run is shown: its old news is old
            self._seen_run, self._seen_diagnoses = snapshot.run, len(snapshot.diagnoses)
        if len(snapshot.diagnoses) < self._seen_diagnoses:
            self._seen_diagnoses = 0  # the run was reset
        if new := snapshot.diagnoses[self._seen_diagnoses:]:
            self.footer.say(" · ".join(f"▲ {name}: {message}" for name, _, message in new),
                            style="bold red")
        self._seen_diagnoses = len(snapshot.diagnoses)

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

    # ------------------------------------------------------------------ what shows
    def say(self, words: str) -> None:
        """Say ``words`` on the footer's line for a while (``KeysFooter.say``)."""
        self.footer.say(words)

    def hush(self) -> None:
        """The keys again on the footer's line."""
        self.footer.hush()

    def show_steps(self, steps: LessonSteps) -> None:
        """Draw the steps in every step panel (the lesson's, the bar's, the sweep
        view's when it is open over this one)."""
        for screen in self.app.screen_stack:
            for panel in screen.query(StepPanel):
                panel.show(steps)

    def ask(self, question: Question, step: int, then: Callable[[str], None]) -> None:
        """A guided step's question, over the panels (``QuestionScreen``)."""
        self.app.push_screen(QuestionScreen(question, step),
                             lambda key: None if key is None else then(key))

    def hold(self, reset: bool) -> None:
        """Every run paused (after a reset to step 0, with ``reset``) for a question."""
        if reset:
            self.send(cmd.Reset())
        self.send(cmd.Pause())

    def play(self) -> None:
        self.send(cmd.Resume())

    def edit_layer(self, name: str, layer: int) -> EditOutcome:
        """The architecture panel's edits, unless a teacher locked them."""
        if self.locks.edits_locked:
            self.notify(EDITS_NOTICE, title="Locked", timeout=3)
            return EditOutcome(None, layer)
        return self.runs.edit_layer(name, layer)

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

    def on_architecture_editor_selected(self, message: ArchitectureEditor.Selected) -> None:
        self.view.select_layer(message.index)

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

    def on_decision_boundary_drawn(self, message: DecisionBoundary.Drawn) -> None:
        self.drawing.drawn(message)

    def on_decision_boundary_erased(self, message: DecisionBoundary.Erased) -> None:
        self.drawing.erased(message)

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
