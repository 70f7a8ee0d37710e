"""The directory cache on real SQLite files."""

from __future__ import annotations

from pathlib import Path

from evtui.directory import DirectoryCache
from evtui.directory.cache import DAY
from evtui.model.directory import parse_location
from tests.directory.records import location_id, v3_record

NOW = 1_800_000_000.0


def put(cache: DirectoryCache, n: int, at: float) -> None:
    raw = v3_record(n)
    cache.put([(raw, parse_location(raw, at))])


def test_records_and_unknown_ids_survive_a_restart_and_go_stale_on_time(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "directory.sqlite"
    with DirectoryCache.open(path) as cache:
        put(cache, 1, NOW)
        put(cache, 2, NOW - 8 * DAY)
        cache.put_unknown([location_id(3)], NOW)
        cache.put_unknown([location_id(4)], NOW - 2 * DAY)
    with DirectoryCache.open(path, refresh_days=7) as cache:
        assert not cache.warnings
        ids = [location_id(n) for n in (1, 2, 3, 4, 5, 1)]
        assert cache.stale(ids, NOW) == [location_id(n) for n in (2, 4, 5)]
        full = cache.get([location_id(1)])[location_id(1)]
        assert full.name == "Ladepark 1" and full.evses and full.evses[0].connectors
        assert cache.raw(location_id(1)) == v3_record(1)
        summary = cache.summaries()[location_id(2)]
        assert (summary.name, summary.operator, summary.country, summary.evses) == (
            "Ladepark 2",
            "IONITY",
            "DEU",
            None,
        )
        assert set(cache.unknown(ids)) == {location_id(3), location_id(4)}
        # A record found replaces the unknown mark; an unknown answer drops the record.
        put(cache, 3, NOW)
        cache.put_unknown([location_id(1)], NOW)
        assert set(cache.unknown(ids)) == {location_id(1), location_id(4)}
        assert location_id(1) not in cache.summaries() and location_id(3) in cache.summaries()
    with DirectoryCache.open(path, refresh_days=30) as cache:
        assert cache.stale([location_id(2)], NOW) == []


def test_a_corrupt_cache_is_moved_aside_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "directory.sqlite"
    path.write_bytes(b"this is no database\n" * 500)
    with DirectoryCache.open(path) as cache:
        assert len(cache) == 0
        (warning,) = cache.warnings
        put(cache, 1, NOW)
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is no database")
    assert "could not be read" in warning and aside[0].name in warning
    with DirectoryCache.open(path) as cache:
        assert not cache.warnings and len(cache) == 1


def test_a_cache_of_another_format_is_moved_aside(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "directory.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('format', '99')")
    db.close()
    with DirectoryCache.open(path) as cache:
        assert "format 99" in cache.warnings[0]
