"""Where presets are: the built-in ones (``NAME.yaml`` in the ``nnterm.presets`` package),
the user's folder (``$XDG_CONFIG_HOME/nnterm/presets``), a path; a preset's name; the
course order they are listed in.

The standard library only: ``catalog`` lists the presets with it, without the format's
schema (and NumPy behind it), which ``loader`` needs to build one.
"""

from __future__ import annotations

import math
import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol

#: What a preset's name (and its file's) may be.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
NAME_ALLOWED = "letters, digits, _ and -, starting with a letter or digit"


def user_preset_dir() -> Path | None:
    """``$XDG_CONFIG_HOME/nnterm/presets`` (default ``~/.config/nnterm/presets``)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: relative paths are ignored
        try:
            base = str(Path.home() / ".config")
        except RuntimeError:  # no home directory
            return None
    return Path(base) / "nnterm" / "presets"


def is_path(source: Any) -> bool:
    """Whether ``source`` names a file (a ``Path``, or text with a ``/`` or ending in
    ``.yaml``/``.yml``) rather than a preset by name."""
    if isinstance(source, os.PathLike):
        return True
    seps = {s for s in ("/", os.sep, os.altsep) if s is not None}
    return isinstance(source, str) and (any(s in source for s in seps)
                                        or source.endswith((".yaml", ".yml")))


def builtin_files() -> dict[str, Traversable]:
    """The built-in presets' files by name."""
    folder = resources.files("nnterm.presets")
    return {e.name.removesuffix(".yaml"): e for e in folder.iterdir()
            if e.name.endswith(".yaml") and e.is_file()}


def user_files() -> dict[str, Path]:
    """The user's preset files by name (none if the folder is missing or unreadable)."""
    folder = user_preset_dir()
    try:
        return {p.stem: p for p in sorted(folder.glob("*.yaml")) if p.is_file()} if folder else {}
    except OSError:
        return {}


class Listed(Protocol):
    """What ``course_order`` sorts by: a Preset, or a ``catalog.Entry``."""

    @property
    def name(self) -> str: ...

    @property
    def section(self) -> str: ...


def course_order(preset: Listed) -> tuple[float, str, str]:
    """Sort key: the course text's section number ("8. Overfitting" is 8; a section
    without a number comes last), then the section's words, then the name."""
    number = re.match(r"\s*(\d+)\s*\.", preset.section)
    return (int(number.group(1)) if number else math.inf, preset.section, preset.name)
