"""Exported PyTorch scripts run the way a student runs them, and read back.

``run_scripts`` runs several exported scripts in one Python subprocess (torch is imported
once), each as ``__main__`` from its own folder, and returns what each printed and whether
anything of nnterm was imported; ``printed_records`` reads the losses a script printed;
``nnterm_records`` trains the same run with nnterm's Trainer.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from nnterm.engine.training.config import Config
from nnterm.engine.training.trainer import Trainer

#: Runs each script given on the command line as __main__, its output captured; prints
#: {path: output} and the nnterm modules loaded, as JSON.
RUNNER = """
import contextlib, io, json, runpy, sys
outputs = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(path, run_name="__main__")
    outputs[path] = out.getvalue()
print(json.dumps({"outputs": outputs,
                  "nnterm": sorted(m for m in sys.modules if m.startswith("nnterm"))}))
"""

LINE = re.compile(r"^step +(\d+)  train loss (\S+)  val loss (\S+)$", re.MULTILINE)


def run_scripts(paths: list[Path]) -> tuple[dict[Path, str], list[str]]:
    """What each script printed, and the nnterm modules the subprocess imported."""
    done = subprocess.run([sys.executable, "-c", RUNNER, *map(str, paths)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    return {Path(p): out for p, out in result["outputs"].items()}, result["nnterm"]


def printed_records(output: str) -> list[tuple[int, float, float]]:
    """(step, train loss, val loss) of each line ``step N  train loss X  val loss Y``."""
    return [(int(s), float(t), float(v)) for s, t, v in LINE.findall(output)]


def nnterm_records(config: Config) -> list[tuple[int, float, float]]:
    """(step, train loss, val loss) of every record nnterm's Trainer makes of ``config``."""
    records: list[tuple[int, float, float]] = []
    Trainer(config).run(on_record=lambda r: records.append((r.step, r.train_loss,
                                                             r.val_loss)))
    return records
