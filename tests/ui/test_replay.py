"""Recording from the monitor and replaying a session in it, driven with Pilot and checked
through what a user sees: counters, log rows, the replay line and the files written."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.model import Batch, MonitorState, StreamMessage, decode
from evtui.recording import Player, Recorder, SessionOrigin, SessionReader
from evtui.ui.app import EvtuiApp, RecordOptions, ReplayOptions
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.screens.sessions import ConfirmScreen, SessionsScreen
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.replay_bar import Playback, ReplayBar
from evtui.ui.widgets.status_bar import StatusBar
from evtui.watchlist import Watchlist
from tests.recording.helpers import Intact
from tests.ui.test_app import L1, L2, STORY, doc, file_app, loaded, toasts, until

T0 = 1_795_600_800.0
STEP = 10.0
"""Seconds between two recorded messages."""

# Twelve messages with something to see in each: the story, then more changes, and one
# message that cannot be decoded.
MESSAGES: list[dict[str, object] | str] = [
    *STORY,
    doc(L2, 4, c="CHARGING"),
    "not gzip",
    doc(L1, 5, a="CHARGING", b="AVAILABLE"),
    doc(L2, 6, c="BLOCKED"),
    doc(L1, 7, a="AVAILABLE"),
    doc(L2, 8, c="AVAILABLE"),
    doc(L1, 9, b="INOPERATIVE"),
]


def write_session(
    path: Path, *, marks: tuple[int, ...] = (), label: str = "mark {n}"
) -> Path:
    """A session of MESSAGES received STEP seconds apart, with user markers before `marks`
    (`label` with the message's number for `{n}`)."""
    origin = SessionOrigin("test feed", "here", EV_CATALOG, EV_LAYER)
    recorder = Recorder.create(path, origin)
    for n, item in enumerate(MESSAGES):
        at = T0 + n * STEP
        if n in marks:
            recorder.mark(label.format(n=n), at)
        raw = item.encode() if isinstance(item, str) else gzip.compress(json.dumps(item).encode())
        message = StreamMessage(0, n, base64.b64encode(raw).decode(), received_at=at)
        recorder.record(Batch((decode(message),)))
    recorder.close()
    return path


def replay_app(tmp_path: Path, **options: object) -> EvtuiApp:
    session = write_session(tmp_path / "s.evtui", marks=(3, 8))
    options.setdefault("paused", True)
    return player_app(Player(SessionReader(session)), tmp_path, **options)


def player_app(player: Player, tmp_path: Path, **options: object) -> EvtuiApp:
    """The monitor replaying `player`, its watchlist and sessions in `tmp_path`."""
    return EvtuiApp(
        player,
        watchlist=Watchlist(tmp_path / "watchlist.json"),
        sessions_dir=tmp_path,
        replay=ReplayOptions(**options),  # type: ignore[arg-type]
    )


def screen_of(app: EvtuiApp) -> tuple[dict[str, int], list[tuple[str | None, str]], int]:
    """What the user reads: the counters, the log rows (old, new) and the rejected count."""
    counters = app.query_one(StatusCounters)
    rows = [(c.old, c.new) for c in app.query_one(EventLog).rows]
    return dict(counters.counts), rows, app.query_one(StatusBar).rejected


def caught_up(app: EvtuiApp) -> bool:
    """Whether the screen shows what the model holds now: the counters, the log's rows, the
    rejected count, the recording and the replay position."""
    store = app.store
    log = app.query_one(EventLog)
    bar = app.query_one(StatusBar)
    recorder = app.recorder
    player = app.player
    return (
        dict(app.query_one(StatusCounters).counts) == dict(store.counts)
        and log.rows == list(store.events)[-log.max_rows :]
        and bar.rejected == app.rejected
        and bar.recording == (None if recorder is None else (recorder.messages, recorder.size))
        and (player is None or app.query_one(ReplayBar).playback.position == player.position)
    )


def listed(app: EvtuiApp) -> int | None:
    """How many sessions the sessions screen lists; None when it is not on screen."""
    screen = app.screen
    return screen.query_one(DataTable).row_count if isinstance(screen, SessionsScreen) else None


async def repainted(pilot: Pilot[None]) -> None:
    """Wait for the paced repaints to bring the screen up to the model (a fixed pause is not
    enough on a loaded machine), and for that repaint to be drawn."""
    app = pilot.app
    assert isinstance(app, EvtuiApp)
    await until(pilot, lambda: caught_up(app))


async def test_stepping_playing_and_seeking_back_show_the_same_screens(tmp_path: Path) -> None:
    app = replay_app(tmp_path, speed=None)
    async with app.run_test(size=(160, 40)) as pilot:
        await repainted(pilot)
        assert app.player is not None
        assert isinstance(app.screen, MonitorScreen)
        assert screen_of(app) == ({}, [], 0)
        # `.` applies one message at a time; remember what each position looked like.
        seen = []
        for _ in MESSAGES:
            await pilot.press("full_stop")
            await repainted(pilot)
            seen.append(screen_of(app))
        assert app.player.position == len(MESSAGES)
        assert seen[0][0] == {"AVAILABLE": 2}
        assert seen[5][2] == 0 and seen[6][2] == 1  # the seventh message is rejected
        assert "msg 12/12" in str(app.query_one(ReplayBar).render())
        # Back 10 s at a time: each jump lands on what playing forward showed.
        for position in range(len(MESSAGES) - 1, 0, -1):
            await pilot.press("left")
            await repainted(pilot)
            assert app.player.position == position
            assert screen_of(app) == seen[position - 1], f"at position {position}"
        # Back from the first message: before anything was received, as the replay began.
        await pilot.press("left")
        await repainted(pilot)
        assert app.player.position == 0
        assert screen_of(app) == ({}, [], 0)
        # Forward a minute from there, then to 50% of the session.
        await pilot.press("shift+right")
        await repainted(pilot)
        assert screen_of(app) == seen[6]
        await pilot.press("g", *"50%", "enter")
        await repainted(pilot)
        assert app.player.position == 6  # messages received in the first 55 of 110 s
        assert screen_of(app) == seen[5]
        # `[` and `]` jump between the markers dropped before messages 3 and 8.
        await pilot.press("right_square_bracket")
        await repainted(pilot)
        assert app.player.position == 8
        assert screen_of(app) == seen[7]
        await pilot.press("left_square_bracket", "left_square_bracket")
        await repainted(pilot)
        assert app.player.position == 3
        assert screen_of(app) == seen[2]
        assert "Marker: mark 3" in toasts(app)
        # space plays to the end at max speed; the state is the one stepping reached.
        await pilot.press("space")
        await until(pilot, lambda: app.player is not None and app.player.at_end)
        await repainted(pilot)
        assert screen_of(app) == seen[-1]
        assert "■ end" in str(app.query_one(ReplayBar).render())
        # Back to a marker from the end: it stands paused there, as a jump from a pause does,
        # not playing on to the end again.
        await pilot.press("left_square_bracket")
        await repainted(pilot)
        for _ in range(5):
            await pilot.pause(0.05)
        assert app.player.position < len(MESSAGES) and app.replay_paused
        assert "paused" in str(app.query_one(ReplayBar).render()).lower()
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_replay_bar_and_its_markers_stand_still_as_the_replay_moves() -> None:
    class Bar(App[None]):
        def compose(self) -> ComposeResult:
            yield ReplayBar()

    start, length, total = 1_796_000_000.0, 12_345.0, 12_942
    marks = (start + 600, start + 601, start + 6000, start + 12_000)
    app = Bar()
    async with app.run_test(size=(120, 1)) as pilot:
        bar = app.query_one(ReplayBar)
        shapes = set()
        # Paused at the start, playing, paused, at the end: the state's word, the time played
        # (0:00 to 3:25:45) and the position (0 to 12,942) all change their lengths.
        for position, paused in ((0, True), (7, False), (2_312, True), (total, False)):
            bar.playback = Playback(start, start + length, start + length * position / total,
                                    position, total, 1.0, paused, marks)  # fmt: skip
            await pilot.pause()
            text = str(bar.render())
            cells = [i for i, c in enumerate(text) if c in "━─◆"]
            shapes.add((cells[0], cells[-1], tuple(i for i, c in enumerate(text) if c == "◆")))
            assert len(text) <= 118  # (its padding: one cell each side)
        assert len(shapes) == 1, shapes
        ((first, last, ticks),) = shapes
        assert last - first + 1 >= 40 and len(ticks) == 3  # two marks a second apart: one tick


async def test_speed_keys_step_through_the_speeds_and_real_time_playback_waits(
    tmp_path: Path,
) -> None:
    app = replay_app(tmp_path, speed=1.0, paused=False)
    async with app.run_test(size=(160, 40)) as pilot:
        player = app.player
        assert player is not None
        # At 1x, messages 10 s apart: the first is applied at once, the second not for 10 s.
        await until(pilot, lambda: player.position >= 1)
        assert player.position == 1
        await pilot.press("minus", "minus", "minus")
        assert app.speed == 0.25
        await pilot.press(*["plus"] * 9)
        assert app.speed is None
        await repainted(pilot)
        assert "max" in str(app.query_one(ReplayBar).render())
        await until(pilot, lambda: app.player is not None and app.player.at_end)
        await pilot.press("minus")
        assert app.speed == 100


async def test_idle_limit_cuts_quiet_gaps(tmp_path: Path) -> None:
    app = replay_app(tmp_path, speed=1.0, paused=False, idle_limit=0.1)
    async with app.run_test(size=(160, 40)) as pilot:
        # 110 s of session with every 10 s gap cut to 0.1 s: over within about 1.5 s.
        await until(pilot, lambda: app.player is not None and app.player.at_end, seconds=8)


async def test_r_records_what_the_monitor_shows_and_the_replay_shows_it_again(
    tmp_path: Path,
) -> None:
    sessions = tmp_path / "sessions"
    options = RecordOptions(sessions, SessionOrigin("payload file", "file"), at_start=True)
    app = file_app(tmp_path, record=options)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        assert app.recorder is not None
        await repainted(pilot)
        bar = str(app.query_one(StatusBar).render())
        assert "● REC 6" in bar  # five payloads and the broken line
        live = screen_of(app)
        await pilot.press("m")
        await pilot.press("r")
        assert app.recorder is None
        # The file's name whole on the first line, its directory on the next: a toast breaks
        # a long path anywhere, mid-name at 80 columns.
        [recorded] = app.recorded
        where = f"{recorded.name}\nin {sessions}"
        said = toasts(app)
        assert f"Recording to {where}" in said and f"Saved 6 messages to {where}" in said
        await repainted(pilot)
        assert "REC" not in str(app.query_one(StatusBar).render())
        # Not recording: a marker has nowhere to go, and the user is told so.
        await pilot.press("m")
        assert any(t.startswith("Not recording") for t in toasts(app))
        await pilot.press("q")
    [path] = app.recorded
    assert path.parent == sessions
    with SessionReader(path) as reader:
        assert not reader.info.interrupted
        assert reader.info.messages == 6
        assert [m.label for m in reader.markers()] != []
    replay = EvtuiApp(
        Player(SessionReader(path)),
        watchlist=Watchlist(tmp_path / "watchlist.json"),
        replay=ReplayOptions(speed=None),
    )
    async with replay.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: replay.player is not None and replay.player.at_end)
        # The side panels follow within a few repaints (slower ones on a loaded machine).
        await until(pilot, lambda: screen_of(replay) == live)
        # From the start to the marker `m` dropped (at the end): said as it was dropped, not
        # "Marker: marker at".
        await pilot.press("g", *"0%", "enter", "right_square_bracket")
        said = [t for t in toasts(replay) if t.lower().startswith("marker")]
        assert len(said) == 1 and re.fullmatch(r"Marker at \d\d:\d\d:\d\d", said[0]), said


