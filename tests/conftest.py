"""Test-wide settings.

Tests run in parallel (pytest-xdist, ``make test``). Those marked ``serial`` start
servers, signal processes or fill the machine with workers; they go to one group, which
one worker runs one test at a time (``--dist loadgroup``), so they never meet each other.
"""

import pytest

import nnterm.app.single_thread_blas  # noqa: F401  (one BLAS thread, as the CLI runs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))
