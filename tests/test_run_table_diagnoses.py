"""The run table's diagnosis cell breaks between names and before the consequences a root
cause explains, never inside a name, so that a narrow column leaves the changes room."""

from __future__ import annotations

from rich.text import Text

from nnterm.app.widgets.run_table import _packed


def test_a_root_cause_breaks_before_what_it_explains():
    cell = Text("flat_loss (→ underfitting)")
    assert _packed(cell, 40).plain == "flat_loss (→ underfitting)"
    assert _packed(cell, 18).plain == "flat_loss\n(→ underfitting)"


def test_names_break_after_their_comma_and_never_inside():
    cell = Text("dead_relu (→ flat_loss, vanishing_gradients), overfitting")
    lines = _packed(cell, 26).plain.split("\n")
    assert lines == ["dead_relu (→ flat_loss,", "vanishing_gradients),", "overfitting"]
    assert all(len(line) <= 26 for line in lines)
