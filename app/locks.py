"""A teacher's locks: the controls (``preset_format.preset.LOCKABLE``) a student cannot change.

``--lock lr,optimizer`` and a preset's ``lock:`` name controls; each covers the app's
actions in ``LOCK_ACTIONS`` (``architecture``: the architecture panel's edits, and the
network view's features and typed weights; ``draw``: the keys and clicks that draw
points on the data). A locked
key is hidden in the footer and marked in the help, is left out of the command
palette, and when pressed says "locked by the teacher" instead of acting.
"""

from __future__ import annotations

from textual.binding import Binding

from nnterm.app.keys import APP_BINDINGS, action_name
from nnterm.engine.preset_format.errors import PresetError, suggest
from nnterm.engine.preset_format.preset import LOCKABLE

#: The app's actions each control covers (``architecture`` is the panel's, not the app's).
LOCK_ACTIONS: dict[str, tuple[str, ...]] = {
    "pause": ("toggle_pause",), "step": ("step_once",), "reset": ("reset",),
    "reseed": ("reseed",), "lr": ("learning_rate",), "batch": ("batch_size",),
    "optimizer": ("optimizer",), "activation": ("activation",), "init": ("init",),
    "dropout": ("dropout",), "weight_decay": ("weight_decay",), "speed": ("speed",),
    "copy": ("duplicate_run",), "remove": ("remove_run",), "scope": ("scope",),
    "architecture": ("feature",), "picker": ("picker",),
    "save": ("save_preset", "export_torch"), "draw": ("draw",),
}
#: What a point drawn or erased with the mouse says when drawing is locked.
DRAWING_LOCKED = "locked by the teacher: drawing on the data"
#: What the architecture panel's keys are called in a notice.
ARCHITECTURE_KEYS = "the architecture panel's edits"
#: What an architecture edit says when the edits are locked.
EDITS_NOTICE = f"locked by the teacher: {ARCHITECTURE_KEYS}"


def control_keys(name: str) -> str:
    """The keys a control covers, as the help shows them: ``+ -`` for lr."""
    if name == "architecture":
        return "→ ← e I D A X, enter in the network view"
    actions = LOCK_ACTIONS[name]
    return " ".join(b.key_display or b.key for b in APP_BINDINGS
                    if action_name(b) in actions)


def parse_locks(text: str) -> tuple[str, ...]:
    """``--lock``: control names separated by commas (or spaces); PresetError names an
    unknown one and lists each control with its keys."""
    names = tuple(n for n in text.replace(",", " ").split() if n)
    for name in names:
        if name not in LOCKABLE:
            allowed = ", ".join(f"{n} ({control_keys(n)})" for n in LOCKABLE)
            raise PresetError(f"unknown control {name!r}{suggest(name, LOCKABLE)}",
                              key="--lock", value=name, allowed=allowed)
    return tuple(dict.fromkeys(names))


def locked_actions(locks: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """The app's action names the locked controls cover."""
    return frozenset(action for name in locks for action in LOCK_ACTIONS[name])


def marked_locked(binding: Binding, locked: frozenset[str]) -> Binding:
    """``binding`` with "(locked)" after its description if its action is locked."""
    if action_name(binding) not in locked:
        return binding
    return Binding(binding.key, binding.action, f"{binding.description} (locked)",
                   show=binding.show, key_display=binding.key_display, id=binding.id)


class TeacherLocks:
    """Which controls are locked now (``--lock``'s and the open preset's) and what a
    locked key says. The main view's ``check_action`` answers False for a locked
    action, so Textual hides its key in the footer and does not run it; the key then
    reaches the view's ``on_key``, which says ``notice``."""

    def __init__(self, cli_locks: tuple[str, ...] = ()) -> None:
        self.cli_locks = tuple(cli_locks)  # --lock
        self.set(())

    def set(self, preset_locks: tuple[str, ...]) -> None:
        """The locks of ``--lock`` and of the preset now open (whoever shows keys then
        refreshes its bindings)."""
        self.locks = tuple(dict.fromkeys((*self.cli_locks, *preset_locks)))
        self.locked = locked_actions(self.locks)  # the app actions they cover

    def notice(self, key: str) -> str | None:
        """What ``key`` says if its action is locked ("locked by the teacher: + (LR+)");
        None if it is not."""
        for binding in APP_BINDINGS:
            if action_name(binding) in self.locked and key in binding.key.split(","):
                return (f"locked by the teacher: {binding.key_display or binding.key} "
                        f"({binding.description})")
        return None

    @property
    def drawing_locked(self) -> bool:
        """Whether drawing on the data is locked (a click on the boundary too)."""
        return "draw" in self.locks

    @property
    def edits_locked(self) -> bool:
        """Whether the architecture panel's edits are locked (``EDITS_NOTICE`` says so)."""
        return "architecture" in self.locks
