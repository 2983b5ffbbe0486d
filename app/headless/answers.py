"""``nnterm answers FILE...``: a class's predictions summed up, one row per question.

Per question (preset, step, question): how many answered, how many chose each choice,
how many were right, as a table, or with ``--json`` as a list of objects (for a
spreadsheet or a script). A line of a file that is not an answer is reported on stderr
with its file and line number and skipped; every other answer counts. Exit status 0, or
2 when nothing could be read at all.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.table import Table

from nnterm.app.answers_file import Answer, read_answers
from nnterm.app.headless.console import headless_console, print_table


@dataclass
class QuestionSummary:
    """The answers to one question: how many, each choice's count, how many held."""

    preset: str
    step: int
    question: str
    answers: int = 0
    right: int = 0
    chose: Counter[str] = field(default_factory=Counter)


def summarize(answers: Sequence[Answer]) -> list[QuestionSummary]:
    """One summary per question, in the order the questions were first answered."""
    summaries: dict[tuple[str, int, str], QuestionSummary] = {}
    for a in answers:
        key = (a.preset, a.step, a.question)
        summary = summaries.setdefault(key, QuestionSummary(*key))
        summary.answers += 1
        summary.right += a.correct
        summary.chose[a.choice] += 1
    return list(summaries.values())


def summary_table(summaries: Sequence[QuestionSummary]) -> Table:
    table = Table(title="Predictions")
    for name in ("preset", "step", "question", "answers", "chose", "right"):
        table.add_column(name, justify="right" if name in ("step", "answers") else "left")
    for s in summaries:
        chose = ", ".join(f"{key}: {n}" for key, n in sorted(s.chose.items()))
        table.add_row(s.preset, str(s.step), s.question, str(s.answers), chose,
                      f"{s.right}/{s.answers}")
    return table


def answers_command(paths: Sequence[Path], *, as_json: bool) -> int:
    answers, problems = read_answers(paths)
    for problem in problems:
        print(f"nnterm: {problem}", file=sys.stderr)
    if not answers and problems:
        print("nnterm: error: no answer could be read", file=sys.stderr)
        return 2
    summaries = summarize(answers)
    if as_json:
        print(json.dumps([{**asdict(s), "chose": dict(sorted(s.chose.items()))}
                          for s in summaries], indent=1, ensure_ascii=False))
    else:
        print_table(headless_console(), summary_table(summaries))
    return 0
