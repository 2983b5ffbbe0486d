"""Where a preset's runs go: worker processes here, or a Dask or Ray cluster.

``open_pool(kind, workers, scheduler)`` gives a ``pool.PointPool`` over a standard
``concurrent.futures.Executor``:

- ``local``: ``workers`` processes on this machine (``pool.local_pool``), forked from
  this process where it runs no other thread (a headless command opens its pool before
  its progress bar starts one), else from the worker server.
- ``dask``: ``dask.distributed``; without ``scheduler`` a ``LocalCluster`` of ``workers``
  processes (one thread each) is started and closed with the pool; with
  ``scheduler="tcp://HOST:PORT"`` the runs go to that running cluster. The client's
  ``get_executor()`` is the Executor.
- ``ray``: Ray tasks (one CPU each); ``scheduler`` is a Ray address (``ray://HOST:10001``
  or ``auto``), else a local Ray of ``workers`` CPUs is started.

Dask and Ray are optional extras (``pip install 'nnterm[dask]'``, ``'nnterm[ray]'``);
without them ``ExecutorError`` says how to install them (and, for a cluster that
cannot be reached, where it was looked for). Every worker of a cluster needs
nnterm installed (the same version), as it imports the job's code by name.

``pool`` (and the engine, NumPy and all, with it) is imported when a pool is opened: the
command line reads ``EXECUTORS`` and ``ExecutorError`` for its options and errors, and
``nnterm list`` or ``--help`` need nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from nnterm.engine.experiments.pool import PointPool

EXECUTORS = ("local", "dask", "ray")

_P = ParamSpec("_P")
_T = TypeVar("_T")


class ExecutorError(RuntimeError):
    """An executor that cannot be used: its package is not installed, or its cluster
    cannot be reached. The message says what to do."""


def open_pool(kind: str = "local", workers: int | None = None,
              scheduler: str | None = None) -> PointPool:
    """A pool of the ``kind`` named (see the module docstring)."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r} (one of {', '.join(EXECUTORS)})")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    from nnterm.engine.experiments.pool import local_pool

    if kind == "local":
        if scheduler is not None:
            raise ValueError("a scheduler address needs --executor dask or ray")
        return local_pool(workers, fork_here=True)
    if kind == "dask":
        return _dask_pool(workers, scheduler)
    return _ray_pool(workers, scheduler)


def _dask_pool(workers: int | None, scheduler: str | None) -> PointPool:
    from nnterm.engine.experiments.pool import PointPool
    from nnterm.engine.process.worker_server import cores

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("--executor dask needs Dask: pip install 'nnterm[dask]'") from None
    cluster = None
    if scheduler is None:
        workers = workers or cores()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        where = f"a local Dask cluster of {workers} processes"
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as err:
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        workers = sum(client.nthreads().values()) or 1
        where = f"the Dask cluster at {scheduler} ({workers} threads)"

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return PointPool(client.get_executor(), workers, on_close=close, description=where)


class RayExecutor(Executor):
    """Ray tasks behind the Executor interface: ``submit`` runs ``fn`` as a remote task
    of one CPU and returns the ``concurrent.futures.Future`` of its ObjectRef."""

    def __init__(self, ray: Any) -> None:
        self._ray = ray
        self._refs: list[Any] = []

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args,
               **kwargs: _P.kwargs) -> Future[_T]:
        ref = self._ray.remote(num_cpus=1)(fn).remote(*args, **kwargs)
        self._refs.append(ref)
        future: Future[_T] = ref.future()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for ref in self._refs:
                self._ray.cancel(ref, force=True)
        self._refs.clear()


def _ray_pool(workers: int | None, address: str | None) -> PointPool:
    from nnterm.engine.experiments.pool import PointPool
    from nnterm.engine.process.worker_server import cores

    try:
        import ray
    except ImportError:
        raise ExecutorError("--executor ray needs Ray: pip install 'nnterm[ray]'") from None
    if address is None:
        workers = workers or cores()
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        where = f"a local Ray of {workers} CPUs"
    else:
        try:
            ray.init(address=address, log_to_driver=False)
        except (OSError, TimeoutError, ValueError, ConnectionError) as err:
            raise ExecutorError(f"cannot reach the Ray cluster at {address}: {err}") from None
        workers = int(ray.cluster_resources().get("CPU", 1))
        where = f"the Ray cluster at {address} ({workers} CPUs)"
    return PointPool(RayExecutor(ray), workers, on_close=ray.shutdown, description=where)
