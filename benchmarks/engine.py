"""Engine throughput: this tree against an earlier one, and against a minimal NumPy loop.

``steps`` (the default table): steps/s of the training step of the tree as it is beside
the same tree with its compiled step off (``NNTERM_COMPILED=0``: NumPy's step alone) and
the engine at ``--before`` (a git revision: the release before the work on speed), each
in a worker process of its own, asked in turn, case after case, round after round (the
best round of each counts: this shared machine's speed drifts for seconds at a time; the
first round of a worker also loads the compiled kernels, in a thread, while its first
thousand steps go on with NumPy). Every case also reports whether all three ended with
the same weights, bit for bit. The cases:

* ``loop``: ``MLP(...).loss_and_grads`` then ``opt.step`` on batches of the spiral;
* ``trainer``: ``Trainer.run``, telemetry at its default interval (every 100 steps);

on a 2-8-8-1 tanh net trained with squared error (``sigmoid_mse``) and plain SGD at batch
10 (TensorFlow Playground's default), a 2-32-32-2 tanh net at batch 32, the playground
preset's full batch (2-32-32-2, Adam, 400 points) and a wide 784-256-256-10 ReLU net; and

* ``lockstep``: rounds per second of a lesson's runs in lockstep, headless (``RunSet.tick``:
  one step of every run, as the app's engine steps them; ``placement.lesson_configs``).

Both workers run as the app's engine does: one BLAS thread, the heap on huge pages.

``floor``: the first case's step beside the same NumPy calls written out in a row, with
nothing else (``calls_in_a_row``): what is left to win without fewer NumPy calls.

``minimal``: the engine beside a minimal NumPy loop (``engine_minimal``).

    python benchmarks/engine.py [--only steps|floor|minimal] [--before REV] [--rounds 5]
                                [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from engine_minimal import minimal_table
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
#: the engine before the work on speed (main when it began: issue 26)
BEFORE = "4d558df"
#: the engine process's malloc setting (``process_session.HUGE_PAGES``; the old tree's too)
HUGE_PAGES = "glibc.malloc.hugetlb=1"


# ---------------------------------------------------------------------- this tree vs before
@dataclass(frozen=True)
class StepCase:
    """One training step to time: ``kind`` is ``loop`` or ``trainer``."""

    name: str
    kind: str
    hidden: tuple[int, ...]
    activation: str
    loss: str
    optimizer: str
    lr: float
    batch: int  # 0: full batch
    steps: int
    data: str = "spiral"
    n_train: int = 400


STEP_CASES = (
    StepCase("2-8-8-1 tanh, SGD, batch 10", "loop", (8, 8), "tanh", "sigmoid_mse", "sgd",
             0.03, 10, 20000),
    StepCase("2-8-8-1 tanh, SGD, batch 10", "trainer", (8, 8), "tanh", "sigmoid_mse", "sgd",
             0.03, 10, 20000),
    StepCase("2-32-32-2 tanh, SGD, batch 32", "loop", (32, 32), "tanh", "cross_entropy",
             "sgd", 0.03, 32, 10000),
    StepCase("2-32-32-2 tanh, SGD, batch 32", "trainer", (32, 32), "tanh", "cross_entropy",
             "sgd", 0.03, 32, 10000),
    StepCase("playground: 2-32-32-2, Adam, full batch 400", "trainer", (32, 32), "tanh",
             "cross_entropy", "adam", 0.02, 0, 2000),
    StepCase("784-256-256-10 relu, Adam, batch 128", "trainer", (256, 256), "relu",
             "cross_entropy", "adam", 1e-3, 128, 200, data="random_classification",
             n_train=4096),
)


@dataclass(frozen=True)
class LessonCase:
    """A preset's runs in lockstep, ``rounds`` rounds at a time."""

    preset: str
    rounds: int

    @property
    def name(self) -> str:
        return f"lesson: {self.preset}"

    kind = "lockstep"


LESSON_CASES = (
    LessonCase("xor", 3000),
    LessonCase("playground", 1000),
    LessonCase("learning_rate", 1000),
    LessonCase("activations", 400),
    LessonCase("optimizers", 1000),
    LessonCase("regularization", 150),
)
CASES_TIMED: tuple[StepCase | LessonCase, ...] = (*STEP_CASES, *LESSON_CASES)


def step_config(case: StepCase) -> Any:
    """The Config a case trains (imported late: a worker imports the tree it was given)."""
    from nnterm.engine.training.config import (
        Config,
        DataConfig,
        ModelConfig,
        OptimizerConfig,
        TrainConfig,
    )

    params = {"dim": 784, "n_classes": 10, "rule": "linear"} if case.data != "spiral" else {}
    return Config(
        data=DataConfig(name=case.data, n_train=case.n_train, n_val=256, params=params),
        model=ModelConfig(hidden=case.hidden, activation=case.activation, loss=case.loss),
        train=TrainConfig(steps=10**9, batch_size=case.batch,
                          optimizer=OptimizerConfig(case.optimizer, lr=case.lr)),
        seed=0,
    )


