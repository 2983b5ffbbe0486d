"""Every built-in preset proves its claims, on two seeds (``nnterm check`` in the suite)."""

from __future__ import annotations

import re

import pytest

from nnterm.engine.claims.check import check_claims, named_diagnoses
from nnterm.engine.experiments.experiment import DataCache, preset_jobs, run_preset, train_point
from nnterm.engine.preset_format.loader import scan_presets
from nnterm.engine.preset_format.preset import ExplainedClaim

PRESETS, PROBLEMS = scan_presets()

#: The preset names are a contract (the course glossary refers to them).
CONTRACT = {
    "xor", "init_too_large", "init_too_small", "init_zero", "xavier_vs_he",
    "softmax_ce_vs_mse", "learning_rate", "batch_size", "dead_relu", "vanishing_gradients",
    "activations", "optimizers", "adam_vs_adamw", "overfitting", "regularization",
    "augmentation", "double_descent", "scaling_laws", "next_token", "playground",
    "universal_approximation", "scaling_laws_data", "scaling_laws_compute", "draw",
}


def test_every_builtin_preset_loads():
    assert PROBLEMS == []


def test_the_course_presets_are_all_there():
    assert {p.name for p in PRESETS} >= CONTRACT


def test_every_preset_teaches_and_claims():
    for preset in PRESETS:
        assert preset.title and preset.section and len(preset.lesson.split()) >= 30
        assert preset.expect, f"{preset.name} makes no claim"


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_every_run_declares_the_diagnoses_its_lesson_names(preset):
    """Each run has a ``diagnoses`` (or ``healthy``) claim, and each diagnosis it names is
    named, as a word, in the lesson's text: the claims then prove, on every seed checked, that a run
    shows nothing its lesson does not talk about."""
    declared = [c.run for c in preset.expect if isinstance(c, ExplainedClaim)]
    assert sorted(declared) == sorted(preset.run_names)
    for run, names in named_diagnoses(preset).items():
        missing = [n for n in names if not re.search(rf"\b{n}\b", preset.lesson)]
        assert not missing, f"{run}: the lesson never names {', '.join(missing)}"


def test_the_lessons_of_section_8_show_the_train_val_table():
    """The glossary's train/val loss table belongs to its section 8."""
    section_8 = [p for p in PRESETS if p.section.startswith("8.")]
    assert {p.name for p in section_8} >= {"overfitting", "regularization"}
    assert [p.name for p in section_8 if not p.view.fit_table] == []


#: Each preset on one seed, 0 or 1 in turn along the list: every lesson's claims are
#: checked, on more than one seed across the lessons, in half the time of both seeds each
#: (``nnterm check PRESET --seed $(seq 0 20)`` checks 21; the README lists them).
CLAIM_SEEDS = [pytest.param(p, i % 2, id=f"{p.name}-{i % 2}") for i, p in enumerate(PRESETS)]


@pytest.mark.parametrize(("preset", "seed"), CLAIM_SEEDS)
def test_preset_claims_hold(preset, seed):
    result = run_preset(preset, seed=seed)
    failed = [c for c in check_claims(preset, result) if not c.passed]
    assert not failed, "\n".join(
        f"{c.description}: expected {c.expected}, measured {c.measured_text}" for c in failed
    )


@pytest.mark.parametrize("seed", [40, 58])
def test_activations_base_stays_healthy_where_a_layer_is_dead_for_a_moment(seed):
    """On these seeds a ReLU layer of the base run is half or more dead around step 50
    while the loss is still high, then comes back and the run fits the spiral (loss under
    0.01): a passing state, not a diagnosis (it broke the claim "base triggers no
    diagnosis" before the rules asked a dead layer to last and the loss to stay high)."""
    preset = next(p for p in PRESETS if p.name == "activations")
    job = next(j for j in preset_jobs(preset, seed=seed) if j.name == "base")
    result = train_point(job, DataCache())
    assert max(result.records[1].dead_frac) >= 0.5 and result.final.train_loss < 0.01
    assert result.diagnoses == ()
