"""The locations a user watches, with their labels, kept in a JSON file between runs."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evtui.model import id_tail
from evtui.model.location_id import decode_location_id
from evtui.safetext import safe_text

__all__ = [
    "LOCATION_PREFIX",
    "Watchlist",
    "WatchlistError",
    "could_be_location_id",
    "resolve_location_id",
]

LOCATION_PREFIX = "here:evcp:charginglocation:"
"""How every charging location id of the HERE stream starts."""
_HEX = frozenset("0123456789abcdef")


class WatchlistError(Exception):
    """The watchlist file could not be written."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    label: str = ""


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Literal[1] = 1
    locations: list[_Entry] = []


class Watchlist:
    """Watched location ids in the order they were added, each with an optional label.

    Changes are in memory until `save()`, which replaces the file atomically.
    """

    def __init__(self, path: Path | None = None, entries: dict[str, str] | None = None) -> None:
        self.path = path
        self._labels: dict[str, str] = dict(entries or {})
        self._unwatched: dict[str, str] = {}
        """Labels of the locations unwatched since the list was loaded (not saved)."""

    @classmethod
    def load(cls, path: Path, *, read_only: bool = False) -> tuple[Watchlist, list[str]]:
        """Read `path`; a missing file is an empty list. Also returns warnings for the user.

        A bad entry is named and left out, the others kept; the file as it was is copied
        aside first, for the next save leaves the bad entry out. A file that is not the
        watchlist's JSON at all is moved aside (never overwritten) and the list starts empty.
        `read_only` (a recorder): nothing is moved, copied or ever saved.
        """
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(None if read_only else path), []
        except OSError as exc:
            return cls(path), [f"could not read the watchlist {path}: {exc.strerror or exc}"]
        newer = _newer_version(raw)
        if newer is not None:
            # Written by a later evtui: leave it alone rather than lose what it holds.
            return cls(None), [
                f"the watchlist {path} is format version {newer}, newer than this evtui "
                "reads; it is left untouched and this session's watchlist is not saved"
            ]
        keep = None if read_only else path
        try:
            data = _File.model_validate_json(raw)
        except ValidationError as exc:
            reason = _first_error(exc)
        else:
            warnings = _entry_warnings(path, _locations(raw) or [])
            if warnings and not read_only:
                warnings.append(_copied_aside(path, raw))
            return cls(keep, {e.id: e.label for e in data.locations}), warnings
        locations = _locations(raw)
        if locations is not None:
            entries = _good_entries(locations)
            warnings = _entry_warnings(path, locations) or [f"the watchlist {path}: {reason}"]
            if not read_only:
                warnings.append(_copied_aside(path, raw))
            return cls(keep, entries), warnings
        if read_only:
            return cls(None), [f"the watchlist {path} is unreadable ({reason}); not used"]
        aside = _move_aside(path)
        where = f"moved it to {aside.name}" if aside else "could not move it aside"
        return cls(path), [
            f"the watchlist {path} was unreadable ({reason}); {where} and started an empty list"
        ]

    def save(self) -> None:
        """Write the list to `path` atomically: a crash leaves the old file or the new one."""
        if self.path is None:
            return
        data = _File(locations=[_Entry(id=i, label=lab) for i, lab in self._labels.items()])
        text = json.dumps(data.model_dump(), indent=2, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".watchlist-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise WatchlistError(
                f"could not save the watchlist to {self.path}: {exc.strerror or exc}"
            ) from exc

    def __contains__(self, location_id: object) -> bool:
        return location_id in self._labels

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._labels))

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def labels(self) -> dict[str, str]:
        """Location id → label, for the watched locations that have one."""
        return {i: lab for i, lab in self._labels.items() if lab}

    def label(self, location_id: str) -> str:
        return self._labels.get(location_id, "")

    def add(self, location_id: str, label: str = "") -> bool:
        """Watch a location; False if it already was (its label is then kept). Watched again
        with no label, it takes back the one it had when it was unwatched in this run."""
        if location_id in self._labels:
            return False
        self._labels[location_id] = label or self._unwatched.pop(location_id, "")
        return True

    def remove(self, location_id: str) -> bool:
        """Stop watching a location; its label is kept, should it be watched again."""
        label = self._labels.pop(location_id, None)
        if label is None:
            return False
        if label:
            # One key press unwatches: one more (w again, or undo) brings the label back.
            self._unwatched[location_id] = label
        return True

    def toggle(self, location_id: str) -> bool:
        """Watch or unwatch; True if the location is watched afterwards."""
        if self.remove(location_id):
            return False
        self.add(location_id)
        return True

    def set_label(self, location_id: str, label: str) -> None:
        """Label a location, watching it if it was not."""
        self._labels[location_id] = label.strip()


