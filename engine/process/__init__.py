"""Helpers for the processes the engine starts: the engine process of a live session and
the worker processes of a sweep's pool.

Where to look: ``parent_watch`` (a child process ends as soon as its parent is gone).

Imports: nothing of ours (the bottom level, beside ``nn`` and ``data``).
"""
