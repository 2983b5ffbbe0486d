"""SweepScreen: a preset's sweep trained in a pool of worker processes, drawn as it goes.

Every run of the preset (each variant at each sweep point) is a job of a
``pool.local_pool``; a table lists them with their state (queued, running with its step,
done, diverged) and a plot draws the summary curve (``sweep_summary``) point by point as
runs finish, with the axes the lesson asks for. ``enter`` opens the selected run in the
app's main view, trained live with every panel (``escape`` there comes back here, the
sweep still running); ``r`` runs the sweep again, ``R`` with a new seed. Leaving the
screen for good (quitting) cancels the pool: running jobs stop at their next chunk of
steps and the workers end.

A guided lesson's steps are the main view's (``lesson_mode.LessonMode``, handed to this
screen): the step keys move them here too, and the claims are judged on the points done.
A step's question holds the sweep here (its ``player``): a sweep not started yet waits
for the answer, and one the step starts over (``reset``) is stopped and runs again after
it; a pool cannot pause, so a sweep under way is otherwise left to run.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import CancelledError

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from nnterm.app.keys import action_name, bindings_of
from nnterm.app.lesson_mode import STEP_ACTIONS, LessonMode
from nnterm.app.newest_size import NewestSize
from nnterm.app.screens import HelpScreen
from nnterm.app.sweep_chart import draw_summary, legend_text
from nnterm.app.widgets._common import detect_color_mode, run_colour
from nnterm.app.widgets._plot import RedrawnPlot
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.app.widgets.step_panel import StepPanel
from nnterm.engine.claims.live import judge_live
from nnterm.engine.experiments.experiment import (
    Cancelled,
    PointJob,
    RunResult,
    collect,
    preset_jobs,
)
from nnterm.engine.experiments.pool import PointPool, Progress, local_pool
from nnterm.engine.experiments.sweep_summary import SweepSummary, summarize
from nnterm.engine.live.run_set import MAX_RUNS
from nnterm.engine.preset_format.preset import Claim, Preset
from nnterm.engine.preset_format.values import format_value

#: The name the sweep view is installed under while a sweep preset is open.
SWEEP_SCREEN = "sweep"


class SweepPlot(RedrawnPlot):
    """The summary curve; line i in run colour i."""

    DEFAULT_CSS = "SweepPlot { width: 1fr; height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.summary: SweepSummary | None = None

    def show(self, summary: SweepSummary) -> None:
        self.summary = summary
        self.redraw()

    def _draw(self) -> None:
        mode = detect_color_mode(self.app)
        summary = self.summary or SweepSummary("", "", False, False, ())
        draw_summary(self.plt, summary, [run_colour(i, mode)[0] for i in range(MAX_RUNS)])
        self.paint()


class SweepScreen(NewestSize, Screen):
    """The sweep of ``preset``, run by ``workers`` processes (default: one per core)."""

    DEFAULT_CSS = """
    SweepScreen > Horizontal { height: 1fr; }
    SweepScreen #points {
        width: 72; max-width: 55%; height: 1fr; overflow-x: hidden; border: round $accent;
    }
    SweepScreen #summary { width: 1fr; height: 1fr; border: round $accent; }
    SweepScreen #sweep-status { height: auto; padding: 0 1; }
    SweepScreen #sweep-steps { height: 1; padding: 0 1; overflow-y: auto; }
    SweepScreen #sweep-steps.-begun { height: auto; min-height: 6; max-height: 45%; }
    """
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        # (before the table's own enter, which would hide it from the footer)
        Binding("enter", "open_point", "Open run", id="open_point", priority=True),
        Binding("r", "rerun", "Rerun", id="rerun"),
        Binding("R", "reseed", "Reseed+rerun", id="reseed"),
        Binding("q", "app.quit", "Quit", id="quit"),
        Binding("N", "next_step", "Next step", id="next_step"),
        Binding("P", "previous_step", "Step back", show=False, id="previous_step"),
        Binding("p", "app.picker", "Presets", show=False, id="picker"),
        Binding("s", "app.screenshot", "Screenshot", show=False, id="screenshot"),
    ]
    AUTO_FOCUS = "#points"

    class PointsProgressed(Message):
        def __init__(self, generation: int, reports: list[Progress]) -> None:
            super().__init__()
            self.generation, self.reports = generation, reports

    class PointFinished(Message):
        def __init__(self, generation: int, index: int, result: RunResult | None,
                     error: str = "") -> None:
            super().__init__()
            self.generation, self.index, self.result, self.error = (generation, index, result,
                                                                     error)

    class OpenRun(Message):
        """Open ``preset`` (one run of the sweep) in the main view."""

        def __init__(self, preset: Preset) -> None:
            super().__init__()
            self.preset = preset

    def __init__(self, preset: Preset, lesson: LessonMode, workers: int | None = None) -> None:
        """``lesson``: the guided steps (their claims are judged here as points finish);
        ``workers``: processes (default: one per core)."""
        super().__init__()
        self.preset = preset
        self.lesson = lesson
        #: the step claims, judged as points finish (they speak of the whole sweep)
        self.step_claims: tuple[Claim, ...] = tuple(s.claim for s in preset.steps
                                                    if s.claim is not None)
        self.n_workers = workers
        self.seed = preset.config.seed
        self.jobs: list[PointJob] = []
        self.results: list[RunResult | None] = []
        self.states: list[str] = []
        self.pool: PointPool | None = None
        self.generation = 0  # which run of the sweep the messages belong to
        self.held = False  # a question waits for its answer: the sweep starts after it
        lesson.player = self

    def compose(self) -> ComposeResult:
        yield Static(id="sweep-status")
        yield StepPanel(id="sweep-steps")
        with Horizontal():
            yield DataTable(id="points", cursor_type="row", zebra_stripes=True)
            with Vertical(id="summary"):
                yield SweepPlot(id="sweep-plot")
                yield Static(id="sweep-legend")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#points").border_title = "Runs"
        table = self.query_one(DataTable)
        # the lesson's metric before the sizes: it stays in view on a narrow terminal
        self.columns = [table.add_column("run @ point"), table.add_column("state", width=8),
                        table.add_column(self.preset.view.sweep_y, width=9),
                        table.add_column("params", width=7),
                        table.add_column("seconds", width=7)]
        if not self.held:
            self.start()

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        """(Re)start the sweep at ``self.seed``: a new pool, every job queued."""
        self.stop()
        self.generation += 1
        self.jobs = preset_jobs(self.preset, seed=self.seed)
        self.results = [None] * len(self.jobs)
        self.states = ["queued"] * len(self.jobs)
        table = self.query_one(DataTable)
        table.clear()
        for job in self.jobs:
            point = ", ".join(format_value(v) for v in job.point.values())
            table.add_row(f"{job.name} @ {point}", "queued", "", "", "", key=job.label)
        self.pool = local_pool(self.n_workers)
        self._show_summary()
        self._train(self.pool, self.jobs, self.generation)

    @property
    def finished(self) -> bool:
        """True once every run of the sweep has ended (done or diverged)."""
        return bool(self.states) and all(s in ("done", "diverged") for s in self.states)

    def stop(self, wait: bool = False) -> None:
        """Cancel the running sweep: its workers end within one chunk of steps (the
        thread that ran it closes the pool; with ``wait``, this waits for that too)."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.cancel()
            if wait:
                pool.close()

    @work(thread=True, group="sweep", exit_on_error=False)
    def _train(self, pool: PointPool, jobs: list[PointJob], generation: int) -> None:
        """The pool's results, posted to the screen as they come; the pool is closed
        (its workers joined) when the sweep ends or is cancelled."""
        try:
            for index, result in pool.run(jobs, poll=lambda: self._progress(pool, generation)):
                self.post_message(self.PointFinished(generation, index, result))
        except (CancelledError, Cancelled):
            pass
        except Exception as exc:  # a broken worker: say so, keep the app
            self.post_message(self.PointFinished(generation, -1, None, str(exc)))
        finally:
            pool.close()

    def _progress(self, pool: PointPool, generation: int) -> None:
        reports = pool.progress_updates()
        if reports:
            self.post_message(self.PointsProgressed(generation, reports))

    def on_sweep_screen_points_progressed(self, message: PointsProgressed) -> None:
        if message.generation != self.generation:
            return
        table = self.query_one(DataTable)
        index = {job.label: i for i, job in enumerate(self.jobs)}
        for r in message.reports:
            i = index[r.label]
            if self.results[i] is None:
                self.states[i] = "running"
                table.update_cell(r.label, self.columns[1], f"{100 * r.step // r.total}%")
                live = {"val_loss": r.val_loss, "train_loss": r.train_loss}
                if self.preset.view.sweep_y in live:  # (accuracy is reported at the end)
                    table.update_cell(r.label, self.columns[2],
                                      fmt_num(live[self.preset.view.sweep_y]))
        self._show_status()

    def on_sweep_screen_point_finished(self, message: PointFinished) -> None:
        if message.generation != self.generation:
            return
        if message.result is None:
            self.notify(f"the sweep stopped: {message.error}", severity="error", timeout=10)
            return
        run = message.result
        self.results[message.index] = run
        self.states[message.index] = "diverged" if run.status == "diverged" else "done"
        table = self.query_one(DataTable)
        value = getattr(run.final, self.preset.view.sweep_y)
        for column, text in ((1, self.states[message.index]), (2, fmt_num(value)),
                             (3, f"{run.n_params:,}"), (4, f"{run.seconds:.1f}")):
            table.update_cell(run.label, self.columns[column], text)
        self._show_summary()
        if self.step_claims:
            self._judge()

    def _judge(self) -> None:
        """Judge the watched claims on the points done so far (a claim waits until every
        point of the runs it names is done: ``claims.live``); True holds, None cannot be
        judged yet."""
        done = [r for r in self.results if r is not None]
        result = collect(self.preset, done, self.seed)
        finished = {job.name for job in self.jobs} - {
            job.name for job, r in zip(self.jobs, self.results, strict=True) if r is None}
        self.lesson.judge_sweep(
            tuple(judge_live(claim, result, {}, finished) for claim in self.step_claims),
            finished=self.finished)

    def on_screen_resume(self) -> None:
        """The steps as they are (steps taken in the main view show here too)."""
        self.query_one(StepPanel).show(self.lesson.steps)

    def _show_summary(self) -> None:
        summary = summarize(self.preset, [r for r in self.results if r is not None])
        self.query_one(SweepPlot).show(summary)
        self.query_one("#summary").border_title = (
            f"{summary.y_label} against {summary.x_label}")
        mode = detect_color_mode(self.app)
        colours = [run_colour(i, mode)[1] for i in range(MAX_RUNS)]
        self.query_one("#sweep-legend", Static).update(legend_text(summary, colours))
        self._show_status()

    def _show_status(self) -> None:
        counts = {state: self.states.count(state)
                  for state in ("queued", "running", "done", "diverged")}
        done = counts["done"] + counts["diverged"]
        where = self.pool.description if self.pool is not None else "stopped"
        parts = [f"{n} {state}" for state, n in counts.items() if n]
        self.query_one("#sweep-status", Static).update(
            f"[b]{self.preset.title}[/b]\n"
            f"sweep: {done}/{len(self.jobs)} runs ({', '.join(parts)}) on {where}, "
            f"seed {self.seed}   enter: open a run")

    # ------------------------------------------------------------------ keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The step keys only for a lesson with steps."""
        return action not in STEP_ACTIONS or self.lesson.has_steps

    def action_help(self) -> None:
        """The keys that work here (``check_action``, the app's for its own actions),
        not the main view's."""
        working = [b for b in bindings_of(type(self))
                   if (self.app if b.action.startswith("app.") else self)
                   .check_action(action_name(b).removeprefix("app."), ())]
        steps = [b for b in working if b.action in STEP_ACTIONS]
        self.app.push_screen(HelpScreen([b for b in working if b not in steps], (), steps,
                                        hint="up/down: choose a run   ctrl+p: command "
                                             "palette   escape: close"))

    def action_open_point(self) -> None:
        table = self.query_one(DataTable)
        if not self.jobs or table.cursor_row is None:
            return
        job = self.jobs[table.cursor_row]
        self.post_message(self.OpenRun(point_preset(self.preset, job)))

    def hold(self, reset: bool) -> None:
        """For a question: a sweep not started waits; ``reset`` stops one under way."""
        self.held = True
        if reset:
            self.stop()

    def play(self) -> None:
        """After the answer: the sweep starts (again) unless it runs on."""
        self.held = False
        if self.is_mounted and self.pool is None:
            self.start()
            self.lesson.forget_seen()

    def action_rerun(self) -> None:
        self.start()
        self.lesson.forget_seen()
        self.notify("the sweep runs again", timeout=2)

    def action_reseed(self) -> None:
        self.seed += 1
        self.start()
        self.lesson.forget_seen()
        self.notify(f"the sweep runs again with seed {self.seed}", timeout=2)

    def action_next_step(self) -> None:
        self.lesson.next()

    def action_previous_step(self) -> None:
        self.lesson.previous()

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_open_point()

    def on_unmount(self) -> None:
        self.stop(wait=True)


def point_preset(preset: Preset, job: PointJob) -> Preset:
    """One run of a sweep as a preset of its own: its Config, no variants, no sweep, no
    claims or steps (they speak of the whole sweep), the preset's pace."""
    return dataclasses.replace(
        preset, title=f"{preset.title}: {job.label}", config=job.config, compare={},
        sweep=None, expect=(), steps=(), view=preset.view.without_sweep())

