"""Real nginx with the shipped deploy/nginx.conf, for tests and by hand.

The file is copied into a temporary prefix and only its operator placeholders are
replaced: the listen port (a free one, on 127.0.0.1 only), the server name (127.0.0.1),
the upstream, the static folder, the cache folder, the pid, log and temporary paths, and
as root the workers' user. Everything else runs as shipped. Each placeholder must be found exactly as often as the file writes it, so a
change to the file that a test would no longer see fails loudly here.

    with Gunicorn(env) as app, Nginx(app.url) as proxy:
        urllib.request.urlopen(proxy.url + "/articles/...")
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from servers import ROOT, free_port

CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    return Path(NGINX).is_file() and os.access(NGINX, os.X_OK)


class Nginx:
    """nginx in the foreground on a free 127.0.0.1 port, in front of ``upstream_url``.

    ``tls=True`` also turns on the commented-out 443 listener of the shipped file, on
    another free port, with a self-signed certificate (``.tls_url``)."""

    def __init__(
        self,
        upstream_url: str,
        static_root: Path = ROOT / "static",
        tls: bool = False,
        conf: Path = CONF,
    ):
        self.source = Path(conf)
        upstream = urllib.parse.urlsplit(upstream_url)
        self.upstream = f"{upstream.hostname}:{upstream.port or 80}"
        self.static_root = Path(static_root).resolve()
        self.tls = tls
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tls_port = free_port() if tls else None
        self.tls_url = f"https://127.0.0.1:{self.tls_port}" if tls else None
        self._tmp = tempfile.TemporaryDirectory(prefix="warta-nginx-")
        self.prefix = Path(self._tmp.name)
        self.conf = self.prefix / "nginx.conf"
        self.cache_dir = self.prefix / "cache"
        self.access_log = self.prefix / "access.log"
        self.error_log = self.prefix / "error.log"
        self._stderr = self.prefix / "stderr.log"
        self.process: subprocess.Popen | None = None

    # -- the configuration -------------------------------------------------------------

    def substitutions(self) -> list[tuple[str, str, int]]:
        """(pattern, replacement, how many times the shipped file writes it)."""
        p = self.prefix
        if os.geteuid() == 0:
            # Debian's workers run as www-data, who may not read a checkout or the
            # temporary prefix; the test's workers run as the test's user instead.
            user = f"user {pwd.getpwuid(os.geteuid()).pw_name};"
        else:
            user = "# user: nginx runs as the test's user"
        rules = [
            (r"^user www-data;$", user, 1),
            (r"^pid /run/nginx\.pid;$", f"pid {p}/nginx.pid;", 1),
            (r"^error_log /var/log/nginx/error\.log;$", f"error_log {self.error_log};", 1),
            (r"^(\s*)access_log /var/log/nginx/warta\.access\.log warta;$",
             rf"\1access_log {self.access_log} warta;", 1),
            (r"^(\s*)server 127\.0\.0\.1:8000;", rf"\1server {self.upstream};", 1),
            (r"^(\s*proxy_cache_path) /var/cache/nginx-warta ", rf"\1 {self.cache_dir} ", 1),
            (r"^(\s*\w+_temp_path) /var/lib/nginx/(\w+);$", rf"\1 {p}/tmp/\2;", 5),
            # The site's server and the default one that refuses other Hosts.
            (r"^(\s*)listen 80( default_server)?;", rf"\1listen 127.0.0.1:{self.port}\2;", 2),
            (r"^(\s*)server_name warta\.example\.org;", r"\1server_name 127.0.0.1;", 1),
            (r"^(\s*)set \$warta_static /srv/warta/static/;",
             rf"\1set $warta_static {self.static_root}/;", 1),
        ]
        if self.tls:
            rules += [
                (r"^(\s*)# listen 443 ssl http2;", rf"\1listen 127.0.0.1:{self.tls_port} ssl http2;", 1),
                (r"^(\s*)# ssl_certificate /etc/ssl/warta/fullchain\.pem;",
                 rf"\1ssl_certificate {p}/cert.pem;", 1),
                (r"^(\s*)# ssl_certificate_key /etc/ssl/warta/privkey\.pem;",
                 rf"\1ssl_certificate_key {p}/key.pem;", 1),
            ]
        return rules

    def render(self, text: str) -> str:
        for pattern, replacement, expected in self.substitutions():
            text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
            if count != expected:
                raise RuntimeError(
                    f"{self.source}: {pattern!r} found {count} times, expected {expected}"
                )
        listens = re.findall(r"^\s*listen\s+(\S+)", text, flags=re.MULTILINE)
        if not listens or any(not a.startswith("127.0.0.1:") for a in listens):
            raise RuntimeError(f"{self.source}: a listen outside 127.0.0.1 is left: {listens}")
        return text

    def write(self) -> None:
        (self.prefix / "tmp").mkdir()
        self.conf.write_text(self.render(self.source.read_text()))
        if self.tls:
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                 "-keyout", str(self.prefix / "key.pem"), "-out", str(self.prefix / "cert.pem")],
                check=True, capture_output=True,
            )

    # -- the process ---------------------------------------------------------------------

    def command(self) -> list[str]:
        return [NGINX, "-p", f"{self.prefix}/", "-c", str(self.conf), "-g", "daemon off;"]

    def start(self) -> Nginx:
        self.write()
        with open(self._stderr, "wb") as stderr:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                start_new_session=True,
            )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start:\n{self.output()}")

    def answers(self) -> bool:
        """Does nginx itself answer HTTP? (A 404 for a missing static file will do.)"""
        try:
            with urllib.request.urlopen(self.url + "/static/.nginx-harness", timeout=2):  # noqa: S310
                return True
        except urllib.error.HTTPError as error:
            error.close()
            return True
        except OSError:
            return False

    def output(self) -> str:
        parts = []
        for path in (self._stderr, self.error_log):
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # fast shutdown; workers go with it
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def __enter__(self) -> Nginx:
        try:
            return self.start()
        except BaseException:
            self._tmp.cleanup()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
        self._tmp.cleanup()

    # -- what the cache holds ------------------------------------------------------------

    def cache_entries(self) -> list[bytes]:
        """The raw cache files: a binary header, ``KEY: ...``, the upstream's headers
        as it sent them, then the body."""
        if not self.cache_dir.exists():
            return []
        return [f.read_bytes() for f in self.cache_dir.rglob("*") if f.is_file()]

    def cache_keys(self) -> list[str]:
        keys = []
        for data in self.cache_entries():
            match = re.search(rb"\nKEY: ([^\n]*)\n", data)
            if match:
                keys.append(match.group(1).decode(errors="replace"))
        return keys
