"""Preset files: YAML lessons in, ``Preset`` objects out, and back to YAML.

    from nnterm.engine.preset_format.loader import load_preset, dump_preset
    preset = load_preset("xor")                      # a name, or a path to a .yaml file
    preset = load_preset("xor", ["model.hidden=[16,16]", "train.optimizer.lr=0.1"])
    text = dump_preset(preset)                       # load(dump(p)) == p

Where presets come from (``load_preset(source)``): a ``Path``, or a string with a ``/``
or ending in ``.yaml``/``.yml``, is a file path. Any other string is a preset name, looked
up first in the user's directory ``$XDG_CONFIG_HOME/nnterm/presets/NAME.yaml`` (default
``~/.config/nnterm/presets``), so a user preset shadows a built-in one of the same name,
then among the built-ins (``NAME.yaml`` in the ``nnterm.presets`` package). A preset found
by name must say the same ``name:`` as its file name.

Every mistake raises ``PresetError`` (and nothing else), whose ``str`` is one line naming
the file, the line, the key path, the bad value and what is allowed::

    presets/xor.yaml:12: train.optimizer.lr: 'fast' is not a number (allowed: a number > 0)

``scan_presets()`` lists every built-in and user preset with the errors of broken ones
(``list_presets()`` logs them). ``load_preset`` and ``parse_preset`` take ``--set`` style
``path=value`` arguments, values in YAML, applied to the file's data before the preset is
built (``overrides``), so they are checked like the file's own.

The format, key by key with examples a test loads, is ``docs/presets.md``; each section
is built and checked by its own module (``settings_schema``, ``claims_schema``,
``sweep_schema``, ``classroom_schema``), and ``yaml_io`` reads the YAML.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from nnterm.engine.preset_format import finding
from nnterm.engine.preset_format.claims_schema import N_PARAMS, Runs, build_claims, claim_to_raw
from nnterm.engine.preset_format.classroom_schema import (
    build_lock,
    build_steps,
    lock_to_raw,
    steps_to_raw,
)
from nnterm.engine.preset_format.errors import (
    Doc,
    Locator,
    Overlay,
    PresetError,
    Where,
    show,
    suggest,
)
from nnterm.engine.preset_format.finding import (
    NAME,
    NAME_ALLOWED,
    course_order,
    is_path,
    user_preset_dir,
)
from nnterm.engine.preset_format.overrides import apply_to_data, read_overrides
from nnterm.engine.preset_format.preset import (
    BASE,
    CURVES,
    DEPTH_PROFILES,
    SWEEP_LOG,
    SWEEP_METRICS,
    Preset,
    Sweep,
    View,
)
from nnterm.engine.preset_format.settings_schema import CONFIG_KEYS, validate_config
from nnterm.engine.preset_format.specs import (
    Bool,
    Choice,
    Optional,
    Real,
    Section,
    Text,
    check_keys,
)
from nnterm.engine.preset_format.sweep_schema import Setups, read_sweep
from nnterm.engine.preset_format.yaml_io import (
    MAX_YAML_CHARS,
    FlowDict,
    FlowList,
    check_setting,
    config_to_raw,
    dump_yaml,
    read_yaml,
    set_raw,
    to_raw,
)
from nnterm.engine.training.config import Config, get_path
from nnterm.engine.training.safe_files import write_atomic

__all__ = [
    "PresetError",
    "dump_preset",
    "list_presets",
    "load_preset",
    "parse_preset",
    "save_preset",
    "scan_presets",
    "user_preset_dir",
]

log = logging.getLogger(__name__)

REQUIRED = ("name", "title", "section", "lesson")
TOP_KEYS = (*REQUIRED, *CONFIG_KEYS, "compare", "sweep", "expect", "view", "steps", "lock")
VIEW = Section(View, {"steps_per_second": Optional(Real(0, low_open=True)),
                      "curves": Choice(CURVES, "curve"),
                      "depth": Choice(DEPTH_PROFILES, "depth profile"),
                      "fit_table": Bool(),
                      "backprop": Bool(),
                      "sweep_x": Optional(Text()),
                      "sweep_y": Choice(SWEEP_METRICS, "metric"),
                      "sweep_log": Choice(SWEEP_LOG, "log scale"),
                      "sweep_fit": Bool(),
                      "sweep_mark": Optional(Text())})
_TOP_ALLOWED = f"a mapping with keys {', '.join(TOP_KEYS)}"


# ---------------------------------------------------------------------------- finding files
def load_preset(source: str | os.PathLike[str], overrides: Iterable[str] = ()) -> Preset:
    """The preset ``source`` names: a path, else a user preset, else a built-in one; with
    ``--set`` style ``overrides`` (``key.path=value``) applied to its data."""
    if is_path(source):
        path = Path(source).expanduser()
        return _load_file(path, str(source), overrides=overrides)
    if not isinstance(source, str) or not NAME.match(source):
        raise PresetError(f"{show(source)} is neither a preset name nor a .yaml path",
                          value=source, allowed=f"a preset name ({NAME_ALLOWED}) or a path")
    users, builtins = finding.user_files(), finding.builtin_files()
    name = _preset_name(source, sorted({*builtins, *users}))
    if name in users:
        return _load_file(users[name], str(users[name]), name=name, overrides=overrides)
    return parse_preset(builtins[name].read_bytes(), f"presets/{name}.yaml", name=name,
                        overrides=overrides)


def _preset_name(source: str, names: list[str]) -> str:
    """The preset ``source`` names: itself, else the one name it matches ignoring case
    (``XOR`` is ``xor``); ``PresetError`` if none or several do."""
    if source in names:
        return source
    same = [name for name in names if name.casefold() == source.casefold()]
    if len(same) == 1:
        return same[0]
    if same:
        raise PresetError(f"{source!r} could be any of {', '.join(same)}", value=source,
                          allowed="the name with its exact case")
    close = suggest(source.casefold(), [name.casefold() for name in names])
    raise PresetError(f"unknown preset {source!r}{close}", value=source,
                      allowed=", ".join(names) or "a path to a .yaml file")


def _load_file(path: Path, label: str, name: str | None = None,
               overrides: Iterable[str] = ()) -> Preset:
    """Read a preset file: a regular file of at most ``MAX_YAML_CHARS`` bytes (a FIFO
    would block the read, ``/dev/zero`` would never end it)."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise PresetError("is not a regular file", file=label, value=label,
                              allowed="a .yaml file")
        if info.st_size > MAX_YAML_CHARS:
            raise PresetError(f"the file is {info.st_size:,} bytes: too big for a preset",
                              file=label, allowed=f"at most {MAX_YAML_CHARS:,} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise PresetError("no such file", file=label, value=label,
                          allowed="a preset name or the path of a .yaml file") from None
    except IsADirectoryError:
        raise PresetError("is a directory, not a .yaml file", file=label, value=label) from None
    except OSError as err:
        raise PresetError(f"cannot read it: {err.strerror or err}", file=label) from None
    return parse_preset(data, label, name=name, folder=path.parent, overrides=overrides)


