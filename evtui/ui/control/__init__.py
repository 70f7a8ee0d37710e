"""What the app's workers and keys do, one part of the monitor per module.

Each part is a plain class the app composes, holding the app as a `Host`
(`evtui.ui.host`): the live feed, a replay, recording, watchlist edits, the log filter,
the session browser. A new worker or set of actions gets a module here, one line in
`EvtuiApp.__init__`, and a thin `action_*` on the app for each of its keys.
"""
