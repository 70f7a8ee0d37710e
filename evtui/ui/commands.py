"""Command palette entries: watch/unwatch, status filters, jump to a location (by id, label,
name, operator or city), and the rest."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from evtui.map.world import countries
from evtui.model import KNOWN_STATUSES, EventFilter
from evtui.safetext import safe_text
from evtui.ui.host import PaletteHost
from evtui.ui.theme import short_id

MAX_LOCATION_HITS = 20
"""Locations listed for one query; how many more match is said in one more line."""


class EvtuiCommands(Provider):
    """evtui's actions; typing part of a location's id, label, name, operator or city offers
    to open that location."""

    @property
    def _app(self) -> PaletteHost:
        assert isinstance(self.app, PaletteHost)
        return self.app

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self._app
        out: list[tuple[str, Callable[[], object], str]] = []
        current = app.current_location(self.screen)  # (the palette is on top by now)
        if current is not None:
            name = app.display_name(current)
            if current in app.watchlist:
                out.append(
                    (f"Unwatch {name}", app.action_toggle_watch, "remove it from the watchlist")
                )
            else:
                out.append((f"Watch {name}", app.action_toggle_watch, "add it to the watchlist"))
        out.append(("Watch a location by id…", app.action_add_watch, "paste a location id"))
        for location_id in app.watchlist:
            out.append(
                (
                    f"Unwatch {app.display_name(location_id)}",
                    partial(app.unwatch, location_id),
                    short_id(location_id, 40),
                )
            )
        for status in (*KNOWN_STATUSES, *sorted(set(app.store.counts) - set(KNOWN_STATUSES))):
            out.append(
                (
                    f"Filter: only {safe_text(status, 20)}",
                    # The raw status: the filter compares it with what the stream said.
                    partial(app.set_filter, EventFilter(statuses=frozenset({status}))),
                    "show only changes into it",
                )
            )
        out.append(("Filter: by text…", app.action_filter, "match location or EVSE ids and labels"))
        out.append(("Filter: clear", partial(app.set_filter, EventFilter()), "show every change"))
        out.append(("Pause or follow the log", app.action_pause, "p"))
        out.append(
            ("Show rejected messages", app.action_show_rejected, "why messages were dropped")
        )
        out.append(
            ("Reliability", app.action_reliability, "uptime, outages and flapping, worst first")
        )
        out.append(("Map", app.action_map, "where the locations are, coloured by state"))
        out.append(("Help", app.action_help, "keys, colours and files"))
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            # The palette reads help as markup; ids in it must stay text.
            yield DiscoveryHit(Content(name), callback, text=name, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, _highlight(matcher, name), callback, text=name, help=escape(help_text)
                )
        needle = query.strip().casefold()
        if len(needle) < 3:
            return
        words = needle.split()
        for country in countries():
            name = f"Map: {country.name}"
            score = matcher.match(name)
            if score > 0:
                box = (country.west, country.south, country.east, country.north)
                yield Hit(
                    score,
                    _highlight(matcher, name),
                    partial(self._app.action_map, box),
                    text=name,
                    help="show the country on the map",
                )
        app = self._app
        places = app.places
        shown = 0
        for location_id in list(app.store.locations):
            info = places.info(location_id)
            # The label and the directory's name both: a label hides the name on screen only.
            hays = [location_id, places.name(location_id)]
            if info is not None:
                hays += [info.name or "", info.operator or "", info.city or ""]
            folded = [hay.casefold() for hay in hays if hay]
            if all(any(word in hay for hay in folded) for word in words):
                shown += 1
                if shown > MAX_LOCATION_HITS:
                    continue
                name = f"Open location {app.display_name(location_id)}"
                where = [safe_text(t, 30) for t in (info.operator, info.city) if t] if info else []
                yield Hit(
                    0.9,
                    Content(name),
                    partial(app.open_location, location_id),
                    text=name,
                    help=escape(" · ".join([*where, short_id(location_id, 40)])),
                )
        if (more := shown - MAX_LOCATION_HITS) > 0:
            name = f"…and {more:,} more location{'s' if more > 1 else ''} match"
            # Picking it opens the palette again, to type a word more.
            yield Hit(
                0.85,
                Content(name),
                self._app.action_command_palette,
                text=name,
                help="add a word (an operator, a city) to narrow them",
            )


def _highlight(matcher: Matcher, name: str) -> Content:
    # Matcher.highlight would parse `name` as markup, and names carry labels and ids.
    content = Content(name)
    _, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
