"""The pool's cost model (``engine/experiments/job_cost.py``) against the seconds the runs
of every sweep preset take: fits ``SECONDS_PER_TERM`` again, and shows how two workers
would share each sweep, ordering its runs by the model this one replaced, by the shipped
model, by the fitted one and by the runs' own seconds.

Method (one run, on this machine, beside whatever else it does): every run of every
preset with a sweep (``--presets``) is trained in this process, one after another
(``train_point``, as a worker does), ``--rounds`` times; a run's seconds are its fastest.
The fit is non-negative least squares on the relative error (a 0.02 s run counts as
much as a 0.7 s one), on the runs trained by steps: a closed-form run (``train.solver``,
double_descent's) costs its one solve, which no term models. Two workers are simulated
as the pool runs them: the runs in order, each to the worker that is free first; *end*
is when the later worker ends, *apart* how far apart the two end (what one waits for
the other).

    .venv/bin/python benchmarks/job_cost.py              # about 30 s
    .venv/bin/python benchmarks/job_cost.py --rounds 3 --presets scaling_laws
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.optimize import nnls

from nnterm.engine.experiments.experiment import DataCache, PointJob, preset_jobs, train_point
from nnterm.engine.experiments.job_cost import SECONDS_PER_TERM, cost_terms, job_cost
from nnterm.engine.preset_format.loader import list_presets, load_preset

TERMS = ("run", "step", "example x unit", "example x weight", "fresh batch",
         "example x input drawn")


def run_seconds(jobs: list[PointJob], rounds: int) -> list[float]:
    """Each job's fastest seconds over ``rounds`` trainings in this process."""
    data = DataCache()
    return [min(train_point(job, data).seconds for _ in range(rounds)) for job in jobs]


def fit(terms: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Seconds per term, >= 0, least squares on the relative error."""
    weight = 1 / seconds
    per_term, _ = nnls(terms * weight[:, None], seconds * weight)
    return per_term


def cost_before(job: PointJob) -> float:
    """The model this one replaced, for comparison: steps x (overhead + examples x
    weights), the overhead 37,000 multiply-adds' worth (in ``cost_terms``' units: 37,000
    a step, plus the steps x examples x weights term)."""
    terms = cost_terms(job)
    return 37_000 * terms[1] + terms[3]


def two_workers(seconds: list[float], order_by: Callable[[int], float]) -> tuple[float, float]:
    """(end, apart) of the runs on two workers, the costliest by ``order_by`` first."""
    ends = [0.0, 0.0]
    for i in sorted(range(len(seconds)), key=lambda i: -order_by(i)):
        ends[ends.index(min(ends))] += seconds[i]
    return max(ends), abs(ends[0] - ends[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="trainings per run (default 2)")
    parser.add_argument("--presets", nargs="+", help="default: every preset with a sweep")
    args = parser.parse_args()
    console = Console(width=130)
    names = args.presets or [p.name for p in list_presets() if load_preset(p.name).sweep]
    jobs = {name: preset_jobs(load_preset(name)) for name in names}
    seconds = {}
    for name in names:
        console.log(f"{name}: {len(jobs[name])} runs x {args.rounds}")
        seconds[name] = run_seconds(jobs[name], args.rounds)

    stepped = [(job, s) for name in names for job, s in zip(jobs[name], seconds[name],
                                                            strict=True)
               if job.config.train.solver is None]
    terms = np.array([cost_terms(job) for job, _ in stepped])
    measured = np.array([s for _, s in stepped])
    fitted = fit(terms, measured)
    table = Table(title="Seconds per term: shipped and fitted now")
    for column in ("term", "shipped", "fitted"):
        table.add_column(column, justify="left" if column == "term" else "right")
    for term, shipped, now in zip(TERMS, SECONDS_PER_TERM, fitted, strict=True):
        table.add_row(term, f"{shipped:.3g}", f"{now:.3g}")
    console.print(table)
    shipped_error = np.abs(terms @ np.array(SECONDS_PER_TERM) / measured - 1)
    fitted_error = np.abs(terms @ fitted / measured - 1)
    console.print(f"relative error of the seconds of {len(stepped)} runs: shipped median "
                  f"{np.median(shipped_error):.0%}, max {shipped_error.max():.0%}; fitted "
                  f"median {np.median(fitted_error):.0%}, max {fitted_error.max():.0%}")

    table = Table(title="Two workers: when the later ends, and how far apart they end (s)")
    for column in ("preset", "runs", "one core", "by the model before", "by the model",
                   "by the fitted", "by their own seconds"):
        table.add_column(column, justify="left" if column == "preset" else "right",
                         no_wrap=column == "preset")
    for name in names:
        own = seconds[name]
        fitted_cost = [float(np.dot(cost_terms(job), fitted)) for job in jobs[name]]
        cells = [two_workers(own, order) for order in (
            lambda i, name=name: cost_before(jobs[name][i]),
            lambda i, name=name: job_cost(jobs[name][i]),
            fitted_cost.__getitem__, own.__getitem__)]
        table.add_row(name, str(len(own)), f"{sum(own):.3f}",
                      *(f"{end:.3f}, {apart:.3f} apart" for end, apart in cells))
    console.print(table)


if __name__ == "__main__":
    main()
