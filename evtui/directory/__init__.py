"""Knowing each location: the directory's records cached on disk, with what the ids say.

Sits beside `evtui.recording`: it uses the HERE client and the model, and knows no UI.

Each name is imported on first use (`evtui.lazy`): what an id says needs neither the
cache's pydantic nor the lookup's httpx.
"""

from typing import TYPE_CHECKING

# Not lazy: the function has its module's name, and importing the module binds the module
# to that name in the package (it is light: what an id says).
from evtui.directory.describe import DirectoryState, describe
from evtui.lazy import lazy_attributes

if TYPE_CHECKING:
    from evtui.directory.cache import DirectoryCache
    from evtui.directory.lookup import refresh

__all__ = ["DirectoryCache", "DirectoryState", "describe", "refresh"]

if not TYPE_CHECKING:  # mypy sees the imports above; a typo stays an error
    __getattr__ = lazy_attributes(
        __name__,
        {
            "evtui.directory.cache": ("DirectoryCache",),
            "evtui.directory.lookup": ("refresh",),
        },
    )
