"""Every kind of bad input to the preset loader: one row of BAD per mistake a preset file
can hold, each reported with its file, line and key in one line; files that are not
presets at all (empty, not UTF-8, not a mapping, nested too deeply)."""

from __future__ import annotations

import pickle

import pytest
from preset_texts import HEAD

from nnterm.engine.preset_format.loader import PresetError, parse_preset


def error_of(text: str | bytes, source: str = "p.yaml") -> PresetError:
    with pytest.raises(PresetError) as info:
        parse_preset(text, source)
    return info.value


def marked_line(body: str) -> int:
    """The line of HEAD + body that carries the marker ``# <-``."""
    return next(i for i, line in enumerate((HEAD + body).splitlines(), 1) if "# <-" in line)


BAD = [
    # (body with "# <-" on the reported line, key path, words of the message)
    ("modle:  # <-\n  hidden: [2]\n", "modle", "unknown key 'modle'; did you mean 'model'?"),
    ("model:\n  hiden: [3]  # <-\n", "model.hiden", "did you mean 'hidden'?"),
    ("train:\n  steps: 1.5  # <-\n", "train.steps", "1.5 is not a whole number"),
    ("train:\n  steps: '1e3'  # <-\n", "train.steps", "'1e3' is not a whole number"),
    ("train:\n  steps: 1.5e0  # <-\n", "train.steps", "1.5 is not a whole number"),
    ("data:\n  fresh_batches: 1  # <-\n", "data.fresh_batches", "1 is not true or false"),
    ("model:\n  dropout: 1.0  # <-\n", "model.dropout", "1.0 is out of range"),
    ("model:\n  hidden: [8, 0]  # <-\n", "model.hidden[1]", "0 is too small"),
    ("model:\n  hidden: 8  # <-\n", "model.hidden", "8 is not a list"),
    ("train:\n  batch_size: -1  # <-\n", "train.batch_size", "-1 is too small"),
    ("data:\n  n_train: 0  # <-\n", "data.n_train", "0 is too small"),
    ("data:\n  label_flip: 2  # <-\n", "data.label_flip", "2.0 is out of range"),
    ("train:\n  l2: .inf  # <-\n", "train.l2", "inf is not a finite number"),
    ("train:\n  loss_scale: 0  # <-\n", "train.loss_scale", "0.0 is out of range"),
    ("seed: -1  # <-\n", "seed", "-1 is too small"),
    ("model:\n  activation: tanhh  # <-\n", "model.activation", "unknown activation 'tanhh'"),
    ("model:\n  activation: [tanh, relo]  # <-\n", "model.activation[1]", "'relo'"),
    ("model:\n  loss: cross_entropi  # <-\n", "model.loss", "unknown loss"),
    ("model:\n  dtype: float16  # <-\n", "model.dtype", "unknown dtype"),
    ("data: {name: circel}  # <-\n", "data.name", "unknown dataset 'circel'; did you mean"),
    ("train:\n  optimizer: {name: lbfgs}  # <-\n", "train.optimizer.name", "unknown optimizer"),
    ("model:\n  init: he  # <-\n", "model.init", "unknown init scheme 'he'"),
    ("model:\n  init: {scheme: he_normal, std: 0.1}  # <-\n", "model.init.std",
     "std does not apply to init scheme 'he_normal'"),
    ("train:\n  schedule: {name: linear}  # <-\n", "train.schedule.name", "unknown schedule"),
    ("train:\n  schedule: {name: constant, gamma: 0.5}  # <-\n", "train.schedule.gamma",
     "gamma does not apply to the constant schedule"),
    ("data:\n  params: {pionts: 4}  # <-\n", "data.params.pionts",
     "unknown parameter 'pionts' for dataset 'xor'; did you mean 'points'?"),
    ("data:\n  params: {points: 3}  # <-\n", "data.params.points", "points must be 4"),
    ("data:\n  name: sine\n  label_flip: 0.1  # <-\nmodel: {loss: mse}\n", "data.label_flip",
     "regression"),
    ("data:\n  name: names\n  noise: 0.1  # <-\n", "data.noise", "takes no noise"),
    ("train:\n  flips: both  # <-\n", "train.flips",
     "flips 'both' do not apply to 'xor': flips need image data"),
    ("data: {name: bars}\ntrain:\n  flips: diagonal  # <-\n", "train.flips",
     "unknown flips 'diagonal'"),
    ("train:\n  optimizer: {name: adam, lr: fast}  # <-\n", "train.optimizer.lr",
     "'fast' is not a number"),
    ("train:\n  optimizer: {name: adam, momentum: 0.9}  # <-\n", "train.optimizer.momentum",
     "unknown adam option"),
    ("train:\n  optimizer: {name: sgd, nesterov: true}  # <-\n", "train.optimizer.nesterov",
     "requires momentum > 0"),
    ("train:\n  optimizer: {betas: [0.9]}  # <-\n", "train.optimizer.betas", "has 1 values"),
    ("model:\n  activation: [tanh, relu]  # <-\n", "model.activation",
     "2 values for 1 hidden layer"),
    ("model:\n  hidden: [4, 4]\n  dropout: [0.1]  # <-\n", "model.dropout", "1 value for 2"),
    ("model:\n  init: [zeros]  # <-\n", "model.init", "1 value for 2 layers"),
    ("model:\n  frozen: [0, 3]  # <-\n", "model.frozen[1]", "layer 3 does not exist"),
    ("model:\n  loss: mse  # <-\n", "model.loss", "mse needs a regression dataset"),
    ("data: {name: blobs}\nmodel: {loss: binary_cross_entropy}  # <-\n", "model.loss",
     "needs two classes"),
    ("train: {solver: {ridge: 0}}  # <-\n", "train.solver", "closed-form solver"),
    ("compare:\n  v: {model.hiden: []}  # <-\n", "compare.v.model.hiden",
     "unknown setting 'model.hiden'; did you mean 'model.hidden'?"),
    ("compare:\n  v: {model.hidden: [0]}  # <-\n", "compare.v.model.hidden[0]", "too small"),
    ("model: {activation: [tanh]}\ncompare:\n  v: {model.hidden: []}  # <-\n",
     "compare.v: model.activation", "1 value for 0 hidden layers"),
    ("compare:\n  base: {}  # <-\n", "compare.base", "the preset's own run"),
    ("compare:\n  v: [1]  # <-\n", "compare.v", "not a mapping of settings"),
    ("compare:\n  v: {model.init.std: 0.1}  # <-\n", "compare.v.model.init.std",
     "does not apply to init scheme 'torch_default'"),
    ("expect:\n  - {metric: train_acc, run: nope, op: '>=', value: 1}  # <-\n",
     "expect[0].run", "unknown run 'nope'"),
    ("expect:\n  - {metric: train_ac, op: '>=', value: 1}  # <-\n", "expect[0].metric",
     "unknown metric 'train_ac'; did you mean 'train_acc'?"),
    ("expect:\n  - {metric: 'train_acc[0]', op: '>=', value: 1}  # <-\n", "expect[0].metric",
     "one number"),
    ("expect:\n  - {metric: act_std, op: '<', value: 1}  # <-\n", "expect[0].metric",
     "one value per layer"),
    ("expect:\n  - {metric: 'act_std[1]', op: '<', value: 1}  # <-\n", "expect[0].metric",
     "the run has 1 hidden layer"),
    ("expect:\n  - {metric: train_acc, op: '=>', value: 1}  # <-\n", "expect[0].op",
     "unknown operator '=>'"),
    ("expect:\n  - {metric: train_acc, value: 1}  # <-\n", "expect[0].op", "missing"),
    ("expect:\n  - {metric: train_acc, op: '<'}  # <-\n", "expect[0]", "missing value: or than:"),
    ("expect:\n  - {metric: train_acc, op: '<', value: 1, than: {}}  # <-\n", "expect[0]",
     "not both"),
    ("expect:\n  - {metric: train_acc, op: '<', than: {factor: 0}}  # <-\n",
     "expect[0].than.factor", "out of range"),
    ("expect:\n  - {metric: train_acc, op: '<', than: {run: nope}}  # <-\n",
     "expect[0].than.run", "unknown run"),
    ("expect:\n  - {metric: train_acc, op: '<', than: {metric: 'grad_norm[2]'}}  # <-\n",
     "expect[0].than.metric", "the run has 2 layers"),
    ("expect:\n  - {metric: train_acc, at: last, op: '<', value: 1}  # <-\n", "expect[0].at",
     "unknown step 'last'"),
    ("expect:\n  - {metric: train_acc, at: 5000, op: '<', value: 1}  # <-\n", "expect[0].at",
     "outside the run"),
    ("expect:\n  - {metric: train_acc, at: [10, 5000], op: '<', value: 1}  # <-\n",
     "expect[0].at[1]", "outside the run"),
    ("expect:\n  - {metric: train_acc, at: [50, 10], op: '<', value: 1}  # <-\n",
     "expect[0].at", "the window [50, 10] is empty"),
    ("expect:\n  - {metric: train_acc, at: [0, 10, 20], op: '<', value: 1}  # <-\n",
     "expect[0].at", "a window is two steps"),
    ("expect:\n  - {metric: train_acc, at: [end, 10], op: '<', value: 1}  # <-\n",
     "expect[0].at[0]", "is not a step"),
    ("expect:\n  - {metric: val_loss, op: '<', than: {baseline: bigram}}  # <-\n",
     "expect[0].than.baseline", "needs the names dataset"),
    ("expect:\n  - {metric: val_loss, op: '<', than: {baseline: unigram}}  # <-\n",
     "expect[0].than.baseline", "unknown baseline"),
    ("expect:\n  - {metric: val_loss, point: {seed: 1}, op: '<', value: 1}  # <-\n",
     "expect[0].point", "the preset has none"),
    ("sweep: {seed: [1, 2]}\nexpect:\n  - {argmax: val_loss, param: seed, equals: 3}  # <-\n",
     "expect[0].equals", "3 is not one of the values swept for seed"),
    ("sweep: {seed: [1, 2]}\nexpect:\n  - {argmin: val_loss, param: sed, equals: 1}  # <-\n",
     "expect[0].param", "'sed' is not a swept setting; did you mean 'seed'?"),
    ("sweep: {seed: [1, 2]}\nexpect:\n  - {argmin: val_loss, equals: 1}  # <-\n",
     "expect[0].param", "missing"),
    ("sweep: {seed: [1, 2], train.steps: [5, 6]}\nexpect:\n"
     "  - {metric: val_loss, point: {seed: 1}, op: '<', value: 1}  # <-\n",
     "expect[0].point", "does not give train.steps"),
    ("sweep: {seed: [1, 2]}\nexpect:\n  - {metric: val_loss, op: '<', value: 1}  # <-\n",
     "expect[0]", "every run is swept: say at which point"),
    ("sweep: {seed: [1, 2]}\nexpect:\n  - {metric: val_loss, point: {seed: 1}, op: '<',\n"
     "     than: {point: {seed: 3}}}  # <-\n", "expect[0].than.point.seed", "not one of"),
    ("sweep: {model.hidden: [[2], []]}\nexpect:\n  - {slope: val_loss, x: model.hidden, "
     "op: '<', value: 1}  # <-\n", "expect[0].x", "not all numbers > 0"),
    ("sweep: {model.activation: [relu]}\nexpect:\n  - {slope: val_loss, x: model.activation,"
     " op: '<', value: 1}  # <-\n", "expect[0].x", "not all numbers > 0"),
    ("expect:\n  - {slope: val_loss, x: n_params, op: '<', value: 1}  # <-\n",
     "expect[0].slope", "the preset has none"),
    ("expect:\n  - {diagnosis: dead_relus}  # <-\n", "expect[0].diagnosis",
     "unknown diagnosis 'dead_relus'; did you mean 'dead_relu'?"),
    ("expect:\n  - {healthy: false}  # <-\n", "expect[0].healthy", "claims nothing"),
    ("expect:\n  - {diagnoses: dead_relu}  # <-\n", "expect[0].diagnoses",
     "'dead_relu' is not a list of diagnoses"),
    ("expect:\n  - {diagnoses: [nan,\n      dead_relus]}  # <-\n", "expect[0].diagnoses[1]",
     "unknown diagnosis 'dead_relus'; did you mean 'dead_relu'?"),
    ("expect:\n  - {diagnoses: [nan,\n      nan]}  # <-\n", "expect[0].diagnoses[1]",
     "nan is named twice"),
    ("expect:\n  - {diagnoses: [nan], run: linaer}  # <-\n", "expect[0].run", "linaer"),
    ("expect:\n  - {op: '<'}  # <-\n", "expect[0]", "needs a kind"),
    ("expect:\n  - {metric: x, slope: y}  # <-\n", "expect[0]", "not metric and slope"),
    ("expect:\n  - {metric: val_loss, op: '<', value: 1, runn: base}  # <-\n",
     "expect[0].runn", "unknown key 'runn'; did you mean 'run'?"),
    ("expect: {metric: val_loss}  # <-\n", "expect", "not a list of claims"),
    ("sweep: {}  # <-\n", "sweep", "one or two settings, not 0"),
    ("view:\n  steps_per_second: 0  # <-\n", "view.steps_per_second", "0.0 is out of range"),
    ("view:\n  fps: 3  # <-\n", "view.fps", "unknown key 'fps'"),
    ("view: fast  # <-\n", "view", "'fast' is not a mapping"),
    ("view:\n  curves: test  # <-\n", "view.curves", "unknown curve 'test'"),
    ("sweep: {seed: [1], model.hidden: [[1]], train.steps: [3]}  # <-\n", "sweep",
     "not 3 settings"),
    ("sweep: []  # <-\n", "sweep", "an empty list of points"),
    ("sweep:\n  - {seed: 1}\n  - seed  # <-\n", "sweep[1]", "'seed' is not a mapping"),
    ("sweep:\n  - {seed: 1}\n  - {seed: 2, train.steps: 3}  # <-\n", "sweep[1]",
     "this point sets seed, train.steps, the first seed"),
    ("sweep:\n  - {seed: 1, train.steps: 3}\n  - {train.steps: 3.0, seed: 1}  # <-\n",
     "sweep[1]", "this point is listed twice"),
    ("sweep:\n  - {seed: 1, train.steps: 3, model.hidden: [2]}  # <-\n", "sweep[0]",
     "a point sets one or two settings, not 3"),
    ("sweep:\n  - {sead: 1}  # <-\n", "sweep[0].sead", "unknown setting 'sead'"),
    ("sweep:\n  - {model.hidden: [2]}\n  - {model.hidden: [0]}  # <-\n",
     "sweep[1].model.hidden[0]", "too small"),
    ("sweep:\n  - {seed: 1, train.steps: 3}\n  - {seed: 2, train.steps: 4}\nexpect:\n"
     "  - {metric: val_loss, point: {seed: 1, train.steps: 4}, op: '<', value: 1}  # <-\n",
     "expect[0].point", "no point of the sweep has these values together"),
    ("sweep:\n  seed: 3  # <-\n", "sweep.seed", "3 is not a list of values"),
    ("sweep:\n  seed: []  # <-\n", "sweep.seed", "is not a list of values"),
    ("sweep:\n  sead: [1]  # <-\n", "sweep.sead", "unknown setting 'sead'"),
    ("sweep:\n  seed: [1, 1.0]  # <-\n", "sweep.seed[1]", "listed twice"),
    ("sweep:\n  model.hidden: [[2],\n    [0]]  # <-\n", "sweep.model.hidden[1][0]", "too small"),
    ("model: {activation: [tanh]}\nsweep:\n  model.hidden: [[2],\n    [3, 3]]  # <-\n",
     "sweep.model.hidden[1]: model.activation", "1 value for 2 hidden layers"),
    ("compare:\n  v: {model.activation: [relu]}\nsweep:\n  model.hidden: [[2],\n"
     "    [3, 3]]  # <-\n", "sweep.model.hidden[1]: compare.v.model.activation", "1 value for 2"),
    ("train:\n  steps: 3\n  steps: 4  # <-\n", "train.steps", "duplicate key 'steps'"),
    ("model: {hidden: [1}  # <-\n", None, "invalid YAML"),
    ("x: !!python/object:os.system ls  # <-\n", None, "invalid YAML: could not determine"),
    ("name: other  # <-\n", "name", "duplicate key"),
]


