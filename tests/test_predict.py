"""Predict, then watch: a guided step's question holds the runs until the student answers
(a choice key marks, enter answers: the mind may change until then), the step's claim
settles the prediction live, and each answer is appended to the answers file. Pilot on an
in-process engine; waits are for the session's snapshots, never for wall-clock time."""

from __future__ import annotations

import json

from helpers import LESSON, record_notices, settled
from textual.widgets._footer import FooterKey

from nnterm.app.answers_file import AnswersFile
from nnterm.app.app import NntermApp
from nnterm.app.question_screen import QuestionScreen
from nnterm.app.widgets.step_panel import StepPanel
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.training.commands import SetSpeed

RUNS = LESSON.split("\nsteps:")[0]
#: A question with a right choice, then a yes/no one whose answer is a claim.
PREDICT = RUNS + """
steps:
  - predict: Will base or slow be the first to take ten steps?
    choices: {a: base, b: slow}
    answer: a
    claim: {metric: step, op: ">=", value: 10}
    why: Both step in lockstep; the base is the run the claim names.
    reset: true
  - predict: Will ten steps go by?
    answer: {metric: step, op: ">=", value: 10}
    why: The runs never end before a million steps.
"""


def panel_text(app: NntermApp) -> str:
    return str(app.query_one(StepPanel).render())


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def open_app(tmp_path, text: str = PREDICT) -> NntermApp:
    app = NntermApp(parse_preset(text), in_process=True, lesson=True,
                    answers=AnswersFile(tmp_path / "answers.jsonl"))
    app.notices = record_notices(app)
    return app


async def test_the_runs_wait_for_the_answer_and_the_mind_changes_until_enter(tmp_path):
    app = await open_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))
        await settled(app, pilot, lambda s: s.paused and s.step == 0)
        assert isinstance(app.screen, QuestionScreen)
        await pilot.pause()
        shown = [key.description for key in app.screen.query(FooterKey)]
        assert shown[:3] == ["Answer, then watch", "base", "slow"]
        await pilot.press("space", "b", "a")  # space is not the screen's: still held
        await settled(app, pilot, lambda s: s.paused)
        assert app.main_view.snapshot.step == 0 and not (tmp_path / "answers.jsonl").read_text()
        assert "? answer the question" in panel_text(app)
        await pilot.press("enter")
        await settled(app, pilot, lambda s: 0 in app.main_view.lesson.steps.held)
        assert not isinstance(app.screen, QuestionScreen)
        shown = panel_text(app)
        assert "you chose a, base" in shown and "✓ your prediction held: a, base" in shown
        assert "why: Both step in lockstep" in shown
        (line,) = lines(tmp_path / "answers.jsonl")
        assert line["choice"] == "a" and line["correct"] is True and line["step"] == 1
        assert line["preset"] == "guided" and line["question"].startswith("Will base or")
        assert line["seconds"] >= 0


async def test_a_wrong_answer_is_said_and_kept_once_the_runs_play(tmp_path):
    app = await open_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))
        await settled(app, pilot, lambda s: s.paused and s.step == 0)
        await pilot.press("enter")  # no choice marked: nothing answered
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("b", "enter")
        await settled(app, pilot, lambda s: not s.paused and s.step > 0)
        await pilot.press("a")  # after the runs start: the activation key, not an answer
        await settled(app, pilot, lambda s: 0 in app.main_view.lesson.steps.held)
        assert app.main_view.lesson.steps.answers == {0: "b"}
        assert "✗ your prediction did not hold: the answer is a, base" in panel_text(app)
        assert [(x["choice"], x["correct"]) for x in lines(tmp_path / "answers.jsonl")] \
            == [("b", False)]


async def test_a_yes_no_question_is_settled_by_its_claim_and_then_written(tmp_path):
    app = await open_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))
        await settled(app, pilot, lambda s: s.paused and s.step == 0)
        await pilot.press("a", "enter")
        await settled(app, pilot, lambda s: 0 in app.main_view.lesson.steps.held)
        await pilot.press("N")  # held where they are (no reset): past step 10 already
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        assert len(lines(tmp_path / "answers.jsonl")) == 1  # not known yet: not written
        await pilot.press("n", "enter")
        await settled(app, pilot, lambda s: 1 in app.main_view.lesson.steps.held)
        assert "✗ your prediction did not hold: the answer is y, yes" in panel_text(app)
        second = lines(tmp_path / "answers.jsonl")[1]
        assert (second["step"], second["choice"], second["correct"]) == (2, "n", False)
        assert "✗ your prediction did not hold: the answer is y, yes" in app.notices
