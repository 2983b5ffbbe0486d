"""Claims judged while the runs still train: a lesson step's "✓ seen" in the app.

``judge_live(claim, result, steps, finished)`` applies the one evaluator,
``check.check_claim``, to the history so far, but only once the claim can be judged:

- ``at: end`` is the newest record (so "the loss is below 0.01" holds from the moment it
  is), ``min``/``max`` range over the records so far;
- a step number, a window ``[first, last]`` or a reference at a step waits until every
  run it names has reached that step (before, the nearest record would stand in for it);
- what only a finished run can say waits for the run to finish: a diagnosis claimed
  absent (``present: false``, ``healthy``, ``diagnoses``), and anything over a sweep (a ``point``,
  ``argmax``, ``slope``) until every point of the run is done.

It returns None while the claim cannot be judged yet, else whether it holds now.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from nnterm.engine.claims.check import check_claim
from nnterm.engine.experiments.experiment import ExperimentResult
from nnterm.engine.preset_format.preset import At, Claim, DiagnosisClaim, MetricClaim


def judge_live(claim: Claim, result: ExperimentResult, steps: Mapping[str, int],
               finished: Collection[str]) -> bool | None:
    """Whether ``claim`` holds on ``result`` so far; None while it cannot be judged.
    ``steps``: the step each run is at; ``finished``: the runs that will not step again
    (for a sweep: the runs whose every point is done)."""
    runs = _runs(claim)
    if any(run not in result.runs or not result.runs[run] for run in runs):
        return None
    if _needs_finished(claim) and not all(run in finished for run in runs):
        return None
    for run, step in _steps_named(claim):
        if run not in finished and steps.get(run, -1) < step:
            return None
    return check_claim(claim, result).passed


def _runs(claim: Claim) -> set[str]:
    than = getattr(claim, "than", None)
    return {claim.run} | ({than.run} if than is not None and than.run else set())


def _needs_finished(claim: Claim) -> bool:
    if isinstance(claim, DiagnosisClaim):
        return not claim.present
    if isinstance(claim, MetricClaim):
        return claim.point is not None or claim.than.point is not None
    return True  # argmax/argmin and slopes are over a sweep's points; ExplainedClaim over
    # every diagnosis the run will show


def _steps_named(claim: Claim) -> list[tuple[str, int]]:
    """``(run, step)`` for every step the claim measures at."""
    if not isinstance(claim, MetricClaim):
        return []
    named = [(claim.run, claim.at)]
    if claim.than.value is None and claim.than.baseline is None:
        at = claim.than.at if claim.than.at is not None else claim.at
        named.append((claim.than.run or claim.run, at))
    return [(run, step) for run, at in named if (step := _last_step(at)) is not None]


def _last_step(at: At) -> int | None:
    if isinstance(at, tuple):
        return at[1]
    return at if isinstance(at, int) else None
