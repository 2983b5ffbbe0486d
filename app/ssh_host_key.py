"""The SSH server's host key: made once, kept, so that students see the same fingerprint
every class (a new one each time would teach them to accept any).

It is an Ed25519 key in nnterm's data folder (``$XDG_DATA_HOME/nnterm``, default
``~/.local/share/nnterm``), readable by its owner alone (0600), as OpenSSH keeps its own.
A key file others may read is refused, as ``sshd`` refuses one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nnterm.app.file_actions import data_dir
from nnterm.app.serve import ServeError
from nnterm.app.ssh_lib import asyncssh

HOST_KEY_NAME = "ssh_host_ed25519_key"


def host_key_path() -> Path:
    return data_dir() / HOST_KEY_NAME


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The key at ``path``, made there first (mode 0600) if there is none."""
    try:
        return _create(path)
    except FileExistsError:
        return _load(path)
    except OSError as err:
        raise ServeError(f"the host key {str(path)!r} cannot be made: {err.strerror} "
                         "(allowed: a data folder you may write in, XDG_DATA_HOME)") from None


def _create(path: Path) -> asyncssh.SSHKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="nnterm serve --ssh")
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.export_private_key())
    return key


def _load(path: Path) -> asyncssh.SSHKey:
    try:
        mode = path.stat().st_mode
        if stat.S_IMODE(mode) & 0o077:
            raise ServeError(f"the host key {str(path)!r} may be read by others "
                             f"(allowed: a key only you may read: chmod 600 {path})")
        return asyncssh.read_private_key(path)
    except (OSError, asyncssh.KeyImportError) as err:
        reason = err.strerror if isinstance(err, OSError) else str(err)
        raise ServeError(f"the host key {str(path)!r} cannot be read: {reason} (allowed: "
                         "an OpenSSH private key; delete the file and a new one is made)"
                         ) from None


def fingerprint(key: asyncssh.SSHKey) -> str:
    """What ``ssh`` shows a student on first contact: ``SHA256:...``."""
    return key.get_fingerprint("sha256")
