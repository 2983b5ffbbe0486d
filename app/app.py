"""The nnterm terminal app: watch a network learn and steer it from the keyboard.

A thread worker runs the training Session (by default the engine lives in a child process
behind it); the app only sends Commands and, on a timer, draws the newest Snapshot. Keys
turn into Config edits through ``controls``; every panel draws what the engine prepared.

A lesson's runs (its base run and ``compare`` variants) train side by side in lockstep.
One run is selected: the detail panels show it. The setting keys change the selected run
or every run, each from its own value (``g`` toggles which); space and step follow the
same choice; reset and reseed always restart every run together.

The keys themselves are listed in ``keys``; the view toggles live in ``view_keys``, the
run controls in ``run_controls`` and the file-writing actions in ``file_actions``.
"""

from __future__ import annotations

import threading
import time
from multiprocessing import resource_tracker
from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.driver import Driver
from textual.drivers.web_driver import WebDriver
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from nnterm.app import controls
from nnterm.app.file_actions import FileActions
from nnterm.app.heap import QuietHeap
from nnterm.app.keys import APP_BINDINGS, palette_commands
from nnterm.app.lesson_mode import STEP_ACTIONS, LessonMode
from nnterm.app.locks import TeacherLocks, marked_locked
from nnterm.app.newest_size import NewestSize
from nnterm.app.redraw import DEFAULT, LOW_BANDWIDTH, PanelTurns, some_run_trains
from nnterm.app.run_controls import RunControls
from nnterm.app.screens import HelpScreen, PresetPicker
from nnterm.app.signal_exit import SignalExit
from nnterm.app.sweep_screen import SweepScreen
from nnterm.app.view_keys import ViewKeys
from nnterm.app.web_driver import NntermWebDriver
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_plot import FitPlot
from nnterm.app.widgets.fit_table import HEADER as FIT_TABLE_HEADER
from nnterm.app.widgets.fit_table import FitTable
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.image_samples import ImagePanel
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.app.widgets.landscape import LossLandscape
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.run_table import RunTable
from nnterm.app.widgets.samples import SampleText
from nnterm.app.widgets.status_line import StatusLine
from nnterm.app.widgets.step_panel import StepPanel
from nnterm.app.widgets.surface import SurfacePanel
from nnterm.engine.lessons.preset import Preset
from nnterm.engine.live.expectation import Expectation
from nnterm.engine.live.run_loop import FPS, rate_text
from nnterm.engine.live.session import Session, open_session
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, with_changes

#: Below this size the panels stack in one scrolling column (zoom still fills the screen).
COMPACT_WIDTH, COMPACT_HEIGHT = 110, 34
#: After a key's command, the slow panels wait this long (the status line does not).
KEY_QUIET = 0.15
#: The title of the picture panel for each view it can show.
PICTURE_TITLES = {"boundary": "Decision boundary", "depth": "Layers by depth",
                  "text": "Samples", "landscape": "Loss landscape", "fit": "Fit",
                  "surface": "Prediction", "images": "Images"}
#: ``speed`` values of the app besides a number of steps per second.
PRESET_PACE, FULL_SPEED = "preset", "full"
#: The name the sweep view is installed under while a sweep preset is open.
SWEEP_SCREEN = "sweep"
#: The app's keys that also work over the sweep view.
SWEEP_KEYS = ("quit", "picker", "screenshot", "command_palette", *STEP_ACTIONS)


class MainScreen(NewestSize, Screen):
    """The screen the app composes into: Textual's default one, taking the newest size."""


class SnapshotReady(Message):
    """The session has something new (a snapshot, or the engine stopped)."""


