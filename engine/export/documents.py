"""The parts of an exported run as a Python script or as a Jupyter notebook.

The notebook is nbformat 4.5 JSON written here by hand (a markdown cell of the lesson,
then a markdown and a code cell per part, then a plot of the losses), so that exporting
needs no Jupyter package; the tests validate it with ``nbformat``.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from nnterm.engine.export.torch_code import Part

RULE = "# " + "-" * 86

#: The notebook's last cell: the recorded losses over the steps (matplotlib is only
#: imported by the notebook, never by nnterm).
PLOT = '''import matplotlib.pyplot as plt

steps, train_losses, val_losses = zip(*history)
plt.plot(steps, train_losses, label="train loss")
plt.plot(steps, val_losses, label="val loss")
plt.xlabel("step")
plt.ylabel("loss")
plt.legend()
plt.show()'''


def script_text(header: str, parts: list[Part]) -> str:
    """A script: ``header`` as its docstring, then each part under a comment rule with
    its text as comment lines."""
    out = [f'"""{header.strip()}\n"""', ""]
    for i, part in enumerate(parts):
        if i:
            out += ["", "", RULE, f"# {part.title}:"]
            out += textwrap.wrap(part.text, 88, initial_indent="# ", subsequent_indent="# ")
        out += [part.code]
    return "\n".join(out) + "\n"


def notebook_json(title: str, lesson: str, header: str, parts: list[Part]) -> str:
    """A notebook: the title and the lesson's text, how the notebook matches the run,
    then a markdown and a code cell per part, and a plot of the losses."""
    cells = [_cell("markdown", f"# {title}\n\n{lesson.strip()}"),
             _cell("markdown", header.strip())]
    for part in parts:
        cells += [_cell("markdown", f"## {part.title}\n\n{part.text}"),
                  _cell("code", part.code)]
    cells += [_cell("markdown", "## The losses\n\nThe recorded train and val loss over "
                    "the steps, as nnterm's loss panel draws them."), _cell("code", PLOT)]
    for n, cell in enumerate(cells):
        cell["id"] = f"cell-{n}"
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _cell(kind: str, text: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {},
                            "source": text.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
