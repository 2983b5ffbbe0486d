"""Imports go one way. The engine's rooms import only downwards: nn, data and process at
the bottom, then training, preset_format and export (beside each other), experiments,
claims, live (see ``nnterm/engine/__init__.py``); nothing in the engine imports the app.
In the app, widgets import widgets (and the engine), never the app's logic, which passes
in what they need; and no app module imports one that imports it back, however far
round."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"
APP = ENGINE.parent / "app"

# A room may import its own modules and any room of a lower level; nn, data and process
# share the bottom level and so may not import each other.
ROOM_LEVEL = {"nn": 0, "data": 0, "process": 0, "training": 1, "preset_format": 2, "export": 2,
              "experiments": 3, "claims": 4, "live": 5}


def imported_modules(path: Path, package: str) -> list[str]:
    """Every absolute module name that ``path`` (a module of ``package``) imports."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = from_module(node, package)
            names.append(module)
            if module == "nnterm.engine":  # `from nnterm.engine import live` imports a room
                names += [f"{module}.{a.name}" for a in node.names if a.name in ROOM_LEVEL]
    return names


def from_module(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` in ``package`` names, absolute."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


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
    _plant(tmp_path, "training/trainer.py", "from ..preset_format import preset\n")
    _plant(tmp_path, "claims/check.py", "from nnterm.engine import MLP\n")
    engine = _plant(tmp_path, "live/session.py", "import nnterm.app.app\n")
    assert import_violations(engine) == [
        "claims/check.py: claims may not import nnterm.engine",
        "data/plane.py: data may not import nnterm.engine.nn",
        "live/session.py: imports the app (nnterm.app.app)",
        "training/trainer.py: training may not import nnterm.engine.preset_format",
    ]


def test_the_format_is_below_the_runs_which_are_below_the_claims(tmp_path):
    _plant(tmp_path, "preset_format/saving.py", "from ..experiments import experiment\n")
    _plant(tmp_path, "experiments/pool.py", "from nnterm.engine.claims.check import check_claim\n")
    _plant(tmp_path, "claims/live.py", "from nnterm.engine.live.run_set import RunSet\n")
    engine = _plant(tmp_path, "process/parent_watch.py", "from ..data import Dataset\n")
    assert import_violations(engine) == [
        "claims/live.py: claims may not import nnterm.engine.live.run_set",
        "experiments/pool.py: experiments may not import nnterm.engine.claims.check",
        "preset_format/saving.py: preset_format may not import nnterm.engine.experiments",
        "process/parent_watch.py: process may not import nnterm.engine.data",
    ]


def test_importing_a_room_through_the_face_is_caught(tmp_path):
    engine = _plant(tmp_path, "nn/losses.py", "from nnterm.engine import live\n")
    assert import_violations(engine) == [
        "nn/losses.py: nn may not import nnterm.engine",
        "nn/losses.py: nn may not import nnterm.engine.live",
    ]


def test_downward_and_same_room_imports_are_allowed(tmp_path):
    _plant(tmp_path, "live/session.py", "from nnterm.engine.preset_format.preset import Preset\n")
    _plant(tmp_path, "claims/check.py", "from nnterm.engine.experiments.experiment import Run\n")
    _plant(tmp_path, "experiments/pool.py", "from ..process.parent_watch import end_with_parent\n")
    engine = _plant(tmp_path, "training/trainer.py", "from . import config\n")
    assert import_violations(engine) == []


def test_the_readme_layout_names_every_module_of_every_room():
    readme = (ENGINE.parent / "README.md").read_text()
    layout = readme[readme.index("## How the code is laid out"):readme.index("## Development")]
    for room in ROOM_LEVEL.keys() - {"data"}:  # data's row names its job, not its modules
        row = next(line for line in layout.splitlines() if line.startswith(f"| `engine/{room}/`"))
        modules = {p.stem for p in (ENGINE / room).glob("*.py")} - {"__init__"}
        assert {m for m in modules if f"`{m}`" not in row} == set(), room


# ----------------------------------------------------------------------------- the app


def app_imports(app_dir: Path) -> dict[str, set[str]]:
    """Each module of the app (``nnterm.app...``) and the app modules it imports, at its
    top or inside a function (``from nnterm.app import keys`` imports ``nnterm.app.keys``)."""
    def module_of(path: Path) -> str:
        parts = path.relative_to(app_dir).with_suffix("").parts
        return ".".join(("nnterm", "app", *(parts[:-1] if parts[-1] == "__init__" else parts)))

    modules = {module_of(path): path for path in sorted(app_dir.rglob("*.py"))}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = from_module(node, package)
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                          for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def widget_violations(app_dir: Path) -> list[str]:
    """One line per widget module importing the app outside its widgets."""
    return [f"{module} imports {target}"
            for module, targets in sorted(app_imports(app_dir).items())
            if module.startswith("nnterm.app.widgets")
            for target in sorted(targets) if not target.startswith("nnterm.app.widgets")]


def import_cycles(app_dir: Path) -> list[str]:
    """Every circle of imports among the app's modules, as ``a -> b -> a`` (each once,
    from its smallest module name)."""
    graph = app_imports(app_dir)
    cycles = set()

    def walk(path: list[str]) -> None:
        for target in sorted(graph[path[-1]]):
            if target == path[0]:
                cycles.add(" -> ".join((*path, target)))
            elif target not in path and target > path[0]:
                walk([*path, target])

    for start in sorted(graph):
        walk([start])
    return sorted(cycles)


def test_widgets_import_no_app_logic():
    assert widget_violations(APP) == []


def test_no_app_module_imports_itself_round_a_circle():
    assert import_cycles(APP) == []


def _plant_app(tmp_path: Path, files: dict[str, str]) -> Path:
    for relpath, source in files.items():
        path = tmp_path / "app" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path / "app"


def test_a_widget_importing_app_logic_is_caught(tmp_path):
    app = _plant_app(tmp_path, {
        "__init__.py": "", "controls.py": "", "widgets/__init__.py": "",
        "widgets/_common.py": "",
        "widgets/status_line.py": "from nnterm.app.controls import optimizer_label\n"
                                  "from nnterm.app.widgets._common import fmt_num\n",
        "widgets/step_panel.py": "from nnterm.app import controls\n",
        "widgets/plot.py": "def f():\n    from .. import controls\n",
    })
    assert widget_violations(app) == [
        "nnterm.app.widgets.plot imports nnterm.app.controls",
        "nnterm.app.widgets.status_line imports nnterm.app.controls",
        "nnterm.app.widgets.step_panel imports nnterm.app.controls",
    ]


def test_a_circle_of_imports_is_caught_even_inside_a_function(tmp_path):
    app = _plant_app(tmp_path, {
        "__init__.py": "", "redraw.py": "",
        "cli.py": "from nnterm.app.serve import add_serve_arguments\n",
        "serve.py": "from nnterm.app import redraw\n"
                    "def check():\n    from nnterm.app.cli import build_app_parser\n",
    })
    assert import_cycles(app) == ["nnterm.app.cli -> nnterm.app.serve -> nnterm.app.cli"]
