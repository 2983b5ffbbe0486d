"""A child ends with the process that started it, even when that process died while the
child was still starting (its parent then already someone else); a pool's worker ends
with the pool's process, whose child it is not: ``parent_watch``."""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import sys, time
from nnterm.engine.process.parent_watch import end_with_parent, end_with_process
watch = end_with_process if sys.argv[2:] == ["any"] else end_with_parent
watch(int(sys.argv[1]))
print("watching", flush=True)
time.sleep(30)
"""


def test_a_child_whose_parent_is_already_gone_ends_at_once():
    gone = os.getpid() + 1_000_000  # (not this test's id: the child's parent is this test)
    child = subprocess.run([sys.executable, "-c", CHILD, str(gone)], capture_output=True,
                           text=True, timeout=20)
    assert child.returncode == 0 and "watching" not in child.stdout


def test_a_child_of_the_parent_it_was_told_keeps_running_until_stopped():
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(os.getpid())],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "watching\n"
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_a_worker_whose_pool_is_already_gone_ends_at_once():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    child = subprocess.run([sys.executable, "-c", CHILD, str(gone.pid), "any"],
                           capture_output=True, text=True, timeout=20)
    assert child.returncode == 0 and "watching" not in child.stdout


def test_a_worker_ends_when_the_process_it_watches_does_whoever_started_it():
    """The watched process is the test's other child, not the worker's parent."""
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(owner.pid), "any"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "watching\n"
        assert child.poll() is None
        owner.kill()
        owner.wait()
        assert child.wait(timeout=20) == 0  # (a hang guard: it ends within PARENT_CHECK)
    finally:
        for process in (owner, child):
            if process.poll() is None:
                process.kill()
                process.wait()
