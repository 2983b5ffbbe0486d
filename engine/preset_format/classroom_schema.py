"""The classroom part of a preset file: guided ``steps`` and the controls it ``lock``s.

``build_steps`` turns the ``steps:`` list into ``Step`` objects and ``build_lock`` the
``lock:`` list into names from ``LOCKABLE``, raising ``PresetError`` at the key path that
is wrong, like the rest of the format. A step's ``set:`` is checked by applying it to
each run it names, exactly as a ``compare`` variant's overrides are (``change``, given by
the loader); its ``claim:`` is a claim of the ``expect`` language (``build_claim``).
``steps_to_raw`` and ``lock_to_raw`` give the YAML data back (load -> save -> load keeps
them). Schema::

    steps:
      - text: Watch the boundary bend around the four points.
      - text: The too_low run crawls; this step gives it the base's learning rate.
        set: {train.optimizer.lr: 0.1}     # applied when the student reaches the step
        run: too_low                       # the run it changes (default: every run)
        claim: {metric: train_loss, run: too_low, op: "<", than: {at: 0, factor: 0.5}}
        seen: too_low's loss halved        # the claim in words, shown once it holds
      - predict: Which run reaches 100% training accuracy?   # a question, asked first
        choices: {a: base (tanh), b: linear}   # keys: single lowercase letters
        answer: a                          # a key, or a claim: then a yes/no question
        claim: {metric: train_acc, op: ">=", value: 1.0}   # what settles it (with a key)
        why: A hidden layer with a non-linearity bends the boundary.
        reset: true                        # the runs start over (default: held where they are)
    lock: [lr, optimizer]                  # names from LOCKABLE

A question (``predict:``) holds the runs until the student picks a choice; the step's
claim, judged live like any step's, then says whether the prediction held. With a claim
as ``answer`` the question is yes or no (``YES_NO``: will it be seen?) and the claim is the
step's claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nnterm.engine.preset_format.claims_schema import Runs, build_claim, claim_to_raw
from nnterm.engine.preset_format.errors import Where, show
from nnterm.engine.preset_format.preset import LOCKABLE, YES_NO, Question, Step
from nnterm.engine.preset_format.specs import Bool, Choice, Text, check_keys
from nnterm.engine.preset_format.yaml_io import FlowDict, FlowList, to_raw

STEP_KEYS = ("text", "set", "run", "claim", "seen")
QUESTION_KEYS = ("predict", "choices", "answer", "why", "reset")
_STEPS_ALLOWED = ("a list of steps, each a mapping with text: (or a question, predict:) and "
                  "optionally set:, run:, claim: and seen:")
#: The keys a choice may have: a question's keys are its own while it is open.
CHOICE_KEYS = tuple("abcdefghijklmnopqrstuvwxyz")
#: ``change(run, overrides, where)``: the overrides as Config values, once they have
#: been checked on ``run`` (raises PresetError like a compare variant's).
Change = Callable[[str, dict[str, Any], Where], dict[str, Any]]


def build_steps(raw: Any, at: Where, runs: Runs, run_names: Sequence[str], change: Change,
                swept: bool) -> tuple[Step, ...]:
    """The steps of a ``steps:`` list (``swept``: the preset has a sweep, whose view
    trains fixed runs, so a step cannot change settings)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise at.error(f"{show(raw)} is not a list of steps", raw, _STEPS_ALLOWED)
    return tuple(_step(item, at / i, runs, run_names, change, swept)
                 for i, item in enumerate(raw))


def _step(raw: Any, at: Where, runs: Runs, run_names: Sequence[str], change: Change,
          swept: bool) -> Step:
    check_keys(raw, at, STEP_KEYS + QUESTION_KEYS, "step")
    if "text" not in raw and "predict" not in raw:
        raise (at / "text").error("missing: every step says what to do or watch", None,
                                  "text, or a question: predict:")
    text = Text().check(raw["text"], at / "text") if "text" in raw else ""
    run = Choice(run_names, "run").check(raw["run"], at / "run") if "run" in raw else None
    changes: dict[str, Any] = {}
    if "set" in raw:
        overrides = raw["set"]
        if swept:
            raise (at / "set").error("a sweep's steps cannot change settings (the sweep "
                                     "view trains the runs as the file sets them)",
                                     overrides, "text and a claim only")
        if not isinstance(overrides, dict) or not overrides:
            raise (at / "set").error(f"{show(overrides)} is not a mapping of settings",
                                     overrides, "a mapping of dotted paths to values, e.g. "
                                     "{train.optimizer.lr: 1.0}")
        for name in (run,) if run is not None else run_names:
            changes = change(name, overrides, at / "set")
    elif run is not None:
        raise (at / "run").error("run: names the run that set: changes; this step sets "
                                 "nothing", run, "a set: mapping beside run:")
    claim = build_claim(raw["claim"], at / "claim", runs) if "claim" in raw else None
    question = None
    if "predict" in raw:
        question, claim = _question(raw, at, runs, claim)
    else:
        for key in QUESTION_KEYS:
            if key in raw:
                raise (at / key).error(f"{key}: belongs to a question, and this step asks "
                                       "none", raw[key], "a predict: beside it")
    seen = Text().check(raw["seen"], at / "seen") if "seen" in raw else ""
    if seen and claim is None:
        raise (at / "seen").error("seen: words the step's claim, and it has none", seen,
                                  "a claim: beside seen:")
    return Step(text=text, changes=changes, run=run, claim=claim, seen=seen,
                question=question)


