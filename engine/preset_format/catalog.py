"""The name, section and title of every preset, in course order, as ``nnterm list``
prints them: the same list as ``loader.scan_presets``, for a fraction of its time.

Building a Preset checks every setting against the format's schema (0.2 s of imports,
NumPy among them, and as long again to check the 26 built-in presets); a list needs
three fields of each. So a built-in preset is read for those fields alone (its YAML
parsed by libyaml where PyYAML has it): the test suite loads and checks each one whole.
A user's preset is loaded whole, as ``scan_presets`` loads it, so that a broken one is
skipped and its error said just the same; only then is the loader imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from nnterm.engine.preset_format import finding

if TYPE_CHECKING:
    from nnterm.engine.preset_format.errors import PresetError

#: PyYAML's C parser when it was built with libyaml (10x the pure-Python one's speed).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Entry:
    """One line of the list."""

    name: str
    section: str
    title: str


def catalog() -> tuple[list[Entry], list[PresetError]]:
    """Every built-in and user preset (a user preset shadows a built-in of the same name)
    in course order, and the errors of the user's presets that failed to load (skipped)."""
    users = finding.user_files()
    entries = [_header(entry.read_bytes()) for name, entry in finding.builtin_files().items()
               if name not in users]
    errors: list[PresetError] = []
    if users:
        from nnterm.engine.preset_format.loader import load_user_files

        presets, errors = load_user_files(users)
        entries += [Entry(p.name, p.section, p.title) for p in presets]
    return sorted(entries, key=finding.course_order), errors


def _header(text: bytes) -> Entry:
    """The name, section and title a built-in preset's YAML declares."""
    data = yaml.load(text, Loader=_YAML_LOADER)  # (a safe loader: plain data only)
    return Entry(data["name"], data["section"], data["title"])
