"""End a child process (the engine, a sweep's pool worker) as soon as its parent is gone.

A child notices a closed pipe only between steps or jobs, and one step of a big network or
one sweep point can take seconds; a parent killed with SIGKILL, or one that ended at once
after a hang-up (``nnterm.app.app``, ``SIGNAL_GRACE``), is not there to stop it. A daemon
thread looks at the parent's id every ``PARENT_CHECK`` seconds and ends the process when
it is not the parent's that started it (the child was handed to another parent). The
parent says its id: a child still starting (imports take seconds on a busy machine) when
its parent died would otherwise take its new parent for its own and never end. NumPy
releases the GIL in its big operations, so the thread gets to run in the middle of a step.
"""

from __future__ import annotations

import os
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
