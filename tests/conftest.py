"""Test-wide settings.

Tests run in parallel (pytest-xdist, ``make test``). Those marked ``serial`` start
servers, signal processes or fill the machine with workers; they go to one group, which
one worker runs one test at a time (``--dist loadgroup``), so they never meet each other.

The suite never reads or writes the user's own folders: a preset someone saved with ``S``
in ``~/.config/nnterm/presets`` would join every list of presets the tests go through,
and a screenshot would land among theirs. Each test process gets a home of its own.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# NumPy's step in every test and every process a test starts (``compiled.COMPILED_VARIABLE``,
# read when that module is imported, so set before anything of nnterm): the compiled step
# gives the same bits, and a run planned long would load it, or in a fresh checkout compile
# it (11 s of a core), in every process. tests/test_compiled_step.py switches it on itself.
os.environ["NNTERM_COMPILED"] = "0"

import nnterm.app.single_thread_blas  # noqa: E402, F401  (one BLAS thread, as the CLI runs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))


#: Each test process's own home (``pytest_configure``).
TEST_HOME = Path(tempfile.mkdtemp(prefix="nnterm-test-home-"))


def pytest_configure(config: pytest.Config) -> None:
    os.environ["HOME"] = str(TEST_HOME)
    os.environ["XDG_CONFIG_HOME"] = str(TEST_HOME / ".config")
    os.environ["XDG_DATA_HOME"] = str(TEST_HOME / ".local" / "share")
    os.environ.pop("XDG_PICTURES_DIR", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(TEST_HOME, ignore_errors=True)


@pytest.fixture
def table(tmp_path) -> Path:
    """``data.csv`` in the test's folder: two classes of points (the csv tests)."""
    from csv_tables import two_class_rows, write_table  # (NumPy after the BLAS setting)

    return write_table(tmp_path / "data.csv", ["x", "y", "label"], two_class_rows())
