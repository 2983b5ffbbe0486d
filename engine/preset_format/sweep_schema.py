"""A preset's ``sweep:``, read and checked: a mapping of one or two dotted paths to lists
of values (every combination, a grid) or a list of points (the settings paired), turned
into the ``Sweep`` and, for each run, the Config of every point. Errors name the value's
own key path (``sweep.model.hidden.2``), as the rest of the format does."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any

from nnterm.engine.preset_format.errors import KeyPath, Locator, Overlay, Where, show, show_path
from nnterm.engine.preset_format.preset import BASE, Sweep
from nnterm.engine.preset_format.settings_schema import validate_config
from nnterm.engine.preset_format.yaml_io import check_setting, set_raw
from nnterm.engine.training.config import Config, get_path

#: Each run of a preset (BASE and the compare variants): its settings as YAML data, the doc
#: that locates them, its Config.
Setups = dict[str, tuple[dict[str, Any], Locator, Config]]
#: Each run's points: the swept settings' values (path -> value) and the run's Config there.
Points = dict[str, list[tuple[dict[str, Any], Config]]]
#: ``where(path, i)``: the Where of the i-th value of a swept setting.
WhereOf = Callable[[str, int], Where]


def read_sweep(raw: Any, at: Where, setups: Setups, folder: Any) -> tuple[Sweep | None, Points]:
    """The Sweep and, for each run, its ``(point, config)`` for every point: every
    combination of a mapping's lists, or each point of a list (paired)."""
    if raw is None:
        return None, {run: [({}, config)] for run, (_, _, config) in setups.items()}
    paired = isinstance(raw, list)
    values, where = _paired_values(raw, at) if paired else _grid_values(raw, at)
    paths = {key: check_setting(key, at / str(key)) for key in values}
    if len(paths) == 2:
        (a, pa), (b, pb) = paths.items()
        if pa[: len(pb)] == pb or pb[: len(pa)] == pa:
            raise where(b, 0).error(f"{b} overlaps {a}", b, "two separate settings")
    count = len(next(iter(values.values())))
    combos = ([(i,) * len(paths) for i in range(count)] if paired
              else list(product(*(range(len(v)) for v in values.values()))))
    converted: dict[str, list[Any]] = {key: [] for key in paths}
    points: Points = {run: [] for run in setups}
    for combo in combos:
        point: dict[str, Any] = {}
        for run, (settings, run_doc, _) in setups.items():
            settings = dict(settings)
            links: list[tuple[KeyPath, KeyPath]] = []
            for key, i in zip(paths, combo, strict=True):
                set_raw(settings, paths[key], values[key][i], where(key, i))
                links.append((paths[key], where(key, i).path))
            label = ", ".join(show_path(o) for _, o in links)
            overlay = Overlay(at.doc, run_doc, links, links[-1][1], label=label)
            config = validate_config(settings, Where(overlay), folder)
            point = {key: get_path(config, key) for key in paths} if run == BASE else point
            points[run].append((point, config))
        if paired:
            _add_point(point, converted, at / combo[0])
        else:
            _add_values(point, combo, converted, values, where)
    sweep = Sweep(params={key: tuple(v) for key, v in converted.items()}, paired=paired)
    return sweep, points


_SWEEP_ALLOWED = ("a mapping of one or two dotted paths to lists of values (every "
                  "combination), or a list of points, each a mapping of the same one or two "
                  "dotted paths to a value")


def _grid_values(raw: Any, at: Where) -> tuple[dict[str, list[Any]], WhereOf]:
    """``{path: [values]}`` of a mapping sweep and ``where(path, i)``, its i-th value."""
    if not isinstance(raw, dict) or not 1 <= len(raw) <= 2:
        count = f"{len(raw)} settings" if isinstance(raw, dict) else show(raw)
        raise at.error(f"a sweep varies one or two settings, not {count}", raw, _SWEEP_ALLOWED)
    for key, values in raw.items():
        check_setting(key, at / str(key))
        if not isinstance(values, list) or not values:
            raise (at / key).error(f"{show(values)} is not a list of values", values,
                                   _SWEEP_ALLOWED)
    return raw, lambda key, i: at / key / i


def _paired_values(raw: list[Any], at: Where) -> tuple[dict[str, list[Any]], WhereOf]:
    """``{path: [values]}`` of a list of points (each the same settings) and
    ``where(path, i)``, the value of point i."""
    if not raw:
        raise at.error("an empty list of points", raw, _SWEEP_ALLOWED)
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise (at / i).error(f"{show(item)} is not a mapping of settings to values",
                                 item, _SWEEP_ALLOWED)
        if not 1 <= len(item) <= 2:
            raise (at / i).error(f"a point sets one or two settings, not {len(item)}",
                                 item, _SWEEP_ALLOWED)
        for key in item:
            check_setting(key, at / i / str(key))
        if set(item) != set(raw[0]):
            raise (at / i).error(f"this point sets {', '.join(item)}, the first "
                                 f"{', '.join(raw[0])}", item, "the same settings at every point")
    return {key: [item[key] for item in raw] for key in raw[0]}, lambda key, i: at / i / key


def _add_point(point: dict[str, Any], converted: dict[str, list[Any]], at: Where) -> None:
    """Append each value of a listed ``point`` to ``converted``; a point listed twice
    would be the same run."""
    count = len(next(iter(converted.values())))
    if any(all(point[k] == converted[k][j] for k in point) for j in range(count)):
        raise at.error("this point is listed twice", None, "distinct points")
    for key, value in point.items():
        converted[key].append(value)


def _add_values(point: dict[str, Any], combo: tuple[int, ...], converted: dict[str, list[Any]],
                values: dict[str, list[Any]], where: WhereOf) -> None:
    """Append each value of a grid's ``point`` met for the first time to ``converted``;
    a value listed twice (``where(key, i)``) would give the same runs."""
    for key, i in zip(point, combo, strict=True):
        if len(converted[key]) == i:
            if any(point[key] == other for other in converted[key]):
                raise where(key, i).error(f"{show(values[key][i])} is listed twice",
                                          values[key][i], "distinct values")
            converted[key].append(point[key])
