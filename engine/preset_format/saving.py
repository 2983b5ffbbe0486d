"""The lesson as it stands in the app, as a preset that loads back to the same runs.

``edited_preset(preset, runs, name)`` turns the app's runs, ``(name, Config)`` pairs with
the base run first, into a Preset: the first run's Config is the base, every other run a
``compare`` variant holding exactly the settings where it differs from the base (so a
run copied with ``C`` and edited is saved too). Each Config is ``tidy`` first: options its
optimizer, schedule or init scheme does not read go back to their defaults (the engine
ignores them, the preset format refuses them). A variant that switches optimizer or
schedule carries its whole section, so no option of the base's leaks into it.

If the runs are the preset's own, unchanged, the preset is kept whole (claims included).
Otherwise the claims, which speak of the lesson as written, are dropped, and the title and
lesson say that it was edited and from which preset; a sweep is dropped too (the app
saves the runs it trains). Guided steps keep their text and changes (those of runs still
there) but not their claims, nor their questions, which a claim settles (a step that
was only a question goes); the locks stay. Run names that the format does not allow
(``base+``, a copy) are made valid.

Points drawn on the data (``data.drawing``) are saved as a table beside the preset:
``on_drawn_table`` makes each run's Config read it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from nnterm.engine.nn.initializers import Init, for_scheme
from nnterm.engine.preset_format.preset import BASE, Preset, run_configs
from nnterm.engine.preset_format.settings_schema import optimizer_options, schedule_options
from nnterm.engine.preset_format.values import format_value
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    OptimizerConfig,
    ScheduleConfig,
    config_diff,
    get_path,
)

_NAME = re.compile(r"[^A-Za-z0-9_-]")
#: Sections a variant carries whole when it changes their ``name``.
_WHOLE_SECTIONS = ("train.optimizer", "train.schedule")


def tidy(config: Config) -> Config:
    """``config`` with every option its optimizer, schedule and init schemes do not read
    set back to its default (the run it describes is the same)."""
    o, s, m = config.train.optimizer, config.train.schedule, config.model
    optimizer = OptimizerConfig(o.name, **{k: getattr(o, k) for k in optimizer_options(o.name)
                                           if k != "name"})
    schedule = ScheduleConfig(s.name, **{k: getattr(s, k) for k in schedule_options(s.name)
                                         if k != "name" and hasattr(s, k)})
    init = (for_scheme(m.init, m.init.scheme) if isinstance(m.init, Init)
            else tuple(for_scheme(i, i.scheme) for i in m.init))
    train = dataclasses.replace(config.train, optimizer=optimizer, schedule=schedule)
    return dataclasses.replace(config, train=train,
                               model=dataclasses.replace(m, init=init))


def on_drawn_table(config: Config, params: Mapping[str, Any], n_train: int, n_val: int
                   ) -> Config:
    """``config`` trained on a drawn set saved as a table: the ``csv`` dataset with
    ``params`` (``data.drawing.drawn_params``) and its sizes; the features the network
    reads stay."""
    data = DataConfig(name="csv", n_train=n_train, n_val=n_val, params=dict(params),
                      features=config.data.features)
    return dataclasses.replace(config, data=data)


def variant_changes(base: Config, run: Config) -> dict[str, Any]:
    """The overrides that make ``base`` into ``run`` (both tidy)."""
    changes = config_diff(base, run)
    for section in _WHOLE_SECTIONS:
        if f"{section}.name" in changes:
            changes = {k: v for k, v in changes.items() if not k.startswith(f"{section}.")}
            changes[section] = get_path(run, section)
    return changes


def edited_preset(preset: Preset, runs: Sequence[tuple[str, Config]], name: str) -> Preset:
    """The runs as a preset named ``name`` (see the module docstring)."""
    if not runs:
        raise ValueError("no run to save")
    own = [(n, tidy(c)) for n, _, c in run_configs(preset)] if preset.sweep is None else None
    mine = [(n, tidy(c)) for n, c in runs]
    if own is not None and own == mine:
        return dataclasses.replace(preset, name=name)
    base_name, base = mine[0]
    names = _valid_names([n for n, _ in mine[1:]])
    compare = {new: variant_changes(base, config) for new, (_, config) in zip(
        names, mine[1:], strict=True)}
    changed = config_diff(tidy(preset.config), base)
    said = ", ".join(f"{path} {format_value(v)}" for path, v in changed.items()
                     if not isinstance(v, Init)) or "the same base run"
    renamed = f" (the run {base_name!r} is its base)" if base_name != BASE else ""
    note = (f"Saved from the app, edited from the preset {preset.name}{renamed}: {said}; "
            f"runs {', '.join([BASE, *compare]) if compare else BASE}. The lesson below "
            f"is the original's, and its claims were left out.\n\n")
    steps = tuple(dataclasses.replace(step, claim=None, seen="", question=None)
                  for step in preset.steps if step.text
                  and (step.run is None or step.run in compare or step.run == BASE))
    return dataclasses.replace(preset, name=name, title=f"{preset.title} (edited)",
                               lesson=note + preset.lesson, config=base, compare=compare,
                               sweep=None, expect=(), view=preset.view.without_sweep(),
                               steps=steps)


def _valid_names(names: list[str]) -> list[str]:
    """Variant names the preset format accepts (letters, digits, _ and -, not ``base``),
    each unique: ``base+`` becomes ``base_copy``."""
    out: list[str] = []
    for name in names:
        new = _NAME.sub("_", name.replace("+", "_copy")).strip("_-") or "run"
        candidate, n = new, 1
        while candidate == BASE or candidate in out:
            n += 1
            candidate = f"{new}_{n}"
        out.append(candidate)
    return out

