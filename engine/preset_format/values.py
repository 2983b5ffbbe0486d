"""A setting's value compared and written as people write it, and a run's label.

A value read from YAML (``[50]``) and the same value in a Config (``(50,)``) compare
equal once ``normalize``d; ``format_value`` writes either as a preset would
(``[16, 16]``, ``0.001``, ``relu``). A run at a sweep point is labelled
``base[model.hidden=[50], data.n_train=200]`` in tables, claims and metrics files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def normalize(value: Any) -> Any:
    """A comparable form of a setting's value: lists become tuples (recursively) and NumPy
    scalars Python numbers, so ``[50]`` from YAML matches ``(50,)`` in a Config."""
    if isinstance(value, (list, tuple)):
        return tuple(normalize(v) for v in value)
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def format_value(value: Any) -> str:
    """A setting's value as people write it: ``[16, 16]``, ``0.001``, ``relu``."""
    value = normalize(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_point(point: Mapping[str, Any]) -> str:
    """``model.hidden=[50], data.n_train=200``."""
    return ", ".join(f"{path}={format_value(v)}" for path, v in point.items())


def run_label(run: str, point: Mapping[str, Any] | None = None) -> str:
    """``base`` or, at a sweep point, ``base[model.hidden=[50]]``."""
    return f"{run}[{format_point(point)}]" if point else run
