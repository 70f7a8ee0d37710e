"""Packages import their modules on first use (`evtui.lazy`): every name a package exports is
still there, and `evtui report --archive` starts without the network client, the payload's
parsers, the monitor's store or the UI (a third of its time on a million changes, before)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import evtui
from evtui.archive import add_sessions
from tests.archive.helpers import write_session

PACKAGE = Path(evtui.__file__).parent
LAZY = sorted(
    ".".join(path.parent.relative_to(PACKAGE.parent).parts)
    for path in PACKAGE.rglob("__init__.py")
    if "lazy_attributes(" in path.read_text()
)


def test_the_lazy_packages_are_found() -> None:
    assert {"evtui.archive", "evtui.here", "evtui.model", "evtui.recording"} <= set(LAZY)


@pytest.mark.parametrize("name", LAZY)
def test_every_exported_name_is_there_and_an_unknown_one_is_an_error(name: str) -> None:
    # A fresh interpreter: in this one an earlier test may have imported every module already.
    names = importlib.import_module(name).__all__
    # Its modules imported first: importing a module binds it to its name in the package,
    # over a name of the same spelling served lazily (`evtui.directory.describe`).
    check = (
        f"import importlib, pkgutil, types, {name} as p\n"
        "for m in pkgutil.iter_modules(p.__path__):\n"
        f"    importlib.import_module('{name}.' + m.name)\n"
        f"missing = [n for n in {names!r} if getattr(p, n, None) is None]\n"
        "assert not missing, missing\n"
        f"modules = [n for n in {names!r} if isinstance(getattr(p, n), types.ModuleType)]\n"
        "assert not modules, modules\n"
        "try:\n"
        "    p.no_such_name\n"
        "except AttributeError as e:\n"
        f"    assert str(e) == \"module '{name}' has no attribute 'no_such_name'\", e\n"
        "else:\n"
        "    raise AssertionError('no error')\n"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(names) > 2


def test_an_archive_report_loads_neither_the_network_nor_the_parsers_nor_the_ui(
    tmp_path: Path,
) -> None:
    statuses = ("AVAILABLE", "CHARGING")
    messages = [(1_793_491_200.0 + n, [("DEU1", "E1", statuses[n % 2], n)]) for n in range(1, 20)]
    session = write_session(tmp_path / "s.evtui", messages)
    add_sessions([session], tmp_path / "archive", "test")
    out = tmp_path / "report.jsonl"
    run = (
        "import sys\n"
        "from evtui.cli import main\n"
        f"code = main(['report', '--archive', {str(tmp_path / 'archive')!r}, '--by', 'evse',\n"
        f"             '--format', 'jsonl', '-o', {str(out)!r}])\n"
        "heavy = ('httpx', 'numpy', 'pydantic', 'asyncio', 'textual', 'evtui.model.store',\n"
        "         'evtui.archive.writer', 'duckdb')\n"
        "print(code, [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True)
    assert done.stdout.split("\n")[0] == "0 []", done.stderr
    assert '"evse": "E1"' in out.read_text()
