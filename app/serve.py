"""``nnterm serve``: the app in a web browser, one independent app process per tab.

textual-serve runs a shell command for every websocket connection and relays that
process's terminal to xterm.js in the page; the command here is this Python running
``nnterm.app.cli`` with the preset and app options, so each tab (each student) gets its own
app and its own engine process, and closing the tab ends both.

Everything is checked before the server starts (the preset, ``--set`` overrides, the app
options, the port), so that a mistake is one line on the terminal and exit status 2, not a
broken page for every student who connects.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from nnterm.app.app_options import build_app_parser
from nnterm.engine.preset_format.errors import PresetError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: App options handed through to every tab's app, as (flag, takes a value).
APP_OPTIONS = (("--seed", True), ("--fps", True), ("--speed", True), ("--theme", True),
               ("--paused", False), ("--low-bandwidth", False), ("--lesson", False),
               ("--answers", True))


class ServeError(Exception):
    """The server cannot start as asked; ``str(err)`` is the whole one-line message."""


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` subcommand's arguments: where to listen, and the app's own options
    (passed to every tab's app, checked by the app's parser before the server starts)."""
    parser.add_argument("preset", nargs="?",
                        help="a preset name or a path to a .yaml file (default: the picker)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine "
                        "only; 0.0.0.0: every network, see the warning it prints)")
    parser.add_argument("--port", type=port_number,
                        help=f"TCP port (default {DEFAULT_PORT}; 2222 with --ssh)")
    parser.add_argument("--public-url", metavar="URL",
                        help="the URL browsers reach the server at, if not the address they "
                        "typed (behind a reverse proxy: https://example.org/nnterm)")
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="KEY.PATH=VALUE", help="override a setting (repeatable)")
    parser.add_argument("--seed", help="seed for data, init, batches and dropout")
    parser.add_argument("--fps", help="redraws per second at most")
    parser.add_argument("--speed", metavar="N|full", help="steps per second, or full")
    parser.add_argument("--theme", help="a Textual theme, e.g. textual-light")
    parser.add_argument("--paused", action="store_true", help="open paused at step 0")
    parser.add_argument("--low-bandwidth", action="store_true",
                        help="slower redraws, for many tabs over one slow link")
    parser.add_argument("--lesson", action="store_true",
                        help="open the preset's guided steps at step 1")
    parser.add_argument("--watch", action="store_true",
                        help="the class watches the teacher: one app, driven from this "
                        "terminal, shown read-only to every tab (or SSH session); their M "
                        "key gives them a copy of the selected run, in an app of their own")
    parser.add_argument("--answers", metavar="DIR",
                        help="a directory (made if need be) where each tab writes the answers "
                        "to the guided steps' questions, in a file of its own (nnterm "
                        "answers DIR/* sums them up)")


def port_number(text: str) -> int:
    """``--port``: 1-65535 (0, "any free port", would leave the URL unknown)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (allowed: 1 to 65535)")
    return port


def app_argv(args: argparse.Namespace) -> list[str]:
    """The app's command-line arguments for every tab, from the ``serve`` arguments."""
    argv = [args.preset] if args.preset else []
    for value in args.sets:
        argv += ["--set", value]
    for flag, takes_value in APP_OPTIONS:
        value = getattr(args, flag.removeprefix("--").replace("-", "_"))
        if takes_value and value is not None:
            argv += [flag, value]
        elif not takes_value and value:
            argv.append(flag)
    if not args.low_bandwidth:  # many apps on one server's cores: half the redraws
        argv.append("--shared-server")
    return argv


def app_command(argv: list[str]) -> str:
    """The shell command textual-serve runs per tab: this interpreter running the CLI module
    (not an ``nnterm`` script that may be another install), each argument shell-quoted."""
    return shlex.join([sys.executable, "-m", "nnterm.app.cli", *argv])


def check_app_argv(argv: list[str]) -> str:
    """Check the app's arguments as the app would, before any tab starts one; returns the
    page title (the preset's). Raises ``PresetError`` or ``ServeError``."""
    from textual.theme import BUILTIN_THEMES

    from nnterm.engine.preset_format.loader import load_preset

    try:  # the types of --seed, --fps, --speed (said as serve's errors, not the app's)
        args = build_app_parser(exit_on_error=False).parse_args(argv)
    except argparse.ArgumentError as err:
        raise ServeError(str(err)) from None
    if not 0 < args.fps < float("inf"):
        raise PresetError(f"{args.fps:g} is not allowed", key="--fps", allowed="a number > 0")
    if args.theme is not None and args.theme not in BUILTIN_THEMES:
        raise PresetError(f"{args.theme!r} is not a theme", key="--theme",
                          allowed=", ".join(sorted(BUILTIN_THEMES)))
    if args.preset is None:
        if args.sets or args.seed is not None:
            raise PresetError("needs a PRESET", key="--set/--seed")
        return "nnterm"
    preset = load_preset(args.preset, args.sets)
    if args.lesson and not preset.steps:
        raise PresetError(f"the preset {preset.name} has no guided steps", key="--lesson",
                          allowed="a preset with steps: (e.g. xor, dead_relu)")
    return f"nnterm: {preset.title}"


