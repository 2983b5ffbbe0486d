"""Fuzzing the preset loader: malformed YAML, schema violations, random text and bytes,
and ``--set`` arguments either load or raise PresetError, never anything else."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from preset_fuzzing import FUZZ, mutate, survives, values
from preset_texts import FUZZ_BASE, HEAD

from nnterm.engine.preset_format.loader import PresetError, dump_preset, parse_preset


@FUZZ
@given(st.data())
def test_fuzz_schema_violations(data):
    tree = yaml.safe_load(FUZZ_BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        tree = mutate(tree, data.draw)
    survives(yaml.safe_dump(tree, allow_unicode=True))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(FUZZ_BASE)), st.integers(0, 20), st.text(max_size=8))
def test_fuzz_text_edits(position, cut, insert):
    survives(FUZZ_BASE[:position] + insert + FUZZ_BASE[position + cut:])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_fuzz_random_bytes_and_text(blob):
    survives(blob)
    survives(HEAD.encode() + blob if isinstance(blob, bytes) else HEAD + blob)


SETTINGS = ["model.hidden", "model.activation", "model.init", "model.init.std", "seed",
            "train.optimizer", "train.optimizer.lr", "train.schedule.name", "data.params.turns",
            "data.name", "train.early_stopping.patience", "train.solver", "model.dropout"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SETTINGS) | st.text(max_size=12), values)
                .map(lambda kv: f"{kv[0]}={yaml.safe_dump(kv[1], default_flow_style=True)}")
                | st.text(max_size=20), max_size=3))
def test_fuzz_overrides(args):
    try:
        q = parse_preset(FUZZ_BASE, overrides=args)
    except PresetError as err:  # the base file is good: an argument is bad, or what it made
        assert str(err).startswith("--set ") or ": with --set " in str(err)
        return
    assert parse_preset(dump_preset(q)) == q
