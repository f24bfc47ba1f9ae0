"""The command line: a typer app (app.py) whose commands parse, call a job and render."""

from assistant.cli.app import app, main

__all__ = ["app", "main"]
