"""The claims of a guided lesson's steps, judged on the live runs at every snapshot.

The app sends ``run_commands.WatchClaims``; the run loop then publishes, in each
Snapshot's ``claims``, one verdict per claim (``claims.live.judge_live``: True,
False, or None while it cannot be judged yet) on the runs' histories so far. The engine
holds every run's records, so the verdicts are made here, not in the UI.
"""

from __future__ import annotations

from collections.abc import Sequence

from nnterm.engine.claims.live import judge_live
from nnterm.engine.experiments.experiment import ExperimentResult, RunResult
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.preset_format.preset import Claim
from nnterm.engine.training.trainer import Trainer


def claim_verdicts(claims: Sequence[Claim], runs: RunSet) -> tuple[bool | None, ...]:
    """One verdict per claim on ``runs`` as they stand."""
    if not claims:
        return ()
    result = live_result(runs)
    steps = {t.run_name: t.step_count for t in runs.trainers}
    finished = {t.run_name for t in runs.trainers if t.done}
    return tuple(judge_live(claim, result, steps, finished) for claim in claims)


def live_result(runs: RunSet) -> ExperimentResult:
    """Every run's history so far, as the claims evaluator reads a finished experiment."""
    return ExperimentResult(preset="", seed=runs.base.config.seed,
                            runs={t.run_name: [_run_result(t, runs.baselines)]
                                  for t in runs.trainers})


def _run_result(trainer: Trainer, baselines: dict[str, float]) -> RunResult:
    records = list(trainer.history.records)
    latest = trainer.history.latest
    if latest is not None and (not records or records[-1] is not latest):
        records.append(latest)  # a long run's history keeps every other record
    return RunResult(name=trainer.run_name, point={}, config=trainer.config, records=records,
                     status=trainer.status, stop_reason=trainer.stop_reason,
                     diagnoses=tuple(trainer.diagnoses), n_params=trainer.net.n_params,
                     baselines=dict(baselines))
