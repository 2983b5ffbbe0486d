"""The ``nnterm`` command line: ``list``, ``run`` and ``check`` (headless), ``serve`` (the app
in a browser), and the app.

``nnterm`` alone opens the app on a preset picker; ``nnterm PRESET`` (a name or a path)
opens it straight into that preset.

Bad input (an unknown preset, a malformed file, a bad ``--set``) prints one line naming the
problem and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shlex
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import nnterm.app.single_thread_blas  # noqa: F401  (before NumPy loads)

# Textual paints a change at its next frame, at most TEXTUAL_FPS a second (default 60):
# a key's effect waits up to a frame for its paint. At 120 it waits half as long; how
# often this app paints is set by its snapshots (--fps), not by this cap. Read once, when
# Textual is first imported (the user's own setting wins).
os.environ.setdefault("TEXTUAL_FPS", "120")
from nnterm.app.answers_file import AnswersFile
from nnterm.app.app_options import (
    COMMANDS,
    EPILOG,
    add_memory_argument,
    add_version_argument,
    build_app_parser,
)
from nnterm.app.serve import add_serve_arguments
from nnterm.app.ssh_options import add_ssh_arguments
from nnterm.engine.experiments.executors import EXECUTORS, ExecutorError
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.process import worker_server
from nnterm.engine.process.worker_server import cores

if TYPE_CHECKING:
    from nnterm.engine.preset_format.preset import Preset
    from nnterm.engine.training.saved_run import SavedRun


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnterm",
        description="Train a NumPy neural network live in your terminal and watch it learn.",
        epilog=EPILOG,
    )
    add_version_argument(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("list", help=COMMANDS["list"])

    run = sub.add_parser("run", help=COMMANDS["run"])
    run.add_argument("preset", help="a preset name or a path to a .yaml file")
    run.add_argument("--steps", type=int, help="train this many steps instead of the preset's")
    run.add_argument("--seed", type=int, help="seed for data, init, batches and dropout")
    run.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a setting with a YAML value, e.g. --set model.hidden=[16,16] (repeatable)",
    )
    run.add_argument("--metrics", metavar="FILE",
                     help="write every logged step to FILE: JSONL, or CSV if it ends in .csv")
    run.add_argument("--plot", metavar="FILE.svg",
                     help="save a sweep's summary curve to FILE.svg")
    _add_pool_arguments(run)

    export = sub.add_parser("export", help=COMMANDS["export"])
    export.add_argument("preset", help="a preset name or a path to a .yaml file")
    export.add_argument("--run", default="base", help="which run: base (default) or a "
                        "compare variant's name")
    export.add_argument("--seed", type=int, help="seed for data, init, batches and dropout")
    export.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a setting with a YAML value, e.g. --set train.steps=200 (repeatable)",
    )
    export.add_argument("--torch", type=Path, metavar="FILE.py",
                        help="write the run as a PyTorch script (and FILE.npz beside it)")
    export.add_argument("--notebook", type=Path, metavar="FILE.ipynb",
                        help="write the run as a Jupyter notebook (and FILE.npz beside it)")
    export.add_argument("--exact", action="store_true",
                        help="draw dropout masks, input noise and flips from nnterm's own "
                        "random streams, so that those runs match to the digit too")
    export.add_argument("--at", type=int, metavar="STEP",
                        help="train the run to STEP first and add its weights then to the "
                        ".npz: the script's --from-weights current starts from them")

    check = sub.add_parser("check", help=COMMANDS["check"])
    check.add_argument("presets", nargs="*", metavar="PRESET", help="default: every preset")
    check.add_argument("--seed", dest="seeds", type=int, nargs="+", metavar="S",
                       help="one or more seeds (default: each preset's own)")
    _add_pool_arguments(check)
    serve = sub.add_parser("serve", help=COMMANDS["serve"])
    add_serve_arguments(serve)
    add_ssh_arguments(serve)
    answers = sub.add_parser("answers", help=COMMANDS["answers"])
    answers.add_argument("files", nargs="+", type=Path, metavar="FILE",
                         help="answers files written with --answers")
    answers.add_argument("--json", action="store_true",
                         help="print JSON (one object per question) instead of a table")
    for command in sub.choices.values():  # whose usage an unknown argument prints
        command.set_defaults(command_parser=command)
    return parser


def parse_command(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parser.parse_args``, except that an argument the command does not know prints the
    command's usage (``nnterm run ...``), not the top level's, which argparse would."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _add_pool_arguments(parser: argparse.ArgumentParser) -> None:
    add_memory_argument(parser)
    parser.add_argument("--workers", type=int, metavar="N",
                        help="train N runs at once (default: one per core; 1: one after "
                        "another in this process)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="local worker processes (default), or a Dask or Ray cluster "
                        "(optional extras: pip install 'nnterm[dask]')")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running cluster to send the runs to: tcp://HOST:PORT (dask) "
                        "or ray://HOST:PORT (ray); default: start one on this machine")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        return _run_app(build_app_parser().parse_args(argv))  # (its --help lists the commands)
    parser = build_parser()
    args = parse_command(parser, argv)
    if getattr(args, "max_memory", None):
        from nnterm.engine.training import memory

        memory.set_limit(args.max_memory)
    args.argv = argv  # (what a file written says it was written by)
    try:
        with interrupted_by_signals():
            return _run_command(parser, args)
    except (PresetError, ExecutorError) as err:
        print(f"nnterm: error: {err}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"nnterm: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("nnterm: interrupted", file=sys.stderr)
        return 130


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP during a headless command: unwinds like Ctrl-C (pools cancel
    their workers, a metrics file keeps what was measured), then exits 128 + signum."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def interrupted_by_signals():
    """Turn SIGTERM and SIGHUP into ``Interrupted`` while the block runs."""
    def stop(signum, _frame):
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command in ("run", "check") and args.executor == "local" and (
            args.workers or cores()) > 1 and not worker_server.can_fork_here():
        # the server the pool's workers will be forked from imports the engine on the
        # other core while this process imports the command and loads the presets; and
        # this module, which a worker imports again when it runs the nnterm script
        worker_server.start(main_imports=("nnterm.app.cli",))
    if args.command == "list":
        from nnterm.app.headless.listing import list_command

        return list_command()
    if args.command == "run":
        from nnterm.app.headless.run import run_command

        return run_command(args.preset, steps=args.steps, seed=args.seed, sets=args.sets,
                           metrics=args.metrics, workers=args.workers,
                           executor=args.executor, scheduler=args.scheduler,
                           plot=args.plot)
    if args.command == "check":
        from nnterm.app.headless.check import check_command

        return check_command(args.presets, seeds=args.seeds, workers=args.workers,
                             executor=args.executor, scheduler=args.scheduler)
    if args.command == "export":
        from nnterm.app.headless.export import export_command

        if args.torch is None and args.notebook is None:
            args.command_parser.error("say where to write: --torch FILE.py and/or "
                                      "--notebook FILE.ipynb")
        return export_command(args.preset, run=args.run, seed=args.seed, sets=args.sets,
                              torch=args.torch, notebook=args.notebook, exact=args.exact,
                              at=args.at, origin=shlex.join(["nnterm", *args.argv]))
    if args.command == "answers":
        from nnterm.app.headless.answers import answers_command

        return answers_command(args.files, as_json=args.json)
    if args.command == "serve":
        from nnterm.app.ssh_serve import serve_either

        return serve_either(args)
    parser.print_help()
    return 0


def _run_app(args: argparse.Namespace) -> int:
    from nnterm.app.app import NntermApp
    from nnterm.app.locks import parse_locks
    from nnterm.engine.preset_format.loader import load_preset
    from nnterm.engine.training import memory

    if args.max_memory:
        memory.set_limit(args.max_memory)

    try:
        if not 0 < args.fps < float("inf"):  # (nan fails this too)
            raise PresetError(f"{args.fps:g} is not allowed", key="--fps", allowed="a number > 0")
        preset, resume = None, None
        if args.from_state is not None:
            preset, resume = saved_lesson(args)
        elif args.preset is not None:
            preset = load_preset(args.preset, args.sets)
            if args.seed is not None:
                preset = replace(preset, config=replace(preset.config, seed=args.seed))
        elif args.sets or args.seed is not None:
            raise PresetError("needs a PRESET", key="--set/--seed")
        if args.lesson and preset is not None and not preset.steps:
            raise PresetError(f"the preset {preset.name} has no guided steps", key="--lesson",
                              allowed="a preset with steps: (e.g. xor, dead_relu)")
        locks = parse_locks(args.lock)
        answers = open_answers(args.answers)
        app = NntermApp(preset, in_process=args.in_process, fps=args.fps,
                        speed="preset" if args.speed is None else args.speed,
                        paused=args.paused, screenshot_folder=args.screenshot_dir,
                        lesson=args.lesson, locks=locks, answers=answers,
                        low_bandwidth=args.low_bandwidth, shared_server=args.shared_server,
                        resume=resume)
        if args.theme is not None:
            if args.theme not in app.available_themes:
                raise PresetError(f"{args.theme!r} is not a theme", key="--theme",
                                  allowed=", ".join(sorted(app.available_themes)))
            app.theme = args.theme
    except PresetError as err:
        print(f"nnterm: error: {err}", file=sys.stderr)
        return 2
    app.run()
    return app.return_code or 0  # 128 + the signal after SIGTERM or SIGHUP


def saved_lesson(args: argparse.Namespace) -> tuple[Preset, SavedRun]:
    """``--from-state FILE``: the lesson saved in it (its one run the run saved) and
    where that run was; PresetError says what is wrong with the file, or with a PRESET
    or ``--set``/``--seed`` given beside it (the file says all of that)."""
    from nnterm.engine.preset_format.loader import parse_preset
    from nnterm.engine.training.saved_run import SavedRunError, read_saved_run

    if args.preset is not None or args.sets or args.seed is not None:
        raise PresetError("the file names the lesson and its settings", key="--from-state",
                          allowed="--from-state FILE without PRESET, --set or --seed")
    try:
        text, saved = read_saved_run(args.from_state)
    except SavedRunError as err:
        raise PresetError(str(err), key="--from-state",
                          allowed="a file saved by serve --watch's copy key") from None
    return parse_preset(text, source=str(args.from_state)), saved


def open_answers(path: Path | None) -> AnswersFile | None:
    """The ``--answers`` file, checked writable now (PresetError if not)."""
    if path is None:
        return None
    try:
        return AnswersFile(path)
    except OSError as err:
        raise PresetError(f"{str(path)!r} cannot be written: {err.strerror}", key="--answers",
                          allowed="a file that can be written, or a directory") from None


def console_main() -> int:
    """The ``nnterm`` command: ``main()``, with nothing left for the interpreter's exit to
    collect. Its last garbage collections walk every object the command made (25-30 ms
    after a headless run, however it ends); frozen first (``gc.freeze``), they are
    skipped, and the memory goes back to the system with the process. Nothing is lost:
    ``atexit`` handlers still run, and files and pools are closed by then (``with``
    blocks)."""
    try:
        return main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    raise SystemExit(console_main())
