"""Test-wide settings."""

import nnterm.app.single_thread_blas  # noqa: F401  (one BLAS thread, as the CLI runs)
