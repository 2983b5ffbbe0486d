"""Render the screenshots of real presets shown in the README: SVG, then PNG.

Each shot loads a built-in preset, sets ``train.steps`` to N (the preset's own by default,
so every run finishes and stays there), runs the app at full speed with the engine
in-process inside Textual's ``run_test`` at a fixed terminal size, waits (on the session's
update counter, never a sleep) for the snapshot in which every run has stopped (finished,
diverged or stopped early), lets every panel draw it (the loss plot's redraw throttle is
flushed), clears the notifications and saves ``screenshots/<shot>.svg`` (an intermediate,
ignored by git). Then ``rsvg-convert -w 1400`` turns each SVG into a PNG (skipped, with a
message, if rsvg-convert is not installed: ``apt-get install librsvg2-bin``), and
``pngquant``, if installed, shrinks it to a palette. The SVG asks for Fira Code
(``apt-get install fonts-firacode``); without it the PNG uses the system's monospace font.

The output depends only on the preset, the seed and N: the same command gives the same
files. User presets (``$XDG_CONFIG_HOME/nnterm/presets``) are ignored, and the terminal
is pinned to truecolor with NO_COLOR unset, so the pictures do not depend on the machine.

Usage (from the repository root, with the project installed, e.g. ``make test`` once)::

    .venv/bin/python screenshots/make.py              # every shot below
    .venv/bin/python screenshots/make.py xor dead_relu # only these shots
    .venv/bin/python screenshots/make.py --list       # the shots and their settings
    .venv/bin/python screenshots/make.py --markdown   # the README's gallery table
    .venv/bin/python screenshots/make.py --no-png     # SVG only

A shot whose preset does not exist (yet) is skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

# Pin what the pictures could otherwise take from the environment, before Textual loads:
# colours (the boundary panel falls back to glyphs without truecolor) and user presets.
os.environ.pop("NO_COLOR", None)
os.environ["COLORTERM"] = "truecolor"
os.environ["TERM"] = "xterm-256color"
_NO_USER_PRESETS = tempfile.TemporaryDirectory(prefix="nnterm-shots-")  # removed at exit
os.environ["XDG_CONFIG_HOME"] = _NO_USER_PRESETS.name

from rich.cells import cell_len  # noqa: E402
from textual.widgets import ContentSwitcher  # noqa: E402

from nnterm.app.app import NntermApp  # noqa: E402
from nnterm.app.panels import PICTURE, picture_for  # noqa: E402
from nnterm.app.sweep_screen import SweepScreen  # noqa: E402
from nnterm.app.widgets.loss_plot import LossPlot  # noqa: E402
from nnterm.engine.preset_format.errors import PresetError  # noqa: E402
from nnterm.engine.preset_format.loader import load_preset  # noqa: E402

HERE = Path(__file__).resolve().parent
#: PNG width in pixels (rsvg-convert keeps the aspect ratio).
PNG_WIDTH = 1400
#: The run states after which nothing moves any more.
DONE = ("finished", "diverged", "early stopped")
#: Longest wait for one run to reach its last step.
TIMEOUT = 600.0
#: The README's pictures should stay small: warn above this many bytes in all.
SIZE_BUDGET = 5_000_000


@dataclass(frozen=True)
class Shot:
    """One picture: ``preset`` after ``steps`` steps, at ``size`` columns x rows."""

    name: str  # the file name without .svg
    preset: str
    steps: int  # N; 0: the preset's own train.steps
    why: str  # what the picture shows
    size: tuple[int, int] = (120, 40)
    theme: str | None = None
    overrides: tuple[str, ...] = field(default=())
    #: keys pressed as the lesson opens, on its first snapshot (``j``: the backprop
    #: lesson's first step; points drawn), and once it has finished (``u``: the network
    #: view; ``tab`` ``z``: the picture zoomed)
    start_keys: tuple[str, ...] = field(default=())
    end_keys: tuple[str, ...] = field(default=())
    #: open paused (the start keys act before any step; a space among them trains)
    paused: bool = False


def xor_drawn() -> tuple[str, ...]:
    """The keys that draw XOR on the ``draw`` lesson: every training point erased, then
    three points in each corner around the cursor's start (the middle), orange (1) bottom
    left and top right, blue (2) top left and bottom right."""
    def cluster(moves: list[str], label: str, then: tuple[str, str]) -> list[str]:
        return [*moves, label, "enter", then[0], "enter", then[1], "enter"]

    return ("h", "X",
            *cluster(["up"] * 4 + ["left"] * 8, "2", ("right", "down")),
            *cluster(["right"] * 14 + ["up"], "1", ("right", "down")),
            *cluster(["down"] * 7, "2", ("left", "up")),
            *cluster(["left"] * 14, "1", ("left", "down")))


SHOTS = [
    Shot("xor", "xor", 0, "tanh bends its boundary around the four points; `linear` and "
         "`identity` stay at chance (0.693, the grey line)"),
    Shot("features", "features", 0, "a linear model given x1x2 (or x1^2 and x2^2 on the "
         "circle) draws a curved boundary on the plane; `linear` and `circle`, given "
         "x1 and x2, stay at chance; `hidden` finds features of its own"),
    Shot("backprop", "backprop", 1, "one SGD step of a 2-3-1 network explained, phase by "
         "phase with j: here the backward pass through the hidden layer, each node's value "
         "and gradient and the chain rule's factors with their numbers",
         start_keys=("j",), end_keys=("j", "j", "j", "j", "tab", "z")),
    Shot("universal_approximation", "universal_approximation", 0, "the sweep view: loss "
         "against the width of one tanh layer falls to the noise; `identity`, without "
         "activation, stays one line at every width"),
    Shot("init_too_large", "init_too_large", 0, "std 1.0 in a 10-layer ReLU net: the loss "
         "blows up and is cut at the top; `he` trains"),
    Shot("init_too_small", "init_too_small", 0, "std 0.01: the output spread collapses "
         "layer by layer and the loss sits at ln 10; `he` learns"),
    Shot("init_zero", "init_zero", 0, "constant init: every unit stays the same "
         "(symmetric_units), one diagonal cut; `zeros` stays at 0.693, `random` solves XOR"),
    Shot("xavier_vs_he", "xavier_vs_he", 0, "the spread of 20 layers' outputs at init: "
         "He keeps ReLU's level, Xavier and PyTorch's default let it fade, tanh holds; "
         "sigmoid keeps its spread but not its gradient"),
    Shot("dead_relu", "dead_relu", 0, "bias -5: layer 2 is dead (100% in the architecture "
         "panel, gradient exactly 0), the loss flat at ln 2; leaky ReLU and GELU learn"),
    Shot("vanishing_gradients", "vanishing_gradients", 0, "the sigmoid net's gradient "
         "falls about 10x a layer towards the input; ReLU+He's stays level"),
    Shot("activations", "activations", 0, "one deep net, five activations on the spiral: "
         "side-by-side boundaries, sigmoid stuck at chance"),
    Shot("learning_rate", "learning_rate", 0, "three learning rates: `too_low` crawls "
         "(underfitting), `too_high` jumps off the top and its boundary is one class, the "
         "base converges"),
    Shot("batch_size", "batch_size", 0, "three batch sizes: `batch_1` zigzags, "
         "`full_batch` slides down smoothly"),
    Shot("optimizers", "optimizers", 0, "the loss landscape of a narrow valley with every "
         "optimizer's path: SGD zigzags, momentum and Adam reach the optimum"),
    Shot("adam_vs_adamw", "adam_vs_adamw", 0, "validation loss of Adam with L2 and AdamW "
         "at the same and a strong weight decay, and of both on 100 x the loss: Adam + L2 "
         "loses its regularisation, AdamW keeps it"),
    Shot("softmax_ce_vs_mse", "softmax_ce_vs_mse", 0, "a confidently wrong start: "
         "cross-entropy swings the boundary round in a few dozen steps, squared error on the "
         "sigmoid stays stuck (flat_loss, 0% accuracy); with six classes softmax + "
         "cross-entropy gives each blob its own wedge, softmax + squared error leaves some "
         "wrong"),
    Shot("overfitting", "overfitting", 0, "validation loss of the big net turns up after "
         "its minimum; the small one does not"),
    Shot("regularization", "regularization", 0, "six cures for overfitting, each as a run: "
         "validation loss under the base's"),
    Shot("augmentation", "augmentation", 0, "56 noisy pictures of bars: the base run "
         "memorises them and its val loss climbs; with random flips it falls to near 0, "
         "with input noise under the base's best"),
    Shot("double_descent", "double_descent", 0, "the sweep view: test loss against p on "
         "log axes spikes at p = n = 200 (the grey line); `ridge` stays low"),
    Shot("scaling_laws", "scaling_laws", 0, "the sweep view: loss against parameters on "
         "log-log axes, a straight line with the fitted power law, exponent and R²"),
    Shot("scaling_laws_data", "scaling_laws_data", 0, "the sweep view: loss against "
         "examples on log-log axes, a straight line; `small` bends flat where the model is "
         "the bottleneck"),
    Shot("scaling_laws_compute", "scaling_laws_compute", 0, "the sweep view: at a fixed "
         "compute 6ND, loss against parameters is a U: the best model is in the middle"),
    Shot("next_token", "next_token", 0, "names written by the MLP and the linear model "
         "beside the bigram table's, under the bigram line"),
    Shot("playground", "playground", 0, "the boundary curled into the two spiral arms; "
         "the linear model cannot"),
    Shot("playground-network", "playground", 0, "the network view (u, zoomed): each "
         "feature and each unit as a picture over the plane, the spiral built layer by "
         "layer; the selected unit's weights between the columns and its formula with one "
         "example's numbers", end_keys=("u", "tab", "z")),
    Shot("playground-edges", "playground", 0, "every weight of every layer (u, W): at each "
         "unit's row a cell per unit of the next column, red positive, blue negative, "
         "fainter when small", end_keys=("u", "W", "tab", "z")),
    Shot("softmax-confusion", "softmax_ce_vs_mse", 0, "the six-class softmax run "
         "selected (>, >): its confusion matrix on the validation set, each class's "
         "accuracy at the end of its row", end_keys=(">", ">")),
    Shot("xor-predict", "xor", 0, "predict, then watch: the lesson's first step asked "
         "which run gets all four points right (N, then a and enter); the runs played once "
         "answered, and the lesson panel says the prediction held, and why",
         start_keys=("N", "a", "enter")),
    Shot("dead_relu-rewind", "dead_relu", 0, "looking back ({ pressed 8 times, a tenth of "
         "the run each): every panel shows an early frame (step 60: leaky climbing out, no "
         "diagnosis yet); the loss curves, live, mark its step with a white line",
         end_keys=("left_curly_bracket",) * 8),
    Shot("xor-80x24", "xor", 0, "the compact layout of an 80x24 terminal", size=(80, 24)),
    Shot("xor-light", "xor", 0, "the textual-light theme", theme="textual-light"),
    Shot("draw", "draw", 0, "points drawn with the keys (h, then the arrows, 1 and 2, "
         "enter): XOR's four corners; the 4-unit net bends its boundary around them, the "
         "cursor on the last point; `linear` cannot (the run table)",
         start_keys=(*xor_drawn(), "space"), paused=True),
]


async def wait_done(app: NntermApp, pilot, timeout: float = TIMEOUT):
    """Wait for snapshots until every run has stopped; return the last snapshot."""
    return await wait_for(app, pilot, lambda s: all(v.status in DONE for v in s.runs),
                          timeout)


async def wait_for(app: NntermApp, pilot, predicate, timeout: float = 30.0):
    """Wait for snapshots until ``predicate(snapshot)`` holds; return that snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session = app.main_view.live.session
        version = session.version
        snapshot = app.main_view.snapshot
        if snapshot is not None and predicate(snapshot):
            return snapshot
        if not session.alive and session.error:
            raise RuntimeError(f"the engine stopped: {session.error}")
        await asyncio.to_thread(session.wait_for_update, version, 5.0)
        app.main_view.poll()
        await pilot.pause()
    raise TimeoutError(f"the lesson did not get there within {timeout:.0f} s")


