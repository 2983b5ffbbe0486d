"""Hyperparameters, each declared once: name, default, allowed values, live or restart, docs.

An optimizer, a schedule or an init scheme is a dataclass whose fields are its
hyperparameters, each declared with ``hyperparam``::

    alpha: float = hyperparam(0.99, Number(0, 1), "smoothing of the mean square of g")

Everything else reads the declarations (``declared(cls)``): the class's own constructor
and range checks (``check``), the run Config's fields (``shared_options``: the options of
every optimizer, say, in one section), the preset schema and its error messages, whether a
running trainer takes a new value at its next step or starts over (``live``), the app's
keys and the docs. A new optimizer is one class; nothing else lists its options.

``live`` is True when a running trainer can take the new value between two steps and
carry on (a learning rate); False when the value only means something at the start (an
initial accumulator), so that changing it starts the run over.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass
from numbers import Integral, Real
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

#: The key of a declaration in a dataclass field's metadata.
_KEY = "hyperparam"
#: What ``Number.problem`` says of a number of the right kind but outside the range.
RANGE_PROBLEMS = ("is out of range", "is too small")


@dataclass(frozen=True)
class Number:
    """A finite number in a range (``whole``: a whole number >= ``low``)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    whole: bool = False

    @property
    def allowed(self) -> str:
        """The range in words: ``a number in [0, 1)``, ``a number > 0``, ``a whole number >= 1``."""
        if self.whole:
            return f"a whole number >= {self.low:g}"
        if self.high is not None:
            return (f"a number in {'(' if self.low_open else '['}{self.low:g}, "
                    f"{self.high:g}{')' if self.high_open else ']'}")
        if self.low is not None:
            return f"a number {'>' if self.low_open else '>='} {self.low:g}"
        return "a number"

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` (``is out of range``), or None if it is allowed."""
        if isinstance(value, bool) or not isinstance(value, Real):
            return f"is not a {'whole ' if self.whole else ''}number"
        if self.whole:
            if not isinstance(value, Integral) and not (
                    math.isfinite(value) and float(value).is_integer()):
                return "is not a whole number"
            return "is too small" if value < self.low else None
        if not math.isfinite(_as_float(value)):
            return "is not a finite number"
        low, high = self.low, self.high
        # numbers.Real declares only < and <= (a > b falls back to b < a); every concrete
        # Real number has >, so the ignore is for the ABC's stub, not for the values.
        if (low is not None and (value < low or (self.low_open and value == low))) or (
                high is not None and (value > high  # type: ignore[operator]
                                      or (self.high_open and value == high))):
            return "is out of range"
        return None

    def convert(self, value: Any) -> Any:
        """An allowed value as a plain ``int`` (whole) or ``float``."""
        return int(value) if self.whole else float(value)


def _as_float(value: Real) -> float:
    try:
        return float(value)
    except OverflowError:  # an int too big for a float
        return math.inf


@dataclass(frozen=True)
class Flag:
    """True or false."""

    allowed = "true or false"

    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, bool | np.bool_) else "is not true or false"

    def convert(self, value: Any) -> bool:
        return bool(value)


@dataclass(frozen=True)
class Pair:
    """Two values, each in ``item`` (Adam's betas)."""

    item: Number

    @property
    def allowed(self) -> str:
        return f"a list of 2 values, each {self.item.allowed}"

    def problem(self, value: Any) -> str | None:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            return "is not a list"
        if len(value) != 2:
            return f"has {len(value)} values"
        for i, v in enumerate(value):
            problem = self.item.problem(v)
            if problem:
                return f"has {v!r} at {i}, which {problem}"
        return None

    def convert(self, value: Any) -> tuple[Any, ...]:
        return tuple(self.item.convert(v) for v in value)


Domain = Number | Flag | Pair

#: Domains most hyperparameters share.
NON_NEGATIVE = Number(0)
POSITIVE = Number(0, low_open=True)
FLAG = Flag()


@dataclass(frozen=True)
class Hyperparam:
    """One declared hyperparameter (see the module docstring). ``default`` is MISSING
    when the class needs a value; None means "the class's own choice" (an init's bias)."""

    name: str
    default: Any
    domain: Domain
    doc: str
    live: bool = True

    @property
    def required(self) -> bool:
        return self.default is MISSING

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this hyperparameter, or None."""
        if value is None and self.default is None:
            return None
        return self.domain.problem(value)


def hyperparam(default: Any = MISSING, domain: Domain = NON_NEGATIVE, doc: str = "", *,
               live: bool = True) -> Any:
    """A dataclass field declaring a hyperparameter (its name is the field's)."""
    meta = {_KEY: (domain, doc, live)}
    if default is MISSING:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def declared(cls: type) -> tuple[Hyperparam, ...]:
    """The hyperparameters a dataclass declares with ``hyperparam``, in field order."""
    out = []
    for f in dataclasses.fields(cls):
        if _KEY in f.metadata:
            domain, doc, live = f.metadata[_KEY]
            out.append(Hyperparam(f.name, f.default, domain, doc, live))
    return tuple(out)


def check(owner: str, param: Hyperparam, value: Any) -> None:
    """Raise ValueError naming ``owner`` unless ``value`` is allowed for ``param``."""
    if param.problem(value):
        raise ValueError(f"{owner}: {param.name} must be {param.domain.allowed}, got {value!r}")


def shared_options(classes: Iterable[type]) -> dict[str, Hyperparam]:
    """The hyperparameters of several classes by name, in order of first declaration:
    the options of a Config section whose ``name`` picks one of the classes.

    Each keeps its default where every class that declares it agrees, and gets None
    ("the chosen class's own default") where they differ or one needs a value. Two
    declarations of one name must allow the same values and agree on ``live``: a section
    has one field per name, checked one way (TypeError otherwise)."""
    out: dict[str, Hyperparam] = {}
    for cls in classes:
        for param in declared(cls):
            seen = out.get(param.name)
            if seen is None:
                default = None if param.required else param.default
                out[param.name] = dataclasses.replace(param, default=default)
                continue
            if (seen.domain, seen.live) != (param.domain, param.live):
                raise TypeError(f"{cls.__name__}.{param.name} is declared unlike "
                                f"the other {param.name} options")
            if seen.default != param.default:
                out[param.name] = dataclasses.replace(seen, default=None)
    return out


class Named(Protocol):
    """A class with a name (``adamw``, ``cosine``): what ``build`` makes."""

    name: ClassVar[str]


_NamedT = TypeVar("_NamedT", bound=Named)


def build(classes: Mapping[str, type[_NamedT]], what: str, name: str,
          kwargs: Mapping[str, Any], suffix: str = "") -> _NamedT:
    """``classes[name](**kwargs)`` (``name`` in any case), with one line for each mistake:
    an unknown name (``what``: optimizer), an option the class does not declare, one it
    needs (the class called by its name and ``suffix``: ``step schedule``)."""
    cls = classes.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown {what} {name!r}; allowed: {', '.join(classes)}")
    params = declared(cls)
    allowed = [p.name for p in params]
    owner = f"{cls.name}{suffix}"
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {owner} option(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(allowed)}")
    missing = [p.name for p in params if p.required and p.name not in kwargs]
    if missing:
        raise ValueError(f"{owner} needs {', '.join(missing)}")
    return cls(**kwargs)
