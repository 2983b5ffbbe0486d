"""The options of every optimizer, schedule and init scheme, as Markdown tables for the docs.

Made from the declarations (``nn.hyperparams``) and the Config's defaults, so that they
say what a preset gets: the default of an option left out (the Config's where it has one,
such as ``lr``, else the optimizer's own), the values it may take (the schema's words) and
whether a running lesson takes a new value at once or starts over. The README shows them;
a test keeps it in step (``python -m nnterm.engine.preset_format.options_doc`` prints them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from nnterm.engine.nn.hyperparams import Hyperparam, Named, declared
from nnterm.engine.nn.initializers import INIT_OPTIONS, INITS, Init
from nnterm.engine.nn.optimizers import OPTIMIZER_CLASSES
from nnterm.engine.nn.schedules import SCHEDULE_CLASSES
from nnterm.engine.preset_format.errors import show
from nnterm.engine.preset_format.specs import option_spec
from nnterm.engine.training.config import OptimizerConfig, ScheduleConfig
from nnterm.engine.training.live_settings import is_live


def _defaults(section: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(section)}


def _row(first: str, param: Hyperparam, default: Any, path: str | None = None) -> str:
    """One table row: what reads it, the option, the default a preset that leaves it out
    gets (the section's ``default``, else the class's own), what it may be, its job (and,
    for a setting at ``path`` that is not live, that a new value restarts the run)."""
    allowed = option_spec(param, default).allowed
    if default is None and not param.required:
        default = param.default
    job = param.doc
    if path is not None and not is_live(path):
        job += "; a new value restarts the run"
    return f"| {first} | `{param.name}` | {show(default)} | {allowed} | {job} |"


def _table(head: str, rows: Iterable[str]) -> list[str]:
    return [f"| {head} | option | default | allowed | what it does |",
            "|---|---|---|---|---|", *rows]


def _section_table(head: str, classes: Iterable[type[Named]], section: type,
                   path: str) -> list[str]:
    """A row per option of each class, its default as a preset that leaves it out gets it."""
    config = _defaults(section)
    return _table(head, (_row(f"`{cls.name}`", param, config[param.name], f"{path}.{param.name}")
                         for cls in classes for param in declared(cls)))


def _init_table() -> list[str]:
    readers: Mapping[str, list[str]] = {p.name: [s for s in INITS if p.name in INIT_OPTIONS[s]]
                                        for p in declared(Init)}
    return _table("init schemes", (
        _row(", ".join(f"`{s}`" for s in readers[p.name]) or "every scheme", p, p.default)
        for p in declared(Init)))


def options_doc() -> str:
    """The three tables, each under a line that says where its options go in a preset."""
    parts = [
        "`train.optimizer` (`{name: sgd, lr: 0.1, momentum: 0.9}`):", "",
        *_section_table("optimizer", OPTIMIZER_CLASSES, OptimizerConfig, "train.optimizer"), "",
        "`train.schedule` (`{name: cosine, warmup_steps: 100}`):", "",
        *_section_table("schedule", SCHEDULE_CLASSES, ScheduleConfig, "train.schedule"), "",
        "`model.init` (`{scheme: normal, std: 0.01, bias: 0}`; a new init restarts the run):",
        "",
        *_init_table(),
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(options_doc(), end="")
