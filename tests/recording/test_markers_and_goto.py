"""Markers a recording drops by itself for watched locations, and reading where a user wants
to go in a replay (`g`: 14:05, 50%, +5m, -90s)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.directory import DirectoryCache
from evtui.model import Batch, StreamMessage, decode
from evtui.model.directory import parse_location
from evtui.recording import Player, Recorder, SessionOrigin, SessionReader, parse_goto
from tests.recording.helpers import START, evtui, gzip64

FLAPPING = "Depot north: an EVSE started flapping (changing between up and down)"
DEPOT = "here:evcp:charginglocation:depot"
OTHER = "here:evcp:charginglocation:other"


def report(location: str, at: float, **statuses: str) -> StreamMessage:
    """A message about `location`'s EVSEs (a=..., b=...), received at `at`."""
    stamp = datetime.fromtimestamp(at).astimezone().isoformat()
    doc = {
        "id": location,
        "evses": [
            {"id": f"{location}:{evse}", "status": status, "last_updated": stamp}
            for evse, status in statuses.items()
        ],
    }
    return StreamMessage(0, int(at), gzip64(doc), received_at=at)


def test_a_watched_location_going_all_down_drops_an_alert_marker(tmp_path: Path) -> None:
    path = tmp_path / "s.evtui"
    origin = SessionOrigin("test", "here", EV_CATALOG, EV_LAYER)
    names = {DEPOT: "Depot north"}
    recorder = Recorder.create(path, origin, watched=[DEPOT], name=names.get)
    story = [
        report(DEPOT, START, a="AVAILABLE", b="CHARGING"),
        report(OTHER, START + 1, a="AVAILABLE"),
        report(DEPOT, START + 10, a="OUT_OF_ORDER"),
        report(OTHER, START + 11, a="INOPERATIVE"),  # not watched: no marker
        report(DEPOT, START + 20, b="INOPERATIVE"),  # all down
        report(DEPOT, START + 30, b="OUT_OF_ORDER"),  # still all down: no new marker
        report(DEPOT, START + 40, a="AVAILABLE"),  # back
        report(DEPOT, START + 50, a="INOPERATIVE"),  # down again, within the cooldown
        report(DEPOT, START + 60, a="AVAILABLE"),
        report(DEPOT, START + 200, a="OUT_OF_ORDER"),  # down again, long after
        # Other's reports keep the stream alive (a silence over 300 s would be unobserved
        # time); half an hour on, b has been down since +20 s, a since +200 s.
        *(report(OTHER, START + t, a="INOPERATIVE") for t in range(440, 2060, 240)),
        report(OTHER, START + 2060, a="AVAILABLE"),
        report(OTHER, START + 2100, a="INOPERATIVE"),  # no new alert for the same outages
    ]
    dropped = []
    for message in story:
        dropped += recorder.record(Batch((decode(message),)))
    recorder.mark("mine", START + 205)
    recorder.close()
    assert recorder.markers == len(dropped) + 1

    with SessionReader(path) as reader:
        markers = [(m.seq, m.at, m.kind, m.label) for m in reader.markers()]
    assert markers == [
        (5, START + 20, "alert", "Depot north: all 2 EVSEs are down"),
        (7, START + 40, "alert", "Depot north: an EVSE is AVAILABLE again"),
        # a came back to AVAILABLE twice within 60 s (+40, +60) and never charged.
        (9, START + 60, "alert", FLAPPING),
        (10, START + 200, "alert", "Depot north: all 2 EVSEs are down"),
        # Longer than the 30 minutes of the default, once per outage: b's at +1,880 s (31
        # minutes after +20 s), a's at +2,060 s (31 minutes after +200 s).
        (17, START + 1880, "alert", "Depot north: an EVSE has been down for 31 min"),
        (18, START + 2060, "alert", "Depot north: an EVSE has been down for 31 min"),
        (19, START + 205, "user", "mine"),
    ]
    assert [(m.seq, m.kind, m.label) for m in dropped] == [
        (s, k, lab) for s, _, k, lab in markers[:6]
    ]

    # In the replay, ] lands just after the message that set the alert off.
    player = Player(SessionReader(path))
    marker = player.marker_after()
    assert marker is not None
    player.seek(marker.seq, clock=marker.at)
    down = player.state.store.locations[DEPOT].counts
    assert down["AVAILABLE"] == down["CHARGING"] == 0 and player.clock == START + 20


