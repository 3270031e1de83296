"""The stack's limit: minimal Flask views under the same gunicorn settings as Warta.

``/page`` returns fixed bytes (the article page as Warta served it); ``/insert`` does
the same after one SQLite insert in WAL mode with SQLite's other defaults (so the
commit is synced to disk: ``synchronous=FULL``), like a comment post without any of
the work. ``/insert-normal`` is the same insert with ``synchronous=NORMAL``, Warta's
default, for comparison. Configured through BASELINE_PAGE (a file of bytes) and
BASELINE_DB (a SQLite path)."""

import os
import sqlite3
import threading

from flask import Flask

app = Flask(__name__)
PAGE = open(os.environ["BASELINE_PAGE"], "rb").read()  # noqa: SIM115
DATABASE = os.environ["BASELINE_DB"]
local = threading.local()


def connection(synchronous: str) -> sqlite3.Connection:
    if not hasattr(local, synchronous):
        db = sqlite3.connect(DATABASE, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        if synchronous != "FULL":
            db.execute(f"PRAGMA synchronous={synchronous}")
        setattr(local, synchronous, db)
    return getattr(local, synchronous)


@app.get("/page")
def page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@app.post("/insert")
def insert():
    connection("FULL").execute("INSERT INTO rows (body) VALUES (?)", ("x" * 100,))
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@app.post("/insert-normal")
def insert_normal():
    connection("NORMAL").execute("INSERT INTO rows (body) VALUES (?)", ("x" * 100,))
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
