"""Every optimizer against torch.optim (when installed), step by step over 20 steps, with
hyperparameters edited mid-run and gradients clipped, on float64: the same numbers to 1e-12,
and the same state buffers by name."""

from __future__ import annotations

import numpy as np
import pytest

from nnterm.engine.nn.optimizers import OPTIMIZERS, clip_grad_norm, make_optimizer

TORCH_CASES = [
    ("sgd", {"lr": 0.1}, {}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}, {}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}, {}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, {}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.05}, {}),
    ("sgd", {"lr": 0.1, "momentum": 0.8, "dampening": 0.2, "weight_decay": 0.05}, {}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}, {}),
    ("adam", {"lr": 0.05}, {}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-3}, {}),
    ("adam", {"lr": 0.05, "weight_decay": 0.1}, {}),
    ("adamw", {"lr": 0.05}, {}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.3, "betas": (0.5, 0.9)}, {}),
    ("rmsprop", {"lr": 0.01}, {}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "weight_decay": 0.1}, {}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}, {}),
    ("rmsprop", {"lr": 0.01, "centered": True}, {}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.05}, {}),
    ("adagrad", {"lr": 0.1}, {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}, {}),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}, {}),
    # mid-run edits (at step 10) and clipping before each step
    ("sgd", {"lr": 0.1, "momentum": 0.9}, {"edit": {"lr": 0.03, "momentum": 0.5}}),
    ("adam", {"lr": 0.05}, {"edit": {"lr": 0.01, "betas": (0.7, 0.99)}}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.1}, {"edit": {"weight_decay": 0.5}}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}, {"edit": {"lr": 0.003, "alpha": 0.5}}),
    ("adagrad", {"lr": 0.1}, {"edit": {"lr": 0.05, "lr_decay": 0.1}}),
    ("rmsprop", {"lr": 0.01, "centered": True}, {"clip": 0.5}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}, {"clip": 0.5}),
    ("adam", {"lr": 0.05}, {"clip": 0.5}),
]


@pytest.mark.parametrize(("name", "kwargs", "extra"), TORCH_CASES)
def test_matches_torch(name, kwargs, extra):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1234)
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    ours = [rng.standard_normal(s) for s in shapes]
    theirs = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in ours]
    opt = make_optimizer(name, **kwargs)
    ref = getattr(torch.optim, type(opt).__name__)(theirs, foreach=False, **kwargs)
    for step in range(20):
        if step == 10 and "edit" in extra:
            for key, value in extra["edit"].items():
                setattr(opt, key, value)
                ref.param_groups[0][key] = value
        grads = [rng.standard_normal(s) * 3 for s in shapes]
        for t, g in zip(theirs, grads, strict=True):
            t.grad = torch.tensor(g.copy(), dtype=torch.float64)
        if "clip" in extra:
            total = clip_grad_norm(grads, extra["clip"])
            ref_total = torch.nn.utils.clip_grad_norm_(theirs, extra["clip"], foreach=False)
            assert total == pytest.approx(float(ref_total), rel=1e-12)
        opt.step(ours, grads)
        ref.step()
        for a, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, t.detach().numpy(), rtol=0, atol=1e-12)
    kept = set(ref.state[theirs[0]]) - {"step"}  # the state declared is torch's, by name
    assert set(opt.state) == kept


def test_every_optimizer_is_compared_with_torch():
    assert {name for name, _, _ in TORCH_CASES} == set(OPTIMIZERS)
