"""What a job will cost, in seconds of one core: the pool starts the costliest first, so
that the long runs do not hold up the end and the workers finish together.

A run's seconds are modelled as a sum of terms (``cost_terms``), each times its
``SECONDS_PER_TERM``:

- a run: building it, and the evaluations of its records;
- a step: the 40-odd NumPy calls of a small net's step, whatever its size; on the
  networks of a first course this is most of it;
- an example x a unit (the widths after the input): element-wise work, the bias, the
  activation and its derivative;
- an example x a weight: the products, forward and back;
- a fresh batch (``data.fresh_batches``): the sampler's own calls, each step;
- an example x an input of a fresh batch: the random numbers it draws.

The seconds were fitted by least squares (relative error) to the runs of every sweep
preset, trained one after another on one core; ``benchmarks/job_cost.py`` fits them
again and shows how two workers would share each sweep with them. Without the element-
wise and fresh-batch terms (cost = steps x (overhead + examples x weights)),
scaling_laws' 8-D runs were costed up to 30% too high against its 2-D ones, and its two
workers ended 0.07-0.13 s apart; with them, 0.02 s apart. (A closed-form run,
``train.solver``, costs its one solve, which no term models; double_descent's widths
order its runs right all the same.)
"""

from __future__ import annotations

from nnterm.engine.experiments.experiment import PointJob
from nnterm.engine.preset_format.settings_schema import data_probe
from nnterm.engine.training.widths import layer_widths

#: Seconds per unit of each of ``cost_terms``: a run, a step, an example x a unit, an
#: example x a weight, a fresh batch, an example x an input drawn.
SECONDS_PER_TERM = (5.6e-3, 21.4e-6, 1.41e-9, 0.24e-9, 9.1e-6, 7.3e-9)


def cost_widths(job: PointJob) -> tuple[int, ...]:
    """The job's layer widths, input and output from its data (``data_probe``); a dataset
    the probe cannot make counts one input and one output (its job fails with the
    reason in its worker)."""
    try:
        return layer_widths(job.config, data_probe(job.config.data))
    except ValueError:
        return (1, *job.config.model.hidden, 1)


def cost_terms(job: PointJob) -> tuple[float, ...]:
    """How many of each unit of ``SECONDS_PER_TERM`` the job has."""
    config = job.config
    widths = cost_widths(job)
    steps = float(config.train.steps)
    examples = config.train.batch_size or config.data.n_train
    units = sum(widths[1:])
    weights = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    fresh = 1 if config.data.fresh_batches and config.train.batch_size else 0
    return (1.0, steps, steps * examples * units, steps * examples * weights,
            steps * fresh, steps * fresh * examples * widths[0])


def job_cost(job: PointJob) -> float:
    """The job's estimated seconds on one core (``cost_terms`` x ``SECONDS_PER_TERM``)."""
    return sum(n * seconds for n, seconds in zip(cost_terms(job), SECONDS_PER_TERM,
                                                 strict=True))
