"""The `evtui` command as a user runs it: real processes, real emulator, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from evtui.emulator import EmulatorServer
from evtui.model import KNOWN_STATUSES
from evtui.recording import SessionReader
from tests.conftest import evtui, location_doc


def test_version() -> None:
    result = evtui("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("evtui ")


def test_tail_demo_prints_the_requested_number_of_valid_payloads() -> None:
    result = evtui("tail", "--source", "demo", "--limit", "500", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 500
    ids = set()
    for line in lines:
        payload = json.loads(line)
        assert payload["id"].startswith("here:evcp:charginglocation:")
        for evse in payload["evses"]:
            assert evse["status"] in KNOWN_STATUSES
            ids.add(evse["id"])
    assert len(ids) > 400  # the initial snapshot covers many EVSEs
    assert "500 payloads" in result.stderr


def test_without_credentials_explains_where_they_go(tmp_path: Path) -> None:
    missing = tmp_path / "nope.properties"
    result = evtui("--credentials", str(missing))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(missing) in result.stderr
    assert "evtui check" in result.stderr
    assert "evtui demo" in result.stderr


@pytest.mark.parametrize("command", ["tail", "check"])
def test_plain_http_is_refused_off_loopback(tmp_path: Path, command: str) -> None:
    creds = tmp_path / "c.properties"
    creds.write_text(
        "here.user.id=u\nhere.client.id=c\nhere.access.key.id=k\n"
        "here.access.key.secret=s3cr3t-value\n"
        "here.token.endpoint.url=https://account.api.here.com/oauth2/token\n"
    )
    creds.chmod(0o600)
    result = evtui(
        command,
        "--credentials",
        str(creds),
        "--lookup-url",
        "http://example.com/lookup/v1",
        timeout=30,
    )
    assert result.returncode != 0
    assert "https" in (result.stdout + result.stderr).lower()
    assert "s3cr3t-value" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_tail_against_a_faulty_platform_prints_every_payload_once_and_cleans_up(
    server: EmulatorServer, credentials_file: Path
) -> None:
    """The acceptance run: short-lived tokens, one 503, one lost subscription, one big blob."""
    emulator = server.emulator
    server.config.token_lifetime = 3
    # A valid payload is far under HERE's 1 MB inline limit: lower it to send one through Blob.
    server.config.inline_limit = 20_000
    published = []
    for n in range(1500):
        doc = location_doc(n, evses=1 + n % 3)
        emulator.publish(doc)
        published.append(doc)
        if n == 700:
            big = location_doc(10**6, evses=1)
            big["evses"] = [  # random ids: they do not compress
                {
                    "id": f"here:evcp:evse:{os.urandom(32).hex()}",
                    "status": "AVAILABLE",
                    "last_updated": "2026-11-25T10:00:00Z",
                }
                for _ in range(1_000)
            ]
            emulator.publish(big)
            published.append(big)
    emulator.faults.unavailable = 1
    emulator.faults.retry_after = 1
    emulator.faults.drop_subscriptions_after = 2
    emulator.faults.expire_tokens_after = 3

    result = evtui(
        "tail",
        "--credentials",
        str(credentials_file),
        "--lookup-url",
        server.lookup_url,
        "--from",
        "earliest",
        "--limit",
        str(len(published)),
        "--format",
        "jsonl",
    )

    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(printed) == len(published)
    assert sorted(printed, key=lambda d: str(d["id"])) == sorted(
        published, key=lambda d: str(d["id"])
    )
    assert emulator.blobs_served == 1
    assert len(emulator.subscribed) == 2 and len(set(emulator.subscribed)) == 1
    assert emulator.tokens_issued >= 2
    committed = emulator.committed(emulator.subscribed[0])
    assert sum(committed.values()) == len(published)
    assert emulator.live_subscriptions() == 0
    assert server.config.access_key_secret not in result.stdout + result.stderr


def test_record_in_parallel_mode_records_only_its_share_of_the_partitions(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path
) -> None:
    emulator = server.emulator
    server.config.session_timeout = 600  # the other recorder of the group never polls here
    # Another recorder of the group, joined first: Kafka's range assignment gives it 0 and 1.
    emulator.subscribe("rec", {"auto.offset.reset": "earliest"}, "parallel")
    published = [emulator.publish(location_doc(n)) for n in range(40)]
    share = sorted(w for w in published if w[0] in (2, 3))
    out = tmp_path / "share.evtui"
    home = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}

    result = evtui(
        "record", "--credentials", str(credentials_file), "--lookup-url", server.lookup_url,
        "--from", "earliest", "--mode", "parallel", "--consumer-id", "rec",
        "--limit", str(len(share)), "-o", str(out), env=home,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    with SessionReader(out) as reader:
        recorded = sorted((m.partition, m.offset) for chunk in reader.read() for _, m in chunk)
    assert recorded == share
    assert emulator.committed("rec") == {p: 1 + max(o for q, o in share if q == p) for p in (2, 3)}


def test_parallel_mode_without_a_consumer_group_is_a_usage_error() -> None:
    result = evtui("record", "--source", "demo", "--mode", "parallel", "--limit", "1")
    assert result.returncode == 2
    assert "--mode parallel needs --consumer-id" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["replay", "s.evtui", "--speed", "0"], "argument --speed: '0': from 0.25 to 100, or max"),
        (["replay", "s", "--speed", "abc"], "argument --speed: 'abc': from 0.25 to 100, or max"),
        (["report", "s.evtui", "--gap", "abc"], "argument --gap: 'abc' is not a positive number"),
        (["record", "--duration", "nan"], "argument --duration: 'nan' is not a positive number"),
        (["tail", "--limit", "ten"], "argument --limit: 'ten' is not a whole number"),
        (
            ["report", "--archive", "a", "--memory-limit", "lots"],
            "argument --memory-limit: 'lots' is not a size (e.g. 2GB)",
        ),
        (
            ["report", "--archive", "a", "--memory-limit", "2000"],
            "argument --memory-limit: '2000' is not a size (e.g. 2GB)",
        ),
        (
            ["report", "--archive", "a", "--memory-limit", "500%"],
            "argument --memory-limit: '500%': a share of the memory is at most 100%",
        ),
    ],
)
def test_a_bad_option_value_is_said_in_words(args: list[str], said: str) -> None:
    result = evtui(*args)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(f"error: {said}"), result.stderr
    assert "_positive" not in result.stderr and "_speed" not in result.stderr


def test_every_command_says_what_it_does_in_its_own_help() -> None:
    import argparse

    from evtui.cli import build_parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        found: dict[str, argparse.ArgumentParser] = {}
        for action in parser._actions:  # (argparse lists sub-commands only here)
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[name] = sub
                    found.update({f"{name} {k}": v for k, v in commands(sub).items()})
        return found

    every = commands(build_parser())
    assert {"check", "demo", "directory show"} <= set(every)
    assert [name for name, sub in every.items() if not sub.description] == []
    # And every option and argument of each: `--format` once listed its choices only.
    unsaid = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, sub in {"": build_parser(), **every}.items()
        for action in sub._actions
        if action.help is None
        and not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
    ]
    assert unsaid == []
    # A choice's default is said where there is one.
    export = every["export"].format_help()
    assert "(default: jsonl)" in " ".join(export.split())


def test_the_sizes_duckdb_takes_are_accepted() -> None:
    from evtui.cli import build_parser

    for size in ("2GB", "500MB", "2GiB", "1.5 gb", "50%"):
        args = build_parser().parse_args(["report", "--archive", "a", "--memory-limit", size])
        assert args.memory_limit == size.strip()


def test_check_passes_against_the_emulator(server: EmulatorServer, credentials_file: Path) -> None:
    result = evtui(
        "check",
        "--credentials",
        str(credentials_file),
        "--lookup-url",
        server.lookup_url,
        "--directory-url",
        server.directory_url,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(steps) >= 5
    assert all(line.startswith("[ok  ]") for line in steps), result.stdout
    assert f"directory (EV Charge Points API v3): reachable at {server.directory_url}" in steps[-1]
    assert server.emulator.live_subscriptions() == 0


def test_check_points_at_the_lookup_url_and_an_empty_variable_is_unset(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path
) -> None:
    wrong = server.lookup_url.rsplit("/", 2)[0] + "/nope"  # the emulator answers 404
    result = evtui("check", "--credentials", str(credentials_file), "--lookup-url", wrong)
    assert result.returncode == 1
    assert "--lookup-url or EVTUI_LOOKUP_URL" in result.stdout, result.stdout
    result = evtui("check", env={"HERE_CREDENTIALS": "", "HOME": str(tmp_path)})
    assert result.returncode == 1
    assert str(tmp_path / ".here" / "credentials.properties") in result.stdout, result.stdout
    assert "Is a directory" not in result.stdout


def test_check_says_once_when_the_directory_is_not_available(
    server: EmulatorServer, credentials_file: Path
) -> None:
    server.emulator.faults.directory_forbidden = True
    result = evtui(
        "check",
        "--credentials",
        str(credentials_file),
        "--lookup-url",
        server.lookup_url,
        env={"EVTUI_DIRECTORY_URL": server.directory_url},
    )
    # The stream works: the check passes, and the directory step says why it cannot help.
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("not available") == 1
    assert "[warn] directory (EV Charge Points API v3): not available (HTTP 403: " in result.stdout


def test_check_names_the_failing_step_and_the_fix(
    server: EmulatorServer, credentials_file: Path
) -> None:
    text = credentials_file.read_text().replace(server.config.access_key_secret, "wrong-secret")
    credentials_file.write_text(text)
    result = evtui(
        "check", "--credentials", str(credentials_file), "--lookup-url", server.lookup_url
    )
    assert result.returncode == 1
    fail = next(line for line in result.stdout.splitlines() if line.startswith("[FAIL]"))
    assert "token" in fail.lower()
    assert "here.access.key.secret" in result.stdout
    assert "wrong-secret" not in result.stdout + result.stderr


def test_check_names_a_missing_key(tmp_path: Path) -> None:
    creds = tmp_path / "c.properties"
    creds.write_text("here.access.key.id=k\nhere.token.endpoint.url=https://a.b/oauth2/token\n")
    creds.chmod(0o600)
    result = evtui("check", "--credentials", str(creds))
    assert result.returncode == 1
    assert "here.access.key.secret is missing" in result.stdout


def test_emulate_prints_credentials_that_work(tmp_path: Path) -> None:
    written = tmp_path / "emu.properties"
    # A run before left its own file: it is written over (its secret was a throwaway).
    written.write_text("here.user.id = HERE-emulator-user-7\nhere.access.key.id = OLD\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evtui.cli",
            "emulate",
            "--port",
            "0",
            "--write-credentials",
            str(written),
            "--locations",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Serving" in line:
                break
        text = "".join(lines)
        assert "here.access.key.secret" in text
        lookup = next(line.split(": ", 1)[1].strip() for line in lines if "API Lookup URL" in line)
        assert oct(written.stat().st_mode & 0o777) == "0o600"
        assert "OLD" not in written.read_text()
        result = evtui(
            "tail",
            "--credentials",
            str(written),
            "--lookup-url",
            lookup,
            "--from",
            "earliest",
            "--limit",
            "50",
            "--format",
            "jsonl",
        )
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) == 50
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_emulate_never_writes_over_a_users_own_credentials_and_refuses_bad_ports(
    tmp_path: Path,
) -> None:
    mine = tmp_path / "credentials.properties"
    portal = "here.user.id = HERE-USER-1\nhere.access.key.secret = shown-once\n"
    mine.write_text(portal)
    done = evtui("emulate", "--port", "0", "--write-credentials", str(mine), timeout=20)
    assert done.returncode == 1
    assert done.stderr == (
        f"evtui emulate: {mine} exists and is not an emulator's credentials file: not "
        "written over (give another path, or remove it first)\n"
    )
    assert mine.read_text() == portal and "Serving" not in done.stdout
    done = evtui("emulate", "--port", "0", "--write-credentials", str(tmp_path), timeout=20)
    assert done.stderr == f"evtui emulate: --write-credentials {tmp_path} is a directory\n"
    for port in ("70000", "-1", "http"):
        done = evtui("emulate", "--port", port, timeout=20)
        assert done.returncode == 2 and "argument --port" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_stdin_is_printed_as_it_arrives_and_timeout_holds_on_a_silent_pipe() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "evtui.cli", "tail", "--source", "-", "--timeout", "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(location_doc(1)) + "\n")
    proc.stdin.flush()
    first = proc.stdout.readline()  # arrives while the pipe stays open
    assert json.loads(first)["id"] == location_doc(1)["id"]
    # The pipe stays open and silent: --timeout still ends the run.
    assert proc.wait(timeout=10) == 0
    proc.stdin.close()


def test_check_says_what_to_do_when_the_token_endpoint_is_unreachable(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    creds = tmp_path / "c.properties"
    creds.write_text(
        "\ufeffhere.access.key.id=k\nhere.access.key.secret=s3cr3t-value\n"  # with a BOM
        f"here.token.endpoint.url=http://127.0.0.1:{port}/oauth2/token\n"
    )
    creds.chmod(0o600)
    result = evtui("check", "--credentials", str(creds), timeout=60)
    assert result.returncode == 1
    assert "[ok  ] credentials file" in result.stdout
    fail = next(line for line in result.stdout.splitlines() if line.startswith("[FAIL]"))
    assert "access token" in fail and "cannot reach" in fail
    assert "fix: check the network" in result.stdout
    assert "s3cr3t-value" not in result.stdout + result.stderr


def test_watch_options_add_to_the_watchlist_file_under_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evtui.cli import build_parser
    from evtui.commands.monitor import _load_user_files

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = tmp_path / "evtui" / "watchlist.json"
    args = build_parser().parse_args(["--watch", "L1", "--watch", "L2"])
    _, watchlist, warnings = _load_user_files(args.watch)
    assert (list(watchlist), warnings) == (["L1", "L2"], [])
    # Later runs keep them; `demo --watch` adds more, without duplicates.
    args = build_parser().parse_args(["demo", "--watch", "L2", "--watch", "L3"])
    _, watchlist, _ = _load_user_files(args.watch)
    saved = json.loads(path.read_text())["locations"]
    assert [entry["id"] for entry in saved] == ["L1", "L2", "L3"]


def test_bad_user_files_become_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evtui.commands.monitor import _load_user_files

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "evtui").mkdir()
    (tmp_path / "evtui" / "settings.toml").write_text("refresh_rate = 0\n")
    (tmp_path / "evtui" / "watchlist.json").write_text("[")
    settings, watchlist, warnings = _load_user_files(["L9"])
    assert settings.refresh_rate == 20.0
    assert list(watchlist) == ["L9"]
    assert len(warnings) == 2
    assert "refresh_rate" in warnings[0] and "moved it to" in warnings[1]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_without_credentials_at_a_terminal_the_demo_is_offered(tmp_path: Path) -> None:
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: evtui at a terminal
        os.execv(
            sys.executable,
            [sys.executable, "-m", "evtui.cli", "--credentials", str(tmp_path / "none")],
        )
    seen = b""
    while b"[y/N]" not in seen:
        chunk = os.read(fd, 4096)
        assert chunk, seen
        seen += chunk
    os.write(fd, b"n\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 2
    assert b"Open the demo now?" in seen and b"Traceback" not in seen


def test_a_directory_given_as_the_source_is_said_to_be_one(tmp_path: Path) -> None:
    result = evtui("tail", "--source", str(tmp_path))
    assert result.returncode == 2
    said = f"evtui: --source {tmp_path} is a directory, not a session or payload file\n"
    assert result.stderr == said


def test_a_source_given_before_the_command_is_the_one_read(tmp_path: Path) -> None:
    # `evtui --source X tail` as `evtui tail --source X`: the usage line offers both.
    payload = {"id": "here:evcp:charginglocation:276u33d811u8y-eA",
               "evses": [{"id": "here:evcp:evse:01", "status": "CHARGING",
                          "last_updated": "2026-11-01T08:00:00Z"}]}  # fmt: skip
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(payload) + "\n")
    for args in (("--source", str(source), "tail"), ("tail", "--source", str(source))):
        result = evtui(*args)
        assert result.returncode == 0, result.stderr
        assert [json.loads(line) for line in result.stdout.splitlines()] == [payload]
    recorded = tmp_path / "one.evtui"
    result = evtui("--source", str(source), "record", "-o", str(recorded))
    assert result.returncode == 0, result.stderr
    assert json.loads(evtui("tail", "--source", str(recorded)).stdout) == payload


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_output_that_cannot_be_written_is_said_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "two.jsonl"
    source.write_text(json.dumps(location_doc(1, evses=2)) + "\n")  # 10:00 and 10:01
    for command in (("tail", "--source", str(source)), ("report", str(source))):
        with open("/dev/full", "w") as full:  # every write: "No space left on device"
            done = subprocess.run(
                [sys.executable, "-m", "evtui.cli", *command],
                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False,
            )  # fmt: skip
        assert done.returncode == 1
        said = f"evtui {command[0]}: standard output: No space left on device"
        assert said in done.stderr.splitlines() and "Traceback" not in done.stderr, done.stderr


def test_a_report_of_one_instant_says_so(tmp_path: Path) -> None:
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(location_doc(1)) + "\n")
    done = evtui("report", str(source))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "evtui: nothing to report: every update is of one instant (2026-11-25T10:00:00Z), "
        "a window of no time\n"
    )


def test_an_empty_consumer_id_is_refused_not_taken_for_a_fresh_one() -> None:
    # `--consumer-id "$GROUP"` with GROUP unset would never resume: said at once.
    done = evtui("tail", "--source", "demo", "--consumer-id", " ", "--limit", "1")
    assert done.returncode == 2
    assert "argument --consumer-id: empty: give a name, or leave the option out" in done.stderr


def test_python_dash_m_evtui_is_the_evtui_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "evtui", "--version"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("evtui ")


def test_a_path_is_said_with_its_control_characters_escaped(tmp_path: Path) -> None:
    hostile = str(tmp_path / "a\x1b[31mred.evtui")
    result = evtui("report", hostile)
    assert result.returncode != 0
    assert "\x1b" not in result.stderr and "a\\x1b[31mred.evtui" in result.stderr, result.stderr
