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
    lock: [lr, optimizer]                  # names from LOCKABLE
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nnterm.engine.preset_format.claims_schema import Runs, build_claim, claim_to_raw
from nnterm.engine.preset_format.errors import Where, show
from nnterm.engine.preset_format.preset import LOCKABLE, Step
from nnterm.engine.preset_format.specs import Choice, Text, check_keys
from nnterm.engine.preset_format.yaml_io import FlowDict, FlowList, to_raw

STEP_KEYS = ("text", "set", "run", "claim", "seen")
_STEPS_ALLOWED = ("a list of steps, each a mapping with text: and optionally set:, run:, "
                  "claim: and seen:")
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
    check_keys(raw, at, STEP_KEYS, "step")
    if "text" not in raw:
        raise (at / "text").error("missing: every step says what to do or watch", None,
                                  "text")
    text = Text().check(raw["text"], at / "text")
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
    seen = Text().check(raw["seen"], at / "seen") if "seen" in raw else ""
    if seen and claim is None:
        raise (at / "seen").error("seen: words the step's claim, and it has none", seen,
                                  "a claim: beside seen:")
    return Step(text=text, changes=changes, run=run, claim=claim, seen=seen)


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
        item: dict[str, Any] = {"text": step.text}
        if step.changes:
            item["set"] = FlowDict({k: to_raw(v) for k, v in step.changes.items()})
        if step.run is not None:
            item["run"] = step.run
        if step.claim is not None:
            item["claim"] = claim_to_raw(step.claim)
        if step.seen:
            item["seen"] = step.seen
        out.append(item)
    return out


def lock_to_raw(lock: Sequence[str]) -> FlowList:
    return FlowList(lock)