def time_loop(case: StepCase, steps: int) -> tuple[float, list[Any]]:
    """Seconds for ``steps`` of ``loss_and_grads`` + ``opt.step``, and the final weights."""
    from nnterm.engine.nn.optimizers import make_optimizer
    from nnterm.engine.training.trainer import Trainer

    try:
        from nnterm.engine.training.building import build_network
    except ImportError:  # a tree from before trainer.py was split (``--before``)
        from nnterm.engine.training.trainer import build_network

    config = step_config(case)
    data = Trainer(config).dataset
    net = build_network(config, data)
    opt = make_optimizer(case.optimizer, lr=case.lr)
    X, y = data.X_train, data.y_train
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(X), case.batch) for _ in range(64)]
    start = time.perf_counter()
    for i in range(steps):
        idx = batches[i % 64]
        _, grads = net.loss_and_grads(X[idx], y[idx], loss=case.loss)
        opt.step(net.params, grads)
    return time.perf_counter() - start, net.params


def time_trainer(case: StepCase, steps: int) -> tuple[float, list[Any]]:
    """Seconds for ``steps`` of ``Trainer.run``, and the final weights."""
    from nnterm.engine.training.trainer import Trainer

    trainer = Trainer(step_config(case))
    start = time.perf_counter()
    trainer.run(steps=steps)
    return time.perf_counter() - start, trainer.net.params


def time_lesson(case: LessonCase, rounds: int) -> tuple[float, list[Any]]:
    """Seconds for ``rounds`` rounds of a lesson in lockstep, and every run's weights."""
    from placement import lesson_configs

    from nnterm.engine.live.run_set import build_run_set

    runs = build_run_set(lesson_configs(case.preset))
    start = time.perf_counter()
    for _ in range(rounds):
        runs.tick()
    return time.perf_counter() - start, [p for t in runs.trainers for p in t.net.params]


def serve(tree: str) -> None:
    """A worker: import nnterm from ``tree`` ("" for the installed one), then time the
    cases asked for on stdin (one JSON object a line), answering steps/s and a digest of
    the final weights."""
    if tree:
        sys.path.insert(0, tree)
    timers: dict[str, Callable[[Any, int], tuple[float, list[Any]]]] = {
        "loop": time_loop, "trainer": time_trainer, "lockstep": time_lesson}
    for line in sys.stdin:
        ask = json.loads(line)
        case = CASES_TIMED[ask["case"]]
        seconds, params = timers[case.kind](case, ask["steps"])
        digest = hashlib.sha256(b"".join(np.ascontiguousarray(p).tobytes()
                                         for p in params)).hexdigest()
        print(json.dumps({"steps_per_s": ask["steps"] / seconds, "digest": digest}), flush=True)


class Worker:
    """A ``serve`` process for one tree."""

    def __init__(self, tree: str, numpy_only: bool = False) -> None:
        env = dict(os.environ)
        if numpy_only:  # this tree with its compiled step off
            env["NNTERM_COMPILED"] = "0"
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")  # one BLAS thread, as the app's engine has
        if "glibc.malloc.hugetlb" not in env.get("GLIBC_TUNABLES", ""):  # as the engine's
            env["GLIBC_TUNABLES"] = ":".join(filter(None, [env.get("GLIBC_TUNABLES"),
                                                           HUGE_PAGES]))
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", tree], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env=env)

    def ask(self, case: int, steps: int) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"case": case, "steps": steps}) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def checkout(revision: str, into: Path) -> str:
    """The engine of ``revision`` as an importable ``nnterm`` under ``into``."""
    package = into / "nnterm"
    package.mkdir()
    (package / "__init__.py").write_text("")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "engine", "presets",
                              "app"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(package)], input=archive, check=True)
    return str(into)


