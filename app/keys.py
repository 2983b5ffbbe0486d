"""The app's keys: each binding (the footer and the help list them) and what its action
does in words, for the command palette, which also opens every lesson by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode

from nnterm.app.controls import OPTIMIZER_CYCLE
from nnterm.engine.live.run_set import MAX_RUNS
from nnterm.engine.preset_format.loader import scan_presets

APP_BINDINGS = [
    # help and quit first: the footer shows as many keys as the terminal is wide
    Binding("question_mark", "help", "Help", key_display="?", id="help"),
    Binding("q", "quit", "Quit", id="quit"),
    Binding("space", "toggle_pause", "Pause/run", id="pause"),
    Binding("full_stop", "step_once", "Step", key_display=".", id="step"),
    Binding("N", "next_step", "Next step", id="next_step"),
    Binding("P", "previous_step", "Step back", show=False, id="previous_step"),
    Binding("r", "reset", "Reset", id="reset"),
    Binding("plus,equals_sign", "learning_rate(1)", "LR+", key_display="+", id="lr_up"),
    Binding("minus", "learning_rate(-1)", "LR-", key_display="-", id="lr_down"),
    Binding("B", "batch_size(1)", "Batch+", show=False, id="batch_up"),
    Binding("b", "batch_size(-1)", "Batch-", show=False, id="batch_down"),
    Binding("o", "optimizer", "Optimizer", id="optimizer"),
    Binding("a", "activation", "Activation", id="activation"),
    Binding("u", "network", "Units", id="network"),
    Binding("i", "init", "Init", show=False, id="init"),
    Binding("d", "dropout", "Dropout", show=False, id="dropout"),
    Binding("w", "weight_decay", "Weight decay", show=False, id="weight_decay"),
    Binding("f", "speed", "Speed", show=False, id="speed"),
    Binding("l", "log_scale", "Log scale", show=False, id="log_scale"),
    Binding("c", "accuracy", "Curves: loss/accuracy, train/val", show=False,
            id="accuracy"),
    Binding("v", "validation", "Val points", show=False, id="validation"),
    Binding("m", "gallery", "Side by side", show=False, id="gallery"),
    Binding("k", "depth_metric", "Depth: spread/gradient", show=False, id="depth_metric"),
    Binding("t", "tiles", "Image tiles", show=False, id="tiles"),
    Binding("y", "confusion", "Confusion matrix", show=False, id="confusion"),
    Binding("right_square_bracket", "layer(1)", "Next layer", key_display="]", show=False,
            id="layer_next"),
    Binding("left_square_bracket", "layer(-1)", "Prev layer", key_display="[",
            show=False, id="layer_prev"),
    Binding("R", "reseed", "Reseed", show=False, id="reseed"),
    Binding("greater_than_sign", "select_run(1)", "Next run", key_display=">",
            id="run_next"),
    Binding("less_than_sign", "select_run(-1)", "Prev run", key_display="<", show=False,
            id="run_prev"),
    *(Binding(str(n), f"select_run_number({n})", "Select run by number", show=False,
              id=f"run_{n}") for n in range(1, MAX_RUNS + 1)),
    Binding("g", "scope", "One/all runs", id="scope"),
    Binding("C", "duplicate_run", "Copy run", show=False, id="duplicate_run"),
    Binding("x", "remove_run", "Remove run", show=False, id="remove_run"),
    Binding("n", "lesson", "Lesson", show=False, id="lesson"),
    Binding("p", "picker", "Presets", show=False, id="picker"),
    Binding("z", "zoom", "Zoom", id="zoom"),
    Binding("e", "example(1)", "Next example", show=False, id="example_next"),
    Binding("E", "example(-1)", "Prev example", show=False, id="example_previous"),
    Binding("up", "unit(0,-1)", "Unit up", show=False, id="unit_up"),
    Binding("down", "unit(0,1)", "Unit down", show=False, id="unit_down"),
    Binding("left", "unit(-1,0)", "Layer left", show=False, id="unit_left"),
    Binding("right", "unit(1,0)", "Layer right", show=False, id="unit_right"),
    Binding("enter", "feature", "Switch feature / edit unit", show=False, id="feature"),
    Binding("W", "edges", "Every edge", show=False, id="edges"),
    Binding("h", "draw", "Draw points", show=False, id="draw"),
    Binding("j", "phase(1)", "Next phase", id="phase_next"),
    Binding("J", "phase(-1)", "Phase back", show=False, id="phase_previous"),
    Binding("left_parenthesis", "rewind(-1)", "Back in time", key_display="(", show=False,
            id="rewind_back"),
    Binding("right_parenthesis", "rewind(1)", "Forward in time", key_display=")", show=False,
            id="rewind_forward"),
    Binding("left_curly_bracket", "rewind(-1, True)", "Back a tenth", key_display="{",
            show=False, id="rewind_back_far"),
    Binding("right_curly_bracket", "rewind(1, True)", "Forward a tenth", key_display="}",
            show=False, id="rewind_forward_far"),
    Binding("s", "screenshot", "Screenshot", show=False, id="screenshot"),
    Binding("S", "save_preset", "Save preset", show=False, id="save_preset"),
    Binding("T", "export_torch", "To PyTorch", show=False, id="export_torch"),
    Binding("escape", "back_to_sweep", "Back to sweep", id="back_to_sweep"),
]

#: What each key does, in words, for the command palette (by action name).
ACTION_WORDS = {
    "toggle_pause": "Pause the training, or run it again (looking back: live again)",
    "step_once": "Take one training step while paused",
    "reset": "Start every run again from step 0 with the same seed",
    "learning_rate": "Move the learning rate one rung up (+) or down (-): 1e-5, 3e-5 ... 10",
    "batch_size": "Make the batch bigger (B) or smaller (b); above the largest: the full batch",
    "optimizer": f"Switch the optimizer: {', '.join(label for label, _ in OPTIMIZER_CYCLE)}",
    "activation": "Switch the hidden layers' activation",
    "init": "Switch the weight initialisation and re-initialise",
    "dropout": "Switch the dropout of the hidden layers: 0, 0.1, 0.2, 0.3, 0.5",
    "weight_decay": "Switch the weight decay: 0, 1e-4 ... 1",
    "speed": "Change the pace: full speed, 1, 5, 20, 100 steps a second (looking back: "
             "replay from the step shown at 1, 5, 20 steps a second)",
    "log_scale": "Draw the loss on a log scale, or not",
    "accuracy": "Plot loss or accuracy, train or validation curves",
    "validation": "Show the validation points on the boundary, or not",
    "gallery": "Show every run's boundary side by side, or the selected one's",
    "depth_metric": "Profile by depth: the output spread or the gradient of each layer",
    "confusion": "Show or hide the selected run's confusion matrix on the validation set "
                 "(classifiers of three classes or more)",
    "tiles": "Draw the first layer's weights as image tiles (image data)",
    "layer": "Show the next (]) or previous ([) layer's gradients and weights",
    "reseed": "Start again with the next seed",
    "select_run": "Select the next (>) or previous (<) run",
    "select_run_number": "Select a run by its number",
    "scope": "Make the keys change every run, or the selected run only",
    "duplicate_run": "Copy the selected run, to change only the copy",
    "remove_run": "Remove the selected run",
    "lesson": "Show or hide the lesson",
    "next_step": "Go to the guided lesson's next step (and make its change)",
    "previous_step": "Show the guided lesson's previous step again",
    "picker": "Choose another lesson",
    "zoom": "Zoom the focused panel to the whole screen, or back",
    "network": "Show the network: every unit's picture over the plane, its formula and "
               "gradients (2-D inputs), or the picture it replaced",
    "example": "Show the next (e) or previous (E) training example's numbers on the unit card",
    "unit": "Select a unit of the network view: up and down a layer, left and right across",
    "feature": "In the network view: switch the selected input feature on or off (the run "
               "starts again), or type new values for the selected unit's weights and bias",
    "edges": "In the network view: draw every weight of every layer between the columns "
             "(a cell per weight, coloured by sign, shaded by size), or the selected unit's",
    "draw": "Draw your own data on the decision boundary (2-D classification): a cursor "
            "and the mouse add and remove points, every run trains on them; h again: stop",
    "phase": "Show the next (j) or previous (J) phase of the training step explained: "
             "forward, loss, backward, update; past the last, take the next step",
    "rewind": "Look back: every panel one frame back (() or forward ()) in the run, or a "
              "tenth of it ({ }); the loss curves mark the step; space: live again; f: "
              "replay from there slowly",
    "screenshot": "Save a screenshot (SVG)",
    "save_preset": "Save every run as a preset you can open again",
    "export_torch": "Export the selected run as it stands as a PyTorch script and notebook "
                    "that reproduce it, with its weights now to go on from (beside the "
                    "saved presets)",
    "back_to_sweep": "Go back to the sweep",
}


def bindings_of(node: type[DOMNode]) -> list[Binding]:
    """``node.BINDINGS``: here every one is a ``Binding`` (Textual allows tuples too)."""
    return [b for b in node.BINDINGS if isinstance(b, Binding)]


def action_name(binding: Binding) -> str:
    """``learning_rate`` for ``learning_rate(1)``."""
    return binding.action.split("(")[0]


def palette_commands(app: Any, screen: Any) -> Iterator[SystemCommand]:
    """Every lesson (opened with ``app.start``; none while the picker is locked), then
    every key of ``screen``'s bindings but quit and help (the palette has its own), said
    in words before its key: only those that do something now (``check_action``, the
    app's for an ``app.`` action: no "Back to sweep" without a sweep, no step keys without
    steps, nothing a teacher locked)."""
    if app.check_action("picker", ()):
        presets, _ = scan_presets()
        for preset in presets:
            yield SystemCommand(f"Open lesson {preset.name}",
                                f"{preset.section}: {preset.title}",
                                lambda p=preset: app.start(p))
    for binding in screen.BINDINGS:
        name = action_name(binding)
        target, action = ((app, binding.action[4:]) if name.startswith("app.")
                          else (screen, binding.action))
        name = name.removeprefix("app.")
        if name in ("quit", "help") or not target.check_action(name, ()):
            continue
        said = ACTION_WORDS.get(name, binding.description)
        yield SystemCommand(binding.description,
                            f"{said} (key {binding.key_display or binding.key})",
                            lambda target=target, action=action: target.run_action(action))
