"""PresetError, and where a key path of a preset points: file, key and line.

A ``Where`` is a key path plus a "doc" that maps it to a place: ``Doc`` (a file's YAML node
tree, for line numbers), ``Overlay`` (settings of a ``compare`` variant or a ``sweep``
point, reported where they were written) or ``ArgsDoc`` (a file edited by ``--set``
arguments).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

# PyYAML is imported where a node tree's lines are read: the command line imports this
# module for PresetError alone, before it loads any preset.
if TYPE_CHECKING:
    import yaml

KeyPath = tuple[str | int, ...]


class Locator(Protocol):
    """A doc (``Doc``, ``ArgsDoc``, ``Overlay``): where a key path of it is."""

    def locate(self, path: KeyPath) -> tuple[str | None, str, int | None]:
        """(file, dotted key, 1-based line) of ``path``; file and line None if unknown."""
        ...


class PresetError(Exception):
    """A preset file or a ``--set`` argument is wrong; ``str(err)`` is the whole message,
    ``file:line: key.path: problem (allowed: ...)``, e.g.
    ``presets/xor.yaml:12: train.optimizer.lr: 'fast' is not a number (allowed: a number > 0)``.

    Attributes: ``problem`` (what is wrong, naming the bad value), ``file`` (a path, or the
    ``--set`` argument), ``line`` (1-based, or None), ``key`` (the dotted key path),
    ``value`` (the bad value) and ``allowed`` (what would be accepted).
    """

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None, value: Any = None, allowed: str | None = None):
        super().__init__(problem)
        self.problem, self.file, self.line, self.key = problem, file, line, key
        self.value, self.allowed = value, allowed

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        key = f"{self.key}: " if self.key else ""
        allowed = f" (allowed: {self.allowed})" if self.allowed else ""
        return one_line(f"{where}{key}{self.problem}{allowed}")

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_error, (self.problem, dict(self.__dict__))


def _rebuild_error(problem: str, state: dict[str, Any]) -> PresetError:
    err = PresetError(problem)
    err.__dict__.update(state)
    return err


def show_path(path: KeyPath) -> str:
    """``("train", "optimizer", "lr")`` -> ``train.optimizer.lr``; ints are list indices."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def one_line(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\x1b``): a
    message stays one line, and a value cannot move the cursor or recolour a terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def show(value: Any) -> str:
    """A short, YAML-flavoured rendering of a value for messages."""
    try:
        if value is None:
            text = "null"
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | tuple):
            text = "[" + ", ".join(show(v) for v in value[:8]) + (", ...]" if len(value) > 8
                                                                  else "]")
        else:
            text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(word: Any, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _node_line(root: yaml.Node | None, path: KeyPath) -> int | None:
    """The line of the deepest node along ``path`` (the key's line for block collections)."""
    if root is None:
        return None
    import yaml

    node, line = root, root.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    block = isinstance(value, yaml.CollectionNode) and not value.flow_style
                    node = value
                    line = (key if block else value).start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and -len(node.value) <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


class Doc:
    """Key paths of one YAML document: ``locate(path) -> (file, key, line)``."""

    def __init__(self, file: str | None, root: yaml.Node | None = None):
        self.file, self.root = file, root

    def locate(self, path: KeyPath) -> tuple[str | None, str, int | None]:
        return self.file, show_path(path), _node_line(self.root, path)


class ArgsDoc:
    """Key paths of a document edited by ``--set key=value`` arguments: a path under an
    argument's setting is reported as that argument (the last, if several set it; no
    line); any other is the document's (``file``), said to be ``with`` the arguments, since
    they may be what made it wrong (``--set data.name=spiral`` leaves the file's ``xor``
    parameters unknown)."""

    def __init__(self, args: Sequence[tuple[KeyPath, str]], file: Locator):
        self.args, self.file = list(args), file

    def locate(self, path: KeyPath) -> tuple[str | None, str, int | None]:
        hits = [arg for setting, arg in self.args if path[: len(setting)] == setting]
        if hits:
            return f"--set {hits[-1]}", show_path(path), None
        file, key, line = self.file.locate(path)
        given = " ".join(f"--set {arg}" for _, arg in self.args)
        return file, f"with {given}: {key}" if key else f"with {given}", line


class Overlay:
    """Settings of a derived run (a compare variant, a sweep point): a path under one of
    ``links`` (setting path -> where it was written in ``root``) is reported there; any
    other comes from ``parent`` (the run it derives from) and is reported as
    ``label: key`` on the line of ``fallback``, the cause."""

    def __init__(self, root: Locator, parent: Locator, links: Sequence[tuple[KeyPath, KeyPath]],
                 fallback: KeyPath, label: str | None = None):
        self.root, self.parent, self.links, self.fallback = root, parent, list(links), fallback
        self.label = show_path(fallback) if label is None else label

    def locate(self, path: KeyPath) -> tuple[str | None, str, int | None]:
        for setting, origin in sorted(self.links, key=lambda link: -len(link[0])):
            if path[: len(setting)] == setting:
                return self.root.locate(origin + path[len(setting):])
        file, key, _ = self.parent.locate(path)
        cause_file, _, line = self.root.locate(self.fallback)
        return file, f"{self.label}: {key}", line if cause_file == file else None


@dataclass(frozen=True)
class Where:
    """A key path in a doc; ``where / "key"`` goes one level down."""

    doc: Locator
    path: KeyPath = ()

    def __truediv__(self, part: str | int) -> Where:
        return Where(self.doc, (*self.path, part))

    def error(self, problem: str, value: Any = None, allowed: str | None = None) -> PresetError:
        file, key, line = self.doc.locate(self.path)
        return PresetError(problem, file=file, line=line, key=key or None, value=value,
                           allowed=allowed)
