"""The csv dataset's tests share these: the example preset that ships, a preset reading
``data.csv`` beside it, and tables written for a test (two classes of points, a circle
inside a ring)."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "csv" / "moons.yaml"

PRESET = textwrap.dedent("""\
    name: mine
    title: My data
    section: "Your own data"
    lesson: |
      A table of my own.
    data:
      name: csv
      params: {path: data.csv, target: label}
    model: {hidden: [8], activation: tanh}
    train: {steps: 40, batch_size: 16, optimizer: {name: adam, lr: 0.05}, log_every: 20}
""")


def write_table(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def two_class_rows(n: int = 50, seed: int = 0) -> list[list]:
    """Rows ``x, y, label``: a noisy circle inside a ring, labels ``in``/``out``."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        radius = 1.0 if i % 2 else 3.0
        angle = rng.uniform(0, 2 * np.pi)
        rows.append([f"{radius * np.cos(angle) + 5:.4f}", f"{radius * np.sin(angle):.4f}",
                     "in" if i % 2 else "out"])
    return rows


def preset_file(folder: Path, text: str = PRESET, name: str = "mine.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def raw_rows(path: Path) -> np.ndarray:
    with open(path, newline="") as file:
        return np.array([[float(v) for v in row[:2]] for row in list(csv.reader(file))[1:]])
