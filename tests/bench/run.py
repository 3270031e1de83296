"""Warta's benchmark: Warta, the stack's limit and Isso, measured in one run with wrk.

    make bench             # or: .venv/bin/python tests/bench/run.py [--seconds 10] [--rounds 3]
    .venv/bin/python tests/bench/run.py --only post     # one part: reads, post, isso, large

Everything runs on 127.0.0.1 under gunicorn with the same settings (4 sync workers, no
access log); wrk drives each target with 2 threads and 32 connections. The run seeds 200
approved comments in threads and measures Warta's article page (for a new visitor; for
a returning reader with a session cookie as information) and a section fragment
against the stack's limit (a minimal Flask view returning the same bytes), Warta's
comment POST against a minimal Flask view doing one SQLite insert (WAL, SQLite's other
settings left at their defaults, as the issue describes it; the same insert with
Warta's synchronous=NORMAL is shown for information), Isso (GET of the same thread as
JSON, POST of a new comment), and the article page with 100,000 comments against the
one with 200, with the workers' memory.

Targets that are compared are measured in turn, each once per round, and the round with
the median rate counts: whatever else the machine does touches them alike. Warta's
POST, Isso's POST and the insert baselines are measured in turn; Isso's GET rounds
come before, since each POST grows the thread. The run
prints requests/s, p50, p99, errors and the ratios against the targets, and checks that
every acknowledged POST was stored. Rate limits and the minimum fill time are off for
the POST through configuration, nothing else.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
ISSO_VENV = BENCH / ".isso-venv"
ISSO_VERSION = "0.13.0"
WORKERS = 4
CONNECTIONS = 32
WRK_THREADS = 2


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
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk(url: str, seconds: int, script: Path | None = None, args: tuple = (),
        warmup: int = 2) -> dict:
    """Measure one target; a short unmeasured run first lets every worker warm up."""
    def command(duration: int) -> list[str]:
        words = ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{duration}s",
                 "--latency", "--timeout", "10s"]
        if script:
            words += ["-s", str(script)]
        words.append(url)
        return words + (["--", *args] if args else [])

    if warmup:
        subprocess.run(command(warmup), capture_output=True, check=True, timeout=warmup + 60)
    output = subprocess.run(command(seconds), capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
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
    }
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["errors"] += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["errors"] += sum(int(n) for n in match.groups())
    if match := re.search(r"ACKNOWLEDGED (\d+)", output):
        result["acknowledged"] = int(match.group(1))
    return result


# -- Warta ---------------------------------------------------------------------------------


def warta_env(folder: Path, posting: bool = False) -> dict:
    """Warta's production settings; for the POST run, rate limits and the minimum
    fill time are off (a benchmark posts faster than any person)."""
    env = {
        "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'warta.sqlite3'}",
        "WARTA_SECRET_KEY": "benchmark-secret",
        "WARTA_SESSION_COOKIE_SECURE": "false",
        "WARTA_CACHE_STORAGE_URI": f"file://{folder / 'cache'}",
    }
    if posting:
        env.update({"WARTA_RATELIMIT_ENABLED": "false", "WARTA_MIN_FILL_SECONDS": "0"})
    return env


def prepare_warta(folder: Path, comments: int) -> None:
    env = {**os.environ, **warta_env(folder)}
    subprocess.run([str(VENV_PYTHON), "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    code = (f"import sys; sys.path.insert(0, {str(BENCH)!r}); from seed import seed; "
            f"from webapp import create_app; seed(create_app(), {comments})")
    subprocess.run([str(VENV_PYTHON), "-c", code], cwd=ROOT, env=env, check=True)


def warta_session(url: str, slug: str) -> tuple[str, str, bytes]:
    """A visitor's session cookie, its CSRF token, and the page as served."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/articles/{slug}").read()
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token, page


def stored_comments(folder: Path) -> int:
    with sqlite3.connect(folder / "warta.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM comments").fetchone()[0]


# -- Isso ----------------------------------------------------------------------------------


def isso_python() -> Path:
    python = ISSO_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}", "gunicorn"],
                       check=True)
    return python


