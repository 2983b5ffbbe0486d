"""A preset's runs (base, variants, sweep points) trained in a pool of worker processes.

A ``PointPool`` runs ``experiment.PointJob`` s on any ``concurrent.futures.Executor``:
``train_point`` trains a job anywhere (a worker process here, a Dask or Ray worker on
another machine) and a run depends only on its Config (the seed fixes the data, the
weights and the batches), so results are the same, bit for bit, whatever ran them and in
which order; ``experiment.run_preset`` puts them back in the preset's order.

``local_pool(workers)`` is a ``ProcessPoolExecutor`` of processes forked from a process
that has imported the engine (this one, or a server: ``process.worker_server``), which
share a stop flag and a progress queue with this process: ``cancel()`` makes every
running job stop within one chunk of steps (``experiment.CHUNK_SECONDS``), so closing
the pool leaves nothing running. The distributed executors are in ``executors``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Any

from nnterm.engine.experiments.experiment import DataCache, PointJob, RunResult, train_point
from nnterm.engine.experiments.job_cost import job_cost
from nnterm.engine.process import worker_server
from nnterm.engine.process.parent_watch import end_with_process
from nnterm.engine.process.worker_server import cores
from nnterm.engine.training.telemetry import StepRecord
from nnterm.engine.training.trainer import Trainer


@dataclass(frozen=True)
class Progress:
    """A running job's latest record, sent from a worker while it trains."""

    label: str
    step: int
    total: int
    train_loss: float
    val_loss: float


# ---------------------------------------------------------------------------- the worker
@dataclass
class _Worker:
    """What a worker process shares with its pool (set by ``_start_worker``)."""

    stop: Any = None  # a multiprocessing Event, or None
    progress: Any = None  # a multiprocessing Queue of Progress, or None
    data: DataCache = field(default_factory=DataCache)


_WORKER = _Worker()


#: How much nicer a worker is than its pool's process. A sweep's workers fill every core;
#: the sweep view's keys (and any other program's) then wait for a core. Nicer, they
#: give it up at once: the run cursor's p95 on the sweep presets' views (30 keys, 120x40,
#: ``benchmarks/ui.py --only latency``) 24-33 ms against 29-65 ms. A headless sweep
#: loses nothing: its command barely works while the workers train.
WORKER_NICENESS = 10


def _start_worker(stop: Any, progress: Any, owner: int, environ: dict[str, str]) -> None:
    """A ``ProcessPoolExecutor`` initializer: keep the pool's stop flag and queue, take
    the pool's process's environment (the server's is as it was when it started), be
    ``WORKER_NICENESS`` nicer than the pool's process, and leave Ctrl-C (SIGINT, sent to
    the whole terminal's process group) to the pool's process (``owner``), which stops
    the jobs through the flag: a worker killed mid-job would break the pool. A worker
    forked from the command itself ends on SIGTERM and SIGHUP, as the server's do,
    instead of running the command's handlers for them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (ignored from its start: worker_server)
    os.nice(WORKER_NICENESS)
    for ending in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(ending, signal.SIG_DFL)
    end_with_process(owner)  # an owner ended at once (SIGKILL) would leave jobs running
    os.environ.clear()
    os.environ.update(environ)
    # A worker's queue flushes its reports at exit; if nobody reads them (nnterm check)
    # the pipe fills, the flush never ends and the pool's shutdown waits forever. Reports
    # still unsent when a worker ends are stale: drop them.
    progress.cancel_join_thread()
    _WORKER.stop, _WORKER.progress = stop, progress


def run_job(job: PointJob) -> RunResult:
    """A worker's entry point: ``train_point`` with the worker's data cache, stop flag
    and progress queue (each optional: a Dask or Ray worker has neither)."""
    stop = _WORKER.stop
    return train_point(job, _WORKER.data,
                       should_stop=None if stop is None else stop.is_set,
                       on_chunk=_reporter(job) if _WORKER.progress is not None else None)


def _reporter(job: PointJob) -> Callable[[Trainer, StepRecord], None]:
    def report(trainer: Trainer, latest: StepRecord) -> None:
        with contextlib.suppress(queue.Full):  # a slow reader loses reports, not steps
            _WORKER.progress.put_nowait(Progress(job.label, trainer.step_count,
                                                 job.config.train.steps, latest.train_loss,
                                                 latest.val_loss))
    return report


# ---------------------------------------------------------------------------- the pool
def _as_finished(futures: dict[Future[RunResult], int], poll: Callable[[], None] | None,
                 poll_seconds: float) -> Iterator[tuple[int, RunResult]]:
    """``(futures[f], f.result())`` as each future ``f`` finishes (those that finish
    together in their index order), calling ``poll()`` at least every ``poll_seconds``."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=poll_seconds, return_when=FIRST_COMPLETED)
        if poll is not None:
            poll()
        for future in sorted(done, key=futures.__getitem__):
            yield futures[future], future.result()


