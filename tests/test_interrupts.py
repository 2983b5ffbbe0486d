"""Interrupting the headless commands: SIGTERM, SIGHUP and Ctrl-C (SIGINT to the whole
process group, as a terminal sends it) end every worker within 2 s, print what finished
and exit 128 + the signal, with no leaked-semaphore warning."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: Processes, signals and ports of their own: run one at a time (tests/conftest.py).
pytestmark = pytest.mark.serial

NNTERM = str(Path(sys.executable).with_name("nnterm"))


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [d for k in kids for d in descendants(k)]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_for_output(proc: subprocess.Popen, wanted: str, timeout: float) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
    return seen


@pytest.mark.parametrize("command", [
    ["run", "scaling_laws", "--steps", "10000000", "--workers", "2"],
    ["check", "scaling_laws", "--seed", "0", "1", "2", "3", "4", "5", "--workers", "2"],
])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_an_interrupted_pool_ends_every_worker(command, sig):
    proc = subprocess.Popen([NNTERM, *command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        if command[0] == "run":
            wait_for_output(proc, "running", 60)  # a worker reported progress
        else:
            deadline = time.monotonic() + 60
            while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # the two workers (forked from the command)
        workers = descendants(proc.pid)
        assert len(workers) >= 2
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C: the whole group
        else:
            proc.send_signal(sig)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 128 + sig
        deadline = sent + 10.0  # (ends, not leaked: a generous bound for a loaded machine)
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not [w for w in workers if alive(w)]
        assert "interrupted:" in out and "leaked" not in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_killed_command_leaves_no_worker_training():
    # SIGKILL: no clean-up at all in the parent; each worker sees its parent gone
    proc = subprocess.Popen([NNTERM, "run", "scaling_laws", "--steps", "10000000",
                             "--workers", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    workers = []
    try:
        wait_for_output(proc, "running", 60)  # a worker reported progress
        workers = descendants(proc.pid)
        assert len(workers) >= 2
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10.0
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not [w for w in workers if alive(w)]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in filter(alive, workers):  # (a failure leaves none behind either)
            os.kill(pid, signal.SIGKILL)