def isso_config(folder: Path, port_hint: str) -> Path:
    config = folder / "isso.cfg"
    config.write_text(
        "[general]\n"
        f"dbpath = {folder / 'isso.sqlite3'}\n"
        f"host = {port_hint}\n"
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
        ids[row["id"]] = json.loads(urllib.request.urlopen(request).read())["id"]  # noqa: S310


# -- the run ---------------------------------------------------------------------------------

NAMES = {
    "article": "Warta article page (200 comments)",
    "article_returning": "  the same for a returning reader (information)",
    "section": "Warta section fragment (htmx)",
    "post": "Warta comment POST",
    "limit": "stack's limit: minimal Flask, same bytes",
    "limit_insert": "minimal Flask + one SQLite insert",
    "limit_insert_normal": "  the same, synchronous=NORMAL (information)",
    "isso_get": f"Isso {ISSO_VERSION} GET thread (200 comments)",
    "isso_post": f"Isso {ISSO_VERSION} POST comment",
    "article_large": "Warta article page (large)",
}
PARTS = ("reads", "post", "isso", "large")


def line(name: str, result: dict) -> str:
    rounds = " ".join(f"{r:.0f}" for r in result["rounds"])
    return (f"{name:44} {result['rps']:7.0f} req/s   p50 {result['p50']:7.2f} ms   "
            f"p99 {result['p99']:7.2f} ms   errors {result['errors']}   (rounds: {rounds})")


def median_of(runs: list[dict]) -> dict:
    """The run with the median rate, with every round's rate and all errors kept."""
    ordered = sorted(runs, key=lambda run: run["rps"])
    result = dict(ordered[len(ordered) // 2])
    result["rounds"] = [run["rps"] for run in runs]
    result["errors"] = sum(run["errors"] for run in runs)
    acknowledged = [run["acknowledged"] for run in runs if run["acknowledged"] is not None]
    result["acknowledged"] = sum(acknowledged) if acknowledged else None
    return result


def interleaved(targets: dict, rounds: int, seconds: int) -> dict[str, dict]:
    """Measure each target once per round, in turn, and keep the median round: what
    the machine does meanwhile (another process, a disk flush) then touches every
    target alike instead of one of them."""
    runs: dict[str, list[dict]] = {name: [] for name in targets}
    for round_number in range(rounds):
        for name, (url, script, args, warmup) in targets.items():
            runs[name].append(wrk(url, seconds, script, args, warmup if round_number == 0 else 0))
    return {name: median_of(found) for name, found in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each target (the median counts)")
    parser.add_argument("--large", type=int, default=100_000, help="comments in the large run")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="measure only this part (repeatable): reads, post, isso or large")
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    sys.path.insert(0, str(BENCH))
    parts = set(arguments.only or PARTS)
    seconds, rounds = arguments.seconds, arguments.rounds
    results: dict[str, dict] = {}
    checks: list[tuple[str, bool]] = []
    rss: dict[str, float] = {}
    slug = "putin-kim-pakta-pertahanan"
    article_path = f"/articles/{slug}"
    servers: list[Server] = []

    def serve(*args) -> Server:
        servers.append(Server(*args))
        return servers[-1]

    with tempfile.TemporaryDirectory(prefix="warta-bench-") as tmp:
        folder = Path(tmp)
        print(f"machine: {os.cpu_count()} cores; wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{seconds}s, "
              f"{rounds} rounds, the median counts; gunicorn {WORKERS} sync workers; "
              f"everything on 127.0.0.1\n", flush=True)
        try:
            # Warta with 200 comments, and the same bytes from a minimal Flask view.
            small = folder / "small"
            small.mkdir()
            prepare_warta(small, 200)
            warta = serve(VENV_PYTHON, "wsgi:app", warta_env(small), ROOT, "/healthz")
            _, _, page = warta_session(warta.url, slug)
            (folder / "page.html").write_bytes(page)
            baseline_env = {"BASELINE_PAGE": str(folder / "page.html"),
                            "BASELINE_DB": str(folder / "baseline.sqlite3")}
            with sqlite3.connect(folder / "baseline.sqlite3") as connection:  # before the workers race
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)")
            baseline = serve(VENV_PYTHON, "baseline_app:app", baseline_env, BENCH, "/page")

            if "reads" in parts:
                reader_cookie, _, _ = warta_session(warta.url, slug)
                results.update(interleaved({
                    "article": (warta.url + article_path, None, (), 2),
                    "article_returning": (warta.url + article_path, BENCH / "cookie.lua",
                                          (reader_cookie,), 2),
                    "section": (f"{warta.url}{article_path}/sections/3", BENCH / "htmx.lua", (), 2),
                    "limit": (f"{baseline.url}/page", None, (), 2),
                }, rounds, seconds))

            # The posts, Warta's and Isso's, against the insert baselines, measured in turn.
            posting_targets: dict[str, tuple] = {}
            if "isso" in parts:
                isso_cfg = isso_config(folder, "http://127.0.0.1/")
                isso = serve(isso_python(), "isso.run", {"ISSO_SETTINGS": str(isso_cfg)}, folder, "/info")
                seed_isso(isso.url, 200)
                # Every POST grows the thread the GET reads: the GET rounds come first.
                results.update(interleaved({"isso_get": (f"{isso.url}/?uri=%2Fartikel", None, (), 2)},
                                           rounds, seconds))
                posting_targets["isso_post"] = (f"{isso.url}/new?uri=%2Fartikel", BENCH / "post.lua",
                                                ("isso",), 2)
            if "post" in parts:
                posting = folder / "posting"
                posting.mkdir()
                prepare_warta(posting, 200)
                poster = serve(VENV_PYTHON, "wsgi:app", warta_env(posting, posting=True), ROOT, "/healthz")
                cookie, token, _ = warta_session(poster.url, slug)
                before = stored_comments(posting)
                # No warm-up for Warta: every acknowledged post of every round is counted.
                posting_targets = {
                    "post": (f"{poster.url}{article_path}/comments", BENCH / "post.lua",
                             ("warta", cookie, token), 0),
                    **posting_targets,
                    "limit_insert": (f"{baseline.url}/insert", BENCH / "post.lua", ("plain",), 2),
                    "limit_insert_normal": (f"{baseline.url}/insert-normal", BENCH / "post.lua",
                                            ("plain",), 2),
                }
            results.update(interleaved(posting_targets, rounds, seconds))
            if "post" in parts:
                stored = stored_comments(posting) - before
                acknowledged = results["post"]["acknowledged"]
                checks.append((f"every acknowledged POST stored ({acknowledged} acknowledged, "
                               f"{stored} stored)", stored >= acknowledged and acknowledged > 0))

            if "large" in parts:
                # The large discussion against the small one, measured in turn.
                large = folder / "large"
                large.mkdir()
                prepare_warta(large, arguments.large)
                big = serve(VENV_PYTHON, "wsgi:app", warta_env(large), ROOT, "/healthz")
                measured = interleaved({
                    "article_small": (warta.url + article_path, None, (), 2),
                    "article_large": (big.url + article_path, None, (), 2),
                }, rounds, seconds)
                results["article_large"] = measured["article_large"]
                rss = {"small": warta.worker_rss_mib(), "large": big.worker_rss_mib()}
                results.setdefault("article", measured["article_small"])
                results["article_for_large"] = measured["article_small"]
        finally:
            for server in servers:
                server.stop()

    names = {**NAMES, "limit": f"stack's limit: minimal Flask, same {len(page) // 1024} KB",
             "article_large": f"Warta article page ({arguments.large:,} comments)"}
    for key, name in names.items():
        if key in results:
            print(line(name, results[key]))
    if rss:
        print(f"\nworker memory (mean RSS): {rss['small']:.1f} MiB with 200 comments, "
              f"{rss['large']:.1f} MiB with {arguments.large:,}")

    r = {key: value["rps"] for key, value in results.items()}
    ratios = [
        ("article / stack's limit", "article", "limit", 0.5),
        ("article / Isso GET", "article", "isso_get", 10),
        ("section / stack's limit", "section", "limit", 0.7),
        ("POST / Isso POST", "post", "isso_post", 2),
        ("POST / Flask + one insert", "post", "limit_insert", 0.4),
        (f"article {arguments.large:,} / article 200", "article_large", "article_for_large", 0.9),
    ]
    print()
    for name, top, bottom, target in ratios:
        if top in r and bottom in r:
            value = r[top] / r[bottom] if r[bottom] else float("inf")
            checks.append((f"{name:36} {value:7.2f} x (target >= {target})", value >= target))
    if "article_returning" in r:
        print(f"information: article for a returning reader / stack's limit "
              f"{r['article_returning'] / r['limit']:.2f} x (no target)")
    if "limit_insert_normal" in r:
        print(f"information: POST / insert with Warta's synchronous=NORMAL "
              f"{r['post'] / r['limit_insert_normal']:.2f} x (no target)\n")
    if rss:
        checks.append((f"worker RSS within 10 % ({rss['large'] / rss['small'] - 1:+.1%})",
                       abs(rss["large"] / rss["small"] - 1) <= 0.10))
    for key in ("article", "section", "article_large"):
        if key in results:
            result = results[key]
            checks.append((f"p99 <= 5 x p50 on {key} ({result['p99']:.2f} / {result['p50']:.2f} ms)",
                           result["p99"] <= 5 * result["p50"]))
    warta_keys = [k for k in ("article", "section", "post", "article_large", "article_for_large")
                  if k in results]
    checks.append(("zero errors (non-2xx/3xx or socket) on Warta",
                   all(results[k]["errors"] == 0 for k in warta_keys)))
    failed = 0
    for name, ok in checks:
        failed += not ok
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