def answers_folder(path: str) -> Path:
    """``--answers DIR``: made if need be; ServeError if it cannot be, or is a file."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ServeError(f"--answers: {path!r} is not a directory that can be made or "
                         f"used: {err.strerror} (allowed: a directory)") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ServeError(f"--answers: {path!r} cannot be written (allowed: a directory "
                         "you may write in)")
    return folder


def is_loopback(host: str) -> bool:
    """Whether ``host`` only ever means this machine: every address it resolves to is a
    loopback one (127.0.0.0/8, ::1). ``0.0.0.0``, ``::`` and a LAN address are not."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ServeError(f"--host: {host!r} is not an address or a known host name "
                         f"(allowed: e.g. {DEFAULT_HOST}, 0.0.0.0, a host name)") from None
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def public_warning(host: str, port: int) -> str:
    """What serving beyond this machine means, and how to keep it to oneself."""
    return (f"warning: listening on {host}:{port}, reachable from other machines. Anyone who "
            "can reach this port can open nnterm: no shell, but every tab trains in its own "
            "processes and uses CPU. To keep it private, serve on 127.0.0.1 (the default) and "
            f"forward the port over SSH from your own machine: "
            f"ssh -L {port}:localhost:{port} THIS_SERVER, then open http://localhost:{port}")


def check_port_free(host: str, port: int) -> None:
    """Bind the port once, as the server will, so that a busy port is a clear error before
    the server prints its banner."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
        try:
            probe.bind((host, port))
        except OSError as err:
            raise ServeError(port_problem(host, port, err)) from None


def port_problem(host: str, port: int, err: OSError) -> str:
    if err.errno == errno.EADDRINUSE:
        return (f"--port: port {port} on {host} is in use by another program "
                f"(allowed: a free port, e.g. --port {port + 1 if port < 65535 else 8000})")
    if err.errno == errno.EACCES:
        return f"--port: port {port} needs administrator rights (allowed: 1024 to 65535)"
    return f"--host/--port: cannot listen on {host}:{port}: {err.strerror}"


def urls(host: str, port: int) -> list[str]:
    """The URLs to print: the host as given, or for a wildcard (0.0.0.0, ::) this machine's
    name and its loopback address, which a browser can open (0.0.0.0 is not an address to
    connect to)."""
    if host in ("0.0.0.0", "::"):
        return [f"http://{socket.gethostname()}:{port}", f"http://localhost:{port}"]
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}"]


def check_teachers_terminal() -> None:
    """``--watch``: the teacher's app runs in the server's terminal; ServeError if there
    is none (the server started from a script, a pipe)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ServeError("--watch: the teacher's app runs in this terminal, and this is none "
                         "(allowed: run it in a terminal)")


#: How ``serve --watch`` serves once everything is checked: ``(args, argv, title, urls)``
#: to the exit status (``watch_web.serve_watched``).
Watched = Callable[[argparse.Namespace, list[str], str, list[str]], int]


def check_serving(args: argparse.Namespace, argv: list[str], port: int) -> tuple[str, bool]:
    """What either server checks before it starts (over HTTP or SSH): the answers folder,
    the teacher's terminal (``--watch``), the app's arguments, the host and the port.
    Returns the title and whether the host is this machine only; raises ``PresetError``
    or ``ServeError``."""
    if args.answers is not None:
        answers_folder(args.answers)
    if args.watch:
        check_teachers_terminal()
    title = check_app_argv(argv)
    local = is_loopback(args.host)
    check_port_free(args.host, port)
    return title, local


def serve_command(args: argparse.Namespace, watched: Watched | None = None) -> int:
    """Check everything, then serve a tab's own app to every tab, or (``watched``, for
    ``--watch``) the teacher's."""
    argv = app_argv(args)
    args.port = args.port or DEFAULT_PORT
    try:
        title, local = check_serving(args, argv, args.port)
    except (PresetError, ServeError) as err:
        print(f"nnterm: error: {err}", file=sys.stderr)
        return 2
    from nnterm.app.web_server import NntermServer

    if not local:
        print(public_warning(args.host, args.port), file=sys.stderr)
    if watched is not None:
        return watched(args, argv, title, urls(args.host, args.port))
    server = NntermServer(app_command(argv), host=args.host, port=args.port, title=title,
                          public_url=args.public_url, urls=urls(args.host, args.port))
    try:
        server.serve()
    except OSError as err:  # the port was taken between the check and the server's bind
        print(f"nnterm: error: {port_problem(args.host, args.port, err)}", file=sys.stderr)
        return 2
    return 0
