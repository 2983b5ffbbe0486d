"""``nnterm serve``'s options for ``--ssh``, and their defaults: read by every ``nnterm``
command line, so nothing heavy is imported here (asyncssh loads only for ``--ssh``)."""

from __future__ import annotations

import argparse
import os

#: Sessions a core holds training at a lesson's pace with keys answered within 200 ms
#: (``benchmarks/serve_load.py --ssh``: two cores held thirty students on xor, p90 33 ms,
#: and not forty; a heavier lesson such as activations costs twice xor's CPU).
SESSIONS_PER_CORE = 15
#: Sessions at once, in all (``--max-sessions``): what this machine's cores hold.
MAX_SESSIONS = SESSIONS_PER_CORE * (os.cpu_count() or 1)
#: Sessions at once from one client address (``--per-address``).
PER_ADDRESS = 4
#: Minutes without a key before a session ends (``--idle-timeout``).
IDLE_MINUTES = 30.0
SSH_PORT = 2222
PASSWORD_VARIABLE = "NNTERM_SSH_PASSWORD"
#: The options that only mean something with --ssh, as (flag, attribute).
SSH_OPTIONS = (("--password", "password"), ("--authorized-keys", "authorized_keys"),
               ("--max-sessions", "max_sessions"), ("--per-address", "per_address"),
               ("--idle-timeout", "idle_timeout"))


def add_ssh_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("over SSH (--ssh)")
    group.add_argument("--ssh", action="store_true",
                       help=f"serve over SSH instead of HTTP (default port {SSH_PORT}): "
                       f"students type ssh -p {SSH_PORT} HOST, or ssh -t -p {SSH_PORT} HOST "
                       "PRESET")
    group.add_argument("--password", metavar="WORD",
                       help=f"the class password (better: set {PASSWORD_VARIABLE}, which "
                       "ps does not show); needed beyond 127.0.0.1 unless --authorized-keys")
    group.add_argument("--authorized-keys", metavar="FILE",
                       help="let in the keys of this OpenSSH authorized_keys file")
    group.add_argument("--max-sessions", type=count, metavar="N",
                       help=f"apps at once, in all (default {MAX_SESSIONS})")
    group.add_argument("--per-address", type=count, metavar="N",
                       help=f"apps at once from one client address (default {PER_ADDRESS})")
    group.add_argument("--idle-timeout", type=minutes, metavar="MINUTES",
                       help=f"end a session after this long without a key (default "
                       f"{IDLE_MINUTES:g})")


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count (allowed: 1 or more)")
    return value


def minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes "
                                         "(allowed: a number > 0)")
    return value


