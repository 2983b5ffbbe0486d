"""nnterm's choices in PyTorch's words, for the exported script (``torch_code``): each
activation as a ``torch.nn`` module, each input feature as a torch expression, each loss
as ``torch.nn.functional`` code, each init scheme's law, and each learning-rate schedule
as ``torch.optim.lr_scheduler`` code."""

from __future__ import annotations

from nnterm.engine.nn.initializers import Init
from nnterm.engine.training.config import TrainConfig

#: Each activation as a module of ``torch.nn`` (leaky_relu takes the run's slope).
ACTIVATION_MODULES = {
    "identity": "nn.Identity()", "relu": "nn.ReLU()", "leaky_relu": "nn.LeakyReLU({slope!r})",
    "gelu": "nn.GELU()", "silu": "nn.SiLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()",
}

#: Each input feature (``nn.features``) as a torch expression of the columns x1, x2.
FEATURE_EXPRESSIONS = {
    "x1": "x1", "x2": "x2", "x1^2": "x1 * x1", "x2^2": "x2 * x2", "x1x2": "x1 * x2",
    "sin_x1": "torch.sin(x1)", "sin_x2": "torch.sin(x2)",
}

#: Each loss as the body of ``loss_fn(logits, y)`` (y: class indices, or regression
#: targets of the output's shape), in ``torch.nn.functional``'s words.
LOSS_CODE = {
    "cross_entropy": "return F.cross_entropy(logits, y)",
    "binary_cross_entropy":
        "return F.binary_cross_entropy_with_logits(logits, y.unsqueeze(1).to(logits.dtype))",
    "mse": "return F.mse_loss(logits, y)",
    "sigmoid_mse": "return F.mse_loss(torch.sigmoid(logits), y.unsqueeze(1).to(logits.dtype))",
    "softmax_mse": "one_hot = F.one_hot(y, logits.shape[1]).to(logits.dtype)\n"
                   "    return ((F.softmax(logits, dim=1) - one_hot) ** 2).sum(dim=1).mean()",
}

#: The law of each init scheme as ``torch.nn.init`` would draw it (the script loads
#: nnterm's draw instead, so that it starts where the run started).
INIT_LAWS = {
    "zeros": "nn.init.zeros_(w)",
    "constant": "nn.init.constant_(w, {value!r})",
    "normal": "nn.init.normal_(w, std={std!r})",
    "uniform": "nn.init.uniform_(w, -{limit!r}, {limit!r})",
    "xavier_uniform": "nn.init.xavier_uniform_(w)",
    "xavier_normal": "nn.init.xavier_normal_(w)",
    "he_uniform": "nn.init.kaiming_uniform_(w, nonlinearity='relu')",
    "he_normal": "nn.init.kaiming_normal_(w, nonlinearity='relu')",
    "torch_default": "nn.Linear's own init",
}


def init_law(init: Init) -> str:
    """The law ``init`` draws from, as ``torch.nn.init`` would write it, with its gain and
    its bias."""
    law = INIT_LAWS[init.scheme].format(value=init.value, std=init.std * init.gain,
                                        limit=init.limit * init.gain)
    if init.gain != 1.0 and init.scheme not in ("normal", "uniform", "zeros", "constant"):
        law += f" times {init.gain!r}"
    bias = ("bias 0" if init.scheme != "torch_default" else "") if init.bias is None \
        else f"bias {init.bias!r}"
    return f"{law}{', ' + bias if bias else ''}"


def scheduler_code(t: TrainConfig) -> list[str]:
    """The lines that make ``scheduler`` for ``t``'s schedule (none for a constant rate):
    ``torch.optim.lr_scheduler``'s own class where one matches nnterm's schedule,
    else ``LambdaLR`` with nnterm's factor written out (a cosine held at its end, a
    warmup)."""
    s = t.schedule
    kwargs = s.kwargs(t.steps)
    warmup = kwargs.get("warmup_steps", 0)
    lr_scheduler = "torch.optim.lr_scheduler"
    if warmup <= 1:
        if s.name == "constant":
            return []
        if s.name == "step":
            return [f"scheduler = {lr_scheduler}.StepLR(optimizer, step_size="
                    f"{kwargs['step_size']}, gamma={kwargs['gamma']!r})"]
        if s.name == "cosine" and kwargs["total_steps"] >= t.steps:
            eta = f", eta_min={kwargs['min_factor'] * t.optimizer.lr!r}" \
                if kwargs["min_factor"] else ""
            return [f"scheduler = {lr_scheduler}.CosineAnnealingLR(optimizer, "
                    f"T_max={kwargs['total_steps']}{eta})"]
    decay = {
        "constant": "1.0",
        "step": f"{kwargs.get('gamma')!r} ** (step // {kwargs.get('step_size')})",
        "cosine": (f"{kwargs.get('min_factor')!r} + (1 - {kwargs.get('min_factor')!r}) "
                   f"* (1 + math.cos(math.pi * min(step, {kwargs.get('total_steps')}) / "
                   f"{kwargs.get('total_steps')})) / 2"),
    }[s.name]
    lines = ["", "", "def lr_factor(step):",
             f'    """The learning rate\'s factor at step `step` (from 0): nnterm\'s '
             f'{s.name} schedule', ]
    if s.name == "cosine":
        lines.append("    (held at its end, where CosineAnnealingLR would rise again)")
    if warmup > 1:
        lines.append(f"    times a linear warmup over {warmup} steps")
    lines[-1] += '."""'
    lines.append(f"    factor = {decay}")
    if warmup > 1:
        lines.append(f"    return factor * min(1.0, (step + 1) / {warmup})")
    else:
        lines.append("    return factor")
    lines += ["", "", f"scheduler = {lr_scheduler}.LambdaLR(optimizer, lr_factor)"]
    return lines
