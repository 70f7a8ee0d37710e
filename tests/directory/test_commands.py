"""`evtui directory show|import`, run as a user runs them, against the emulator's v3 service."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from evtui.emulator import EmulatorServer
from tests.conftest import evtui
from tests.directory.records import content, location_id, v3_record


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A fresh user: its own cache and config directories."""
    return {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HERE_CREDENTIALS": str(tmp_path / "none.properties"),
    }


def show(
    server: EmulatorServer, credentials_file: Path, home: dict[str, str], *ids: str
) -> tuple[int, list[dict[str, object]], str]:
    done = evtui(
        "directory",
        "show",
        "--credentials",
        str(credentials_file),
        "--lookup-url",
        server.lookup_url,
        "--directory-url",
        server.directory_url,
        *ids,
        env=home,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, lines, done.stderr


def test_show_asks_what_is_missing_once_and_then_answers_from_the_cache(
    server: EmulatorServer, credentials_file: Path, home: dict[str, str]
) -> None:
    emulator = server.emulator
    for n in range(150):
        emulator.add_location_record(v3_record(n))
    ids = [location_id(n) for n in range(160)]  # the last ten are unknown
    code, lines, err = show(server, credentials_file, home, *ids, *ids[:5], content(3))
    assert code == 0, err
    assert [line["id"] for line in lines] == ids  # once each, in order
    assert sorted(len(b) for b in emulator.directory_asked) == [60, 100]
    first = lines[1]
    assert first == {
        "id": location_id(1),
        "country": "DEU",
        "lat": pytest.approx(52.47701),
        "lng": 13.3618,
        "position": "directory",
        "source": first["source"],  # from the id decoder, once it is in the tree
        "name": "Ladepark 1",
        "operator": "IONITY",
        "address": "Invalidenstrasse 1, 10115 Berlin, Germany",
        "city": "Berlin",
        "postal_code": "10115",
        "evses": [
            {
                "id": f"here:evcp:evse:{1:064x}",
                "evse_id": "DE*ION*E000001*1",
                "connectors": [
                    {"standard": "IEC_62196_T2_COMBO", "power_type": "dc", "max_kw": 350.0},
                    {"standard": "FUTURE_PLUG_9", "power_type": "ac3Phase", "max_kw": None},
                ],
            }
        ],
        "directory": "found",
        "fetched_at": first["fetched_at"],
    }
    unknown = lines[155]
    assert unknown["directory"] == "unknown" and unknown["name"] is None
    assert unknown["evses"] is None

    # A restart asks nothing: records and unknown ids are both cached.
    asked = len(emulator.directory_asked)
    code, again, _ = show(server, credentials_file, home, *ids)
    assert code == 0 and len(emulator.directory_asked) == asked
    assert again[1]["name"] == "Ladepark 1" and again[155]["directory"] == "unknown"
    # Offline needs no credentials at all.
    done = evtui("directory", "show", "--offline", ids[2], env=home)
    assert done.returncode == 0 and json.loads(done.stdout)["name"] == "Ladepark 2"


def test_403_says_not_available_once_exits_1_and_prints_the_rest(
    server: EmulatorServer, credentials_file: Path, home: dict[str, str]
) -> None:
    server.emulator.faults.directory_forbidden = True
    ids = [location_id(n) for n in range(250)]
    code, lines, err = show(server, credentials_file, home, *ids)
    assert code == 1
    assert err.count("not available") == 1
    assert "directory not available (HTTP 403: These credentials do not authorize access)" in err
    assert len(lines) == 250 and all(line["name"] is None for line in lines)
    secret = server.config.access_key_secret
    for text in (err, json.dumps(lines)):
        assert secret not in text
        assert not any(token in text for token in server.emulator.issued)


def test_refused_records_are_named_and_the_good_ones_kept(
    server: EmulatorServer, credentials_file: Path, home: dict[str, str]
) -> None:
    server.emulator.add_location_record(v3_record(1))
    server.emulator.add_location_record(v3_record(2, location={"lat": 500, "lng": 0}))
    code, lines, err = show(server, credentials_file, home, location_id(1), location_id(2))
    assert code == 1
    assert f"refused the directory's record {location_id(2)}: location.lat:" in err
    assert lines[0]["name"] == "Ladepark 1" and lines[1]["name"] is None


def test_import_takes_each_shape_and_names_each_refused_line(
    tmp_path: Path, home: dict[str, str]
) -> None:
    lines_file = tmp_path / "dir.jsonl"
    lines_file.write_text(
        "\n".join(
            [
                json.dumps(v3_record(1)),
                "{not json",
                json.dumps(v3_record(2, location={"lat": "x", "lng": 1})),
                "",
                json.dumps({"id": "ocpi:LOC-1", "name": "their own id"}),
            ]
        )
        + "\n"
    )
    done = evtui("directory", "import", str(lines_file), env=home)
    assert done.returncode == 1
    assert "took 1 record " in done.stdout and "refused 3" in done.stdout
    err = done.stderr.splitlines()
    assert err[0].startswith(f"{lines_file}:2: refused: not JSON")
    assert err[1].startswith(f"{lines_file}:3: refused: location.lat:")
    assert err[2] == f"{lines_file}:5: refused: id 'ocpi:LOC-1' is not a HERE location id"

    array = tmp_path / "dir.json"
    array.write_text("[\n" + json.dumps(v3_record(3)) + ",\n  {\"name\": \"no id\"}\n]\n")
    done = evtui("directory", "import", str(array), env=home)
    assert "took 1 record " in done.stdout
    assert f"{array}:3: refused: id: Field required" in done.stderr

    table = tmp_path / "dir.csv"
    table.write_text(
        "id,name,operator,address,city,postal_code,country,lat,lng\n"
        f"{content(4)},Hof 4,Stadtwerke,Markt 1,Tampere,33100,FIN,61.493773,23.820261\n"
        f"{content(5)},Hof 5,,,,,DE,,\n"
        f"{content(6)},Hof 6,,,,,,north,1\n"
        f"{content(7)},Hof 7,,,,,,,\n"
    )
    done = evtui("directory", "import", str(table), env=home)
    assert "took 2 records" in done.stdout
    assert f"{table}:3: refused: country: 'DE' is not an ISO alpha-3 code" in done.stderr
    assert f"{table}:4: refused: lat: 'north' is not a number" in done.stderr

    done = evtui("directory", "show", "--offline", location_id(4), location_id(1), env=home)
    four, one = (json.loads(line) for line in done.stdout.splitlines())
    assert (four["name"], four["operator"], four["country"], four["lat"]) == (
        "Hof 4",
        "Stadtwerke",
        "FIN",
        61.493773,
    )
    assert four["position"] == "directory" and one["name"] == "Ladepark 1"
    # A row that gives no position keeps the one its id carries.
    done = evtui("directory", "show", "--offline", location_id(7), env=home)
    seven = json.loads(done.stdout)
    assert (seven["name"], seven["position"], seven["country"]) == ("Hof 7", "id", "DEU")
    assert seven["lat"] == pytest.approx(52.477, abs=0.001)


def test_import_refuses_rows_that_would_be_read_into_the_wrong_place(
    tmp_path: Path, home: dict[str, str]
) -> None:
    table = tmp_path / "dir.csv"
    table.write_text(
        "id,name,operator,address,city,postal_code,country,lat,lng\n"
        f"{content(4)},Hof 4,Stadtwerke,Tampere,33100,FIN,61.49,23.82\n"  # no address cell
        f"{content(5)},Hof 5,,,,,DEU,52.4,13.3,extra\n"
        f"{content(6)},Hof 6,,,,,XXX,,\n"
        "abc,Typo,,,,,,,\n"
        f"{content(7)},Hof 7,,,,,deu,,\n"
        f"{location_id(7)},Hof 7 again,,,,,,,\n"  # its full id: the same location
    )
    done = evtui("directory", "import", str(table), env=home)
    assert done.returncode == 1
    assert "took 1 record " in done.stdout and "refused 5" in done.stdout
    assert done.stderr.splitlines() == [
        f"{table}:2: refused: 8 cells, where the header has 9",
        f"{table}:3: refused: 10 cells, where the header has 9",
        f"{table}:4: refused: country: 'XXX' is not an ISO alpha-3 code",
        f"{table}:5: refused: id 'abc' is not a HERE location id (no country and geohash)",
        f"{table}:7: refused: the same location as line 6, which is taken",
    ]
    shown = json.loads(evtui("directory", "show", "--offline", location_id(7), env=home).stdout)
    assert (shown["name"], shown["country"]) == ("Hof 7", "DEU")
    lines = tmp_path / "dir.jsonl"
    lines.write_text(json.dumps({**v3_record(8), "id": "here:evcp:charginglocation:bogus"}))
    done = evtui("directory", "import", str(lines), env=home)
    assert "is not a HERE location id (no country and geohash)" in done.stderr


def test_import_names_positions_off_the_globe_an_empty_file_and_a_country_to_check(
    tmp_path: Path, home: dict[str, str]
) -> None:
    table = tmp_path / "dir.csv"
    table.write_text(
        "id,name,operator,address,city,postal_code,country,lat,lng\n"
        f"{content(1)},Hof 1,,,,,DEU,95,13.3\n"
        f"{content(2)},Hof 2,,,,,FRA,52.4,13.3\n"  # the id says Germany
        f"{content(3)},Hof 3,,,,,DEU,52.4,-180.5\n"
        f"{content(4)},Hof 4,,,,,DEU,nan,13.3\n"
    )
    done = evtui("directory", "import", str(table), env=home)
    assert done.returncode == 1
    assert "took 1 record " in done.stdout and "refused 3" in done.stdout
    assert done.stderr.splitlines() == [
        f"{table}:2: refused: lat: 95 is outside -90 to 90",
        f"{table}:3: taken, but country FRA, where the id says DEU (Germany)",
        f"{table}:4: refused: lng: -180.5 is outside -180 to 180",
        f"{table}:5: refused: lat: nan is outside -90 to 90",
    ]
    # The directory's word stands: HERE's record, not the id's inferred country.
    shown = json.loads(evtui("directory", "show", "--offline", location_id(2), env=home).stdout)
    assert shown["country"] == "FRA"
    empty = tmp_path / "empty.csv"
    empty.write_text("\n  \n")
    done = evtui("directory", "import", str(empty), env=home)
    assert done.returncode == 1
    assert done.stderr == f"{empty}:1: refused: the file is empty: no records\n"


def test_a_bad_setting_is_said_by_directory_commands_too(
    tmp_path: Path, home: dict[str, str]
) -> None:
    settings = tmp_path / "config" / "evtui" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('directory_refresh_days = "x"\n')
    done = evtui("directory", "show", "--offline", location_id(1), env=home)
    assert done.returncode == 0
    assert f"evtui: warning: settings {settings}: directory_refresh_days:" in done.stderr


def test_import_of_a_file_it_cannot_read_says_why_in_words(
    tmp_path: Path, home: dict[str, str]
) -> None:
    binary = tmp_path / "dir.csv"
    binary.write_bytes(b"id,name\n\xff\xfe,x\n")
    for path, says in (
        (tmp_path / "absent.csv", "No such file or directory"),
        (tmp_path, "Is a directory"),
        (binary, "not UTF-8 text (byte 8)"),
    ):
        done = evtui("directory", "import", str(path), env=home)
        assert done.returncode == 1
        assert done.stderr == f"evtui: directory import {path}: {says}\n"


def test_a_corrupt_cache_is_moved_aside_and_show_goes_on(
    tmp_path: Path, home: dict[str, str]
) -> None:
    cache = Path(home["XDG_CACHE_HOME"]) / "evtui" / "directory.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"\x00garbage" * 1000)
    done = evtui("directory", "show", "--offline", location_id(1), env=home)
    assert done.returncode == 0
    assert "could not be read" in done.stderr and "moved it aside" in done.stderr
    assert json.loads(done.stdout)["id"] == location_id(1)
    assert any(".corrupt-" in p.name for p in cache.parent.iterdir())
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT value FROM meta").fetchone() == ("1",)


def test_an_id_of_no_known_shape_is_said_to_be_so(tmp_path: Path, home: dict[str, str]) -> None:
    # A typo: a line of nulls alone, exit 0, read as a location the directory does not know.
    done = evtui("directory", "show", "--offline", "notanid", location_id(1), env=home)
    assert done.returncode == 1
    assert done.stderr.startswith("evtui: notanid: not the shape of a HERE location id")
    first, second = map(json.loads, done.stdout.splitlines())
    assert first["id"] == "here:evcp:charginglocation:notanid" and first["country"] is None
    # A real-shaped id the directory has never heard of is no mistake: its id tells a place.
    assert second["country"] is not None
    alone = evtui("directory", "show", "--offline", location_id(1), env=home)
    assert (alone.returncode, alone.stderr) == (0, "")
