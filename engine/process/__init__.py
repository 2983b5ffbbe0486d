"""Helpers for the processes the engine starts: the engine process of a live session and
the worker processes of a sweep's pool.

Where to look: ``parent_watch`` (a child process ends as soon as its parent is gone, a
pool's worker as soon as the pool's process is), ``worker_server`` (where a local pool's
workers are forked from: the command itself, or a fork server that has imported the
engine once), ``server_frozen`` (the server's last import).

Imports: nothing of ours (the bottom level, beside ``nn`` and ``data``).
"""
