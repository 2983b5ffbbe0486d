"""Which diagnosis explains which: a run names its root causes and folds the consequences
under them.

A dead layer passes no gradient back, so below it the gradient vanishes, the loss stays
flat and the model stalls near chance: a run that shows dead_relu, vanishing_gradients,
flat_loss and underfitting has one problem, not four. ``EXPLAINS`` lists these links:

- symmetric_units explains flat_loss and underfitting: identical units act as one (too
  small a model), and units stuck at 0 pass no gradient back;
- loss_rising explains nan, dead_relu and underfitting: an exploding loss overflows, and
  its outsized steps push ReLUs below zero for good and leave the loss high;
- dead_relu explains vanishing_gradients, flat_loss and underfitting: a dead unit's
  gradient is exactly 0, so nothing below a dead layer learns;
- vanishing_gradients explains flat_loss and underfitting: layers that get no gradient
  do not learn;
- flat_loss explains underfitting: a loss that never moved stalls where it began.

A cause must have begun no later than its consequence (each diagnosis's ``since``: the
step from which its symptom held): a layer that died at step 50 does not explain a loss
that was flat, with a tiny gradient, from step 0 (too small an init explains both). Of
several causes, the one that began first explains; a cause that is itself explained
passes its consequences on to its own root, so every consequence names a root cause.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

EXPLAINS: dict[str, tuple[str, ...]] = {
    "symmetric_units": ("flat_loss", "underfitting"),
    "loss_rising": ("nan", "dead_relu", "underfitting"),
    "dead_relu": ("vanishing_gradients", "flat_loss", "underfitting"),
    "vanishing_gradients": ("flat_loss", "underfitting"),
    "flat_loss": ("underfitting",),
}


class Named(Protocol):
    """A diagnosis as this module reads it (``diagnostics.Diagnosis``, frozen: so the
    attributes are read-only properties here)."""

    @property
    def name(self) -> str: ...

    @property
    def cause(self) -> str:
        """The root cause it is folded under; "" for a root cause."""
        ...


def root_cause(name: str, since: int, seen: Sequence[tuple[Named, int]]) -> str:
    """The root cause that explains diagnosis ``name``, which has held since step
    ``since``, among ``seen`` ((diagnosis, since) pairs in the order seen): the root of
    the first-begun one that explains it and began no later; "" if none does."""
    causes = [(began, i) for i, (d, began) in enumerate(seen)
              if name in EXPLAINS.get(d.name, ()) and began <= since]
    if not causes:
        return ""
    cause = seen[min(causes)[1]][0]
    return cause.cause or cause.name


def folded(diagnoses: Sequence[Named]) -> tuple[str, ...]:
    """Each root cause in the order seen, with the diagnoses it explains:
    ``("dead_relu (→ vanishing_gradients, flat_loss)", "overfitting")``."""
    consequences: dict[str, list[str]] = {d.name: [] for d in diagnoses if not d.cause}
    for d in diagnoses:
        if d.cause:
            consequences[d.cause].append(d.name)
    return tuple(f"{root} (→ {', '.join(names)})" if names else root
                 for root, names in consequences.items())


def unexplained(diagnoses: Sequence[Named], named: Collection[str]) -> list[Named]:
    """The diagnoses that neither are in ``named`` (a lesson's words for a run) nor are
    folded under a root cause that is."""
    return [d for d in diagnoses if d.name not in named and d.cause not in named]
