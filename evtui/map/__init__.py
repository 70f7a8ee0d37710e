"""The map: where the locations are and what state they are in, drawn in braille cells.

Headless (no Textual): the UI's map widget shows the `Frame`s drawn here. `world` holds
Natural Earth's lines, `view` the projection, `raster` the braille canvas, `places` each
location's position and state, `frame` puts them together.
"""
