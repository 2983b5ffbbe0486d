"""``nnterm serve [PRESET] --ssh``: the app over SSH, one app (and engine) per session, no
accounts. A student types ``ssh -p 2222 HOST`` (or ``ssh -t -p 2222 HOST dead_relu``).

As for the browser, everything is checked before the server starts (the preset, the
app's options, the port, who may get in, the host key): a mistake is one line and exit
status 2. Beyond this machine (an address that is not loopback) the server does not start
without a way to tell the class from everyone else: ``--password`` (or the
``NNTERM_SSH_PASSWORD`` variable, which ``ps`` does not show) or ``--authorized-keys``.

The banner says where students connect, the host key's fingerprint (to read to the class,
so that they can check what ``ssh`` shows them), who gets in and the limits. Ctrl+C (or
SIGTERM) ends every session's app (each student told so), then the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys

from nnterm.app.serve import (
    ServeError,
    app_argv,
    check_serving,
    port_problem,
    serve_command,
)
from nnterm.app.ssh_host_key import fingerprint, host_key_path, load_or_create_host_key
from nnterm.app.ssh_lib import asyncssh
from nnterm.app.ssh_options import (
    IDLE_MINUTES,
    MAX_SESSIONS,
    PASSWORD_VARIABLE,
    PER_ADDRESS,
    SSH_OPTIONS,
    SSH_PORT,
)
from nnterm.app.ssh_server import Access, Classroom, Limits, start_server
from nnterm.engine.nn.compiled import COMPILED_VARIABLE
from nnterm.engine.preset_format.loader import PresetError


def serve_either(args: argparse.Namespace) -> int:
    """``nnterm serve``: over SSH with ``--ssh``, else in the browser (``serve``); the
    class watching the teacher's app with ``--watch`` (``watch_ssh``, ``watch_web``).

    The apps it starts step with NumPy only (``NNTERM_COMPILED=0``, unless set): the
    compiled step (``engine/nn/compiled``) would add some 160 MB to every student's
    engine process at full speed, and a class shares one server's memory."""
    os.environ.setdefault(COMPILED_VARIABLE, "0")
    if args.ssh:
        return ssh_serve_command(args, app_argv(args))
    for flag, name in SSH_OPTIONS:
        if getattr(args, name) is not None:
            print(f"nnterm: error: {flag} needs --ssh", file=sys.stderr)
            return 2
    if args.watch:
        from nnterm.app.watch_web import serve_watched

        return serve_command(args, serve_watched)
    return serve_command(args)


def access_from(args: argparse.Namespace, local: bool) -> Access:
    """Who gets in; ServeError if the server would be open beyond this machine."""
    password = args.password if args.password is not None else os.environ.get(
        PASSWORD_VARIABLE)
    if password == "":
        raise ServeError(f"--password/{PASSWORD_VARIABLE}: the password is empty "
                         "(allowed: a word students type)")
    keys = args.authorized_keys
    if keys is not None:
        try:
            asyncssh.read_authorized_keys(keys)
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) else str(err)
            raise ServeError(f"--authorized-keys: {keys!r} cannot be read: {reason} "
                             "(allowed: an OpenSSH authorized_keys file)") from None
    access = Access(password=password, authorized_keys=keys)
    if access.open and not local:
        raise ServeError(f"--host {args.host} reaches other machines: give the class a "
                         f"password ({PASSWORD_VARIABLE}=... or --password) or "
                         "--authorized-keys FILE (allowed without either: 127.0.0.1)")
    return access


def connect_host(host: str) -> str:
    """The host name students type: this machine's name for a wildcard address,
    ``localhost`` for a loopback one."""
    if host in ("0.0.0.0", "::"):
        return socket.gethostname()
    if host.startswith("127.") or host == "::1":
        return "localhost"
    return host


def banner(title: str, host: str, port: int, key: asyncssh.SSHKey, access: Access,
           limits: Limits) -> list[str]:
    where = connect_host(host)
    return [
        f"nnterm: serving {title!r} over SSH on {host}:{port}; students type: ssh -p {port} "
        f"{where} (or ssh -t -p {port} {where} PRESET); Ctrl+C stops the server and every app",
        f"nnterm: host key {fingerprint(key)} (kept in {host_key_path()}): read it to the "
        "class, it is what ssh asks them to accept",
        f"nnterm: who gets in: {access.describe()}",
        f"nnterm: limits: {limits.max_sessions} sessions, {limits.per_address} per address, "
        f"{limits.idle_seconds / 60:g} min without a key",
    ]


def ssh_serve_command(args: argparse.Namespace, argv: list[str]) -> int:
    """Serve ``argv`` (the app's arguments, ``serve.app_argv``) over SSH."""
    port = args.port or SSH_PORT
    try:
        title, local = check_serving(args, argv, port)
        access = access_from(args, local)
        key = load_or_create_host_key(host_key_path())
    except (PresetError, ServeError) as err:
        print(f"nnterm: error: {err}", file=sys.stderr)
        return 2
    limits = Limits(max_sessions=args.max_sessions or MAX_SESSIONS,
                    per_address=args.per_address or PER_ADDRESS,
                    idle_seconds=(args.idle_timeout or IDLE_MINUTES) * 60)
    options = argv[1:] if args.preset else argv
    classroom = Classroom(args.preset, options, limits, access)
    lines = banner(title, args.host, port, key, access, limits)
    if args.watch:  # (one app, the teacher's, watched by every session)
        from nnterm.app.watch_ssh import serve_watching

        main = serve_watching(argv, classroom, args.host, port, key, lines)
    else:
        main = serve(classroom, args.host, port, key, lines)
    try:
        asyncio.run(main)
    except OSError as err:  # the port was taken between the check and the server's bind
        print(f"nnterm: error: {port_problem(args.host, port, err)}", file=sys.stderr)
        return 2
    return 0


async def serve(classroom: Classroom, host: str, port: int, key: asyncssh.SSHKey,
                lines: list[str]) -> None:
    """Serve until SIGINT or SIGTERM; then end every app, then the server."""
    server = await start_server(classroom, host, port, key)
    print("\n".join(lines), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()  # no new connections
    await classroom.stop("nnterm: the server stopped (the teacher ended the class)")
    await server.wait_closed()
