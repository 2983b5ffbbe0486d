"""The layer table of the architecture panel: input, hidden layers and output head, each
with its width, activation, init, dropout and parameter count, the selected one marked.

A deep net's table is compact: a run of identical layers shares one row (``L2–L20 … ×19``)
so that a 20-layer stack takes three rows instead of twenty, and the lesson beside it keeps
its room. The selected layer always has a row of its own: the editor's keys change it alone.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import NamedTuple

from rich.text import Text

from nnterm.engine.nn.initializers import Init, as_init
from nnterm.engine.nn.network import per_layer
from nnterm.engine.training.config import ModelConfig


def init_label(init: Init) -> str:
    """``he_normal``, ``normal σ=0.01``, ``constant 0.5``, ``xavier_uniform ×2``."""
    label = init.scheme
    if init.scheme == "normal":
        label += f" σ={init.std:g}"
    elif init.scheme == "uniform":
        label += f" ±{init.limit:g}"
    elif init.scheme == "constant":
        label += f" {init.value:g}"
    if init.gain != 1.0 and init.scheme not in ("zeros", "constant"):
        label += f" ×{init.gain:g}"
    return label


class LayerRow(NamedTuple):
    """A row of the layer table, as shown: ``layers`` layers from the one named ``kind``
    (``L3``, ``out``; a run of layers ``L2–L20``), each as described by the other cells."""

    kind: str
    width: str
    act: str
    init: str
    drop: str
    params: str
    frozen: str
    layers: int = 1  # (not ``count``, which would hide tuple.count)


@dataclass(frozen=True)
class LayerTable:
    """A net's table: a row per layer (``rows``, the output's last), the rows it is shown
    in as (first layer, layer count) (``spans``), the selected layer's among them, and
    what is said around it (the input width, the loss, the total parameter count: None
    until the data's widths are known)."""

    rows: list[LayerRow]
    spans: list[tuple[int, int]]
    selected_row: int
    input_width: int | None
    loss: str
    total: int | None


def layer_table(model: ModelConfig, input_width: int | None, output_width: int | None,
                selected: int, *, group: bool) -> LayerTable:
    """The table of ``model`` with layer ``selected`` (0-based, the output last) marked;
    ``group`` (a deep net) lets runs of identical layers share a row."""
    rows = layer_rows(model, input_width, output_width)
    spans = layer_spans(rows, selected, group=group)
    total = (sum(_params(a, b) for a, b in pairwise((input_width, *model.hidden, output_width)))
             if input_width is not None and output_width is not None else None)
    return LayerTable(rows, spans, [first for first, _ in spans].index(selected),
                      input_width, model.loss, total)


def layer_rows(model: ModelConfig, input_width: int | None,
               output_width: int | None) -> list[LayerRow]:
    """One row per layer, the output layer last (it has no activation or dropout of its
    own); widths and parameter counts are "?" until the data's widths are known."""
    n = len(model.hidden)
    acts = per_layer(model.activation, n)
    drops = per_layer(model.dropout, n)
    inits = [init_label(as_init(x)) for x in per_layer(model.init, n + 1)]
    widths = [input_width, *model.hidden, output_width]
    rows = []
    for i in range(n + 1):
        fan_in, fan_out = widths[i], widths[i + 1]
        last = i == n
        rows.append(LayerRow("out" if last else f"L{i + 1}", _w(fan_out),
                             "-" if last else acts[i], inits[i],
                             "" if last else f"{float(drops[i]):g}",
                             _w(_params(fan_in, fan_out) if fan_in and fan_out else None),
                             " ❄" if i in model.frozen else ""))
    return rows


def layer_spans(rows: list[LayerRow], selected: int, *, group: bool
                ) -> list[tuple[int, int]]:
    """The table's rows as (first layer, layer count): with ``group``, a run of consecutive
    layers that read the same (width, inputs, activation, init, dropout, frozen) shares
    one row, so that a 20-layer stack takes three; the ``selected`` layer always has a row
    of its own, since the keys edit it alone."""
    spans: list[list[int]] = []
    for i, row in enumerate(rows):
        last = spans[-1] if spans else None
        if (group and last and selected not in (i, last[0])
                and _same_layer(rows[last[0]], row)):
            last[1] += 1
        else:
            spans.append([i, 1])
    return [(first, count) for first, count in spans]


def _same_layer(a: LayerRow, b: LayerRow) -> bool:
    """Whether two layers read the same but for their names (the output never matches a
    hidden layer: its activation is "-")."""
    return a._replace(kind="") == b._replace(kind="")


def merged_row(rows: list[LayerRow], first: int, count: int) -> LayerRow:
    """The row of ``count`` layers from ``first``: its cells, and the layers' names."""
    if count == 1:
        return rows[first]
    return rows[first]._replace(kind=f"L{first + 1}–L{first + count}", layers=count)


@dataclass(frozen=True)
class Columns:
    """How wide the table's columns are: ``name`` holds a layer's name and width, ``init``
    and ``count`` (``×19``, after a shared row's parameters) are 0 when not drawn."""

    name: int
    act: int
    init: int
    params: int
    count: int
    frozen: int

    @property
    def width(self) -> int:
        """A row's width, the selection mark and every gap included."""
        return (2 + self.name + 2 + self.act + 2 + (self.init + 2 if self.init else 0) + 4
                + self.params + 2 + self.count + self.frozen)

    def header(self) -> str:
        """The columns' names, over the rows they name."""
        init = f"{'init':<{self.init}}  " if self.init else ""
        return (f"  layer{'width':>{self.name - 5}}  {'act':<{self.act}}  {init}"
                f"{'drop':<4}{'params':>{self.params + 2}}")

    def line(self, row: LayerRow, selected: bool) -> str:
        """``row`` in these columns (a ▸ before the selected layer's)."""
        init = f"{row.init:<{self.init}}  " if self.init else ""
        count = f" ×{row.layers}" if self.count and row.layers > 1 else ""
        return (f"{'▸ ' if selected else '  '}{row.kind}{row.width:>{self.name - len(row.kind)}}"
                f"  {row.act:<{self.act}}  {init}{row.drop:<4}{row.params:>{self.params + 2}}"
                f"{count:<{self.count}}{row.frozen}").rstrip()


def fit_columns(rows: list[LayerRow], shown: list[LayerRow], room: int) -> Columns:
    """Columns as wide as what the ``shown`` rows hold, so that the table fits the panel at
    120x40. If a row would be wider than ``room`` (0: unknown), the init column goes under
    the table (a column of long init names would push the parameters off the panel), then
    the counts of shared rows (their names say how many layers they hold)."""
    inits = {row.init for row in rows}
    columns = Columns(
        name=max(len("layer  width"), *(len(r.kind) + 1 + len(r.width) for r in shown)),
        act=max(len("act"), *(len(r.act) for r in shown)),
        init=0 if len(inits) == 1 else max(len("init"), *(len(r.init) for r in shown)),
        params=max(len("params"), *(len(r.params) for r in shown)),
        count=max((len(f" ×{r.layers}") for r in shown if r.layers > 1), default=0),
        frozen=max(len(r.frozen) for r in shown))
    for cut in ("init", "count"):
        if room and columns.width > room:
            columns = replace(columns, **{cut: 0})
    return columns


def draw_table(t: Text, table: LayerTable, room: int) -> None:
    """Append ``table`` to ``t``: the header, the input, a row per span (the selected
    one's in reverse), then the init (once if every layer has the same; each row's if
    their column did not fit), the loss and the total, wrapped to ``room`` (0: unknown)."""
    shown = [merged_row(table.rows, first, count) for first, count in table.spans]
    columns = fit_columns(table.rows, shown, room)
    t.append(columns.header() + "\n", "dim")
    t.append(f"  in{_w(table.input_width):>{columns.name - 2}}\n")
    for i, row in enumerate(shown):
        selected = i == table.selected_row
        t.append(columns.line(row, selected) + "\n", "reverse bold" if selected else "")
    labels = {row.init for row in table.rows}
    init_said = ("" if columns.init else table.rows[0].init if len(labels) == 1 else
                 ", ".join(f"{row.kind} {row.init}" for row in shown))
    under = [f"init {init_said}"] * bool(init_said) + [f"loss {table.loss}"]
    if len(under) == 2 and not (room and len(", ".join(under)) + 2 > room):
        under = [", ".join(under)]  # on one line when it fits
    for line in under:
        wrapped = textwrap.wrap(line, room - 2, subsequent_indent="  ") if room else [line]
        t.append("".join(f"  {part}\n" for part in wrapped), "dim")
    t.append("  total: waiting for data" if table.total is None else
             f"  total {table.total:,} parameters", "bold")


def _params(fan_in: int, fan_out: int) -> int:
    """A dense layer's weights and biases."""
    return fan_in * fan_out + fan_out


def _w(x: int | None) -> str:
    return "?" if x is None else f"{x:,}"
