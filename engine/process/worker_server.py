"""Where a local pool's workers come from: the command itself, or a fork server that has
imported the engine once.

A spawned worker is a new interpreter that imports NumPy and the engine before it takes
its first job (0.3-0.4 s of a core each), and a sweep waits for its workers. So workers
are forked, from a process that has imported all they need:

- **the command itself** (``can_fork_here``), on Linux, while it runs no thread but its
  main one: a headless command (``nnterm run``, ``nnterm check``) keeps NumPy to one BLAS
  thread and opens its pool before its progress bar starts a thread. Its workers start
  at once, and no other process starts;
- **a server** otherwise (multiprocessing's ``forkserver``): a clean spawned process
  that runs no thread and imports the pool's worker side (``PRELOAD``) once, so forking
  it is safe where forking the command would not be (the TUI's threads: a lock another
  thread holds at the fork stays held in the child for ever). The command line starts it
  (``start``) as soon as it knows such a pool will run, so that its imports overlap the
  command's own on the other core.

On scaling_laws, forking from the command made ``nnterm run --workers 2`` 0.06 s
sooner than forking from the server: the server's interpreter and the tracker of its
named semaphores no longer start beside the command's own imports, and the workers
start as soon as the pool opens.

Workers keep to one BLAS thread (``one_blas_thread``, read when the server imports
NumPy; the command line sets it before its own import, ``nnterm.app.single_thread_blas``)
and are born ignoring SIGINT (``ctrl_c_ignored``, ``ctrl_c_blocked``: a terminal's Ctrl-C
goes to the whole process group; the command stops the jobs through the pool's flag).

Standard library only: ``start`` costs the command line no import.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from multiprocessing import forkserver
from multiprocessing.context import BaseContext, ForkServerContext

#: What the server imports before it forks a worker: the pool's worker side, NumPy and
#: all. (A worker then runs the command's main script again, as a spawned one does; the
#: script's own imports are ``start``'s ``main_imports``.)
PRELOAD = ("nnterm.engine.experiments.pool",)

#: The server's last import, after ``PRELOAD`` and the command's own: it freezes what the
#: server has made (``gc.freeze``), which shortens the server's exit and keeps the
#: workers' collections off the memory they share with it.
FREEZE = "nnterm.engine.process.server_frozen"

#: The thread pools of the BLAS libraries NumPy may use. A pool's workers take one
#: thread each (as the app does, see ``nnterm.app.single_thread_blas``): a worker per
#: core already fills every core, and BLAS threads inside each would fight over them
#: (measured: 2 workers 1.13x faster than 1 with the default threads, 1.7x with one).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS thread for the processes started from now on, unless the user set it."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """SIGINT ignored while the block runs, where this is the main thread (only it may
    set a handler). A process started meanwhile starts with it ignored, and Python keeps
    an ignored SIGINT ignored: the fork server does, so the workers it forks do too until
    their initializer has run (each worker restores the server's handler from before its
    start: with Python's own, a Ctrl-C at that moment printed a worker's traceback)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def ctrl_c_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread while the block runs: a Ctrl-C meanwhile (a
    terminal sends it to every process of its group) waits until the block ends instead
    of interrupting this process half-way through starting one; then this process gets
    it and stops the jobs through the pool's flag. (The server does not keep the mask:
    multiprocessing starts it with none; ``ctrl_c_ignored`` is what keeps a Ctrl-C from
    the server and its workers. A worker forked from this process keeps it: SIGINT
    waits, blocked, until the worker's initializer has ignored it.)"""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def can_fork_here() -> bool:
    """Whether a pool may fork its workers from this process: on Linux (elsewhere system
    libraries are not safe to fork, and Python spawns by default), while this process
    runs no thread but its main one, as the kernel counts them: a native library's
    threads too (a BLAS thread pool, unless one BLAS thread was set before NumPy loaded),
    which ``threading`` does not see."""
    if sys.platform != "linux":
        return False
    with open("/proc/self/status") as status:
        threads = next(line for line in status if line.startswith("Threads:"))
    return int(threads.split()[1]) == 1


def here_context() -> BaseContext:
    """The context that forks workers from this process (``can_fork_here`` must hold).
    What this process has printed goes out first: a worker flushes the buffers it was
    forked with as it ends, and would print it again."""
    sys.stdout.flush()
    sys.stderr.flush()
    return multiprocessing.get_context("fork")


def worker_context(main_imports: Sequence[str] = ()) -> ForkServerContext:
    """The multiprocessing context a local pool starts its workers with; a server it
    starts imports ``PRELOAD`` and ``main_imports``, then ``FREEZE``."""
    one_blas_thread()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, *main_imports, FREEZE])
    return context


def start(main_imports: Sequence[str] = ()) -> None:
    """Start the server now (if it does not run yet): it imports ``PRELOAD`` and
    ``main_imports`` (the modules the command's main script imports: a worker runs it
    again) while this process goes on. It ends when this process does."""
    worker_context(main_imports)
    with ctrl_c_blocked(), ctrl_c_ignored():  # (a Ctrl-C meanwhile waits, blocked)
        forkserver.ensure_running()
