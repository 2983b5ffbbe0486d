"""QuietHeap: collections that walk only young objects, a full sweep now and then, none
while a key's effect is on its way."""

import gc
import weakref

import pytest

from nnterm.app.heap import QuietHeap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector frees it


@pytest.fixture(autouse=True)
def only_the_heap_collects():
    gc.disable()
    yield
    gc.enable()
    gc.unfreeze()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_tidy_freezes_what_survived_and_a_sweep_frees_frozen_cycles():
    clock = Clock()
    heap = QuietHeap(busy=lambda: False, clock=clock)
    node = Node()
    alive = weakref.ref(node)
    heap.tidy()  # node is alive: frozen with the rest
    assert gc.get_freeze_count() > 0
    del node
    clock.now += 1.0
    heap.tidy()  # a tidy walks only what is not frozen: the frozen cycle stays
    assert alive() is not None
    clock.now += QuietHeap.SWEEP_SECONDS
    heap.tidy()  # a sweep is due: everything is walked
    assert alive() is None


def test_young_cycles_are_freed_by_a_tidy():
    heap = QuietHeap(busy=lambda: False, clock=Clock())
    alive = weakref.ref(Node())
    heap.tidy()
    assert alive() is None


def test_nothing_is_collected_while_busy():
    busy = [False]
    clock = Clock()
    heap = QuietHeap(busy=lambda: busy[0], clock=clock)
    alive = weakref.ref(Node())
    busy[0] = True
    clock.now += QuietHeap.SWEEP_SECONDS
    heap.tidy()
    assert alive() is not None
    busy[0] = False
    heap.tidy()
    assert alive() is None