def scan_presets() -> tuple[list[Preset], list[PresetError]]:
    """Every built-in and user preset (a user preset shadows a built-in of the same name)
    in course order (``course_order``), and the errors of those that failed to load
    (skipped)."""
    users = finding.user_files()
    builtins = {name: entry for name, entry in finding.builtin_files().items()
                if name not in users}
    presets, errors = [], []
    for name in sorted(builtins):
        try:
            presets.append(parse_preset(builtins[name].read_bytes(), f"presets/{name}.yaml",
                                        name=name))
        except PresetError as err:
            errors.append(err)
    user_presets, user_errors = load_user_files(users)
    return sorted(presets + user_presets, key=course_order), errors + user_errors


def load_user_files(files: dict[str, Path]) -> tuple[list[Preset], list[PresetError]]:
    """The presets in the user's ``files`` (by name, as ``finding.user_files`` gives
    them), and the errors of those that failed to load (skipped)."""
    presets, errors = [], []
    for name in sorted(files):
        path = files[name]
        try:
            if not NAME.match(name):
                raise PresetError(f"the file name {name!r} is not a preset name",
                                  file=str(path), value=name, allowed=NAME_ALLOWED)
            presets.append(_load_file(path, str(path), name=name))
        except PresetError as err:
            errors.append(err)
    return presets, errors


def list_presets() -> list[Preset]:
    """Every built-in and user preset in course order; broken ones are skipped and logged
    as warnings (``scan_presets`` returns them instead)."""
    presets, errors = scan_presets()
    for err in errors:
        log.warning("skipped a broken preset: %s", err)
    return presets


