"""``nnterm serve --ssh``'s server: who gets in, what a connection may ask for, and how many
apps run at once.

asyncssh speaks SSH; ``Gate`` is its per-connection ``SSHServer``. It lets in anyone when
no password and no keys were given (the command line allows that on a loopback address
only), else the class password (compared in constant time) or a key of the authorized
keys file. It refuses, at the protocol level, every forwarding: TCP (``ssh -L``, ``-D``)
and Unix sockets with a reason the client prints, remote listeners (``ssh -R``) with the
bare refusal the protocol allows. The server's options switch off agent and X11
forwarding, SFTP and SCP, and asyncssh's line editor (the app gets raw keys).

``Classroom`` holds what every session shares: the app's options, the limits (sessions in
all, sessions per client address, the idle timeout) and the sessions that run. A session
over a limit is refused in one line naming the limit.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass

from nnterm.app.serve import check_app_argv
from nnterm.app.ssh_lib import asyncssh
from nnterm.app.ssh_options import IDLE_MINUTES, MAX_SESSIONS, PER_ADDRESS
from nnterm.app.ssh_session import AppSession, Refused
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.finding import NAME

#: Seconds a connection has to authenticate.
LOGIN_SECONDS = 60.0
#: A client silent this long is asked whether it is there; after KEEPALIVE_MISSES
#: unanswered asks (a closed laptop, a lost network) its connection, and app, end.
KEEPALIVE_SECONDS = 5.0
KEEPALIVE_MISSES = 3

FORWARDING_REFUSED = "nnterm: no forwarding here: this server runs nnterm only"


@dataclass(frozen=True)
class Limits:
    max_sessions: int = MAX_SESSIONS
    per_address: int = PER_ADDRESS
    idle_seconds: float = IDLE_MINUTES * 60


@dataclass(frozen=True)
class Access:
    """Who gets in: anyone (neither given), the class ``password``, or the keys of the
    ``authorized_keys`` file (either, if both are given)."""

    password: str | None = None
    authorized_keys: str | None = None

    @property
    def open(self) -> bool:
        return self.password is None and self.authorized_keys is None

    def describe(self) -> str:
        ways = (["the class password"] if self.password is not None else []) + (
            [f"the keys in {self.authorized_keys}"] if self.authorized_keys else [])
        return " or ".join(ways) if ways else "anyone who can reach the port (no password)"


class Classroom:
    """The sessions of one server. ``options`` are the app's options for every session;
    ``preset`` the served one (None: the picker)."""

    def __init__(self, preset: str | None, options: list[str], limits: Limits,
                 access: Access) -> None:
        self.preset, self.options = preset, options
        self.limits, self.access = limits, access
        self.running: dict[AppSession, str] = {}  # admitted, not yet ended: its address
        self.sessions: set[AppSession] = set()  # every session channel open or ending
        self.connections: set[asyncssh.SSHServerConnection] = set()

    async def admit(self, session: AppSession) -> list[str]:
        """The app's arguments for ``session``, which now counts against the limits;
        ``Refused`` (with the line to say) if it may not run one."""
        argv = await self.argv_for(session)
        if len(self.running) >= self.limits.max_sessions:
            raise Refused(f"nnterm: the class is full: {len(self.running)} sessions run "
                          f"(the server's --max-sessions {self.limits.max_sessions}); try "
                          "again later")
        mine = sum(address == session.address for address in self.running.values())
        if mine >= self.limits.per_address:
            raise Refused(f"nnterm: {mine} sessions from your address run already (the "
                          f"server's --per-address {self.limits.per_address}); close one "
                          "to open another")
        self.running[session] = session.address
        return argv

    def new_session(self, address: str) -> AppSession:
        """A session channel's handler (``serve --watch`` makes watchers instead)."""
        return AppSession(self, address)

    def leave(self, session: AppSession) -> None:
        self.running.pop(session, None)

    @property
    def idle_seconds(self) -> float:
        return self.limits.idle_seconds

    async def argv_for(self, session: AppSession) -> list[str]:
        """The served preset for a shell; for an exec, the preset it names (checked as
        the served one was at start). ``Refused`` for anything else, or no terminal."""
        if session.refusal is not None:
            raise Refused(session.refusal)
        command = session.command
        if command is not None and not NAME.match(command):
            raise Refused(f"nnterm: {command!r} is not a preset name: this server runs "
                          "nnterm only (ssh -t HOST PRESET opens a preset, e.g. dead_relu)")
        if not session.has_terminal:
            how = ("add -t: ssh -t HOST PRESET" if command is not None
                   else "connect without -T")
            raise Refused(f"nnterm: no terminal: nnterm needs one ({how})")
        if command is None:
            return [*([self.preset] if self.preset else []), *self.options]
        argv = [command, *self.options]
        try:
            await asyncio.to_thread(check_app_argv, argv)
        except PresetError as err:
            raise Refused(f"nnterm: error: {err}") from None
        return argv

    async def stop(self, line: str) -> None:
        """End every app (each client told ``line``), then every connection."""
        for session in list(self.sessions):
            session.end(line)
        await asyncio.gather(*(session.finished() for session in list(self.sessions)),
                             return_exceptions=True)
        for conn in list(self.connections):
            conn.close()
        await asyncio.gather(*(conn.wait_closed() for conn in list(self.connections)))


class Gate(asyncssh.SSHServer):
    """One connection: authentication, and what it may open (a session, nothing else)."""

    def __init__(self, classroom: Classroom) -> None:
        self.classroom = classroom
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.address = str((conn.get_extra_info("peername") or ("?",))[0])
        self.classroom.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.classroom.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return not self.classroom.access.open  # (False: in without a word)

    def password_auth_supported(self) -> bool:
        return self.classroom.access.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        expected = self.classroom.access.password
        return expected is not None and hmac.compare_digest(password.encode(),
                                                            expected.encode())

    def session_requested(self) -> AppSession:
        return self.classroom.new_session(self.address)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str,
                             orig_port: int) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                        FORWARDING_REFUSED)

    def unix_connection_requested(self, dest_path: str) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                        FORWARDING_REFUSED)

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        return False


async def start_server(classroom: Classroom, host: str, port: int,
                       host_key: asyncssh.SSHKey) -> asyncssh.SSHAcceptor:
    """Listen on ``host:port`` with the options that allow a PTY session and nothing else."""
    return await asyncssh.create_server(
        lambda: Gate(classroom), host, port,
        server_host_keys=[host_key], server_version="nnterm",
        authorized_client_keys=classroom.access.authorized_keys or (),
        allow_pty=True, line_editor=False, encoding=None,
        agent_forwarding=False, x11_forwarding=False, sftp_factory=None, allow_scp=False,
        gss_host=None, rdns_lookup=False, kbdint_auth=False,
        login_timeout=LOGIN_SECONDS, keepalive_interval=KEEPALIVE_SECONDS,
        keepalive_count_max=KEEPALIVE_MISSES)
