"""The nnterm terminal app: watch a network learn and steer it from the keyboard.

A thin shell. The main view is a screen of its own (``training_screen.TrainingScreen``:
the lesson training live, its panels and its keys); a sweep preset opens its sweep view
(``sweep_screen.SweepScreen``) over it. The app holds what spans the screens: which
screen shows a lesson, the preset picker and the command palette, the teacher's locks,
notices, the screenshot key, signals (``signal_exit``) and the driver under
textual-serve (``web_driver``).
"""

from __future__ import annotations

from collections.abc import Iterator
from multiprocessing import resource_tracker
from pathlib import Path

from textual.app import App, SystemCommand
from textual.driver import Driver
from textual.drivers.web_driver import WebDriver
from textual.notifications import SeverityLevel
from textual.screen import Screen

from nnterm.app.answers_file import AnswersFile
from nnterm.app.file_actions import save_screenshot
from nnterm.app.keys import palette_commands
from nnterm.app.live_runs import PRESET_PACE, LiveRuns
from nnterm.app.locks import TeacherLocks
from nnterm.app.question_screen import QuestionScreen
from nnterm.app.redraw import DEFAULT, LOW_BANDWIDTH, SHARED, RedrawRates
from nnterm.app.screens import PresetPicker
from nnterm.app.signal_exit import SignalExit
from nnterm.app.sweep_screen import SWEEP_SCREEN, SweepScreen
from nnterm.app.training_screen import TrainingScreen
from nnterm.app.watch_signals import install_watch_signals
from nnterm.app.web_driver import NntermWebDriver
from nnterm.engine.live.pace import FPS
from nnterm.engine.nn import compiled
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.training.saved_run import SavedRun


def snapshot_rate(fps: float, rates: RedrawRates) -> float:
    """Snapshots a second while training: ``fps``, but no more than the status line and
    the tables redraw (``rates.numbers``), since a snapshot that comes between two of
    their redraws is drawn by no panel but the slow one whose turn it is (one in two at
    the default 8 a second and 4 redraws). A snapshot is most of the engine's cost at a
    lesson's pace (dead_relu: 17 ms for three runs' losses measured at their step), and
    a key's effect still comes at once (``run_loop`` publishes after every command)."""
    return min(fps, 1.0 / rates.numbers)