def _question(raw: dict[str, Any], at: Where, runs: Runs,
              claim: Any) -> tuple[Question, Any]:
    """The step's question and the claim that settles it: the step's ``claim:`` with a
    choice as ``answer:``, else the ``answer:`` claim itself (a yes/no question)."""
    text = Text().check(raw["predict"], at / "predict")
    for key in ("answer", "why"):
        if key not in raw:
            raise (at / key).error(f"missing: a question needs {key}:", None,
                                   "a choice's key or a claim" if key == "answer" else "text")
    why = Text().check(raw["why"], at / "why")
    reset = Bool().check(raw["reset"], at / "reset") if "reset" in raw else False
    answer = raw["answer"]
    if isinstance(answer, dict):
        if "choices" in raw:
            raise (at / "choices").error("a claim as answer: makes a yes/no question; its "
                                         "choices are y and n", raw["choices"],
                                         "no choices:, or a choice's key as answer:")
        if claim is not None:
            raise (at / "claim").error("the answer: is this question's claim; a second one "
                                       "would not be judged", None, "claim: or a claim as "
                                       "answer:, not both")
        return (Question(text, YES_NO, None, why, reset),
                build_claim(answer, at / "answer", runs))
    choices = _choices(raw.get("choices"), at / "choices")
    keys = tuple(key for key, _ in choices)
    key = Choice(keys, "choice").check(answer, at / "answer")
    if claim is None:
        raise (at / "claim").error("missing: what the runs must show to settle the "
                                   "question", None, "a claim: beside answer:, or a claim "
                                   "as answer:")
    return Question(text, choices, key, why, reset), claim


def _choices(raw: Any, at: Where) -> tuple[tuple[str, str], ...]:
    """(key, words) of a ``choices:`` mapping: two or more, each key one lowercase letter."""
    allowed = "a mapping of two or more choices, e.g. {a: base (tanh), b: linear}"
    if not isinstance(raw, dict) or len(raw) < 2:
        problem = ("missing: a question needs choices:" if raw is None
                   else f"{show(raw)} is not two or more choices")
        raise at.error(problem, raw, allowed)
    for key in raw:
        if key not in CHOICE_KEYS:
            raise (at / str(key)).error(f"{show(key)} is not a choice's key", key,
                                        "one lowercase letter, a to z")
    return tuple((key, Text().check(words, at / key)) for key, words in raw.items())


def build_lock(raw: Any, at: Where) -> tuple[str, ...]:
    """The names of a ``lock:`` list, each once."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise at.error(f"{show(raw)} is not a list of controls", raw,
                       f"a list of {', '.join(LOCKABLE)}")
    names = tuple(Choice(LOCKABLE, "control").check(v, at / i) for i, v in enumerate(raw))
    for i, name in enumerate(names):
        if name in names[:i]:
            raise (at / i).error(f"{name!r} is listed twice", name, "each control once")
    return names


def steps_to_raw(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """YAML data for the steps, in the form ``build_steps`` reads back to equal steps."""
    out = []
    for step in steps:
        item: dict[str, Any] = {"text": step.text} if step.text else {}
        question = step.question
        if question is not None:
            item["predict"] = question.text
            if question.answer is None:
                item["answer"] = claim_to_raw(step.claim)
            else:
                item["choices"] = FlowDict(question.choices)
                item["answer"] = question.answer
            item["why"] = question.why
            if question.reset:
                item["reset"] = True
        if step.changes:
            item["set"] = FlowDict({k: to_raw(v) for k, v in step.changes.items()})
        if step.run is not None:
            item["run"] = step.run
        if step.claim is not None and (question is None or question.answer is not None):
            item["claim"] = claim_to_raw(step.claim)
        if step.seen:
            item["seen"] = step.seen
        out.append(item)
    return out


def lock_to_raw(lock: Sequence[str]) -> FlowList:
    return FlowList(lock)
