"""TrainingScreen: the main view. A lesson's runs train live; keys steer them.

The screen owns the engine session of the lesson training (``live_runs.LiveRuns``: commands
in, snapshots out), its panels (declared in ``panels``, drawn by ``panel_set.PanelSet`` at
the redraw rates) and its keys (``keys.APP_BINDINGS``, its bindings, whose actions are its
base's, ``key_actions.KeyActions``). What the keys do is in components it hands itself
to: ``run_controls.RunControls`` (the runs), ``view_keys.ViewKeys`` (how the panels show
them), ``lesson_mode.LessonMode`` (a guided lesson's steps) and ``locks.TeacherLocks``
(what a teacher locked, shared with the app).

A lesson's runs (its base run and ``compare`` variants) train side by side in lockstep.
One run is selected: the detail panels show it. The setting keys change the selected run
or every run, each from its own value (``g`` toggles which); space and step follow the
same choice; reset and reseed always restart every run together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher

from nnterm.app import controls
from nnterm.app.answers_file import AnswersFile
from nnterm.app.draw_keys import DrawKeys
from nnterm.app.heap import QuietHeap
from nnterm.app.key_actions import KeyActions
from nnterm.app.lesson_mode import LessonMode
from nnterm.app.lesson_steps import LessonSteps
from nnterm.app.live_runs import LiveRuns
from nnterm.app.locks import EDITS_NOTICE, TeacherLocks
from nnterm.app.network_keys import NetworkKeys
from nnterm.app.newest_size import NewestSize
from nnterm.app.panel_set import PanelSet
from nnterm.app.panels import PICTURE, PICTURES, placed
from nnterm.app.question_screen import QuestionScreen
from nnterm.app.redraw import RedrawRates
from nnterm.app.rewind import Rewind
from nnterm.app.run_controls import RunControls
from nnterm.app.view_keys import ViewKeys
from nnterm.app.widgets.architecture import ArchitectureEditor, EditOutcome
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.status_line import StatusLine
from nnterm.app.widgets.step_panel import StepPanel
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.preset_format.preset import Preset, Question
from nnterm.engine.training import commands as cmd

#: Below this size the panels stack in one scrolling column (zoom still fills the screen).
COMPACT_WIDTH, COMPACT_HEIGHT = 110, 34


class TrainingScreen(NewestSize, KeyActions):
    """The runs of the open lesson, trained live; keys steer them between steps."""

    AUTO_FOCUS = "#loss"  # the footer then lists the view's own keys first

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

    def on_architecture_editor_selected(self, message: ArchitectureEditor.Selected) -> None:
        self.view.select_layer(message.index)

    def on_decision_boundary_drawn(self, message: DecisionBoundary.Drawn) -> None:
        self.drawing.drawn(message)

    def on_decision_boundary_erased(self, message: DecisionBoundary.Erased) -> None:
        self.drawing.erased(message)


