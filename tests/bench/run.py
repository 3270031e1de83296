"""Warta's benchmark: Warta through nginx, Warta alone, the code before the redesign,
the stack's limits and Isso, measured with wrk in one run.

    make bench         # or: .venv/bin/python tests/bench/run.py [--seconds 10] [--rounds 3]
    .venv/bin/python tests/bench/run.py --only nginx --before none   # one part, no old code

Parts (``--only``, repeatable): ``nginx``, ``reads``, ``post``, ``large``.

- nginx: the shipped deploy/nginx.conf (only its operator placeholders substituted, by
  tests/nginx_server.py) in front of Warta with 200 comments. The anonymous article
  page and a section fragment (``HX-Request: true``) through its micro-cache, against
  the same nginx serving the same bytes as static files (``/static/bench/...``). The
  access log says how each response was served (X-Cache-Status).
- reads: the app alone (gunicorn, no proxy): the anonymous article page against the
  stack's limit (a minimal Flask view returning the same bytes) and Isso's GET of the
  same thread; the code before the redesign (``--before``) beside it.
- post: the comment POST against Isso's POST, and the code before the redesign's
  POST; every acknowledged post (its 303 names the comment) must be stored.
- large: the article page with 100,000 comments against the one with 200, and the
  workers' memory.

Everything listens on 127.0.0.1. gunicorn runs with 4 sync workers for every app;
wrk drives each target with 2 threads and 32 connections. Targets that are compared
are measured in turn, each once per round, and the round with the median rate counts:
whatever else the machine does touches them alike. Rate limits and the minimum fill
time are off for the POSTs, through configuration; nothing else is changed.

``--before REV`` (default 3d28686, the code before the redesign; ``none`` skips it)
checks REV out into a temporary git worktree, compiles its catalogues, runs it with the
same virtual environment and removes the worktree afterwards.

Exit status: 1 when a check of correctness fails (an error or 5xx, a lost write, the
article not served from nginx's cache); a ratio or latency that misses its target is
printed as MISS with how far it fell short, and makes the exit status 1 only with
``--strict``.
"""

from __future__ import annotations

import argparse
import collections
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYBABEL = ROOT / ".venv" / "bin" / "pybabel"
ISSO_VENV = BENCH / ".isso-venv"
ISSO_VERSION = "0.13.0"
BEFORE = "3d28686"  # the code before the redesign: sessions and CSRF tokens for every reader
WORKERS = 4
CONNECTIONS = 32
WRK_THREADS = 2
WARMUP = 2
SLUG = "putin-kim-pakta-pertahanan"
ARTICLE = f"/articles/{SLUG}"
SECTION = f"{ARTICLE}/sections/3"
PARTS = ("nginx", "reads", "post", "large")

# This checkout's webapp (not whichever one the virtual environment was installed from)
# and the tests' nginx harness.
sys.path[1:1] = [str(ROOT), str(ROOT / "tests")]


