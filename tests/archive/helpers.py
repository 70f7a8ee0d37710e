"""Shared by the archive tests: sessions of scripted histories, and both reports over them."""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evtui.archive import ArchiveReader, add_sessions, archive_result
from evtui.commands.report_output import row_object
from evtui.commands.report_sources import ordered, read_sessions
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.model import Batch, StreamMessage, decode
from evtui.model.reliability import RULES, History, Result
from evtui.model.reliability.grouping import Grouping, group
from evtui.recording import Recorder, SessionOrigin
from tests.reliability.test_live import stamp

Messages = Sequence[tuple[float, list[tuple[str, str, str, float]]]]
"""(received at, [(location, evse, status, last_updated)]), as test_live's `scripted` makes."""


def write_session(path: Path, messages: Messages, label: str = "test") -> Path:
    """A session file holding `messages`, one a poll, offsets counting on from 0."""
    recorder = Recorder.create(path, SessionOrigin(label, "here", EV_CATALOG, EV_LAYER))
    record_messages(recorder, messages)
    recorder.close()
    return path


def record_messages(recorder: Recorder, messages: Messages, first: int = 0) -> None:
    """Record `messages`, one a poll, at offsets from `first` on."""
    for n, (received, items) in enumerate(messages, first):
        document = {
            "id": items[0][0],
            "evses": [{"id": e, "status": s, "last_updated": stamp(at)} for _, e, s, at in items],
        }
        data = base64.b64encode(gzip.compress(json.dumps(document).encode())).decode()
        recorder.record(Batch((decode(StreamMessage(0, n, data, received_at=received)),)))


def session_result(paths: Sequence[Path], rules: str, **window: Any) -> Result:
    """What `evtui report SESSION...` folds: the sessions as one history, in receive order."""
    history = History(RULES[rules], **window)
    # (A damaged session gives what is readable, as the command does, saying where it broke.)
    read_sessions(ordered([str(p) for p in paths]).sessions, history, io.StringIO())
    return history.finish()


def archived_result(
    directory: Path, rules: str, outage_list: bool = True, **window: Any
) -> Result:
    """What `evtui report --archive DIR` computes with DuckDB."""
    reader = ArchiveReader(directory)
    try:
        return archive_result(reader, RULES[rules], outage_list=outage_list, **window)
    finally:
        reader.close()


def rows(result: Result, by: Grouping) -> list[dict[str, Any]]:
    """The report's rows as `--format jsonl` writes them (no directory: no names)."""

    def place(_: str) -> dict[str, str | None]:
        return {"name": None, "operator": None, "country": None}

    grouped = group(result, by, lambda _: (None, None))
    return [row_object(result, row, by, place) for row in grouped]


def archived_sessions(directory: Path, messages: Messages, seed: int) -> list[Path]:
    """`messages` as the seed's sessions in `directory`, added to `directory / "archive"`:
    odd seeds two sessions (the time between them unobserved), every fourth added one by one
    (the second writer starts with first sightings); even seeds one session."""
    if seed % 2:
        half = len(messages) // 2
        sessions = [
            write_session(directory / "1.evtui", messages[:half], "first"),
            write_session(directory / "2.evtui", messages[half:], "second"),
        ]
    else:
        sessions = [write_session(directory / "1.evtui", messages)]
    for batch in [sessions[:1], sessions[1:]] if seed % 4 == 3 else [sessions]:
        added = add_sessions(batch, directory / "archive", "test")
        assert added.sessions == len(batch) and not added.problems
    return sessions
