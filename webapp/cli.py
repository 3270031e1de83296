"""Operator commands (``flask --app wsgi ...``)."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
