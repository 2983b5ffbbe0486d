"""The app's own command-line options (``nnterm [PRESET] ...``), and the names of the
headless commands beside it.

Both ``nnterm`` (``cli``) and ``nnterm serve`` (``serve``, which checks a tab's options
before it serves any) read the app's options from here: neither imports the other for it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nnterm.app.redraw import DEFAULT, LOW_BANDWIDTH, SHARED
from nnterm.engine.live.pace import FPS

#: The headless commands and their one-line help.
COMMANDS = {
    "list": "name, glossary section and title of every preset, in course order",
    "run": "train a preset headless, with a progress bar",
    "check": "run presets headless and check their claims",
    "export": "write one run as a PyTorch script or notebook that reproduces it",
    "serve": "serve the app to web browsers: each tab gets its own app and training",
    "answers": "sum up the predictions in answers files (--answers): per question, who "
               "chose what and how many were right",
}
EPILOG = ("Presets are found by name among the built-in ones, in "
          "$XDG_CONFIG_HOME/nnterm/presets, or by path.")


class _ShowVersion(argparse.Action):
    """``--version``: print the installed version and exit. The version is read from the
    package's metadata only when asked (``importlib.metadata`` is a tenth of the time the
    command line takes to start a sweep's workers)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from importlib.metadata import version

        print(f"nnterm {version('nnterm')}")
        parser.exit()


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """``--version`` on ``parser`` (the app's and the commands' parsers alike)."""
    parser.add_argument("--version", action=_ShowVersion)


def add_memory_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-memory", type=_size, metavar="SIZE",
                        help="refuse runs that would need more memory than SIZE (4G, 500M; "
                        "default: half of this machine's)")


def _size(text: str) -> int:
    from nnterm.engine.training import memory  # (NumPy's: only when --max-memory is given)

    try:
        return memory.parse_size(text)
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (allowed: a number of "
                                         "bytes, or with K, M, G or T, e.g. 4G)") from None


def build_app_parser(*, exit_on_error: bool = True) -> argparse.ArgumentParser:
    """The app's own options (``nnterm [PRESET] ...``); ``exit_on_error=False``: a value
    of the wrong type raises ``argparse.ArgumentError`` instead of exiting."""
    parser = argparse.ArgumentParser(
        exit_on_error=exit_on_error,
        prog="nnterm",
        usage="nnterm [PRESET] [options]  |  nnterm {list,run,check,serve} ...",
        description="Train a NumPy neural network live in your terminal and watch it learn: "
        "open PRESET in the app (no PRESET: choose one).",
        epilog=_commands_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("preset", nargs="?", help="a preset name or a path to a .yaml file")
    add_version_argument(parser)
    parser.add_argument("--seed", type=int, help="seed for data, init, batches and dropout")
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="KEY.PATH=VALUE", help="override a setting (repeatable)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the engine in the app's worker thread (for debugging)")
    parser.add_argument("--fps", type=float, default=FPS,
                        help=f"redraws per second at most (lower it on slow links; default "
                        f"{FPS:g}, and never more often than the numbers are redrawn: "
                        f"{1 / DEFAULT.numbers:g} a second)")
    parser.add_argument("--low-bandwidth", action="store_true",
                        help="for a slow or shared link (a class over one SSH server): "
                        f"numbers redrawn every {LOW_BANDWIDTH.numbers:g} s, curves every "
                        f"{LOW_BANDWIDTH.curves:g} s, other panels every "
                        f"{LOW_BANDWIDTH.pictures:g} s, "
                        f"weights every {LOW_BANDWIDTH.weights:g} s, no animation")
    parser.add_argument("--shared-server", action="store_true",
                        help="for many students on one server (nnterm serve's default): "
                        f"numbers redrawn every {SHARED.numbers:g} s, curves every "
                        f"{SHARED.curves:g} s, other panels every {SHARED.pictures:g} s, "
                        f"weights every {SHARED.weights:g} s")
    parser.add_argument("--speed", type=_speed, metavar="N|full",
                        help="steps (of every run) per second, or full; default: the "
                        "lesson's own pace")
    parser.add_argument("--paused", action="store_true", help="open paused at step 0")
    parser.add_argument("--from-state", type=Path, metavar="FILE",
                        help="go on from a run saved by serve --watch's copy key (its "
                        "lesson, weights, optimizer state and step), instead of a PRESET")
    add_memory_argument(parser)
    parser.add_argument("--screenshot-dir", type=Path, metavar="DIR",
                        help="where s saves screenshots (default: $XDG_PICTURES_DIR/nnterm, "
                        "else ~/.local/share/nnterm/screenshots)")
    parser.add_argument("--theme", help="a Textual theme, e.g. textual-light, or ansi-dark for "
                        "16-colour terminals (the command palette lists them all)")
    parser.add_argument("--lesson", action="store_true",
                        help="open the preset's guided steps at step 1 (N: next step, P: back)")
    parser.add_argument("--lock", default="", metavar="CONTROLS",
                        help="controls the student cannot change, separated by commas, e.g. "
                        "lr,optimizer (lr: + and -; batch: B and b; architecture: the "
                        "architecture panel's edits; a name it does not know lists them all)")
    parser.add_argument("--answers", type=Path, metavar="FILE|DIR",
                        help="append each answer to a guided step's question to FILE as a "
                        "JSON line (a directory: a new file of this app's own in it); "
                        "nnterm answers sums them up")
    return parser


def _commands_text() -> str:
    """The headless commands, each with its one-line help, for the app's --help."""
    lines = [f"  {name:<8}{text}" for name, text in COMMANDS.items()]
    return ("headless commands (nnterm COMMAND --help for their options):\n"
            + "\n".join(lines) + "\n\n" + EPILOG)


def _speed(text: str) -> float | str:
    """``--speed``: ``full`` or a number of steps per second > 0."""
    if text.strip().lower() == "full":
        return "full"
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed (allowed: a number > 0, "
                                         "or full)")
    return value
