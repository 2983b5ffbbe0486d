"""A run's PyTorch script, part by part: setup, data, model, loss and optimizer, loop.

Each part is code with a paragraph saying what it is and how it matches nnterm (the
notebook shows the paragraph as markdown, the script as a comment). The code is written
for a student to read: one ``nn.Sequential``, a loss from ``torch.nn.functional``,
``torch.optim`` with the run's hyperparameters, ``torch.optim.lr_scheduler`` for the
schedule, regularisation written the way a PyTorch user would, and a plain loop that
prints the losses at the run's logged steps.

What must match nnterm for the losses to agree, term for term (see ``training.trainer``):

- the order of a step: batch, flips, input noise, forward and backward (the objective
  ``loss_scale * (data loss + penalty)``), gradient clipping, optimizer step, then the
  learning rate of the next step (the scheduler);
- the batches: each epoch a permutation of the training set from numpy's Generator
  seeded ``[seed, 2]`` (nnterm's ``batches`` stream, ``nn.seeding``), cut in order;
- the records: at step 0, every ``log_every`` steps and at the last step, the train loss
  measured in eval mode on the probe examples (at most 1024 training examples drawn once
  from the ``[seed, 5]`` stream, sorted) and the val loss on the whole validation set;
- early stopping at records only, values typed into weights once their step is recorded.

Exported with a run's current weights (``start``), the script can start from them
(``--from-weights current``): it loads them and the optimizer's state, skips the batches
and learning rates of the steps already taken, records that step, and trains on. The
random layers' streams are not wound forward: past that step, dropout, input noise and
flips agree in distribution only, even with ``exact``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from nnterm.engine.data import Dataset
from nnterm.engine.export.current_weights import PREFIX, StartPoint
from nnterm.engine.export.torch_terms import (
    ACTIVATION_MODULES,
    FEATURE_EXPRESSIONS,
    LOSS_CODE,
    init_law,
    scheduler_code,
)
from nnterm.engine.nn.hyperparams import declared
from nnterm.engine.nn.initializers import Init
from nnterm.engine.nn.network import per_layer
from nnterm.engine.nn.optimizers import optimizer_class, resolved
from nnterm.engine.nn.seeding import STREAMS
from nnterm.engine.training.config import Config
from nnterm.engine.training.trainer import EVAL_TRAIN_MAX
from nnterm.engine.training.widths import layer_widths


@dataclass(frozen=True)
class Part:
    """One part of the script (a notebook cell): its title, what it says, its code."""

    title: str
    text: str
    code: str


def stream_seed(name: str) -> str:
    """The numpy seed of nnterm's random stream ``name`` (``nn.seeding``), as code."""
    return f"[SEED, {STREAMS.index(name)}]"


