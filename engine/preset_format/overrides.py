"""``--set key.path=value`` arguments, applied to a preset's YAML data before it is built.

An override edits the document, as if the file said it: ``parse_preset`` reads the file,
``apply_to_data`` sets each argument's value at its dotted path (the last of two
arguments on one path wins), and the preset is built and checked once. So a setting the
file leaves out still takes its default after an override (a table's omitted split
follows a new ``data.params.path``), and a variant or a claim sees the overridden base
as it would an edited file.

A mistake names its argument: a malformed one (no ``=``, an unknown setting, a value that
is not YAML) at once; a bad value when the preset is built, through ``ArgsDoc``, which
also says which arguments were given when a setting the file wrote no longer fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from nnterm.engine.data import DATASET_FILES
from nnterm.engine.preset_format.errors import ArgsDoc, Doc, KeyPath, Locator, Where
from nnterm.engine.preset_format.settings_schema import absolute_file
from nnterm.engine.preset_format.yaml_io import check_setting, read_value, set_raw
from nnterm.engine.training.config import DataConfig

#: What a ``--set`` argument may be, for messages.
_ARG_ALLOWED = "key.path=value, e.g. train.optimizer.lr=0.1 or model.hidden=[16,16]"
_VALUE_ALLOWED = "a YAML value, e.g. 0.1, [16, 16], relu or null"

#: One read argument: the setting's path, its value and the argument as given.
Override = tuple[tuple[str, ...], Any, str]


def read_overrides(args: Iterable[str]) -> list[Override]:
    """Each ``key.path=value`` argument split and read (values are YAML); a PresetError
    names the first argument that is not one."""
    out = []
    for arg in args:
        where = Where(Doc(f"--set {arg}"))
        if not isinstance(arg, str) or "=" not in arg:
            raise where.error("expected key=value", arg, _ARG_ALLOWED)
        key, _, text = arg.partition("=")
        parts = check_setting(key.strip(), where)
        try:
            value = read_value(text)
        except yaml.MarkedYAMLError as err:
            raise where.error(f"cannot read the value {text!r}: {err.problem or err}", text,
                              _VALUE_ALLOWED) from None
        except Exception as err:  # ReaderError, RecursionError, `!!int x`, ...
            raise where.error(f"cannot read the value {text!r}: {err}", text,
                              _VALUE_ALLOWED) from None
        out.append((parts, value, arg))
    return out


def apply_to_data(data: dict[str, Any], doc: Locator, overrides: list[Override]) -> ArgsDoc:
    """Set every override in ``data`` (a preset's YAML mapping, edited in place) and
    return the doc that locates its key paths: an overridden one at its argument, any
    other in ``doc`` (the file's)."""
    for parts, value, arg in overrides:
        set_raw(data, parts, value, Where(Doc(f"--set {arg}")))
    paths = [parts for parts, _, _ in overrides]
    _files_from_here(data, paths)
    return ArgsDoc([(parts, arg) for parts, _, arg in overrides], doc)


def _files_from_here(data: dict[str, Any], paths: Sequence[KeyPath]) -> None:
    """A data file an argument names was typed where the user stands: it is made absolute
    from the current folder before the build takes relative paths from the preset's
    folder (which the file's own data files stay relative to)."""
    section = data.get("data")
    params = section.get("params") if isinstance(section, dict) else None
    name = section.get("name", DataConfig.name) if isinstance(section, dict) else None
    if not isinstance(params, dict) or not isinstance(name, str):
        return  # not a table's settings: the build says what is wrong, if anything
    for key in DATASET_FILES.get(name, ()):
        value, path = params.get(key), ("data", "params", key)
        if isinstance(value, str) and value and any(path[: len(p)] == p for p in paths):
            params[key] = absolute_file(value, None)
