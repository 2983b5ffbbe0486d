"""Exported PyTorch scripts run the way a student runs them, and read back.

``run_scripts`` runs several exported scripts in one Python subprocess (torch is imported
once), each as ``__main__`` from its own folder with its own command line, and returns
what each printed and whether anything of nnterm was imported; ``printed_records``
reads the losses a script printed; ``nnterm_records`` trains the same run with nnterm's
Trainer.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.trainer import Trainer

#: Runs each command of the JSON list on its command line ([path, *arguments]) as
#: __main__ from the script's folder, its output captured; prints the outputs in order and
#: the nnterm modules loaded, as JSON.
RUNNER = """
import contextlib, io, json, os, runpy, sys
outputs = []
for command in json.loads(sys.argv[1]):
    out = io.StringIO()
    os.chdir(os.path.dirname(command[0]))
    sys.argv = command
    with contextlib.redirect_stdout(out):
        runpy.run_path(command[0], run_name="__main__")
    outputs.append(out.getvalue())
print(json.dumps({"outputs": outputs,
                  "nnterm": sorted(m for m in sys.modules if m.startswith("nnterm"))}))
"""

LINE = re.compile(r"^step +(\d+)  train loss (\S+)  val loss (\S+)$", re.MULTILINE)


Command = tuple[str | Path, ...]


def run_scripts(commands: Sequence[Command]) -> tuple[dict[Command, str], list[str]]:
    """What each script printed, by its command (the script's path, then its arguments),
    and the nnterm modules the subprocess imported."""
    argv = json.dumps([[str(part) for part in command] for command in commands])
    done = subprocess.run([sys.executable, "-c", RUNNER, argv],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    return dict(zip(commands, result["outputs"], strict=True)), result["nnterm"]


def printed_records(output: str) -> list[tuple[int, float, float]]:
    """(step, train loss, val loss) of each line ``step N  train loss X  val loss Y``."""
    return [(int(s), float(t), float(v)) for s, t, v in LINE.findall(output)]


def short(config: Config, steps: int = 30, records: int = 6) -> Config:
    """``config`` cut to at most ``steps`` steps, recorded about ``records`` times."""
    steps = min(config.train.steps, steps)
    return with_changes(config, {"train.steps": steps,
                                 "train.log_every": max(1, steps // records)})


def assert_same_records(ours: list[tuple[int, float, float]],
                        theirs: list[tuple[int, float, float]], rel: float = 1e-9) -> None:
    """The same steps, and every loss within ``rel`` of nnterm's (NaN matching NaN)."""
    assert [r[0] for r in theirs] == [r[0] for r in ours]
    for mine, script in zip(ours, theirs, strict=True):
        for a, b in zip(mine[1:], script[1:], strict=True):
            assert (math.isnan(a) and math.isnan(b)) or b == pytest.approx(a, rel=rel), (
                mine, script)


def nnterm_records(config: Config) -> list[tuple[int, float, float]]:
    """(step, train loss, val loss) of every record nnterm's Trainer makes of ``config``."""
    trainer = Trainer(config)
    trainer.run()
    assert trainer.history.stride == 1, "a short run keeps every record"
    return [(r.step, r.train_loss, r.val_loss) for r in trainer.history.records]