def steps_table(before: str, rounds: int, quick: bool) -> Table:
    table = Table(title=f"training steps/s: {before} (before), this tree with NumPy's step "
                        f"only (NNTERM_COMPILED=0) and as it is (now), best of {rounds} "
                        "rounds, asked in turn")
    for col in ("case", "measures", "before", "NumPy only", "now", "now / before",
                "same weights"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as scratch:
        workers = {"before": Worker(checkout(before, Path(scratch))),
                   "numpy": Worker("", numpy_only=True), "now": Worker("")}
        try:
            for i, case in enumerate(CASES_TIMED):
                full = case.steps if isinstance(case, StepCase) else case.rounds
                steps = max(20, full // 10) if quick else full
                best = dict.fromkeys(workers, 0.0)
                digests = set()
                for r in range(rounds):
                    order = list(workers.items())
                    for side, worker in order if r % 2 == 0 else order[::-1]:
                        answer = worker.ask(i, steps)
                        best[side] = max(best[side], answer["steps_per_s"])
                        digests.add(answer["digest"])
                table.add_row(case.name, case.kind, f"{best['before']:,.0f}",
                              f"{best['numpy']:,.0f}", f"{best['now']:,.0f}",
                              f"{best['now'] / best['before']:.2f}x",
                              "yes" if len(digests) == 1 else "NO")
        finally:
            for worker in workers.values():
                worker.close()
    return table


def calls_in_a_row(steps: int) -> float:
    """Steps per second of the NumPy calls of the engine's step on 2-8-8-1 tanh, squared
    error of a sigmoid, SGD, batch 10, written out in a row with nothing else between them
    (the cheapest calls for each: ``take``, ``dot``, in-place ufuncs, one update of all
    weights): what a step in NumPy costs without any Python of its own."""
    from nnterm.engine.nn.flat import shared_buffer
    from nnterm.engine.nn.network import MLP
    from nnterm.engine.training.trainer import Trainer

    case = STEP_CASES[0]
    data = Trainer(step_config(case)).dataset
    X, y = data.X_train, data.y_train.astype(float).reshape(-1, 1)
    net = MLP([2, 8, 8, 1], activation="tanh", seed=0)
    W0, b0, W1, b1, W2, b2 = net.params
    weights = shared_buffer(net.params)
    assert weights is not None
    g, update = np.empty(net.n_params), np.empty(net.n_params)
    tanh, mul, sub, total, dot = np.tanh, np.multiply, np.subtract, np.add.reduce, np.ndarray.dot
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(X), 10) for _ in range(64)]
    start = time.perf_counter()
    for i in range(steps):
        idx = batches[i % 64]
        x, t = X.take(idx, axis=0), y.take(idx, axis=0)
        z0 = dot(x, W0)
        z0 += b0
        a0 = tanh(z0)
        z1 = dot(a0, W1)
        z1 += b1
        a1 = tanh(z1)
        z2 = dot(a1, W2)
        z2 += b2
        s = mul(0.5, z2)
        tanh(s, out=s)
        np.add(1.0, s, out=s)
        mul(0.5, s, out=s)
        diff = sub(s, t)
        float(total(mul(diff, diff), axis=None)) / 10
        dz = mul(0.2, diff)
        mul(dz, s, out=dz)
        mul(dz, sub(1.0, s), out=dz)
        gW2, gb2 = dot(a1.T, dz), total(dz, axis=0)
        da = dot(dz, W2.T)
        d = mul(a1, a1)
        mul(da, sub(1.0, d, out=d), out=da)
        gW1, gb1 = dot(a0.T, da), total(da, axis=0)
        da0 = dot(da, W1.T)
        d = mul(a0, a0)
        mul(da0, sub(1.0, d, out=d), out=da0)
        gW0, gb0 = dot(x.T, da0), total(da0, axis=0)
        np.concatenate([gW0, gb0, gW1, gb1, gW2, gb2], axis=None, out=g)
        mul(g, case.lr, out=update)
        sub(weights, update, out=weights)
    return steps / (time.perf_counter() - start)


def floor_table(rounds: int, quick: bool) -> Table:
    """The engine's step beside the same NumPy calls in a row (``calls_in_a_row``)."""
    table = Table(title="2-8-8-1 tanh, SGD, batch 10: the engine beside its NumPy calls in "
                        "a row (steps/s, best of rounds)")
    for col in ("calls in a row", "loop", "trainer", "loop / in a row"):
        table.add_column(col, justify="right")
    case = STEP_CASES[0]
    steps = max(20, case.steps // 10) if quick else case.steps
    best = [0.0, 0.0, 0.0]
    for _ in range(rounds):
        best[0] = max(best[0], calls_in_a_row(steps))
        best[1] = max(best[1], steps / time_loop(case, steps)[0])
        best[2] = max(best[2], steps / time_trainer(case, steps)[0])
    table.add_row(*(f"{b:,.0f}" for b in best), f"{best[1] / best[0]:.2f}x")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("steps", "floor", "minimal"))
    parser.add_argument("--before", default=BEFORE, help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a tenth of the steps")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # serve(): the tree to import
    args = parser.parse_args()
    if args.worker is not None:
        serve(args.worker)
        return
    console = Console()
    if args.only in (None, "steps"):
        console.print(steps_table(args.before, args.rounds, args.quick))
    if args.only in (None, "floor"):
        console.print(floor_table(args.rounds, args.quick))
    if args.only in (None, "minimal"):
        console.print(minimal_table(args.rounds, args.quick))


if __name__ == "__main__":
    main()