class NntermApp(App):
    """Open a lesson (or the picker), in the main view or its sweep view."""

    CSS_PATH = "app.tcss"
    TITLE = "nnterm"

    def __init__(self, preset: Preset | None = None, *, in_process: bool = False,
                 fps: float = FPS, theme: str | None = None,
                 speed: float | str = PRESET_PACE, paused: bool = False,
                 screenshot_folder: Path | None = None, lesson: bool = False,
                 locks: tuple[str, ...] = (), low_bandwidth: bool = False,
                 shared_server: bool = False, answers: AnswersFile | None = None,
                 resume: SavedRun | None = None) -> None:
        """``preset``: the lesson to open (None: the picker first). ``theme`` must be one
        of ``available_themes`` (the CLI checks it first). ``in_process``, ``fps``,
        ``speed`` and ``paused``: how the engine runs (``live_runs.LiveRuns``; ``fps`` no
        more often than the numbers redraw: ``snapshot_rate``);
        ``lesson``: open a preset's guided steps at step 1 (``lesson_mode``); ``locks``:
        controls (``preset_format.preset.LOCKABLE``) the student cannot change, besides those
        each preset locks (``locks``); ``low_bandwidth``: redraw less often and animate
        nothing (``redraw``); ``shared_server``: redraw at ``redraw.SHARED``'s rates (for
        many apps on one server; ``low_bandwidth`` wins); ``answers``: where the answers
        to the steps' questions go; ``resume``: the first lesson's base run goes on from
        there (``--from-state``)."""
        super().__init__()
        # The compiled step pays in the engine process at full speed; loading it here,
        # where a lesson's pace steps, would hold the screen still for a third of a second.
        compiled.set_enabled(False)
        self.first_preset = preset
        self.rates = (LOW_BANDWIDTH if low_bandwidth else SHARED if shared_server
                      else DEFAULT)
        self.animation_level = self.rates.animation
        self.screenshot_folder = screenshot_folder  # None: file_actions.screenshot_dir()
        self.locks = TeacherLocks(locks)
        self.main_view = TrainingScreen(
            LiveRuns(in_process=in_process, fps=snapshot_rate(fps, self.rates), speed=speed,
                     paused=paused, resume=resume),
            self.rates, self.locks, lesson=lesson, answers=answers)
        self._signal_exit = SignalExit(lambda status: self.exit(None, status))
        if theme:
            self.theme = theme
        # Start multiprocessing's resource tracker while sys.stderr is still the real one
        # (the engine process and a sweep's workers need it): started later, it would pass
        # the fd of Textual's stderr capture (-1) to the child and fail with "bad value(s)
        # in fds_to_keep".
        resource_tracker.ensure_running()

    def get_driver_class(self) -> type[Driver]:
        """Textual's choice, except under textual-serve: ``NntermWebDriver`` there."""
        driver = super().get_driver_class()
        return NntermWebDriver if driver is WebDriver else driver

    def get_default_screen(self) -> Screen:
        return self.main_view

    async def on_mount(self) -> None:
        """Open the first lesson, or the picker, once the main view is composed (the
        app's own mount comes first: its screen composes itself after)."""
        self._signal_exit.install()
        install_watch_signals(self.main_view)  # (under serve --watch only)
        await self.main_view.composed.wait()
        if self.first_preset is None:
            self.push_screen(PresetPicker(first=True), self._start_chosen)
        else:
            self.start(self.first_preset)

    async def on_unmount(self) -> None:
        self._signal_exit.uninstall()

    # ------------------------------------------------------------------ lessons
    def start(self, preset: Preset) -> None:
        """Close any running session or sweep; open ``preset``'s sweep view if it has a
        sweep, else train its runs (base and variants) in the main view."""
        self._close_sweep()
        self.locks.set(preset.lock)
        if preset.sweep is not None:  # (first: a question its steps open with goes over it)
            self.install_screen(SweepScreen(preset, self.main_view.lesson), name=SWEEP_SCREEN)
            self.push_screen(SWEEP_SCREEN)
        self.main_view.open(preset, train=preset.sweep is None)

    def _close_sweep(self) -> None:
        """Stop the sweep (its workers end) and forget its screen."""
        if not self.is_screen_installed(SWEEP_SCREEN):
            return
        screen = self.get_screen(SWEEP_SCREEN)
        assert isinstance(screen, SweepScreen), "the screen installed as SWEEP_SCREEN"
        screen.stop(wait=True)
        self.main_view.lesson.player = None
        if screen in self.screen_stack:
            self.pop_screen()
        self.uninstall_screen(SWEEP_SCREEN)

    def on_sweep_screen_open_run(self, message: SweepScreen.OpenRun) -> None:
        """Train one run of the sweep in the main view; ``escape`` comes back."""
        self.pop_screen()
        self.main_view.train(message.preset)
        self.notify("escape: back to the sweep", timeout=4)

    def _start_chosen(self, preset: Preset | None) -> None:
        if preset is not None:
            self.start(preset)
        elif self.main_view.live.session is None:
            self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A locked action (the picker's) is hidden and does not run; nor does the
        palette while a question waits for its answer (its runs are held for it)."""
        if action == "command_palette" and isinstance(self.screen, QuestionScreen):
            return False
        return action not in self.locks.locked

    def action_picker(self) -> None:
        preset = self.main_view.preset
        self.push_screen(PresetPicker(preset.name if preset else None), self._start_chosen)

    # Replaces Textual's action, whose filename and path arguments no key here passes.
    def action_screenshot(self) -> None:  # type: ignore[override]
        preset = self.main_view.preset
        save_screenshot(self.export_screenshot(), preset.name if preset else "nnterm",
                        self.screenshot_folder, self.notify)

    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:
        """The palette (ctrl+p): every lesson by name, then every key of ``screen`` in
        words."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen)

    # ------------------------------------------------------------------ notices
    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Information for the main view is said on the footer's line, where it covers
        nothing; warnings and errors, and anything over another screen, are toasts
        (``app.tcss`` keeps them off the step bar)."""
        if severity != "information" or not self.is_main_view:
            super().notify(message, title=title, severity=severity, timeout=timeout,
                           markup=markup)
            return
        words = " · ".join(message.splitlines())
        self.main_view.say(f"{title}: {words}" if title else words)

    def clear_notifications(self) -> None:
        """Every toast, and what the footer's line says: the keys come back."""
        super().clear_notifications()
        self.main_view.hush()

    @property
    def is_main_view(self) -> bool:
        """Whether the main view (not the sweep view or a dialog over it) is on screen."""
        return self.is_running and bool(self.screen_stack) and self.screen is self.main_view
