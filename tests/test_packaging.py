"""House rules about packaging and imports."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = {"app": "nnterm.app", "engine": "nnterm.engine", "presets": "nnterm.presets"}


def python_files() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if not any(part in {".venv", "build", ".git"} for part in p.relative_to(ROOT).parts)
    ]


def test_importing_the_engine_leaves_textual_out():
    code = "import sys, nnterm.engine; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_bare_imports_of_the_source_folders():
    bare = re.compile(r"^\s*(from|import)\s+(app|engine|presets)(\.|\s|$)", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in python_files() if bare.search(p.read_text())]
    assert offenders == []


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for folder, package in SOURCE_DIRS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *rel)))
    assert found == listed
    assert config["package-dir"] == {v: k for k, v in SOURCE_DIRS.items()}


def test_the_command_line_reports_its_version():
    out = subprocess.run(
        [sys.executable, "-m", "nnterm.app.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert re.fullmatch(r"nnterm \d+\.\d+\.\d+\S*", out.stdout.strip())


def make_dry_run(target: str) -> str:
    """What ``make TARGET`` would run on a fresh clone (every recipe on the way)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "--dry-run", "--always-make", "-C", str(ROOT), target],
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_make_run_installs_the_app_alone_and_make_test_adds_the_test_tools():
    run = make_dry_run("run")
    assert "pip install --quiet -e .\n" in run and "[test]" not in run
    assert "pip install --quiet -e '.[test]'" in make_dry_run("test")


def test_make_test_runs_ruff_then_mypy_then_pytest():
    lines = make_dry_run("test").splitlines()
    order = [next(i for i, line in enumerate(lines) if tool in line)
             for tool in ("ruff check", "/mypy", "pytest")]
    assert order == sorted(order)


def test_mypy_sees_each_source_folder_under_its_package_name():
    """mypy has no package-dir: .mypy-path/nnterm/ links each folder as its package."""
    links = ROOT / ".mypy-path" / "nnterm"
    names = {package.removeprefix("nnterm.") for package in SOURCE_DIRS.values()}
    assert {p.name for p in links.iterdir()} == names
    for folder, package in SOURCE_DIRS.items():
        link = links / package.removeprefix("nnterm.")
        assert link.is_symlink() and link.resolve() == ROOT / folder


def test_the_ci_script_names_make_targets_that_exist():
    script = (ROOT / ".ci" / "run").read_text()
    targets = re.findall(r"^make (\S+)", script, re.MULTILINE)
    assert targets == [".venv/.installed", "test"]
    for target in targets:
        make_dry_run(target)  # (fails if make knows no such target)


def test_the_license_is_an_spdx_expression_for_a_setuptools_that_reads_it():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"  # a table is deprecated (and warned of)
    setuptools = next(r for r in pyproject["build-system"]["requires"]
                      if r.startswith("setuptools"))
    low = re.fullmatch(r"setuptools>=(\d+)", setuptools)
    assert low and int(low.group(1)) >= 77  # the first to read license as SPDX


def test_the_command_leaves_nothing_for_the_interpreter_s_exit_to_collect():
    """The ``nnterm`` script runs ``console_main``: every object the command made is
    frozen when it returns, however it ends (``--version`` ends in SystemExit), so the
    interpreter's last collections skip them."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"nnterm": "nnterm.app.cli:console_main"}
    code = ("import gc, sys\n"
            "from nnterm.app.cli import console_main\n"
            "sys.argv = ['nnterm', '--version']\n"
            "try:\n    console_main()\nexcept SystemExit:\n    pass\n"
            "print(gc.get_freeze_count() > 1000, gc.get_count()[0] < 100)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split()[-2:] == ["True", "True"]
