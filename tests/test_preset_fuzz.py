"""Fuzzing the preset loader: malformed YAML, schema violations, random text and bytes,
and ``--set`` arguments either load or raise PresetError, never anything else."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from preset_texts import FUZZ_BASE, HEAD

from nnterm.engine.preset_format.loader import PresetError, dump_preset, parse_preset

NAMES = ["tanh", "relu", "adam", "sgd", "xor", "names", "csv", "path", "target", "end", "base",
         "adam", "model.hidden", "seed", "n_params", "val_loss", "act_std[0]", "<", "1e3",
         "bigram", "he_normal"]
scalars = (st.none() | st.booleans() | st.integers(-5, 10**6) | st.sampled_from(NAMES)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=10))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), inner,
                                        max_size=4), max_leaves=12)


def node_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from node_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from node_paths(value, (*path, i))


def mutate(data, draw):
    path = draw(st.sampled_from(list(node_paths(data))))
    op = draw(st.sampled_from(["delete", "replace", "insert", "rename"]))
    if not path:
        return draw(values) if op == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "delete":
        del parent[last]
    elif op == "replace":
        parent[last] = draw(values)
    elif isinstance(parent, dict):
        key = draw(st.sampled_from(NAMES) | st.text(max_size=8))
        if op == "insert":
            parent[key] = draw(values)
        elif key not in parent:
            parent[key] = parent.pop(last)
    return data


def survives(text):
    """It loads (and then round-trips) or raises PresetError; nothing else."""
    try:
        p = parse_preset(text, "fuzz.yaml")
    except PresetError as err:
        assert str(err)
        return
    assert parse_preset(dump_preset(p)) == p


FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


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
