"""The commands, one module each, with `run(args)` taking the parsed command line.

cli.py imports a command's module only to run it. All but `monitor` (the Textual app, for
`evtui`, `evtui demo` and `evtui replay`) are headless and import nothing of Textual; what
they share is in `common`.
"""