class NntermApp(RunControls, ViewKeys, FileActions, LessonMode, TeacherLocks, App):
    """Train the preset's runs live; keys steer them between steps."""

    CSS_PATH = "app.tcss"
    TITLE = "nnterm"
    AUTO_FOCUS = "#loss"  # the footer then lists the app's own keys first
    BINDINGS = APP_BINDINGS

    def __init__(self, preset: Preset | None = None, *, in_process: bool = False,
                 fps: float = FPS, theme: str | None = None,
                 speed: float | str = PRESET_PACE, paused: bool = False,
                 screenshot_folder: Path | None = None, lesson: bool = False,
                 locks: tuple[str, ...] = (), low_bandwidth: bool = False) -> None:
        """``theme`` must be one of ``available_themes`` (the CLI checks it first).
        ``speed``: steps (of every run) per second, ``"full"``, or ``"preset"`` for the
        lesson's own pace; ``paused``: open the first preset paused at step 0;
        ``lesson``: open a preset's guided steps at step 1 (``lesson_mode``); ``locks``:
        controls (``lessons.preset.LOCKABLE``) the student cannot change
        (``locks.TeacherLocks``), besides those each preset locks; ``low_bandwidth``:
        redraw less often and animate nothing (``redraw``)."""
        super().__init__()
        self.lesson_mode = lesson
        self.cli_locks = tuple(locks)
        self.set_locks(())
        self.rates = LOW_BANDWIDTH if low_bandwidth else DEFAULT
        self.animation_level = self.rates.animation
        self.screenshot_folder = screenshot_folder  # None: screenshot_dir()
        self.preset = preset
        self.in_process = in_process
        self.fps = fps
        self.session: Session | None = None
        self.snapshot: Snapshot | None = None
        self.speed_choice = speed
        self.speed: float | None = None
        self.start_paused = paused
        self.all_runs = True  # the setting keys change every run (False: the selected one)
        self.expectation = Expectation()
        self._seen_run = ""
        self._quiet_until = 0.0
        self._signal_exit = SignalExit(lambda status: self.exit(None, status))
        self._seen_version = -1
        self._seen_diagnoses = 0
        self._selected_layer = 0
        self._dead_notified = False
        if theme:
            self.theme = theme
        # Start multiprocessing's resource tracker while sys.stderr is still the real one
        # (the engine process and a sweep's workers need it): started later, it would pass
        # the fd of Textual's stderr capture (-1) to the child and fail with "bad value(s)
        # in fds_to_keep".
        resource_tracker.ensure_running()

    # ------------------------------------------------------------------ layout
    def get_driver_class(self) -> type[Driver]:
        """Textual's choice, except under textual-serve: ``NntermWebDriver`` there."""
        driver = super().get_driver_class()
        return NntermWebDriver if driver is WebDriver else driver

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status", note=self.rates.label, min_lines=self.rates.status_lines)
        with Horizontal(id="body"):
            # panels first: on a small terminal they stack, and the live ones come first;
            # the run table between every run's pictures (it is their legend) and the
            # selected run's insides, where a long list of runs takes no room from the
            # architecture and the lesson
            with Vertical(id="panels"):
                with Horizontal(id="runs-plots", classes="plots"):
                    yield LossPlot(id="loss", classes="panel")
                    with ContentSwitcher(id="picture", initial="boundary", classes="panel"):
                        yield DecisionBoundary(id="boundary")
                        yield DepthProfile(id="depth")
                        yield SampleText(id="text")
                        yield LossLandscape(id="landscape")
                        yield FitPlot(id="fit")
                        yield SurfacePanel(id="surface")
                        yield ImagePanel(id="images")
                yield RunTable(id="runs", classes="panel")
                with Horizontal(id="run-insides", classes="plots"):
                    yield GradientHistogram(id="gradients", classes="panel")
                    yield WeightHeatmap(id="weights", classes="panel")
            with Vertical(id="side"):
                with VerticalScroll(id="side-top", can_focus=False):
                    yield ArchitectureEditor(id="architecture", classes="panel",
                                             edit=self.edit_layer)
                yield FitTable(id="fit-table", classes="panel")
                yield LessonPanel(id="lesson", classes="panel")
        # a small terminal's column scrolls: the guided steps stay in sight above the keys
        yield StepPanel(id="step-bar")
        yield KeysFooter(compact=True)  # (more keys fit a line)

    def on_mount(self) -> None:
        titles = {"runs": "Runs", "architecture": "Architecture",
                  "fit-table": FIT_TABLE_HEADER, "lesson": "Lesson",
                  "loss": "Loss", "picture": PICTURE_TITLES["boundary"],
                  "gradients": "Gradients", "weights": "Weights"}
        for widget_id, title in titles.items():
            panel = self.query_one(f"#{widget_id}")
            panel.border_title = title
            panel.can_focus = True
        self._apply_compact(self.size.width, self.size.height)
        self.status_line = self.query_one(StatusLine)
        self.footer = self.query_one(KeysFooter)
        self._fast_panels = [self.query_one(w) for w in (ArchitectureEditor, RunTable, FitTable)]
        self._slow_panels = [self.query_one(w) for w in (LossPlot, GradientHistogram,
                                                         WeightHeatmap)]
        self._picture = self.query_one("#picture", ContentSwitcher)
        # kept from mount on: no query in the poll, which may run while unmounting
        self._pictures = {kind: self._picture.get_child_by_id(kind) for kind in PICTURE_TITLES}
        rates = self.rates
        # in the order of _slow_panels, then the picture
        self._panel_turns = PanelTurns((rates.loss, rates.panels, rates.weights, rates.panels),
                                       rates.gap)
        self._numbers_pending = False
        self.set_interval(rates.numbers, self._flush_numbers)
        self._signal_exit.install()
        self._heap = QuietHeap(lambda: time.monotonic() < self._quiet_until)
        self.set_interval(QuietHeap.TIDY_SECONDS, self._heap.tidy)
        if self.preset is None:
            self.push_screen(PresetPicker(first=True), self._start_chosen)
        else:
            self.start(self.preset)

    def on_resize(self, event) -> None:
        self._apply_compact(event.size.width, event.size.height)

    def _apply_compact(self, width: int, height: int) -> None:
        self.screen.set_class(width < COMPACT_WIDTH or height < COMPACT_HEIGHT, "-compact")

    # ------------------------------------------------------------------ session
    def start(self, preset: Preset) -> None:
        """Close any running session or sweep; open ``preset``'s sweep view if it has a
        sweep, else train its runs (base and variants)."""
        self._close_sweep()
        self.set_locks(preset.lock)
        if preset.sweep is not None:
            self._open_sweep(preset)
        else:
            self._train(preset)
        self.open_steps(preset, watch=preset.sweep is None)

    def _open_sweep(self, preset: Preset) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
        self.preset = preset
        self.query_one(LessonPanel).set_preset(preset)
        self.sub_title = preset.title
        self.install_screen(SweepScreen(preset, watch=tuple(s.claim for s in preset.steps
                                                            if s.claim is not None)),
                            name=SWEEP_SCREEN)
        self.push_screen(SWEEP_SCREEN)

    def _close_sweep(self) -> None:
        """Stop the sweep (its workers end) and forget its screen."""
        if not self.is_screen_installed(SWEEP_SCREEN):
            return
        screen = self.get_screen(SWEEP_SCREEN)
        screen.stop(wait=True)
        if screen in self.screen_stack:
            self.pop_screen()
        self.uninstall_screen(SWEEP_SCREEN)

    def open_sweep_point(self, preset: Preset) -> None:
        """Train one run of the sweep in the main view; ``escape`` comes back."""
        self.pop_screen()
        self._train(preset)
        self.notify("escape: back to the sweep", timeout=4)

    def action_back_to_sweep(self) -> None:
        if self.is_screen_installed(SWEEP_SCREEN) and self.screen is self.screen_stack[0]:
            if self.session is not None:
                self.session.close()  # the sweep's workers get the cores back
                self.session = None
            self.push_screen(SWEEP_SCREEN)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Over the sweep view only the app-wide keys work (and show in the footer); the
        step keys only with steps; a locked action is hidden and does not run (its key
        then says so: ``locks.TeacherLocks.on_key``)."""
        if isinstance(self.screen, SweepScreen):
            shown = action in SWEEP_KEYS
        elif action == "back_to_sweep":
            shown = self.is_screen_installed(SWEEP_SCREEN)
        else:
            shown = True
        return shown and action not in self.locked and (
            action not in STEP_ACTIONS or bool(self.lesson_steps.steps))

    def on_sweep_screen_claims_judged(self, message: SweepScreen.ClaimsJudged) -> None:
        self.sweep_verdicts = message.verdicts
        self.judge_steps(message.verdicts)

    def _train(self, preset: Preset) -> None:
        """Close any running session and train ``preset``'s runs (base and variants) at
        the chosen speed: the lesson's own pace unless ``--speed`` said otherwise."""
        self.preset = preset
        self.query_one(LessonPanel).set_preset(preset)
        self.sub_title = preset.title
        if self.session is not None:
            self.session.close()
        variants = tuple((name, with_changes(preset.config, changes))
                         for name, changes in preset.compare.items())
        self.reset_view()  # (the lesson's own curves and depth metric below)
        self.query_one(RunTable).display = bool(variants)
        self.query_one(FitTable).display = preset.view.fit_table
        self.query_one(LossPlot).show_curves(preset.view.curves)
        self.query_one(DepthProfile).show_metric(preset.view.depth)
        self.session = open_session(preset.config, in_process=self.in_process, fps=self.fps,
                                    variants=variants)
        self.expectation.clear()  # (a new session numbers its commands from 1)
        # the session's thread tells the app at once (a message is thread-safe to post)
        self.session.on_update = lambda: self.post_message(SnapshotReady())
        self._seen_version, self._seen_diagnoses, self._dead_notified = -1, 0, False
        self.snapshot = None
        self.status_line.engine_restarted()
        if self.speed_choice == PRESET_PACE:
            self.speed = preset.view.steps_per_second
        elif self.speed_choice == FULL_SPEED:
            self.speed = None
        else:
            self.speed = float(self.speed_choice)
        self.speed_choice = PRESET_PACE  # --speed holds for the first preset only
        if self.speed is not None:
            self.send(cmd.SetSpeed(self.speed, announce=False))
        if self.start_paused:
            self.start_paused = False
            self.send(cmd.Pause())
        self._update_scope()
        self._serve(self.session)

    def _start_chosen(self, preset: Preset | None) -> None:
        if preset is not None:
            self.start(preset)
        elif self.session is None:
            self.exit()

    def _serve(self, session: Session) -> None:
        """Run the session in a thread of its own (see nnterm.engine.live.session).

        A daemon thread, not a Textual worker: those run in asyncio's executor, whose
        threads the interpreter joins at exit, so quitting ``--in-process`` in the middle
        of a long step waited for the step to end (5-11 s on a big net). The session's
        ``close`` already stops the engine; nothing is left to wait for."""
        threading.Thread(target=session.serve, name="nnterm-session", daemon=True).start()

    def on_snapshot_ready(self, _: SnapshotReady) -> None:
        self._poll()

    def _poll(self) -> None:
        session = self.session
        if session is None or session.version == self._seen_version:
            return
        self._seen_version = session.version
        if not session.alive and session.error and not self._dead_notified:
            self._dead_notified = True
            self.status_line.show_engine_stopped(session.error)
            self.notify(f"{session.error}. Press r to restart it.", title="Engine stopped",
                        severity="error", timeout=10)
        snapshot = session.latest()
        if snapshot is None or snapshot is self.snapshot:
            return
        self.snapshot = snapshot
        self._update_scope()
        now = time.monotonic()
        quiet = now < self._quiet_until  # a key was just pressed: its effect goes first
        training = some_run_trains(snapshot)
        if quiet or not training:
            self._draw_numbers(first=quiet)
        else:
            self._numbers_pending = True  # drawn by _flush_numbers, at its pace
        updates = [w.update_snapshot for w in self._slow_panels] + [self._update_picture]
        if not training:
            for update in updates:
                update(snapshot)
        elif not quiet and (turn := self._panel_turns.next(now)) is not None:
            updates[turn](snapshot)  # one slow panel at a time: a key waits behind one
        self._notify_diagnoses(snapshot)
        if snapshot.claims:
            self.judge_steps(snapshot.claims, {v.name: v.step for v in snapshot.runs})

    def _draw_numbers(self, first: bool = False) -> None:
        """The status line and the tables of numbers, of the newest snapshot; ``first``:
        the status line reaches the screen first, the other panels next (after a key)."""
        self._numbers_pending = False
        self.status_line.update_snapshot(self.snapshot)
        if first:
            self.call_after_refresh(self._update_fast_panels)
        else:
            self._update_fast_panels()

    def _flush_numbers(self) -> None:
        """Every ``rates.numbers`` seconds: draw the numbers of the newest snapshot, if
        one came while training since the last draw."""
        if self._numbers_pending and self.snapshot is not None:
            self._draw_numbers()

    def _update_fast_panels(self) -> None:
        if self.snapshot is not None:
            for widget in self._fast_panels:
                widget.update_snapshot(self.snapshot)

    def _update_picture(self, snapshot: Snapshot) -> None:
        """The view that fits the data: the decision boundary over a plane of inputs, text
        written by the models for next-token data, the loss plane and every run's path for
        a two-weight model, the fitted curves or the predicted surface for regression on
        one or two inputs, sample images with every run's guess for image inputs, else every
        run's profile over depth. Only the one shown is
        drawn."""
        if snapshot.boundary is not None:
            kind = "boundary"
        elif snapshot.landscape is not None:
            kind = "landscape"
        elif snapshot.fit is not None:
            kind = "fit"
        elif snapshot.surface is not None:
            kind = "surface"
        elif snapshot.images is not None:
            kind = "images"
        elif snapshot.config.data.name == "names":
            kind = "text"
        else:
            kind = "depth"
        if self._picture.current != kind:
            self._picture.current = kind
            self._picture.border_title = PICTURE_TITLES[kind]
        self._pictures[kind].update_snapshot(snapshot)

    def _notify_diagnoses(self, snapshot: Snapshot) -> None:
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

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Information for the main view is said on the footer's line, where it covers
        nothing; warnings and errors, and anything over another screen, are toasts
        (``app.tcss`` keeps them off the step bar)."""
        if severity != "information" or not self.is_main_view:
            super().notify(message, title=title, severity=severity, timeout=timeout,
                           markup=markup)
            return
        words = " · ".join(message.splitlines())
        self.footer.say(f"{title}: {words}" if title else words)

    def clear_notifications(self) -> None:
        """Every toast, and what the footer's line says: the keys come back."""
        super().clear_notifications()
        self.footer.hush()

    @property
    def is_main_view(self) -> bool:
        """Whether the main view (not the sweep view or a dialog over it) is on screen."""
        return (self.is_running and bool(self.screen_stack)
                and self.screen is self.screen_stack[0])

    def send(self, command: cmd.Command | cmd.SessionCommand) -> None:
        """Queue ``command`` for the engine, and hold the slow panels back for
        ``KEY_QUIET`` seconds so that the status line shows its effect without waiting
        behind a plot's redraw."""
        if self.session is not None:
            self.expectation.sent(self.session.send(command), command)
            self.status_line.expect_message()
            self._quiet_until = time.monotonic() + KEY_QUIET

    @property
    def config(self) -> Config | None:
        """The selected run's config, as the engine will have it once it has taken every
        command sent."""
        state = self.runs_state
        return state.current.config if state else None

    async def on_unmount(self) -> None:
        self._signal_exit.uninstall()
        if self.session is not None:
            self.session.close()

    # ------------------------------------------------------------------ actions
    def action_toggle_pause(self) -> None:
        """Pause the runs the keys change if any of them is training, else resume them;
        finished runs train on for as many steps again as the preset asked for."""
        views = self._targets()
        if not views:
            return
        if all(v.status == "finished" for v in views):
            steps = self.preset.config.train.steps
            self._change(lambda config: {"train.steps": config.train.steps + steps})
            self._to_targets(cmd.Resume())
            self.notify(f"training on for {steps:,} more steps", timeout=2)
            return
        running = any(v.status == "training" and not v.paused for v in views)
        self._to_targets(cmd.Pause() if running else cmd.Resume())

    def action_step_once(self) -> None:
        self._to_targets(cmd.StepOnce())

    def action_reset(self) -> None:
        if self.session is not None and not self.session.alive and self.session.error:
            self._dead_notified = False
            self.status_line.engine_restarted()
            self.session.restart(self.config or self.preset.config)
            self.rewatch_steps()
            return
        self.send(cmd.Reset())

    def action_reseed(self) -> None:
        self.send(cmd.Reseed())

    def action_learning_rate(self, direction: int) -> None:
        self._change(lambda config: controls.learning_rate(config, direction))

    def action_batch_size(self, direction: int) -> None:
        self._change(lambda config: controls.batch_size(config, direction))

    def action_optimizer(self) -> None:
        self._change(lambda config: controls.optimizer(config)[1])

    def action_activation(self) -> None:
        self._change(controls.activation)

    def action_init(self) -> None:
        self._change(controls.init)

    def action_dropout(self) -> None:
        self._change(controls.dropout)

    def action_weight_decay(self) -> None:
        self._change(controls.weight_decay)

    def action_speed(self) -> None:
        pace = self.preset.view.steps_per_second if self.preset else None
        self.speed = controls.speed(self.speed, pace)
        self.send(cmd.SetSpeed(self.speed))
        self.notify("full speed" if self.speed is None else rate_text(self.speed),
                    title="Speed", timeout=2)

    def on_architecture_editor_selected(self, message: ArchitectureEditor.Selected) -> None:
        self._select_layer(message.index)

    def action_picker(self) -> None:
        current = self.preset.name if self.preset is not None else None
        self.push_screen(PresetPicker(current), self._start_chosen)

    def action_help(self) -> None:
        """Every key, locked ones marked; the step keys in a table of their own."""
        keys = [marked_locked(b, self.locked) for b in self.BINDINGS]
        self.push_screen(HelpScreen([b for b in keys if b.action not in STEP_ACTIONS],
                                    ArchitectureEditor.BINDINGS,
                                    [b for b in keys if b.action in STEP_ACTIONS]))

    def get_system_commands(self, screen: Screen):
        """The palette (ctrl+p): every lesson by name, then every key's action in words."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)
