"""The nnterm terminal app: watch a network learn and steer it from the keyboard.

A thread worker runs the training Session (by default the engine lives in a child process
behind it); the app only sends Commands and, on a timer, draws the newest Snapshot. Keys
turn into Config edits through ``controls``; every panel draws what the engine prepared.
"""

from __future__ import annotations

import time
from dataclasses import replace
from multiprocessing import resource_tracker
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from nnterm.app import controls
from nnterm.app.screens import HelpScreen, PresetPicker
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.lessons.loader import save_preset, user_preset_dir
from nnterm.engine.lessons.preset import Preset
from nnterm.engine.live.session import Session, open_session
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config

#: Below this size the panels stack in one scrolling column (zoom still fills the screen).
COMPACT_WIDTH, COMPACT_HEIGHT = 110, 34
#: How often the app looks for a new snapshot (a cheap integer compare).
POLL_SECONDS = 1 / 60
#: The plots, histograms, heatmap and boundary redraw at most this often while training
#: (the status line and the architecture panel take every snapshot): a key's effect then
#: reaches the screen without waiting for a frame that redraws every panel.
PANEL_SECONDS = 0.25


class NntermApp(App):
    """Train the preset's base run live; keys steer it between steps."""

    CSS_PATH = "app.tcss"
    TITLE = "nnterm"
    AUTO_FOCUS = "#loss"  # the footer then lists the app's own keys first
    BINDINGS = [
        Binding("space", "toggle_pause", "Pause/run", id="pause"),
        Binding("full_stop", "step_once", "Step", key_display=".", id="step"),
        Binding("r", "reset", "Reset", id="reset"),
        Binding("plus,equals_sign", "learning_rate(1)", "LR+", key_display="+", id="lr_up"),
        Binding("minus", "learning_rate(-1)", "LR-", key_display="-", id="lr_down"),
        Binding("B", "batch_size(1)", "Batch+", show=False, id="batch_up"),
        Binding("b", "batch_size(-1)", "Batch-", show=False, id="batch_down"),
        Binding("o", "optimizer", "Optimizer", id="optimizer"),
        Binding("a", "activation", "Activation", id="activation"),
        Binding("i", "init", "Init", show=False, id="init"),
        Binding("d", "dropout", "Dropout", show=False, id="dropout"),
        Binding("w", "weight_decay", "Weight decay", show=False, id="weight_decay"),
        Binding("f", "speed", "Speed", show=False, id="speed"),
        Binding("l", "log_scale", "Log scale", show=False, id="log_scale"),
        Binding("c", "accuracy", "Loss/accuracy", show=False, id="accuracy"),
        Binding("v", "validation", "Val points", show=False, id="validation"),
        Binding("t", "tiles", "Image tiles", show=False, id="tiles"),
        Binding("right_square_bracket", "layer(1)", "Next layer", key_display="]", show=False,
                id="layer_next"),
        Binding("left_square_bracket", "layer(-1)", "Prev layer", key_display="[",
                show=False, id="layer_prev"),
        Binding("R", "reseed", "Reseed", show=False, id="reseed"),
        Binding("n", "lesson", "Lesson", show=False, id="lesson"),
        Binding("p", "picker", "Presets", show=False, id="picker"),
        Binding("z", "zoom", "Zoom", id="zoom"),
        Binding("s", "screenshot", "Screenshot", show=False, id="screenshot"),
        Binding("S", "save_preset", "Save preset", show=False, id="save_preset"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, preset: Preset | None = None, *, in_process: bool = False,
                 fps: float = 10.0, theme: str | None = None) -> None:
        """``theme`` must be one of ``available_themes`` (the CLI checks it first)."""
        super().__init__()
        self.preset = preset
        self.in_process = in_process
        self.fps = fps
        self.session: Session | None = None
        self.snapshot: Snapshot | None = None
        self.speed: float | None = None
        self._seen_version = -1
        self._seen_diagnoses = 0
        self._selected_layer = 0
        self._dead_notified = False
        if theme:
            self.theme = theme
        if not in_process:
            # Start multiprocessing's resource tracker while sys.stderr is still the real
            # one: started later, it would pass the fd of Textual's stderr capture (-1) to
            # the child and fail with "bad value(s) in fds_to_keep".
            resource_tracker.ensure_running()

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            # panels first: on a small terminal they stack, and the live ones come first
            with Container(id="panels"):
                yield LossPlot(id="loss", classes="panel")
                yield DecisionBoundary(id="boundary", classes="panel")
                yield GradientHistogram(id="gradients", classes="panel")
                yield WeightHeatmap(id="weights", classes="panel")
            with Vertical(id="side"):
                yield ArchitectureEditor(id="architecture", classes="panel")
                yield LessonPanel(id="lesson", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        titles = {"architecture": "Architecture", "lesson": "Lesson", "loss": "Loss",
                  "boundary": "Decision boundary", "gradients": "Gradients",
                  "weights": "Weights"}
        for widget_id, title in titles.items():
            panel = self.query_one(f"#{widget_id}")
            panel.border_title = title
            panel.can_focus = True
        self._apply_compact(self.size.width, self.size.height)
        self._fast_panels = [self.query_one(w) for w in (StatusLine, ArchitectureEditor)]
        self._slow_panels = [self.query_one(w) for w in (LossPlot, DecisionBoundary,
                                                         GradientHistogram, WeightHeatmap)]
        self._panels_drawn = 0.0
        self.set_interval(POLL_SECONDS, self._poll)
        if self.preset is None:
            self.push_screen(PresetPicker(), self._start_chosen)
        else:
            self.start(self.preset)

    def on_resize(self, event) -> None:
        self._apply_compact(event.size.width, event.size.height)

    def _apply_compact(self, width: int, height: int) -> None:
        self.screen.set_class(width < COMPACT_WIDTH or height < COMPACT_HEIGHT, "-compact")

    # ------------------------------------------------------------------ session
    def start(self, preset: Preset) -> None:
        """Close any running session and train ``preset``'s base run."""
        self.preset = preset
        self.query_one(LessonPanel).set_preset(preset)
        self.sub_title = preset.title
        if self.session is not None:
            self.session.close()
        self.session = open_session(preset.config, in_process=self.in_process, fps=self.fps)
        self._seen_version, self._seen_diagnoses, self._dead_notified = -1, 0, False
        self.snapshot = None
        if self.speed is not None:
            self.session.send(cmd.SetSpeed(self.speed))
        self._serve(self.session)

    def _start_chosen(self, preset: Preset | None) -> None:
        if preset is not None:
            self.start(preset)
        elif self.session is None:
            self.exit()

    @work(thread=True, exclusive=True, exit_on_error=False, group="engine")
    def _serve(self, session: Session) -> None:
        """The thread worker that owns the session (see nnterm.engine.live.session)."""
        session.serve()

    def _poll(self) -> None:
        session = self.session
        if session is None or session.version == self._seen_version:
            return
        self._seen_version = session.version
        if not session.alive and session.error and not self._dead_notified:
            self._dead_notified = True
            self.notify(f"{session.error}. Press r to restart it.", title="Engine stopped",
                        severity="error", timeout=10)
        snapshot = session.latest()
        if snapshot is None or snapshot is self.snapshot:
            return
        self.snapshot = snapshot
        for widget in self._fast_panels:
            widget.update_snapshot(snapshot)
        now = time.monotonic()
        training = snapshot.status == "training" and not snapshot.paused
        if not training or now - self._panels_drawn >= PANEL_SECONDS:
            self._panels_drawn = now
            for widget in self._slow_panels:
                widget.update_snapshot(snapshot)
        self._notify_diagnoses(snapshot)

    def _notify_diagnoses(self, snapshot: Snapshot) -> None:
        if len(snapshot.diagnoses) < self._seen_diagnoses:
            self._seen_diagnoses = 0  # the run was reset
        for name, step, message in snapshot.diagnoses[self._seen_diagnoses:]:
            self.notify(message, title=f"{name} at step {step}",
                        severity="error" if name == "nan" else "warning", timeout=8)
        self._seen_diagnoses = len(snapshot.diagnoses)

    def send(self, command: cmd.Command | cmd.SessionCommand) -> None:
        if self.session is not None:
            self.session.send(command)

    @property
    def config(self) -> Config | None:
        """The running config (as the engine last reported it)."""
        return self.snapshot.config if self.snapshot else None

    def _set(self, changes: dict) -> None:
        if self.config is not None:
            self.send(cmd.Set(changes))

    async def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()

    # ------------------------------------------------------------------ actions
    def action_toggle_pause(self) -> None:
        snapshot = self.snapshot
        if snapshot is not None and snapshot.status == "finished":
            # a finished run goes on for as many steps again as the preset asked for
            more = snapshot.step + self.preset.config.train.steps
            self.send(cmd.Set({"train.steps": more}))
            self.send(cmd.Resume())
            self.notify(f"training on to step {more:,}", timeout=2)
            return
        self.send(cmd.Resume() if snapshot is not None and snapshot.paused else cmd.Pause())

    def action_step_once(self) -> None:
        self.send(cmd.StepOnce())

    def action_reset(self) -> None:
        if self.session is not None and not self.session.alive and self.session.error:
            self._dead_notified = False
            self.session.restart(self.config or self.preset.config)
            return
        self.send(cmd.Reset())

    def action_reseed(self) -> None:
        self.send(cmd.Reseed())

    def action_learning_rate(self, direction: int) -> None:
        if self.config:
            self._set(controls.learning_rate(self.config, direction))

    def action_batch_size(self, direction: int) -> None:
        if self.config:
            self._set(controls.batch_size(self.config, direction))

    def action_optimizer(self) -> None:
        if self.config:
            self._set(controls.optimizer(self.config)[1])

    def action_activation(self) -> None:
        if self.config:
            self._set(controls.activation(self.config))

    def action_init(self) -> None:
        if self.config:
            self._set(controls.init(self.config))

    def action_dropout(self) -> None:
        if self.config:
            self._set(controls.dropout(self.config))

    def action_weight_decay(self) -> None:
        if self.config:
            self._set(controls.weight_decay(self.config))

    def action_speed(self) -> None:
        self.speed = controls.speed(self.speed)
        self.send(cmd.SetSpeed(self.speed))
        self.notify("full speed" if self.speed is None else f"{self.speed:g} steps per second",
                    title="Speed", timeout=2)

    def action_log_scale(self) -> None:
        plot = self.query_one(LossPlot)
        plot.set_log_scale(not plot.log_scale)

    def action_accuracy(self) -> None:
        plot = self.query_one(LossPlot)
        plot.show_accuracy(not plot.accuracy_shown)

    def action_validation(self) -> None:
        boundary = self.query_one(DecisionBoundary)
        boundary.show_validation(not boundary.validation_shown)

    def action_tiles(self) -> None:
        heatmap = self.query_one(WeightHeatmap)
        heatmap.show_tiles(not heatmap.tiles_shown)
        if self.snapshot is not None and self.snapshot.layers[0].tiles is None:
            self.notify("tiles need image inputs (e.g. the bars dataset)", timeout=3)
        else:
            self._select_layer(0)

    def action_layer(self, direction: int) -> None:
        n_layers = len(self.snapshot.layers) if self.snapshot else 1
        self._select_layer((self._selected_layer + direction) % n_layers)

    def _select_layer(self, index: int) -> None:
        self._selected_layer = index
        self.query_one(GradientHistogram).select_layer(index)
        self.query_one(WeightHeatmap).select_layer(index)

    def on_architecture_editor_selected(self, message: ArchitectureEditor.Selected) -> None:
        self._select_layer(message.index)

    def on_architecture_editor_edit(self, message: ArchitectureEditor.Edit) -> None:
        self._set(message.changes)
        self.notify(message.note, title="Architecture", timeout=3)

    def action_lesson(self) -> None:
        lesson = self.query_one(LessonPanel)
        lesson.display = not lesson.display

    def action_picker(self) -> None:
        self.push_screen(PresetPicker(), self._start_chosen)

    def action_zoom(self) -> None:
        screen: Screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        focused = self.focused
        panel = next((w for w in (focused, *(focused.ancestors if focused else ()))
                      if w is not None and w.has_class("panel")), None)
        screen.maximize(panel or self.query_one(LossPlot))

    def action_screenshot(self) -> None:
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(f"saved {path}", title="Screenshot", timeout=4)

    def action_save_preset(self) -> None:
        if self.preset is None or self.config is None:
            return
        folder = user_preset_dir() or Path.cwd()
        name = _free_name(folder, f"{self.preset.name}_saved")
        preset = replace(self.preset, name=name, config=self.config)
        path = folder / f"{name}.yaml"
        folder.mkdir(parents=True, exist_ok=True)
        save_preset(preset, path)
        self.notify(f"saved {path} (open it with: nnterm {name})", title="Preset", timeout=6)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.BINDINGS, ArchitectureEditor.BINDINGS))

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action in ("quit", "help"):
                continue
            yield SystemCommand(binding.description, f"key {binding.key_display or binding.key}",
                                lambda action=binding.action: self.run_action(action))


def _free_name(folder: Path, stem: str) -> str:
    """``stem``, or ``stem_2``, ``stem_3``... whichever has no file in ``folder`` yet."""
    name, n = stem, 1
    while (folder / f"{name}.yaml").exists():
        n += 1
        name = f"{stem}_{n}"
    return name
