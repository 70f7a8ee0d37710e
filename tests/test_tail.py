"""`evtui tail`: what a user sees on stdout and stderr."""

from __future__ import annotations

import io
import json
from pathlib import Path

from evtui.commands.tail import Format, run_tail
from evtui.sources import PayloadFileSource

EVSE = "here:evcp:evse:" + "cd" * 32


def doc(location: str, status: str = "AVAILABLE", evse: str = EVSE) -> dict[str, object]:
    return {
        "id": location,
        "evses": [{"id": evse, "status": status, "last_updated": "2026-11-25T10:00:00Z"}],
    }


async def tail(path: Path, fmt: Format = "jsonl", limit: int | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await run_tail(PayloadFileSource(str(path)), out=out, err=err, fmt=fmt, limit=limit)
    return code, out.getvalue(), err.getvalue()


async def test_jsonl_reprints_each_payload_exactly_and_reports_rejections(
    tmp_path: Path,
) -> None:
    docs = [doc(f"here:evcp:charginglocation:{i}") for i in range(5)]
    text = "\n".join(json.dumps(d, indent=2) for d in docs[:2])
    text += '\n{"id": "broken",\n'  # a malformed object between good ones
    text += "\n---\n".join(json.dumps(d) for d in docs[2:])
    path = tmp_path / "payloads.json"
    path.write_text(text)

    code, out, err = await tail(path)

    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == docs
    assert "rejected: partition 0 offset 2: bad JSON" in err
    assert "5 payloads, 1 rejected (bad JSON: 1)" in err


async def test_limit_stops_after_n_valid_payloads(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(doc(f"L{i}")) for i in range(50)))
    _, out, _ = await tail(path, limit=7)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [f"L{i}" for i in range(7)]


async def test_schema_errors_name_the_field(tmp_path: Path) -> None:
    bad = {"id": "L1", "evses": [{"id": EVSE, "last_updated": "2026-11-25T10:00:00Z"}]}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(bad) + "\n" + json.dumps(doc("L2")))
    _, out, err = await tail(path)
    assert json.loads(out) == doc("L2")
    assert "schema error: evses.0.status: Field required" in err


async def test_text_and_jsonl_keep_escape_sequences_inert(tmp_path: Path) -> None:
    hostile = "L\x1b]0;pwned\x07\x1b[31m\u202e[bold]x[/bold]"
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(doc(hostile, status="PLANNED")))

    _, text_out, _ = await tail(path, fmt="text")
    assert "\x1b" not in text_out and "\x07" not in text_out and "\u202e" not in text_out
    assert "\\x1b]0;pwned\\x07\\x1b[31m\\u202e[bold]x[/bold]" in text_out
    assert "PLANNED" in text_out

    _, json_out, _ = await tail(path, fmt="jsonl")
    assert "\x1b" not in json_out and "\u202e" not in json_out
    assert json.loads(json_out)["id"] == hostile


async def test_a_bad_object_says_what_is_wrong_where_in_the_object(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a\tb", "evses": []}\n{"id" "L2"}\n' + json.dumps(doc("L3")))
    _, out, err = await tail(path)
    assert json.loads(out) == doc("L3")
    # And on which line of the file it begins (an `offset` counts documents, not lines).
    assert "line 1: Invalid control character at character 9 of the object" in err
    assert "line 2: Expecting ':' delimiter at character 6 of the object" in err


async def test_text_between_objects_is_rejected_and_kept_but_delimiters_are_not(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.txt"
    path.write_text(
        json.dumps(doc("L1")) + "\n-----\n" + "garbage line\n" + json.dumps(doc("L2")) + ",\n[1, 2]"
    )
    code, out, err = await tail(path)
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["L1", "L2"]
    assert err.count("rejected:") == 2
    assert "garbage line" in err and "[1, 2]" in err
    # Each named by the line it begins on: blank lines and objects over several lines count.
    assert "line 2: not a JSON object: -----" in err and "line 4: not a JSON object: ," in err


async def test_non_finite_numbers_are_rejected_rather_than_printed_as_invalid_json(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.txt"
    path.write_text('{"id": "L1", "extra": NaN, "evses": []}\n' + json.dumps(doc("L2")))
    _, out, err = await tail(path)
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["L2"]
    assert "bad JSON" in err


async def test_jsonl_spells_every_value_as_json_does_escaping_all_but_printable_ascii(
    tmp_path: Path,
) -> None:
    odd = {
        **doc("here:evcp:charginglocation:é€😀"),
        "extra": {"floats": [1.5, 1e16, -2e-07, 0.1], "big": 10**30, "flags": [True, None]},
        "text": "tab\there\x7fdel\x01\u2028",
    }
    docs = [doc("L1"), odd, {**doc("L3"), "count": 3}]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs))

    _, out, _ = await tail(path)

    assert out.isascii()
    assert out.splitlines() == [json.dumps(d, separators=(",", ":")) for d in docs]


def test_each_bad_document_is_named_by_its_line_however_the_file_is_read() -> None:
    import random
    import re

    from evtui.sources import _ObjectReader

    rng = random.Random(5)
    parts = []
    for n in range(300):
        kind = rng.choice(["ok", "ok", "tall", "blank", "junk", "bad"])
        if kind == "ok":
            parts.append(json.dumps(doc(f"L{n}")) + "\n")
        elif kind == "tall":  # one object over several lines
            parts.append(json.dumps(doc(f"L{n}"), indent=1) + "\n")
        elif kind == "blank":
            parts.append("\n" * rng.randint(1, 3))
        elif kind == "junk":
            parts.append(f"junk {n} here\n")
        else:  # an object that does not parse
            parts.append(f'{{"id": "L{n}", "evses": [}}\n')
    text = "".join(parts) + '{"id": "cut'
    # Read in chunks of any size, as a pipe gives them: the lines are the same.
    for chunk_size in (1, 7, 64, 4096, len(text)):
        reader = _ObjectReader()
        found = []
        for at in range(0, len(text), chunk_size):
            found += reader.feed(text[at : at + chunk_size])
        found += reader.finish()
        bad = [(piece, error) for _, piece, error in found if error is not None]
        # (Junk on lines one after another is one piece: the text between two objects.)
        broken = sum(p.endswith("[}\n") for p in parts)
        assert sum("[}" in piece for piece, _ in bad) == broken > 10
        assert any(piece.startswith("junk") for piece, _ in bad) and bad[-1][0] == '{"id": "cut'
        searched = 0
        for piece, error in bad:
            # The second computation: where the piece stands in the whole text.
            where = text.index(piece, searched)
            searched = where + 1
            line = re.match(r"line (\d+): ", error)
            assert line is not None, error
            assert int(line.group(1)) == text.count("\n", 0, where) + 1, (chunk_size, piece)
