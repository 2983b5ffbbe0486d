"""What a terminal shows (pyte, fed the bytes it gets), and waits on what other processes
do at their own pace: for the tests of ``serve --watch``."""

import asyncio
import re
import time

import pyte

#: The teacher's terminal in these tests.
SIZE = (100, 30)
TIMEOUT = 30.0


class Terminal:
    """A terminal of ``size`` that shows the bytes it is fed."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.screen = pyte.Screen(*size)
        self.stream = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def rows(self, count: int = SIZE[1]) -> list[str]:
        return self.screen.display[:count]

    def step(self) -> int:
        """The step its status line shows (-1: none)."""
        match = re.search(r"step (\d+)", self.rows()[0])
        return int(match.group(1)) if match else -1


async def until(condition, timeout: float = TIMEOUT):
    """Wait (with a deadline) for something another process does at its own pace."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("never happened")
        await asyncio.sleep(0.02)
    return value
