"""docs/presets.md, the preset format's reference, is true: every YAML example is a preset
that loads as written (the first one's claims hold), its Python example runs, and its
options tables are the code's declarations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nnterm.engine.claims.check import check_claims
from nnterm.engine.experiments.experiment import run_preset
from nnterm.engine.nn.optimizers import OPTIMIZERS
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.preset_format.options_doc import options_doc
from nnterm.engine.preset_format.preset import LOCKABLE

DOC = (Path(__file__).resolve().parents[1] / "docs" / "presets.md").read_text()
YAML = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)
PYTHON = re.findall(r"```python\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_doc_has_its_examples():
    assert len(YAML) >= 3 and len(PYTHON) == 1


@pytest.mark.parametrize("index", range(len(YAML)))
def test_every_yaml_example_is_a_preset_that_loads(index):
    preset = parse_preset(YAML[index], f"docs/presets.md example {index}")
    assert preset.expect, "each example says what it proves"


def test_the_first_example_proves_its_claims():
    preset = parse_preset(YAML[0], "docs/presets.md example 0")
    results = check_claims(preset, run_preset(preset, seed=0))
    assert [r.description for r in results if not r.passed] == []


def test_the_python_example_runs(capsys):
    exec(compile(PYTHON[0], "docs/presets.md python example", "exec"), {})
    assert "held" in capsys.readouterr().out


def test_the_doc_shows_the_options_tables_of_the_code():
    shown = re.search(r"<!-- options_doc -->\n(.*?)<!-- /options_doc -->", DOC, re.DOTALL)
    assert shown is not None
    assert shown.group(1) == options_doc(), \
        "run python -m nnterm.engine.preset_format.options_doc and paste it into docs/presets.md"
    assert all(f"| `{name}` | `lr` |" in shown.group(1) for name in OPTIMIZERS)


def test_the_doc_names_every_lockable_control():
    lock_words = DOC[DOC.index("The names\n`lock` takes"):]
    lock_words = lock_words[:lock_words.index("\n\n")]
    assert re.findall(r"`(\w+)`", lock_words)[1:] == list(LOCKABLE)