async def test_session_browser_deletes_after_confirming_and_opens_a_session(
    tmp_path: Path,
) -> None:
    app = replay_app(tmp_path)
    other = write_session(tmp_path / "other.evtui")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("s")
        await until(pilot, lambda: listed(app) == 2)
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        table = screen.query_one(DataTable)
        names = [str(table.get_row_at(i)[-1]) for i in range(2)]
        assert sorted(names) == ["other.evtui", "s.evtui"]
        # The session being replayed is in use: it cannot be deleted.
        await pilot.press(*["down"] * names.index("s.evtui"), "d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert (tmp_path / "s.evtui").exists()
        await pilot.press("home")
        table.move_cursor(row=names.index("other.evtui"))
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert other.exists()
        await pilot.press("d", "y")
        await until(pilot, lambda: not other.exists() and table.row_count == 1)
        # enter asks the CLI to replay the chosen session once this monitor has closed.
        await pilot.press("enter")
        await pilot.pause(0.3)
    assert app.next_session == tmp_path / "s.evtui"


async def test_deleting_the_last_session_leaves_no_markers_of_it_on_screen(
    tmp_path: Path,
) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    write_session(sessions / "only.evtui", marks=(3,))
    app = file_app(tmp_path, sessions_dir=sessions)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await until(pilot, lambda: listed(app) == 1)
        markers = app.screen.query_one("#sessions-markers", Static)
        await until(pilot, lambda: markers.display and "mark 3" in str(markers.render()))
        await pilot.press("d", "y")
        await until(pilot, lambda: listed(app) == 0)
        assert not markers.display
        assert app.screen.query_one("#sessions-empty", Static).display


async def test_keys_typed_ahead_in_the_session_browser_open_the_row_moved_to(
    tmp_path: Path,
) -> None:
    # "down, enter" typed fast reach the app together: enter must open the row "down" moved
    # the cursor to, not the one it was on.
    from textual import events

    app = replay_app(tmp_path)
    write_session(tmp_path / "other.evtui")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("s")
        await until(pilot, lambda: listed(app) == 2)
        table = app.screen.query_one(DataTable)
        second = str(table.get_row_at(1)[-1])
        for key in ("down", "enter"):
            app.post_message(events.Key(key, None))
        await pilot.pause(0.3)
    assert app.next_session == tmp_path / second


async def test_from_the_live_monitor_a_session_opens_after_asking_and_a_bad_one_does_not(
    tmp_path: Path,
) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    good = write_session(sessions / "good.evtui")
    (sessions / "bad.evtui").write_text("not a session")
    options = RecordOptions(sessions, SessionOrigin("payload file", "file"))
    app = file_app(tmp_path, record=options)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await until(pilot, lambda: listed(app) == 2)
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        table = screen.query_one(DataTable)
        names = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert names == ["good.evtui", "bad.evtui"]  # unreadable ones last
        table.move_cursor(row=1)
        await pilot.press("enter")
        # The live monitor goes on; the user is told why.
        await until(pilot, lambda: any("not an evtui session" in t for t in toasts(app)))
        assert app.screen is screen and app.is_running
        table.move_cursor(row=0)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        assert app.screen is screen and app.next_session is None
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await pilot.pause(0.3)
    assert app.next_session == good


async def test_the_session_browser_lists_the_highlighted_sessions_markers(
    tmp_path: Path,
) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    write_session(sessions / "plain.evtui")
    write_session(sessions / "marked.evtui", marks=(0, 1, 2, 3), label="[bold]Ladepark {n}\x1b[31m")
    options = RecordOptions(sessions, SessionOrigin("payload file", "file"))
    app = file_app(tmp_path, record=options)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await until(pilot, lambda: listed(app) == 2)
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        panel = screen.query_one("#sessions-markers", Static)
        table = screen.query_one(DataTable)
        names = [str(table.get_row_at(i)[-1]) for i in range(2)]

        def shown() -> str:
            return str(panel.render()) if panel.display else ""

        table.move_cursor(row=names.index("marked.evtui"))
        await until(pilot, lambda: "Ladepark 3" in shown())
        text = shown()
        # Four markers, in order, the label as data: the brackets kept, the escape made harmless.
        assert [line.split("mark  ", 1)[1] for line in text.splitlines()] == [
            f"[bold]Ladepark {n}\\x1b[31m" for n in range(4)
        ]
        table.move_cursor(row=names.index("plain.evtui"))
        await until(pilot, lambda: shown().startswith("no markers"))


async def test_a_session_cut_short_plays_its_readable_messages_and_says_what_it_found(
    tmp_path: Path,
) -> None:
    """The replay line counts what can be played; the last notice says what playing found
    (a cut file can have lost messages before its cut too: said again when they are found)."""
    intact = Intact(tmp_path / "whole.evtui")
    data = intact.path.read_bytes()
    cut = tmp_path / "cut.evtui"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    reader = SessionReader(cut)
    app = player_app(Player(reader), tmp_path, speed=None)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.player is not None and app.player.at_end)
        await repainted(pilot)
        total = reader.count
        assert total < len(intact.messages)
        assert f"msg {total:,}/{total:,}" in str(app.query_one(ReplayBar).render())
        assert reader.damage is not None
        assert toasts(app)[-1].startswith(f"cut.evtui: {reader.damage.describe()}.")
        await pilot.press("q")


