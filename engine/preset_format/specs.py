"""Field specs: how the preset schema checks and converts one value, and says what it allows.

Each ``Spec`` has ``check(value, at) -> value``, raising the PresetError of ``at`` (a
``Where``: the file, the key path, the line) with the bad value and ``allowed``, its words
for what it accepts. Numbers and flags are checked by the engine's own domains
(``nn.hyperparams``), so that a preset and the engine refuse the same values in the same
words; ``option_spec`` is the spec of a declared hyperparameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnterm.engine.nn.hyperparams import FLAG, RANGE_PROBLEMS, Flag, Hyperparam, Number, Pair
from nnterm.engine.preset_format.errors import Where, show, suggest


class Spec:
    """Checks and converts one value; ``allowed`` says what it accepts."""

    allowed = ""

    def check(self, value: Any, at: Where) -> Any:
        raise NotImplementedError


class Allowed(Spec):
    """A value the engine's own ``domain`` allows (``nn.hyperparams``: ``Number``, ``Flag``):
    the schema and the engine check with the same code and say it in the same words."""

    def __init__(self, domain: Number | Flag):
        self.domain = domain
        self.allowed = domain.allowed

    def check(self, value: Any, at: Where) -> Any:
        problem = self.domain.problem(value)
        if problem in RANGE_PROBLEMS:  # said as read: steps 0.0 is 0
            value = self.domain.convert(value)
        if problem:
            raise at.error(f"{show(value)} {problem}", value, self.allowed)
        return self.domain.convert(value)


class Int(Allowed):
    def __init__(self, low: int):
        super().__init__(Number(low, whole=True))


class Real(Allowed):
    def __init__(self, low: float | None = None, high: float | None = None, *,
                 low_open: bool = False, high_open: bool = False):
        super().__init__(Number(low, high, low_open, high_open))


class Bool(Allowed):
    def __init__(self) -> None:
        super().__init__(FLAG)


class Text(Spec):
    allowed = "text"

    def check(self, value: Any, at: Where) -> str:
        if not isinstance(value, str) or not value.strip():
            what = "empty" if isinstance(value, str) else "not text"
            raise at.error(f"{show(value)} is {what}", value, self.allowed)
        return value


class Choice(Spec):
    def __init__(self, options: Sequence[str], what: str):
        self.options, self.what = tuple(options), what
        self.allowed = ", ".join(self.options)

    def check(self, value: Any, at: Where) -> str:
        if not isinstance(value, str):
            raise at.error(f"{show(value)} is not a {self.what} name", value, self.allowed)
        if value not in self.options:
            raise at.error(f"unknown {self.what} {value!r}{suggest(value, self.options)}",
                           value, self.allowed)
        return value


class Optional(Spec):
    def __init__(self, inner: Spec):
        self.inner = inner
        self.allowed = f"null or {inner.allowed}"

    def check(self, value: Any, at: Where) -> Any:
        return None if value is None else self.inner.check(value, at)


class ListOf(Spec):
    def __init__(self, item: Spec, length: int | None = None):
        self.item, self.length = item, length
        count = f"{length} " if length else ""
        self.allowed = f"a list of {count}values, each {item.allowed}"

    def check(self, value: Any, at: Where) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise at.error(f"{show(value)} is not a list", value, self.allowed)
        if self.length is not None and len(value) != self.length:
            raise at.error(f"{show(value)} has {len(value)} values", value, self.allowed)
        return tuple(self.item.check(v, at / i) for i, v in enumerate(value))


class OneOrList(Spec):
    """One value for every layer, or a list with one per layer (lengths checked later)."""

    def __init__(self, item: Spec):
        self.item = item
        self.allowed = f"{item.allowed}, or a list of those (one per layer)"

    def check(self, value: Any, at: Where) -> Any:
        if isinstance(value, list | tuple):
            return tuple(self.item.check(v, at / i) for i, v in enumerate(value))
        return self.item.check(value, at)


def check_keys(value: Any, at: Where, allowed: Sequence[str], what: str) -> dict[str, Any]:
    """``value`` as a mapping whose keys are all in ``allowed``."""
    if not isinstance(value, dict):
        raise at.error(f"{show(value)} is not a mapping", value,
                       f"a mapping of {what} keys: {', '.join(allowed)}")
    for key in value:
        if not isinstance(key, str):
            raise (at / str(key)).error(f"key {show(key)} is not text", key, ", ".join(allowed))
        if key not in allowed:
            raise (at / key).error(f"unknown key {key!r}{suggest(key, allowed)}", key,
                                   ", ".join(allowed))
    return value


class Section(Spec):
    """A mapping of named fields that builds one of the Config dataclasses."""

    def __init__(self, cls: type, fields: dict[str, Spec]):
        self.cls, self.fields = cls, fields
        self.allowed = f"a mapping with keys {', '.join(fields)}"

    def check(self, value: Any, at: Where) -> Any:
        value = check_keys(value, at, tuple(self.fields), self.cls.__name__)
        return self.cls(**{k: self.fields[k].check(v, at / k) for k, v in value.items()})


def option_spec(param: Hyperparam, default: Any) -> Spec:
    """The spec of a declared hyperparameter in a section whose field defaults to
    ``default`` (None: the value may be null)."""
    domain = param.domain
    spec = ListOf(Allowed(domain.item), 2) if isinstance(domain, Pair) else Allowed(domain)
    return Optional(spec) if default is None else spec
