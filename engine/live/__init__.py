"""What a UI talks to: a live session that trains while commands come in and frames go out.

Where to look: ``session`` (the Session interface; ProcessSession runs the engine in a child
process, InProcessSession in the calling thread), ``engine_process`` (the child's side of
the pipes), ``run_loop`` (the loop that steps a Trainer, applies commands and paces it),
``snapshot`` (the immutable frame that crosses the process boundary), ``snapshot_build``
(the engine's half of every frame: downsampled series, histograms, boundary grid).

Imports: every room below it (``nn``, ``data``, ``training``, ``lessons``); never the UI.
"""
