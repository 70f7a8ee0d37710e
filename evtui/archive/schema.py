"""What an archive holds: its directory layout, its tables' columns and its schema version.

An archive is a directory of Parquet files in the hive layout Spark, Trino, Athena and DuckDB
read as tables. Every file carries `evtui_archive_schema` in its key-value metadata; a reader
skips (and names) files of a newer version instead of mixing them in.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "COLUMNS",
    "README",
    "SCHEMA_KEY",
    "SCHEMA_VERSION",
    "SILENCE",
    "TABLES",
]

SCHEMA_VERSION: Final = 1
SCHEMA_KEY: Final = "evtui_archive_schema"
"""The Parquet key-value metadata entry holding the schema version."""

SILENCE: Final = 60.0
"""Seconds without a message after which a writer's coverage starts a new span: a report can
find gaps in reception of this length or more (its `--gap` cannot be shorter)."""

TABLES: Final = ("status_changes", "late_updates", "seen", "coverage", "locations")
"""The tables, each a folder; the first three are partitioned by `date=` (UTC, of `time`)."""

PARTITIONED: Final = frozenset({"status_changes", "late_updates", "seen"})

# DuckDB types of each table's columns, in file order. Times are UTC instants (Parquet
# TIMESTAMP, isAdjustedToUTC, microseconds); the partition column is only in the path.
COLUMNS: Final[dict[str, dict[str, str]]] = {
    "status_changes": {
        "time": "TIMESTAMPTZ",
        "location": "VARCHAR",
        "evse": "VARCHAR",
        "status": "VARCHAR",
        "previous": "VARCHAR",
        "received": "TIMESTAMPTZ",
        "session": "VARCHAR",
        "seq": "BIGINT",
    },
    "late_updates": {
        "time": "TIMESTAMPTZ",
        "location": "VARCHAR",
        "evse": "VARCHAR",
        "status": "VARCHAR",
        "received": "TIMESTAMPTZ",
        "session": "VARCHAR",
        "seq": "BIGINT",
    },
    "seen": {
        "location": "VARCHAR",
        "evse": "VARCHAR",
        "time": "TIMESTAMPTZ",
        "session": "VARCHAR",
    },
    "coverage": {
        "writer": "VARCHAR",
        "session": "VARCHAR",
        "received_from": "TIMESTAMPTZ",
        "received_to": "TIMESTAMPTZ",
        "messages": "BIGINT",
        "newest_update": "TIMESTAMPTZ",
        "closed": "BOOLEAN",
    },
    "locations": {
        "id": "VARCHAR",
        "country": "VARCHAR",
        "lat": "DOUBLE",
        "lng": "DOUBLE",
        "name": "VARCHAR",
        "operator": "VARCHAR",
        "city": "VARCHAR",
        "max_kw": "DOUBLE",
        "written": "TIMESTAMPTZ",
    },
}

README: Final = f"""\
# An evtui archive (schema version {SCHEMA_VERSION})

EV charge-point status changes from HERE's stream layer `evse-update-stream`, written by
evtui (`evtui archive`, `evtui record --archive`). Parquet files in the hive layout; each
file's key-value metadata holds `{SCHEMA_KEY}` = the schema version. Times are UTC instants
(TIMESTAMP, adjusted to UTC, microseconds). Files appear whole (written under a temporary
name, then renamed); names starting with `.` are unfinished and never read.

## status_changes/date=YYYY-MM-DD/<writer>-<n>.parquet
One row per status change of an EVSE, first sightings included (`previous` null), as the
writer saw the stream. `date` (UTC date of `time`) is only in the path.
- time: the EVSE's `last_updated` (the status holds from then on)
- location, evse: the charging location's id and the EVSE's id
- status, previous: OCPI statuses (AVAILABLE, CHARGING, ...; new ones may come)
- received: when the writer received the message
- session: the recording it came from; seq: the row's place in it, in the order of arrival
  (two changes of one EVSE may share a `time`: seq orders them)
- Parallel writers can receive a message twice (at-least-once delivery): rows with the same
  location, evse, time and status are one change.

## One history across sessions
A writer starts afresh with each session it is given alone: an EVSE's first row of such a
session has `previous` null, and can repeat the status the session before left it in.
Each EVSE's changes across every session, each once and none repeating the one before:

    WITH once AS (  -- a change two writers received counts once, as the first had it
        SELECT * FROM read_parquet('ARCHIVE/status_changes/*/*.parquet',
                                   hive_partitioning = true)
        QUALIFY session = first_value(session) OVER (
            PARTITION BY location, evse, time, status ORDER BY received, seq)
    )
    SELECT location, evse, time, status, lag(status) OVER w AS previous, received, session
    FROM once
    WINDOW w AS (PARTITION BY location, evse ORDER BY time, received, seq)
    QUALIFY status IS DISTINCT FROM lag(status) OVER w
    ORDER BY location, evse, time, received, seq

## late_updates/date=.../*.parquet
Updates older than the EVSE's newest, not applied (same columns, no `previous`).

## seen/date=.../*.parquet
Per file, EVSE and UTC day, the newest `last_updated` of an update that repeated the EVSE's
status (repeats are no status changes; staleness reads them): exact for windows that end
at midnight UTC. Columns: location, evse, time, session.

## coverage/<writer>-<n>.parquet
The spans in which a writer was receiving: `writer` and `session`, `received_from`/
`received_to`, `messages` in the span, `newest_update` (the newest `last_updated` applied);
no span holds a silence over {SILENCE:.0f} s. Time in no span of any writer is unobserved.
`closed`: the session ended with this span, and the archive holds all of it.

## locations/<writer>-<n>.parquet
What was known of each location when written: id, country (ISO alpha-3), lat/lng (from
HERE's directory, else decoded from the id), name, operator, city, max_kw, and `written`
(when). The newest row per `id` holds.

## Reading it elsewhere
DuckDB:  SELECT * FROM read_parquet('ARCHIVE/status_changes/*/*.parquet', hive_partitioning=true)
Spark:   spark.read.parquet("ARCHIVE/status_changes")
The figures `evtui report --archive` computes are in evtui's `archive/report.sql`.
"""
