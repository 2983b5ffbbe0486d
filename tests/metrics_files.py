"""A preset's metrics file as rows, for tests that compare two ways of computing it."""

from __future__ import annotations

import json

from nnterm.app.headless.run import run_command


def metrics_rows(preset: str, path) -> list[dict]:
    """The metrics file of ``preset`` trained 120 steps here, less the wall-clock seconds."""
    run_command(preset, steps=120, seed=None, sets=[], metrics=str(path), workers=1)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row.pop("seconds", None)
    return rows
