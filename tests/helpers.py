"""Helpers shared by tests."""

import dataclasses

from nnterm.engine.training.telemetry import StepRecord


def record(step: int, **values) -> StepRecord:
    """A StepRecord with the given fields; every other field is 0 (numbers) or () (lists)."""
    kwargs = {}
    for f in dataclasses.fields(StepRecord):
        if f.name in values:
            kwargs[f.name] = values.pop(f.name)
        elif f.name == "run":
            kwargs[f.name] = "base"
        elif f.name == "step":
            kwargs[f.name] = step
        else:
            kwargs[f.name] = () if str(f.type).startswith("tuple") else 0.0
    assert not values, f"not StepRecord fields: {values}"
    return StepRecord(**kwargs)