@pytest.mark.parametrize(("body", "key", "words"), BAD, ids=[b[1] or b[2] for b in BAD])
def test_every_mistake_names_the_line_and_the_key(body, key, words):
    err = error_of(HEAD + body)
    assert err.file == "p.yaml"
    assert err.key == key
    assert words in err.problem
    assert err.line == marked_line(body)
    assert str(err).startswith(f"p.yaml:{err.line}: {key + ': ' if key else ''}{err.problem}")


def test_the_message_is_one_line_with_everything():
    err = error_of(HEAD + "train:\n  optimizer: {name: adam, lr: fast}\n", "presets/xor.yaml")
    assert str(err) == ("presets/xor.yaml:6: train.optimizer.lr: 'fast' is not a number "
                        "(allowed: a number > 0)")
    assert (err.value, err.allowed) == ("fast", "a number > 0")
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.line == 6


@pytest.mark.parametrize(("text", "line", "words"), [
    ("", None, "the file is empty"),
    ("# only a comment\n", None, "the file is empty"),
    ("- name: t\n", 1, "the top level is [{'name': 't'}], not a mapping"),
    ("name: t\ntitle: 3\nsection: S\nlesson: L\n", 2, "title: 3 is not text"),
    ("just text", 1, "the top level is 'just text', not a mapping"),
    (b"name: t\ntitle: caf\xe9\n", 2, "not UTF-8 text (byte 0xe9 at offset 18)"),
    ("name: t\ntitle: T\nsection: S\n", 1, "missing"),
    ("name: t b\ntitle: T\nsection: S\nlesson: L\n", 1, "'t b' is not a preset name"),
    ("name: t\ntitle: T\nsection: S\nlesson: '  '\n", 4, "is empty"),
    ("name: t\ntitle: T\n\tsection: S\n", 3, "invalid YAML"),
    ("name: t\x00\n", 1, "character #x0000 is not allowed"),
    ("name: t\n---\nname: u\n", 2, "expected a single document in the stream; but found"),
    ("name: t\nmodel: [\n", 3, "invalid YAML"),
    ("name: !!int abc\n", None, "invalid YAML"),
    ("a: &x [*x]\n", 1, "expands to more than 100,000 values"),  # itself, forever
    ("[" * 1000, 1, "invalid YAML: nested too deeply"),
    ("name: t\nmodel:\n  hidden: " + "[" * 1000, 3, "invalid YAML: nested too deeply"),
], ids=lambda v: v[:30] if isinstance(v, str | bytes) else None)
def test_unreadable_files(text, line, words):
    err = error_of(text)
    assert words in str(err)
    assert err.line == line