# ---------------------------------------------------------------------------- reading
def parse_preset(text: str | bytes, source: str = "<string>", *, name: str | None = None,
                 folder: str | os.PathLike[str] | None = None,
                 overrides: Iterable[str] = ()) -> Preset:
    """The preset in YAML ``text``; ``source`` names it in messages, ``name`` (if given)
    is the name the file must declare; the data files it names relative are in ``folder``
    (the file's; None, as for built-in presets: the current directory). ``overrides``
    (``--set`` style ``key.path=value``) edit its data before it is built, once."""
    data, root = read_yaml(text, source)
    doc: Any = Doc(source, root)
    settings = read_overrides(overrides)
    if settings and isinstance(data, dict):  # (anything else is refused by the build)
        doc = apply_to_data(data, doc, settings)
    try:
        return build_preset(data, doc, name=name, source=source, folder=folder)
    except RecursionError:
        raise PresetError("the file nests too deeply", file=source) from None


def build_preset(data: Any, doc: Any, *, name: str | None = None, source: str = "",
                 folder: str | os.PathLike[str] | None = None) -> Preset:
    """A Preset from YAML data; ``doc`` locates key paths for messages, ``folder`` is where
    relative data files are (``validate_config``)."""
    root = Where(doc)
    if data is None:
        raise root.error("the file is empty", None, _TOP_ALLOWED)
    if not isinstance(data, dict):
        raise root.error(f"the top level is {show(data)}, not a mapping", data, _TOP_ALLOWED)
    check_keys(data, root, TOP_KEYS, "preset")
    for key in REQUIRED:
        if key not in data:
            raise (root / key).error("missing: every preset needs name, title, section and "
                                     "lesson", None, "text")
    text = {key: Text().check(data[key], root / key) for key in REQUIRED}
    if not NAME.match(text["name"]):
        raise (root / "name").error(f"{text['name']!r} is not a preset name", text["name"],
                                    NAME_ALLOWED)
    if name is not None and text["name"] != name:
        raise (root / "name").error(f"{text['name']!r} differs from the file name {name!r}",
                                    text["name"], name)
    base_raw = {k: data[k] for k in CONFIG_KEYS if k in data}
    config = validate_config(base_raw, root, folder)
    compare, setups = _compare(data.get("compare"), root / "compare", base_raw, config, folder)
    sweep, points = read_sweep(data.get("sweep"), root / "sweep", setups, folder)

    def convert(path: str, value: Any, at: Where) -> Any:
        parts = tuple(path.split("."))
        raw = dict(base_raw)
        set_raw(raw, parts, value, at)
        overlay = Overlay(doc, doc, [(parts, at.path)], at.path)
        return get_path(validate_config(raw, Where(overlay), folder), path)

    runs = Runs(points, sweep, convert)
    expect = build_claims(data.get("expect"), root / "expect", runs)

    def change(run: str, overrides: dict[str, Any], at: Where) -> dict[str, Any]:
        raw, run_doc, _ = setups[run]
        step_config = _overridden(raw, run_doc, overrides, at, folder)[2]
        return {key: get_path(step_config, key) for key in overrides}

    steps = build_steps(data.get("steps"), root / "steps", runs, tuple(setups), change,
                        swept=sweep is not None)
    lock = build_lock(data.get("lock"), root / "lock")
    view = VIEW.check(data["view"], root / "view") if "view" in data else View()
    _check_sweep_view(view, sweep, config, root / "view")
    return Preset(name=text["name"], title=text["title"], section=text["section"],
                  lesson=text["lesson"], config=config, compare=compare, sweep=sweep,
                  expect=expect, view=view, steps=steps, lock=lock, source=source)


def _check_sweep_view(view: View, sweep: Sweep | None, config: Any, at: Where) -> None:
    """The summary curve's x is a swept setting (or n_params) and its mark a number
    setting of the base run."""
    if view.sweep_x is not None:
        allowed = (N_PARAMS, *(sweep.params if sweep is not None else ()))
        if view.sweep_x not in allowed:
            raise (at / "sweep_x").error(f"{view.sweep_x!r} is not swept", view.sweep_x,
                                         ", ".join(allowed))
    if view.sweep_mark is not None:
        try:
            value = get_path(config, view.sweep_mark)
        except (KeyError, AttributeError, TypeError):
            value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise (at / "sweep_mark").error(
                f"{view.sweep_mark!r} is not a number setting", view.sweep_mark,
                "a dotted path to a number, e.g. data.n_train")


