"""The panels' axes and headers: short SI and decade labels, round ticks from zero, ticks
that land on whole rows, log ticks, and a header that goes to two lines rather than cut."""

from __future__ import annotations

import math

import pytest

from nnterm.app.widgets._common import fmt_power_of_ten, header_lines
from nnterm.app.widgets.axis_ticks import (
    decade_label,
    log_ticks,
    round_ticks,
    si_label,
    tick_label,
    ticks_on_rows,
    zero_based_ticks,
)


@pytest.mark.parametrize(("value", "label"), [
    (0.01, "10m"), (-2e-4, "-200µ"), (1.5, "1.5"), (0.0, "0"), (5e-9, "5n"), (999.9, "1k"),
])
def test_si_labels_are_short(value, label):
    assert si_label(value) == label


@pytest.mark.parametrize("width", [26, 30, 44, 80])
def test_a_panel_header_goes_to_two_lines_rather_than_cut(width):
    label, numbers = "L1/11 20→256 relu", "‖g‖ 3.04e+78  u/w 1e68"
    lines = header_lines(label, numbers, width)
    assert lines == ([f"{label}  {numbers}"] if width >= 41 else [label, numbers])
    assert header_lines(label, numbers, 10) == ["L1/11 20→…", "‖g‖ 3.04e…"]  # too narrow
    assert fmt_power_of_ten(-3.7) == "2e-4" and fmt_power_of_ten(float("nan")) == "–"
    assert fmt_power_of_ten(-math.inf) == "0"  # no update at all


@pytest.mark.parametrize(("top", "ticks"), [
    (0.6931, [0.0, 0.2, 0.4, 0.6, 0.8]),
    (2.3026, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]),
    (374742145.8, [0.0, 1e8, 2e8, 3e8, 4e8]),
    (1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0.0, [0.0, 1.0]),
])
def test_loss_axis_ticks_start_at_zero_and_are_round(top, ticks):
    assert zero_based_ticks(top) == pytest.approx(ticks)
    assert [tick_label(t) for t in zero_based_ticks(374742145.8)][:2] == ["0", "1e+08"]


@pytest.mark.parametrize(("low", "high", "labels"), [
    (-1.2 * math.pi, 1.2 * math.pi, ["-2", "0", "2"]),  # plotext's own: -3.8 -1.9 -0.0 1.9
    (-0.3, 0.3, ["-0.2", "0", "0.2"]),
    (-1e-17, 2.0, ["0", "0.5", "1", "1.5", "2"]),
])
def test_round_ticks_are_short_and_never_minus_zero(low, high, labels):
    assert [tick_label(t) for t in round_ticks(low, high)] == labels


@pytest.mark.parametrize(("low", "high", "rows", "centred"), [
    (0.0, 6.22, 11, False), (0.0, 0.87, 5, False), (0.0, 1.0, 10, False),
    (-1.71, 1.79, 11, True), (-52732.8, 4.6e-06, 3, True), (0.0, 374742145.8, 30, False),
    (0.95, 1.0, 7, True), (5.0, 5.0, 12, True),
])
def test_ticks_on_rows_land_evenly_on_rows_and_cover_the_data(low, high, rows, centred):
    ticks, axis_low, axis_high = ticks_on_rows(low, high, rows, centred=centred)
    # plotext's row of a value (from the bottom), as in its get_matrix_data
    at = [math.floor(round(0.5 + (rows - 1) * (t - axis_low) / (axis_high - axis_low), 8))
          for t in ticks]
    gaps = {b - a for a, b in zip(at, at[1:], strict=False)}
    assert len(gaps) <= 1 and min(gaps, default=2) >= 2 and at[0] >= 0 and at[-1] < rows
    assert all(abs((t - axis_low) / (axis_high - axis_low) * (rows - 1) - r) < 1e-6
               for t, r in zip(ticks, at, strict=True))  # on the row, not near it
    assert axis_low <= low and axis_high >= high - 1e-8 * (axis_high - axis_low)
    assert 1 <= len(ticks) <= 6 and (centred or axis_low == low)
    assert len({tick_label(t) for t in ticks}) == len(ticks)


@pytest.mark.parametrize(("lo", "hi", "labels"), [
    (0.382, 0.934, ["0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]),  # not 0.934 / 0.382
    (0.515, 0.725, ["0.6", "0.7"]),
    (1e-3, 0.05, ["1e-3", "0.01"]),
    (1e-4, 2.0, ["1e-4", "1e-3", "0.01", "0.1", "1"]),
    (0.02, 0.6, ["0.02", "0.05", "0.1", "0.2", "0.5"]),
])
def test_log_axis_ticks_are_round_with_short_labels(lo, hi, labels):
    ticks = log_ticks(math.log10(lo), math.log10(hi))
    assert [decade_label(t) for t in ticks] == labels
    assert [decade_label(t) for t in (400.0, -350.0, math.log10(2e-5), math.log10(9.6e5))] == [
        "1e400", "1e-350", "2e-5", "1e6"]  # past a float's range too
