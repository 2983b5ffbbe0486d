"""The fuzzer's pieces for presets: values of every kind, a mutation of a preset's YAML tree
(delete, replace, insert, rename at a drawn path), and the property every mutant must
have: it loads (and round-trips) or raises PresetError, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

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
