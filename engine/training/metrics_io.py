"""Write a run's metrics stream to JSONL or CSV.

JSONL (``.jsonl``/``.json``, the default): one object per logged step (``StepRecord.to_json``
with ``run`` set to the run's label), then one ``"summary": true`` object per run with its
status, stop reason, diagnoses (name, step, message and the root cause it is folded under,
"" for a root cause) and final metrics.

CSV (``.csv``): one row per logged step; per-layer lists are JSON-encoded in their cell;
summaries are left out (they do not fit the columns).

The file is written under a temporary name beside ``path`` and renamed over it when the
writer closes, or when the run is interrupted (Ctrl-C keeps what was measured); a run
that fails leaves the old file as it was (``safe_files.AtomicWriter``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from nnterm.engine.training.safe_files import AtomicWriter
from nnterm.engine.training.telemetry import StepRecord


class MetricsWriter:
    """Streams records to ``path`` as they come; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.csv = self.path.suffix.lower() == ".csv"
        self._file: IO[str] | None = None
        self._csv_writer: csv.DictWriter[str] | None = None

    def __enter__(self) -> MetricsWriter:
        self._writer = AtomicWriter(self.path, newline="" if self.csv else None)
        self._file = self._writer.file
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._writer.__exit__(kind, error, traceback)

    def record(self, run: str, record: StepRecord) -> None:
        row = record.to_json()
        row["run"] = run
        if self.csv:
            self._write_csv(row)
        else:
            self._write_json(row)

    def summary(self, run: str, summary: dict[str, Any]) -> None:
        if not self.csv:
            self._write_json({"run": run, "summary": True, **summary})

    def _write_json(self, row: dict[str, Any]) -> None:
        assert self._file is not None, "written only inside the with block"
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()

    def _write_csv(self, row: dict[str, Any]) -> None:
        assert self._file is not None, "written only inside the with block"
        cells = {k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()}
        if self._csv_writer is None:
            self._csv_writer = csv.DictWriter(self._file, fieldnames=list(cells))
            self._csv_writer.writeheader()
        self._csv_writer.writerow(cells)
        self._file.flush()