async def wait_sweep_done(screen: SweepScreen, pilot, timeout: float = TIMEOUT) -> None:
    """Let the app run until every run of the sweep view has finished."""
    deadline = time.monotonic() + timeout
    while not screen.finished:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the sweep did not finish within {timeout:.0f} s")
        await pilot.pause(0.1)


async def render(shot: Shot, preset, svg: Path) -> str:
    """Run ``preset`` to its end in the app (every run of a sweep) and save the screen
    to ``svg``; return the status line's first line (for the log)."""
    app = NntermApp(preset, in_process=True, theme=shot.theme, speed="full",
                    paused=shot.paused)
    async with app.run_test(size=shot.size) as pilot:
        if shot.start_keys:
            await app.main_view.composed.wait()
            switcher = app.main_view.query_one(f"#{PICTURE}", ContentSwitcher)
            await wait_for(app, pilot,  # the picture the keys may act on, on screen
                           lambda s: switcher.current == picture_for(s).name)
            await pilot.press(*shot.start_keys)
        if preset.sweep is not None:
            await wait_sweep_done(app.screen, pilot)
            await pilot.pause()
            app.save_screenshot(filename=svg.name, path=str(svg.parent))
            return app.screen.query_one("#sweep-status").render().plain.splitlines()[-1]
        snapshot = await wait_done(app, pilot)
        if snapshot.status == "finished" and snapshot.step != shot.steps:
            raise RuntimeError(f"finished at step {snapshot.step}, expected {shot.steps}")
        if shot.end_keys:
            await pilot.press(*shot.end_keys)
            await wait_for(app, pilot, lambda s: "u" not in shot.end_keys
                           or s.network is not None)
        await pilot.pause()
        app.query_one(LossPlot).flush()  # its last redraw may still wait for the throttle
        app.clear_notifications()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        app.save_screenshot(filename=svg.name, path=str(svg.parent))
        return app.query_one("#status").text.plain.splitlines()[0]


