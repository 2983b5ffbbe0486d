"""Preset YAML in and out: the loader, dotted settings paths, and Config -> YAML data.

``read_yaml`` parses text with ``yaml.SafeLoader`` plus YAML 1.2's floats (``1e-3``), and
keeps the node tree for line numbers; every failure is a PresetError. ``check_setting``
and ``set_raw`` handle ``model.hidden``-style paths (``compare``, ``sweep``, ``--set``);
``to_raw``/``config_to_raw`` turn settings back into YAML data that ``dump_yaml`` writes.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from nnterm.engine.data import DATASET_PARAMS, sized_by_table
from nnterm.engine.nn.initializers import Init
from nnterm.engine.preset_format.errors import (
    KeyPath,
    PresetError,
    Where,
    show,
    show_path,
    suggest,
)
from nnterm.engine.preset_format.settings_schema import (
    CONFIG,
    INIT_FIELDS,
    InitSpec,
    Params,
    optimizer_options,
    schedule_options,
)
from nnterm.engine.preset_format.specs import OneOrList, Optional, Section, Spec
from nnterm.engine.training.config import Config, OptimizerConfig, ScheduleConfig

# ---------------------------------------------------------------------------- reading
#: Floats that YAML 1.1 (PyYAML) misses and YAML 1.2 reads: ``1e-3``, ``1.0e3``, ``.5e2``.
_FLOAT_12 = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$")


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that also reads ``1e-3`` as a number."""


