"""ISO 3166-1 countries: by numeric code (as in HERE's location ids), alpha-2 or alpha-3.

The table is generated from pycountry by `scripts/make_countries.py` and shipped as a module,
so nothing is read or downloaded at run time; a test keeps it equal to pycountry's.
"""

from __future__ import annotations

from dataclasses import dataclass

from evtui.model._country_table import COUNTRIES

__all__ = ["Country", "all_countries", "by_alpha2", "by_alpha3", "by_numeric", "lookup"]


@dataclass(frozen=True, slots=True)
class Country:
    """One ISO 3166-1 country."""

    numeric: int
    """ISO 3166-1 numeric, e.g. 276 (written "276" in ids; "056" in ISO's own tables)."""
    alpha2: str
    """e.g. "DE"."""
    alpha3: str
    """e.g. "DEU", what HERE's directory gives as `countryCode`."""
    name: str
    """The common English name, e.g. "Germany", "Bolivia"."""


_ALL = tuple(Country(*row) for row in COUNTRIES)
_BY_NUMERIC = {country.numeric: country for country in _ALL}
_BY_ALPHA2 = {country.alpha2: country for country in _ALL}
_BY_ALPHA3 = {country.alpha3: country for country in _ALL}


def all_countries() -> tuple[Country, ...]:
    """Every country, by numeric code."""
    return _ALL


def by_numeric(code: int) -> Country | None:
    """The country with this ISO numeric code, or None."""
    return _BY_NUMERIC.get(code)


def by_alpha2(code: str) -> Country | None:
    """The country with this alpha-2 code, in any case ("de", "DE"), or None."""
    return _BY_ALPHA2.get(code.upper())


def by_alpha3(code: str) -> Country | None:
    """The country with this alpha-3 code, in any case ("deu", "DEU"), or None."""
    return _BY_ALPHA3.get(code.upper())


def lookup(code: str) -> Country | None:
    """The country a user's code names: alpha-2, alpha-3 (any case) or numeric ("276",
    "056"); None for anything else."""
    code = code.strip()
    if code.isascii() and code.isdigit():
        return _BY_NUMERIC.get(int(code)) if len(code) <= 3 else None
    if len(code) == 2:
        return by_alpha2(code)
    if len(code) == 3:
        return by_alpha3(code)
    return None