def test_evtui_record_marks_alerts_of_the_watchlist_with_their_display_names(
    tmp_path: Path,
) -> None:
    # Depot has a label; Other has none but the directory cache knows its name.
    config = tmp_path / "config"
    (config / "evtui").mkdir(parents=True)
    (config / "evtui" / "watchlist.json").write_text(
        json.dumps({"locations": [{"id": DEPOT, "label": "Depot north"}, {"id": OTHER}]})
    )
    cache = tmp_path / "cache"
    (cache / "evtui").mkdir(parents=True)
    record = {"id": OTHER, "location": {"lat": 52.5, "lng": 13.4}, "name": "Ladepark [b]Ost"}
    with DirectoryCache.open(cache / "evtui" / "directory.sqlite") as directory:
        directory.put([(record, parse_location(record, START))])

    def both(minute: int, *statuses: str) -> list[dict[str, object]]:
        stamp = f"2026-11-26T08:{minute:02d}:00Z"
        return [
            {"id": place, "evses": [
                {"id": f"{place}:{n}", "status": status, "last_updated": stamp}
                for n, status in enumerate(statuses)]}
            for place in (DEPOT, OTHER)
        ]  # fmt: skip

    docs = both(0, "AVAILABLE", "CHARGING") + both(1, "OUT_OF_ORDER", "INOPERATIVE")
    payloads = tmp_path / "payloads.json"
    payloads.write_text("\n".join(json.dumps(doc) for doc in docs))
    path = tmp_path / "s.evtui"

    result = evtui(
        "record", "--source", str(payloads), "-o", str(path),
        env={
            "XDG_CONFIG_HOME": str(config),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CACHE_HOME": str(cache),
        },
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with SessionReader(path) as reader:
        assert [(m.seq, m.kind, m.label) for m in reader.markers()] == [
            (4, "alert", "Depot north: all 2 EVSEs are down"),
            (4, "alert", "Ladepark [b]Ost: all 2 EVSEs are down"),
        ]
        assert reader.info.source_kind == "file"


# --- going to a time -----------------------------------------------------------------------


def local(*fields: int) -> float:
    """Unix time of a local wall-clock time (in the time zone at the time of the call)."""
    return datetime(*fields).timestamp()  # type: ignore[arg-type]


Clock = tuple[int, ...]
DAY = (2026, 11, 26)
NEXT = (2026, 11, 27)
SESSION: tuple[Clock, Clock] = ((*DAY, 13, 50), (*DAY, 14, 30))
OVERNIGHT: tuple[Clock, Clock] = ((*DAY, 23, 30), (*NEXT, 0, 45))


@pytest.mark.parametrize(
    ("text", "session", "now", "expected"),
    [
        ("14:05", SESSION, 0, (*DAY, 14, 5)),
        (" 14:05:30 ", SESSION, 0, (*DAY, 14, 5, 30)),
        ("13:50", SESSION, 60, (*DAY, 13, 50)),
        ("00:15", OVERNIGHT, 0, (*NEXT, 0, 15)),
        ("23:45", OVERNIGHT, 3600, (*DAY, 23, 45)),
        ("50%", SESSION, 0, (*DAY, 14, 10)),
        ("0%", SESSION, 600, (*DAY, 13, 50)),
        ("100%", SESSION, 0, (*DAY, 14, 30)),
        ("12.5 %", SESSION, 0, (*DAY, 13, 55)),
        ("+5m", SESSION, 60, (*DAY, 13, 56)),
        ("-90s", SESSION, 600, (*DAY, 13, 58, 30)),
        ("+1.5h", SESSION, 0, (*DAY, 15, 20)),
        ("+10", SESSION, 0, (*DAY, 13, 50, 10)),
        ("- 2 M", SESSION, 600, (*DAY, 13, 58)),
    ],
)
def test_goto_reads_times_percentages_and_steps(
    text: str, session: tuple[Clock, Clock], now: float, expected: Clock
) -> None:
    """`now` is seconds into the session (where the replay is)."""
    start, end = local(*session[0]), local(*session[1])
    assert parse_goto(text, start, end, start + now) == pytest.approx(local(*expected))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("12:00", "12:00 is not within the session (13:50:00 to 14:30:00)"),
        ("25:00", "'25:00' is not a time of day"),
        ("14:60", "'14:60' is not a time of day"),
        ("150%", "a percentage lies between 0% and 100%"),
        ("-5%", "a percentage lies between 0% and 100%"),
        ("half%", "'half%': a percentage is a number and %, like 50%"),
        ("5m", "'5m': give a time (14:05), a percentage (50%) or a step (+5m, -90s)"),
        ("+5 days", "give a time (14:05)"),
        ("", "give a time (14:05)"),
        ("tomorrow", "'tomorrow': give a time"),
    ],
)
def test_goto_says_what_it_cannot_read(text: str, says: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_goto(text, local(*SESSION[0]), local(*SESSION[1]), local(*SESSION[0]))
    assert says in str(error.value)
