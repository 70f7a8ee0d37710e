"""The Textual user interface. Reads the domain model; nothing below it imports this package."""
