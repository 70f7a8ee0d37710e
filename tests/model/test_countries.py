"""The shipped country table: what pycountry says, found by any of ISO's codes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pycountry

from evtui.model import countries
from evtui.model.countries import by_alpha2, by_alpha3, by_numeric, lookup

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_table_is_what_the_script_makes_from_the_installed_pycountry() -> None:
    script_path = ROOT / "scripts" / "make_countries.py"
    spec = importlib.util.spec_from_file_location("make_countries", script_path)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = (ROOT / "evtui/model/_country_table.py").read_text(encoding="utf-8")
    assert shipped == script.render(), "run scripts/make_countries.py"


def test_every_pycountry_country_is_found_by_each_of_its_codes() -> None:
    assert len(countries.all_countries()) == len(pycountry.countries) == 249
    for c in pycountry.countries:
        country = by_alpha3(c.alpha_3)
        assert country is not None
        assert (country.numeric, country.alpha2) == (int(c.numeric), c.alpha_2)
        assert by_numeric(int(c.numeric)) == by_alpha2(c.alpha_2) == country


def test_codes_as_users_type_them() -> None:
    germany = by_numeric(276)
    assert germany is not None and (germany.alpha2, germany.alpha3, germany.name) == (
        "DE",
        "DEU",
        "Germany",
    )
    assert lookup("de") == lookup("DEU") == lookup(" deu ") == lookup("276") == germany
    belgium = by_numeric(56)
    assert belgium is not None and belgium.name == "Belgium"
    assert lookup("056") == lookup("56") == belgium
    # The common name, where ISO's reads like a form.
    assert lookup("BO") is not None and lookup("BO").name == "Bolivia"  # type: ignore[union-attr]
    for nothing in ("", "XX", "XXX", "0", "999", "Germany", "d", "\u0662\u0667\u0666", "\u00df"):
        assert lookup(nothing) is None, nothing
    assert by_numeric(0) is None and by_alpha2("") is None and by_alpha3("DE") is None