class PointPool:
    """Jobs on an ``Executor`` with ``workers`` workers. ``progress``: a queue of
    Progress from the workers (None where the executor cannot share one); ``stop``: the
    flag ``cancel`` sets (None: running jobs finish)."""

    def __init__(self, executor: Executor, workers: int, *, stop: Any = None,
                 progress: Any = None, on_close: Callable[[], None] | None = None,
                 description: str = "") -> None:
        self.executor = executor
        self.workers = workers
        self.stop = stop
        self.progress = progress
        self.description = description or f"{workers} workers"
        self._on_close = on_close
        self._futures: list[Future[RunResult]] = []
        self._closed = False
        self._close_lock = threading.Lock()

    def submit(self, job: PointJob) -> Future[RunResult]:
        future = self.executor.submit(run_job, job)
        self._futures.append(future)
        return future

    def run(self, jobs: list[PointJob], poll: Callable[[], None] | None = None,
            poll_seconds: float = 0.2) -> Iterator[tuple[int, RunResult]]:
        """Submit every job now, the costliest first (``job_cost``: the long runs start
        at once instead of holding up the end, so the workers finish together); the
        iterator returned yields ``(index in jobs, result)`` as each finishes, calling
        ``poll()`` at least every ``poll_seconds`` meanwhile (to show progress). (The
        workers start on the jobs while the caller builds its progress display.)"""
        order = sorted(range(len(jobs)), key=lambda i: -job_cost(jobs[i]))
        futures = {self.submit(jobs[i]): i for i in order}
        return _as_finished(futures, poll, poll_seconds)

    def progress_updates(self) -> list[Progress]:
        """The progress reports that arrived since the last call."""
        out: list[Progress] = []
        while self.progress is not None:
            try:
                out.append(self.progress.get_nowait())
            except (queue.Empty, OSError, ValueError):
                break
        return out

    def cancel(self) -> None:
        """Drop queued jobs and make running ones stop at their next chunk."""
        if self.stop is not None:
            self.stop.set()
        for future in self._futures:
            future.cancel()

    def close(self) -> None:
        """Cancel what is left and wait for the workers to end; idempotent, and safe to
        call from several threads (the later calls wait for the first)."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            self.cancel()  # queued futures are cancelled: shutdown waits for running ones
            self.executor.shutdown(wait=True)
            if self._on_close is not None:
                self._on_close()

    def __enter__(self) -> PointPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def local_pool(workers: int | None = None, *, fork_here: bool = False) -> PointPool:
    """A pool of ``workers`` processes (default: one per core). With ``fork_here``, and
    where ``worker_server.can_fork_here`` (Linux, no thread but this one: a headless
    command), they are forked from this process, which has imported all they need;
    otherwise from the worker server (``process.worker_server``: started now if the
    command line has not started it yet), which is safe even when this process runs
    threads (the TUI). Workers take this process's environment, which gets one BLAS
    thread set for them unless the user set it already."""
    workers = workers or cores()
    if fork_here and worker_server.can_fork_here():
        context: BaseContext = worker_server.here_context()
    else:
        context = worker_server.worker_context()
        worker_server.start()
    stop, progress = context.Event(), context.Queue(maxsize=10_000)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_start_worker,
                                   initargs=(stop, progress, os.getpid(), dict(os.environ)))
    try:
        with worker_server.ctrl_c_blocked():  # the workers start now, one per task in flight
            for started in [executor.submit(int) for _ in range(workers)]:
                started.result()
    except BaseException:  # interrupted while starting: leave nothing behind
        executor.shutdown(wait=True, cancel_futures=True)
        progress.close()
        progress.join_thread()
        raise

    def release() -> None:
        progress.close()
        progress.join_thread()

    return PointPool(executor, workers, stop=stop, progress=progress, on_close=release,
                     description=f"{workers} local worker processes")
