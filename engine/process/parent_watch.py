"""End a child process (the engine, a sweep's pool worker) as soon as its parent is gone.

A child notices a closed pipe only between steps or jobs, and one step of a big network or
one sweep point can take seconds; a parent killed with SIGKILL, or one that ended at once
after a hang-up (``nnterm.app.app``, ``SIGNAL_GRACE``), is not there to stop it. A daemon
thread looks at the parent's id every ``PARENT_CHECK`` seconds and ends the process when
it is not the parent's that started it (the child was handed to another parent). The
parent says its id: a child still starting (imports take seconds on a busy machine) when
its parent died would otherwise take its new parent for its own and never end. NumPy
releases the GIL in its big operations, so the thread gets to run in the middle of a step.

A pool's worker may not be its pool's process's child but the fork server's
(``worker_server``), and the server lives as long as any worker does; so a worker watches
the pool's process itself (``end_with_process``), whosever child it is.
"""

from __future__ import annotations

import os
import select
import threading
import time

#: How often a child looks whether the process that started it is still there (seconds).
PARENT_CHECK = 0.2


def end_with_parent(parent: int) -> None:
    """Exit (status 0) as soon as this process's parent is not ``parent`` (the id of the
    process that started it, as it said), watched from a daemon thread."""
    if os.getppid() != parent:
        os._exit(0)
    threading.Thread(target=_watch, args=(parent,), daemon=True,
                     name="nnterm-parent-watch").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def end_with_process(pid: int) -> None:
    """Exit (status 0) as soon as process ``pid`` ends (at once if it has), watched from a
    daemon thread: through a pidfd where the system has them (Linux: the thread sleeps
    until the process ends, and a reused id cannot fool it), else by asking whether the
    id still runs every ``PARENT_CHECK`` seconds."""
    try:
        handle = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except ProcessLookupError:
        os._exit(0)
    except OSError:  # (a kernel without pidfds)
        handle = None
    if handle is None and not _runs(pid):
        os._exit(0)
    threading.Thread(target=_wait_for_end, args=(pid, handle), daemon=True,
                     name="nnterm-process-watch").start()


def _runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # (someone else's: it runs)
        return True
    return True


def _wait_for_end(pid: int, handle: int | None) -> None:
    if handle is not None:
        select.select([handle], [], [])  # readable once the process has ended
    else:
        while _runs(pid):
            time.sleep(PARENT_CHECK)
    os._exit(0)
