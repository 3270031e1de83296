"""A bounded load of comment posts from many keep-alive connections (as wrk would send)."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from helpers import ARTICLE
from servers import Visitor


@dataclass
class LoadResult:
    statuses: dict[str, int] = field(default_factory=dict)  # body -> status (0: no answer)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, body: str, status: int) -> None:
        with self.lock:
            self.statuses[body] = status

    @property
    def acknowledged(self) -> set[str]:
        with self.lock:
            return {body for body, status in self.statuses.items() if status in (200, 303)}

    def count(self, predicate) -> int:
        with self.lock:
            return sum(1 for status in self.statuses.values() if predicate(status))


class CommentLoad:
    """``total`` posts over ``connections`` connections; stops by itself after ``limit`` s."""

    def __init__(self, url: str, total: int = 2000, connections: int = 32, limit: float = 90,
                 tag: str = "beban"):
        self.url = url
        self.total, self.connections, self.limit, self.tag = total, connections, limit, tag
        self.result = LoadResult()
        self.next = 0
        self.next_lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        visitor = Visitor()
        fields = visitor.form_fields(f"{url}/articles/{ARTICLE}")
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in visitor.jar)
        self.fields = fields

    def _take(self) -> int | None:
        with self.next_lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next

    def _connection(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.url)
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def _worker(self, deadline: float) -> None:
        connection = self._connection()
        while time.time() < deadline and (number := self._take()) is not None:
            body = f"{self.tag}-{number:05d} komentar uji beban"
            data = urllib.parse.urlencode({**self.fields, "comment": body, "author": "Penguji",
                                           "email": "penguji@example.com"})
            try:
                connection.request("POST", f"/articles/{ARTICLE}/comments", body=data, headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie})
                response = connection.getresponse()
                response.read()
                self.result.record(body, response.status)
            except (OSError, http.client.HTTPException):
                self.result.record(body, 0)  # no answer: the server may or may not have stored it
                connection.close()
                connection = self._connection()
                time.sleep(0.05)
        connection.close()

    def start(self) -> CommentLoad:
        deadline = time.time() + self.limit
        self.threads = [threading.Thread(target=self._worker, args=(deadline,), daemon=True)
                        for _ in range(self.connections)]
        for thread in self.threads:
            thread.start()
        return self

    def wait_for(self, acknowledged: int, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while len(self.result.acknowledged) < acknowledged and time.time() < deadline:
            time.sleep(0.02)

    def join(self) -> LoadResult:
        for thread in self.threads:
            thread.join(self.limit + 40)
        return self.result