class TorchScript:
    """The parts of the script of one run (``config`` on ``dataset``).

    ``data_file``: the ``.npz``'s file name; ``notebook``: read it from the current folder
    (a notebook has no ``__file__``) rather than beside the script; ``exact``: draw
    dropout masks, input noise and flips from nnterm's numpy streams instead of torch's;
    ``start``: the run's current weights are in the ``.npz``, and the script may start
    from them (``FROM_WEIGHTS``)."""

    def __init__(self, config: Config, dataset: Dataset, *, data_file: str,
                 notebook: bool = False, exact: bool = False,
                 start: StartPoint | None = None) -> None:
        self.config, self.dataset = config, dataset
        self.data_file, self.notebook, self.exact = data_file, notebook, exact
        self.start = start
        m = config.model
        self.widths = list(layer_widths(config, dataset))
        n_hidden = len(m.hidden)
        self.activations = per_layer(m.activation, n_hidden, "activation")
        self.dropout = [float(p) for p in per_layer(m.dropout, n_hidden, "dropout")]
        self.inits: list[Init] = per_layer(m.init, n_hidden + 1, "init")
        #: where each ``nn.Linear`` sits in the ``nn.Sequential`` (its ``state_dict`` name)
        self.linear_index = self._linear_index()

    # ------------------------------------------------------------------ facts
    def _modules(self, layer: int) -> list[str]:
        """Layer ``layer``'s modules in the ``nn.Sequential``: its ``nn.Linear``, then for a
        hidden layer its activation and its dropout (if any)."""
        modules = [f"nn.Linear({self.widths[layer]}, {self.widths[layer + 1]})"]
        if layer < len(self.widths) - 2:
            modules.append(ACTIVATION_MODULES[self.activations[layer]].format(
                slope=self.config.model.leaky_slope))
            p = self.dropout[layer]
            if p > 0:
                modules.append(f"NumpyDropout({p!r}, dropout_rng)" if self.exact
                               else f"nn.Dropout({p!r})")
        return modules

    def _linear_index(self) -> list[int]:
        index, out = 1 if self.config.data.features else 0, []  # (after Features())
        for layer in range(len(self.widths) - 1):
            out.append(index)
            index += len(self._modules(layer))
        return out

    @property
    def random_layers(self) -> bool:
        """Dropout, input noise or flips: random draws a torch stream makes differently."""
        t = self.config.train
        return any(p > 0 for p in self.dropout) or t.input_noise > 0 or t.flips != "none"

    def parts(self) -> list[Part]:
        resume = [self.resume()] if self.start is not None else []
        return [self.setup(), self.data(), self.model(), self.objective(), *resume,
                self.loop()]

    # ------------------------------------------------------------------ parts
    def setup(self) -> Part:
        dtype = self.config.model.dtype
        resuming = self.start is not None
        modules = [name for name, wanted in (
            ("argparse", resuming and not self.notebook),
            ("copy", self.config.train.early_stopping is not None), ("math", True),
            ("warnings", resuming and bool(scheduler_code(self.config.train)))) if wanted]
        lines = [f"import {name}" for name in modules]
        if not self.notebook:
            lines.append("from pathlib import Path")
        lines += ["", "import numpy as np", "import torch", "import torch.nn.functional as F",
                  "from torch import nn", "", f"torch.set_default_dtype(torch.{dtype})",
                  f"SEED = {self.config.seed}"]
        text = (f"PyTorch in {dtype}, as the run. `SEED` is the run's seed: nnterm draws "
                "its data, initial weights, batches and random layers each from its own "
                "numpy stream, `numpy.random.default_rng([SEED, k])`.")
        if self.random_layers and not self.exact:
            lines.append("torch.manual_seed(SEED)  # dropout, input noise, flips: torch's "
                         "stream, not nnterm's")
            text += (" Dropout, input noise and flips are drawn from torch's own random "
                     "stream: the curves agree with nnterm's in distribution, not to the "
                     "digit (`nnterm export --exact` draws them as nnterm does).")
        if resuming:
            lines += self._from_weights_choice()
        return Part("Setup", text, "\n".join(lines))

    def _from_weights_choice(self) -> list[str]:
        """``FROM_WEIGHTS``: a command-line option of the script, a variable of the
        notebook (which has no command line)."""
        assert self.start is not None
        step = self.start.step
        if self.notebook:
            return ["", f'FROM_WEIGHTS = "initial"  # "current": from nnterm\'s weights at '
                    f"step {step}"]
        return ["", "parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])",
                'parser.add_argument("--from-weights", choices=("initial", "current"), '
                'default="initial",',
                '                    help="initial: train from step 0, as nnterm did; '
                'current: from the "',
                f'                         "weights nnterm had at step {step}, their losses '
                'printed first")',
                "FROM_WEIGHTS = parser.parse_args().from_weights"]

    def data(self) -> Part:
        t = self.config.train
        where = (f'"{self.data_file}"' if self.notebook
                 else f'Path(__file__).with_name("{self.data_file}")')
        batch = self.dataset.n_train if t.batch_size <= 0 else t.batch_size
        code = f'''arrays = np.load({where})
X_train, y_train = torch.from_numpy(arrays["X_train"]), torch.from_numpy(arrays["y_train"])
X_val, y_val = torch.from_numpy(arrays["X_val"]), torch.from_numpy(arrays["y_val"])

# The train loss is measured on at most {EVAL_TRAIN_MAX} training examples, fixed for the run.
probe_rng = np.random.default_rng({stream_seed("probe")})
probe = np.sort(probe_rng.permutation(len(X_train))[:{EVAL_TRAIN_MAX}])
X_probe, y_probe = X_train[probe], y_train[probe]


def batches(n, batch_size, rng):
    """Indices of mini-batches as nnterm draws them: every epoch a new permutation of the
    n examples, cut in order (the last batch may be smaller): DataLoader(shuffle=True)
    with numpy's generator. A full batch is all of them, in order, drawing nothing."""
    while True:
        if batch_size >= n:
            yield np.arange(n)
            continue
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]


BATCH_SIZE = {batch}
batch_order = batches(len(X_train), BATCH_SIZE, np.random.default_rng({stream_seed("batches")}))'''
        text = (f"The run's data, from `{self.data_file}` beside this file: "
                f"{self.dataset.n_train} training and {self.dataset.n_val} validation "
                f"examples of `{self.config.data.name}`. The batches come in nnterm's order.")
        return Part("The data", text, code)

    def model(self) -> Part:
        code: list[str] = []
        features = self.config.data.features
        if features:
            columns = ", ".join(FEATURE_EXPRESSIONS[f] for f in features)
            code += ["class Features(nn.Module):",
                     f'    """What the network reads of a point (x1, x2) of the plane: '
                     f'{", ".join(features)}."""',
                     "", "    def forward(self, x):", "        x1, x2 = x[:, 0], x[:, 1]",
                     f"        return torch.stack([{columns}], dim=1)", "", ""]
        if self.exact and any(p > 0 for p in self.dropout):
            code += [
                "class NumpyDropout(nn.Module):",
                '    """nn.Dropout(p) with nnterm\'s masks: a unit is kept where '
                'rng.random() >= p, and',
                '    scaled by 1 / (1 - p) (inverted dropout); nothing is dropped in eval '
                'mode."""', "",
                "    def __init__(self, p, rng):", "        super().__init__()",
                "        self.p, self.rng = p, rng", "",
                "    def forward(self, x):", "        if not self.training:",
                "            return x",
                "        keep = torch.from_numpy(self.rng.random(tuple(x.shape)) >= self.p)",
                "        return x * (keep.to(x.dtype) * (1.0 / (1.0 - self.p)))", "", "",
                f"dropout_rng = np.random.default_rng({stream_seed('dropout')})"]
        code += ["model = nn.Sequential("]
        if features:
            code.append("    Features(),")
        code += [f"    {', '.join(self._modules(layer))}," for layer in range(len(self.widths) - 1)]
        code += [")", "linears = [m for m in model if isinstance(m, nn.Linear)]"]
        laws = "; ".join(dict.fromkeys(init_law(init) for init in self.inits))
        code += textwrap.wrap("nnterm drew the initial weights from its own stream; the "
                              "npz holds them in PyTorch's layout (weight: out x in). "
                              f"Their law: {laws}.", 88, initial_indent="# ",
                              subsequent_indent="# ")
        code += ["model.load_state_dict({name: torch.from_numpy(arrays[name]) "
                 "for name in model.state_dict()})"]
        frozen = self.config.model.frozen
        if frozen:
            code += ["for layer in " + repr(tuple(frozen)) + ":  # frozen: never trained",
                     "    linears[layer].requires_grad_(False)"]
        text = ("The network: " + " -> ".join(str(w) for w in self.widths) + ", "
                "`nn.Linear` layers computing `x @ weight.T + bias`, as nnterm's "
                "`a @ W + b`, starting from the run's initial weights.")
        return Part("The model", text, "\n".join(code))

    def objective(self) -> Part:
        t, m = self.config.train, self.config.model
        params = "params" if m.frozen else "model.parameters()"
        code = ["def loss_fn(logits, y):", f"    {LOSS_CODE[m.loss]}", ""]
        if t.l1 or t.l2:
            terms = []
            if t.l1:
                terms.append(f"{t.l1!r} * sum(w.abs().sum() for w in weights)")
            if t.l2:
                terms.append(f"{t.l2!r} / 2 * sum((w * w).sum() for w in weights)")
            code += ["", "def penalty():",
                     '    """nnterm\'s penalty on the weights (not the biases): '
                     'l1 sum|W| + (l2 / 2) sum W^2."""',
                     "    weights = [m.weight for m in linears if m.weight.requires_grad]",
                     f"    return {' + '.join(terms)}", ""]
        if m.frozen:
            code += ["", "params = [p for p in model.parameters() if p.requires_grad]"]
        o = t.optimizer
        cls = optimizer_class(o.name)
        defaults = {p.name: p.default for p in declared(cls)}
        options = [f"lr={o.lr!r}"] + [
            f"{name}={value!r}" for name, value in resolved(o.name, o.kwargs()).items()
            if name != "lr" and value != defaults[name]]
        code += ["", f"optimizer = torch.optim.{cls.__name__}({params}, {', '.join(options)})"]
        scheduler = scheduler_code(self.config.train)
        if scheduler:
            code += scheduler
        text = (f"The loss (`{m.loss}`), and `torch.optim.{cls.__name__}` with the run's "
                "hyperparameters: nnterm's optimizers follow torch.optim's update rules "
                "term for term.")
        return Part("Loss and optimizer", text, "\n".join(code).lstrip("\n"))

    def resume(self) -> Part:
        """Where training starts: step 0, or the run's current weights (``start``)."""
        assert self.start is not None
        state = self.start.optimizer_state
        code = ["START = 0", 'if FROM_WEIGHTS == "current":',
                f'    START = int(arrays["{PREFIX}step"])',
                f'    model.load_state_dict({{name: torch.from_numpy(arrays[f"{PREFIX}{{name}}"])',
                "                           for name in model.state_dict()})"]
        if state:
            names = ", ".join(f'"{key}"' for key in state) + ("," if len(state) == 1 else "")
            code += [f"    OPTIMIZER_STATE = ({names})  # torch's names, for each parameter",
                     "    optimizer.load_state_dict({",
                     '        "state": {i: {key: torch.from_numpy('
                     f'arrays[f"{PREFIX}optimizer.{{i}}.{{key}}"])',
                     "                      for key in OPTIMIZER_STATE}",
                     '                  for i in range(len(optimizer.param_groups[0]["params"]))},',
                     '        "param_groups": optimizer.state_dict()["param_groups"]})']
        skip = ["for _ in range(START):  # the batches of the steps nnterm took",
                "    next(batch_order)"]
        if scheduler_code(self.config.train):
            skip = ["with warnings.catch_warnings():  # (torch warns of scheduler steps "
                    "before optimizer steps)", '    warnings.simplefilter("ignore")',
                    "    for _ in range(START):  # the batches and learning rates of the "
                    "steps nnterm took", "        next(batch_order)", "        scheduler.step()"]
        code += [f"    {line}" for line in skip]
        kept = f"the optimizer's state then ({', '.join(state)})" if state else \
            "the optimizer, which had not stepped yet"
        text = (f"Where training starts: `FROM_WEIGHTS` `initial` is step 0, as nnterm "
                f"started; `current` is where the run stood when it was exported, step "
                f"{self.start.step}: its weights and {kept}, from the npz. The batches "
                "and learning rates of the steps taken are skipped, so the steps that "
                "follow are the ones nnterm takes from there.")
        return Part("Where to start", text, "\n".join(code))

    def loop(self) -> Part:
        t = self.config.train
        start = "START" if self.start is not None else "0"
        step_lines = ["idx = torch.from_numpy(next(batch_order))",
                      "X, y = X_train[idx], y_train[idx]"]
        helpers: list[str] = []
        if t.flips != "none":
            helpers += self._flips()
            step_lines.append("X = random_flips(X)")
        if t.input_noise > 0:
            if self.exact:
                helpers += [f"noise_rng = np.random.default_rng({stream_seed('input_noise')})"]
                dtype = ", dtype=np.float32" if self.config.model.dtype == "float32" else ""
                step_lines.append(
                    f"X = X + torch.from_numpy(noise_rng.standard_normal(tuple(X.shape){dtype})"
                    f" * {t.input_noise!r})  # input noise")
            else:
                step_lines.append(f"X = X + {t.input_noise!r} * torch.randn_like(X)  "
                                  "# input noise")
        objective = "loss + penalty()" if t.l1 or t.l2 else "loss"
        if t.loss_scale != 1.0:
            objective = f"{t.loss_scale!r} * ({objective})"
        step_lines += ["loss = loss_fn(model(X), y)", "optimizer.zero_grad()",
                       f"({objective}).backward()" if objective != "loss"
                       else "loss.backward()"]
        params = "params" if self.config.model.frozen else "model.parameters()"
        if t.clip_norm is not None:
            step_lines.append(f"nn.utils.clip_grad_norm_({params}, {t.clip_norm!r})")
        step_lines.append("optimizer.step()")
        if scheduler_code(self.config.train):
            step_lines.append("scheduler.step()")
        step_lines += ["diverged = not math.isfinite(loss.item())",
                       "if step % LOG_EVERY == 0 or step == STEPS or diverged:",
                       "    train_loss, val_loss = record(step)",
                       "    if diverged or not math.isfinite(train_loss) or not all(",
                       "            p.isfinite().all() for p in model.parameters()):",
                       '        print(f"diverged at step {step}")',
                       "        break"]
        es = t.early_stopping
        if es is not None:
            step_lines += [
                "    if step < STEPS and val_loss < best[0] - MIN_DELTA:",
                "        best = val_loss, step, copy.deepcopy(model.state_dict())",
                "    elif step < STEPS and step - best[1] >= PATIENCE:",
                '        print(f"early stop: the val loss last improved at step {best[1]}")',
            ]
            if es.restore_best:
                step_lines += ["        model.load_state_dict(best[2])",
                               "        record(step)  # the weights of the best step"]
            step_lines.append("        break")
        typed = self.config.model.typed_values
        if typed:
            helpers += self._typed()
            step_lines.append("set_typed(step)")
        code = [*helpers, *(["", ""] if helpers else []),
                "@torch.no_grad()", "def record(step):",
                '    """The losses nnterm records: train on the probe examples, val on the '
                'validation',
                '    set, in eval mode (no dropout)."""', "    model.eval()",
                "    train_loss = loss_fn(model(X_probe), y_probe).item()",
                "    val_loss = loss_fn(model(X_val), y_val).item()", "    model.train()",
                "    history.append((step, train_loss, val_loss))",
                '    print(f"step {step:>6}  train loss {train_loss:.12g}  '
                'val loss {val_loss:.12g}")',
                "    return train_loss, val_loss", "", "",
                f"STEPS, LOG_EVERY = {t.steps}, {t.log_every}", "history = []",
                f"train_loss, val_loss = record({start})"]
        if es is not None:
            code += [f"PATIENCE, MIN_DELTA = {es.patience}, {es.min_delta!r}",
                     f"best = val_loss, {start}, copy.deepcopy(model.state_dict())  "
                     "# early stopping"]
        if typed:
            code.append(f"set_typed({start})")
        first = "START + 1" if self.start is not None else "1"
        code += [f"for step in range({first}, STEPS + 1):",
                 *(f"    {line}" for line in step_lines)]
        text = ("The training loop: each step takes the next batch, "
                + ("perturbs it, " if t.flips != "none" or t.input_noise > 0 else "")
                + "steps the optimizer on its loss, and at nnterm's logged steps "
                f"(every {t.log_every} and the last) prints the train and val loss.")
        return Part("Training", text, "\n".join(code))

    def _flips(self) -> list[str]:
        flips = self.config.train.flips
        height, width = self.dataset.meta["image_shape"]
        axes = {"horizontal": "(2,)", "vertical": "(1,)", "both": "(2, 1)"}[flips]
        coin = ("torch.from_numpy(flip_rng.random(len(X)) < 0.5)" if self.exact
                else "torch.rand(len(X)) < 0.5")
        lines = [f"flip_rng = np.random.default_rng({stream_seed('flips')})", "", ""] \
            if self.exact else []
        return lines + [
            "def random_flips(X):",
            f'    """Each {height}x{width} image mirrored ({flips}) with probability 1/2: '
            'one coin per image',
            '    and axis, left-right (axis 2) first."""',
            f"    images = X.reshape(len(X), {height}, {width})",
            f"    for axis in {axes}:",
            f"        coin = {coin}",
            "        images = torch.where(coin[:, None, None], images.flip(axis), images)",
            "    return images.reshape(X.shape)"]

    def _typed(self) -> list[str]:
        by_step: dict[int, list[str]] = {}
        for v in self.config.model.typed_values:
            by_step.setdefault(v.step, []).append(f"({v.layer}, {v.unit}, {v.input}, "
                                                  f"{float(v.value)!r})")
        entries = ", ".join(f"{step}: [{', '.join(values)}]" for step, values in
                            by_step.items())
        return [
            "# Values typed into single weights in nnterm's network view: (layer, unit, "
            "input, value),", "# input None for the unit's bias, each set once its step "
            "is recorded.", f"TYPED = {{{entries}}}", "", "",
            "@torch.no_grad()", "def set_typed(step):",
            "    for layer, unit, row, value in TYPED.get(step, ()):",
            "        if row is None:", "            linears[layer].bias[unit] = value",
            "        else:", "            linears[layer].weight[unit, row] = value"]
