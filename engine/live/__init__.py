"""What a UI talks to: a live session that trains while commands come in and frames go out.

Where to look: ``session`` (the Session interface; ProcessSession runs the engine in a child
process, InProcessSession in the calling thread), ``engine_process`` (the child's side of
the pipes), ``run_set`` (a lesson's runs stepped in lockstep) and ``run_commands`` (the
commands that address them), ``run_loop`` (the loop that steps them, applies commands and
paces them), ``pace`` (how many snapshots a second it publishes, when a fixed speed takes
the next step, how fast it went), ``run_words`` (a command's effect, a speed, an error in
words), ``snapshot`` (the
immutable frame that crosses the process boundary),
``snapshot_build`` (one run's detail: downsampled series, histograms, boundary grid),
``frame`` (every run of the lesson in one snapshot), ``landscape`` (a two-weight model's
loss plane and the runs' paths on it).

Imports: every room below it (``claims``, ``experiments``, ``preset_format``, ``training``,
``nn``, ``data``, ``process``); never the UI.
"""