def _compare(raw: Any, at: Where, base_raw: dict[str, Any], config: Any, folder: Any
             ) -> tuple[dict[str, dict[str, Any]], Setups]:
    """The variants (``{name: {path: value}}``, values as in the Config) and each run's
    ``(raw settings, doc, config)``."""
    setups: Setups = {BASE: (base_raw, at.doc, config)}
    if raw is None:
        return {}, setups
    if not isinstance(raw, dict):
        raise at.error(f"{show(raw)} is not a mapping of runs", raw,
                       "a mapping such as {linear: {model.hidden: []}}")
    variants = {}
    for run, overrides in raw.items():
        where = at / str(run)
        if not isinstance(run, str) or not NAME.match(run) or run == BASE:
            problem = ("'base' is the preset's own run" if run == BASE
                       else f"{show(run)} is not a run name")
            raise where.error(problem, run, f"{NAME_ALLOWED}, other than base")
        overrides = {} if overrides is None else overrides
        if not isinstance(overrides, dict):
            raise where.error(f"{show(overrides)} is not a mapping of settings", overrides,
                              "a mapping of dotted paths to values, e.g. {model.hidden: []}")
        settings, overlay, run_config = _overridden(base_raw, at.doc, overrides, where, folder)
        variants[run] = {key: get_path(run_config, key) for key in overrides}
        setups[run] = (settings, overlay, run_config)
    return variants, setups


def _overridden(raw: dict[str, Any], run_doc: Locator, overrides: dict[str, Any], where: Where,
                folder: Any) -> tuple[dict[str, Any], Locator, Config]:
    """``(settings, doc, Config)`` of a run's raw settings with dotted-path ``overrides``
    (a compare variant's, or a lesson step's ``set``) applied and checked; an error names
    the override's own key."""
    settings, links = dict(raw), []
    for key, value in overrides.items():
        parts = check_setting(key, where / str(key))
        set_raw(settings, parts, value, where / key)
        links.append((parts, (*where.path, key)))
    overlay = Overlay(where.doc, run_doc, links, where.path)
    return settings, overlay, validate_config(settings, Where(overlay), folder)


# ---------------------------------------------------------------------------- writing
def preset_to_raw(preset: Preset) -> dict[str, Any]:
    """YAML data for a preset; settings at their defaults are left out."""
    out: dict[str, Any] = {key: getattr(preset, key) for key in REQUIRED}
    out.update(config_to_raw(preset.config))
    if preset.compare:
        out["compare"] = {run: FlowDict({k: to_raw(v) for k, v in overrides.items()})
                          for run, overrides in preset.compare.items()}
    if preset.sweep is not None and preset.sweep.paired:
        out["sweep"] = [FlowDict({k: to_raw(v) for k, v in point.items()})
                        for point in preset.sweep.points]
    elif preset.sweep is not None:
        out["sweep"] = {k: FlowList(to_raw(v) for v in values)
                        for k, values in preset.sweep.params.items()}
    if preset.expect:
        out["expect"] = [claim_to_raw(claim) for claim in preset.expect]
    if preset.view != View():
        out["view"] = FlowDict({f.name: getattr(preset.view, f.name) for f in fields(View)
                                if getattr(preset.view, f.name) != f.default})
    if preset.steps:
        out["steps"] = steps_to_raw(preset.steps)
    if preset.lock:
        out["lock"] = lock_to_raw(preset.lock)
    return out


def dump_preset(preset: Preset) -> str:
    """YAML text for ``preset``; ``parse_preset(dump_preset(p)) == p``."""
    return dump_yaml(preset_to_raw(preset))


def save_preset(preset: Preset, path: str | os.PathLike[str]) -> None:
    """Write ``preset`` as YAML to ``path`` (creating its folder), atomically and never
    through a symlink (``safe_files.write_atomic``): a failed save leaves no file, or the
    old one whole. PresetError says why it failed."""
    path = Path(path).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, dump_preset(preset))
    except OSError as err:
        raise PresetError(f"cannot write it: {err.strerror or err}", file=str(path)) from None