_PART_LEAST = 6
"""Characters of an id's start or end below which a text is not taken for part of one."""


def resolve_location_id(text: str, known: Iterable[str] = ()) -> str:
    """The full location id a user meant by `text`, which may be pasted with quotes, or be
    only the id's tail, its short form (`head…tail`) as the screens show it, or enough of
    its start or end to fit one location of `known` alone. A short form that fits no
    location of `known`, or several, comes back as it is."""
    text = text.strip().strip("'\"").strip()
    known = list(known)
    if "…" in text:
        head, _, end = id_tail(text).partition("…")
        fits = [k for k in known if id_tail(k).startswith(head) and id_tail(k).endswith(end)]
        return fits[0] if len(fits) == 1 else text
    if ":" in text or not text:
        return text
    wanted = text.casefold()
    # Real ids end in base64, where case matters: an exact tail first, then any case.
    for location_id in known:
        if id_tail(location_id) == text:
            return location_id
    for location_id in known:
        if id_tail(location_id).casefold() == wanted:
            return location_id
    if len(text) >= _PART_LEAST:
        # As much of its start or its end as tells it from every other location seen.
        fits = [k for k in known if id_tail(k).startswith(text) or id_tail(k).endswith(text)]
        if len(fits) == 1:
            return fits[0]
    if set(wanted) <= _HEX:
        return LOCATION_PREFIX + wanted
    if decode_location_id(LOCATION_PREFIX + text) is not None:
        return LOCATION_PREFIX + text
    return text


def could_be_location_id(location_id: str) -> bool:
    """Whether a location not seen yet may still be this id: HERE's shape (country, geohash,
    source), or the long hex tail of older ids; not a typo, a short form or a word."""
    if not location_id.startswith(LOCATION_PREFIX) or "…" in location_id:
        return False
    tail = id_tail(location_id)
    return decode_location_id(location_id) is not None or (len(tail) >= 16 and set(tail) <= _HEX)


def _newer_version(raw: bytes) -> int | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, int) and version > 1 else None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return safe_text(f"{where}: {error['msg']}" if where else error["msg"], 120)


def _locations(raw: bytes) -> list[Any] | None:
    """The file's `locations` list, if it is a JSON object that has one."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    locations = data.get("locations") if isinstance(data, dict) else None
    return locations if isinstance(locations, list) else None


def _good_entries(locations: list[Any]) -> dict[str, str]:
    """The entries of the file's `locations` that are whole."""
    good: dict[str, str] = {}
    for entry in locations:
        try:
            valid = _Entry.model_validate(entry)
        except ValidationError:
            continue
        good[valid.id] = valid.label
    return good


def _entry_warnings(path: Path, locations: list[Any]) -> list[str]:
    """Each entry left out, and each key of an entry that is not read (a typo: `lable`)."""
    out = []
    for n, entry in enumerate(locations):
        try:
            _Entry.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(["locations", str(n), *map(str, error["loc"])])
            why = safe_text(error["msg"], 120)
            out.append(f"the watchlist {path}: {where}: {why}; left out")
            continue
        for key in sorted(set(entry) - set(_Entry.model_fields)):
            out.append(
                f"the watchlist {path}: locations.{n}: {safe_text(str(key), 30)!r} is not "
                "read (an entry has id and label)"
            )
    return out


def _copied_aside(path: Path, raw: bytes) -> str:
    """Copy the file as it was (`raw`) beside it, for the next save leaves out what this
    evtui did not take; says where."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for n in range(100):
        aside = path.with_name(f"{path.name}.before-{stamp}" + (f"-{n}" if n else ""))
        try:
            with aside.open("xb") as out:
                out.write(raw)
        except FileExistsError:
            continue
        except OSError:
            break
        return f"the watchlist {path} as it was is in {aside.name}"
    return f"could not copy the watchlist {path} aside"


def _move_aside(path: Path) -> Path | None:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for n in range(100):
        aside = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n else ""))
        if aside.exists():
            continue
        try:
            path.rename(aside)
        except OSError:
            return None
        return aside
    return None
