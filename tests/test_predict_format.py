"""A guided step's question in the preset format: read, written back unchanged in meaning,
a mistake named at its key path; every preset with steps asks one, its claim among the
preset's expect (so ``nnterm check`` proves it), and each of the course's self-check
questions has a home, named in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import LESSON

from nnterm.engine.preset_format.loader import PresetError, dump_preset, parse_preset, scan_presets
from nnterm.engine.preset_format.preset import YES_NO

CLAIM = '{metric: step, op: ">=", value: 10}'
QUESTIONS = LESSON + f"""  - predict: Which run falls faster?
    choices: {{a: base, b: slow}}
    answer: a
    claim: {CLAIM}
    why: Bigger steps.
    reset: true
  - predict: Will ten steps go by?
    answer: {CLAIM}
    why: They do.
"""
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
#: The course's self-check questions and the preset whose predict step answers each.
SELF_CHECK = {
    "Why do we need non-linear activation functions?": "xor",
    "Why does He init use 2/fan_in for ReLU?": "xavier_vs_he",
    "Cross-entropy vs MSE: when each, and why?": "softmax_ce_vs_mse",
    "Mini-batch vs full-batch vs single-example: tradeoffs?": "batch_size",
    "ReLU vs GELU: what's the difference, when each?": "dead_relu",
    "AdamW vs Adam: what changed?": "adam_vs_adamw",
    "Dropout: what does it actually do?": "regularization",
    "Self-supervised learning: how do LLMs create their own labels?": "next_token",
}


def test_questions_are_read_and_written_back():
    preset = parse_preset(QUESTIONS)
    choice, yes_no = preset.steps[-2].question, preset.steps[-1].question
    assert (choice.choices, choice.answer, choice.reset) == ((("a", "base"), ("b", "slow")),
                                                            "a", True)
    assert (yes_no.choices, yes_no.answer, yes_no.reset) == (YES_NO, None, False)
    assert preset.steps[-1].claim == preset.steps[-2].claim  # the answer is the claim
    assert parse_preset(dump_preset(preset)) == preset


@pytest.mark.parametrize("step, said", [
    ("  - text: x\n    why: w\n", "steps[3].why: why: belongs to a question"),
    ("  - predict: x?\n    choices: {a: one}\n    answer: a\n    why: w\n    claim: " + CLAIM,
     "steps[3].choices: {'a': 'one'} is not two or more choices"),
    ("  - predict: x?\n    choices: {a: 1, B: 2}\n    answer: a\n    why: w\n",
     "'B' is not a choice's key"),
    ("  - predict: x?\n    choices: {a: one, b: two}\n    answer: c\n    why: w\n"
     "    claim: " + CLAIM,
     "steps[3].answer: unknown choice 'c'"),
    ("  - predict: x?\n    choices: {a: one, b: two}\n    answer: a\n    why: w\n",
     "steps[3].claim: missing: what the runs must show"),
    ("  - predict: x?\n    choices: {a: one, b: two}\n    why: w\n",
     "missing: a question needs answer:"),
    ("  - predict: x?\n    answer: " + CLAIM + "\n    claim: " + CLAIM + "\n    why: w\n",
     "claim: or a claim as answer:, not both"),
    ("  - predict: x?\n    answer: {metric: stepz, op: '>', value: 1}\n    why: w\n",
     "steps[3].answer.metric: unknown metric 'stepz'"),
])
def test_a_mistake_in_a_question_is_named_at_its_key(step, said):
    with pytest.raises(PresetError) as err:
        parse_preset(LESSON + step)
    assert said in str(err.value)


PRESETS, _ = scan_presets()


@pytest.mark.parametrize("preset", [p for p in PRESETS if p.steps], ids=lambda p: p.name)
def test_every_guided_preset_asks_a_question_that_check_proves(preset):
    asked = [s for s in preset.steps if s.question is not None]
    assert asked, f"{preset.name} has steps and no predict step"
    for step in asked:
        assert step.claim in preset.expect, f"{preset.name}: {step.question.text}"


def test_each_self_check_question_has_a_predict_step_named_in_the_readme():
    by_name = {p.name: p for p in PRESETS}
    for question, name in SELF_CHECK.items():
        assert any(s.question is not None for s in by_name[name].steps), name
        assert f"| {question} | `{name}` |" in README, question
