"""The engine's rooms import only downwards: nn and data at the bottom, then training,
lessons, live (see ``nnterm/engine/__init__.py``). Nothing in the engine imports the app."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"

# A room may import its own modules and any room of a lower level; nn and data share the
# bottom level and so may not import each other.
ROOM_LEVEL = {"nn": 0, "data": 0, "training": 1, "lessons": 2, "live": 3}


def imported_modules(path: Path, package: str) -> list[str]:
    """Every absolute module name that ``path`` (a module of ``package``) imports."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.append(module)
            if module == "nnterm.engine":  # `from nnterm.engine import live` imports a room
                names += [f"{module}.{a.name}" for a in node.names if a.name in ROOM_LEVEL]
    return names


def room_of(module: str) -> str | None:
    """The room a ``nnterm.engine...`` module lives in; "" for the engine's face."""
    parts = module.split(".")
    if parts[:2] != ["nnterm", "engine"]:
        return None
    return parts[2] if len(parts) > 2 and parts[2] in ROOM_LEVEL else ""


def import_violations(engine_dir: Path) -> list[str]:
    """One line per import that points up, sideways, at the engine's face or at the app."""
    found = []
    for path in sorted(engine_dir.rglob("*.py")):
        rel = path.relative_to(engine_dir)
        room = rel.parts[0] if len(rel.parts) > 1 else ""
        if room and room not in ROOM_LEVEL:
            found.append(f"{rel}: room {room!r} has no level in ROOM_LEVEL")
            continue
        package = ".".join(("nnterm", "engine", *rel.parent.parts))
        for module in imported_modules(path, package):
            if module.split(".")[:2] == ["nnterm", "app"]:
                found.append(f"{rel}: imports the app ({module})")
                continue
            target = room_of(module)
            if target is None or not room or target == room:
                continue  # not ours, or the face (which may import every room), or own room
            if target == "" or ROOM_LEVEL[target] >= ROOM_LEVEL[room]:
                found.append(f"{rel}: {room} may not import {module}")
    return found


def test_every_room_imports_only_rooms_below_it():
    assert import_violations(ENGINE) == []


def test_every_room_is_a_package_with_a_docstring_saying_what_it_may_import():
    for room in ROOM_LEVEL:
        init = ENGINE / room / "__init__.py"
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring and "Imports:" in docstring, room


def test_the_engine_top_level_is_only_its_face():
    assert sorted(p.name for p in ENGINE.glob("*.py")) == ["__init__.py"]
    assert {p.name for p in ENGINE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(
        ROOM_LEVEL
    )


def _plant(tmp_path: Path, relpath: str, source: str) -> Path:
    path = tmp_path / "engine" / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return tmp_path / "engine"


def test_a_planted_upward_import_is_caught(tmp_path):
    engine = _plant(tmp_path, "nn/network.py", "from nnterm.engine.live.session import Session\n")
    assert import_violations(engine) == [
        "nn/network.py: nn may not import nnterm.engine.live.session"
    ]


def test_planted_sideways_relative_face_and_app_imports_are_caught(tmp_path):
    _plant(tmp_path, "data/plane.py", "def f():\n    from nnterm.engine.nn import network\n")
    _plant(tmp_path, "training/trainer.py", "from ..lessons import preset\n")
    _plant(tmp_path, "lessons/claims.py", "from nnterm.engine import MLP\n")
    engine = _plant(tmp_path, "live/session.py", "import nnterm.app.app\n")
    assert import_violations(engine) == [
        "data/plane.py: data may not import nnterm.engine.nn",
        "lessons/claims.py: lessons may not import nnterm.engine",
        "live/session.py: imports the app (nnterm.app.app)",
        "training/trainer.py: training may not import nnterm.engine.lessons",
    ]


def test_importing_a_room_through_the_face_is_caught(tmp_path):
    engine = _plant(tmp_path, "nn/losses.py", "from nnterm.engine import live\n")
    assert import_violations(engine) == [
        "nn/losses.py: nn may not import nnterm.engine",
        "nn/losses.py: nn may not import nnterm.engine.live",
    ]


def test_downward_and_same_room_imports_are_allowed(tmp_path):
    _plant(tmp_path, "live/session.py", "from nnterm.engine.lessons.preset import Preset\n")
    engine = _plant(tmp_path, "training/trainer.py", "from . import config\n")
    assert import_violations(engine) == []


def test_the_readme_layout_names_every_module_of_every_room():
    readme = (ENGINE.parent / "README.md").read_text()
    layout = readme[readme.index("## How the code is laid out"):readme.index("## Development")]
    for room in ROOM_LEVEL.keys() - {"data"}:  # data's row names its job, not its modules
        row = next(line for line in layout.splitlines() if line.startswith(f"| `engine/{room}/`"))
        modules = {p.stem for p in (ENGINE / room).glob("*.py")} - {"__init__"}
        assert {m for m in modules if f"`{m}`" not in row} == set(), room
