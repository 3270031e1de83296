"""Rate-limit counters that every worker on one machine shares, in a small SQLite file.

Flask-Limiter keeps its counters in a storage of the ``limits`` library. Its
``memory://`` storage lives inside one process, so under gunicorn each worker would
count for itself and a limit of 5 would let 5 × workers through. This is a ``limits``
storage (the library's documented extension point: subclass ``Storage`` and name a
scheme) for fixed windows, Flask-Limiter's default strategy. Redis remains the choice
when several machines serve the site (``RATELIMIT_STORAGE_URI=redis://...``)."""

from __future__ import annotations

import ipaddress
import os
import random
import sqlite3
import threading
import time
from urllib.parse import urlsplit

from limits.storage import Storage

SCHEME = "warta+sqlite"


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file: ``warta+sqlite:///path/to/file``."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = urlsplit(uri or "").path
        self.local = threading.local()
        self.connection().execute(
            "CREATE TABLE IF NOT EXISTS counters "
            "(key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)"
        )

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own: the pid is checked)."""
        connection = getattr(self.local, "connection", None)
        if connection is None or self.local.pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self.local.connection, self.local.pid = connection, os.getpid()
        return connection

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        if random.random() < 0.01:  # noqa: S311 (housekeeping, not security)
            self.connection().execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        row = self.connection().execute(
            "INSERT INTO counters (key, value, expires_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (key) DO UPDATE SET "
            "value = CASE WHEN expires_at <= ?4 THEN ?2 ELSE value + ?2 END, "
            "expires_at = CASE WHEN expires_at <= ?4 THEN ?3 ELSE expires_at END "
            "RETURNING value",
            (key, amount, now + expiry, now),
        ).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self.connection().execute(
            "SELECT value FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self.connection().execute(
            "SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
        ).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self.connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self.connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self.connection().execute("DELETE FROM counters WHERE key = ?", (key,))


def network_of(address: str) -> str:
    """Whom a limit counts: an IPv4 address, or the /64 of an IPv6 one (one household or
    one server usually holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