#: One run of text in Rich's SVG export: class, x, y, width in pixels, rest, content.
TEXT_RUN = re.compile(r'<text class="([^"]+)" x="([\d.]+)" y="([\d.]+)" '
                      r'textLength="([\d.]+)"([^>]*)>([^<]*)</text>')


def _one_glyph_per_cell(match: re.Match) -> str:
    cls, x, y, length, rest, content = match.groups()
    text = html.unescape(content)
    cells = cell_len(text)
    if not cells:
        return ""
    width, left = float(length) / cells, float(x)
    out = []
    for ch in text:
        if not ch.isspace():
            out.append(f'<text class="{cls}" x="{left:.1f}" y="{y}"{rest}>'
                       f"{xml_escape(ch)}</text>")
        left += cell_len(ch) * width
    return "".join(out)


def for_rsvg(svg: str) -> str:
    """``svg`` with every glyph placed in its own cell, for rsvg-convert.

    librsvg ignores ``textLength`` and drops leading no-break spaces, so a run drawn in
    a proportional fallback font (DejaVu Sans Mono and Fira Code have no braille, which
    the loss plot is drawn with) grows past its cells, and a run that starts with spaces
    is drawn too far left. One ``<text>`` per glyph, at the x of its cell, puts every
    glyph where a terminal would.
    """
    return TEXT_RUN.sub(_one_glyph_per_cell, svg)


