"""A run as a PyTorch script and a Jupyter notebook that reproduce it.

nnterm's engine follows ``nn.Linear`` and ``torch.optim`` term for term, so one of its
runs can be written as the PyTorch a student would write: ``nn.Sequential``, a loss from
``torch.nn.functional``, ``torch.optim`` and ``torch.optim.lr_scheduler``, a plain loop.
The data and the initial weights go in an ``.npz`` beside it; the batches are drawn in
nnterm's order. Without random layers (dropout, input noise, flips) the script's losses
are nnterm's to about 1e-9 in float64; ``exact`` draws those from nnterm's own streams.

Where to look: ``refusals`` (what a script cannot express, said in one line),
``torch_code`` (the script's parts, each a piece of code with its explanation),
``arrays`` (the ``.npz``: data and initial weights in PyTorch's layout),
``current_weights`` (a run's weights and optimizer state now, in torch's names, for the
script's ``--from-weights current``), ``documents`` (the parts as a ``.py`` file or as
notebook JSON), ``exporter`` (a run to its files, written whole or not at all).

Imports: ``training``, ``nn`` and ``data``; nothing above them. Never torch: the export
writes text.
"""
