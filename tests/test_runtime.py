"""The process settings every command runs with: the collector's."""

from __future__ import annotations

import gc
import weakref

from evtui.runtime import collector_paused, freeze_startup


class Node:
    """An object in a cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_what_one_start_froze_the_next_start_collects() -> None:
    node = Node()
    alive = weakref.ref(node)
    try:
        freeze_startup()
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert alive() is not None, "frozen: the collector leaves it"
        freeze_startup()  # a second app in this process
        assert alive() is None, "the cycle frozen by the first start was never collected"
    finally:
        gc.unfreeze()


def test_no_collection_while_paused_and_the_collector_back_after() -> None:
    assert gc.isenabled()
    node = Node()
    alive = weakref.ref(node)
    with collector_paused():
        del node
        # Allocations that would start a collection of young objects, several times over.
        junk = [[] for _ in range(50_000)]
        assert alive() is not None
        del junk
    assert gc.isenabled()
    gc.collect()
    assert alive() is None
