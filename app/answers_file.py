"""The answers file (``--answers``): one JSON line per prediction a student made.

Each line is an ``Answer``: the preset, the step (1-based), the question, the choice's
key, whether the prediction held, and the seconds between the question and the answer.
A line is written as soon as whether it held is known: at the answer for a question with
a right choice, when its claim is settled for a yes/no one. Lines are appended, each
whole and flushed, so several sessions (a class) may share a file and a crash loses no
line already written.

``--answers DIR`` (an existing directory) gives the app a file of its own in it, named by
time and process: under ``nnterm serve`` every tab's app gets one, and no two tabs write
in the same file.

``read_answers`` reads files back for ``nnterm answers``: a line that is not an answer
is reported with its file and line number and skipped; every other line is kept.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Answer:
    preset: str
    step: int
    question: str
    choice: str
    correct: bool
    seconds: float


#: Each field's JSON types (``bool`` is an ``int`` in Python: checked apart).
_TYPES: dict[str, tuple[type, ...]] = {"preset": (str,), "step": (int,), "question": (str,),
                                       "choice": (str,), "correct": (bool,),
                                       "seconds": (int, float)}


class AnswersFile:
    """Appends answers to ``path``, a file (created if need be) or, for a directory, a
    new file of this process's own in it."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = path / f"answers-{stamp}-{os.getpid()}.jsonl"
        self.path = path
        with path.open("a", encoding="utf-8"):  # can it be written? (OSError if not)
            pass

    def append(self, answer: Answer) -> None:
        line = json.dumps(asdict(answer), ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def read_answers(paths: Iterable[Path]) -> tuple[list[Answer], list[str]]:
    """Every answer of the files in order, and one problem per line or file that could
    not be read ("FILE:LINE: why"); blank lines are neither."""
    answers: list[Answer] = []
    problems: list[str] = []
    for path in paths:
        try:
            lines = list(_numbered_lines(path))
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{path}: cannot be read: {getattr(err, 'strerror', None) or err}")
            continue
        for number, line in lines:
            try:
                answers.append(answer_of(json.loads(line)))
            except ValueError as err:
                problems.append(f"{path}:{number}: {err}; line skipped")
    return answers, problems


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield number, line


def answer_of(data: Any) -> Answer:
    """The Answer a JSON line holds; ValueError naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for f in fields(Answer):
        if f.name not in data:
            raise ValueError(f"no {f.name}")
        value = data[f.name]
        if not isinstance(value, _TYPES[f.name]) or (
                isinstance(value, bool) and f.name != "correct"):
            raise ValueError(f"{f.name} is {json.dumps(value)}")
    return Answer(**{f.name: data[f.name] for f in fields(Answer)})