class _Dumper(yaml.SafeDumper):
    """Flow style for short lists and mappings, ``|`` for multi-line text, no aliases, and
    text such as ``'1e3'`` quoted so that ``_Loader`` reads it back as text."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)  # indent list items under their key


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))


#: A preset is a page of YAML; these bounds leave room for big hand-written data tables
#: and refuse what would take the loader minutes or all the memory.
MAX_YAML_CHARS = 1_000_000
MAX_YAML_VALUES = 100_000


def read_yaml(text: str | bytes, source: str) -> tuple[Any, yaml.Node | None]:
    """The data in YAML ``text`` and its node tree (None, None for an empty document)."""
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise PresetError(
                f"not UTF-8 text (byte {data[err.start]:#04x} at offset {err.start})",
                file=source, line=data.count(b"\n", 0, err.start) + 1,
                allowed="a UTF-8 text file") from None
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_YAML_CHARS:
        raise PresetError(f"the file is {len(text):,} characters long: too big for a preset",
                          file=source, allowed=f"at most {MAX_YAML_CHARS:,} characters")
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_expanded_size(root, source)
        _check_duplicates(root, source)
        return loader.construct_document(root), root
    except PresetError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = "; ".join(filter(None, (err.context, err.problem))) or "syntax error"
        raise PresetError(f"invalid YAML: {problem}",
                          file=source, line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as err:
        char = err.character
        char = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        raise PresetError(f"invalid YAML: character {char} is not allowed",
                          file=source, line=text.count("\n", 0, err.position) + 1) from None
    except RecursionError:  # the reader stopped where the nesting went too deep
        line = loader.line + 1 if loader is not None else None
        raise PresetError("invalid YAML: nested too deeply", file=source, line=line) from None
    except Exception as err:  # e.g. `!!int abc`: PyYAML lets the int() error through
        raise PresetError(f"invalid YAML: {err}", file=source) from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_expanded_size(root: yaml.Node, source: str) -> None:
    """Refuse a document whose aliases expand it beyond ``MAX_YAML_VALUES`` values.

    An alias shares a node, so a few lines (``a: &a [1, 1]``, ``b: &b [*a, *a]``, ...)
    stand for 10⁹ values, or for infinitely many if one refers to itself; anything that
    walks the data (a message, a comparison) would then run out of time or memory. The
    walk here counts each visit of a shared node again and stops at the limit."""
    stack, visits = [root], 0
    while stack:
        node = stack.pop()
        visits += 1
        if visits > MAX_YAML_VALUES:
            raise PresetError(f"expands to more than {MAX_YAML_VALUES:,} values through "
                              f"its aliases (*name)", file=source,
                              line=node.start_mark.line + 1,
                              allowed=f"at most {MAX_YAML_VALUES:,} values")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _check_duplicates(root: yaml.Node, source: str) -> None:
    """PyYAML keeps the last of two equal keys silently; here it is an error."""
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if (key.tag, key.value) in keys:
                        raise PresetError(f"duplicate key {key.value!r}", file=source,
                                          line=key.start_mark.line + 1,
                                          key=show_path((*path, key.value)), value=key.value)
                    keys.add((key.tag, key.value))
                stack.append((value, (*path, str(getattr(key, "value", "?")))))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, (*path, i)) for i, v in enumerate(node.value))

def read_value(text: str) -> Any:
    """One YAML value (a ``--set`` argument's), bounded like a file
    (``_check_expanded_size``); yaml's exceptions pass through."""
    loader = _Loader(text)  # a SafeLoader
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_expanded_size(root, "--set")
        return loader.construct_document(root)
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------- dotted paths
def setting_paths() -> list[str]:
    """Every dotted settings path (``train.optimizer.lr``, ``data.params.points``, ...)."""
    out: list[str] = []

    def walk(spec: Spec, prefix: str) -> None:
        spec = spec.inner if isinstance(spec, Optional) else spec
        spec = spec.item if isinstance(spec, OneOrList) else spec
        if prefix:
            out.append(prefix)
        children: Any = {}
        if isinstance(spec, Section):
            children = spec.fields
        elif isinstance(spec, InitSpec):
            children = INIT_FIELDS
        elif isinstance(spec, Params):
            children = {k: Spec() for p in DATASET_PARAMS.values() for k in p}
        for key, child in children.items():
            walk(child, f"{prefix}.{key}" if prefix else key)

    walk(CONFIG, "")
    return sorted(set(out))


def check_setting(path: Any, at: Where) -> tuple[str, ...]:
    """``path`` (a dotted settings path) split into its parts, or a PresetError."""
    if not isinstance(path, str):
        raise at.error(f"{show(path)} is not a dotted settings path", path,
                       "a path such as model.hidden or train.optimizer.lr")
    parts = tuple(path.split("."))
    spec: Any = CONFIG
    for i, part in enumerate(parts):
        spec = spec.inner if isinstance(spec, Optional) else spec
        spec = spec.item if isinstance(spec, OneOrList) else spec
        if isinstance(spec, Section) and part in spec.fields:
            spec = spec.fields[part]
        elif isinstance(spec, InitSpec) and part in INIT_FIELDS:
            spec = INIT_FIELDS[part]
        elif isinstance(spec, Params) and part and i == len(parts) - 1:
            spec = None  # any name; checked against the dataset
        else:
            raise at.error(f"unknown setting {path!r}{suggest(path, setting_paths())}", path,
                           "a dotted path such as model.hidden or train.optimizer.lr")
    return parts


def set_raw(raw: dict[str, Any], parts: Sequence[str], value: Any, at: Where) -> None:
    """Set ``parts`` (a checked settings path) to ``value`` in YAML data, in place.

    Missing or null sections on the way are created; a string init becomes a mapping."""
    node = raw
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = {}
        elif isinstance(child, str) and tuple(parts[: i + 1]) == ("model", "init"):
            child = {"scheme": child}
        elif not isinstance(child, dict):
            where = ".".join(parts[: i + 1])
            raise at.error(f"{where} is {show(child)}, not a mapping, so {'.'.join(parts)} "
                           f"cannot be set", child, f"set {where} as a whole")
        else:
            child = dict(child)
        node[part] = child
        node = child
    node[parts[-1]] = copy.deepcopy(value)


# ---------------------------------------------------------------------------- back to YAML
class FlowList(list[Any]):
    """A list written on one line (``[8, 8]``)."""


class FlowDict(dict[str, Any]):
    """A mapping written on one line (``{name: adam, lr: 0.01}``)."""


#: Settings written even at their defaults, so that a saved preset says what it trains.
_ALWAYS = {
    "DataConfig": ("name",), "ModelConfig": ("hidden", "activation", "loss"),
    "TrainConfig": ("steps", "optimizer"), "OptimizerConfig": ("name", "lr"),
}


def to_raw(value: Any, *, block: bool = False) -> Any:
    """YAML data for a Config (or any part of one); fields at their defaults are left out
    (but for ``_ALWAYS``), and so are optimizer/schedule options that the chosen
    optimizer/schedule ignores."""
    if isinstance(value, Init):
        raw = _fields_to_raw(value, Init())
        raw.pop("scheme", None)
        return value.scheme if not raw else FlowDict(scheme=value.scheme, **raw)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        raw = _fields_to_raw(value, type(value)())
        if isinstance(value, OptimizerConfig):
            raw = {k: v for k, v in raw.items() if k in ("name", *optimizer_options(value.name))}
        elif isinstance(value, ScheduleConfig):
            raw = {k: v for k, v in raw.items() if k in ("name", *schedule_options(value.name))}
        return raw if block else FlowDict(raw)
    if isinstance(value, Mapping):
        return FlowDict({k: to_raw(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return FlowList(to_raw(v) for v in value)
    return value


def _fields_to_raw(value: Any, default: Any) -> dict[str, Any]:
    always = _ALWAYS.get(type(value).__name__, ())
    out = {}
    for f in dataclasses.fields(value):
        v = getattr(value, f.name)
        if f.name in always or v != getattr(default, f.name):
            out[f.name] = to_raw(v)
    return out


def config_to_raw(config: Config) -> dict[str, Any]:
    """YAML data for the settings of a Config (``seed``, ``data``, ``model``, ``train``).

    A table's ``n_train`` and ``n_val`` are written even at their defaults: left out, they
    would load back as shares of its rows (``settings_schema._fill_split``)."""
    out: dict[str, Any] = {}
    if config.seed != Config.seed:
        out["seed"] = config.seed
    for key in ("data", "model", "train"):
        section = to_raw(getattr(config, key), block=True)
        if key == "data" and sized_by_table(config.data.name):
            section = {"name": section.pop("name"), "n_train": config.data.n_train,
                       "n_val": config.data.n_val, **section}
        if section:
            out[key] = section
    return out


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else '"' if value and set(value) <= set("<>=") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence(
    "tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(FlowDict, lambda d, v: d.represent_mapping(
    "tag:yaml.org,2002:map", v, flow_style=True))


def dump_yaml(data: Any) -> str:
    """YAML text for data made by ``to_raw`` (FlowList/FlowDict on one line)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
