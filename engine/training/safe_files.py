"""Writing files so that nothing is lost: never half a file, never through a symlink.

``write_atomic(path, text)`` writes a temporary file in the same folder, flushes it to
disk and renames it over ``path`` (a rename within one file system is atomic): a reader
sees the old file or the new one, never a half-written one, and a failure (a full disk, a
folder that went away) leaves the old file as it was and no temporary file behind.
``AtomicWriter`` does the same for a file written bit by bit (a metrics file): the
target is replaced only when the writer is closed, or when it is interrupted
(KeyboardInterrupt keeps what was measured so far); any other error keeps the old file.

Neither follows a symlink at ``path``: a link (even a dangling one) could send the data
anywhere, so ``UnsafePath`` is raised instead. Both raise ``OSError`` (with the
operating system's reason) for what the file system refuses.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any


class UnsafePath(OSError):
    """A path this module will not write to (a symlink, or not a regular file)."""


def check_writable(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, if it is a new name or a regular file (not a link, a folder or
    a device); UnsafePath otherwise."""
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{target} is a symbolic link: not written through")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"{target} is not a regular file")
    return target


def write_atomic(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` in one step (see the module docstring)."""
    with AtomicWriter(path, binary=isinstance(data, bytes), encoding=encoding) as out:
        out.write(data)


class AtomicWriter:
    """A file at ``path`` that appears whole when the writer closes: ``with
    AtomicWriter(path) as out: out.write(...)``. ``commit()``/``discard()`` end it by
    hand."""

    def __init__(self, path: str | os.PathLike[str], *, binary: bool = False,
                 encoding: str = "utf-8", newline: str | None = None) -> None:
        self.path = check_writable(path)
        folder = self.path.parent
        fd, self.temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                              dir=folder if str(folder) else ".")
        try:
            self.file: IO[Any] = (os.fdopen(fd, "wb") if binary else
                                  os.fdopen(fd, "w", encoding=encoding, newline=newline))
        except BaseException:
            os.close(fd)
            os.unlink(self.temporary)
            raise
        self.done = False

    def write(self, data: str | bytes) -> int:
        return self.file.write(data)

    def commit(self) -> None:
        """Flush to disk and rename over the target."""
        if self.done:
            return
        self.done = True
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            check_writable(self.path)  # a link put there meanwhile is not followed either
            os.replace(self.temporary, self.path)
        except BaseException:
            self._remove()
            raise

    def discard(self) -> None:
        """Drop what was written; the target stays as it was."""
        if self.done:
            return
        self.done = True
        self._remove()

    def _remove(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None or issubclass(kind, KeyboardInterrupt):
            self.commit()  # an interrupted run keeps what it measured
        else:
            self.discard()


def free_file_name(folder: Path, stem: str, suffixes: tuple[str, ...] = (".yaml",)) -> str:
    """``stem``, or ``stem_2``, ``stem_3``... whichever names nothing in ``folder`` yet
    with any of ``suffixes`` (not even a dangling link): a new file never replaces one."""
    name, n = stem, 1
    while any(os.path.lexists(folder / f"{name}{suffix}") for suffix in suffixes):
        n += 1
        name = f"{stem}_{n}"
    return name
