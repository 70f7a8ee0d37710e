"""`evtui directory show|import`: what evtui knows of locations, and loading a directory file.

`show` answers from the cache and the ids, and asks HERE's directory only what the cache has
no fresh answer for (never with `--offline`). When the directory fails it says why on
standard error, still prints everything else it knows, and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from evtui import paths
from evtui.commands.common import EXIT_ERROR, fail, live_settings
from evtui.directory import DirectoryCache, DirectoryState, describe, refresh
from evtui.directory.importer import read_directory_file
from evtui.here import (
    DirectoryAnswer,
    DirectoryClient,
    DirectoryUnavailable,
    HereClient,
    HereError,
    load_credentials,
)
from evtui.model.directory import full_location_id
from evtui.model.location_id import decode_location_id
from evtui.safetext import safe_text
from evtui.settings import load_settings
from evtui.sources import LiveSettings
from evtui.units import counted

__all__ = ["directory_failure", "open_cache", "run", "run_import", "run_show"]


def open_cache(err: TextIO) -> DirectoryCache:
    """The user's directory cache, its refresh period from the settings; warnings to `err`."""
    settings, warnings = load_settings(paths.settings_path())
    cache = DirectoryCache.open(
        paths.directory_cache_path(), refresh_days=settings.directory_refresh_days
    )
    for warning in [*warnings, *cache.warnings]:
        err.write(f"evtui: warning: {safe_text(warning, 400)}\n")
    return cache


def directory_failure(error: HereError) -> str:
    """How a directory failure reads, said once."""
    if isinstance(error, DirectoryUnavailable):
        return f"directory not available ({safe_text(str(error), 400)})"
    return f"directory lookup failed: {safe_text(str(error), 400)}"


async def _ask(
    cache: DirectoryCache, settings: LiveSettings, ids: list[str], now: float
) -> DirectoryAnswer:
    try:
        credentials = load_credentials(settings.credentials_path)
        async with HereClient(credentials, lookup_url=settings.lookup_url) as client:
            directory = DirectoryClient(client, settings.directory_url)
            return await refresh(cache, directory, ids, now)
    except HereError as exc:
        return DirectoryAnswer(error=exc)


async def run_show(
    ids: Sequence[str],
    cache: DirectoryCache,
    settings: LiveSettings | None,
    *,
    out: TextIO,
    err: TextIO,
    now: float | None = None,
) -> int:
    """Print one JSON line per id (in the order given, once each); `settings` None: offline.

    Returns 0 when every id was answered (even if only by its id), 1 when the directory
    failed or refused a record, or an id is neither of the real shape nor known."""
    now = time.time() if now is None else now
    given = {full_location_id(i): i for i in reversed(ids) if i.strip()}
    wanted = list(dict.fromkeys(full_location_id(i) for i in ids if i.strip()))
    failed = False
    if settings is not None and cache.stale(wanted, now):
        answer = await _ask(cache, settings, wanted, now)
        if answer.error is not None:
            err.write(f"evtui: {directory_failure(answer.error)}\n")
            failed = True
        for what, why in answer.refused:
            err.write(
                f"evtui: refused the directory's record {safe_text(what, 120)}: "
                f"{safe_text(why, 300)}\n"
            )
            failed = True
    records = cache.get(wanted)
    unknown = cache.unknown(wanted)
    for location_id in wanted:
        info = records.get(location_id)
        state: DirectoryState = (
            "found" if info else ("unknown" if location_id in unknown else None)
        )
        if info is None and decode_location_id(location_id) is None:
            # A typo, most likely: a line of nulls alone would read as a location unknown.
            err.write(
                f"evtui: {safe_text(given[location_id], 200)}: not the shape of a HERE "
                "location id "
                "(here:evcp:charginglocation:<country><geohash>-<source>), and not in the "
                "directory: nothing is known of it\n"
            )
            failed = True
        line = describe(location_id, info, state=state)
        # ASCII with escapes: directory text is untrusted, and a terminal may show this line.
        out.write(json.dumps(line, ensure_ascii=True) + "\n")
    out.flush()
    return EXIT_ERROR if failed else 0


def run_import(file: Path, cache: DirectoryCache, *, out: TextIO, err: TextIO) -> int:
    """Load a directory file into the cache; 1 when it refused any record."""
    try:
        imported = read_directory_file(file, time.time())
    except OSError as exc:
        fail(f"directory import {safe_text(str(file), 200)}: {exc.strerror or exc}", EXIT_ERROR)
    except UnicodeDecodeError as exc:
        where = safe_text(str(file), 200)
        fail(f"directory import {where}: not UTF-8 text (byte {exc.start:,})", EXIT_ERROR)
    said = [(line, f"refused: {why}") for line, why in imported.refused]
    said += [(line, f"taken, but {what}") for line, what in imported.noted]
    for line, what in sorted(said, key=lambda pair: pair[0]):
        err.write(f"{safe_text(str(file), 200)}:{line}: {safe_text(what, 300)}\n")
    taken = cache.put(imported.records)
    out.write(
        f"evtui directory import: took {counted(taken, 'record')} from {safe_text(str(file), 200)}"
        f", refused {len(imported.refused):,}\n"
    )
    return EXIT_ERROR if imported.refused else 0


def run(args: argparse.Namespace) -> int:
    """`evtui directory show|import`, from its parsed arguments."""
    with open_cache(sys.stderr) as cache:
        if args.action == "import":
            return run_import(Path(args.file), cache, out=sys.stdout, err=sys.stderr)
        settings = None if args.offline else live_settings(args)
        return asyncio.run(run_show(args.ids, cache, settings, out=sys.stdout, err=sys.stderr))
