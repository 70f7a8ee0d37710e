"""Knowing each location: the directory's records cached on disk, with what the ids say.

Sits beside `evtui.recording`: it uses the HERE client and the model, and knows no UI.
"""

from evtui.directory.cache import DirectoryCache
from evtui.directory.describe import DirectoryState, describe
from evtui.directory.lookup import refresh

__all__ = ["DirectoryCache", "DirectoryState", "describe", "refresh"]
