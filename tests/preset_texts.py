"""Preset files written out for the tests: HEAD (the four lines every preset needs), the
schema's full example (XOR), a swept preset with every kind of sweep claim (SWEPT), one
that spells every setting another way (RICH), the base the fuzzer mutates (FUZZ_BASE),
and where the built-in presets are."""

from __future__ import annotations

from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parents[1] / "presets"
HEAD = "name: t\ntitle: T\nsection: S\nlesson: L\n"

XOR = """\
name: xor
title: XOR needs a hidden layer
section: "1. XOR"
lesson: |
  A straight line cannot separate XOR; one hidden layer can.
  Press space to start.
seed: 3
data:     {name: xor, n_train: 4, n_val: 4, noise: 0.0, label_flip: 0.0, fresh_batches: false,
           params: {points: 4}}
model:
  hidden: [8]
  activation: tanh
  init: he_normal
  dropout: 0.0
  frozen: []
  leaky_slope: 0.01
  loss: cross_entropy
  dtype: float64
train:
  steps: 2000
  batch_size: 0
  optimizer: {name: adam, lr: 0.1, weight_decay: null, betas: [0.9, 0.999], eps: 1.0e-8}
  schedule: {name: constant, warmup_steps: 0}
  clip_norm: null
  l1: 0
  l2: 0
  input_noise: 0
  flips: none
  loss_scale: 1.0
  early_stopping: null
  solver: null
  log_every: 50
compare:
  linear: {model.hidden: []}
  identity: {model.activation: identity}
expect:
  - {metric: train_acc, run: identity, at: end, op: ">=", value: 1.0}
  - {metric: val_loss, run: linear, op: "<", than: {run: base, factor: 0.5}}
  - {metric: "act_std[-1]", op: "<", than: {metric: "act_std[0]", factor: 0.01}}
  - {metric: train_loss, op: ">", than: {at: 0, factor: 0.95}}
  - {diagnosis: dead_relu, run: base}
  - {diagnosis: nan, present: false}
  - {healthy: true, run: identity}
  - {diagnoses: [dead_relu, underfitting], run: linear}
"""

SWEPT = HEAD + """\
data: {name: random_features}
model: {hidden: [10], loss: mse, frozen: [0]}
train: {solver: {ridge: 0}}
compare:
  ridge: {train.solver.ridge: 0.1}
sweep:
  model.hidden: [[10], [25], [50]]
expect:
  - {metric: val_loss, run: ridge, point: {model.hidden: [50]}, op: "<",
     than: {run: base, factor: 0.1}}
  - {argmax: val_loss, param: model.hidden, equals: [50]}
  - {argmin: "grad_norm[0]", param: model.hidden, equals: [10], run: ridge, at: min}
  - {slope: val_loss, x: n_params, op: "<", value: -1.2}
  - {slope: val_loss, x: model.hidden, op: "<", than: {run: ridge, factor: 2}}
  - {diagnosis: overfitting, run: ridge, present: false}
"""

RICH = HEAD + """\
data: {name: spiral, n_train: 300, n_val: 100, noise: 0.1, label_flip: 0.05,
       fresh_batches: true, params: {n_classes: 3.0, turns: 1.5}}
model:
  hidden: [16, 8]
  activation: [relu, leaky_relu]
  init: [{scheme: normal, std: 0.01, bias: -3.0}, he_uniform, {gain: 0.5}]
  dropout: [0.1, 0.0]
  frozen: [0]
  leaky_slope: 0.1
  dtype: float32
train:
  steps: 1e3
  log_every: 1.0e1
  batch_size: 32
  optimizer: {name: sgd, lr: 5e-2, momentum: 0.9, nesterov: true, weight_decay: 1.0e-4}
  schedule: {name: cosine, min_factor: 0.1, warmup_steps: 10}
  clip_norm: 1
  l1: 1.0e-5
  l2: 0.001
  input_noise: 0.05
  loss_scale: 100
  early_stopping: {}
compare:
  adam: {train.optimizer: {name: adamw, lr: 0.01}}
  patient: {train.early_stopping.patience: 50, model.leaky_slope: 0.2}
  wide: {model.hidden: [64, 64], data.params.turns: 2}
sweep:
  train.optimizer.lr: [0.01, 0.1]
  seed: [0, 1, 2]
expect:
  - {metric: "dead_frac[1]", op: "<=", value: 0.5, point: {train.optimizer.lr: 0.1, seed: 1}}
  - {slope: val_loss, x: train.optimizer.lr, op: "<", than: {run: adam}}
  - {metric: val_acc, run: wide, at: 500, op: ">", than: {run: adam, at: max},
     point: {train.optimizer.lr: 1.0e-2, seed: 0}}
"""

FUZZ_BASE = HEAD + """\
data: {name: spiral, n_train: 50, params: {turns: 1.5}}
model: {hidden: [4, 4], activation: [relu, tanh], dropout: 0.1,
        init: [he_normal, {scheme: normal, std: 0.1}, zeros]}
train:
  steps: 100
  optimizer: {name: sgd, lr: 0.1, momentum: 0.9}
  schedule: {name: step, step_size: 10}
  early_stopping: {patience: 5}
compare:
  wide: {model.hidden: [8, 8], train.optimizer.lr: 0.05}
sweep: {seed: [0, 1]}
expect:
  - {metric: "act_std[-1]", at: 50, point: {seed: 0}, op: "<", than: {run: wide, factor: 2}}
  - {metric: train_loss, at: [20, 80], point: {seed: 1}, op: "<", than: {at: [0, 10]}}
  - {argmin: val_loss, param: seed, equals: 1}
  - {slope: val_loss, x: n_params, op: "<", value: -1}
  - {diagnosis: dead_relu, run: wide}
"""
