"""One training run: its configuration, the Trainer that steps it, and what it measures.

Where to look: ``config`` (the frozen Config tree, the single source of truth for a run),
``trainer`` (Trainer: batch -> forward -> loss -> backward -> optimizer, one step at a time),
``commands`` (controls applied between steps: pause, set a value, reset), ``telemetry``
(the StepRecord of a logged step and bounded histories), ``diagnostics`` (naming symptoms
such as dead ReLUs or vanishing gradients), ``causes`` (which symptom explains which),
``metrics_io`` (JSONL/CSV output), ``safe_files`` (writes that are whole or absent, never
through a link), ``memory`` (what a run will take, checked before it starts).

Imports: ``nn`` and ``data``; never a room above it (``preset_format``, ``live``, ...).
"""
