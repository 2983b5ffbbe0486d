"""Argument checks shared by the generators: each raises ValueError naming the argument."""

from __future__ import annotations

import math
import numbers


def check_int(name: str, value: object, low: int) -> int:
    """``value`` as an int >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_float(name: str, value: object, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not (low <= v <= high and math.isfinite(v)):
        bounds = f"in [{low}, {high}]" if math.isfinite(high) else f">= {low}"
        raise ValueError(f"{name} must be a finite number {bounds}, got {value!r}")
    return v


def check_fraction(name: str, value: object) -> float:
    """``value`` as a float in [0, 1]."""
    return check_float(name, value, 0.0, 1.0)


def check_std(name: str, value: object) -> float:
    """``value`` as a float >= 0 (a standard deviation)."""
    return check_float(name, value, 0.0)
