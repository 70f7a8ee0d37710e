"""Process-wide settings every evtui command runs with (`tune`), each for a measured reason."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator

__all__ = [
    "GC_MIDDLE_EVERY",
    "GC_THRESHOLD",
    "MMAP_THRESHOLD",
    "collector_paused",
    "freeze_startup",
    "tune",
    "tune_gc",
    "tune_malloc",
]

GC_THRESHOLD = 10_000
"""Allocations between collections of young objects (Python's default: 700)."""
GC_MIDDLE_EVERY = 50
"""Collections of young objects between collections of the middle generation (default 10)."""
MMAP_THRESHOLD = 128 * 1024
"""Allocations at least this large get their own memory mapping (glibc's starting value)."""


def tune() -> None:
    """Apply every setting below."""
    tune_gc()
    tune_malloc()


def tune_gc() -> None:
    """Collect young objects every `GC_THRESHOLD` allocations instead of every 700.

    Decoding a message makes about ten objects that live until its batch is applied; at the
    default threshold a collection ran every ~70 messages and walked the whole batch in flight.
    Measured with the columnar store, alternating both settings (benchmarks/bench_app.py
    --quick, twice each): replay through the app 25,000-28,000 messages/s against
    22,000-25,000, keypress p95 44-50 ms against 45-63 ms; decode + apply alone showed no
    difference beyond the noise. Nothing is leaked: the objects are collected a little later,
    and the store keeps almost nothing the collector tracks (its columns are arrays).

    The middle generation is collected every `GC_MIDDLE_EVERY` of those instead of every 10.
    What it holds is what the app keeps a while (Textual's strips, each with seven caches, and
    their segments: some 70,000 objects), so each of its collections is a pause of 20-40 ms
    (60-100 ms with the CPU shared), and at 5,000 messages a second one came every 1.5 s:
    what set the keypress p95 (bench_app.py with the map open, 2026-12-06).
    """
    _, _, oldest = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, GC_MIDDLE_EVERY, oldest)


def freeze_startup() -> None:
    """Leave what exists now out of every later collection (`gc.freeze`), after collecting
    once: for a program that builds what it keeps at start (the app's widgets, styles,
    bindings and modules: some 200,000 objects the collector tracks) and then runs for hours.

    The oldest generation's collections walk every tracked object; in the monitor one took
    180-210 ms (bench_app.py, map open, 2026-12-06), a frame it delays. What is frozen is
    never freed by the collector (reference counting still frees it): called again (another
    app in the same process, as in the tests), it first takes back what it froze, so cycles
    left by the first are collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def tune_malloc() -> bool:
    """Keep large blocks in their own mappings (glibc only); returns whether it applied.

    The store's columns are arrays that grow by reallocation, and glibc raises its mapping
    threshold each time a large block is freed, after which such blocks come from the heap:
    every reallocation that moves one leaves a hole the size of the old column, which the
    process keeps. Pinning the threshold makes growth a remap instead: 50 MB less resident at
    a million EVSEs (benchmarks/bench_memory.py), for a system call per large allocation.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        # The interpreter's own symbols, the C library's among them (find_library would run
        # ldconfig: 30 ms of start-up).
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: musl has no mallopt
        return False
    m_mmap_threshold = -3  # <malloc.h>
    return bool(mallopt(m_mmap_threshold, MMAP_THRESHOLD))


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting frees as ever).

    For work that builds many objects that all live to the end and form no cycles, a report's
    figures and rows: each collection walks them and frees nothing. In `evtui report
    --archive` over the 1,000,000-message slice (12,830 EVSEs) the collector ran 33 times
    for some 50 ms of its 1.5 s.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
