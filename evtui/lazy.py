"""Package attributes imported on first use (PEP 562), as `textual.widgets` does it: a command
that needs one name of a package must not pay for every module behind it (`evtui report
--archive` needs the rule sets, not pydantic, numpy or httpx)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_attributes(package: str, names: Mapping[str, tuple[str, ...]]) -> Callable[[str], object]:
    """A module `__getattr__` for `package`, given each module's names: a name is imported from
    its module on first use and kept in the package's namespace, so the next use costs nothing."""
    where = {name: module for module, exported in names.items() for name in exported}
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