def to_png(svg: Path, png: Path) -> None:
    """Render ``svg`` to ``png``, ``PNG_WIDTH`` pixels wide, then, if pngquant is
    installed, to a 256-colour palette (a quarter of the size, the same to the eye)."""
    subprocess.run(["rsvg-convert", "-w", str(PNG_WIDTH), "-o", str(png)],
                   input=for_rsvg(svg.read_text(encoding="utf-8")).encode(), check=True)
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--quality", "70-95", "--speed", "3", "--force",
                        "--output", str(png), str(png)], check=True)


def gallery_markdown(shots: list[Shot], per_row: int = 2) -> str:
    """A Markdown table of the shots, ``per_row`` a row, each with its caption."""
    cells = [f"![{s.name}](screenshots/{s.name}.png) **{s.name}**: {s.why}" for s in shots]
    rows = ["|" + " |" * per_row, "|" + "---|" * per_row]
    for i in range(0, len(cells), per_row):
        row = cells[i:i + per_row] + [""] * (per_row - len(cells[i:i + per_row]))
        rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Render README screenshots of real presets (SVG, then PNG).")
    parser.add_argument("shots", nargs="*", metavar="SHOT",
                        help="shot names to render (default: all; see --list)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="output folder (default: the screenshots folder)")
    parser.add_argument("--no-png", action="store_true", help="write SVG files only")
    parser.add_argument("--list", action="store_true", help="list the shots and exit")
    parser.add_argument("--markdown", action="store_true",
                        help="print the README's gallery (two shots a row) and exit")
    args = parser.parse_args(argv)

    by_name = {s.name: s for s in SHOTS}
    if args.markdown:
        print(gallery_markdown(SHOTS))
        return 0
    if args.list:
        for s in SHOTS:
            extra = " ".join(filter(None, [s.theme, *s.overrides]))
            steps = s.steps or "preset's"
            print(f"{s.name:22} {s.preset:20} {steps!s:>8} steps  "
                  f"{s.size[0]}x{s.size[1]}  {extra}\n{'':24}{s.why}")
        return 0
    unknown = [n for n in args.shots if n not in by_name]
    if unknown:
        parser.error(f"unknown shot(s): {', '.join(unknown)} (choose from "
                     f"{', '.join(by_name)})")
    shots = [by_name[n] for n in args.shots] if args.shots else SHOTS
    png = not args.no_png and shutil.which("rsvg-convert") is not None
    if not args.no_png and not png:
        print("rsvg-convert not found: writing SVG only (apt-get install librsvg2-bin)")
    args.out.mkdir(parents=True, exist_ok=True)

    failed = 0
    for shot in shots:
        steps = [f"train.steps={shot.steps}"] if shot.steps else []
        try:
            preset = load_preset(shot.preset, [*steps, *shot.overrides])
        except PresetError as err:
            print(f"skip {shot.name}: {err}")
            continue
        shot = replace(shot, steps=preset.config.train.steps)
        svg = args.out / f"{shot.name}.svg"
        started = time.monotonic()
        try:
            status = asyncio.run(render(shot, preset, svg))
        except Exception as exc:  # report and go on with the other shots
            print(f"FAILED {shot.name}: {type(exc).__name__}: {exc}")
            failed += 1
            continue
        if png:
            to_png(svg, svg.with_suffix(".png"))
        print(f"{svg.name:28} {time.monotonic() - started:5.1f} s  {status.strip()}")
    total = sum(p.stat().st_size for p in args.out.glob("*.png"))
    print(f"{args.out}: {total / 1e6:.1f} MB of PNG"
          + (f" (over the {SIZE_BUDGET / 1e6:.0f} MB budget)" if total > SIZE_BUDGET else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