class CountingPlayer(Player):
    """A player that counts its jumps (each replays from a checkpoint: the cost of a seek)."""

    jumps = 0

    def seek(self, position: int, clock: float | None = None) -> None:
        self.jumps += 1
        super().seek(position, clock)


async def test_a_burst_of_seek_keys_makes_one_jump_to_where_they_lead(tmp_path: Path) -> None:
    # Seek keys typed faster than a jump takes (a held arrow key) reach the app together: one
    # jump to their sum, not one each, or a long session freezes for minutes.
    from textual import events

    player = CountingPlayer(SessionReader(write_session(tmp_path / "s.evtui")))
    app = player_app(player, tmp_path, paused=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await repainted(pilot)
        assert player.position == 0
        jumps = player.jumps
        for key in ["right"] * 5 + ["left"] * 2 + ["shift+right"]:  # +50 s, -20 s, +60 s
            app.post_message(events.Key(key, None))
        await until(pilot, lambda: player.jumps > jumps)
        await repainted(pilot)
        assert player.jumps == jumps + 1
        assert player.clock == T0 + 90
        assert player.position == 10  # the messages received in the first 90 s
        assert "msg 10/12" in str(app.query_one(ReplayBar).render())
        # Back past the start, then forward: the sum goes on from the start, as single
        # presses do (they stop before the first message, with the clock at the start).
        for key in ["shift+left"] * 3 + ["right"]:
            app.post_message(events.Key(key, None))
        await until(pilot, lambda: player.jumps > jumps + 1)
        await repainted(pilot)
        assert player.jumps == jumps + 2
        assert player.position == 2 and player.clock == T0 + 10
        await pilot.press("q")


async def test_going_to_0_percent_shows_the_replay_before_its_first_message(
    tmp_path: Path,
) -> None:
    # 0% is the start: before the first message (received at the start itself, as a whole
    # first poll may be), as seeking back to the start is.
    app = replay_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await repainted(pilot)
        assert app.player is not None
        await pilot.press("g", *"50%", "enter")
        await repainted(pilot)
        assert app.player.position == 6
        await pilot.press("g", *"0%", "enter")
        await repainted(pilot)
        assert app.player.position == 0
        assert screen_of(app) == ({}, [], 0)
        await pilot.press("q")


async def test_r_in_the_session_browser_lists_the_recording_begun_and_ended(
    tmp_path: Path,
) -> None:
    sessions = tmp_path / "sessions"
    options = RecordOptions(sessions, SessionOrigin("payload file", "file"))
    app = file_app(tmp_path, record=options, sessions_dir=sessions)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await until(pilot, lambda: listed(app) == 0)

        def state() -> str:
            return str(app.screen.query_one(DataTable).get_row_at(0)[5])

        await pilot.press("r")
        await until(pilot, lambda: listed(app) == 1 and state() == "in use")
        await pilot.press("r")
        await until(pilot, lambda: listed(app) == 1 and state() == "complete")
        assert app.recorder is None
        await pilot.press("escape", "q")


async def test_a_session_recorded_mid_session_opens_with_the_monitors_log_as_a_seek_shows_it(
    tmp_path: Path,
) -> None:
    # Recording began after six messages: the replay's start is the monitor's state then,
    # its log included, whether the replay was just opened or sought back to the start.
    live, path = MonitorState(), tmp_path / "mid.evtui"
    batches = []
    for n, item in enumerate(MESSAGES):
        raw = item.encode() if isinstance(item, str) else gzip.compress(json.dumps(item).encode())
        message = StreamMessage(0, n, base64.b64encode(raw).decode(), received_at=T0 + n * STEP)
        batches.append(Batch((decode(message),)))
    for batch in batches[:6]:
        live.apply(batch)
    recorder = Recorder.create(path, SessionOrigin("test feed", "here"), live=live)
    for batch in batches[6:]:
        batch = recorder.in_time_order(batch)
        recorder.record(batch, live.apply(batch))
    recorder.close()
    app = player_app(Player(SessionReader(path)), tmp_path, paused=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await repainted(pilot)
        assert app.player is not None and app.player.position == 0
        opened = screen_of(app)
        assert len(opened[1]) == 5  # the changes of the six messages before the first recorded
        await pilot.press("shift+right")
        await repainted(pilot)
        assert app.player.position > 0
        await pilot.press("g", *"0%", "enter")
        await repainted(pilot)
        assert app.player.position == 0
        assert screen_of(app) == opened
        await pilot.press("q")
