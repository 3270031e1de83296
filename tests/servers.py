"""Real servers for the tests that need them: gunicorn on 127.0.0.1, and a small HTTP
client with its own cookies (a browser without the page)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from helpers import hidden_fields

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn wsgi:app`` with sync workers on a free port, configured by environment."""

    def __init__(self, env: dict, workers: int = 2):
        self.env = {**os.environ, **env}
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="warta-gunicorn-", suffix=".log")  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "5",
                   "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                if self.process.poll() is not None:
                    break
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One browser's cookies, used against one or several servers."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, method: str, url: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def get(self, url: str, headers: dict | None = None):
        return self.request("GET", url, headers=headers)

    def post(self, url: str, data: dict, headers: dict | None = None):
        return self.request("POST", url, data=data, headers=headers)

    def form_fields(self, url: str) -> dict:
        """The hidden fields of the comment form on the page at ``url``."""
        _, _, html = self.get(url)
        return hidden_fields(html)

    def token(self, url: str) -> str:
        """The CSRF token of the admin form on the page at ``url``."""
        status, _, html = self.get(url)
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, f"no form at {url} ({status})"
        return match.group(1)