# -- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn server on 127.0.0.1 with the benchmark's settings."""

    def __init__(self, python: Path, app: str, env: dict, cwd: Path, ready_path: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(python), "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--log-level", "warning", app]
        self.log = tempfile.NamedTemporaryFile(prefix="warta-bench-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env},
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + ready_path, timeout=2).read()  # noqa: S310
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{app} did not start: {Path(self.log.name).read_text()}") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not answer within 60 s")

    def worker_rss_mib(self) -> float:
        """Mean resident memory of the workers, in MiB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        return sum(sizes) / len(sizes)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


# -- wrk ---------------------------------------------------------------------------------


@dataclass
class Target:
    """One thing wrk measures: a URL, optionally a Lua script and its arguments."""

    url: str
    script: str | None = None
    args: tuple = ()
    warmup: int = WARMUP  # seconds of unmeasured load before the first round
    log: AccessLog | None = None  # nginx's log, tallied for the measured runs
    env: dict | None = None  # environment for wrk (post.lua's WARTA_BENCH_IDS)


def wrk(target: Target, seconds: int) -> dict:
    words = ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s",
             "--latency", "--timeout", "10s"]
    if target.script:
        words += ["-s", str(BENCH / target.script)]
    words.append(target.url)
    if target.args:
        words += ["--", *target.args]
    output = subprocess.run(words, capture_output=True, text=True, check=True, timeout=seconds + 60,
                            env={**os.environ, **(target.env or {})}).stdout
    try:
        return parse_wrk(output)
    except AttributeError:
        raise RuntimeError(f"could not read wrk's output:\n{output}") from None


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> dict:
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": 0,
        "acknowledged": None,
        "log": collections.Counter(),
    }
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["errors"] += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["errors"] += sum(int(n) for n in match.groups())
    if match := re.search(r"ACKNOWLEDGED (\d+)", output):
        result["acknowledged"] = int(match.group(1))
    return result


def median_of(runs: list[dict]) -> dict:
    """The run with the median rate, with every round's rate, and all rounds' errors,
    acknowledgements and log lines added up."""
    ordered = sorted(runs, key=lambda run: run["rps"])
    result = dict(ordered[len(ordered) // 2])
    result["rounds"] = [run["rps"] for run in runs]
    result["errors"] = sum(run["errors"] for run in runs)
    acknowledged = [run["acknowledged"] for run in runs if run["acknowledged"] is not None]
    result["acknowledged"] = sum(acknowledged) if acknowledged else None
    result["log"] = sum((run["log"] for run in runs), collections.Counter())
    return result


STARTED = time.time()


def progress(text: str) -> None:
    minutes, seconds = divmod(int(time.time() - STARTED), 60)
    print(f"[{minutes:2}:{seconds:02}] {text}", flush=True)


def interleaved(targets: dict[str, Target], rounds: int, seconds: int) -> dict[str, dict]:
    """Measure each target once per round, in turn, and keep the median round: what
    the machine does meanwhile (another process, a disk flush) then touches every
    target alike instead of one of them. Each target is warmed up before its first
    round."""
    progress(f"measuring in turn, {rounds} rounds of {seconds} s: {', '.join(targets)}")
    runs: dict[str, list[dict]] = {name: [] for name in targets}
    for round_number in range(rounds):
        for name, target in targets.items():
            if round_number == 0 and target.warmup:
                wrk(target, target.warmup)
            if target.log:
                target.log.start()
            result = wrk(target, seconds)
            if target.log:
                result["log"] = target.log.stop()
            runs[name].append(result)
    return {name: median_of(found) for name, found in runs.items()}


# -- nginx -------------------------------------------------------------------------------

LOG_LINE = re.compile(r'"\S+ \S+[^"]*" (\d{3}) \d+ cache=(\S+)')


class AccessLog:
    """nginx's access log (the shipped ``warta`` format), tallied by status and cache
    status for one measured run, then emptied (nginx appends, so it writes on at 0)."""

    def __init__(self, path: Path):
        self.path = path

    def start(self) -> None:
        self.path.write_bytes(b"")

    def stop(self) -> collections.Counter:
        tally: collections.Counter = collections.Counter()
        with open(self.path, encoding="utf-8", errors="replace") as lines:
            for entry in lines:
                if match := LOG_LINE.search(entry):
                    tally[match.groups()] += 1
        self.path.write_bytes(b"")
        return tally


def cache_statuses(tally: collections.Counter) -> collections.Counter:
    found: collections.Counter = collections.Counter()
    for (_, cache), count in tally.items():
        found[cache] += count
    return found


def server_errors(tally: collections.Counter) -> int:
    return sum(count for (status, _), count in tally.items() if status.startswith("5"))


# -- Warta ---------------------------------------------------------------------------------


def warta_env(folder: Path, posting: bool = False, proxied: bool = False) -> dict:
    """Warta's production settings; for the POST runs, rate limits and the minimum
    fill time are off (a benchmark posts faster than any person). Behind nginx the app
    trusts one proxy, as deploy/nginx.conf expects."""
    env = {
        "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'warta.sqlite3'}",
        "WARTA_SECRET_KEY": "benchmark-secret",
        "WARTA_SESSION_COOKIE_SECURE": "false",
        "WARTA_CACHE_STORAGE_URI": f"file://{folder / ('cache-proxied' if proxied else 'cache')}",
    }
    if posting:
        env.update({"WARTA_RATELIMIT_ENABLED": "false", "WARTA_MIN_FILL_SECONDS": "0"})
    if proxied:
        env["WARTA_TRUSTED_PROXIES"] = "1"
    return env


def prepare_warta(folder: Path, comments: int, root: Path = ROOT) -> None:
    """A migrated database with ``comments`` approved comments, seeded by ``root``'s own
    tests/bench/seed.py (the code before the redesign has its own models)."""
    env = {**os.environ, **warta_env(folder)}
    subprocess.run([str(VENV_PYTHON), "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=root,
                   env=env, check=True, capture_output=True, timeout=300)
    code = (f"import sys; sys.path[:0] = [{str(root)!r}, {str(root / 'tests' / 'bench')!r}]; "
            f"from seed import seed; from webapp import create_app; seed(create_app(), {comments})")
    subprocess.run([str(VENV_PYTHON), "-c", code], cwd=root, env=env, check=True, timeout=600)


class HiddenInputs(HTMLParser):
    """The hidden inputs of the form with a given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self.inside = self.found = True
        elif (tag == "input" and self.inside and (attributes.get("type") or "").lower() == "hidden"
              and attributes.get("name")):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_fields(page: bytes, form_id: str = "commentform") -> dict[str, str]:
    parser = HiddenInputs(form_id)
    parser.feed(page.decode())
    if not parser.found:
        raise RuntimeError(f"no form#{form_id} in the page")
    return parser.fields


