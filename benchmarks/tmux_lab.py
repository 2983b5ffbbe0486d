"""Drive the app in a private tmux server and read its processes from ``/proc``.

Used by ``benchmarks/ui.py``: a ``Tmux`` wrapper (start, type, read the screen, clean up
with a marker in every started process's environment) and small ``/proc`` readers (CPU
seconds, resident memory, children), so that measurements need no extra dependency.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LONG_RUN = "train.steps=1000000000"  # a run that does not end while measured
STEP_RE = re.compile(r"\bstep ([\d,]+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------------------- /proc
def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str] | None:
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from 3 (state) on


def ppid_of(pid: int) -> int | None:
    f = _stat_fields(pid)
    return int(f[1]) if f else None


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of ``pid`` (all its threads), in seconds."""
    f = _stat_fields(pid)
    return (int(f[11]) + int(f[12])) / CLK_TCK if f else None


def rss_mb(pid: int) -> float | None:
    text = _read(f"/proc/{pid}/status")
    if text is None:
        return None
    m = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) / 1024 if m else None


def cmdline(pid: int) -> str:
    text = _read(f"/proc/{pid}/cmdline")
    return (text or "").replace("\0", " ").strip()


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (no /proc/PID/task/*/children here: a scan)."""
    parents = {pid: ppid_of(pid) for pid in all_pids()}
    tree, frontier = [root], [root]
    while frontier:
        nxt = [pid for pid, pp in parents.items() if pp in frontier]
        tree += nxt
        frontier = nxt
    return [pid for pid in tree if _read(f"/proc/{pid}/stat") is not None]


def marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (only the ones this run started)."""
    found = []
    needle = marker.encode()
    for pid in all_pids():
        try:
            if needle in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return [pid for pid in found if pid != os.getpid()]


# ---------------------------------------------------------------------------- tmux
@dataclass
class Tmux:
    """A private tmux server (its own socket), so nothing else's sessions are touched."""

    socket: str
    width: int
    height: int
    marker: str
    started: list[str] = field(default_factory=list)

    def run(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True)
        if check and proc.returncode:
            raise RuntimeError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, name: str, argv: list[str]) -> None:
        env = f"{self.marker}=1 COLORTERM=truecolor"
        command = f"exec env {env} {shlex.join(argv)}"
        self.run("new-session", "-d", "-s", name, "-x", str(self.width), "-y", str(self.height),
                 command)
        self.started.append(name)

    def first_line(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name, "-S", "0", "-E", "0", check=False)

    def send(self, name: str, key: str, literal: bool = True) -> None:
        """Type ``key``: its characters (``literal``) or a key by tmux's name (``Down``)."""
        self.run("send-keys", "-t", name, *(["-l"] if literal else []), "--", key, check=False)

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def server_pid(self) -> int | None:
        out = self.run("display-message", "-p", "#{pid}", check=False).strip()
        return int(out) if out.isdigit() else None

    def processes(self, name: str) -> dict[str, int]:
        """{'ui': pid, 'engine': pid, 'tracker': pid} of the app in session ``name``."""
        found: dict[str, int] = {}
        for pid in descendants(self.pane_pid(name)):
            line = cmdline(pid)
            if "resource_tracker" in line:
                found["tracker"] = pid
            elif "multiprocessing" in line or "spawn_main" in line:
                found["engine"] = pid
            elif "nnterm" in line and "ui" not in found:
                found["ui"] = pid
        return found

    def stop(self, name: str) -> None:
        """Quit the app with q, then kill the session; kill what is left of its tree."""
        try:
            tree = descendants(self.pane_pid(name))
        except (RuntimeError, ValueError):
            tree = []
        self.send(name, "q")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(alive(p) for p in tree):
            time.sleep(0.05)
        self.run("kill-session", "-t", name, check=False)
        _kill(tree, self.marker)
        if name in self.started:
            self.started.remove(name)

    def shutdown(self) -> list[int]:
        """Kill every session and the server; returns the pids that had to be killed."""
        for name in list(self.started):
            self.stop(name)
        self.run("kill-server", check=False)
        tmpdir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (tmpdir / self.socket).unlink(missing_ok=True)  # the server leaves its socket file
        time.sleep(0.2)
        left = [p for p in marked_pids(self.marker) if alive(p)]
        _kill(left, self.marker)
        return left


def alive(pid: int) -> bool:
    f = _stat_fields(pid)
    return f is not None and f[0] != "Z"


def _kill(pids: list[int], marker: str) -> None:
    """SIGTERM, then SIGKILL, the live ``pids`` that carry ``marker`` (never a reused pid)."""
    pids = [p for p in pids if p in marked_pids(marker)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        live = [p for p in pids if alive(p)]
        for pid in live:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 1
        while live and time.monotonic() < deadline:
            live = [p for p in live if alive(p)]
            time.sleep(0.05)


def read_step(line: str) -> int | None:
    m = STEP_RE.search(line)
    return int(m.group(1).replace(",", "")) if m else None


def wait_for(poll: Callable[[], object], timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = poll()
        if value:
            return value
        time.sleep(every)
    return None


def nnterm_argv(args, preset: str, *extra: str, speed: str | None = "full",
                nnterm: str | None = None) -> list[str]:
    """``nnterm PRESET`` on a run that does not end, at ``speed`` (None: the lesson's
    pace), by ``nnterm`` (default ``args.nnterm``)."""
    argv = [nnterm or args.nnterm, preset, "--set", LONG_RUN]
    if speed is not None:
        argv += ["--speed", speed]
    if args.fps is not None:
        argv += ["--fps", str(args.fps)]
    return argv + list(extra)


def start_training(tmux: Tmux, name: str, argv: list[str], timeout: float = 60) -> int:
    """Start the app and wait for the status line to show a step > 0; returns it."""
    tmux.start(name, argv)
    step = wait_for(lambda: read_step(tmux.first_line(name)), timeout)
    if not step:
        screen = tmux.run("capture-pane", "-p", "-t", name, check=False)
        raise RuntimeError(f"{' '.join(argv)} showed no step within {timeout:g} s:\n{screen}")
    return step
