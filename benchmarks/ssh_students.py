"""A student of ``nnterm serve --ssh`` in ``benchmarks/serve_load.py``: an asyncssh client
with a PTY, which reads the screen's words from the bytes the app writes
(``terminal_text``: no terminal emulator) and times a key until its effect shows."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

from nnterm.app.ssh_lib import asyncssh

sys.path.insert(0, str(Path(__file__).parent))
from terminal_text import plain, screen_rows  # noqa: E402  (beside this script)

#: The loss plot's label, in its log and its linear scale.
LOG_LABEL = re.compile(r"train loss \(log\)")
LINEAR_LABEL = re.compile(r"train loss(?! \(log\))")


class SshStudent:
    """A student over SSH: a PTY of ``width`` x ``height``. ``keep``: what the app writes is
    kept, to read the screen from; otherwise it is read and dropped."""

    def __init__(self, connection: asyncssh.SSHClientConnection,
                 process: asyncssh.SSHClientProcess, keep: bool) -> None:
        self.connection, self.process, self.keep = connection, process, keep
        self.data = bytearray()
        self.arrived = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, port: int, keep: bool = True, width: int = 150,
                   height: int = 50) -> SshStudent:
        connection = await asyncssh.connect("127.0.0.1", port, known_hosts=None,
                                            username="student", client_keys=None,
                                            agent_path=None)
        process = await connection.create_process(term_type="xterm-256color",
                                                  term_size=(width, height), encoding=None)
        return cls(connection, process, keep)

    async def _read(self) -> None:
        while chunk := await self.process.stdout.read(65536):
            if self.keep:
                self.data.extend(chunk)
                self.arrived.set()

    async def screen_text(self) -> str:
        rows = screen_rows(bytes(self.data))
        return "\n".join(rows[row] for row in sorted(rows))

    async def wait_for_text(self, needle: str, timeout: float) -> str:
        async with asyncio.timeout(timeout):
            while needle not in (screen := await self.screen_text()):
                await self._next_chunk()
        return screen

    async def _next_chunk(self) -> None:
        self.arrived.clear()
        await self.arrived.wait()

    async def press(self, key: str) -> None:
        self.process.stdin.write(key.encode())

    async def key_latency(self, key: str, shown: re.Pattern[str]) -> float:
        """Milliseconds from writing ``key`` to reading bytes whose text matches ``shown``."""
        since = len(self.data)
        start = time.perf_counter()
        await self.press(key)
        async with asyncio.timeout(10):
            while not shown.search(plain(bytes(self.data[since:]))):
                await self._next_chunk()
        return 1000 * (time.perf_counter() - start)

    async def close(self) -> None:
        self.connection.close()
        await self.connection.wait_closed()
        self.reader.cancel()


async def ssh_key_latencies(student: SshStudent, presses: int) -> list[float]:
    """``presses`` times: ``l``, and the time until the label shows the scale it flipped to
    (the first press turns the log scale on)."""
    found = []
    for press in range(presses):
        found.append(await student.key_latency("l", LOG_LABEL if press % 2 == 0
                                               else LINEAR_LABEL))
        await asyncio.sleep(0.3)
    return found


async def silent_ssh_student(port: int, stop: asyncio.Event) -> None:
    """A student who reads and drops everything until ``stop``."""
    student = await SshStudent.open(port, keep=False)
    await stop.wait()
    await student.close()
