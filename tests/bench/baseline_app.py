"""The stack's limit: minimal Flask views under the same gunicorn settings as Warta.

``/page`` returns fixed bytes (the article page as Warta served it); ``/insert`` does
the same after one SQLite insert (WAL), like a comment post without any of the work.
Configured through BASELINE_PAGE (a file of bytes) and BASELINE_DB (a SQLite path)."""

import os
import sqlite3
import threading

from flask import Flask

app = Flask(__name__)
PAGE = open(os.environ["BASELINE_PAGE"], "rb").read()  # noqa: SIM115
DATABASE = os.environ["BASELINE_DB"]
local = threading.local()


def connection() -> sqlite3.Connection:
    if not hasattr(local, "db"):
        local.db = sqlite3.connect(DATABASE, timeout=30, isolation_level=None)
        local.db.execute("PRAGMA journal_mode=WAL")
        local.db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)")
    return local.db


@app.get("/page")
def page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@app.post("/insert")
def insert():
    connection().execute("INSERT INTO rows (body) VALUES (?)", ("x" * 100,))
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