@dataclass
class Visit:
    page: bytes
    headers: dict
    cookie: str  # what the visitor's browser would send back ("" if nothing was set)
    fields: dict  # the comment form's hidden fields


def visit(url: str, headers: dict | None = None) -> Visit:
    """Fetch a page as a new visitor, keeping any cookie it sets."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        page = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
        got = dict(response.headers)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    fields = form_fields(page) if b'id="commentform"' in page else {}
    return Visit(page, got, cookie, fields)


def post_target(url: str, folder: Path) -> tuple[Target, Path]:
    """The POST of a visitor who fetched the page: its hidden fields (and, for the code
    before the redesign, its session cookie), and the file the acknowledged ids go to."""
    seen = visit(url + ARTICLE)
    ids = folder / "acknowledged-ids"
    ids.write_text("")
    fields = urllib.parse.urlencode(seen.fields)
    target = Target(url + ARTICLE + "/comments", "post.lua", ("warta", fields, seen.cookie),
                    warmup=0, env={"WARTA_BENCH_IDS": str(ids)})
    return target, ids


def lost_writes(folder: Path, ids_file: Path, acknowledged: int) -> tuple[int, int, int]:
    """(acknowledged ids named, of them not stored, bench comments stored)."""
    named = {int(n) for n in ids_file.read_text().split()}
    with sqlite3.connect(folder / "warta.sqlite3") as connection:
        stored = {row[0] for row in connection.execute("SELECT id FROM comments WHERE body LIKE 'bench-%'")}
    return len(named), len(named - stored), len(stored)


# -- the code before the redesign ------------------------------------------------------------


class OldCheckout:
    """``rev`` checked out into a temporary git worktree, its catalogues compiled;
    the worktree is removed on exit."""

    def __init__(self, rev: str):
        self.rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--short",
                                   f"{rev}^{{commit}}"], capture_output=True, text=True, check=True,
                                  timeout=30).stdout.strip()
        self._tmp = tempfile.TemporaryDirectory(prefix="warta-bench-before-")
        self.root = Path(self._tmp.name) / "checkout"

    def __enter__(self) -> OldCheckout:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--quiet", "--detach", str(self.root),
                        self.rev], check=True, timeout=120)
        try:
            subprocess.run([str(PYBABEL), "compile", "-d", "webapp/translations"], cwd=self.root,
                           check=True, capture_output=True, timeout=120)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.root)],
                       capture_output=True, timeout=120)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True, timeout=120)
        self._tmp.cleanup()


# -- Isso ----------------------------------------------------------------------------------


def isso_python() -> Path:
    python = ISSO_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}", "gunicorn"],
                       check=True, timeout=900)
    return python


def isso_config(folder: Path) -> Path:
    config = folder / "isso.cfg"
    config.write_text(
        "[general]\n"
        f"dbpath = {folder / 'isso.sqlite3'}\n"
        "host = http://127.0.0.1/\n"
        "[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n"
        "[server]\nlisten = http://127.0.0.1:0/\n"
    )
    return config


def seed_isso(url: str, comments: int) -> None:
    """Post the same shape of thread through Isso's own API."""
    from seed import comment_rows

    ids: dict[int, int] = {}
    for row in comment_rows("artikel", comments):
        body = {"text": row["body"], "author": row["author"], "email": row["email"], "title": "Artikel"}
        if row["parent_id"]:
            body["parent"] = ids[row["parent_id"]]
        request = urllib.request.Request(
            f"{url}/new?uri=%2Fartikel", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            ids[row["id"]] = json.loads(response.read())["id"]


# -- the report ------------------------------------------------------------------------------


def line(name: str, result: dict) -> str:
    rounds = " ".join(f"{r:.0f}" for r in result["rounds"])
    return (f"  {name:50} {result['rps']:7.0f} req/s  p50 {result['p50']:8.2f} ms  "
            f"p99 {result['p99']:8.2f} ms  errors {result['errors']}  (rounds: {rounds})")


def distribution(tally: collections.Counter) -> str:
    total = sum(tally.values()) or 1
    return ", ".join(f"{name} {count / total:.1%}" for name, count in tally.most_common())


class Checks:
    """What the run found: targets (ratios, latency) and correctness."""

    def __init__(self):
        self.rows: list[tuple[str, bool, bool]] = []

    def ratio(self, name: str, value: float, target: float, rounds: list[float]) -> None:
        text = f"{name:52} {value:8.2f} x  (target >= {target:g} x)"
        if value < target:
            text += f"  short by {1 - value / target:.0%}"
        if len(rounds) > 1:
            text += "  (round by round: " + " ".join(f"{x:.2f}" for x in rounds) + ")"
        self.rows.append((text, value >= target, False))

    def target(self, text: str, ok: bool) -> None:
        self.rows.append((text, ok, False))

    def correct(self, text: str, ok: bool) -> None:
        self.rows.append((text, ok, True))

    def report(self, strict: bool) -> int:
        failed = False
        for text, ok, correctness in self.rows:
            print(f"{'PASS' if ok else 'MISS'}  {text}")
            failed |= not ok and (correctness or strict)
        return 1 if failed else 0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def describe_machine() -> str:
    model = ""
    for entry in Path("/proc/cpuinfo").read_text().splitlines():
        if entry.startswith("model name"):
            model = entry.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores ({model}), load average {load_average()}"


# -- the run ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each target (the median counts)")
    parser.add_argument("--large", type=int, default=100_000, help="comments in the large run")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="measure only this part (repeatable): " + ", ".join(PARTS))
    parser.add_argument("--before", default=BEFORE, metavar="REV",
                        help=f"the code to measure beside this one, app alone (default {BEFORE}, "
                             "the code before the redesign); 'none' skips it")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any target is missed too")
    arguments = parser.parse_args()
    for tool in ("wrk", "git"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing")
    # make, or anyone, stopping the run: the servers and the worktree are still cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parts = set(arguments.only or PARTS)
    seconds, rounds = arguments.seconds, arguments.rounds
    before_rev = None if arguments.before.lower() == "none" else arguments.before
    results: dict[str, dict] = {}
    checks = Checks()
    rss: dict[str, float] = {}
    sizes: dict[str, int] = {}
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, timeout=30).stdout.strip()

    print(f"machine: {describe_machine()}")
    print(f"wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{seconds}s, {rounds} rounds, the median counts; "
          f"gunicorn {WORKERS} sync workers for every app; everything on 127.0.0.1; "
          f"this code: {head}" + (f", before: {before_rev}" if before_rev else "") + "\n", flush=True)

    with tempfile.TemporaryDirectory(prefix="warta-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)

        def serve(*args) -> Server:
            server = Server(*args)
            stack.callback(server.stop)
            return server

        old = None
        if before_rev and parts & {"reads", "post"}:
            progress(f"checking out {before_rev} into a temporary worktree")
            old = stack.enter_context(OldCheckout(before_rev))
            before_rev = old.rev

        small = folder / "small"
        small.mkdir()
        prepare_warta(small, 200)

        if "nginx" in parts:
            from nginx_server import Nginx

            upstream = serve(VENV_PYTHON, "wsgi:app", warta_env(small, proxied=True), ROOT, "/healthz")
            static = folder / "static"
            (static / "bench").mkdir(parents=True)
            proxy = stack.enter_context(Nginx(upstream.url, static_root=static))
            # The bytes nginx serves an anonymous reader, as files beside them.
            article = visit(proxy.url + ARTICLE)
            section = visit(proxy.url + SECTION, {"HX-Request": "true"})
            if article.cookie or section.cookie:
                raise RuntimeError("an anonymous reader was given a cookie")
            (static / "bench" / "article.html").write_bytes(article.page)
            (static / "bench" / "section.html").write_bytes(section.page)
            sizes.update(nginx_article=len(article.page), nginx_section=len(section.page))
            log = AccessLog(proxy.access_log)
            results.update(interleaved({
                "nginx_article": Target(proxy.url + ARTICLE, log=log),
                "nginx_article_static": Target(proxy.url + "/static/bench/article.html", log=log),
                "nginx_section": Target(proxy.url + SECTION, "htmx.lua", log=log),
                "nginx_section_static": Target(proxy.url + "/static/bench/section.html", "htmx.lua", log=log),
            }, rounds, seconds))
            upstream.stop()
            proxy.stop()

        warta = None
        if parts & {"reads", "large"}:
            warta = serve(VENV_PYTHON, "wsgi:app", warta_env(small), ROOT, "/healthz")

        isso = None
        if parts & {"reads", "post"}:
            isso = serve(isso_python(), "isso.run", {"ISSO_SETTINGS": str(isso_config(folder))}, folder,
                         "/info")
            progress("seeding Isso with 200 comments through its API")
            seed_isso(isso.url, 200)

        if "reads" in parts:
            page = visit(warta.url + ARTICLE)
            if page.cookie:
                raise RuntimeError("an anonymous reader was given a cookie by the app")
            (folder / "page.html").write_bytes(page.page)
            sizes["page"] = len(page.page)
            baseline = serve(VENV_PYTHON, "baseline_app:app", {"BASELINE_PAGE": str(folder / "page.html")},
                             BENCH, "/page")
            targets = {"article": Target(warta.url + ARTICLE)}
            if old:
                old_small = folder / "old-small"
                old_small.mkdir()
                prepare_warta(old_small, 200, old.root)
                old_warta = serve(VENV_PYTHON, "wsgi:app", warta_env(old_small), old.root, "/healthz")
                sizes["old_page"] = len(visit(old_warta.url + ARTICLE).page)
                targets["old_article"] = Target(old_warta.url + ARTICLE)
            targets["limit"] = Target(baseline.url + "/page")
            # Every POST grows the thread Isso's GET reads: the reads come first.
            targets["isso_get"] = Target(f"{isso.url}/?uri=%2Fartikel")
            results.update(interleaved(targets, rounds, seconds))
            baseline.stop()
            if old:
                old_warta.stop()

        posted: dict[str, tuple[Path, Path]] = {}
        if "post" in parts:
            targets = {}
            posting = folder / "posting"
            posting.mkdir()
            prepare_warta(posting, 200)
            poster = serve(VENV_PYTHON, "wsgi:app", warta_env(posting, posting=True), ROOT, "/healthz")
            targets["post"], ids = post_target(poster.url, posting)
            posted["post"] = (posting, ids)
            if old:
                old_posting = folder / "old-posting"
                old_posting.mkdir()
                prepare_warta(old_posting, 200, old.root)
                old_poster = serve(VENV_PYTHON, "wsgi:app", warta_env(old_posting, posting=True), old.root,
                                   "/healthz")
                targets["old_post"], ids = post_target(old_poster.url, old_posting)
                posted["old_post"] = (old_posting, ids)
            targets["isso_post"] = Target(f"{isso.url}/new?uri=%2Fartikel", "post.lua", ("isso",))
            results.update(interleaved(targets, rounds, seconds))

        if "large" in parts:
            large = folder / "large"
            large.mkdir()
            progress(f"seeding {arguments.large:,} comments")
            prepare_warta(large, arguments.large)
            big = serve(VENV_PYTHON, "wsgi:app", warta_env(large), ROOT, "/healthz")
            measured = interleaved({
                "article_small": Target(warta.url + ARTICLE),
                "article_large": Target(big.url + ARTICLE),
            }, rounds, seconds)
            results.update(measured)
            rss = {"small": warta.worker_rss_mib(), "large": big.worker_rss_mib()}

        for key, (database, ids) in posted.items():
            results[key]["writes"] = lost_writes(database, ids, results[key]["acknowledged"])

    # -- what was measured -----------------------------------------------------------------
    kb = {key: f"{size / 1024:.0f} KB" for key, size in sizes.items()}
    old_name = f"before ({before_rev})"
    groups = [
        ("Through nginx (deploy/nginx.conf; wrk sends no Accept-Encoding, so nothing is gzipped)", [
            ("nginx_article", "Warta article page (200 comments), anonymous"),
            ("nginx_article_static", f"  the same bytes, a static file ({kb.get('nginx_article')})"),
            ("nginx_section", "Warta section fragment (htmx)"),
            ("nginx_section_static", f"  the same bytes, a static file ({kb.get('nginx_section')})"),
        ]),
        ("The app alone (gunicorn, no proxy)", [
            ("article", f"Warta article page (200 comments), {kb.get('page')}"),
            ("old_article", f"  {old_name}: the same page, {kb.get('old_page')}"),
            ("limit", f"stack's limit: minimal Flask, same {kb.get('page')}"),
            ("isso_get", f"Isso {ISSO_VERSION} GET of the thread (200 comments)"),
            ("post", "Warta comment POST"),
            ("old_post", f"  {old_name}: comment POST"),
            ("isso_post", f"Isso {ISSO_VERSION} POST of a comment"),
        ]),
        (f"{arguments.large:,} comments (app alone, measured in turn with 200)", [
            ("article_small", "Warta article page (200 comments)"),
            ("article_large", f"Warta article page ({arguments.large:,} comments)"),
        ]),
    ]
    print()
    for title, rows in groups:
        shown = [(key, name) for key, name in rows if key in results]
        if not shown:
            continue
        print(title)
        for key, name in shown:
            print(line(name, results[key]))
            if key.startswith("nginx_") and not key.endswith("_static"):
                print(f"  {'':50} X-Cache-Status: {distribution(cache_statuses(results[key]['log']))}")
        print()
    if rss:
        print(f"worker memory (mean RSS): {rss['small']:.1f} MiB with 200 comments, "
              f"{rss['large']:.1f} MiB with {arguments.large:,}\n")

    # -- ratios and checks -------------------------------------------------------------------
    r = {key: value["rps"] for key, value in results.items()}
    for name, top, bottom, target in [
        ("nginx: article page / the same static file", "nginx_article", "nginx_article_static", 0.8),
        ("nginx: section fragment / the same static file", "nginx_section", "nginx_section_static", 0.8),
        ("app alone: article page / stack's limit", "article", "limit", 0.5),
        ("app alone: article page / Isso GET", "article", "isso_get", 100),
        ("app alone: comment POST / Isso POST", "post", "isso_post", 2),
        (f"article page, {arguments.large:,} / 200 comments", "article_large", "article_small", 0.9),
    ]:
        if top in results and bottom in results:
            if not results[bottom]["requests"]:
                checks.target(f"{name:52} not measured: no request of {bottom} completed in "
                              f"{seconds} s", False)
            else:
                by_round = [a / b if b else float("inf")
                            for a, b in zip(results[top]["rounds"], results[bottom]["rounds"], strict=True)]
                checks.ratio(name, r[top] / r[bottom], target, by_round)
    if rss:
        change = rss["large"] / rss["small"] - 1
        checks.target(f"{'worker memory within 10 %':52} {change:+8.1%}", abs(change) <= 0.10)
    for key in ("nginx_article", "nginx_section", "article", "article_small", "article_large"):
        if key in results:
            result = results[key]
            checks.target(f"p99 <= 5 x p50 on {key:34} {result['p99']:8.2f} / {result['p50']:.2f} ms",
                          result["p99"] <= 5 * result["p50"])
    for key in ("nginx_article", "nginx_section"):
        if key in results:
            found = cache_statuses(results[key]["log"])
            total = sum(found.values()) or 1
            cached = sum(found[s] for s in ("HIT", "UPDATING", "STALE", "REVALIDATED")) / total
            checks.target(f"{key} mostly a HIT: {found['HIT'] / total:.1%} (target > 50 %)",
                          found["HIT"] / total > 0.5)
            checks.correct(f"{key} served from nginx's cache: {cached:.2%} HIT, UPDATING, STALE "
                           "or REVALIDATED (>= 99 %)", cached >= 0.99)
    warta_keys = [k for k in ("nginx_article", "nginx_section", "article", "old_article", "post", "old_post",
                              "article_small", "article_large") if k in results]
    errors = {k: results[k]["errors"] for k in warta_keys}
    fives = {k: server_errors(results[k]["log"]) for k in warta_keys}
    checks.correct(f"zero errors (non-2xx/3xx, socket errors; 5xx in nginx's log) on Warta: "
                   f"{sum(errors.values())}, {sum(fives.values())}",
                   not any(errors.values()) and not any(fives.values()))
    for key in ("post", "old_post"):
        if "writes" in results.get(key, {}):
            named, missing, stored = results[key]["writes"]
            acknowledged = results[key]["acknowledged"] or 0
            checks.correct(f"{key}: every acknowledged POST stored ({acknowledged} acknowledged, "
                           f"{named} ids named, {missing} of them missing; {stored} stored)",
                           acknowledged > 0 and named == acknowledged and missing == 0)

    print("Ratios and checks")
    status = checks.report(arguments.strict)

    if "old_article" in r or "old_post" in r:
        print(f"\nThe app alone, before ({before_rev}) and now ({head}), measured in the same rounds")
        print(f"  {'':40} {'before':>9} {'now':>9} {'now / before':>13}")
        rows = []
        if {"article", "old_article", "limit"} <= r.keys():
            rows += [("article page, req/s", r["old_article"], r["article"]),
                     (f"  / stack's limit ({r['limit']:.0f} req/s)", r["old_article"] / r["limit"],
                      r["article"] / r["limit"])]
        if {"post", "old_post", "isso_post"} <= r.keys():
            rows += [("comment POST, req/s", r["old_post"], r["post"]),
                     (f"  / Isso's POST ({r['isso_post']:.0f} req/s)", r["old_post"] / r["isso_post"],
                      r["post"] / r["isso_post"])]
        for name, then, now in rows:
            shape = "9.2f" if name.startswith("  /") else "9.0f"
            print(f"  {name:40} {then:{shape}} {now:{shape}} {now / then:12.2f}x")
    minutes, secs = divmod(int(time.time() - STARTED), 60)
    print(f"\nthe run took {minutes} min {secs} s; load average now {load_average()}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
