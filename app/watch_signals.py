"""What a watched app (the teacher's, under ``nnterm serve --watch``) does for its server.

The server (``watch_hub``) runs the app in a pseudo-terminal and asks two things of it by
signal, the app's only channel that is not its terminal (whose input is the teacher's
keys):

- ``REPAINT_SIGNAL``: draw the whole screen again, not only what changed, so that a
  viewer who joins now (or who fell behind and was cut back to the present) has every
  cell within one frame. Textual writes a full update when the whole screen is dirty.
- ``SAVE_SIGNAL``: write the selected run as it stands (``training.saved_run``, through
  the engine: ``run_commands.SaveRun``) to the file named by ``STATE_FILE_VARIABLE`` in
  the app's environment, for a viewer's own copy of it (``nnterm --from-state FILE``).
  Nothing is written while no lesson trains (the picker, a sweep): the server waits in
  vain and says so.

An app started without that variable installs nothing: the signals keep their default.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from nnterm.engine.live.run_commands import SaveRun
from nnterm.engine.preset_format.loader import dump_preset
from nnterm.engine.preset_format.saving import edited_preset

if TYPE_CHECKING:
    from nnterm.app.training_screen import TrainingScreen

#: The environment variable naming the file ``SAVE_SIGNAL`` writes.
STATE_FILE_VARIABLE = "NNTERM_WATCH_STATE_FILE"
REPAINT_SIGNAL = signal.SIGUSR2
SAVE_SIGNAL = signal.SIGUSR1


def install_watch_signals(view: TrainingScreen) -> bool:
    """Handle the two signals on the running loop if the environment names a state file;
    whether it did."""
    path = os.environ.get(STATE_FILE_VARIABLE)
    if not path:
        return False
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(REPAINT_SIGNAL, lambda: view.app.screen.refresh())
    loop.add_signal_handler(SAVE_SIGNAL, save_selected_run, view, Path(path))
    return True


def save_selected_run(view: TrainingScreen, path: Path) -> bool:
    """Have the engine write the selected run, with a lesson of that run alone, to
    ``path`` (after the keys pressed before); False if no lesson trains."""
    state, preset = view.runs_state, view.preset
    if state is None or preset is None or view.app.screen is not view:
        return False
    run = state.current
    copy = edited_preset(preset, [(run.name, run.config)], preset.name)
    copy = dataclasses.replace(
        copy, title=f"{preset.title}: a copy of run {run.name}",
        lesson=f"Your own copy of the teacher's run {run.name}, from where it stood: every "
        f"key is yours here. The lesson below is the original's.\n\n{preset.lesson}")
    return view.live.send(SaveRun(run.name, path, dump_preset(copy)))
