"""The math of a network: layers, activations, losses, initialisers, optimizers, schedules.

Where to look: ``network`` (MLP: forward, hand-written backward, dropout), ``activations``
(each f with f'), ``losses`` (each loss with its gradient and output head), ``initializers``
(zeros to He, with the why of each scale), ``optimizers`` (SGD, momentum, Adam, AdamW, ...
following ``torch.optim`` term for term), ``schedules`` (learning-rate multipliers),
``solver`` (the closed-form least-squares readout), ``seeding`` (one seed, independent
random streams), ``hyperparams`` (each hyperparameter declared once, on its class: its
default, range, whether a running trainer takes it, what it does).

``compiled`` steps small networks on Numba kernels with the same bits as NumPy's path.

Imports: NumPy, SciPy and (``compiled``, when it loads) Numba, nothing else of nnterm.
This room and ``data`` are the bottom of the engine and do not import each other.
"""
