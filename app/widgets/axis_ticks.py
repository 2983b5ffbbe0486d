"""Axis ticks and their labels, for the panels and the headless sweep chart: short numbers
(``fmt_num``), log ticks at round values, round ticks from zero, ticks that land on whole
rows, SI and decade labels. Plain math, no Textual: ``nnterm run`` draws its sweep chart
with these without importing the app's widgets (a fifth of a second)."""

from __future__ import annotations

import math


def fmt_num(x: float, digits: int = 3) -> str:
    """A short number: 0.0123, 1.2e-05, 1.23e+03, nan."""
    if x is None:
        return "-"
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    ax = abs(x)
    if ax != 0 and (ax < 1e-3 or ax >= 1e4):
        return f"{x:.{max(1, digits - 1)}e}"
    return f"{x:.{digits}g}"



def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick positions (log10 values) for a log axis from 10**lo to 10**hi, at round values
    inside the range: the decades (1e-3, 0.01, 0.1, 1) if two or more fall inside, else
    1, 2 and 5 times a power of ten, else every digit times one (0.6, 0.7), else the ends.
    At most about six of them."""
    eps = 1e-9
    for mantissas in ((1,), (1, 2, 5), tuple(range(1, 10))):
        ticks = [math.log10(m) + k for k in range(math.floor(lo) - 1, math.ceil(hi) + 1)
                 for m in mantissas if lo - eps <= math.log10(m) + k <= hi + eps]
        if len(ticks) >= 2:
            step = max(1, math.ceil(len(ticks) / 6))
            return ticks[::step]
    return [lo] if hi - lo < 1e-12 else [lo, hi]


def zero_based_ticks(top: float, most: int = 6) -> list[float]:
    """Ticks from 0 to at least ``top`` a round step apart (1, 2 or 5 times a power of
    ten), at most ``most`` of them: a loss axis that starts at 0 shows scale honestly
    (a flat loss looks flat), and its labels need few digits."""
    if not (math.isfinite(top) and top > 0):
        return [0.0, 1.0]
    step = ceil_125(top / (most - 1))
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 12) for i in range(count + 1)]


def round_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """The multiples of a round step (1, 2 or 5 times a power of ten) from ``low`` to
    ``high``, at most ``most`` of them, as exact short numbers: 0 rather than -0.0 or
    4e-17 (an x axis, whose labels plotext would print as -0.0 and 1.9)."""
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        return [low]
    step = ceil_125((high - low) / max(1, most - 1))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [float(f"{k * step:.12g}") + 0.0 for k in range(first, last + 1)]


def ticks_on_rows(low: float, high: float, rows: int, most: int = 6, centred: bool = True,
                  least: float = 0.0) -> tuple[list[float], float, float]:
    """Round ticks (1, 2 or 5 times a power of ten apart, at most ``most``, ``least``
    apart at least: 1 for whole decades on a log axis) over ``low`` to ``high`` on a
    plotext canvas ``rows`` tall, and the axis limits that put every tick exactly on a
    row, the same whole number of rows apart, two at least (a blank row between
    labels): (ticks, axis low, axis high).

    plotext puts a value at row ``round((rows - 1) * (v - lo) / (hi - lo))`` (from the
    bottom), so ticks whose spacing is not a whole number of rows land 2, 3, 2, 3 rows
    apart and a value between them reads wrong. Here one row is ``step / per`` (``per``
    rows a step), the axis starts on a row and spans ``rows - 1`` of them: the smallest
    step, then the most rows a step, that cover the data. The spare rows go half below
    and half above the data (``centred``), or all above it: an axis that must start at
    ``low`` (a loss from 0). Fewer than three rows: one tick at ``low``."""
    if rows < 3 or not (math.isfinite(low) and math.isfinite(high)):
        return [low], low, high
    span = max(high - low, 1e-2 * max(abs(low), abs(high))) or 1.0  # flat: still a scale
    top = low + span
    step = max(ceil_125(span / max(1, most - 1)), least)
    while True:
        for per in range(math.floor((rows - 1) * step / span), 1, -1):
            row = step / per
            # the axis starts at row number k (k x row) and reaches top: the k that may be
            lowest = math.ceil(top / row - (rows - 1) - 1e-9)
            highest = math.floor(low / row + 1e-9)
            spare = row * (rows - 1) - span
            k = min(highest, max(lowest, round((low - spare / 2) / row))) if centred else highest
            axis_low, axis_high = k * row, (k + rows - 1) * row
            first, last = math.ceil(axis_low / step - 1e-9), math.floor(axis_high / step + 1e-9)
            if lowest <= highest and last - first < most:
                ticks = [float(f"{i * step:.12g}") + 0.0 for i in range(first, last + 1)]
                return ticks, axis_low, axis_high
        step = ceil_125(step * 1.5)  # the next of 1, 2, 5 x 10^n


def ceil_125(x: float) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is at least ``x`` > 0 (a round
    axis limit or tick step: 0.0031 -> 0.005, 7 -> 10)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12))


#: SI prefixes by power of a thousand, for tick labels of values spanning decades.
SI_PREFIXES = {-5: "f", -4: "p", -3: "n", -2: "µ", -1: "m", 0: "", 1: "k", 2: "M", 3: "G"}


def si_label(v: float) -> str:
    """``v`` with an SI prefix, at most 3 significant digits: 0.01 -> ``10m``,
    -2e-4 -> ``-200µ``, 1.5 -> ``1.5``, 0 -> ``0``; beyond femto/giga as ``1e-18``."""
    if v == 0 or not math.isfinite(v):
        return fmt_num(v)
    thousands = math.floor(math.log10(abs(v)) / 3 + 1e-9)
    prefix = SI_PREFIXES.get(thousands)
    if prefix is None:
        return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")
    mantissa = f"{v / 1000.0 ** thousands:.3g}"
    if mantissa.lstrip("-") == "1e+03":  # rounding carried into the next prefix
        return si_label(math.copysign(1000.0 ** (thousands + 1), v))
    return mantissa + prefix


def tick_label(t: float) -> str:
    """A round tick's label in at most 3 significant digits: 0, 0.25, 2e-05, 1.5e+06."""
    return f"{t:.3g}"


def decade_label(t: float) -> str:
    """The label of log10 tick ``t``: the value itself while short (0.01, 0.5, 200),
    else in powers of ten (1e-3, 2e-5, 1e6, 1e400: from ``t``'s digits, as 10 ** t
    overflows a float past 1e308)."""
    if -2 - 1e-12 <= t < 4:
        v = 10.0 ** t
        return f"{v:.2g}" if v < 1 else f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
    exponent = math.floor(t + 1e-9)
    mantissa = round(10.0 ** (t - exponent))
    if mantissa == 10:  # 9.6e5 rounds to 1e6
        mantissa, exponent = 1, exponent + 1
    return f"{mantissa}e{exponent}"
