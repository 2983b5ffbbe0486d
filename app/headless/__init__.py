"""The headless commands: ``nnterm list``, ``nnterm run`` and ``nnterm check``."""
